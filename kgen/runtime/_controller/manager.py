"""The manager: several controllers on shared informers, leader election, signals, probes, metrics.

    manager = AsyncManager(namespace="prod", port=8080,
                           leader_election=LeaderElectionOptions("prod", "widget-controller"))
    cs = manager.clientset(AsyncClientset)      # 20 QPS / burst 30, as controller-runtime's
    manager.add(Controller(for_=Widget, owns=[ConfigMap], reconcile=reconcile))
    await manager.run()                         # until SIGTERM / SIGINT, or manager.stop()

Like controller-runtime's manager, the caches start at once (a standby replica has them warm) and the
controllers' workers start once this replica leads (at once without leader election). Leading ends by
cancelling the workers; a replica that lost the lease competes again. ``stop()`` (SIGTERM, SIGINT)
stops taking keys, lets reconciles in flight finish within ``shutdown_timeout``, then cancels what is
left, gives the Lease up, and stops the informers. :class:`Manager` is the same for synchronous
programs: ``run()`` blocks, and plain-function reconciles run on worker threads.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from kgen.runtime._async.dynamic import AsyncDynamicClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._backoff import BackoffManager
from kgen.runtime._cache.factory import AsyncSharedInformerFactory
from kgen.runtime._cache.reflector import ReflectorOptions
from kgen.runtime._config import Config, load_config
from kgen.runtime._controller.events import EventRecorder
from kgen.runtime._controller.health import HealthServer
from kgen.runtime._controller.metrics import ControllerMetrics
from kgen.runtime._controller.runner import Controller, ControllerRunner
from kgen.runtime._leaderelection.config import LeaderContext, LeaderElectionConfig, LeaseLock
from kgen.runtime._leaderelection.elector import AsyncLeaderElector

__all__ = ["AsyncManager", "LeaderElectionOptions", "Manager"]

logger = logging.getLogger("kgen.runtime.controller")

C = TypeVar("C")

#: controller-runtime's client-side rate limits for the clients a manager makes.
MANAGER_QPS = 20.0
MANAGER_BURST = 30


@dataclass
class LeaderElectionOptions:
    """Run controllers only while holding the Lease ``namespace/name``."""

    namespace: str
    name: str
    identity: str = ""
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        if not self.identity:
            self.identity = f"{socket.gethostname()}_{uuid.uuid4().hex[:8]}"


class _Clients:
    """What the informer factory needs: the manager's transport and a dynamic client over it."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport
        self.dynamic = AsyncDynamicClient(transport)


