"""Helpers of the kgen.testing tests: object builders, Status checks, watch readers."""

from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx

CM = "/api/v1/namespaces/{ns}/configmaps"
WIDGETS = "/apis/example.kgen.io/v1/namespaces/{ns}/widgets"
GADGETS = "/apis/example.kgen.io/v1/gadgets"
DEPLOYMENTS = "/apis/apps/v1/namespaces/{ns}/deployments"
PODS = "/api/v1/namespaces/{ns}/pods"


# What the controllers of a real cluster put in every namespace that tests list: kube-controller-manager's
# root-ca-cert-publisher creates this ConfigMap (on by default since 1.20). kgen.testing runs no such
# controller. The namespace fixture waits for it against a real server, so that it is there from the
# start of each test rather than appearing in the middle of one.
CLUSTER_MADE = frozenset({"kube-root-ca.crt"})


def ours(items: list[dict[str, Any]]) -> list[str]:
    """The names of listed objects, leaving out those the cluster's controllers made."""
    names = [item["metadata"]["name"] for item in items]
    return [name for name in names if name not in CLUSTER_MADE]


def our_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Watch events, leaving out those about objects the cluster's controllers made."""
    return [
        event
        for event in events
        if ((event.get("object") or {}).get("metadata") or {}).get("name") not in CLUSTER_MADE
    ]


def configmap(name: str, data: dict[str, str] | None = None, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, **meta},
        "data": data or {"k": "v"},
    }


def widget(name: str, color: str = "red", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"color": color, "size": 1, **spec},
    }


def gadget(name: str, **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Gadget",
        "metadata": {"name": name, **meta},
        "spec": {"widgetColor": "red"},
    }


def deployment(name: str, replicas: int = 1) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec},
    }


def assert_status(
    response: httpx.Response, code: int, reason: str | None, message: str | None = None
) -> dict[str, Any]:
    """The response is a failure Status with this code, reason (and exact message)."""
    assert response.status_code == code, response.text
    body = response.json()
    assert body["kind"] == "Status", body
    assert body["apiVersion"] == "v1"
    assert body["metadata"] == {}
    assert body["status"] == "Failure"
    assert body["code"] == code
    assert body.get("reason") == reason, body
    if message is not None:
        assert body["message"] == message, body
    return body


def update_until_stored(
    client: httpx.Client, path: str, change: Callable[[dict[str, Any]], None]
) -> httpx.Response:
    """PUT ``change``d copies of the object at ``path`` until one is not a 409 Conflict: on a real
    cluster controllers write the objects too (a Deployment's status...), so read, modify and write
    again on a conflict, as clients do."""

    def attempt() -> httpx.Response | None:
        current = client.get(path).json()
        change(current)
        response = client.put(path, json=current)
        return None if response.status_code == 409 else response

    result: httpx.Response = wait_for(attempt)
    return result


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02) -> Any:
    """Poll until ``check()`` is truthy (never asserts on durations: only fails after the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)


class WatchReader:
    """Reads a watch stream in a thread, collecting its events.

    It uses http.client so that close() can shut the socket down and end the reading thread at once.
    """

    def __init__(self, client: httpx.Client, path: str, params: dict[str, Any]) -> None:
        self.events: list[dict[str, Any]] = []
        self.status_code: int | None = None
        self.ended = threading.Event()
        self.error: BaseException | None = None
        self._lock = threading.Lock()
        url = client.base_url
        query = urlencode({**params, "watch": "true"})
        if url.scheme == "https":
            context = ssl.create_default_context(cafile=os.environ.get("KGEN_CONFORMANCE_CA"))
            self._conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                url.host, url.port, context=context, timeout=60
            )
        else:
            self._conn = http.client.HTTPConnection(url.host, url.port, timeout=60)
        headers = {k: v for k, v in client.headers.items() if k.lower() == "authorization"}
        self._conn.request("GET", f"{path}?{query}", headers=headers)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            response = self._conn.getresponse()
            self.status_code = response.status
            while True:
                line = response.readline()
                if not line:
                    break
                if line.strip():
                    with self._lock:
                        self.events.append(json.loads(line))
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
        finally:
            self._conn.close()
            self.ended.set()

    def wait(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        wait_for(lambda: len(self.events) >= count or self.ended.is_set(), timeout)
        with self._lock:
            return list(self.events)

    def wait_end(self, timeout: float = 20.0) -> list[dict[str, Any]]:
        assert self.ended.wait(timeout), "the watch did not end"
        return list(self.events)

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]

    def close(self) -> None:
        sock = self._conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._conn.close()
        self.ended.wait(10)


def iter_events(response: httpx.Response) -> Iterator[dict[str, Any]]:
    for line in response.iter_lines():
        if line.strip():
            yield json.loads(line)
