"""What a candidate is told: which Lease and who it is, the durations, the callbacks and their context,
and the clock it measures time with. Nothing here does I/O."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "JITTER_FACTOR",
    "RELEASED_LEASE_SECONDS",
    "Clock",
    "LeaderContext",
    "LeaderElectionConfig",
    "LeaseLock",
    "OnNewLeader",
    "OnStartedLeading",
    "OnStoppedLeading",
    "SystemClock",
]

JITTER_FACTOR = 1.2  # client-go's leaderelection.JitterFactor
DEFAULT_LEASE_DURATION = 15.0  # controller-runtime's defaults (pkg/manager/internal.go)
DEFAULT_RENEW_DEADLINE = 10.0
DEFAULT_RETRY_PERIOD = 2.0
RELEASED_LEASE_SECONDS = 1  # what client-go writes when it gives a lease up

OnStartedLeading = Callable[["LeaderContext"], "Awaitable[None] | None"]
OnStoppedLeading = Callable[[], "Awaitable[None] | None"]
OnNewLeader = Callable[[str], "Awaitable[None] | None"]


@dataclass(frozen=True)
class LeaseLock:
    """Which Lease (``namespace``/``name``) candidates compete for, and who this candidate is.

    ``identity`` must be unique among candidates (a pod name, or hostname plus a random suffix): two
    processes with one identity both believe they lead. ``labels`` go on the Lease if this candidate
    creates it.
    """

    namespace: str
    name: str
    identity: str
    labels: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, kw_only=True)
class LeaderElectionConfig:
    """client-go's LeaderElectionConfig; durations in seconds. Invalid values raise ValueError."""

    lock: LeaseLock
    on_started_leading: OnStartedLeading
    on_stopped_leading: OnStoppedLeading
    on_new_leader: OnNewLeader | None = None
    lease_duration: float = DEFAULT_LEASE_DURATION
    renew_deadline: float = DEFAULT_RENEW_DEADLINE
    retry_period: float = DEFAULT_RETRY_PERIOD
    release_on_cancel: bool = False
    run_forever: bool = False

    def __post_init__(self) -> None:
        for name in ("lease_duration", "renew_deadline", "retry_period"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be greater than zero (got {value!r})")
        if self.lease_duration <= self.renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if self.renew_deadline <= JITTER_FACTOR * self.retry_period:
            raise ValueError(
                f"renew_deadline must be greater than retry_period * {JITTER_FACTOR} (the jitter)"
            )
        if not callable(self.on_started_leading):
            raise ValueError("on_started_leading is required")
        if not callable(self.on_stopped_leading):
            raise ValueError("on_stopped_leading is required")
        if self.on_new_leader is not None and not callable(self.on_new_leader):
            raise ValueError("on_new_leader must be callable")
        if not isinstance(self.lock, LeaseLock):
            raise ValueError("lock must be a LeaseLock")
        if not self.lock.identity:
            raise ValueError("the lock identity is empty")
        if not self.lock.namespace or not self.lock.name:
            raise ValueError("the lock needs a namespace and a name")

    @property
    def lease_seconds(self) -> int:
        """What goes into leaseDurationSeconds: rounded up, so others never wait less than meant."""
        return max(1, math.ceil(self.lease_duration))


class LeaderContext:
    """Given to ``on_started_leading``: says when leadership is lost, to tasks and to threads alike."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self._lost = threading.Event()
        self._lost_async = asyncio.Event()

    @property
    def leading(self) -> bool:
        return not self._lost.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block (a thread, never the event loop) until leadership is lost; False on timeout."""
        return self._lost.wait(timeout)

    async def async_wait(self) -> None:
        """Wait (a task) until leadership is lost."""
        await self._lost_async.wait()

    def _set_lost(self) -> None:
        self._lost.set()
        self._lost_async.set()


class Clock(Protocol):
    """Time as the elector sees it; tests pass a fake one."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps: all expiry and deadline arithmetic uses this."""
        ...

    def now(self) -> datetime:
        """Timezone-aware wall time, only for the acquireTime/renewTime written into the Lease."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks, and asyncio's sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
