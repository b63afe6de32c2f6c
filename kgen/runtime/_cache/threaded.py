"""The cache for synchronous programs: the asyncio informers on a background event-loop thread.

    with SharedInformerFactory(Clientset(), resync=600) as factory:
        pods = factory.informer_for(Pod)
        pods.add_event_handler(ResourceEventHandlerFuncs(on_add=lambda pod, initial: print(pod)))
        factory.start()
        factory.wait_for_cache_sync(timeout=30)
        pods.lister().namespace("prod").list("app=web")   # from any thread

:class:`SharedInformerFactory` takes a sync clientset (or a :class:`~kgen.runtime._config.Config`, or
nothing for :func:`~kgen.runtime._config.load_config`), opens its own async transport to the same
cluster (the clientset's ``new_async_transport(**options)``; the generated fakes reach their in-process
cluster that way), and runs an :class:`~kgen.runtime._cache.factory.AsyncSharedInformerFactory` on a
daemon thread with its own loop (:class:`EventLoopThread`). Reflectors and processing run there; each
event handler runs on a thread of its own (so a slow or blocking handler holds up nobody); listers and
indexers are thread-safe and read directly from the caller's thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Generic, TypeVar

from kgen.runtime._async.clientset import AsyncClientsetBase
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._backoff import BackoffManager
from kgen.runtime._sync.clientset import ClientsetBase
from kgen.runtime._cache.factory import AsyncSharedInformerFactory, SyncResult
from kgen.runtime._cache.handlers import AsyncHandlerRegistration, ResourceEventHandler
from kgen.runtime._cache.informer import MINIMUM_RESYNC_PERIOD, AsyncSharedIndexInformer
from kgen.runtime._cache.lister import Lister
from kgen.runtime._cache.listwatch import TweakListOptions
from kgen.runtime._cache.reflector import ReflectorMetrics, ReflectorOptions
from kgen.runtime._cache.store import IndexFunc, Indexer
from kgen.runtime._cache.transform import Transform, default_transform
from kgen.runtime._config import Config, load_config
from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._tasks import cancel_and_wait
from kgen.runtime._unstructured import Unstructured

__all__ = ["EventLoopThread", "HandlerRegistration", "SharedIndexInformer", "SharedInformerFactory"]

R = TypeVar("R")
T = TypeVar("T")
M = TypeVar("M", bound=KubernetesObject)
# ``with Factory(...) as f`` gives back the subclass (a generated factory, with its groups).
F = TypeVar("F", bound="SharedInformerFactory")


class EventLoopThread:
    """An asyncio event loop running on a daemon thread, with calls into it from other threads."""

    def __init__(self, name: str = "kgen-informers") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False
        self._thread.start()

    def _run(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
            # Whatever is left (a handler task, a reflector) is cancelled, not abandoned.
            loop.run_until_complete(cancel_and_wait(asyncio.all_tasks(loop)))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    @property
    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def call(self, fn: Callable[[], R], timeout: float | None = None) -> R:
        """Run ``fn()`` on the loop's thread and return its result."""
        if self.in_loop_thread:
            return fn()
        if self._stopped:
            raise RuntimeError("the event loop thread is stopped")
        future: concurrent.futures.Future[R] = concurrent.futures.Future()

        def run() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                future.set_exception(exc)

        self.loop.call_soon_threadsafe(run)
        return future.result(timeout)

    def run(self, coroutine: Coroutine[Any, Any, R], timeout: float | None = None) -> R:
        """Run ``coroutine`` on the loop and wait for its result (not from the loop's thread)."""
        if self.in_loop_thread:
            coroutine.close()
            raise RuntimeError("EventLoopThread.run() from its own thread would deadlock")
        if self._stopped:
            coroutine.close()
            raise RuntimeError("the event loop thread is stopped")
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Stop the loop (cancelling what still runs there) and join the thread."""
        if self._stopped:
            return
        self._stopped = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)


class HandlerRegistration(Generic[T]):
    """The synchronous face of an :class:`AsyncHandlerRegistration`: one handler added to a
    :class:`SharedIndexInformer`, as its ``add_event_handler`` returns it; safe from any thread."""

    def __init__(self, registration: AsyncHandlerRegistration[T], thread: EventLoopThread) -> None:
        self.async_registration = registration
        self._thread = thread

    def __repr__(self) -> str:
        return f"HandlerRegistration({self.name}, pending={self.pending()})"

    @property
    def handler(self) -> ResourceEventHandler[T]:
        return self.async_registration.handler

    @property
    def name(self) -> str:
        return self.async_registration.name

    @property
    def resync_period(self) -> float:
        """Seconds between resyncs of this handler (0: none), after the informer's adjustments."""
        return self.async_registration.resync_period

    @property
    def errors(self) -> int:
        """Exceptions raised by the handler (each logged; delivery went on)."""
        return self.async_registration.errors

    @property
    def delivered(self) -> int:
        return self.async_registration.delivered

    @property
    def removed(self) -> bool:
        return self.async_registration.removed

    def pending(self) -> int:
        """Notifications buffered, not yet delivered."""
        return self.async_registration.pending()

    def has_synced(self) -> bool:
        """Whether every object of the informer's initial list (or, for a handler added later, of the
        cache at that time) has been delivered to this handler."""
        return self.async_registration.has_synced()

    def wait_synced(self, timeout: float | None = None) -> bool:
        """Block until :meth:`has_synced` (the informer must be running); False after ``timeout``."""

        async def wait() -> bool:
            try:
                await asyncio.wait_for(self.async_registration.wait_synced(), timeout)
            except asyncio.TimeoutError:
                return False
            return True

        return self._thread.run(wait())


