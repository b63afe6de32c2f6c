"""The generated fake clientsets: in process, no sockets, the same semantics as kgen.testing's server."""

from __future__ import annotations

import socket
import time

import pytest
from example_client.fake import AsyncFakeClientset, FakeClientset
from example_client.models.core_v1 import ConfigMap
from example_client.informers import SharedInformerFactory
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec, WidgetStatus

from kgen.runtime._errors import AlreadyExists, Conflict, NotFound
from kgen.runtime._meta import ObjectMeta, Status
from kgen.testing import errors


def cm(name: str, namespace: str = "default", **labels: str) -> ConfigMap:
    return ConfigMap(
        metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or None), data={"k": "v"}
    )


def test_seeded_objects_crud_and_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_sockets(*args: object, **kwargs: object) -> None:
        raise AssertionError("the fake must not open sockets")

    cs = FakeClientset(cm("seed", app="a"), cm("other", namespace="team", app="b"))
    monkeypatch.setattr(socket.socket, "connect", no_sockets)
    configmaps = cs.core_v1.configmaps("default")
    assert configmaps.get("seed").data == {"k": "v"}
    assert [c.metadata.name for c in cs.core_v1.configmaps("team").list().items] == ["other"]  # type: ignore[union-attr]
    created = configmaps.create(cm("new"))
    assert created.metadata.resource_version and created.metadata.uid  # type: ignore[union-attr]
    stale = configmaps.get("new")
    configmaps.patch("new", {"data": {"k": "changed"}})
    with pytest.raises(Conflict):
        configmaps.update(stale)
    # Field selectors (the thing client-go's fake ignores) and deletecollection (a no-op there) work.
    assert [c.metadata.name for c in configmaps.list(field_selector="metadata.name!=seed").items] == ["new"]  # type: ignore[union-attr]
    configmaps.delete_collection(label_selector="app=a")
    with pytest.raises(NotFound):
        configmaps.get("seed")
    verbs = [(a.verb, a.resource, a.name) for a in cs.cluster.actions]
    assert ("get", "configmaps", "seed") in verbs and (
        "deletecollection",
        "configmaps",
        None,
    ) in verbs


def test_reactors_inject_answers_and_errors() -> None:
    cs = FakeClientset()
    calls = []

    def refuse(action):  # type: ignore[no-untyped-def]
        calls.append(action.body["metadata"]["name"])
        raise errors.conflict(
            "configmaps", action.body["metadata"]["name"], "injected by a reactor"
        )

    cs.cluster.prepend_reactor("create", "configmaps", refuse)
    with pytest.raises(Conflict, match="injected by a reactor"):
        cs.core_v1.configmaps("default").create(cm("x"))
    assert calls == ["x"]
    cs.cluster.prepend_reactor(
        "get",
        "widgets",
        lambda action: Widget(
            metadata=ObjectMeta(name=action.name), spec=WidgetSpec(color="blue", size=1)
        ),
    )
    assert cs.example_kgen_io_v1.widgets("default").get("anything").spec.color == "blue"  # type: ignore[union-attr]


def test_reactors_may_raise_the_clients_own_errors() -> None:
    cs = FakeClientset()

    def missing(action):  # type: ignore[no-untyped-def]
        raise NotFound(Status(message=f"no {action.name} here"))

    def exists(action):  # type: ignore[no-untyped-def]
        raise AlreadyExists(Status(message="taken", reason="AlreadyExists", code=409))

    cs.cluster.prepend_reactor("get", "configmaps", missing)
    cs.cluster.prepend_reactor("create", "configmaps", exists)
    with pytest.raises(NotFound, match="no x here") as raised:
        cs.core_v1.configmaps("default").get("x")
    assert raised.value.code == 404 and raised.value.reason == "NotFound"
    with pytest.raises(AlreadyExists, match="taken"):
        cs.core_v1.configmaps("default").create(cm("x"))


def test_seeded_namespaced_objects_without_a_namespace_go_to_default() -> None:
    cs = FakeClientset(ConfigMap(metadata=ObjectMeta(name="loose"), data={"k": "v"}))
    assert cs.core_v1.configmaps("default").get("loose").metadata.namespace == "default"  # type: ignore[union-attr]


def test_watch_has_history_and_no_fixed_buffer() -> None:
    cs = FakeClientset()
    configmaps = cs.core_v1.configmaps("default")
    start = configmaps.list().metadata.resource_version  # type: ignore[union-attr]
    for index in range(300):  # more than client-go's 100-event fake buffer
        configmaps.create(cm(f"cm-{index:03d}"))
    configmaps.delete("cm-000")
    seen = []
    with configmaps.watch(resource_version=start, timeout_seconds=5) as stream:
        for event in stream:
            if event.type != "BOOKMARK":
                seen.append((event.type, event.object.metadata.name))  # type: ignore[union-attr]
            if len(seen) == 301:
                break
    assert seen[0] == ("ADDED", "cm-000") and seen[-1] == ("DELETED", "cm-000") and len(seen) == 301


async def test_async_fake_and_server_side_apply() -> None:
    async with AsyncFakeClientset() as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        applied = await widgets.apply(
            Widget(
                metadata=ObjectMeta(name="w", namespace="default"),
                spec=WidgetSpec(color="red", size=1),
            ),
            field_manager="me",
        )
        assert applied.metadata.managed_fields[0].manager == "me"  # type: ignore[union-attr, index]
        assert [w.metadata.name for w in (await widgets.list(field_selector="spec.color=red")).items] == ["w"]  # type: ignore[union-attr]


def test_seeded_status_is_kept() -> None:
    ready = Widget(
        metadata=ObjectMeta(name="w", namespace="default"),
        spec=WidgetSpec(color="red", size=1),
        status=WidgetStatus(phase="Ready"),
    )
    cs = FakeClientset(ready)
    assert cs.example_kgen_io_v1.widgets("default").get("w").status.phase == "Ready"  # type: ignore[union-attr]


def test_the_threaded_informer_factory_reads_the_fake() -> None:
    cs = FakeClientset(cm("a"))
    with SharedInformerFactory(cs, namespace="default") as factory:
        configmaps = factory.core_v1.configmaps
        configmaps.informer()
        factory.start()
        assert factory.wait_for_cache_sync(timeout=10)["v1/configmaps"].synced
        assert [c.metadata.name for c in configmaps.lister().list()] == ["a"]
        cs.core_v1.configmaps("default").create(cm("b"))
        deadline = time.monotonic() + 10
        while len(configmaps.lister().list()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert sorted(c.metadata.name for c in configmaps.lister().list()) == ["a", "b"]


def test_reactor_errors_keep_their_code_and_retry_after() -> None:
    from kgen.runtime._errors import APIError, ServerError, TooManyRequests

    cs = FakeClientset(cm("x"))
    calls: list[str] = []

    def throttled_once(action):  # type: ignore[no-untyped-def]
        calls.append(action.verb)
        if len(calls) == 1:
            raise TooManyRequests(Status(message="slow down"), retry_after=0)
        return None

    cs.cluster.prepend_reactor("get", "configmaps", throttled_once)
    # A 429 with Retry-After is retried by the transport, as against a real server.
    assert cs.core_v1.configmaps("default").get("x").metadata.name == "x"  # type: ignore[union-attr]
    assert calls == ["get", "get"]

    def vague(action):  # type: ignore[no-untyped-def]
        raise APIError(Status(message="boom"))

    cs.cluster.prepend_reactor("list", "configmaps", vague)
    with pytest.raises(ServerError, match="boom") as raised:
        cs.core_v1.configmaps("default").list()
    assert raised.value.code == 500
