"""The work queue: a FIFO of keys that hands each key to one worker at a time (client-go ``queue.go``).

The rules live in :class:`QueueCore`, a plain data structure with no lock, no waiting and no clock.
Two thin shells add those, with the same methods in the same order:

* :class:`WorkQueue`, for threads: ``get()`` blocks; every method is safe from any thread.
* :class:`AsyncWorkQueue`, for asyncio: ``await get()``. Its plain methods (``add``, ``done``,
  ``shut_down``, ``len()``) are safe to call from other threads too, such as an informer's handler
  thread: waiting coroutines are woken through ``loop.call_soon_threadsafe``. Use it from one loop.

The contract, for both shells:

* ``get()`` returns the oldest queued item and marks it *processing*; the worker must then call
  ``done(item)``. Items must be hashable: a key such as ``"namespace/name"`` is typical.
* An item is never handed to two workers at once, and never queued twice. Adding an item that is
  already queued does nothing; adding one that is being processed queues it again on ``done()``.
* ``shut_down()`` refuses further adds, lets workers drain what is queued (including items re-added
  while processing), then makes ``get()`` raise :class:`ShutDown`.
* ``shut_down_with_drain()`` does the same and also waits until nothing is queued or processing,
  which needs workers that keep calling ``get()`` and ``done()``. (client-go waits for processing
  only, so an item queued or re-added at that moment could be abandoned.) A later ``shut_down()``
  ends the wait early.
* Nothing is dropped silently: where client-go ignores an ``add`` after shutdown, here it raises
  :class:`ShutDown`, so the caller knows the item was not taken. This is the only refused add.
"""

from __future__ import annotations

import abc
import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from kgen.runtime._errors import ShutDown
from kgen.runtime._workqueue.metrics import MetricsProvider, QueueMetrics

__all__ = [
    "AsyncWorkQueue",
    "QueueCore",
    "ShutDown",
    "WorkQueue",
]

T = TypeVar("T", bound=Hashable)


class QueueCore(Generic[T]):
    """The queue's state and rules, without locks, waiting or clocks.

    ``dirty`` holds every item that needs processing; ``processing`` holds the items handed out and
    not yet done. An item sits in the FIFO only if it is dirty and not processing, which is what
    keeps it from two workers at once and from being queued twice. Shells must serialise calls.
    """

    def __init__(self, metrics: QueueMetrics[T] | None = None) -> None:
        self._fifo: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._shutting_down = False
        self._draining = False
        self._metrics: QueueMetrics[T] = metrics if metrics is not None else QueueMetrics()

    def add(self, item: T) -> bool:
        """Mark ``item`` as needing work; True if it was queued just now, so a getter can take it.

        False means it was already queued (duplicates collapse) or is being processed (it will be
        queued on ``done``). Raises :class:`ShutDown` once shutting down.
        """
        if self._shutting_down:
            raise ShutDown(f"work queue is shutting down: {item!r} was not added")
        if item in self._dirty:
            return False
        self._metrics.add(item)
        self._dirty.add(item)
        if item in self._processing:
            return False
        self._fifo.append(item)
        return True

    def get(self) -> T:
        """Hand out the oldest queued item and mark it processing; IndexError if none is queued."""
        item = self._fifo.popleft()
        self._metrics.get(item)
        self._processing.add(item)
        self._dirty.discard(item)
        return item

    def done(self, item: T) -> bool:
        """Finish ``item``; True if it was re-added meanwhile and is now queued again.

        Raises ValueError if ``item`` is not being processed: a second ``done`` for one ``get``
        could otherwise release an item that another worker has since taken.
        """
        if item not in self._processing:
            raise ValueError(f"{item!r} is not being processed")
        self._metrics.done(item)
        self._processing.remove(item)
        if item in self._dirty:
            self._fifo.append(item)
            return True
        return False

    def shut_down(self, *, drain: bool = False) -> None:
        """Refuse adds from now on; ``drain`` records that someone waits for :attr:`drained`."""
        self._shutting_down = True
        self._draining = drain

    def __len__(self) -> int:
        """Items queued for a worker (not those being processed)."""
        return len(self._fifo)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    @property
    def draining(self) -> bool:
        """Someone waits for the queue to drain (a plain ``shut_down`` cancels that)."""
        return self._draining

    @property
    def processing(self) -> int:
        """Items handed out and not yet done."""
        return len(self._processing)

    @property
    def drained(self) -> bool:
        """Nothing is queued and nothing is being processed."""
        return not self._fifo and not self._processing


