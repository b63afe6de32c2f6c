"""The shared index informer: one reflector, one cache, many event handlers (client-go's
``SharedIndexInformer``).

    informer = AsyncSharedIndexInformer(TypedListerWatcher(cs.core_v1.pods("prod")))
    registration = informer.add_event_handler(ResourceEventHandlerFuncs(on_add=print))
    informer.start()
    await informer.wait_for_cache_sync(timeout=30)   # or CacheSyncError saying why not
    informer.lister().list("app=web")

The reflector writes every change into a :class:`~kgen.runtime._cache.fifo.RealFIFO`; one task pops the
deltas in order, applies each to the indexer and hands a notification to every handler's buffer
(see :mod:`kgen.runtime._cache.handlers`):

=======================================  =============================================
delta                                    indexer, then handlers
=======================================  =============================================
Added / Updated / Replaced / Sync,       ``add``, ``on_add(obj, is_in_initial_list)``
key not cached
the same, key cached                     ``update``, ``on_update(old, new)`` (Sync: only
                                         to the handlers whose resync is due)
Deleted (object or tombstone)            ``delete``, ``on_delete(obj)``
=======================================  =============================================

Handlers added after ``start()`` first get ``on_add(obj, True)`` for everything cached, then the
live notifications. Per-handler resync follows client-go: at least ``min_resync_period`` (1 s); a
shorter period than the informer's check period lowers that period before ``start()`` and is raised
to it afterwards. The transform (default: :func:`~kgen.runtime._cache.transform.default_transform`)
runs on every object before it is cached; set it before ``start()``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

from kgen.runtime._backoff import BackoffManager
from kgen.runtime._cache.errors import CacheSyncError, sync_timed_out
from kgen.runtime._cache.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from kgen.runtime._cache.handlers import (
    AsyncHandlerRegistration,
    ResourceEventHandler,
    check_handler,
)
from kgen.runtime._cache.lister import Lister
from kgen.runtime._cache.listwatch import ListerWatcher
from kgen.runtime._cache.reflector import Reflector, ReflectorMetrics, ReflectorOptions
from kgen.runtime._cache.store import (
    NAMESPACE_INDEX,
    IndexFunc,
    Indexer,
    KeyFunc,
    meta_namespace_key,
    namespace_index_func,
)
from kgen.runtime._cache.transform import Transform, default_transform
from kgen.runtime._cache.undecodable import Undecodable
from kgen.runtime._tasks import cancel_and_wait

__all__ = ["MINIMUM_RESYNC_PERIOD", "AsyncSharedIndexInformer"]

logger = logging.getLogger("kgen.runtime.cache")

T = TypeVar("T")
InformerT = TypeVar("InformerT", bound="AsyncSharedIndexInformer[Any]")

#: client-go's minimumResyncPeriod: shorter handler resync periods are raised to it.
MINIMUM_RESYNC_PERIOD = 1.0
# A listener is due for resync slightly early rather than a whole check period late.
_RESYNC_SLACK = 0.01


class AsyncSharedIndexInformer(Generic[T]):
    """A cache of one resource kept in sync by a reflector, with indexes and event handlers."""

    def __init__(
        self,
        lister_watcher: ListerWatcher[T],
        *,
        resync_period: float = 0.0,
        indexers: Mapping[str, IndexFunc] | None = None,
        transform: Transform | None = default_transform,
        key_func: KeyFunc = meta_namespace_key,
        reflector_options: ReflectorOptions | None = None,
        backoff: BackoffManager | None = None,
        min_resync_period: float = MINIMUM_RESYNC_PERIOD,
        clock: Callable[[], float] = time.monotonic,
        name: str = "",
    ) -> None:
        self.lister_watcher = lister_watcher
        self.indexer: Indexer[T] = Indexer(
            key_func, {NAMESPACE_INDEX: namespace_index_func, **(indexers or {})}
        )
        self._fifo: RealFIFO[T] = RealFIFO(self.indexer, key_func)
        self.reflector: Reflector[T] = Reflector(
            lister_watcher,
            self._fifo,
            name=name,
            transform=transform,
            key_func=key_func,
            options=reflector_options,
            backoff=backoff,
            clock=clock,
            on_error=self._on_watch_error,
            on_undecodable=self._on_undecodable,
        )
        self.name = self.reflector.name
        self._default_resync = resync_period
        self._check_period = max(resync_period, min_resync_period) if resync_period > 0 else 0.0
        self._min_resync = min_resync_period
        self._clock = clock
        self._listeners: list[AsyncHandlerRegistration[T]] = []
        self._watch_error_handler: Callable[[str, BaseException], None] | None = None
        self._undecodable_handlers: list[Callable[[Undecodable], None]] = []
        self._started = False
        self._stopped = False
        self._synced = False
        self._synced_event = asyncio.Event()
        self._stopped_event = asyncio.Event()
        self._resync_wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.processed = 0  # deltas applied to the cache

    def __repr__(self) -> str:
        return f"AsyncSharedIndexInformer({self.name}, synced={self._synced})"

    # --- configuration ------------------------------------------------------------------------------

    @property
    def transform(self) -> Transform | None:
        return self.reflector.transform

    def set_transform(self, transform: Transform | None) -> None:
        """Replace the transform (None: cache objects as decoded); only before ``start()``."""
        if self._started:
            raise RuntimeError(f"{self.name}: the transform must be set before start()")
        self.reflector.transform = transform

    def set_watch_error_handler(self, handler: Callable[[str, BaseException], None]) -> None:
        """Called with the verb ("list" or "watch") and the error of every failed request."""
        self._watch_error_handler = handler

    def set_undecodable_handler(self, handler: Callable[[Undecodable], None]) -> None:
        """Also call ``handler`` with every object that does not fit the model (it is left out of
        the cache until a version that fits comes; see :mod:`kgen.runtime._cache.undecodable`)."""
        self._undecodable_handlers.append(handler)

    def _on_undecodable(self, obj: Undecodable) -> None:
        for handler in self._undecodable_handlers:
            handler(obj)

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes (cached objects are indexed at once)."""
        self.indexer.add_indexers(indexers)

    def lister(self) -> Lister[T]:
        return Lister(self.indexer, self.lister_watcher.resource)

    @property
    def metrics(self) -> ReflectorMetrics:
        return self.reflector.metrics

    @property
    def last_sync_resource_version(self) -> str:
        return self.reflector.last_sync_resource_version

    @property
    def last_error(self) -> BaseException | None:
        """The last list or watch error since the last successful sync."""
        return self.reflector.last_error

    def _on_watch_error(self, verb: str, error: BaseException) -> None:
        if self._watch_error_handler is not None:
            try:
                self._watch_error_handler(verb, error)
            except Exception:
                logger.exception("%s: the watch error handler failed", self.name)

    # --- handlers -----------------------------------------------------------------------------------

    def add_event_handler(
        self,
        handler: ResourceEventHandler[T],
        resync_period: float | None = None,
        *,
        threaded: bool = False,
    ) -> AsyncHandlerRegistration[T]:
        """Deliver notifications to ``handler``, resyncing it every ``resync_period`` seconds (None:
        the informer's; 0: never). ``threaded`` calls its plain functions on a thread of its own."""
        if self._stopped:
            raise RuntimeError(f"{self.name}: the informer is stopped")
        check_handler(handler)
        period = self._default_resync if resync_period is None else resync_period
        if period > 0:
            if period < self._min_resync:
                logger.warning(
                    "%s: resync period %gs raised to the minimum %gs",
                    self.name,
                    period,
                    self._min_resync,
                )
                period = self._min_resync
        requested = period
        if period > 0:
            if self._check_period <= 0:
                self._check_period = period
            elif period < self._check_period:
                if self._started:
                    logger.warning(
                        "%s: resync period %gs raised to the informer's check period %gs (the "
                        "informer has started)",
                        self.name,
                        period,
                        self._check_period,
                    )
                    period = self._check_period
                else:
                    self._check_period = period
        registration = AsyncHandlerRegistration(handler, period, threaded=threaded)
        registration.requested_resync_period = requested
        registration.next_resync = self._clock() + period
        self._listeners.append(registration)
        self._resync_wakeup.set()
        if self._started:
            registration.start()
            # Late handlers get the cache as it is now, then live notifications, in that order:
            # nothing runs between these lines and the processing task.
            for obj in self.indexer.list():
                registration.add(obj, True)
            if self._synced:
                registration.mark_synced()
        return registration

    async def remove_event_handler(self, registration: AsyncHandlerRegistration[T]) -> None:
        """Stop delivering to this handler (notifications still buffered are dropped)."""
        if registration in self._listeners:
            self._listeners.remove(registration)
        await registration.stop()

    @property
    def handlers(self) -> list[AsyncHandlerRegistration[T]]:
        return list(self._listeners)

    # --- lifecycle ----------------------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._started

    @property
    def stopped(self) -> bool:
        return self._stopped

    def start(self) -> None:
        """Start listing, watching and delivering, in the running event loop (again: no-op)."""
        if self._stopped:
            raise RuntimeError(f"{self.name}: a stopped informer cannot start again")
        if self._started:
            return
        loop = asyncio.get_running_loop()
        self._started = True
        for registration in self._listeners:
            registration.start()
        self._tasks = [
            loop.create_task(self._process_loop(), name=f"kgen-informer-{self.name}"),
            loop.create_task(self.reflector.run(), name=f"kgen-reflector-{self.name}"),
            loop.create_task(self._resync_loop(), name=f"kgen-resync-{self.name}"),
        ]

    async def stop(self) -> None:
        """Stop the reflector, the processing and every handler's delivery."""
        if self._stopped:
            return
        self._stopped = True
        self._stopped_event.set()
        self._fifo.close()
        tasks, self._tasks = self._tasks, []
        await cancel_and_wait(tasks)
        for registration in self._listeners:
            await registration.stop()

    async def run(self) -> None:
        """Start, then wait until stopped (cancelling this stops the informer)."""
        self.start()
        try:
            await self._stopped_event.wait()
        finally:
            await self.stop()

    async def __aenter__(self: InformerT) -> InformerT:
        self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # --- sync ---------------------------------------------------------------------------------------

    def has_synced(self) -> bool:
        """True once the first list has been applied to the cache (and handed to the handlers)."""
        return self._synced

    async def wait_for_cache_sync(self, timeout: float | None = None) -> None:
        """Wait until synced; otherwise raise :class:`CacheSyncError` saying why (the last list or
        watch error: forbidden, resource not served...), after ``timeout`` seconds or on stop."""
        if self._synced:
            return
        resource, namespace = self.lister_watcher.resource, self.lister_watcher.namespace
        if not self._started:
            raise CacheSyncError(
                f"{self.name}: the informer is not started (call start() first)",
                resource=resource,
                namespace=namespace,
            )
        waiters = [
            asyncio.ensure_future(self._synced_event.wait()),
            asyncio.ensure_future(self._stopped_event.wait()),
        ]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if self._synced:
            return
        error, verb = self.reflector.last_error, self.reflector.last_error_verb
        if self._stopped and error is None:
            raise CacheSyncError(
                f"{self.name}: the informer stopped before its cache synced",
                resource=resource,
                namespace=namespace,
            )
        raise sync_timed_out(timeout or 0.0, resource, namespace, verb, error)

    def _mark_synced(self) -> None:
        self._synced = True
        for registration in self._listeners:
            registration.mark_synced()
        self._synced_event.set()

    # --- processing ---------------------------------------------------------------------------------

    async def _process_loop(self) -> None:
        while True:
            try:
                await self._fifo.pop(self._process)
            except FIFOClosed:
                return
            if not self._synced and self._fifo.has_synced():
                self._mark_synced()

    def _process(self, delta: Delta[T]) -> None:
        self.processed += 1
        indexer, key = self.indexer, delta.key
        old = indexer.get_by_key(key)
        if delta.type is DeltaType.DELETED:
            if old is None:
                return  # never cached: a handler must not see a delete without an add
            indexer.delete_key(key)
            gone = old if isinstance(delta.object, Undecodable) else delta.object
            for registration in self._listeners:
                registration.delete(gone)
            return
        obj = cast(T, delta.object)
        if old is None:
            indexer.put(key, obj)
            for registration in self._listeners:
                registration.add(obj, delta.initial)
            return
        indexer.put(key, obj)
        if delta.type is DeltaType.SYNC:
            due = cast(frozenset[AsyncHandlerRegistration[T]], delta.tag or frozenset())
            for registration in self._listeners:
                if registration in due:
                    registration.update(old, obj)
            return
        for registration in self._listeners:
            registration.update(old, obj)

    async def _resync_loop(self) -> None:
        while True:
            period = self._check_period
            if period <= 0:
                self._resync_wakeup.clear()
                await self._resync_wakeup.wait()
                continue
            await asyncio.sleep(period)
            if not self._synced:
                continue
            now = self._clock()
            due = frozenset(
                r
                for r in self._listeners
                if r.resync_period > 0 and now + _RESYNC_SLACK >= r.next_resync
            )
            if due:
                for registration in due:
                    registration.next_resync = now + registration.resync_period
                self._fifo.resync(due)
