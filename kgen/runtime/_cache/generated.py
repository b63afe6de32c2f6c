"""Bases of the generated informer and lister modules: a generated package says which resources exist,
this says how they are cached.

    factory = SharedInformerFactory(clientset, resync=300, namespace="prod")
    pods = factory.core_v1.pods                 # a ResourceInformer[Pod, PodLister]
    pods.informer().add_event_handler(handler)
    factory.start(); factory.wait_for_cache_sync(timeout=30)
    pods.lister().pods("prod").get("web-0")
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from kgen.runtime._cache.factory import AsyncSharedInformerFactory
from kgen.runtime._cache.informer import AsyncSharedIndexInformer
from kgen.runtime._cache.store import Indexer
from kgen.runtime._cache.threaded import SharedIndexInformer, SharedInformerFactory
from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._resources import GroupVersionResource

__all__ = ["AsyncGroupInformers", "AsyncResourceInformer", "GroupInformers", "ResourceInformer"]

T = TypeVar("T", bound=KubernetesObject)
LT = TypeVar("LT")
F = TypeVar("F")
ListerType = Callable[[Indexer[Any], GroupVersionResource | None], Any]


def _gvr(kind: type[KubernetesObject]) -> GroupVersionResource | None:
    return kind.RESOURCE.gvr if kind.RESOURCE is not None else None


class _ResourceInformerBase(Generic[F, T, LT]):
    """What the sync and async resource informers share: which resource, and how its lister is built."""

    def __init__(
        self,
        factory: F,
        kind: type[T],
        list_kind: type[KubernetesList[T]],
        lister_type: Callable[[Indexer[T], GroupVersionResource | None], LT],
    ) -> None:
        self._factory = factory
        self._kind = kind
        self._list_kind = list_kind
        self._lister_type = lister_type

    def _lister_of(self, indexer: Indexer[T]) -> LT:
        return self._lister_type(indexer, _gvr(self._kind))


class ResourceInformer(_ResourceInformerBase[SharedInformerFactory, T, LT]):
    """The shared informer of one resource and its typed lister (synchronous programs)."""

    def informer(self) -> SharedIndexInformer[T]:
        """The factory's one informer of this resource (created on first use)."""
        return self._factory.informer_for(self._kind, self._list_kind)

    def lister(self) -> LT:
        """Reads of the informer's cache (empty until it has synced)."""
        return self._lister_of(self.informer().indexer)


class AsyncResourceInformer(_ResourceInformerBase[AsyncSharedInformerFactory, T, LT]):
    """The shared informer of one resource and its typed lister (asyncio)."""

    def informer(self) -> AsyncSharedIndexInformer[T]:
        """The factory's one informer of this resource (created on first use)."""
        return self._factory.informer_for(self._kind, self._list_kind)

    def lister(self) -> LT:
        """Reads of the informer's cache (empty until it has synced)."""
        return self._lister_of(self.informer().indexer)


class GroupInformers:
    """The informers of one group-version (generated subclasses add a property per resource)."""

    def __init__(self, factory: SharedInformerFactory) -> None:
        self.factory = factory


class AsyncGroupInformers:
    """The informers of one group-version (asyncio; generated subclasses add a property per resource)."""

    def __init__(self, factory: AsyncSharedInformerFactory) -> None:
        self.factory = factory