class _QueueShell(abc.ABC, Generic[T]):
    """What both shells share: a lock around a :class:`QueueCore` and everything that never waits.

    Subclasses supply how waiters are woken (a Condition, or futures) and the waiting methods.
    The ``_*_locked`` methods expect the caller to hold ``self._lock``.
    """

    def __init__(
        self,
        *,
        name: str = "",
        metrics_provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = name
        self._clock = clock
        self._metrics: QueueMetrics[T] = QueueMetrics(name, metrics_provider, clock)
        self._core: QueueCore[T] = QueueCore(self._metrics)
        # A threading lock, in the async shell too: it is only held for a few dict operations,
        # never across an await, and it is what lets other threads call add().
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        """The name the queue reports its metrics under."""
        return self._name

    def add(self, item: T) -> None:
        """Queue ``item`` unless it is already queued; raises :class:`ShutDown` after shutdown."""
        with self._lock:
            self._tick_locked()
            self._push_locked(item)

    def done(self, item: T) -> None:
        """Tell the queue the worker finished ``item``; queues it again if it was re-added."""
        with self._lock:
            self._tick_locked()
            if self._core.done(item):
                self._wake_getter_locked()
            elif self._core.drained:
                self._wake_drain_waiters_locked()

    def __len__(self) -> int:
        """Items queued for a worker: not those being processed, nor those waiting for a delay."""
        with self._lock:
            self._tick_locked()
            return len(self._core)

    def shut_down(self) -> None:
        """Refuse further adds; workers drain the queue, then ``get()`` raises :class:`ShutDown`."""
        with self._lock:
            self._tick_locked()  # items whose delay has passed are queued, so they are drained
            self._core.shut_down()
            self._wake_all_getters_locked()
            self._wake_drain_waiters_locked()

    @property
    def shutting_down(self) -> bool:
        with self._lock:
            return self._core.shutting_down

    def update_unfinished_work(self) -> None:
        """Refresh the unfinished-work and longest-running metrics.

        They are refreshed on every ``get`` and ``done``; a worker stuck on one item makes no such
        call, so call this periodically (or from a metrics scrape hook) to see it.
        """
        with self._lock:
            self._metrics.update_unfinished_work()

    def _push_locked(self, item: T) -> None:
        if self._core.add(item):
            self._wake_getter_locked()

    def _tick_locked(self) -> None:
        """Bring time-driven state up to date; every method that touches the queue calls it first.

        The delaying queue moves items whose time has come here (see :mod:`.delaying`).
        """

    def _wait_timeout_locked(self) -> float | None:
        """How long an idle getter may wait before it must look again; None is for ever."""
        return None

    @abc.abstractmethod
    def _wake_getter_locked(self) -> None:
        """Wake one waiting getter, if any."""

    @abc.abstractmethod
    def _wake_all_getters_locked(self) -> None:
        """Wake every waiting getter."""

    @abc.abstractmethod
    def _wake_drain_waiters_locked(self) -> None:
        """Wake whoever waits in ``shut_down_with_drain``."""


class WorkQueue(_QueueShell[T]):
    """A work queue for threads; see the module docstring for the contract.

    ``name`` labels the metrics of ``metrics_provider`` (required with one); ``clock`` is a
    monotonic clock in seconds, for metrics here and for delays in the subclasses.
    """

    def __init__(
        self,
        *,
        name: str = "",
        metrics_provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, metrics_provider=metrics_provider, clock=clock)
        # Two conditions on one lock, so that waking a getter never lands on a drain waiter.
        self._not_empty = threading.Condition(self._lock)
        self._drained = threading.Condition(self._lock)

    def get(self) -> T:
        """Wait for an item and return it; raises :class:`ShutDown` once shut down and drained."""
        with self._lock:
            while True:
                self._tick_locked()
                if len(self._core) > 0:
                    return self._core.get()
                if self._core.shutting_down:
                    raise ShutDown("work queue is shut down and drained")
                self._not_empty.wait(self._wait_timeout_locked())

    def shut_down_with_drain(self, timeout: float | None = None) -> bool:
        """Shut down, then wait until nothing is queued or processing; True if that happened.

        False means ``timeout`` (seconds) passed first or ``shut_down()`` cancelled the wait.
        """
        with self._lock:
            self._tick_locked()
            self._core.shut_down(drain=True)
            self._not_empty.notify_all()
            self._drained.wait_for(
                lambda: self._core.drained or not self._core.draining, timeout=timeout
            )
            return self._core.drained

    def _wake_getter_locked(self) -> None:
        self._not_empty.notify()

    def _wake_all_getters_locked(self) -> None:
        self._not_empty.notify_all()

    def _wake_drain_waiters_locked(self) -> None:
        self._drained.notify_all()


class AsyncWorkQueue(_QueueShell[T]):
    """A work queue for asyncio; see the module docstring for the contract.

    ``add``, ``done``, ``shut_down`` and ``len()`` may be called from any thread; ``get`` and
    ``shut_down_with_drain`` are coroutines for the queue's one event loop.
    """

    def __init__(
        self,
        *,
        name: str = "",
        metrics_provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, metrics_provider=metrics_provider, clock=clock)
        self._getters: deque[asyncio.Future[None]] = deque()
        self._drain_waiters: list[asyncio.Future[None]] = []

    async def get(self) -> T:
        """Wait for an item and return it; raises :class:`ShutDown` once shut down and drained."""
        loop = asyncio.get_running_loop()
        while True:
            with self._lock:
                self._tick_locked()
                if len(self._core) > 0:
                    return self._core.get()
                if self._core.shutting_down:
                    raise ShutDown("work queue is shut down and drained")
                waiter: asyncio.Future[None] = loop.create_future()
                self._getters.append(waiter)
                timeout = self._wait_timeout_locked()
            timer = None if timeout is None else loop.call_later(timeout, _resolve, waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                with self._lock:
                    _discard(self._getters, waiter)
                    # This getter may have been the one woken for an item: pass the turn on.
                    if len(self._core) > 0:
                        self._wake_getter_locked()
                raise
            finally:
                if timer is not None:
                    timer.cancel()
            with self._lock:
                _discard(self._getters, waiter)

    async def shut_down_with_drain(self) -> bool:
        """Shut down, then wait until nothing is queued or processing; True if that happened.

        False means ``shut_down()`` cancelled the wait. Bound it with ``asyncio.wait_for`` if needed.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            self._tick_locked()
            self._core.shut_down(drain=True)
            self._wake_all_getters_locked()
            if self._core.drained:
                return True
            waiter: asyncio.Future[None] = loop.create_future()
            self._drain_waiters.append(waiter)
        try:
            # Only done() (once drained) and shut_down() resolve it, and neither can be undone.
            await waiter
        finally:
            with self._lock:
                _discard(self._drain_waiters, waiter)
        with self._lock:
            return self._core.drained

    def _wake_getter_locked(self) -> None:
        while self._getters:
            waiter = self._getters.popleft()
            if not waiter.done():
                _wake(waiter)
                return

    def _wake_all_getters_locked(self) -> None:
        while self._getters:
            _wake(self._getters.popleft())

    def _wake_drain_waiters_locked(self) -> None:
        for waiter in self._drain_waiters:
            _wake(waiter)
        self._drain_waiters.clear()


def _resolve(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _wake(waiter: asyncio.Future[None]) -> None:
    """Resolve ``waiter`` from whichever thread we are on."""
    loop = waiter.get_loop()
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        _resolve(waiter)
        return
    try:
        loop.call_soon_threadsafe(_resolve, waiter)
    except RuntimeError:
        # The loop is closed, so nothing awaits this waiter any more; the item stays queued.
        pass


def _discard(
    waiters: deque[asyncio.Future[None]] | list[asyncio.Future[None]], waiter: asyncio.Future[None]
) -> None:
    try:
        waiters.remove(waiter)
    except ValueError:
        pass
