# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The typed and the dynamic client are one verb engine: every test here runs against both, over real HTTP,
and checks the same requests and answers (list timeouts, watch options, pages, preconditions, dry runs,
field validation, options values and keywords)."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qs

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap, Namespace

from kgen.runtime import (
    BadRequest,
    Config,
    Conflict,
    DeleteOptions,
    ListOptions,
    NotFound,
    ObjectMeta,
    Preconditions,
    Unstructured,
    WriteOptions,
)
from kgen.testing import APIServer

FLAVOURS = ["typed", "dynamic"]


def client_of(cs: Clientset, flavour: str, namespace: str) -> Any:
    """The configmaps of ``namespace``, through the generated client or the dynamic one."""
    if flavour == "typed":
        return cs.core_v1.configmaps(namespace)
    return cs.dynamic.resource("v1/configmaps").namespace(namespace)


def configmap(flavour: str, name: str, namespace: str | None = None, **labels: str) -> Any:
    typed = ConfigMap(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or None),
        data={"k": "v"},
    )
    return typed if flavour == "typed" else Unstructured.from_typed(typed)


def name_of(obj: Any) -> str:
    return obj.name if isinstance(obj, Unstructured) else obj.metadata.name  # type: ignore[no-any-return]


def uid_of(obj: Any) -> str:
    return obj.uid if isinstance(obj, Unstructured) else obj.metadata.uid  # type: ignore[no-any-return]


def version_of(obj: Any) -> str:
    if isinstance(obj, Unstructured):
        return obj.resource_version  # type: ignore[return-value]
    return obj.metadata.resource_version  # type: ignore[no-any-return]


def managers_of(obj: Any) -> set[str]:
    if isinstance(obj, Unstructured):
        return {entry["manager"] for entry in obj.metadata.get("managedFields") or []}
    return {entry.manager for entry in obj.metadata.managed_fields or []}


def names_of(page: Any) -> list[str]:
    return sorted(name_of(item) for item in page.items)


def queries(server: APIServer, namespace: str, method: str = "GET") -> list[dict[str, list[str]]]:
    """The query parameters of every ``method`` request to this namespace's configmaps, in order."""
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    return [
        parse_qs(r.query)
        for r in server.faults.requests
        if r.method == method and r.path.startswith(path)
    ]


