"""Jittered exponential backoff, once for the whole runtime: client-go's ``wait.Backoff``, as numbers.

- :class:`Backoff` is a schedule: ``duration``, growing by ``factor`` each step up to ``cap``, each delay
  up to ``jitter`` times longer at random. :meth:`Backoff.delays` gives its ``steps`` delays, which
  :func:`~kgen.runtime._retry.retry_on_conflict` sleeps between attempts (:data:`DEFAULT_RETRY`).
- :class:`BackoffManager` walks a schedule one delay at a time and goes back to its start after a quiet
  while: the reflector's backoff between failed list-and-watch rounds (client-go's
  ``Backoff.DelayWithReset``; :data:`REFLECTOR_BACKOFF`, reset after 2 minutes without a delay).
- :func:`jitter` is one jittered delay (``wait.Jitter``): leader election's retry period.

The rules are client-go's ``Backoff.Step``: the first delay is ``duration``; every step multiplies the
duration by ``factor``, capped at ``cap`` (when above 0) *before* jitter, so a jittered delay may exceed
the cap (30 s with jitter 1.0 gives up to 60 s, as client-go's reflector waits); once ``steps`` are used
up the duration stops growing. Unlike client-go, reaching the cap does not end a schedule early:
:meth:`~Backoff.delays` always gives ``steps`` delays. Nothing here sleeps: callers sleep the delays
their own way (threads, asyncio, a test's clock), and randomness and the clock are injectable.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

__all__ = [
    "DEFAULT_BACKOFF",
    "DEFAULT_RETRY",
    "REFLECTOR_BACKOFF",
    "REFLECTOR_BACKOFF_RESET",
    "Backoff",
    "BackoffManager",
    "jitter",
]


def jitter(duration: float, max_factor: float, rng: random.Random | None = None) -> float:
    """``duration`` plus a random part of up to ``max_factor`` times it (client-go's ``wait.Jitter``;
    a factor of 0 or less means 1)."""
    if max_factor <= 0:
        max_factor = 1.0
    return duration + (rng or _RANDOM).random() * max_factor * duration


@dataclass(frozen=True, slots=True)
class Backoff:
    """``steps`` delays: ``duration``, then times ``factor`` each step, capped at ``cap`` (0: no cap),
    each delay up to ``jitter`` times longer at random (see the module docstring)."""

    steps: int
    duration: float
    factor: float = 1.0
    jitter: float = 0.0
    cap: float = 0.0

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        """The schedule's ``steps`` delays, jittered with ``rng``."""
        manager = BackoffManager(self, rng=rng)
        for _ in range(self.steps):
            yield manager.next_delay()

    def grow(self, duration: float) -> float:
        """The duration after ``duration``: times ``factor``, capped."""
        grown = duration * self.factor
        return min(grown, self.cap) if self.cap > 0 else grown

    def jittered(self, duration: float, rng: random.Random | None = None) -> float:
        """``duration`` as a delay of this schedule: plus up to ``jitter`` times it."""
        return jitter(duration, self.jitter, rng) if self.jitter > 0 else duration


#: client-go ``retry.DefaultRetry``: for conflicts between writers that should resolve fast.
DEFAULT_RETRY = Backoff(steps=5, duration=0.010, factor=1.0, jitter=0.1)
#: client-go ``retry.DefaultBackoff``: for slower-resolving conflicts.
DEFAULT_BACKOFF = Backoff(steps=4, duration=0.010, factor=5.0, jitter=0.1)
#: client-go's reflector: 800 ms doubling to 30 s, jitter 1.0, MaxInt32 steps.
REFLECTOR_BACKOFF = Backoff(steps=2**31 - 1, duration=0.8, factor=2.0, jitter=1.0, cap=30.0)
#: The reflector's backoff starts again from 800 ms after this long without a delay asked for.
REFLECTOR_BACKOFF_RESET = 120.0

_RANDOM = random.Random()


class BackoffManager:
    """A walk along a :class:`Backoff`: each :meth:`next_delay` is the next delay of the schedule.

    The walk starts again from the schedule's beginning on :meth:`reset`, and on its own when
    ``reset_after`` seconds (0: never) passed since the previous delay was asked for. The defaults are
    the reflector's (:data:`REFLECTOR_BACKOFF`, reset after :data:`REFLECTOR_BACKOFF_RESET`).
    """

    def __init__(
        self,
        backoff: Backoff = REFLECTOR_BACKOFF,
        *,
        reset_after: float = REFLECTOR_BACKOFF_RESET,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.backoff = backoff
        self.reset_after = reset_after
        self._clock = clock
        self._rng = rng if rng is not None else random.Random()
        self._duration = backoff.duration
        self._steps = backoff.steps
        self._last: float | None = None
        self.count = 0  # how many delays were handed out (for tests and metrics)

    def __repr__(self) -> str:
        return f"BackoffManager({self.backoff}, next={self._duration})"

    def reset(self) -> None:
        """Start again from the schedule's first delay."""
        self._duration = self.backoff.duration
        self._steps = self.backoff.steps

    def next_delay(self, at_least: float = 0.0) -> float:
        """The next delay, or ``at_least`` (a server's Retry-After) if that is longer."""
        now = self._clock()
        if self.reset_after > 0 and self._last is not None and now - self._last > self.reset_after:
            self.reset()
        self._last = now
        delay = self._duration
        if self._steps > 0:
            self._steps -= 1
            self._duration = self.backoff.grow(self._duration)
        self.count += 1
        return max(self.backoff.jittered(delay, self._rng), at_least)
