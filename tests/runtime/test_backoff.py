"""Jittered backoff, once: client-go's schedules and defaults, cap, jitter, steps, reset after quiet.

Every delay is computed with a seeded random generator and a fake clock: nothing sleeps.
"""

from __future__ import annotations

import random

from kgen.runtime import DEFAULT_BACKOFF, DEFAULT_RETRY, Backoff, BackoffManager
from kgen.runtime._backoff import REFLECTOR_BACKOFF, REFLECTOR_BACKOFF_RESET, jitter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Draws(random.Random):
    """A generator whose draws are given: 0.0 is no jitter, 1.0 the most."""

    def __init__(self, *values: float) -> None:
        super().__init__()
        self.values = list(values)

    def random(self) -> float:
        return self.values.pop(0)


def test_defaults_are_client_gos() -> None:
    # retry.DefaultRetry, retry.DefaultBackoff, and the reflector's wait.Backoff + reset interval.
    assert DEFAULT_RETRY == Backoff(steps=5, duration=0.010, factor=1.0, jitter=0.1)
    assert DEFAULT_BACKOFF == Backoff(steps=4, duration=0.010, factor=5.0, jitter=0.1)
    assert REFLECTOR_BACKOFF == Backoff(
        steps=2**31 - 1, duration=0.8, factor=2.0, jitter=1.0, cap=30.0
    )
    manager = BackoffManager()
    assert manager.backoff is REFLECTOR_BACKOFF
    assert manager.reset_after == REFLECTOR_BACKOFF_RESET == 120.0


def test_a_schedule_gives_steps_delays() -> None:
    exact = Backoff(steps=4, duration=0.010, factor=5.0)
    assert list(exact.delays()) == [0.010, 0.010 * 5, 0.010 * 25, 0.010 * 125]
    assert list(Backoff(steps=0, duration=1.0).delays()) == []
    # Jitter adds up to jitter x the delay, never takes away.
    for delay, base in zip(DEFAULT_RETRY.delays(random.Random(7)), [0.010] * 5):
        assert base <= delay <= base * 1.1
    assert len(list(DEFAULT_RETRY.delays())) == 5


def test_the_cap_applies_before_jitter_as_in_client_go() -> None:
    capped = Backoff(steps=4, duration=1.0, factor=10.0, cap=5.0)
    assert list(capped.delays()) == [1.0, 5.0, 5.0, 5.0]
    jittered = Backoff(steps=3, duration=1.0, factor=10.0, jitter=1.0, cap=5.0)
    # The most jitter doubles the capped duration: the reflector waits up to 60 s with a 30 s cap.
    assert list(jittered.delays(Draws(1.0, 1.0, 0.5))) == [2.0, 10.0, 7.5]


def test_jitter_is_client_gos() -> None:
    assert jitter(2.0, 1.2, Draws(1.0)) == 2.0 + 1.2 * 2.0
    assert jitter(2.0, 1.2, Draws(0.0)) == 2.0
    assert jitter(2.0, 0.0, Draws(1.0)) == 4.0  # wait.Jitter: a factor <= 0 means 1.0


def test_doubling_capped_with_jitter_up_to_double() -> None:
    clock = Clock()
    backoff = BackoffManager(clock=clock, rng=random.Random(1))
    bases = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0]
    for base in bases:
        delay = backoff.next_delay()
        assert base <= delay <= 2 * base
        clock.now += 1


def test_no_jitter_gives_the_exact_schedule() -> None:
    backoff = BackoffManager(Backoff(steps=2**31 - 1, duration=0.8, factor=2.0, cap=30.0))
    assert [backoff.next_delay() for _ in range(4)] == [0.8, 1.6, 3.2, 6.4]


def test_the_duration_stops_growing_once_the_steps_are_used() -> None:
    backoff = BackoffManager(Backoff(steps=2, duration=1.0, factor=3.0), reset_after=0)
    assert [backoff.next_delay() for _ in range(4)] == [1.0, 3.0, 9.0, 9.0]
    backoff.reset()
    assert backoff.next_delay() == 1.0


def test_reset_after_two_quiet_minutes() -> None:
    clock = Clock()
    schedule = Backoff(steps=2**31 - 1, duration=0.8, factor=2.0, cap=30.0)
    backoff = BackoffManager(schedule, clock=clock)
    backoff.next_delay(), backoff.next_delay(), backoff.next_delay()
    clock.now += 119
    assert backoff.next_delay() == 6.4
    clock.now += 121
    assert backoff.next_delay() == 0.8


def test_a_retry_after_is_waited_at_least() -> None:
    schedule = Backoff(steps=2**31 - 1, duration=0.8, factor=2.0, cap=30.0)
    backoff = BackoffManager(schedule, clock=Clock())
    assert [backoff.next_delay(), backoff.next_delay(at_least=5.0)] == [0.8, 5.0]
    assert backoff.next_delay(at_least=1.0) == 3.2  # the schedule went on underneath
    assert backoff.count == 3
