"""The Indexer: keys, writes, indexes, and readers on other threads while it is written."""

from __future__ import annotations

import threading

import pytest
from example_client.models.core_v1 import ConfigMap, Namespace

from kgen.runtime import (
    DeletedFinalStateUnknown,
    Indexer,
    NAMESPACE_INDEX,
    meta_namespace_key,
    namespace_index_func,
    split_meta_namespace_key,
)
from kgen.runtime._cache.objects import labels_of
from kgen.runtime._cache.store import deletion_handling_key
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._unstructured import Unstructured


def cm(name: str, namespace: str = "default", **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace=namespace, labels=labels or None))


def by_app(obj: object) -> list[str]:
    app = labels_of(obj).get("app")
    return [app] if app else []


def indexer() -> Indexer[ConfigMap]:
    return Indexer(indexers={NAMESPACE_INDEX: namespace_index_func, "app": by_app})


def test_keys_of_typed_unstructured_and_cluster_scoped_objects() -> None:
    assert meta_namespace_key(cm("a", "ns")) == "ns/a"
    assert meta_namespace_key(Namespace(metadata=ObjectMeta(name="ns"))) == "ns"
    assert meta_namespace_key(Unstructured({"metadata": {"name": "u", "namespace": "x"}})) == "x/u"
    assert meta_namespace_key({"metadata": {"name": "d"}}) == "d"
    assert meta_namespace_key("already/a-key") == "already/a-key"
    tombstone = DeletedFinalStateUnknown("ns/gone", cm("gone", "ns"))
    assert deletion_handling_key(tombstone) == "ns/gone"
    with pytest.raises(ValueError, match="without metadata.name"):
        meta_namespace_key(ConfigMap())


def test_split_keys() -> None:
    assert split_meta_namespace_key("ns/a") == ("ns", "a")
    assert split_meta_namespace_key("a") == ("", "a")
    with pytest.raises(ValueError):
        split_meta_namespace_key("a/b/c")


def test_add_update_delete_and_indexes_follow() -> None:
    store = indexer()
    store.add(cm("a", app="web"))
    store.add(cm("b", "other", app="web"))
    store.add(cm("c", app="db"))
    assert sorted(store.list_keys()) == ["default/a", "default/c", "other/b"]
    assert sorted(store.index_keys("app", "web")) == ["default/a", "other/b"]
    assert sorted(store.list_index_func_values(NAMESPACE_INDEX)) == ["default", "other"]
    # An update moves the object between index values, and empty values disappear.
    store.update(cm("c", app="web"))
    assert sorted(store.list_index_func_values("app")) == ["web"]
    assert {meta_namespace_key(o) for o in store.index("app", cm("x", app="web"))} == {
        "default/a",
        "default/c",
        "other/b",
    }
    store.delete(cm("b", "other"))
    store.delete(DeletedFinalStateUnknown("default/a", cm("a")))
    store.delete_key("never/there")
    assert store.list_keys() == ["default/c"]
    assert store.list_index_func_values(NAMESPACE_INDEX) == ["default"]
    assert [meta_namespace_key(o) for o in store.by_index("app", "web")] == ["default/c"]
    assert store.get(cm("c")) is store.get_by_key("default/c")
    assert len(store) == 1 and "default/c" in store


def test_replace_swaps_everything_and_keeps_the_resource_version() -> None:
    store = indexer()
    store.add(cm("old", app="web"))
    store.replace([cm("n1", app="db"), cm("n2", "x")], "42")
    assert sorted(store.list_keys()) == ["default/n1", "x/n2"]
    assert store.index_keys("app", "web") == []
    assert store.index_keys("app", "db") == ["default/n1"]
    assert store.last_sync_resource_version == "42"


def test_indexers_added_later_index_what_is_there() -> None:
    store: Indexer[ConfigMap] = Indexer()
    store.add(cm("a", app="web"))
    store.add_indexers({"app": by_app})
    assert store.index_keys("app", "web") == ["default/a"]
    with pytest.raises(ValueError, match="already exist"):
        store.add_indexers({"app": by_app})
    with pytest.raises(KeyError):
        store.by_index("nope", "x")
    assert set(store.get_indexers()) == {"app"}


