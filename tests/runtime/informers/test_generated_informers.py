"""The generated informer factories and listers of the default package, against kgen.testing."""

from __future__ import annotations

import importlib
import pkgutil
import threading
from pathlib import Path

import pytest
from example_client.clientset import AsyncClientset, Clientset
from example_client.informers import AsyncSharedInformerFactory, SharedInformerFactory
from example_client.listers.core_v1 import ConfigMapLister
from example_client.listers.example_kgen_io_v1 import GadgetLister
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Gadget

from kgen.runtime import (
    ClusterLister,
    Indexer,
    Lister,
    ListerInNamespace,
    NotFound,
    ObjectMeta,
    ResourceEventHandlerFuncs,
    load_kubeconfig,
    meta_namespace_key,
)
from kgen.testing import APIServer


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with APIServer.from_package("example_client") as server:
        yield server


def config(server: APIServer, tmp_path: Path):  # type: ignore[no-untyped-def]
    loaded = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    loaded.qps = 0
    return loaded


def test_sync_factory_informers_and_listers(server: APIServer, tmp_path: Path) -> None:
    with Clientset(config(server, tmp_path)) as cs:
        cs.core_v1.configmaps("default").create(
            ConfigMap(metadata=ObjectMeta(name="before", labels={"app": "web"}), data={"a": "1"})
        )
        cs.example_kgen_io_v1.gadgets().create(Gadget(metadata=ObjectMeta(name="g1")))
        seen: list[str] = []
        added = threading.Event()
        with SharedInformerFactory(cs) as factory:
            configmaps = factory.core_v1.configmaps
            configmaps.informer().add_event_handler(
                ResourceEventHandlerFuncs(
                    on_add=lambda obj, initial: (
                        seen.append(obj.metadata.name),
                        added.set() if obj.metadata.name == "after" else None,
                    )
                )
            )
            gadgets = factory.example_kgen_io_v1.gadgets
            gadgets.informer()
            factory.start()
            results = factory.wait_for_cache_sync(timeout=30)
            assert all(result.synced for result in results.values()), results
            lister = configmaps.lister()
            assert isinstance(lister, ConfigMapLister)
            assert lister.namespace("default").get("before").data == {"a": "1"}
            assert [c.metadata.name for c in lister.list("app=web")] == ["before"]
            with pytest.raises(NotFound):
                lister.namespace("default").get("missing")
            gadget_lister = gadgets.lister()
            assert isinstance(gadget_lister, GadgetLister)
            assert gadget_lister.get("g1").metadata.name == "g1"
            cs.core_v1.configmaps("default").create(ConfigMap(metadata=ObjectMeta(name="after")))
            assert added.wait(30)
            # Listers are readable from another thread while the factory's loop runs.
            found: list[str] = []
            reader = threading.Thread(
                target=lambda: found.extend(c.metadata.name for c in lister.list())
            )
            reader.start()
            reader.join(10)
            assert "before" in found
        assert "before" in seen and "after" in seen


async def test_async_factory(server: APIServer, tmp_path: Path) -> None:
    async with AsyncClientset(config(server, tmp_path)) as cs:
        await cs.core_v1.configmaps("default").create(ConfigMap(metadata=ObjectMeta(name="x")))
        factory = AsyncSharedInformerFactory(cs, namespace="default")
        informer = factory.core_v1.configmaps.informer()
        factory.start()
        try:
            await factory.wait_for_cache_sync(timeout=30)
            assert informer.has_synced()
            assert (
                factory.core_v1.configmaps.lister().namespace("default").get("x").metadata.name
                == "x"
            )
        finally:
            await factory.shutdown()


def test_a_lister_has_one_way_to_scope_to_a_namespace() -> None:
    """Generated listers add nothing to the runtime's: ``namespace(ns)`` is the one way to one
    namespace (no per-kind accessor such as ``configmaps(ns)`` next to it)."""
    import example_client.listers as listers

    modules = [
        importlib.import_module(f"example_client.listers.{info.name}")
        for info in pkgutil.iter_modules(listers.__path__)
    ]
    generated = [getattr(module, name) for module in modules for name in module.__all__]
    assert ConfigMapLister in generated and GadgetLister in generated
    for lister in generated:
        assert issubclass(lister, (Lister, ClusterLister)), lister
        own = [name for name in vars(lister) if not name.startswith("_")]
        assert own == [], f"{lister.__name__} adds {own}"
    assert not hasattr(ClusterLister, "namespace")  # cluster-scoped objects have no namespace
    configmaps = ConfigMapLister(Indexer(meta_namespace_key, {}), None)
    assert isinstance(configmaps.namespace("default"), ListerInNamespace)
