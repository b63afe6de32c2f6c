"""The cache's store: objects by key, with secondary indexes, safe to read from any thread.

Keys are ``namespace/name``, or ``name`` for cluster-scoped objects (client-go's
``MetaNamespaceKeyFunc``). An *index* maps a value computed from each object (its namespace, a label,
an owner...) to the keys of the objects that have it::

    indexer = Indexer(indexers={NAMESPACE_INDEX: namespace_index_func})
    indexer.add_indexers({"by-app": lambda obj: [labels_of(obj).get("app", "")]})
    indexer.by_index("by-app", "web")          # the objects labelled app=web

Writers are the informer's processing loop; readers (listers) may run on any thread. Every method
holds one lock for its whole work, so a reader sees each write entirely or not at all. Lists are new
lists, but the objects in them are the cache's own: never mutate them (see
:func:`~kgen.runtime._cache.objects.copy_object`).
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from kgen.runtime._cache.objects import name_of, namespace_of
from kgen.runtime._cache.tombstone import DeletedFinalStateUnknown

__all__ = [
    "NAMESPACE_INDEX",
    "IndexFunc",
    "Indexer",
    "KeyFunc",
    "deletion_handling_key",
    "meta_namespace_key",
    "namespace_index_func",
    "split_meta_namespace_key",
]

logger = logging.getLogger("kgen.runtime.cache")

T = TypeVar("T")

KeyFunc = Callable[[Any], str]
IndexFunc = Callable[[Any], Iterable[str]]

#: The index every informer has: namespace -> keys ("" for cluster-scoped objects).
NAMESPACE_INDEX = "namespace"


def meta_namespace_key(obj: Any) -> str:
    """``namespace/name``, or ``name`` for a cluster-scoped object; a string is already a key."""
    if isinstance(obj, str):
        return obj
    name = name_of(obj)
    if not name:
        raise ValueError(f"cannot key a {type(obj).__name__} without metadata.name")
    namespace = namespace_of(obj)
    return f"{namespace}/{name}" if namespace else name


def deletion_handling_key(obj: Any) -> str:
    """:func:`meta_namespace_key`, which also takes tombstones (their ``key``)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    return meta_namespace_key(obj)


def split_meta_namespace_key(key: str) -> tuple[str, str]:
    """``"ns/name"`` -> ``("ns", "name")``; ``"name"`` -> ``("", "name")``."""
    parts = key.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise ValueError(f"unexpected key format: {key!r}")


def namespace_index_func(obj: Any) -> list[str]:
    """The namespace index: one value, the object's namespace ("" when cluster-scoped)."""
    return [namespace_of(obj) or ""]


class Indexer(Generic[T]):
    """A thread-safe store of objects by key, with named indexes (client-go's ``cache.Indexer``)."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}
        self._indexers: dict[str, IndexFunc] = dict(indexers or {})
        # index name -> indexed value -> keys; empty value sets are removed so the map cannot grow
        # with values no object has any more.
        self._indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}
        self._resource_version = ""

    # --- writes -------------------------------------------------------------------------------------

    def add(self, obj: T) -> None:
        """Insert or replace the object under its key."""
        self._put(self.key_func(obj), obj)

    def update(self, obj: T) -> None:
        self._put(self.key_func(obj), obj)

    def put(self, key: str, obj: T) -> None:
        """Insert or replace ``obj`` under ``key``, which the caller computed with this indexer's
        key function (the informer has it from the queue: no second computation per object)."""
        self._put(key, obj)

    def delete(self, obj: T | DeletedFinalStateUnknown[T]) -> None:
        """Remove the object's key (a tombstone or a key string work too); absent keys are ignored."""
        self.delete_key(deletion_handling_key(obj))

    def delete_key(self, key: str) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._unindex(key, old)

    def replace(self, items: Iterable[T], resource_version: str = "") -> None:
        """Replace the whole content at once (readers see the old or the new content, never a mix)."""
        fresh = {self.key_func(obj): obj for obj in items}
        indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indexers}
        for key, obj in fresh.items():
            for name, func in self._indexers.items():
                for value in self._values(name, func, obj):
                    indices[name].setdefault(value, set()).add(key)
        with self._lock:
            self._items = fresh
            self._indices = indices
            self._resource_version = resource_version

    def _put(self, key: str, obj: T) -> None:
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            self._index(key, obj)

    def _values(self, name: str, func: IndexFunc, obj: T) -> list[str]:
        try:
            return list(func(obj))
        except Exception:
            # client-go panics here; a broken index function should not take the cache down, so the
            # object stays stored but is missing from this one index.
            logger.exception("index function %r failed on %s", name, self.key_func(obj))
            return []

    def _index(self, key: str, obj: T) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in self._values(name, func, obj):
                keys = index.get(value)
                if keys is None:
                    index[value] = {key}
                else:
                    keys.add(key)

    def _unindex(self, key: str, obj: T) -> None:
        # Cached objects are never mutated, so the old object still yields the values it was
        # indexed under.
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in self._values(name, func, obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]

    # --- reads --------------------------------------------------------------------------------------

    def get(self, obj: T) -> T | None:
        """The cached object with the same key as ``obj``."""
        return self.get_by_key(self.key_func(obj))

    def get_by_key(self, key: str) -> T | None:
        with self._lock:
            return self._items.get(key)

    def list(self) -> builtins.list[T]:
        with self._lock:
            return list(self._items.values())

    def list_keys(self) -> builtins.list[str]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._items

    @property
    def last_sync_resource_version(self) -> str:
        """The resourceVersion given to the last :meth:`replace`."""
        return self._resource_version

    # --- indexes ------------------------------------------------------------------------------------

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes; objects already stored are indexed at once. Names must be new."""
        with self._lock:
            clash = sorted(set(indexers) & set(self._indexers))
            if clash:
                raise ValueError(f"indexers already exist: {', '.join(clash)}")
            for name, func in indexers.items():
                self._indexers[name] = func
                index: dict[str, set[str]] = {}
                for key, obj in self._items.items():
                    for value in self._values(name, func, obj):
                        index.setdefault(value, set()).add(key)
                self._indices[name] = index

    def get_indexers(self) -> dict[str, IndexFunc]:
        with self._lock:
            return dict(self._indexers)

    def _index_named(self, name: str) -> dict[str, set[str]]:
        index = self._indices.get(name)
        if index is None:
            raise KeyError(f"index {name!r} does not exist")
        return index

    def index(self, name: str, obj: T) -> builtins.list[T]:
        """The objects that share any value of index ``name`` with ``obj``."""
        func = self.get_indexers().get(name)
        if func is None:
            raise KeyError(f"index {name!r} does not exist")
        values = self._values(name, func, obj)
        with self._lock:
            index = self._index_named(name)
            keys: set[str] = set()
            for value in values:
                keys |= index.get(value, set())
            return [self._items[key] for key in keys]

    def by_index(self, name: str, value: str) -> builtins.list[T]:
        """The objects whose index ``name`` includes ``value``."""
        with self._lock:
            keys = self._index_named(name).get(value, ())
            return [self._items[key] for key in keys]

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """The keys of :meth:`by_index`."""
        with self._lock:
            return list(self._index_named(name).get(value, ()))

    def list_index_func_values(self, name: str) -> builtins.list[str]:
        """Every value index ``name`` has at least one object for."""
        with self._lock:
            return list(self._index_named(name))
