"""kgen-only: history window and 410s, bookmarks, slow consumers, and injected faults."""

from __future__ import annotations

import json
import time

import httpx
import pytest
from kubehelp import CM, WatchReader, assert_status, configmap

from kgen.testing import APIServer

NS = "default"


def _rv(client: httpx.Client) -> int:
    return int(client.get(CM.format(ns=NS)).json()["metadata"]["resourceVersion"])


@pytest.mark.parametrize("server", [{"history": 5}], indirect=True)
def test_watch_from_compacted_history_sends_410_event(
    kclient: httpx.Client, server: APIServer
) -> None:
    start = _rv(kclient)
    for i in range(10):
        kclient.post(CM.format(ns=NS), json=configmap(f"cm-{i}"))
    oldest = server.store.compacted_rv
    reader = WatchReader(kclient, CM.format(ns=NS), {"resourceVersion": str(start)})
    events = reader.wait_end()
    assert reader.status_code == 200
    assert events == [
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"too old resource version: {start} ({oldest})",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]


def test_compact_makes_old_resource_versions_gone(kclient: httpx.Client, server: APIServer) -> None:
    start = _rv(kclient)
    kclient.post(CM.format(ns=NS), json=configmap("a"))
    server.faults.compact()
    reader = WatchReader(kclient, CM.format(ns=NS), {"resourceVersion": str(start)})
    assert reader.wait_end()[0]["object"]["code"] == 410
    exact = kclient.get(
        CM.format(ns=NS), params={"resourceVersion": str(start), "resourceVersionMatch": "Exact"}
    )
    assert_status(
        exact, 410, "Expired", f"too old resource version: {start} ({server.store.compacted_rv})"
    )


def test_expired_continue_token(kclient: httpx.Client, server: APIServer) -> None:
    for i in range(3):
        kclient.post(CM.format(ns=NS), json=configmap(f"cm-{i}"))
    page = kclient.get(CM.format(ns=NS), params={"limit": 1}).json()
    kclient.post(CM.format(ns=NS), json=configmap("later"))
    server.faults.compact()
    response = kclient.get(
        CM.format(ns=NS), params={"limit": 1, "continue": page["metadata"]["continue"]}
    )
    assert response.status_code == 410
    body = response.json()
    assert (body["kind"], body["status"], body["reason"], body["code"]) == (
        "Status",
        "Failure",
        "Expired",
        410,
    )
    assert body["message"].startswith("The provided continue parameter is too old")
    assert body["metadata"]["continue"]  # to go on with an inconsistent list


def test_resume_inside_the_window(kclient: httpx.Client, server: APIServer) -> None:
    created = kclient.post(CM.format(ns=NS), json=configmap("a")).json()
    kclient.post(CM.format(ns=NS), json=configmap("b"))
    reader = WatchReader(
        kclient, CM.format(ns=NS), {"resourceVersion": created["metadata"]["resourceVersion"]}
    )
    events = reader.wait(1)
    assert [e["object"]["metadata"]["name"] for e in events] == ["b"]
    reader.close()


@pytest.mark.parametrize("server", [{"bookmark_interval": 0.05}], indirect=True)
def test_bookmarks(kclient: httpx.Client, server: APIServer) -> None:
    reader = WatchReader(
        kclient,
        CM.format(ns=NS),
        {"resourceVersion": str(_rv(kclient)), "allowWatchBookmarks": "true"},
    )
    kclient.post(CM.format(ns=NS), json=configmap("a"))
    events = reader.wait(2)
    bookmark = next(e for e in events if e["type"] == "BOOKMARK")
    assert set(bookmark["object"]) == {"kind", "apiVersion", "metadata"}
    assert set(bookmark["object"]["metadata"]) == {"resourceVersion"}
    assert int(bookmark["object"]["metadata"]["resourceVersion"]) >= _rv(kclient) - 1
    reader.close()


@pytest.mark.parametrize("server", [{"bookmark_interval": 0.05}], indirect=True)
def test_no_bookmarks_unless_asked(kclient: httpx.Client, server: APIServer) -> None:
    reader = WatchReader(
        kclient, CM.format(ns=NS), {"resourceVersion": str(_rv(kclient)), "timeoutSeconds": 1}
    )
    events = reader.wait_end()
    assert [e for e in events if e["type"] == "BOOKMARK"] == []


