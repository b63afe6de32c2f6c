"""The rate-limited queue: retry failed items after a delay chosen by a rate limiter.

client-go's ``rate_limiting_queue.go``. A worker handles one item like this (the package
docstring has the whole loop)::

    try:
        await reconcile(item)
    except Exception:
        queue.add_rate_limited(item)   # retry later, backing off; ShutDown once shutting down
    else:
        queue.forget(item)             # success: reset its backoff
    finally:
        queue.done(item)

``add_rate_limited(item)`` is ``add_after(item, limiter.when(item))``. Without a limiter the queue
uses :func:`~kgen.runtime._workqueue.rate_limiters.default_controller_rate_limiter`, on the queue's
clock. The queue calls its limiter under its lock, so a limiter needs no locking of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TypeVar

from kgen.runtime._workqueue.delaying import AsyncDelayingQueue, DelayingQueue, _DelayingShell
from kgen.runtime._workqueue.metrics import MetricsProvider
from kgen.runtime._workqueue.queue import ShutDown
from kgen.runtime._workqueue.rate_limiters import RateLimiter, default_controller_rate_limiter

__all__ = [
    "AsyncRateLimitingQueue",
    "RateLimitingQueue",
]

T = TypeVar("T", bound=Hashable)


class _RateLimitingShell(_DelayingShell[T]):
    """The rate-limiting part of both shells."""

    def __init__(
        self,
        rate_limiter: RateLimiter[T] | None = None,
        *,
        name: str = "",
        metrics_provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name=name, metrics_provider=metrics_provider, clock=clock)
        self._rate_limiter: RateLimiter[T] = (
            rate_limiter
            if rate_limiter is not None
            else default_controller_rate_limiter(clock=clock)
        )

    @property
    def rate_limiter(self) -> RateLimiter[T]:
        return self._rate_limiter

    def add_rate_limited(self, item: T) -> None:
        """Queue ``item`` once the rate limiter allows; raises :class:`ShutDown` after shutdown.

        After shutdown the limiter is not consulted, so the refused retry is not counted.
        """
        with self._lock:
            self._tick_locked()
            if self._core.shutting_down:
                raise ShutDown(f"work queue is shutting down: {item!r} was not added")
            self._add_after_locked(item, self._rate_limiter.when(item))

    def forget(self, item: T) -> None:
        """Reset the limiter's record of ``item`` (call it when processing succeeded)."""
        with self._lock:
            self._rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        """How many times ``item`` was rate-limited since it was last forgotten."""
        with self._lock:
            return self._rate_limiter.num_requeues(item)


class RateLimitingQueue(_RateLimitingShell[T], DelayingQueue[T]):
    """A :class:`~kgen.runtime._workqueue.delaying.DelayingQueue` for threads, with rate limiting."""


class AsyncRateLimitingQueue(_RateLimitingShell[T], AsyncDelayingQueue[T]):
    """An :class:`~kgen.runtime._workqueue.delaying.AsyncDelayingQueue` with rate limiting.

    This is the queue a controller wants. Its plain methods may be called from other threads.
    """
