"""The informer factories: one informer per resource, start and wait semantics, dynamic informers,
options applied to list and watch, and the synchronous factory on its background loop thread."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap, ConfigMapList, Namespace
from example_client.models.example_kgen_io_v1 import Widget
from test_cache_fixtures import (
    Recorder,
    clientset_for,
    config_for,
    eventually,
    fast_backoff,
    fast_options,
    start_server,
)

from kgen.runtime import (
    AsyncSharedIndexInformer,
    AsyncSharedInformerFactory,
    CacheSyncError,
    HandlerRegistration,
    ResourceEventHandlerFuncs,
    SharedInformerFactory,
    TypedListerWatcher,
)
from kgen.runtime._config import Config
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._request import ListOptions
from kgen.runtime._unstructured import Unstructured
from kgen.testing import APIServer


@pytest.fixture
def server() -> Iterator[APIServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def config(server: APIServer, tmp_path: Path) -> Config:
    return config_for(server, tmp_path)


@pytest.fixture
async def clientset(config: Config) -> AsyncIterator[Any]:
    async with clientset_for(config) as cs:
        yield cs


def factory_of(clientset: Any, **options: Any) -> AsyncSharedInformerFactory:
    return AsyncSharedInformerFactory(
        clientset, reflector_options=fast_options(), backoff_factory=fast_backoff, **options
    )


async def create(clientset: Any, name: str, namespace: str = "default", **labels: str) -> None:
    await clientset.core_v1.configmaps(namespace).create(
        ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None))
    )


async def test_one_informer_per_resource(clientset: Any) -> None:
    factory = factory_of(clientset)
    pods = factory.informer_for(ConfigMap, ConfigMapList)
    assert factory.informer_for(ConfigMap) is pods
    assert factory.lister_for(ConfigMap).indexer is pods.indexer
    assert list(factory.informers) == ["v1/configmaps"]
    widgets = factory.informer_for(Widget)
    assert widgets is not pods and set(factory.informers) == {
        "v1/configmaps",
        "example.kgen.io/v1/widgets",
    }


async def test_start_wait_and_late_informers(clientset: Any) -> None:
    await create(clientset, "a", "kube-system")
    async with factory_of(clientset) as factory:
        configmaps = factory.informer_for(ConfigMap)
        with pytest.raises(RuntimeError, match="call start"):  # forgetting start() is an error
            await factory.wait_for_cache_sync(1)
        factory.start()
        factory.start()  # again: nothing new
        results = await factory.wait_for_cache_sync(30)
        assert results["v1/configmaps"].synced and results["v1/configmaps"].error is None
        # Asked for after start: started at once (client-go would need start() again).
        namespaces = factory.informer_for(Namespace)
        assert namespaces.started
        results = await factory.wait_for_cache_sync(30)
        assert set(results) == {"v1/configmaps", "v1/namespaces"}  # it raises if one did not sync
        assert {n.metadata.name for n in namespaces.lister().list()} >= {"default", "kube-system"}
        # Every namespace by default.
        assert configmaps.lister().get("kube-system", "a").metadata.name == "a"
    assert configmaps.stopped and namespaces.stopped
    with pytest.raises(RuntimeError, match="shut down"):
        factory.informer_for(Widget)


async def test_wait_reports_each_informer(server: APIServer, clientset: Any) -> None:
    server.faults.fail(10_000, code=403, path="/widgets")
    async with factory_of(clientset) as factory:
        factory.informer_for(ConfigMap)
        factory.informer_for(Widget)
        factory.start()
        with pytest.raises(CacheSyncError) as raised:
            await factory.wait_for_cache_sync(1.0)
    assert str(raised.value).startswith(
        "1 of 2 informer cache(s) did not sync: forbidden: cannot list example.kgen.io/v1 widgets:"
    )
    assert raised.value.verb == "list" and raised.value.resource.resource == "widgets"
    results = raised.value.results
    assert results["v1/configmaps"].synced
    failed = results["example.kgen.io/v1/widgets"]
    assert not failed.synced and isinstance(failed.error, CacheSyncError)
    assert str(failed.error).startswith("forbidden: cannot list example.kgen.io/v1 widgets:")


async def test_namespace_and_tweak_apply_to_list_and_watch(
    server: APIServer, clientset: Any
) -> None:
    await create(clientset, "in", "default", team="a")
    await create(clientset, "other-team", "default", team="b")
    await create(clientset, "elsewhere", "kube-system", team="a")

    def only_team_a(options: ListOptions) -> None:
        options.label_selector = "team=a"

    async with factory_of(clientset, namespace="default", tweak_list_options=only_team_a) as f:
        informer = f.informer_for(ConfigMap)
        f.start()
        await informer.wait_for_cache_sync(30)
        await create(clientset, "in-later", "default", team="a")
        await create(clientset, "out-later", "default", team="b")
        await eventually(lambda: len(informer.lister().list()) == 2, "the watched add")
        # Namespaces are cluster-scoped: the factory's namespace does not apply to them.
        namespaces = f.informer_for(Namespace)
        await namespaces.wait_for_cache_sync(30)
    assert sorted(o.metadata.name for o in informer.lister().list()) == ["in", "in-later"]
    for request in server.faults.requests:
        if "/configmaps" in request.path and "resourceVersion" in request.query:
            assert request.path.startswith("/api/v1/namespaces/default/")
            assert "labelSelector=team%3Da" in request.query


async def test_custom_informers_and_resync(clientset: Any) -> None:
    factory = factory_of(clientset, resync=30, custom_resync={"v1/configmaps": 60})
    assert factory.informer_for(ConfigMap).add_event_handler(Recorder()).resync_period == 60
    built: list[AsyncSharedInformerFactory] = []

    def new_informer(f: AsyncSharedInformerFactory) -> AsyncSharedIndexInformer[Widget]:
        built.append(f)
        lw = TypedListerWatcher(clientset.example_kgen_io_v1.widgets("only-here"))
        return f.new_informer("custom", lw)

    widgets = factory.informer_for(Widget, new_informer=new_informer)
    assert built == [factory] and widgets.lister_watcher.namespace == "only-here"
    assert factory.informer_for(Widget) is widgets


async def test_a_generated_client_across_every_namespace(clientset: Any) -> None:
    await create(clientset, "here", "default")
    await create(clientset, "there", "kube-system")
    everywhere = TypedListerWatcher.all_namespaces(clientset.core_v1.configmaps("default"))
    informer = AsyncSharedIndexInformer(
        TypedListerWatcher(everywhere), reflector_options=fast_options(), backoff=fast_backoff()
    )
    async with informer:
        await informer.wait_for_cache_sync(30)
    assert sorted(informer.indexer.list_keys()) == ["default/here", "kube-system/there"]
    assert informer.lister_watcher.namespace is None


async def test_dynamic_informers(clientset: Any) -> None:
    await create(clientset, "a", app="web")
    async with factory_of(clientset) as factory:
        informer = factory.for_resource("v1/configmaps")
        assert factory.for_resource("configmaps.v1") is informer
        seen = Recorder()
        informer.add_event_handler(seen)
        factory.start()
        await informer.wait_for_cache_sync(30)
        await create(clientset, "b")
        await eventually(lambda: len(seen.events) == 2)
        obj = informer.lister().namespace("default").get("a")
        assert isinstance(obj, Unstructured) and obj.labels == {"app": "web"}
        assert "managedFields" not in obj.metadata  # the default transform
        assert [o.name for o in informer.lister().list("app=web")] == ["a"]
    assert "dynamic:v1/configmaps" in factory.informers
    assert seen.violations == []


def test_the_sync_factory_runs_on_its_own_thread(server: APIServer, config: Config) -> None:
    """Handlers run on their own threads, listers are read from any thread while the background
    loop keeps the cache in sync."""
    with Clientset(config) as cs:
        for i in range(5):
            cs.core_v1.configmaps("default").create(ConfigMap(metadata=ObjectMeta(name=f"cm-{i}")))
        with SharedInformerFactory(
            cs, reflector_options=fast_options(), backoff_factory=fast_backoff
        ) as factory:
            informer = factory.informer_for(ConfigMap)
            assert factory.informer_for(ConfigMap) is informer
            # One client-side rate limit for the clientset and its informers, as in client-go.
            assert factory._clientset.transport.rate_limiter is cs.transport.rate_limiter
            handler_threads: set[str] = set()
            added: list[str] = []
            done = threading.Event()

            def on_add(obj: ConfigMap, initial: bool) -> None:
                handler_threads.add(threading.current_thread().name)
                added.append(obj.metadata.name)
                if len(added) == 25:
                    done.set()

            registration = informer.add_event_handler(ResourceEventHandlerFuncs(on_add=on_add))
            factory.start()
            results = factory.wait_for_cache_sync(30)
            assert results["v1/configmaps"].synced and informer.has_synced()
            lister = informer.lister()
            counts: list[int] = []
            stop = threading.Event()

            def read() -> None:
                while not stop.is_set():
                    counts.append(len(lister.namespace("default").list()))

            reader = threading.Thread(target=read)
            reader.start()
            try:
                for i in range(5, 25):
                    cs.core_v1.configmaps("default").create(
                        ConfigMap(metadata=ObjectMeta(name=f"cm-{i}"))
                    )
                assert done.wait(30), "the handler did not get every add"
            finally:
                stop.set()
                reader.join(30)
            assert len(lister.list()) == 25 and counts and max(counts) <= 25
            assert counts == sorted(counts)  # only ever grows
            # The registration is the synchronous face: its waits block the caller's thread.
            assert isinstance(registration, HandlerRegistration)
            assert registration.wait_synced(30) is True and registration.has_synced()
            assert (registration.delivered, registration.errors, registration.pending()) == (
                25,
                0,
                0,
            )
            assert all(name.startswith("kgen-handler-") for name in handler_threads)
            informer.remove_event_handler(registration)
            assert registration.removed and registration.async_registration.removed
            late = informer.add_event_handler(ResourceEventHandlerFuncs(on_add=lambda o, i: None))
            assert late.wait_synced(30) is True  # the cache's 25 objects, delivered to it as well
            with pytest.raises(CacheSyncError):
                factory.for_resource("example.kgen.io/v1/nothings").wait_for_cache_sync(0.5)
        factory.shutdown()  # idempotent
        assert not factory._thread._thread.is_alive()
