"""Listers read only the cache: selectors, namespaces, NotFound, copies."""

from __future__ import annotations

import pytest
from example_client.models.core_v1 import ConfigMap, Namespace

from kgen.runtime import Indexer, Lister, NAMESPACE_INDEX, namespace_index_func
from kgen.runtime._errors import NotFound
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._resources import GroupVersionResource


def cm(name: str, namespace: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or None))


def lister(indexed: bool = True) -> Lister[ConfigMap]:
    indexers = {NAMESPACE_INDEX: namespace_index_func} if indexed else {}
    store: Indexer[ConfigMap] = Indexer(indexers=indexers)
    for obj in [
        cm("web", "prod", app="web", tier="front"),
        cm("db", "prod", app="db"),
        cm("web", "dev", app="web"),
        cm("plain", "dev"),
    ]:
        store.add(obj)
    return Lister(store, GroupVersionResource("", "v1", "configmaps"))


def names(objs: list[ConfigMap]) -> list[str]:
    return sorted(f"{o.metadata.namespace}/{o.metadata.name}" for o in objs)


def test_list_with_selectors() -> None:
    pods = lister()
    assert len(pods.list()) == 4
    assert names(pods.list("app=web")) == ["dev/web", "prod/web"]
    assert names(pods.list({"app": "db"})) == ["prod/db"]
    assert names(pods.list("app notin (web),app")) == ["prod/db"]
    assert names(pods.list("!app")) == ["dev/plain"]
    # The client's keyword works too, everywhere a selector does.
    assert names(pods.list(label_selector={"app": "web"})) == ["dev/web", "prod/web"]
    assert names(pods.namespace("dev").list(label_selector="app")) == ["dev/web"]
    with pytest.raises(TypeError, match="give the selector once"):
        pods.list("app", label_selector="app")


@pytest.mark.parametrize("indexed", [True, False])
def test_namespace_listers(indexed: bool) -> None:
    prod = lister(indexed).namespace("prod")
    assert names(prod.list()) == ["prod/db", "prod/web"]
    assert names(prod.list("tier=front")) == ["prod/web"]
    assert prod.get("db").metadata.labels == {"app": "db"}


def test_get_raises_the_servers_not_found() -> None:
    pods = lister()
    assert pods.get("prod", "web").metadata.namespace == "prod"
    with pytest.raises(NotFound) as caught:
        pods.namespace("prod").get("missing")
    assert caught.value.code == 404 and caught.value.reason == "NotFound"
    assert caught.value.message == 'configmaps "missing" not found'
    assert caught.value.details.name == "missing"


def test_cluster_scoped_get() -> None:
    store: Indexer[Namespace] = Indexer()
    store.add(Namespace(metadata=ObjectMeta(name="prod")))
    namespaces = Lister(store, GroupVersionResource("", "v1", "namespaces"))
    assert namespaces.get(None, "prod").metadata.name == "prod"


def test_objects_are_shared_unless_copies_are_asked_for() -> None:
    pods = lister()
    assert pods.get("prod", "web") is pods.get("prod", "web")
    copy = pods.get("prod", "web", copy=True)
    assert copy == pods.get("prod", "web") and copy is not pods.get("prod", "web")
    copy.metadata.labels["app"] = "changed"
    assert pods.get("prod", "web").metadata.labels["app"] == "web"
    assert all(o is not p for o, p in zip(pods.list(copy=True), pods.list()))
