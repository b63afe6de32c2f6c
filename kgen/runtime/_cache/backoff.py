"""The reflector's backoff between failed (or ended) list-and-watch rounds, with reset after quiet.

client-go's defaults: 800 ms, doubling up to 30 s, each delay up to 100% longer (jitter 1.0), back to
800 ms once no backoff was asked for during 2 minutes. Clock, sleep and randomness are injectable so
that tests run at full speed and deterministically.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

__all__ = ["BackoffManager"]


@dataclass
class BackoffManager:
    """Hands out growing delays: ``initial`` times ``factor`` per step, capped at ``cap`` (before
    jitter, as client-go's ``wait.Backoff``), each plus up to ``jitter`` x itself at random."""

    initial: float = 0.8
    cap: float = 30.0
    factor: float = 2.0
    jitter: float = 1.0
    reset_after: float = 120.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    delays: int = 0  # how many delays were handed out (for tests and metrics)
    _duration: float = field(init=False, default=0.0)
    _last: float | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._duration = self.initial

    def reset(self) -> None:
        self._duration = self.initial

    def next_delay(self) -> float:
        now = self.clock()
        if self._last is not None and now - self._last > self.reset_after:
            self._duration = self.initial
        self._last = now
        delay = self._duration
        self._duration = (
            min(self._duration * self.factor, self.cap)
            if self.cap
            else (self._duration * self.factor)
        )
        if self.jitter > 0:
            delay += self.rng.random() * self.jitter * delay
        self.delays += 1
        return delay

    async def wait(self, at_least: float = 0.0) -> float:
        """Sleep the next delay (or ``at_least``, a server's Retry-After, if longer); returns it."""
        delay = max(self.next_delay(), at_least)
        await self.sleep(delay)
        return delay
