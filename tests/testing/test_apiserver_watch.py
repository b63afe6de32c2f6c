"""Watch: events after a resourceVersion, initial state, selectors, bookmarks, timeouts, streaming lists."""

from __future__ import annotations

import json

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import CM, WIDGETS, WatchReader, configmap, our_events, wait_for, widget

pytestmark = pytest.mark.conformance


def _rv(client: httpx.Client, namespace: str) -> str:
    return str(client.get(CM.format(ns=namespace)).json()["metadata"]["resourceVersion"])


@pytest.fixture
def watches() -> list[WatchReader]:
    readers: list[WatchReader] = []
    yield readers
    for reader in readers:
        reader.close()


def test_watch_from_resource_version(client: httpx.Client, namespace: str, watches: list) -> None:
    rv = _rv(client, namespace)
    created = client.post(CM.format(ns=namespace), json=configmap("x")).json()
    created["data"] = {"k": "2"}
    updated = client.put(CM.format(ns=namespace) + "/x", json=created).json()
    client.delete(CM.format(ns=namespace) + "/x")
    reader = WatchReader(client, CM.format(ns=namespace), {"resourceVersion": rv})
    watches.append(reader)
    events = reader.wait(3)
    assert reader.status_code == 200
    assert [e["type"] for e in events[:3]] == ["ADDED", "MODIFIED", "DELETED"]
    assert events[0]["object"]["metadata"]["name"] == "x"
    assert events[1]["object"]["data"] == {"k": "2"}
    deleted = events[2]["object"]
    assert deleted["data"] == {"k": "2"}
    assert int(deleted["metadata"]["resourceVersion"]) > int(updated["metadata"]["resourceVersion"])
    assert events[0]["object"]["kind"] == "ConfigMap" and events[0]["object"]["apiVersion"] == "v1"


def test_watch_live_events(client: httpx.Client, namespace: str, watches: list) -> None:
    reader = WatchReader(
        client, CM.format(ns=namespace), {"resourceVersion": _rv(client, namespace)}
    )
    watches.append(reader)
    client.post(CM.format(ns=namespace), json=configmap("live"))
    events = reader.wait(1)
    assert events[0]["type"] == "ADDED"
    assert events[0]["object"]["metadata"]["name"] == "live"


def test_watch_without_resource_version_starts_with_state(
    client: httpx.Client, namespace: str, watches: list
) -> None:
    client.post(CM.format(ns=namespace), json=configmap("a"))
    client.post(CM.format(ns=namespace), json=configmap("b"))
    reader = WatchReader(client, CM.format(ns=namespace), {})
    watches.append(reader)
    # The initial state also holds what a real cluster's controllers made (kubehelp.CLUSTER_MADE).
    wait_for(lambda: len(our_events(reader.events)) >= 2)
    events = our_events(reader.events)
    assert sorted((e["type"], e["object"]["metadata"]["name"]) for e in events) == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]
    client.post(CM.format(ns=namespace), json=configmap("c"))
    wait_for(lambda: len(our_events(reader.events)) >= 3)
    events = our_events(reader.events)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events[2:]] == [("ADDED", "c")]


def test_watch_resource_version_zero(client: httpx.Client, namespace: str, watches: list) -> None:
    client.post(CM.format(ns=namespace), json=configmap("a"))
    reader = WatchReader(client, CM.format(ns=namespace), {"resourceVersion": "0"})
    watches.append(reader)
    wait_for(lambda: our_events(reader.events))
    events = our_events(reader.events)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a")]


def test_watch_timeout_ends_stream(client: httpx.Client, namespace: str, watches: list) -> None:
    reader = WatchReader(
        client,
        CM.format(ns=namespace),
        {"resourceVersion": _rv(client, namespace), "timeoutSeconds": 1},
    )
    watches.append(reader)
    reader.wait_end()
    assert reader.error is None
    assert reader.status_code == 200


def test_the_connection_outlives_a_watch_that_ended(client: httpx.Client, namespace: str) -> None:
    # A watch the server ends (timeoutSeconds) leaves its connection open for the next request, as
    # for any answer: a server that closed it unannounced would reset the request sent next on it.
    def local_port(response: httpx.Response) -> object:
        return response.extensions["network_stream"].get_extra_info("client_addr")

    rv = _rv(client, namespace)
    with client.stream(
        "GET",
        CM.format(ns=namespace),
        params={"watch": "1", "resourceVersion": rv, "timeoutSeconds": 1},
    ) as watch:
        assert watch.status_code == 200 and watch.headers.get("connection") != "close"
        watched_from = local_port(watch)
        watch.read()
    # One connection free in the pool: the next request reuses it if the server kept it.
    followed = client.post(CM.format(ns=namespace), json=configmap("after-watch"))
    assert followed.status_code == 201
    assert local_port(followed) == watched_from