def test_a_failing_index_function_leaves_the_object_cached() -> None:
    def broken(obj: object) -> list[str]:
        raise RuntimeError("bug")

    store: Indexer[ConfigMap] = Indexer(indexers={"broken": broken})
    store.add(cm("a"))
    assert store.list_keys() == ["default/a"]
    assert store.list_index_func_values("broken") == []


def test_readers_on_threads_see_whole_writes() -> None:
    """A writer moves objects between two label values while readers check every answer: an index
    never holds an object under a value it does not have, and no object is ever missing."""
    store = indexer()
    keys = [f"default/o{i}" for i in range(200)]
    for i in range(200):
        store.add(cm(f"o{i}", app="red"))
    stop = threading.Event()
    problems: list[str] = []

    def write() -> None:
        for round_ in range(100):
            colour = "blue" if round_ % 2 == 0 else "red"
            for i in range(200):
                store.update(cm(f"o{i}", app=colour))
        stop.set()

    def read() -> None:
        while not stop.is_set():
            for colour in ("red", "blue"):
                for obj in store.by_index("app", colour):
                    if labels_of(obj).get("app") != colour:
                        problems.append(f"an object in the {colour} bucket that is not {colour}")
            if len(store.list()) != 200:
                problems.append("objects missing")
            if sorted(store.list_keys()) != sorted(keys):
                problems.append("keys changed")

    threads = [threading.Thread(target=read) for _ in range(4)] + [threading.Thread(target=write)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not problems, problems[:5]


def test_default_keys_are_not_kept_as_strings() -> None:
    """With the default key function objects are held by namespace, then by their own name string;
    the namespace index is that first level, and keys are made when asked for."""
    store = indexer()
    first = cm("".join(["a", "1"]), app="web")
    store.add(first)
    store.add(cm("b", "other"))
    store.add(Namespace(metadata=ObjectMeta(name="cluster-wide")))  # type: ignore[arg-type]
    assert store._items == {} and NAMESPACE_INDEX not in store._indices
    assert store._by_name is not None
    assert next(iter(store._by_name["default"])) is first.metadata.name
    assert sorted(store.list_keys()) == ["cluster-wide", "default/a1", "other/b"]
    assert store.index_keys(NAMESPACE_INDEX, "default") == ["default/a1"]
    assert store.index_keys(NAMESPACE_INDEX, "") == ["cluster-wide"]
    assert [o.metadata.name for o in store.by_index(NAMESPACE_INDEX, "other")] == ["b"]
    assert store.by_index(NAMESPACE_INDEX, "none") == []
    assert sorted(store.list_index_func_values(NAMESPACE_INDEX)) == ["", "default", "other"]
    assert {o.metadata.name for o in store.index(NAMESPACE_INDEX, cm("x", "other"))} == {"b"}
    assert store.get_by_key("cluster-wide") is not None and "default/a1" in store
    for key in ("default/a1/x", "/a1", "default/", "nowhere/a1", "a1"):
        assert store.get_by_key(key) is None and key not in store
    store.delete_key("default/a1/x")
    assert len(store) == 3
    # An update keeps the new object's own name string, not the first one's.
    second = cm("".join(["a", "1"]), app="db")
    store.update(second)
    assert next(iter(store._by_name["default"])) is second.metadata.name
    assert store.index_keys("app", "db") == ["default/a1"] and store.index_keys("app", "web") == []
    store.delete_key("other/b")
    assert "other" not in store._by_name and store.list_index_func_values(NAMESPACE_INDEX) != []
    assert sorted(store.list_index_func_values(NAMESPACE_INDEX)) == ["", "default"]


def test_another_key_function_keeps_keys_and_index_sets() -> None:
    def by_uid(obj: object) -> str:
        return f"uid-{getattr(getattr(obj, 'metadata'), 'name')}"

    store: Indexer[ConfigMap] = Indexer(
        key_func=by_uid, indexers={NAMESPACE_INDEX: namespace_index_func}
    )
    store.add(cm("a"))
    store.replace([cm("b", "x"), cm("c")], "7")
    assert store._by_name is None and sorted(store.list_keys()) == ["uid-b", "uid-c"]
    assert store.index_keys(NAMESPACE_INDEX, "x") == ["uid-b"]
    assert [o.metadata.name for o in store.by_index(NAMESPACE_INDEX, "default")] == ["c"]
    store.delete_key("uid-b")
    assert store.list_index_func_values(NAMESPACE_INDEX) == ["default"] and len(store) == 1
