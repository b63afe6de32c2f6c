"""kgen.runtime._workqueue.rate_limiters: every delay is computed, none is measured."""

from __future__ import annotations

from collections.abc import Hashable

import pytest

from kgen.runtime._workqueue.rate_limiters import (
    DEFAULT_BASE_DELAY,
    DEFAULT_BURST,
    DEFAULT_MAX_DELAY,
    DEFAULT_QPS,
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    WithMaxWaitRateLimiter,
    default_controller_rate_limiter,
)


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_client_go_defaults() -> None:
    assert (DEFAULT_BASE_DELAY, DEFAULT_MAX_DELAY) == (0.005, 1000.0)
    assert (DEFAULT_QPS, DEFAULT_BURST) == (10.0, 100)


# --- exponential --------------------------------------------------------------------------------


def test_exponential_doubles_from_5ms_and_caps_at_1000s() -> None:
    limiter = ItemExponentialFailureRateLimiter()
    delays = [limiter.when("a") for _ in range(25)]
    assert delays[:5] == pytest.approx([0.005, 0.01, 0.02, 0.04, 0.08])
    assert delays[17] == pytest.approx(0.005 * 2**17)  # 655.36 s, the last step below the cap
    assert delays[18:] == [1000.0] * 7
    assert limiter.num_requeues("a") == 25


def test_exponential_never_overflows() -> None:
    limiter = ItemExponentialFailureRateLimiter()
    for _ in range(3000):
        delay = limiter.when("a")
    assert delay == 1000.0


def test_exponential_forget_resets_and_items_are_independent() -> None:
    limiter = ItemExponentialFailureRateLimiter(base_delay=1.0, max_delay=60.0)
    assert [limiter.when("a"), limiter.when("a"), limiter.when("a")] == [1.0, 2.0, 4.0]
    assert limiter.when("b") == 1.0
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 1.0
    assert limiter.num_requeues("b") == 1


def test_exponential_rejects_negative_delays() -> None:
    with pytest.raises(ValueError):
        ItemExponentialFailureRateLimiter(base_delay=-1.0)


# --- token bucket -------------------------------------------------------------------------------


def test_bucket_allows_the_burst_then_spaces_by_one_over_qps() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(clock=clock)  # 10 qps, burst 100
    delays = [limiter.when(i) for i in range(130)]
    assert delays[:100] == [0.0] * 100
    # Each later call reserves the next token: ready times 0.1 s apart.
    assert delays[100:] == pytest.approx([0.1 * k for k in range(1, 31)])
    assert limiter.num_requeues(0) == 0


def test_bucket_refills_with_time_but_never_beyond_the_burst() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=2.0, burst=3, clock=clock)
    assert [limiter.when("x") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]
    clock.advance(1.0)  # pays the reserved token back, plus one more
    assert limiter.when("x") == 0.0
    assert limiter.when("x") == pytest.approx(0.5)
    clock.advance(1000.0)
    assert [limiter.when("x") for _ in range(4)] == [0.0, 0.0, 0.0, 0.5]


def test_bucket_forget_changes_nothing() -> None:
    clock = FakeClock()
    limiter = BucketRateLimiter(qps=1.0, burst=1, clock=clock)
    limiter.when("a")
    limiter.forget("a")
    assert limiter.when("a") == 1.0


@pytest.mark.parametrize("qps, burst", [(0.0, 1), (-1.0, 1), (float("nan"), 1), (1.0, 0)])
def test_bucket_rejects_invalid_parameters(qps: float, burst: int) -> None:
    with pytest.raises(ValueError):
        BucketRateLimiter(qps, burst)


def test_bucket_with_infinite_qps_never_waits() -> None:
    limiter = BucketRateLimiter(qps=float("inf"), burst=1, clock=FakeClock())
    assert [limiter.when("a") for _ in range(5)] == [0.0] * 5


# --- composition --------------------------------------------------------------------------------


class Fixed:
    """A limiter that returns a fixed delay and counts its calls."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls: dict[Hashable, int] = {}

    def when(self, item: Hashable) -> float:
        self.calls[item] = self.calls.get(item, 0) + 1
        return self.delay

    def forget(self, item: Hashable) -> None:
        self.calls.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        return self.calls.get(item, 0)


def test_max_of_takes_the_largest_and_asks_every_limiter() -> None:
    small, large = Fixed(1.0), Fixed(3.0)
    limiter: MaxOfRateLimiter[Hashable] = MaxOfRateLimiter(small, large)
    assert limiter.when("a") == 3.0
    assert small.calls == {"a": 1} and large.calls == {"a": 1}
    large.calls["a"] = 5
    assert limiter.num_requeues("a") == 5
    limiter.forget("a")
    assert small.calls == {} and large.calls == {}


def test_max_of_needs_a_limiter() -> None:
    with pytest.raises(ValueError):
        MaxOfRateLimiter()


def test_fast_slow() -> None:
    limiter = ItemFastSlowRateLimiter(fast_delay=0.1, slow_delay=5.0, max_fast_attempts=3)
    assert [limiter.when("a") for _ in range(5)] == [0.1, 0.1, 0.1, 5.0, 5.0]
    assert limiter.when("b") == 0.1
    assert limiter.num_requeues("a") == 5
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
    assert limiter.when("a") == 0.1


def test_with_max_wait_caps_the_delay_and_forwards() -> None:
    inner = ItemExponentialFailureRateLimiter(base_delay=1.0, max_delay=1000.0)
    limiter = WithMaxWaitRateLimiter(inner, max_delay=3.0)
    assert [limiter.when("a") for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]
    assert limiter.num_requeues("a") == 4
    limiter.forget("a")
    assert inner.num_requeues("a") == 0


def test_default_controller_rate_limiter() -> None:
    clock = FakeClock()
    limiter: RateLimiter[str] = default_controller_rate_limiter(clock=clock)
    # Per item: 5 ms doubling while the overall bucket still has tokens.
    assert [limiter.when("a") for _ in range(3)] == pytest.approx([0.005, 0.01, 0.02])
    assert limiter.num_requeues("a") == 3
    # 97 more tokens go to distinct items; the bucket then dominates the 5 ms backoff.
    assert [limiter.when(f"item-{i}") for i in range(97)] == pytest.approx([0.005] * 97)
    assert limiter.when("fresh") == pytest.approx(0.1)
    assert limiter.when("fresh-2") == pytest.approx(0.2)
    limiter.forget("a")
    assert limiter.num_requeues("a") == 0
