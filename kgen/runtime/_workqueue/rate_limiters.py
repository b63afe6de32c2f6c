"""Rate limiters: how long to wait before retrying an item (client-go ``default_rate_limiters.go``).

A limiter answers three questions about an item:

* ``when(item)``: how many seconds to wait before the next attempt; asking records an attempt;
* ``forget(item)``: the item succeeded, so drop what is kept about it (its failure count);
* ``num_requeues(item)``: how many attempts are recorded for it.

Limiters are plain data: no threads, no sleeping. The token bucket reads a clock you can inject.
They compose: :class:`MaxOfRateLimiter` takes the longest wait of several, and
:class:`WithMaxWaitRateLimiter` caps one. :func:`default_controller_rate_limiter` is client-go's
default: per-item exponential backoff, bounded overall by a token bucket.

Limiters are not thread-safe by themselves: the rate-limited queues call them under their own lock.
Share one limiter between queues or threads only behind a lock of your own.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

from kgen.runtime._ratelimit import TokenBucket

__all__ = [
    "DEFAULT_BASE_DELAY",
    "DEFAULT_BURST",
    "DEFAULT_MAX_DELAY",
    "DEFAULT_QPS",
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "WithMaxWaitRateLimiter",
    "default_controller_rate_limiter",
]

T = TypeVar("T", bound=Hashable)
T_contra = TypeVar("T_contra", bound=Hashable, contravariant=True)

DEFAULT_BASE_DELAY = 0.005
"""First retry delay of the default per-item backoff, in seconds (client-go: 5 ms)."""
DEFAULT_MAX_DELAY = 1000.0
"""Cap of the default per-item backoff, in seconds (client-go: 1000 s)."""
DEFAULT_QPS = 10.0
"""Sustained retries per second allowed by the default overall bucket."""
DEFAULT_BURST = 100
"""Retries the default overall bucket allows at once before spacing them by 1/qps."""


class RateLimiter(Protocol[T_contra]):
    """What a rate-limited queue needs from a limiter."""

    def when(self, item: T_contra) -> float:
        """Seconds to wait before retrying ``item``; records the attempt."""
        ...

    def forget(self, item: T_contra) -> None:
        """Stop tracking ``item`` (it succeeded); its next failure starts afresh."""
        ...

    def num_requeues(self, item: T_contra) -> int:
        """Attempts recorded for ``item`` since it was last forgotten."""
        ...


class ItemExponentialFailureRateLimiter:
    """Per-item exponential backoff: ``base_delay * 2**failures``, capped at ``max_delay``."""

    def __init__(
        self, base_delay: float = DEFAULT_BASE_DELAY, max_delay: float = DEFAULT_MAX_DELAY
    ) -> None:
        if not base_delay >= 0 or not max_delay >= 0:
            raise ValueError("delays must be >= 0")
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._failures: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        try:
            delay = math.ldexp(self._base_delay, failures)
        except OverflowError:  # far past the cap: 2**1024 does not fit in a float
            return self._max_delay
        return min(delay, self._max_delay)

    def forget(self, item: Hashable) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter:
    """An overall token bucket (``golang.org/x/time/rate``): ``burst`` at once, then ``qps``.

    Each ``when()`` reserves the next token, even one that is not there yet, and returns how long
    until it is: so callers that wait what they are told never exceed the rate together. It keeps
    nothing per item: ``forget`` does nothing and ``num_requeues`` is always 0.
    """

    def __init__(
        self,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not qps > 0:
            raise ValueError(f"qps must be > 0, got {qps}")
        if burst < 1:
            # x/time/rate would refuse every reservation and make each wait infinite.
            raise ValueError(f"burst must be >= 1, got {burst}")
        # The REST client's token bucket: one implementation of the concept.
        self._bucket = TokenBucket(qps, burst, clock=clock)

    def when(self, item: Hashable) -> float:
        return self._bucket.reserve()

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


class ItemFastSlowRateLimiter:
    """Per item: ``fast_delay`` for the first ``max_fast_attempts`` attempts, then ``slow_delay``."""

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self._fast_delay = fast_delay
        self._slow_delay = slow_delay
        self._max_fast_attempts = max_fast_attempts
        self._attempts: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        attempts = self._attempts.get(item, 0) + 1
        self._attempts[item] = attempts
        return self._fast_delay if attempts <= self._max_fast_attempts else self._slow_delay

    def forget(self, item: Hashable) -> None:
        self._attempts.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self._attempts.get(item, 0)


class MaxOfRateLimiter(Generic[T]):
    """The longest wait of several limiters; every one of them records each attempt."""

    def __init__(self, *limiters: RateLimiter[T]) -> None:
        if not limiters:
            raise ValueError("MaxOfRateLimiter needs at least one limiter")
        self._limiters = limiters

    def when(self, item: T) -> float:
        # A list, not a generator fed to max(): every limiter must see the attempt.
        return max([limiter.when(item) for limiter in self._limiters])

    def forget(self, item: T) -> None:
        for limiter in self._limiters:
            limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return max(limiter.num_requeues(item) for limiter in self._limiters)


class WithMaxWaitRateLimiter(Generic[T]):
    """Another limiter's wait, capped at ``max_delay`` seconds."""

    def __init__(self, limiter: RateLimiter[T], max_delay: float) -> None:
        self._limiter = limiter
        self._max_delay = max_delay

    def when(self, item: T) -> float:
        return min(self._limiter.when(item), self._max_delay)

    def forget(self, item: T) -> None:
        self._limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self._limiter.num_requeues(item)


def default_controller_rate_limiter(
    *, clock: Callable[[], float] = time.monotonic
) -> MaxOfRateLimiter[Hashable]:
    """client-go's default: 5 ms doubling per failure up to 1000 s, and 10 qps / burst 100 overall.

    The per-item backoff spaces out retries of one failing item; the bucket keeps a storm of
    failing items from hammering the API server.
    """
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY),
        BucketRateLimiter(DEFAULT_QPS, DEFAULT_BURST, clock=clock),
    )