class AsyncManager:
    """Runs controllers; see the module docstring."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        namespace: str | None = None,
        leader_election: LeaderElectionOptions | None = None,
        port: int | None = None,
        host: str = "0.0.0.0",
        qps: float = MANAGER_QPS,
        burst: int = MANAGER_BURST,
        metrics: ControllerMetrics | None = None,
        shutdown_timeout: float = 30.0,
        handle_signals: bool = True,
        reflector_options: ReflectorOptions | None = None,
        backoff_factory: Callable[[], BackoffManager] | None = None,
        cache_sync_timeout: float = 120.0,
    ) -> None:
        """``config`` defaults to :func:`load_config`; its rate limits become ``qps``/``burst``.
        ``namespace``: watch only there (None: everywhere). ``port``: serve the probes and metrics
        (0: a free port, see :attr:`port`; None: no server)."""
        self.config = dataclasses.replace(config or load_config(), qps=qps, burst=burst)
        self.namespace = namespace
        self.leader_election = leader_election
        self.metrics = metrics or ControllerMetrics()
        self.shutdown_timeout = shutdown_timeout
        self.handle_signals = handle_signals
        self.cache_sync_timeout = cache_sync_timeout
        self.transport = AsyncTransport(self.config)
        if self.metrics.enabled:
            self.transport.request_observers.append(self.metrics.observe_request)
        self.factory = AsyncSharedInformerFactory(
            _Clients(self.transport),
            namespace=namespace,
            reflector_options=reflector_options,
            backoff_factory=backoff_factory,
        )
        self.runners: list[ControllerRunner[Any]] = []
        self._recorders: list[EventRecorder] = []
        self._port = port
        self._health = (
            HealthServer(self.metrics, self._not_ready, host=host, port=port)
            if port is not None
            else None
        )
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._elector: AsyncLeaderElector | None = None
        self.leading = False
        self.started = threading.Event()  # caches synced (and the port is open)

    # --- building -----------------------------------------------------------------------------------

    def add(self, controller: Controller[Any]) -> ControllerRunner[Any]:
        """Run ``controller`` too (before ``run()``); returns its runner (its queue, counters)."""
        if any(r.name == controller.name for r in self.runners):
            raise ValueError(f"two controllers named {controller.name!r}: give one a name=")
        runner: ControllerRunner[Any] = ControllerRunner(controller, self.factory, self.metrics)
        self.runners.append(runner)
        return runner

    def clientset(self, cls: Callable[..., C]) -> C:
        """A clientset of ``cls`` (a generated ``AsyncClientset``) over the manager's transport."""
        return cls(transport=self.transport)

    def event_recorder(self, controller: str) -> EventRecorder:
        """An events.k8s.io/v1 recorder reporting as ``controller``; sends while the manager runs."""
        recorder = EventRecorder(self.transport, controller)
        self._recorders.append(recorder)
        if self._loop is not None:
            self._loop.call_soon_threadsafe(recorder._start)
        return recorder

    @property
    def port(self) -> int | None:
        """The port of /healthz, /readyz and /metrics (None: not served)."""
        return self._health.port if self._health is not None else None

    def _not_ready(self) -> list[str]:
        return sorted(
            key for key, informer in self.factory.informers.items() if not informer.has_synced()
        )

    # --- running ------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop gracefully (any thread; what SIGTERM does)."""
        self._stop_requested = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(stop.set)

    async def run(self) -> None:
        """Run until stopped; see the module docstring."""
        loop = self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        if self._stop_requested:
            self._stop.set()
        signals = self._install_signals()
        elector_task: asyncio.Task[None] | None = None
        try:
            if self._health is not None:
                await self._health.start()
            for recorder in self._recorders:
                recorder._start()
            for key, informer in self.factory.informers.items():
                informer.set_undecodable_handler(self._count_undecodable(key))
            self.factory.start()
            syncing = asyncio.create_task(
                self.factory.wait_for_cache_sync(timeout=self.cache_sync_timeout)
            )
            stopping = asyncio.create_task(self._stop.wait())
            await asyncio.wait({syncing, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not syncing.done():  # stopped before the caches synced
                syncing.cancel()
                await asyncio.gather(syncing, return_exceptions=True)
                return
            syncing.result()
            self.started.set()
            if self.leader_election is None:
                self._start_workers()
            else:
                elector_task = asyncio.create_task(self._elect(), name="kgen-manager-elector")
            stop_waiter = asyncio.create_task(self._stop.wait())
            waiters: set[asyncio.Task[Any]] = {stop_waiter}
            if elector_task is not None:
                waiters.add(elector_task)
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            stop_waiter.cancel()
            if elector_task is not None and elector_task.done():
                elector_task.result()  # an elector that failed fails the manager
        finally:
            await self._shutdown(elector_task)
            for sig in signals:  # _shutdown forgot the loop: use the one run() ran on
                loop.remove_signal_handler(sig)

    def _count_undecodable(self, resource: str) -> Callable[[Any], None]:
        counter = self.metrics.undecodable.labels(resource)
        return lambda obj: counter.inc()

    def _install_signals(self) -> list[signal.Signals]:
        if not self.handle_signals or threading.current_thread() is not threading.main_thread():
            return []
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                asyncio.get_running_loop().add_signal_handler(sig, self.stop)
                installed.append(sig)
            except (NotImplementedError, RuntimeError):
                pass
        return installed

    def _start_workers(self) -> None:
        for runner in self.runners:
            runner.start()

    async def _elect(self) -> None:
        options = self.leader_election
        assert options is not None

        async def lead(ctx: LeaderContext) -> None:
            self.leading = True
            logger.info("%s leads: starting controllers", options.identity)
            self._start_workers()
            try:
                await asyncio.Event().wait()
            finally:
                self.leading = False
                await asyncio.gather(*(runner.cancel() for runner in self.runners))

        self._elector = AsyncLeaderElector(
            self.transport,
            LeaderElectionConfig(
                lock=LeaseLock(options.namespace, options.name, identity=options.identity),
                on_started_leading=lead,
                on_stopped_leading=lambda: logger.warning("%s stopped leading", options.identity),
                lease_duration=options.lease_duration,
                renew_deadline=options.renew_deadline,
                retry_period=options.retry_period,
                release_on_cancel=True,
                run_forever=True,
            ),
        )
        await self._elector.run()

    async def _shutdown(self, elector_task: asyncio.Task[None] | None) -> None:
        results = await asyncio.gather(
            *(runner.shutdown(self.shutdown_timeout) for runner in self.runners),
            return_exceptions=True,
        )
        for result in results:
            if isinstance(result, BaseException):
                logger.error("a controller failed to shut down: %s", result)
        if elector_task is not None:
            elector_task.cancel()
            await asyncio.gather(elector_task, return_exceptions=True)
        for recorder in self._recorders:
            await recorder._stop()
        await self.factory.shutdown()
        if self._health is not None:
            await self._health.stop()
        await self.transport.aclose()
        self._loop = None


class Manager:
    """:class:`AsyncManager` for synchronous programs: ``run()`` blocks until stopped; reconciles that
    are plain functions run on worker threads and use a synchronous clientset
    (``manager.clientset(Clientset)``)."""

    def __init__(self, config: Config | None = None, **options: Any) -> None:
        self._async = AsyncManager(config, **options)
        self.config = self._async.config
        self.metrics = self._async.metrics
        self.started = self._async.started

    @property
    def runners(self) -> list[ControllerRunner[Any]]:
        return self._async.runners

    @property
    def port(self) -> int | None:
        return self._async.port

    @property
    def leading(self) -> bool:
        return self._async.leading

    def add(self, controller: Controller[Any]) -> ControllerRunner[Any]:
        return self._async.add(controller)

    def clientset(self, cls: Callable[..., C]) -> C:
        """A clientset of ``cls`` (a generated ``Clientset``) with the manager's config (20 QPS)."""
        return cls(self.config)

    def event_recorder(self, controller: str) -> EventRecorder:
        return self._async.event_recorder(controller)

    def stop(self) -> None:
        self._async.stop()

    def run(self) -> None:
        """Run on an event loop of its own in this thread until stopped."""
        asyncio.run(self._async.run())
