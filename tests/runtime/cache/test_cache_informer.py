"""The shared informer over real HTTP: handlers in order, resync, late and slow handlers, transforms,
and why a cache cannot sync.

``test_an_informer_follows_the_server`` runs against a real kube-apiserver too (see
``cache_kubeconfig`` in test_cache_fixtures); the others use kgen-only fault injection.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from example_client.models.core_v1 import ConfigMap, Namespace
from example_client.models.example_kgen_io_v1 import Widget
from test_cache_fixtures import (
    AsyncRecorder,
    Recorder,
    cache_kubeconfig,
    clientset_for,
    config_for,
    eventually,
    fast_backoff,
    fast_options,
    start_server,
)

from kgen.runtime import (
    AsyncSharedIndexInformer,
    CacheSyncError,
    ResourceEventHandlerFuncs,
    TypedListerWatcher,
    make_transform,
)
from kgen.runtime._config import load_kubeconfig
from kgen.runtime._errors import Forbidden, NotFound
from kgen.runtime._meta import ObjectMeta
from kgen.testing import APIServer

__all__ = ["cache_kubeconfig"]  # the fixture, imported to be used here

NS = "default"


@pytest.fixture
def server() -> Iterator[APIServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def clientset(server: APIServer, tmp_path: Path) -> AsyncIterator[Any]:
    async with clientset_for(config_for(server, tmp_path), max_retries=0) as cs:
        yield cs


def configmaps(clientset: Any, namespace: str = NS, **options: Any) -> Any:
    options.setdefault("reflector_options", fast_options())
    options.setdefault("backoff", fast_backoff())
    return AsyncSharedIndexInformer(
        TypedListerWatcher(clientset.core_v1.configmaps(namespace)), **options
    )


async def create(clientset: Any, name: str, namespace: str = NS, **data: str) -> ConfigMap:
    return await clientset.core_v1.configmaps(namespace).create(
        ConfigMap(metadata=ObjectMeta(name=name), data=data or {"v": "0"})
    )


async def update(clientset: Any, name: str, value: str, namespace: str = NS) -> ConfigMap:
    return await clientset.core_v1.configmaps(namespace).patch(name, {"data": {"v": value}})


# A real cluster's controller-manager publishes this ConfigMap into every new namespace.
CLUSTER_MADE = ("kube-root-ca.crt",)


def ours(events: list[Any]) -> list[Any]:
    return [event for event in events if event[1].split("/")[-1] not in CLUSTER_MADE]


@pytest.mark.conformance
async def test_an_informer_follows_the_server(cache_kubeconfig: Path) -> None:
    """Initial sync, then every create, update and delete reaches the handlers in order, and the
    cache ends equal to the server. Runs against kgen.testing or a real kube-apiserver."""
    config = load_kubeconfig(cache_kubeconfig)
    config.qps, config.burst = 1000.0, 1000
    namespace = f"cache-{secrets.token_hex(4)}"
    async with clientset_for(config) as cs:
        await cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=namespace)))
        try:
            await create(cs, "before", namespace)
            informer = configmaps(cs, namespace)
            sync_handler, async_handler = Recorder(), AsyncRecorder()
            informer.add_event_handler(sync_handler)
            registration = informer.add_event_handler(async_handler)
            async with informer:
                await informer.wait_for_cache_sync(60)
                await registration.wait_synced()
                await create(cs, "a", namespace)
                for value in "123":
                    await update(cs, "a", value, namespace)
                await cs.core_v1.configmaps(namespace).delete("before")

                async def same() -> bool:
                    page = await cs.core_v1.configmaps(namespace).list()
                    server = {o.metadata.name: o.metadata.resource_version for o in page.items}
                    cached = {
                        o.metadata.name: o.metadata.resource_version
                        for o in informer.lister().list()
                    }
                    return cached == server and len(ours(async_handler.events)) == 6

                await eventually(same, "the cache and the handlers catching up", 60)
            for handler in (sync_handler, async_handler):
                assert handler.violations == []
                events = ours(handler.events)
                assert [(kind, key.split("/")[1]) for kind, key, *_ in events] == [
                    ("add", "before"),
                    ("add", "a"),
                    ("update", "a"),
                    ("update", "a"),
                    ("update", "a"),
                    ("delete", "before"),
                ]
                assert events[0][3] is True  # in the initial list
                assert events[1][3] is False
        finally:
            await cs.core_v1.namespaces().delete(namespace)


async def test_resync_reaches_only_the_handlers_that_asked(clientset: Any) -> None:
    await create(clientset, "a")
    informer = configmaps(clientset, min_resync_period=0.02)
    resyncing, quiet = Recorder(), Recorder()
    informer.add_event_handler(resyncing, resync_period=0.02)
    informer.add_event_handler(quiet, resync_period=0)
    async with informer:
        await informer.wait_for_cache_sync(30)
        await eventually(lambda: resyncing.kinds().count("update") >= 3, "three resyncs")
    # A resync is an update with old and new at the same resourceVersion.
    updates = [e for e in resyncing.events if e[0] == "update"]
    assert all(rv == resyncing.events[0][2] for _, _, rv, _ in updates)
    assert quiet.kinds() == ["add"]
    assert resyncing.violations == quiet.violations == []


class Hanging:
    """A lister-watcher whose requests never answer."""

    resource = Widget.RESOURCE.gvr  # type: ignore[union-attr]
    namespace = None

    async def list(self, **options: Any) -> Any:
        await asyncio.Event().wait()

    async def watch(self, **options: Any) -> Any:
        await asyncio.Event().wait()


async def test_resync_periods_follow_client_go() -> None:
    handler = ResourceEventHandlerFuncs[Any]()
    informer: AsyncSharedIndexInformer[Any] = AsyncSharedIndexInformer(
        Hanging(), resync_period=10  # type: ignore[arg-type]
    )
    assert informer.add_event_handler(handler).resync_period == 10  # the informer's default
    assert informer.add_event_handler(handler, 0).resync_period == 0  # never
    assert informer.add_event_handler(handler, 5).resync_period == 5  # lowers the check period
    async with informer:
        # Once started, a period shorter than the check period is raised to it.
        assert informer.add_event_handler(handler, 2).resync_period == 5
        assert informer.add_event_handler(handler, 7).resync_period == 7
    other: AsyncSharedIndexInformer[Any] = AsyncSharedIndexInformer(Hanging())  # type: ignore[arg-type]
    assert other.add_event_handler(handler, 0.1).resync_period == 1.0  # the minimum


async def test_a_handler_without_its_methods_is_refused_when_added() -> None:
    informer: AsyncSharedIndexInformer[Any] = AsyncSharedIndexInformer(Hanging())  # type: ignore[arg-type]

    class OnlyAdd:
        def on_add(self, obj: Any, initial: bool) -> None: ...

    with pytest.raises(TypeError, match="lacks on_update, on_delete"):
        informer.add_event_handler(OnlyAdd())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ResourceEventHandlerFuncs"):
        informer.add_event_handler(print)  # type: ignore[arg-type]
    assert informer._listeners == []


async def test_a_late_handler_gets_the_cache_then_live_events(clientset: Any) -> None:
    await create(clientset, "a")
    await create(clientset, "b")
    informer = configmaps(clientset)
    async with informer:
        await informer.wait_for_cache_sync(30)
        late = Recorder()
        registration = informer.add_event_handler(late)
        await registration.wait_synced()
        assert registration.has_synced()
        assert sorted((kind, key, initial) for kind, key, _, initial in late.events) == [
            ("add", "default/a", True),
            ("add", "default/b", True),
        ]
        await create(clientset, "c")
        await eventually(lambda: len(late.events) == 3, "the live add")
    assert late.events[-1][:2] == ("add", "default/c") and late.events[-1][3] is False
    assert late.violations == []


async def test_a_slow_handler_holds_up_nobody(clientset: Any) -> None:
    """A handler stuck on its first notification: the others get everything, the stuck one gets
    it all too, in order, once released (its buffer grew meanwhile)."""
    release = asyncio.Event()
    stuck: list[str] = []

    async def slow_add(obj: ConfigMap, initial: bool) -> None:
        await release.wait()
        stuck.append(obj.metadata.name)

    informer = configmaps(clientset)
    fast = Recorder()
    slow = informer.add_event_handler(ResourceEventHandlerFuncs(on_add=slow_add))
    informer.add_event_handler(fast)
    async with informer:
        await informer.wait_for_cache_sync(30)
        for i in range(20):
            await create(clientset, f"cm-{i:02}")
        await eventually(lambda: len(fast.events) == 20, "the fast handler's events")
        assert stuck == [] and slow.pending() == 19  # one being handled, the rest buffered
        release.set()
        await eventually(lambda: len(stuck) == 20, "the slow handler catching up")
    assert stuck == [f"cm-{i:02}" for i in range(20)]


async def test_a_removed_handler_hears_nothing_more(clientset: Any) -> None:
    informer = configmaps(clientset)
    gone, staying = Recorder(), Recorder()
    registration = informer.add_event_handler(gone)
    informer.add_event_handler(staying)
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "a")
        await eventually(lambda: len(gone.events) == 1 and len(staying.events) == 1)
        await informer.remove_event_handler(registration)
        await create(clientset, "b")
        await eventually(lambda: len(staying.events) == 2)
    assert len(gone.events) == 1 and registration.removed


async def test_a_handler_that_raises_keeps_receiving(clientset: Any) -> None:
    seen: list[str] = []

    def on_add(obj: ConfigMap, initial: bool) -> None:
        seen.append(obj.metadata.name)
        raise RuntimeError("handler bug")

    informer = configmaps(clientset)
    registration = informer.add_event_handler(ResourceEventHandlerFuncs(on_add=on_add))
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "a")
        await create(clientset, "b")
        await eventually(lambda: seen == ["a", "b"])
    assert registration.errors == 2


async def test_managed_fields_are_dropped_by_default_and_transforms_replaceable(
    clientset: Any,
) -> None:
    written = await create(clientset, "a")
    assert written.metadata.managed_fields  # the server tracks them
    default, custom = configmaps(clientset), configmaps(clientset)

    def tag(obj: ConfigMap) -> ConfigMap:
        obj.metadata.labels = {"transformed": "yes"}
        return obj

    custom.set_transform(tag)
    async with default, custom:
        await default.wait_for_cache_sync(30)
        await custom.wait_for_cache_sync(30)
        with pytest.raises(RuntimeError, match="before start"):
            custom.set_transform(None)
    assert default.lister().get(NS, "a").metadata.managed_fields is None
    kept = custom.lister().get(NS, "a")
    assert kept.metadata.labels == {"transformed": "yes"} and kept.metadata.managed_fields
    keep_all = configmaps(clientset, transform=make_transform(drop_managed_fields=False))
    async with keep_all:
        await keep_all.wait_for_cache_sync(30)
    assert keep_all.lister().get(NS, "a").metadata.managed_fields


async def test_custom_indexers(clientset: Any) -> None:
    await create(clientset, "a", v="red")
    await create(clientset, "b", v="blue")
    informer = configmaps(clientset, indexers={"by-v": lambda obj: [obj.data["v"]]})
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "c", v="red")
        await eventually(lambda: len(informer.indexer.index_keys("by-v", "red")) == 2)
    assert sorted(informer.indexer.list_index_func_values("by-v")) == ["blue", "red"]


async def test_forbidden_says_who_cannot_do_what(server: APIServer, clientset: Any) -> None:
    server.faults.fail(10_000, code=403, path="/widgets", message="no RBAC rule for you")
    informer = AsyncSharedIndexInformer(
        TypedListerWatcher(clientset.example_kgen_io_v1.widgets("x")),
        reflector_options=fast_options(),
        backoff=fast_backoff(),
    )
    async with informer:
        with pytest.raises(CacheSyncError) as caught:
            await informer.wait_for_cache_sync(1.0)
    error = caught.value.error
    assert isinstance(error, Forbidden) and caught.value.verb == "list"
    # The server's message as it comes (kgen.testing's injected faults prefix it).
    assert error.message.endswith("no RBAC rule for you")
    assert str(caught.value) == (
        f"forbidden: cannot list example.kgen.io/v1 widgets in namespace x: {error.message}"
    )
    assert caught.value.__cause__ is caught.value.error


async def test_not_found_says_the_resource_is_not_served(clientset: Any) -> None:
    crds = clientset.dynamic.resource("apiextensions.k8s.io/v1/customresourcedefinitions")
    await crds.delete("widgets.example.kgen.io")

    async def gone() -> bool:
        try:
            await clientset.example_kgen_io_v1.widgets("x").list()
        except NotFound:
            return True
        return False

    await eventually(gone, "the CRD going away")
    informer = AsyncSharedIndexInformer(
        TypedListerWatcher(clientset.example_kgen_io_v1.widgets("x")),
        reflector_options=fast_options(),
        backoff=fast_backoff(),
    )
    async with informer:
        with pytest.raises(CacheSyncError) as caught:
            await informer.wait_for_cache_sync(1.0)
    assert str(caught.value).startswith(
        "not found: example.kgen.io/v1 widgets is not served by the server (is its "
        "CustomResourceDefinition installed?): "
    )
    assert isinstance(caught.value.error, NotFound)


async def test_no_error_only_slowness_says_so(server: APIServer, clientset: Any) -> None:
    server.faults.delay(5, count=1, verb="list")
    informer = configmaps(clientset, reflector_options=fast_options(watch_list=False))
    async with informer:
        with pytest.raises(CacheSyncError, match="timed out after 0.2s .* no list or watch has"):
            await informer.wait_for_cache_sync(0.2)


async def test_waiting_on_an_informer_not_started_or_stopped(clientset: Any) -> None:
    informer = configmaps(clientset)
    with pytest.raises(CacheSyncError, match="not started"):
        await informer.wait_for_cache_sync(1)
    informer.start()
    waiter = asyncio.ensure_future(informer.wait_for_cache_sync())
    await informer.stop()
    with pytest.raises(CacheSyncError):
        await waiter
    with pytest.raises(RuntimeError, match="cannot start again"):
        informer.start()