def test_label_selector_changes_send_added_and_deleted(
    client: httpx.Client, namespace: str, watches: list
) -> None:
    created = client.post(CM.format(ns=namespace), json=configmap("x")).json()
    reader = WatchReader(
        client,
        CM.format(ns=namespace),
        {"resourceVersion": created["metadata"]["resourceVersion"], "labelSelector": "on=yes"},
    )
    watches.append(reader)
    created["metadata"]["labels"] = {"on": "yes"}
    labelled = client.put(CM.format(ns=namespace) + "/x", json=created).json()
    labelled["data"] = {"k": "changed"}
    changed = client.put(CM.format(ns=namespace) + "/x", json=labelled).json()
    changed["metadata"]["labels"] = {"on": "no"}
    unlabelled = client.put(CM.format(ns=namespace) + "/x", json=changed).json()
    events = reader.wait(3)
    assert [e["type"] for e in events[:3]] == ["ADDED", "MODIFIED", "DELETED"]
    # The DELETED event carries the last matching state, at the resourceVersion of the change.
    assert events[2]["object"]["metadata"]["labels"] == {"on": "yes"}
    assert (
        events[2]["object"]["metadata"]["resourceVersion"]
        == unlabelled["metadata"]["resourceVersion"]
    )


def test_watch_single_object_by_field_selector(
    client: httpx.Client, namespace: str, watches: list
) -> None:
    rv = _rv(client, namespace)
    reader = WatchReader(
        client, CM.format(ns=namespace), {"resourceVersion": rv, "fieldSelector": "metadata.name=b"}
    )
    watches.append(reader)
    for name in ("a", "b", "c"):
        client.post(CM.format(ns=namespace), json=configmap(name))
    client.post(CM.format(ns=namespace), json=configmap("b2"))
    client.delete(CM.format(ns=namespace) + "/b")
    events = reader.wait(2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events[:2]] == [
        ("ADDED", "b"),
        ("DELETED", "b"),
    ]


def test_watch_custom_resources(client: httpx.Client, namespace: str, watches: list) -> None:
    rv = client.get(WIDGETS.format(ns=namespace)).json()["metadata"]["resourceVersion"]
    reader = WatchReader(client, WIDGETS.format(ns=namespace), {"resourceVersion": rv})
    watches.append(reader)
    client.post(WIDGETS.format(ns=namespace), json=widget("w"))
    event = reader.wait(1)[0]
    assert event["type"] == "ADDED"
    assert event["object"]["apiVersion"] == "example.kgen.io/v1"
    assert event["object"]["kind"] == "Widget"


def test_watch_in_another_served_version(
    client: httpx.Client, namespace: str, watches: list
) -> None:
    path = f"/apis/example.kgen.io/v1alpha1/namespaces/{namespace}/widgets"
    rv = client.get(path).json()["metadata"]["resourceVersion"]
    reader = WatchReader(client, path, {"resourceVersion": rv})
    watches.append(reader)
    client.post(WIDGETS.format(ns=namespace), json=widget("w"))
    assert reader.wait(1)[0]["object"]["apiVersion"] == "example.kgen.io/v1alpha1"


@since("1.27")
def test_send_initial_events(client: httpx.Client, namespace: str, watches: list) -> None:
    client.post(CM.format(ns=namespace), json=configmap("a"))
    client.post(CM.format(ns=namespace), json=configmap("b"))
    reader = WatchReader(
        client,
        CM.format(ns=namespace),
        {
            "sendInitialEvents": "true",
            "resourceVersionMatch": "NotOlderThan",
            "allowWatchBookmarks": "true",
        },
    )
    watches.append(reader)
    events = reader.wait(3)
    assert [e["type"] for e in events[:3]] == ["ADDED", "ADDED", "BOOKMARK"]
    bookmark = events[2]["object"]
    assert bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert bookmark["kind"] == "ConfigMap" and bookmark["apiVersion"] == "v1"
    assert bookmark["metadata"]["resourceVersion"].isdigit()


@since("1.27")
def test_send_initial_events_needs_not_older_than(client: httpx.Client, namespace: str) -> None:
    response = client.get(
        CM.format(ns=namespace), params={"watch": "true", "sendInitialEvents": "true"}
    )
    assert response.status_code == 422
    assert response.json()["reason"] == "Invalid"
    assert json.dumps(response.json()).count(
        "sendInitialEvents requires setting resourceVersionMatch"
    )


def test_legacy_watch_path(client: httpx.Client, namespace: str, watches: list) -> None:
    rv = _rv(client, namespace)
    reader = WatchReader(
        client, f"/api/v1/watch/namespaces/{namespace}/configmaps", {"resourceVersion": rv}
    )
    watches.append(reader)
    client.post(CM.format(ns=namespace), json=configmap("a"))
    assert reader.wait(1)[0]["object"]["metadata"]["name"] == "a"


def test_watch_named_object(client: httpx.Client, namespace: str, watches: list) -> None:
    rv = _rv(client, namespace)
    reader = WatchReader(
        client, f"/api/v1/watch/namespaces/{namespace}/configmaps/b", {"resourceVersion": rv}
    )
    watches.append(reader)
    client.post(CM.format(ns=namespace), json=configmap("a"))
    client.post(CM.format(ns=namespace), json=configmap("b"))
    events = reader.wait(1)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "b")]


def test_watch_parameter_on_a_named_get(client: httpx.Client, namespace: str) -> None:
    # ?watch=true makes a watch of a list only: a GET of one object stays a GET.
    missing = client.get(CM.format(ns=namespace) + "/b", params={"watch": "true"})
    assert missing.status_code == 404
    assert missing.json()["reason"] == "NotFound"
    client.post(CM.format(ns=namespace), json=configmap("b"))
    found = client.get(CM.format(ns=namespace) + "/b", params={"watch": "true"})
    assert found.status_code == 200
    assert found.json()["kind"] == "ConfigMap" and found.json()["metadata"]["name"] == "b"
