"""Client-side rate limiting: a token bucket with client-go's defaults (5 QPS, burst 10).

The bucket only computes: :meth:`TokenBucket.reserve` takes a token now and says how long the caller must
wait before using it (like golang.org/x/time/rate's Reserve), so the same bucket serves threads and asyncio
tasks, and tests check it by counting with a fake clock instead of timing it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

__all__ = ["DEFAULT_BURST", "DEFAULT_QPS", "TokenBucket"]

DEFAULT_QPS = 5.0
DEFAULT_BURST = 10


class TokenBucket:
    """``qps`` tokens per second, at most ``burst`` saved up; ``qps <= 0`` means unlimited."""

    def __init__(
        self,
        qps: float = DEFAULT_QPS,
        burst: int = DEFAULT_BURST,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if qps > 0 and burst <= 0:
            # client-go refuses this combination too: nothing could ever be sent.
            raise ValueError("burst must be positive when qps is")
        self.qps = qps
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()
        self._lock = threading.Lock()
        self.waits = 0  # how many reservations had to wait (for metrics and tests)

    @property
    def unlimited(self) -> bool:
        return self.qps <= 0 or math.isinf(self.qps)

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before it may be used (0 when available now)."""
        if self.unlimited:
            return 0.0
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._last)
            self._last = now
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.qps)
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            self.waits += 1
            return -self._tokens / self.qps