class SharedIndexInformer(Generic[T]):
    """The synchronous face of an :class:`AsyncSharedIndexInformer` running on an
    :class:`EventLoopThread`; every method may be called from any thread."""

    def __init__(self, informer: AsyncSharedIndexInformer[T], thread: EventLoopThread) -> None:
        self.async_informer = informer
        self._thread = thread

    def __repr__(self) -> str:
        return f"SharedIndexInformer({self.async_informer.name}, synced={self.has_synced()})"

    @property
    def indexer(self) -> Indexer[T]:
        return self.async_informer.indexer

    def lister(self) -> Lister[T]:
        return self.async_informer.lister()

    def add_event_handler(
        self, handler: ResourceEventHandler[T], resync_period: float | None = None
    ) -> HandlerRegistration[T]:
        """As the async informer's; the handler's plain functions run on a thread of its own."""
        registration = self._thread.call(
            lambda: self.async_informer.add_event_handler(handler, resync_period, threaded=True)
        )
        return HandlerRegistration(registration, self._thread)

    def remove_event_handler(self, registration: HandlerRegistration[T]) -> None:
        self._thread.run(self.async_informer.remove_event_handler(registration.async_registration))

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        self._thread.call(lambda: self.async_informer.add_indexers(indexers))

    def set_transform(self, transform: Transform | None) -> None:
        self._thread.call(lambda: self.async_informer.set_transform(transform))

    def set_watch_error_handler(self, handler: Callable[[str, BaseException], None]) -> None:
        """``handler`` runs on the loop's thread: keep it short."""
        self._thread.call(lambda: self.async_informer.set_watch_error_handler(handler))

    def start(self) -> None:
        self._thread.call(self.async_informer.start)

    def stop(self) -> None:
        self._thread.run(self.async_informer.stop())

    def has_synced(self) -> bool:
        return self.async_informer.has_synced()

    def wait_for_cache_sync(self, timeout: float | None = None) -> None:
        """Block until synced, or raise :class:`~kgen.runtime._cache.errors.CacheSyncError`."""
        self._thread.run(self.async_informer.wait_for_cache_sync(timeout))

    @property
    def last_sync_resource_version(self) -> str:
        return self.async_informer.last_sync_resource_version

    @property
    def last_error(self) -> BaseException | None:
        return self.async_informer.last_error

    @property
    def metrics(self) -> ReflectorMetrics:
        return self.async_informer.metrics


