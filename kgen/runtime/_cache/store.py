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
    """A thread-safe store of objects by key, with named indexes (client-go's ``cache.Indexer``).

    With the default key function the keys are not kept as strings: objects are held by namespace,
    then by name (the name is the object's own string), and the namespace index
    (:data:`NAMESPACE_INDEX` with :func:`namespace_index_func`) is that first level rather than sets
    of keys. That is some 140 bytes less per object (a key string and its entry in a set); keys are
    made when asked for (:meth:`list_keys`, :meth:`index_keys`) and for other indexes."""

    def __init__(
        self,
        key_func: KeyFunc = meta_namespace_key,
        indexers: Mapping[str, IndexFunc] | None = None,
    ) -> None:
        self.key_func = key_func
        self._lock = threading.Lock()
        # key -> object, for other key functions.
        self._items: dict[str, T] = {}
        # namespace ("" when cluster-scoped) -> name -> object, for the default key function; a
        # namespace without objects is removed.
        self._by_name: dict[str, dict[str, T]] | None = (
            {} if key_func is meta_namespace_key else None
        )
        self._indexers: dict[str, IndexFunc] = dict(indexers or {})
        # index name -> indexed value -> keys; empty value sets are removed so the map cannot grow
        # with values no object has any more. The namespace index has none when served by _by_name.
        self._indices: dict[str, dict[str, set[str]]] = {
            name: {} for name, func in self._indexers.items() if not self._served(name, func)
        }
        self._resource_version = ""

    def _served(self, name: str, func: IndexFunc) -> bool:
        """Whether index ``name`` is answered from the objects by namespace (no sets of keys)."""
        return (
            self._by_name is not None and name == NAMESPACE_INDEX and func is namespace_index_func
        )

    @staticmethod
    def _place(obj: Any) -> tuple[str, str]:
        """``(namespace, name)`` of an object, as :func:`meta_namespace_key` keys it."""
        name = name_of(obj)
        if not name:
            if isinstance(obj, str):
                namespace, name = split_meta_namespace_key(obj)
                return namespace, name
            raise ValueError(f"cannot key a {type(obj).__name__} without metadata.name")
        return namespace_of(obj) or "", name

    @staticmethod
    def _split(key: str) -> tuple[str, str] | None:
        """``(namespace, name)`` of a key; None for a string no object's key can be."""
        namespace, slash, name = key.partition("/")
        if not slash:
            return "", key
        if not namespace or not name or "/" in name:
            return None
        return namespace, name

    # --- writes -------------------------------------------------------------------------------------

    def add(self, obj: T) -> None:
        """Insert or replace the object under its key."""
        if self._by_name is None:
            self._put(self.key_func(obj), obj)
        else:
            self._put_by_name(obj)

    def update(self, obj: T) -> None:
        self.add(obj)

    def put(self, key: str, obj: T) -> None:
        """Insert or replace ``obj`` under ``key``, which the caller computed with this indexer's
        key function (the informer has it from the queue: no second computation per object).
        Objects held by namespace and name (the default key function) need no key at all."""
        if self._by_name is None:
            self._put(key, obj)
        else:
            self._put_by_name(obj)

    def delete(self, obj: T | DeletedFinalStateUnknown[T]) -> None:
        """Remove the object's key (a tombstone or a key string work too); absent keys are ignored."""
        self.delete_key(deletion_handling_key(obj))

    def delete_key(self, key: str) -> None:
        with self._lock:
            if self._by_name is None:
                old = self._items.pop(key, None)
            else:
                place = self._split(key)
                if place is None:
                    return
                namespace, name = place
                names = self._by_name.get(namespace)
                old = None if names is None else names.pop(name, None)
                if names is not None and not names:
                    del self._by_name[namespace]
            if old is not None:
                self._unindex(key, old)

    def replace(self, items: Iterable[T], resource_version: str = "") -> None:
        """Replace the whole content at once (readers see the old or the new content, never a mix)."""
        fresh: dict[str, T] = {}
        by_name: dict[str, dict[str, T]] = {}
        if self._by_name is None:
            fresh = {self.key_func(obj): obj for obj in items}
            keyed: Iterable[tuple[str, T]] = fresh.items()
        else:
            for obj in items:
                namespace, name = self._place(obj)
                names = by_name.get(namespace)
                if names is None:
                    names = by_name[namespace] = {}
                names.pop(name, None)  # a name listed twice: the object's own string, as _put
                names[name] = obj
            keyed = self._keyed(by_name) if self._indices else ()
        indices: dict[str, dict[str, set[str]]] = {name: {} for name in self._indices}
        for key, obj in keyed:
            for name in indices:
                for value in self._values(name, self._indexers[name], obj):
                    indices[name].setdefault(value, set()).add(key)
        with self._lock:
            self._items = fresh
            if self._by_name is not None:
                self._by_name = by_name
            self._indices = indices
            self._resource_version = resource_version

    @staticmethod
    def _keyed(by_name: dict[str, dict[str, T]]) -> Iterable[tuple[str, T]]:
        for namespace, names in by_name.items():
            for name, obj in names.items():
                yield (f"{namespace}/{name}" if namespace else name), obj

    def _put(self, key: str, obj: T) -> None:
        with self._lock:
            old = self._items.get(key)
            if old is not None:
                self._unindex(key, old)
            self._items[key] = obj
            self._index(key, obj)

    def _put_by_name(self, obj: T) -> None:
        assert self._by_name is not None
        namespace, name = self._place(obj)
        key = (f"{namespace}/{name}" if namespace else name) if self._indices else ""
        with self._lock:
            names = self._by_name.get(namespace)
            if names is None:
                names = self._by_name[namespace] = {}
            # Popped, not overwritten: an entry keeps its first key, which would keep the old
            # object's name string alive beside the new one's.
            old = names.pop(name, None)
            if old is not None and self._indices:
                self._unindex(key, old)
            names[name] = obj
            if self._indices:
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
        for name, index in self._indices.items():
            for value in self._values(name, self._indexers[name], obj):
                keys = index.get(value)
                if keys is None:
                    index[value] = {key}
                else:
                    keys.add(key)

    def _unindex(self, key: str, obj: T) -> None:
        # Cached objects are never mutated, so the old object still yields the values it was
        # indexed under.
        for name, index in self._indices.items():
            for value in self._values(name, self._indexers[name], obj):
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
            return self._get(key)

    def _get(self, key: str) -> T | None:
        if self._by_name is None:
            return self._items.get(key)
        place = self._split(key)
        if place is None:
            return None
        names = self._by_name.get(place[0])
        return None if names is None else names.get(place[1])

    def list(self) -> builtins.list[T]:
        with self._lock:
            if self._by_name is None:
                return list(self._items.values())
            return [obj for names in self._by_name.values() for obj in names.values()]

    def list_keys(self) -> builtins.list[str]:
        with self._lock:
            if self._by_name is None:
                return list(self._items)
            return [key for key, _ in self._keyed(self._by_name)]

    def __len__(self) -> int:
        with self._lock:
            if self._by_name is None:
                return len(self._items)
            return sum(map(len, self._by_name.values()))

    def __contains__(self, key: object) -> bool:
        with self._lock:
            if self._by_name is None:
                return key in self._items
            return isinstance(key, str) and self._get(key) is not None

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
                if self._served(name, func):
                    continue
                index: dict[str, set[str]] = {}
                stored = (
                    self._items.items() if self._by_name is None else self._keyed(self._by_name)
                )
                for key, obj in stored:
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

    def _by_namespace(self, name: str) -> dict[str, dict[str, T]] | None:
        """The objects by namespace when index ``name`` is answered from them (None when it is an
        index of sets of keys, or no index)."""
        if name in self._indices or name not in self._indexers:
            return None
        return self._by_name

    def index(self, name: str, obj: T) -> builtins.list[T]:
        """The objects that share any value of index ``name`` with ``obj``."""
        func = self.get_indexers().get(name)
        if func is None:
            raise KeyError(f"index {name!r} does not exist")
        values = self._values(name, func, obj)
        with self._lock:
            by_namespace = self._by_namespace(name)
            if by_namespace is not None:
                return [
                    found
                    for value in dict.fromkeys(values)
                    for found in by_namespace.get(value, {}).values()
                ]
            index = self._index_named(name)
            keys: set[str] = set()
            for value in values:
                keys |= index.get(value, set())
            return [self._get(key) for key in keys]  # type: ignore[misc]

    def by_index(self, name: str, value: str) -> builtins.list[T]:
        """The objects whose index ``name`` includes ``value``."""
        with self._lock:
            by_namespace = self._by_namespace(name)
            if by_namespace is not None:
                return list(by_namespace.get(value, {}).values())
            keys = self._index_named(name).get(value, ())
            return [self._get(key) for key in keys]  # type: ignore[misc]

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """The keys of :meth:`by_index`."""
        with self._lock:
            by_namespace = self._by_namespace(name)
            if by_namespace is not None:
                return [f"{value}/{n}" if value else n for n in by_namespace.get(value, {})]
            return list(self._index_named(name).get(value, ()))

    def list_index_func_values(self, name: str) -> builtins.list[str]:
        """Every value index ``name`` has at least one object for."""
        with self._lock:
            by_namespace = self._by_namespace(name)
            if by_namespace is not None:
                return list(by_namespace)
            return list(self._index_named(name))
