"""The controller: what it watches and its reconcile (:class:`Controller`), and the machinery that runs
it on a manager's shared informers (:class:`ControllerRunner`).

    Controller(
        for_=Widget,                                   # reconcile Widgets...
        owns=[ConfigMap],                              # ... when a ConfigMap they control changes
        watches=[(Secret, lambda s: [ReconcileRequest("prod", s.metadata.labels["widget"])])],
        reconcile=reconcile,                           # (request, widget or None) -> ReconcileResult | None
        predicates=[GENERATION_CHANGED],               # on Widget updates only
        max_concurrent_reconciles=4,
    )

controller-runtime's guarantees, kept:

- the events of the three kinds become :class:`~.request.ReconcileRequest` keys in one rate-limited workqueue,
  so duplicates collapse and **one key is never reconciled twice at once**, whatever
  ``max_concurrent_reconciles`` (the number of workers);
- ``reconcile(request, obj)`` gets the cached object (None once it is gone from the cache); it is a
  coroutine function, or a plain function run on a thread of the controller's own pool;
- its answer: None or :data:`~.request.DONE` forgets the key's backoff; ``requeue()`` adds it back
  rate-limited; ``requeue_after(s)`` adds it back after ``s``; an exception adds it back rate-limited
  (the workqueue's default controller rate limiter: per item 5 ms doubling to 1000 s, overall 10 QPS
  burst 100) and counts an error;
- owned objects enqueue the owner their controller reference names, if it is of the ``for_`` kind
  (both the old and the new owner on an update);
- shutdown lets reconciles in flight finish within a deadline, then cancels them.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, Union

from kgen.runtime._cache.factory import AsyncSharedInformerFactory
from kgen.runtime._cache.handlers import ResourceEventHandlerFuncs
from kgen.runtime._cache.informer import AsyncSharedIndexInformer
from kgen.runtime._cache.objects import name_of, namespace_of
from kgen.runtime._cache.tombstone import final_state
from kgen.runtime._cache.undecodable import Undecodable
from kgen.runtime._controller.metrics import ControllerMetrics
from kgen.runtime._controller.owners import controller_of
from kgen.runtime._controller.predicates import Predicate
from kgen.runtime._controller.request import ReconcileRequest, ReconcileResult
from kgen.runtime._errors import ShutDown
from kgen.runtime._tasks import cancel_and_wait
from kgen.runtime._workqueue.rate_limiters import RateLimiter
from kgen.runtime._workqueue.rate_limiting import AsyncRateLimitingQueue

__all__ = ["Controller", "ControllerRunner", "MapFunc", "Reconciler"]

logger = logging.getLogger("kgen.runtime.controller")

M = TypeVar("M")

#: ``reconcile(request, obj)``: obj is the cached object, None when it is not in the cache.
Reconciler = Callable[
    [ReconcileRequest, Any], Union[Awaitable[Union[ReconcileResult, None]], ReconcileResult, None]
]
#: ``map_fn(obj)``: the requests an object of a watched kind enqueues.
MapFunc = Callable[[Any], Iterable[ReconcileRequest]]


@dataclass
class Controller(Generic[M]):
    """What a controller reconciles and watches; a manager runs it (see the module docstring)."""

    for_: type[M]
    reconcile: Callable[
        [ReconcileRequest, M | None], Awaitable[ReconcileResult | None] | ReconcileResult | None
    ]
    owns: Sequence[type[Any]] = ()
    watches: Sequence[tuple[type[Any], MapFunc]] = ()
    predicates: Sequence[Predicate] = ()
    max_concurrent_reconciles: int = 1
    #: The controller's name in metrics, logs and its queue (default: the kind, lower case).
    name: str = ""
    rate_limiter: RateLimiter[ReconcileRequest] | None = None
    #: Called with every object of the watched kinds that does not fit its model (it is logged with
    #: its key and JSON path, counted, and left out of the cache until a version that fits comes).
    on_undecodable: Callable[[Undecodable], None] | None = None
    #: Seconds reconciles in flight get to finish when the controller stops.
    shutdown_timeout: float = 30.0
    _kind: str = field(default="", init=False, repr=False)

    def __post_init__(self) -> None:
        gvk = getattr(self.for_, "GVK", None)
        if gvk is None or getattr(self.for_, "RESOURCE", None) is None:
            raise TypeError(f"{self.for_!r} is not a resource model: it cannot be reconciled")
        if self.max_concurrent_reconciles < 1:
            raise ValueError("max_concurrent_reconciles must be at least 1")
        if not callable(self.reconcile):
            raise TypeError("reconcile must be callable")
        self._kind = gvk.kind
        if not self.name:
            self.name = gvk.kind.lower()


def _result_label(result: ReconcileResult | None) -> str:
    if result is None:
        return "success"
    if result.requeue_after > 0:
        return "requeue_after"
    if result.requeue:
        return "requeue"
    return "success"


class ControllerRunner(Generic[M]):
    """Runs one :class:`Controller` on a manager's informers, asyncio-native (the manager makes it)."""

    def __init__(
        self,
        controller: Controller[M],
        factory: AsyncSharedInformerFactory,
        metrics: ControllerMetrics | None = None,
    ) -> None:
        self.controller = controller
        self.name = controller.name
        self.metrics = metrics or ControllerMetrics(enabled=False)
        self.queue: AsyncRateLimitingQueue[ReconcileRequest] = AsyncRateLimitingQueue(
            controller.rate_limiter,
            name=controller.name,
            metrics_provider=self.metrics.queue_provider(controller.name),
        )
        self.informer: AsyncSharedIndexInformer[M] = factory.informer_for(
            controller.for_  # type: ignore[type-var]
        )
        self._namespaced = bool(getattr(controller.for_, "RESOURCE").namespaced)
        gvk = getattr(controller.for_, "GVK")
        self._owner_kind = (gvk.group, gvk.kind)
        self._informers: list[AsyncSharedIndexInformer[Any]] = [self.informer]
        self._workers: list[asyncio.Task[None]] = []
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._async = inspect.iscoroutinefunction(controller.reconcile) or (
            inspect.iscoroutinefunction(getattr(controller.reconcile, "__call__", None))
        )
        self.active = 0
        self.reconciles = 0
        self.in_flight: set[ReconcileRequest] = set()
        self.informer.add_event_handler(
            ResourceEventHandlerFuncs(
                on_add=self._on_add, on_update=self._on_update, on_delete=self._on_delete
            )
        )
        for kind in controller.owns:
            informer = factory.informer_for(kind)
            informer.add_event_handler(
                ResourceEventHandlerFuncs(
                    on_add=lambda obj, initial: self._enqueue_owner(obj),
                    on_update=self._on_owned_update,
                    on_delete=lambda obj: self._enqueue_owner(final_state(obj)),
                )
            )
            self._informers.append(informer)
        for kind, map_fn in controller.watches:
            informer = factory.informer_for(kind)
            informer.add_event_handler(self._mapping_handler(map_fn))
            self._informers.append(informer)
        if controller.on_undecodable is not None:
            for informer in self._informers:
                informer.set_undecodable_handler(controller.on_undecodable)
        self.metrics.max_concurrent.labels(self.name).set(controller.max_concurrent_reconciles)

    # --- events -------------------------------------------------------------------------------------

    def _request(self, obj: Any) -> ReconcileRequest | None:
        name = name_of(obj)
        if not name:
            return None
        return ReconcileRequest(namespace_of(obj) or "", name)

    def enqueue(self, request: ReconcileRequest) -> None:
        """Reconcile ``request`` (no-op once shutting down)."""
        try:
            self.queue.add(request)
        except ShutDown:
            pass

    def _passes(self, check: Callable[[Predicate], bool]) -> bool:
        return all(check(predicate) for predicate in self.controller.predicates)

    def _on_add(self, obj: M, initial: bool) -> None:
        request = self._request(obj)
        if request is not None and self._passes(lambda p: p.on_create(obj)):
            self.enqueue(request)

    def _on_update(self, old: M, new: M) -> None:
        request = self._request(new)
        if request is not None and self._passes(lambda p: p.on_update(old, new)):
            self.enqueue(request)

    def _on_delete(self, obj: Any) -> None:
        state = final_state(obj)
        request = self._request(state)
        if request is not None and self._passes(lambda p: p.on_delete(state)):
            self.enqueue(request)

    def _owner_request(self, obj: Any) -> ReconcileRequest | None:
        ref = controller_of(obj)
        if ref is None:
            return None
        group = ref.api_version.rpartition("/")[0] if "/" in ref.api_version else ""
        if (group, ref.kind) != self._owner_kind:
            return None
        return ReconcileRequest((namespace_of(obj) or "") if self._namespaced else "", ref.name)

    def _enqueue_owner(self, obj: Any) -> None:
        request = self._owner_request(obj)
        if request is not None:
            self.enqueue(request)

    def _on_owned_update(self, old: Any, new: Any) -> None:
        for request in {self._owner_request(old), self._owner_request(new)}:
            if request is not None:
                self.enqueue(request)

    def _mapping_handler(self, map_fn: MapFunc) -> ResourceEventHandlerFuncs[Any]:
        def mapped(obj: Any) -> None:
            try:
                requests = list(map_fn(final_state(obj)))
            except Exception:  # noqa: BLE001 - a broken map function must not stop the informer
                logger.exception("%s: a watches map function failed", self.name)
                return
            for request in requests:
                self.enqueue(request)

        def mapped_both(old: Any, new: Any) -> None:
            mapped(old)
            mapped(new)

        return ResourceEventHandlerFuncs(
            on_add=lambda obj, initial: mapped(obj),
            on_update=lambda old, new: mapped_both(old, new),
            on_delete=mapped,
        )

    # --- running ------------------------------------------------------------------------------------

    @property
    def informers(self) -> list[AsyncSharedIndexInformer[Any]]:
        return list(self._informers)

    def has_synced(self) -> bool:
        return all(informer.has_synced() for informer in self._informers)

    def start(self) -> None:
        """Start the workers (the manager calls this once the caches have synced)."""
        if self._workers:
            return
        if not self._async and self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(
                self.controller.max_concurrent_reconciles,
                thread_name_prefix=f"kgen-reconcile-{self.name}",
            )
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._worker(), name=f"kgen-controller-{self.name}-{index}")
            for index in range(self.controller.max_concurrent_reconciles)
        ]
        logger.info(
            "%s: started %d worker(s)", self.name, self.controller.max_concurrent_reconciles
        )

    async def cancel(self) -> None:
        """Stop the workers at once (leadership lost); the queue keeps its keys for a new start."""
        workers, self._workers = self._workers, []
        await cancel_and_wait(workers)

    async def shutdown(self, timeout: float | None = None) -> bool:
        """Stop taking keys, let reconciles in flight finish within ``timeout`` (default: the
        controller's ``shutdown_timeout``), then cancel them; True if all finished in time."""
        timeout = self.controller.shutdown_timeout if timeout is None else timeout
        self.queue.shut_down()
        workers, self._workers = self._workers, []
        finished = True
        if workers:
            _, pending = await asyncio.wait(workers, timeout=timeout)
            if pending:
                finished = False
                logger.warning(
                    "%s: %d reconcile(s) still running after %gs: cancelled (%s)",
                    self.name,
                    len(pending),
                    timeout,
                    ", ".join(sorted(str(r) for r in self.in_flight)),
                )
                await cancel_and_wait(list(pending))
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        return finished

    async def _worker(self) -> None:
        queue = self.queue
        while True:
            try:
                request = await queue.get()
            except ShutDown:
                return
            self.active += 1
            self.in_flight.add(request)
            self.metrics.active_workers.labels(self.name).inc()
            try:
                await self._reconcile(request)
            finally:
                self.active -= 1
                self.in_flight.discard(request)
                self.metrics.active_workers.labels(self.name).dec()
                queue.done(request)

    async def _call(self, request: ReconcileRequest, obj: M | None) -> ReconcileResult | None:
        reconcile = self.controller.reconcile
        if self._async:
            return await reconcile(request, obj)  # type: ignore[misc, no-any-return]
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(self._pool, functools.partial(reconcile, request, obj))
        if inspect.isawaitable(answer):
            return await answer
        return answer

    async def _reconcile(self, request: ReconcileRequest) -> None:
        queue = self.queue
        obj = self.informer.indexer.get_by_key(request.key)
        started = time.monotonic()
        try:
            result = await self._call(request, obj)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged, counted and retried with backoff
            self.metrics.observe_reconcile(self.name, "error", time.monotonic() - started)
            logger.error(
                "%s: reconciling %s failed (retry %d): %s",
                self.name,
                request,
                queue.num_requeues(request) + 1,
                exc,
                exc_info=exc,
            )
            self._requeue(lambda: queue.add_rate_limited(request))
            return
        finally:
            self.reconciles += 1
        if result is not None and not isinstance(result, ReconcileResult):
            logger.warning(
                "%s: reconcile returned %r, not a ReconcileResult or None: taken as done",
                self.name,
                result,
            )
            result = None
        self.metrics.observe_reconcile(self.name, _result_label(result), time.monotonic() - started)
        if result is None or (not result.requeue and result.requeue_after <= 0):
            queue.forget(request)
        elif result.requeue_after > 0:
            queue.forget(request)
            self._requeue(lambda: queue.add_after(request, result.requeue_after))
        else:
            self._requeue(lambda: queue.add_rate_limited(request))

    def _requeue(self, add: Callable[[], None]) -> None:
        try:
            add()
        except ShutDown:
            pass