@pytest.fixture(params=FLAVOURS)
def flavour(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def test_a_list_with_a_server_timeout_outlives_the_client_timeout(
    config: Config, namespace: str, flavour: str, api_server: APIServer
) -> None:
    """timeoutSeconds is how long the server may take: the request waits that long and 5 s more, where
    the config's timeout (0.5 s here) would cut it short (and retry, and cut it short again)."""
    with Clientset(dataclasses.replace(config, timeout=0.5)) as cs:
        configmaps = client_of(cs, flavour, namespace)
        api_server.faults.delay(1.5, count=None, verb="list", path=f"/namespaces/{namespace}/")
        try:
            page = configmaps.list(timeout_seconds=1)
        finally:
            api_server.faults.clear()
    assert names_of(page) == []
    assert [q.get("timeoutSeconds") for q in queries(api_server, namespace)] == [["1"]]


def test_watch_options_are_sent_and_the_stream_tracks_its_resource_version(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    start = version_of(configmaps.create(configmap(flavour, "a")))
    configmaps.create(configmap(flavour, "b"))
    # A watch takes resourceVersionMatch along with sendInitialEvents (false: the events after start).
    with configmaps.watch(
        resource_version=start,
        resource_version_match="NotOlderThan",
        send_initial_events=False,
        timeout_seconds=5,
    ) as stream:
        for event in stream:
            assert event.type == "ADDED" and name_of(event.object) == "b"
            break
    assert stream.resource_version is not None and int(stream.resource_version) > int(start)
    # Bookmarks unless told otherwise; a streaming list asks for NotOlderThan itself.
    with configmaps.watch(
        resource_version=start, allow_watch_bookmarks=False, timeout_seconds=1
    ) as stream:
        for _ in stream:
            break
    with configmaps.watch(send_initial_events=True, timeout_seconds=5) as stream:
        for event in stream:
            if event.initial_events_end:
                break
    watches = [q for q in queries(api_server, namespace) if q.get("watch") == ["true"]]
    assert [q.get("resourceVersionMatch") for q in watches] == [
        ["NotOlderThan"],
        None,
        ["NotOlderThan"],
    ]
    assert [q["allowWatchBookmarks"] for q in watches] == [["true"], ["false"], ["true"]]
    assert [q.get("sendInitialEvents") for q in watches] == [["false"], None, ["true"]]


def test_watch_from_resumes_across_streams(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    start = version_of(configmaps.create(configmap(flavour, "first")))
    configmaps.create(configmap(flavour, "second"))
    configmaps.create(configmap(flavour, "third"))
    api_server.faults.close_watches_after(1, count=2)
    seen = []
    try:
        for event in configmaps.watch_from(start, min_restart_delay=0.0):
            seen.append(name_of(event.object))
            if len(seen) == 2:
                break
    finally:
        api_server.faults.clear()
    assert seen == ["second", "third"]


def test_pages_follow_continue_over_one_snapshot(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    for index in range(23):
        last = configmaps.create(configmap(flavour, f"cm-{index:02d}"))
    at = version_of(last)
    pages = [
        page
        for page in configmaps.pages(
            page_size=10, resource_version=at, resource_version_match="Exact"
        )
    ]
    assert [len(page.items) for page in pages] == [10, 10, 3]
    lists = [q for q in queries(api_server, namespace) if "watch" not in q]
    # Continuation pages carry the token, never the resourceVersion again.
    assert [
        (q.get("resourceVersion"), q.get("resourceVersionMatch"), "continue" in q) for q in lists
    ] == [([at], ["Exact"], False), (None, None, True), (None, None, True)]
    assert all(q["limit"] == ["10"] for q in lists)
    names = [name_of(item) for item in configmaps.iter(ListOptions(limit=7))]
    assert names == [f"cm-{index:02d}" for index in range(23)]


def test_delete_preconditions(cs: Clientset, namespace: str, flavour: str) -> None:
    configmaps = client_of(cs, flavour, namespace)
    created = configmaps.create(configmap(flavour, "victim"))
    with pytest.raises(Conflict, match="(?i)precondition"):
        configmaps.delete("victim", uid="not-the-uid")
    with pytest.raises(Conflict, match="(?i)precondition"):
        configmaps.delete("victim", options=DeleteOptions(), resource_version="1")
    pinned = DeleteOptions(preconditions=Preconditions(uid=uid_of(created)))
    configmaps.delete("victim", options=pinned)
    with pytest.raises(NotFound):
        configmaps.get("victim")


def test_dry_runs_store_nothing(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    dry = configmaps.create(configmap(flavour, "dry"), dry_run=True)
    assert name_of(dry) == "dry"
    with pytest.raises(NotFound):
        configmaps.get("dry")
    configmaps.create(configmap(flavour, "kept", group="x"))
    configmaps.delete("kept", dry_run=True, grace_period_seconds=0)
    configmaps.delete_collection(label_selector="group=x", dry_run=True)
    assert names_of(configmaps.list()) == ["kept"]
    posts = queries(api_server, namespace, "POST")
    deletes = queries(api_server, namespace, "DELETE")
    assert posts[0]["dryRun"] == ["All"] and "dryRun" not in posts[1]
    assert [q["dryRun"] for q in deletes] == [["All"], ["All"]]
    assert deletes[1]["labelSelector"] == ["group=x"]


def test_write_options_reach_the_server(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    strict = WriteOptions(field_manager="me", field_validation="Strict")
    created = configmaps.create(configmap(flavour, "y"), options=strict)
    assert "me" in managers_of(created)
    patched = configmaps.patch("y", {"data": {"k": "w"}}, field_manager="patcher")
    json_patched = configmaps.patch("y", [{"op": "replace", "path": "/data/k", "value": "j"}])
    assert name_of(patched) == name_of(json_patched) == "y"
    applied = configmaps.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}, "data": {"a": "1"}},
        field_manager="applier",
        force=True,
    )
    assert "applier" in managers_of(applied)
    with pytest.raises(ValueError, match="field_manager"):
        configmaps.apply(configmap(flavour, "y"))
    post = queries(api_server, namespace, "POST")[0]
    assert (post["fieldManager"], post["fieldValidation"]) == (["me"], ["Strict"])
    patches = queries(api_server, namespace, "PATCH")
    assert [q.get("fieldManager") for q in patches] == [["patcher"], None, ["applier"]]
    assert patches[2]["force"] == ["true"]


def test_strict_field_validation_refuses_unknown_fields(
    cs: Clientset, namespace: str, flavour: str
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    configmaps.create(configmap(flavour, "x"))
    # A model holds no field it does not know: a patch brings the unknown one, to either client.
    with pytest.raises(BadRequest):
        configmaps.patch("x", {"bogus": 1}, field_validation="Strict")
    configmaps.patch("x", {"bogus": 1}, field_validation="Ignore")


def test_options_values_and_keywords_are_one_thing(
    cs: Clientset, namespace: str, flavour: str
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    configmaps.create(configmap(flavour, "web", app="web"))
    configmaps.create(configmap(flavour, "db", app="db"))
    options = ListOptions(label_selector={"app": "web"})
    assert names_of(configmaps.list(options)) == ["web"]
    assert names_of(configmaps.list(label_selector={"app": "web"})) == ["web"]
    # A keyword given sets its field on a copy; the value itself is left as it was.
    assert names_of(configmaps.list(options, label_selector="app=db")) == ["db"]
    assert options == ListOptions(label_selector={"app": "web"})


def test_an_object_of_another_namespace_is_refused_before_any_request(
    cs: Clientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    before = len(api_server.faults.requests)
    with pytest.raises(ValueError, match="namespace"):
        configmaps.create(configmap(flavour, "elsewhere", namespace="not-" + namespace))
    assert len(api_server.faults.requests) == before


def test_both_clients_send_the_same_requests(
    cs: Clientset, namespace: str, api_server: APIServer
) -> None:
    """The same calls, typed then dynamic, in two namespaces: the same requests, parameter for
    parameter (only the bodies' representations differ)."""
    other = f"{namespace}-d"
    cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=other)))
    try:
        sent = {}
        for flavour, where in (("typed", namespace), ("dynamic", other)):
            configmaps = client_of(cs, flavour, where)
            created = configmaps.create(configmap(flavour, "a", app="x"), dry_run=False)
            configmaps.get("a", resource_version="0")
            configmaps.list(
                ListOptions(label_selector="app=x", field_selector="metadata.name=a", limit=5),
                timeout_seconds=30,
            )
            with configmaps.watch(
                resource_version=version_of(created), timeout_seconds=1
            ) as stream:
                for _ in stream:
                    pass
            configmaps.update(created, field_manager="u", field_validation="Warn")
            configmaps.patch("a", {"data": {"b": "2"}}, dry_run=True)
            configmaps.delete(
                "a", uid=uid_of(created), propagation_policy="Background", grace_period_seconds=1
            )
            configmaps.delete_collection(label_selector="app=x", propagation_policy="Orphan")
            # The namespace and the object's resourceVersion are the only things that differ.
            rv = version_of(created)
            sent[flavour] = [
                (
                    r.method,
                    r.path.replace(where, "NS"),
                    sorted(
                        (key, ["RV" if value == rv else value for value in values])
                        for key, values in parse_qs(r.query).items()
                    ),
                )
                for r in api_server.faults.requests
                if f"/namespaces/{where}/" in r.path
            ]
        assert sent["typed"] == sent["dynamic"]
        assert len(sent["typed"]) == 8
    finally:
        cs.core_v1.namespaces().delete(other)
