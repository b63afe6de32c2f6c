"""kgen.runtime._workqueue.rate_limiting: add_rate_limited = add_after(item, limiter.when(item))."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest

from kgen.runtime._workqueue.queue import ShutDown
from kgen.runtime._workqueue.rate_limiters import (
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
)
from kgen.runtime._workqueue.rate_limiting import AsyncRateLimitingQueue, RateLimitingQueue

WAIT = 10.0


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_add_rate_limited_waits_what_the_limiter_says() -> None:
    clock = FakeClock()
    limiter = ItemFastSlowRateLimiter(fast_delay=1.0, slow_delay=10.0, max_fast_attempts=1)
    q: RateLimitingQueue[str] = RateLimitingQueue(limiter, clock=clock)
    q.add_rate_limited("a")
    assert q.num_requeues("a") == 1
    assert q.waiting() == ["a"] and len(q) == 0
    clock.advance(1.0)
    assert q.get() == "a"
    q.add_rate_limited("a")  # failed again: now the slow delay
    q.done("a")
    clock.advance(9.0)
    assert len(q) == 0
    clock.advance(1.0)
    assert q.get() == "a"
    assert q.num_requeues("a") == 2


def test_forget_resets_the_backoff() -> None:
    clock = FakeClock()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        ItemExponentialFailureRateLimiter(base_delay=1.0, max_delay=100.0), clock=clock
    )
    for _ in range(3):
        q.add_rate_limited("a")
    assert q.num_requeues("a") == 3
    q.forget("a")
    assert q.num_requeues("a") == 0
    clock.advance(1.0)  # the first (earliest) delay was 1 s, and it wins
    assert q.get() == "a"


def test_default_limiter_runs_on_the_queue_clock() -> None:
    clock = FakeClock()
    q: RateLimitingQueue[int] = RateLimitingQueue(clock=clock)
    for item in range(101):
        q.add_rate_limited(item)
    assert len(q) == 0
    clock.advance(0.005)  # 5 ms per-item backoff for the 100 items the bucket allowed at once
    assert len(q) == 100
    assert q.waiting() == [100]
    clock.advance(0.1 - 0.005)  # the 101st waits for the bucket's next token
    assert len(q) == 101


def test_add_rate_limited_after_shutdown_raises_without_counting() -> None:
    q: RateLimitingQueue[str] = RateLimitingQueue(clock=FakeClock())
    q.shut_down()
    with pytest.raises(ShutDown):
        q.add_rate_limited("a")
    assert q.num_requeues("a") == 0


def test_accepts_any_object_with_the_limiter_methods() -> None:
    class Never:
        def when(self, item: Hashable) -> float:
            return 0.0

        def forget(self, item: Hashable) -> None:
            pass

        def num_requeues(self, item: Hashable) -> int:
            return 7

    limiter = Never()
    q: RateLimitingQueue[str] = RateLimitingQueue(limiter)
    assert q.rate_limiter is limiter
    q.add_rate_limited("a")
    assert q.get() == "a"
    assert q.num_requeues("a") == 7


async def test_async_rate_limited_worker_loop() -> None:
    clock = FakeClock()
    q: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(
        ItemExponentialFailureRateLimiter(base_delay=1.0, max_delay=8.0), clock=clock
    )
    q.add("a")
    attempts = 0
    while True:
        key = await asyncio.wait_for(q.get(), WAIT)
        attempts += 1
        if attempts < 4:
            q.add_rate_limited(key)
            q.done(key)
            assert len(q) == 0
            clock.advance(2 ** (attempts - 1))
        else:
            q.forget(key)
            q.done(key)
            break
    assert attempts == 4
    assert q.num_requeues("a") == 0


async def test_async_add_rate_limited_wakes_a_real_clock_getter() -> None:
    q: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.add_rate_limited("a")  # 5 ms on the real clock
    assert await asyncio.wait_for(getter, WAIT) == "a"
    q.shut_down()
    with pytest.raises(ShutDown):
        q.add_rate_limited("b")
