"""Listers: reads served from an informer's cache, never from the server.

    pods = factory.informer_for(Pod).lister()
    pods.list("app=web")                        # every namespace
    pods.namespace("prod").get("web-0")         # NotFound if it is not cached
    pods.namespace("prod").list({"app": "web"})

Selectors are label selectors (a string, a mapping, :class:`~kgen.runtime._selectors.Labels`), parsed
and evaluated by :mod:`kgen.runtime._selectors` as the API server does. Listers are safe from any
thread. They return the cache's own objects, shared with every other reader: pass ``copy=True`` for
objects to mutate.
A cache lags the server: after your own write, a lister may still show the old object.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from kgen.runtime._cache.objects import copy_object, labels_of
from kgen.runtime._cache.store import NAMESPACE_INDEX, Indexer
from kgen.runtime._errors import NotFound
from kgen.runtime._meta import Status, StatusDetails
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._selectors import LabelSelectorLike, parse_label_selector

__all__ = ["ClusterLister", "Lister", "ListerInNamespace"]

T = TypeVar("T")


def _not_found(resource: GroupVersionResource | None, name: str) -> NotFound:
    # The error the API server would give (errors.NewNotFound), so callers handle one type.
    plural = resource.resource if resource is not None else "objects"
    group = resource.group if resource is not None else ""
    qualified = f"{plural}.{group}" if group else plural
    status = Status(
        status="Failure",
        code=404,
        reason="NotFound",
        message=f'{qualified} "{name}" not found',
        details=StatusDetails(name=name, group=group, kind=plural),
    )
    return NotFound(status, code=404)


def _select(
    items: list[T], selector: LabelSelectorLike, label_selector: LabelSelectorLike, copy: bool
) -> list[T]:
    if selector is not None and label_selector is not None:
        raise TypeError("give the selector once: positionally or as label_selector=")
    # label_selector= is accepted too: it is the client's list() keyword, and code moves between them.
    parsed = parse_label_selector(selector if selector is not None else label_selector)
    if not parsed.empty:
        items = [obj for obj in items if parsed.matches(labels_of(obj))]
    return [copy_object(obj) for obj in items] if copy else items


class _CacheReader(Generic[T]):
    """What the three listers share: a selection of the cache's objects, and reads by key."""

    def __init__(self, indexer: Indexer[T], resource: GroupVersionResource | None = None) -> None:
        self.indexer = indexer
        self.resource = resource

    def _items(self) -> list[T]:
        return self.indexer.list()

    def list(
        self,
        selector: LabelSelectorLike = None,
        *,
        label_selector: LabelSelectorLike = None,
        copy: bool = False,
    ) -> list[T]:
        """Every object here whose labels match ``selector`` (all of them without one)."""
        return _select(self._items(), selector, label_selector, copy)

    def _get(self, key: str, name: str, copy: bool) -> T:
        obj = self.indexer.get_by_key(key)
        if obj is None:
            raise _not_found(self.resource, name)
        return copy_object(obj) if copy else obj


class Lister(_CacheReader[T]):
    """Reads of one informer's cache, across namespaces."""

    def get(self, namespace: str | None, name: str, *, copy: bool = False) -> T:
        """The cached object (``namespace`` None for a cluster-scoped one); NotFound if absent."""
        return self._get(f"{namespace}/{name}" if namespace else name, name, copy)

    def namespace(self, namespace: str) -> ListerInNamespace[T]:
        return ListerInNamespace(self.indexer, namespace, self.resource)


class ListerInNamespace(_CacheReader[T]):
    """Reads of one informer's cache, in one namespace."""

    def __init__(
        self, indexer: Indexer[T], namespace: str, resource: GroupVersionResource | None = None
    ) -> None:
        super().__init__(indexer, resource)
        self.namespace = namespace

    def _items(self) -> list[T]:
        try:
            return self.indexer.by_index(NAMESPACE_INDEX, self.namespace)
        except KeyError:
            # No namespace index: scan by key prefix.
            prefix = f"{self.namespace}/"
            return [
                obj
                for key in self.indexer.list_keys()
                if key.startswith(prefix) and (obj := self.indexer.get_by_key(key)) is not None
            ]

    def get(self, name: str, *, copy: bool = False) -> T:
        return self._get(f"{self.namespace}/{name}", name, copy)


class ClusterLister(_CacheReader[T]):
    """Reads of one informer's cache for a cluster-scoped resource (objects have no namespace)."""

    def get(self, name: str, *, copy: bool = False) -> T:
        return self._get(name, name, copy)
