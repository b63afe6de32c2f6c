"""The delaying queue: ``add_after(item, delay)`` queues an item once its delay has passed.

client-go's ``delaying_queue.go``, with two differences:

* No background thread or task moves items whose time has come: every queue operation first moves
  them (in ready-time order), and an idle getter waits no longer than the next ready time. A
  heartbeat (:data:`MAX_WAIT`, client-go's ``maxWait``) bounds that wait, so a missed wake-up or a
  clock that jumps costs at most that long. With nothing waiting, getters sleep until an add. With an injected clock, an operation after moving the
  clock forward (``len(q)``, ``get()``) sees the items that became ready.
* client-go forgets items still waiting when the queue shuts down. Here, items whose time has
  come by then are queued and drained like any other; the rest stay where they are, never moved
  (adds are refused after shutdown), and ``waiting()`` reports them so that a caller can log,
  persist or re-drive them.

Rules: a delay <= 0 means an immediate ``add``; an item added again while it waits keeps the
*earlier* ready time; an item that is queued or processing can also be waiting, and is then added
again when its time comes (duplicates collapse as usual).
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from kgen.runtime._workqueue.metrics import MetricsProvider
from kgen.runtime._workqueue.queue import AsyncWorkQueue, ShutDown, WorkQueue, _QueueShell

__all__ = [
    "MAX_WAIT",
    "AsyncDelayingQueue",
    "DelayCore",
    "DelayingQueue",
]

T = TypeVar("T", bound=Hashable)

MAX_WAIT = 10.0
"""The longest an idle getter waits before looking at the clock again, in seconds."""


class DelayCore(Generic[T]):
    """Items waiting for their ready time, without locks or a clock: callers pass ``now``.

    A heap ordered by (ready time, arrival), plus each item's live entry: making an item's time
    earlier pushes a new entry, and the old one is skipped when it reaches the top.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, T]] = []
        self._live: dict[T, tuple[float, int]] = {}
        self._arrivals = itertools.count()

    def add(self, item: T, ready_at: float) -> bool:
        """Wait for ``item`` until ``ready_at`` unless it already waits for an earlier time.

        True if this made the earliest ready time earlier, so waiters must look again.
        """
        current = self._live.get(item)
        if current is not None and current[0] <= ready_at:
            return False
        earliest = self.next_ready()
        arrival = next(self._arrivals)
        self._live[item] = (ready_at, arrival)
        heapq.heappush(self._heap, (ready_at, arrival, item))
        if len(self._heap) > 2 * len(self._live) + 64:
            # Superseded entries only leave at their (later) time: rebuild before they pile up.
            self._heap = [(at, n, it) for it, (at, n) in self._live.items()]
            heapq.heapify(self._heap)
        return earliest is None or ready_at < earliest

    def pop_ready(self, now: float) -> list[T]:
        """Remove and return the items whose time has come, earliest first."""
        ready: list[T] = []
        while self._heap and self._heap[0][0] <= now:
            ready_at, arrival, item = heapq.heappop(self._heap)
            if self._live.get(item) == (ready_at, arrival):
                del self._live[item]
                ready.append(item)
        return ready

    def next_ready(self) -> float | None:
        """The earliest ready time, or None if nothing waits."""
        while self._heap:
            ready_at, arrival, item = self._heap[0]
            if self._live.get(item) == (ready_at, arrival):
                return ready_at
            heapq.heappop(self._heap)  # superseded by an earlier time
        return None

    def wait_timeout(self, now: float, max_wait: float = MAX_WAIT) -> float | None:
        """How long to wait for the next ready time, at most ``max_wait``; None if nothing waits."""
        earliest = self.next_ready()
        if earliest is None:
            return None
        return min(max(earliest - now, 0.0), max_wait)

    def ready_at(self, item: T) -> float | None:
        """When ``item`` becomes ready, or None if it is not waiting."""
        entry = self._live.get(item)
        return None if entry is None else entry[0]

    def items(self) -> list[T]:
        """The waiting items, earliest first."""
        return [item for item, _ in sorted(self._live.items(), key=lambda kv: kv[1])]

    def __len__(self) -> int:
        return len(self._live)


class _DelayingShell(_QueueShell[T]):
    """The delaying part of both shells; it only relies on the shell's locking and wake-ups."""

    def __init__(
        self,
        *,
        name: str = "",
        metrics_provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, metrics_provider=metrics_provider, clock=clock)
        self._delays: DelayCore[T] = DelayCore()

    def add_after(self, item: T, delay: float) -> None:
        """Queue ``item`` after ``delay`` seconds (at once if <= 0); an earlier pending time wins.

        Raises :class:`ShutDown` after shutdown, like ``add``.
        """
        with self._lock:
            self._tick_locked()
            self._add_after_locked(item, delay)

    def waiting(self) -> list[T]:
        """Items still waiting for their delay, earliest first; after shutdown they stay here."""
        with self._lock:
            self._tick_locked()
            return self._delays.items()

    def _add_after_locked(self, item: T, delay: float) -> None:
        if math.isnan(delay):
            raise ValueError(f"delay for {item!r} is NaN")
        if self._core.shutting_down:
            raise ShutDown(f"work queue is shutting down: {item!r} was not added")
        self._metrics.retry()
        if delay <= 0:
            self._push_locked(item)
        elif self._delays.add(item, self._clock() + delay):
            # A getter may be waiting for a later time (or for ever): let it look again.
            self._wake_getter_locked()

    def _tick_locked(self) -> None:
        if self._core.shutting_down:
            return
        for item in self._delays.pop_ready(self._clock()):
            self._push_locked(item)

    def _wait_timeout_locked(self) -> float | None:
        return self._delays.wait_timeout(self._clock())


class DelayingQueue(_DelayingShell[T], WorkQueue[T]):
    """A :class:`~kgen.runtime._workqueue.queue.WorkQueue` for threads, with ``add_after``."""


class AsyncDelayingQueue(_DelayingShell[T], AsyncWorkQueue[T]):
    """An :class:`~kgen.runtime._workqueue.queue.AsyncWorkQueue` with ``add_after``.

    ``add_after`` and ``waiting`` may be called from other threads too.
    """
