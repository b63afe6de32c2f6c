"""Backoff schedules (client-go's ``wait.Backoff``), as plain numbers: no sleeping here."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["DEFAULT_BACKOFF", "DEFAULT_RETRY", "Backoff"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """``steps`` delays: ``duration``, then times ``factor`` each step, each up to ``jitter`` longer,
    never above ``cap`` (0 = no cap)."""

    steps: int
    duration: float
    factor: float = 1.0
    jitter: float = 0.0
    cap: float = 0.0

    def delays(self, rng: random.Random | None = None) -> Iterator[float]:
        draw = rng or random
        duration = self.duration
        for _ in range(self.steps):
            delay = duration
            if self.jitter > 0:
                delay += draw.random() * self.jitter * duration
            if self.cap > 0:
                delay = min(delay, self.cap)
            yield delay
            duration *= self.factor
            if self.cap > 0:
                duration = min(duration, self.cap)


#: client-go ``retry.DefaultRetry``: for conflicts between writers that should resolve fast.
DEFAULT_RETRY = Backoff(steps=5, duration=0.010, factor=1.0, jitter=0.1)
#: client-go ``retry.DefaultBackoff``: for slower-resolving conflicts.
DEFAULT_BACKOFF = Backoff(steps=4, duration=0.010, factor=5.0, jitter=0.1)
