"""The typed and the dynamic client are one verb engine: every test here runs against both, over real HTTP,
and checks the same requests and answers (list timeouts, watch options, pages, preconditions, dry runs,
field validation, options values and keywords)."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import parse_qs

import pytest
from example_client.clientset import AsyncClientset
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


def client_of(cs: AsyncClientset, flavour: str, namespace: str) -> Any:
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


async def test_a_list_with_a_server_timeout_outlives_the_client_timeout(
    config: Config, namespace: str, flavour: str, api_server: APIServer
) -> None:
    """timeoutSeconds is how long the server may take: the request waits that long and 5 s more, where
    the config's timeout (0.5 s here) would cut it short (and retry, and cut it short again)."""
    async with AsyncClientset(dataclasses.replace(config, timeout=0.5)) as cs:
        configmaps = client_of(cs, flavour, namespace)
        api_server.faults.delay(1.5, count=None, verb="list", path=f"/namespaces/{namespace}/")
        try:
            page = await configmaps.list(timeout_seconds=1)
        finally:
            api_server.faults.clear()
    assert names_of(page) == []
    assert [q.get("timeoutSeconds") for q in queries(api_server, namespace)] == [["1"]]


async def test_watch_options_are_sent_and_the_stream_tracks_its_resource_version(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    start = version_of(await configmaps.create(configmap(flavour, "a")))
    await configmaps.create(configmap(flavour, "b"))
    # A watch takes resourceVersionMatch along with sendInitialEvents (false: the events after start).
    async with await configmaps.watch(
        resource_version=start,
        resource_version_match="NotOlderThan",
        send_initial_events=False,
        timeout_seconds=5,
    ) as stream:
        async for event in stream:
            assert event.type == "ADDED" and name_of(event.object) == "b"
            break
    assert stream.resource_version is not None and int(stream.resource_version) > int(start)
    # Bookmarks unless told otherwise; a streaming list asks for NotOlderThan itself.
    async with await configmaps.watch(
        resource_version=start, allow_watch_bookmarks=False, timeout_seconds=1
    ) as stream:
        async for _ in stream:
            break
    async with await configmaps.watch(send_initial_events=True, timeout_seconds=5) as stream:
        async for event in stream:
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


async def test_watch_from_resumes_across_streams(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    start = version_of(await configmaps.create(configmap(flavour, "first")))
    await configmaps.create(configmap(flavour, "second"))
    await configmaps.create(configmap(flavour, "third"))
    api_server.faults.close_watches_after(1, count=2)
    seen = []
    try:
        async for event in configmaps.watch_from(start, min_restart_delay=0.0):
            seen.append(name_of(event.object))
            if len(seen) == 2:
                break
    finally:
        api_server.faults.clear()
    assert seen == ["second", "third"]


async def test_pages_follow_continue_over_one_snapshot(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    for index in range(23):
        last = await configmaps.create(configmap(flavour, f"cm-{index:02d}"))
    at = version_of(last)
    pages = [
        page
        async for page in configmaps.pages(
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
    names = [name_of(item) async for item in configmaps.iter(ListOptions(limit=7))]
    assert names == [f"cm-{index:02d}" for index in range(23)]


async def test_delete_preconditions(cs: AsyncClientset, namespace: str, flavour: str) -> None:
    configmaps = client_of(cs, flavour, namespace)
    created = await configmaps.create(configmap(flavour, "victim"))
    with pytest.raises(Conflict, match="(?i)precondition"):
        await configmaps.delete("victim", uid="not-the-uid")
    with pytest.raises(Conflict, match="(?i)precondition"):
        await configmaps.delete("victim", options=DeleteOptions(), resource_version="1")
    pinned = DeleteOptions(preconditions=Preconditions(uid=uid_of(created)))
    await configmaps.delete("victim", options=pinned)
    with pytest.raises(NotFound):
        await configmaps.get("victim")


async def test_dry_runs_store_nothing(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    dry = await configmaps.create(configmap(flavour, "dry"), dry_run=True)
    assert name_of(dry) == "dry"
    with pytest.raises(NotFound):
        await configmaps.get("dry")
    await configmaps.create(configmap(flavour, "kept", group="x"))
    await configmaps.delete("kept", dry_run=True, grace_period_seconds=0)
    await configmaps.delete_collection(label_selector="group=x", dry_run=True)
    assert names_of(await configmaps.list()) == ["kept"]
    posts = queries(api_server, namespace, "POST")
    deletes = queries(api_server, namespace, "DELETE")
    assert posts[0]["dryRun"] == ["All"] and "dryRun" not in posts[1]
    assert [q["dryRun"] for q in deletes] == [["All"], ["All"]]
    assert deletes[1]["labelSelector"] == ["group=x"]


async def test_write_options_reach_the_server(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    strict = WriteOptions(field_manager="me", field_validation="Strict")
    created = await configmaps.create(configmap(flavour, "y"), options=strict)
    assert "me" in managers_of(created)
    patched = await configmaps.patch("y", {"data": {"k": "w"}}, field_manager="patcher")
    json_patched = await configmaps.patch("y", [{"op": "replace", "path": "/data/k", "value": "j"}])
    assert name_of(patched) == name_of(json_patched) == "y"
    applied = await configmaps.apply(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "y"}, "data": {"a": "1"}},
        field_manager="applier",
        force=True,
    )
    assert "applier" in managers_of(applied)
    with pytest.raises(ValueError, match="field_manager"):
        await configmaps.apply(configmap(flavour, "y"))
    post = queries(api_server, namespace, "POST")[0]
    assert (post["fieldManager"], post["fieldValidation"]) == (["me"], ["Strict"])
    patches = queries(api_server, namespace, "PATCH")
    assert [q.get("fieldManager") for q in patches] == [["patcher"], None, ["applier"]]
    assert patches[2]["force"] == ["true"]


async def test_strict_field_validation_refuses_unknown_fields(
    cs: AsyncClientset, namespace: str, flavour: str
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    await configmaps.create(configmap(flavour, "x"))
    # A model holds no field it does not know: a patch brings the unknown one, to either client.
    with pytest.raises(BadRequest):
        await configmaps.patch("x", {"bogus": 1}, field_validation="Strict")
    await configmaps.patch("x", {"bogus": 1}, field_validation="Ignore")


async def test_options_values_and_keywords_are_one_thing(
    cs: AsyncClientset, namespace: str, flavour: str
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    await configmaps.create(configmap(flavour, "web", app="web"))
    await configmaps.create(configmap(flavour, "db", app="db"))
    options = ListOptions(label_selector={"app": "web"})
    assert names_of(await configmaps.list(options)) == ["web"]
    assert names_of(await configmaps.list(label_selector={"app": "web"})) == ["web"]
    # A keyword given sets its field on a copy; the value itself is left as it was.
    assert names_of(await configmaps.list(options, label_selector="app=db")) == ["db"]
    assert options == ListOptions(label_selector={"app": "web"})


async def test_an_object_of_another_namespace_is_refused_before_any_request(
    cs: AsyncClientset, namespace: str, flavour: str, api_server: APIServer
) -> None:
    configmaps = client_of(cs, flavour, namespace)
    before = len(api_server.faults.requests)
    with pytest.raises(ValueError, match="namespace"):
        await configmaps.create(configmap(flavour, "elsewhere", namespace="not-" + namespace))
    assert len(api_server.faults.requests) == before


async def test_both_clients_send_the_same_requests(
    cs: AsyncClientset, namespace: str, api_server: APIServer
) -> None:
    """The same calls, typed then dynamic, in two namespaces: the same requests, parameter for
    parameter (only the bodies' representations differ)."""
    other = f"{namespace}-d"
    await cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=other)))
    try:
        sent = {}
        for flavour, where in (("typed", namespace), ("dynamic", other)):
            configmaps = client_of(cs, flavour, where)
            created = await configmaps.create(configmap(flavour, "a", app="x"), dry_run=False)
            await configmaps.get("a", resource_version="0")
            await configmaps.list(
                ListOptions(label_selector="app=x", field_selector="metadata.name=a", limit=5),
                timeout_seconds=30,
            )
            async with await configmaps.watch(
                resource_version=version_of(created), timeout_seconds=1
            ) as stream:
                async for _ in stream:
                    pass
            await configmaps.update(created, field_manager="u", field_validation="Warn")
            await configmaps.patch("a", {"data": {"b": "2"}}, dry_run=True)
            await configmaps.delete(
                "a", uid=uid_of(created), propagation_policy="Background", grace_period_seconds=1
            )
            await configmaps.delete_collection(label_selector="app=x", propagation_policy="Orphan")
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
        await cs.core_v1.namespaces().delete(other)