class SharedInformerFactory:
    """The synchronous informer factory; see the module docstring. Options are those of
    :class:`AsyncSharedInformerFactory`; ``transport_options`` go to the async transport it opens
    (``max_retries``...)."""

    def __init__(
        self,
        clientset: ClientsetBase | Config | None = None,
        *,
        resync: float = 0.0,
        namespace: str | None = None,
        tweak_list_options: TweakListOptions | None = None,
        transform: Transform | None = default_transform,
        custom_resync: Mapping[str, float] | None = None,
        reflector_options: ReflectorOptions | None = None,
        backoff_factory: Callable[[], BackoffManager] | None = None,
        min_resync_period: float = MINIMUM_RESYNC_PERIOD,
        transport_options: Mapping[str, Any] | None = None,
    ) -> None:
        if isinstance(clientset, Config):
            config = clientset
        elif clientset is not None:
            config = clientset.config
        else:
            config = load_config()
        self._thread = EventLoopThread()
        self._informers: dict[int, SharedIndexInformer[Any]] = {}
        self._lock = threading.Lock()
        self._closed = False

        options = dict(transport_options or {})
        # The informers' connections run on their own loop, but within the clientset's rate limit
        # (client-go's informers use the clientset they are given; the token bucket is thread-safe).
        shared_limiter = getattr(getattr(clientset, "transport", None), "rate_limiter", None)
        if shared_limiter is not None:
            options.setdefault("rate_limiter", shared_limiter)

        def build() -> tuple[AsyncClientsetBase, AsyncSharedInformerFactory]:
            # A clientset says how to reach its cluster from asyncio (kgen.testing's fakes: in process).
            if isinstance(clientset, ClientsetBase):
                transport = clientset.new_async_transport(**options)
            else:
                transport = AsyncTransport(config, **options)
            async_clientset = AsyncClientsetBase(transport=transport)
            factory = AsyncSharedInformerFactory(
                async_clientset,
                resync=resync,
                namespace=namespace,
                tweak_list_options=tweak_list_options,
                transform=transform,
                custom_resync=custom_resync,
                reflector_options=reflector_options,
                backoff_factory=backoff_factory,
                min_resync_period=min_resync_period,
            )
            return async_clientset, factory

        try:
            self._clientset, self.async_factory = self._thread.call(build)
        except BaseException:
            self._thread.stop()
            raise

    def _wrap(self, informer: AsyncSharedIndexInformer[Any]) -> SharedIndexInformer[Any]:
        # One facade per informer, so that callers asking twice get the same object.
        with self._lock:
            wrapper = self._informers.get(id(informer))
            if wrapper is None:
                wrapper = self._informers[id(informer)] = SharedIndexInformer(
                    informer, self._thread
                )
            return wrapper

    def informer_for(
        self,
        kind: type[M],
        list_kind: type[KubernetesList[M]] | None = None,
        *,
        partial: Iterable[str] | None = None,
    ) -> SharedIndexInformer[M]:
        """The informer of ``kind``'s resource (see :meth:`AsyncSharedInformerFactory.informer_for`,
        and its ``partial``)."""
        informer = self._thread.call(
            lambda: self.async_factory.informer_for(kind, list_kind, partial=partial)
        )
        wrapper: SharedIndexInformer[M] = self._wrap(informer)
        return wrapper

    def lister_for(
        self,
        kind: type[M],
        list_kind: type[KubernetesList[M]] | None = None,
        *,
        partial: Iterable[str] | None = None,
    ) -> Lister[M]:
        return self.informer_for(kind, list_kind, partial=partial).lister()

    def for_resource(
        self, gvr: GroupVersionResource | str, *, namespaced: bool = True
    ) -> SharedIndexInformer[Unstructured]:
        informer = self._thread.call(
            lambda: self.async_factory.for_resource(gvr, namespaced=namespaced)
        )
        wrapper: SharedIndexInformer[Unstructured] = self._wrap(informer)
        return wrapper

    def start(self) -> None:
        self._thread.call(self.async_factory.start)

    def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, SyncResult]:
        return self._thread.run(self.async_factory.wait_for_cache_sync(timeout))

    def shutdown(self) -> None:
        """Stop every informer, close the transport and the loop thread (idempotent)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._thread.run(self.async_factory.shutdown())
            self._thread.run(self._clientset.aclose())
        finally:
            self._thread.stop()

    def __enter__(self: F) -> F:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