def test_slow_consumer_loses_nothing(server: APIServer) -> None:
    """A watcher that reads nothing while thousands of events happen still gets them all, in order."""
    rt = server.registry.get("", "v1", "configmaps")
    assert rt is not None
    watcher = server.store.watch(rt.gr, NS)
    for i in range(3000):
        server.api.create(rt, NS, configmap(f"cm-{i}"))
    names = []
    while True:
        event = watcher.next(timeout=0.5)
        if event is None:
            break
        names.append(event.object["metadata"]["name"])
    watcher.stop()
    assert names == [f"cm-{i}" for i in range(3000)]


def test_slow_http_consumer_loses_nothing(kclient: httpx.Client, server: APIServer) -> None:
    start = _rv(kclient)
    rt = server.registry.get("", "v1", "configmaps")
    assert rt is not None
    with httpx.Client(base_url=server.url, timeout=30) as watching:
        with watching.stream(
            "GET", CM.format(ns=NS), params={"watch": "true", "resourceVersion": str(start)}
        ) as response:
            for i in range(2000):
                server.api.create(rt, NS, configmap(f"cm-{i}", {"payload": "x" * 200}))
            time.sleep(0.2)  # let the queue build up before reading anything (not an assertion)
            seen = []
            for line in response.iter_lines():
                if line:
                    seen.append(json.loads(line)["object"]["metadata"]["name"])
                if len(seen) == 2000:
                    break
    assert seen == [f"cm-{i}" for i in range(2000)]


def test_throttle(kclient: httpx.Client, server: APIServer) -> None:
    server.faults.throttle(2, retry_after=3, verb="list", path="/configmaps")
    first = kclient.get(CM.format(ns=NS))
    body = assert_status(
        first, 429, "TooManyRequests", "Too many requests, please try again later."
    )
    assert body["details"] == {"retryAfterSeconds": 3}
    assert first.headers["retry-after"] == "3"
    assert kclient.get("/api/v1/namespaces").status_code == 200  # another path
    assert kclient.get(CM.format(ns=NS)).status_code == 429
    assert kclient.get(CM.format(ns=NS)).status_code == 200


def test_fail(kclient: httpx.Client, server: APIServer) -> None:
    server.faults.fail(1, code=500, retry_after=2, verb="create")
    response = kclient.post(CM.format(ns=NS), json=configmap("x"))
    body = assert_status(response, 500, "InternalError", "Internal error occurred: injected fault")
    assert body["details"]["retryAfterSeconds"] == 2
    assert response.headers["retry-after"] == "2"
    assert kclient.post(CM.format(ns=NS), json=configmap("x")).status_code == 201


def test_delay(kclient: httpx.Client, server: APIServer) -> None:
    server.faults.delay(0.2, count=1, verb="get")
    assert kclient.get(CM.format(ns=NS) + "/missing").status_code == 404
    assert server.faults.before("get", "GET", "/x") == (0.0, None)


def test_close_watches_after(kclient: httpx.Client, server: APIServer) -> None:
    server.faults.close_watches_after(2, count=1)
    start = _rv(kclient)
    for i in range(5):
        kclient.post(CM.format(ns=NS), json=configmap(f"cm-{i}"))
    reader = WatchReader(kclient, CM.format(ns=NS), {"resourceVersion": str(start)})
    assert len(reader.wait_end()) == 2
    again = WatchReader(
        kclient, CM.format(ns=NS), {"resourceVersion": str(start), "timeoutSeconds": 1}
    )
    assert len(again.wait_end()) == 5


def test_restart_drops_watches_and_history(kclient: httpx.Client, server: APIServer) -> None:
    start = _rv(kclient)
    reader = WatchReader(kclient, CM.format(ns=NS), {"resourceVersion": str(start)})
    kclient.post(CM.format(ns=NS), json=configmap("a"))
    reader.wait(1)
    server.faults.restart()
    reader.wait_end()
    after = WatchReader(kclient, CM.format(ns=NS), {"resourceVersion": str(start)})
    assert after.wait_end()[0]["object"]["code"] == 410
    assert kclient.get(CM.format(ns=NS) + "/a").status_code == 200


def test_restart_with_new_resource_versions(kclient: httpx.Client, server: APIServer) -> None:
    kclient.post(CM.format(ns=NS), json=configmap("a"))
    before = _rv(kclient)
    server.faults.restart(reset_rv=1)
    assert _rv(kclient) < before


def test_requests_are_recorded(kclient: httpx.Client, server: APIServer) -> None:
    kclient.get(CM.format(ns=NS))
    recorded = [r for r in server.faults.requests if r.path == CM.format(ns=NS)]
    assert recorded[-1].verb == "list" and recorded[-1].code == 200
