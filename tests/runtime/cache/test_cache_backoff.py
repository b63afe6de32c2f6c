"""The reflector's backoff: client-go's schedule, cap, jitter, reset after quiet."""

from __future__ import annotations

import random

from kgen.runtime._cache import BackoffManager


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_defaults_are_client_gos() -> None:
    backoff = BackoffManager()
    assert (backoff.initial, backoff.cap, backoff.factor, backoff.jitter, backoff.reset_after) == (
        0.8,
        30.0,
        2.0,
        1.0,
        120.0,
    )


def test_doubling_capped_with_jitter_up_to_double() -> None:
    clock = Clock()
    backoff = BackoffManager(clock=clock, rng=random.Random(1))
    bases = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    for base in bases:
        delay = backoff.next_delay()
        assert base <= delay <= 2 * base
        clock.now += 1


def test_no_jitter_gives_the_exact_schedule() -> None:
    backoff = BackoffManager(jitter=0.0, clock=Clock())
    assert [backoff.next_delay() for _ in range(4)] == [0.8, 1.6, 3.2, 6.4]


def test_reset_after_two_quiet_minutes() -> None:
    clock = Clock()
    backoff = BackoffManager(jitter=0.0, clock=clock)
    backoff.next_delay(), backoff.next_delay(), backoff.next_delay()
    clock.now += 119
    assert backoff.next_delay() == 6.4
    clock.now += 121
    assert backoff.next_delay() == 0.8


async def test_wait_sleeps_at_least_retry_after() -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    backoff = BackoffManager(jitter=0.0, sleep=sleep, clock=Clock())
    await backoff.wait()
    await backoff.wait(at_least=5.0)
    assert slept == [0.8, 5.0]
    assert backoff.delays == 2
