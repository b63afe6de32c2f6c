"""Informer caches: client-go's ``tools/cache`` for asyncio, usable from synchronous programs too.

Start with the informer factory, which gives one shared, self-healing cache per resource::

    factory = AsyncSharedInformerFactory(clientset, namespace="prod")
    pods = factory.informer_for(Pod)
    pods.add_event_handler(ResourceEventHandlerFuncs(on_add=..., on_update=..., on_delete=...))
    factory.start()
    await factory.wait_for_cache_sync(timeout=30)   # raises CacheSyncError saying why, if one did not
    pods.lister().namespace("prod").list("app=web")

(:class:`SharedInformerFactory` is the same for synchronous programs: the machinery runs on a
background event loop thread.) Cached objects are shared by every handler and lister: never mutate
them (``copy_object``). A cache lags the server by the watch latency.

Every piece also stands alone, one module each: :mod:`.store` (the thread-safe
:class:`Indexer` and key functions), :mod:`.fifo` (the in-order :class:`RealFIFO` with relist
tombstones), :mod:`.listwatch` (what to list and watch), :mod:`.reflector` (list, watch, resume,
relist, streaming lists), :mod:`.backoff`, :mod:`.informer` (:class:`AsyncSharedIndexInformer`),
:mod:`.handlers` (per-handler buffers), :mod:`.lister` (selectors: :mod:`kgen.runtime._selectors`),
:mod:`.transform` (drop managedFields, intern strings), :mod:`.errors` (:class:`CacheSyncError`),
:mod:`.factory` and :mod:`.threaded` (the synchronous face).
"""

from __future__ import annotations

from kgen.runtime._cache.backoff import BackoffManager
from kgen.runtime._cache.errors import CacheSyncError, describe_failure, sync_timed_out
from kgen.runtime._cache.factory import AsyncSharedInformerFactory, ClientsetLike, SyncResult
from kgen.runtime._cache.fifo import Delta, DeltaType, FIFOClosed, KnownObjects, RealFIFO
from kgen.runtime._cache.handlers import (
    FilteringResourceEventHandler,
    HandlerRegistration,
    ResourceEventHandler,
    ResourceEventHandlerFuncs,
)
from kgen.runtime._cache.informer import MINIMUM_RESYNC_PERIOD, AsyncSharedIndexInformer
from kgen.runtime._cache.lister import ClusterLister, Lister, ListerInNamespace
from kgen.runtime._cache.listwatch import (
    DynamicListerWatcher,
    ListerWatcher,
    ListResult,
    ResourceListWatchClient,
    TweakListOptions,
    TypedListerWatcher,
    WatchStreamLike,
)
from kgen.runtime._cache.objects import (
    annotations_of,
    copy_object,
    labels_of,
    name_of,
    namespace_of,
    resource_version_of,
)
from kgen.runtime._cache.reflector import (
    DEFAULT_PAGE_SIZE,
    Reflector,
    ReflectorMetrics,
    ReflectorOptions,
    ReflectorStore,
    VeryShortWatchError,
)
from kgen.runtime._cache.store import (
    NAMESPACE_INDEX,
    IndexFunc,
    Indexer,
    KeyFunc,
    deletion_handling_key,
    meta_namespace_key,
    namespace_index_func,
    split_meta_namespace_key,
)
from kgen.runtime._cache.threaded import EventLoopThread, SharedIndexInformer, SharedInformerFactory
from kgen.runtime._cache.tombstone import DeletedFinalStateUnknown, final_state
from kgen.runtime._cache.transform import (
    DEFAULT_INTERNER,
    StringInterner,
    Transform,
    default_transform,
    make_transform,
)

__all__ = [
    "AsyncSharedIndexInformer",
    "AsyncSharedInformerFactory",
    "BackoffManager",
    "CacheSyncError",
    "ClientsetLike",
    "ClusterLister",
    "DEFAULT_INTERNER",
    "DEFAULT_PAGE_SIZE",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaType",
    "DynamicListerWatcher",
    "EventLoopThread",
    "FIFOClosed",
    "FilteringResourceEventHandler",
    "HandlerRegistration",
    "IndexFunc",
    "Indexer",
    "KeyFunc",
    "KnownObjects",
    "ListResult",
    "Lister",
    "ListerInNamespace",
    "ListerWatcher",
    "MINIMUM_RESYNC_PERIOD",
    "NAMESPACE_INDEX",
    "RealFIFO",
    "Reflector",
    "ReflectorMetrics",
    "ReflectorOptions",
    "ReflectorStore",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "ResourceListWatchClient",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "StringInterner",
    "SyncResult",
    "Transform",
    "TweakListOptions",
    "TypedListerWatcher",
    "VeryShortWatchError",
    "WatchStreamLike",
    "annotations_of",
    "copy_object",
    "default_transform",
    "deletion_handling_key",
    "describe_failure",
    "final_state",
    "labels_of",
    "make_transform",
    "meta_namespace_key",
    "name_of",
    "namespace_index_func",
    "namespace_of",
    "resource_version_of",
    "split_meta_namespace_key",
    "sync_timed_out",
]
