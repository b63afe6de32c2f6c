"""How a reflector takes objects in: a watch's idle timeout, and the collector paused during a sync.

Both are about the pace of a stream of events rather than about the reflector's rules (which stream
to open, what an error means): :class:`IdleWatch` gives the events of one stream and notices when
none came for too long; :class:`CollectorPause` keeps the cyclic garbage collector from walking the
cache again and again while a sync fills it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, Generic, TypeVar

import kgen.runtime._codec as codec
from kgen.runtime._cache.listwatch import WatchStreamLike
from kgen.runtime._watchevent import WatchEvent

__all__ = ["GC_PAUSE_WINDOW", "CollectorPause", "IdleTimeout", "IdleWatch"]

T = TypeVar("T")


class IdleTimeout(Exception):
    """No event or bookmark came for the idle time of a stream."""


class IdleWatch(Generic[T]):
    """The events of one stream, raising :class:`IdleTimeout` when none came for ``seconds``.

    On Python 3.11+ one ``asyncio.timeout`` spans the stream (``async with``) and is moved forward as
    events come, only once it is closer than ``seconds`` and then by 1% more: the timeout fires
    ``seconds`` to 1.01 x ``seconds`` after the last event, and a stream delivering thousands at
    once costs a comparison per event, not a timer (nor, with ``asyncio.wait_for`` before 3.12, a
    task) per event. Before 3.11 each event is awaited with ``asyncio.wait_for``."""

    def __init__(self, stream: WatchStreamLike[T], seconds: float) -> None:
        self._stream = stream
        self.seconds = seconds
        self._timeout: Any = None  # asyncio.Timeout (3.11+)
        self._loop: asyncio.AbstractEventLoop

    async def __aenter__(self) -> IdleWatch[T]:
        if sys.version_info >= (3, 11):
            self._loop = asyncio.get_running_loop()
            self._timeout = asyncio.timeout(None)
            await self._timeout.__aenter__()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._timeout is not None:
            try:
                await self._timeout.__aexit__(*exc_info)
            except asyncio.TimeoutError:
                raise self._expired() from None

    def _expired(self) -> IdleTimeout:
        return IdleTimeout(f"no event or bookmark for {self.seconds:g}s")

    async def next(self) -> WatchEvent[T] | None:
        """The next event, or None when the stream ended."""
        try:
            if self._timeout is None:
                return await asyncio.wait_for(self._stream.__anext__(), self.seconds)
            deadline = self._loop.time() + self.seconds
            when = self._timeout.when()
            if when is None or when < deadline:
                self._timeout.reschedule(deadline + self.seconds / 100)
            return await self._stream.__anext__()
        except StopAsyncIteration:
            return None
        except asyncio.TimeoutError:
            raise self._expired() from None


#: The longest (seconds) the cyclic collector stays paused at a time while a sync takes objects in.
GC_PAUSE_WINDOW = 0.5


class CollectorPause:
    """Keeps the cyclic GC paused while a sync decodes and caches objects, ``seconds`` at most at a
    time.

    The objects a sync keeps hold lists (a pod about 25: containers, ports, mounts, arguments...),
    which the collector tracks: as they pile up, the collector's thresholds trigger full
    collections, each walking every object kept so far, which cost as much as the decoding (three
    for 10,000 pods). The codec pauses the collector for the decoding of one big body
    (:data:`~kgen.runtime._codec.GC_PAUSE_THRESHOLD`); a streaming list is as many small bodies as
    objects, and a list's pages are transformed between decodes, so the sync pauses it itself.
    A timer on the event loop ends the pause ``seconds`` after it began (it fires while the sync
    waits for data: the collector is never off for long behind a slow server), and the next object
    begins a new one. Only the collector's walks wait: what it would collect is collected later."""

    def __init__(self, seconds: float | None = None) -> None:
        self._seconds = GC_PAUSE_WINDOW if seconds is None else seconds
        self._timer: asyncio.TimerHandle | None = None
        self._held = False

    def hold(self) -> None:
        """Pause the collector, unless already paused (or pauses are turned off: KGEN_GC_PAUSE=0).

        Not when others have kept it paused ``seconds`` already (the reflectors of many informers
        syncing at once, or the decoding of a big body): once their pauses end, the collector runs
        before the next one begins, so that it is never off for more than about twice
        ``seconds`` in a row, however many syncs overlap."""
        if self._held or codec.GC_PAUSE_THRESHOLD is None:
            return
        if codec.gc_paused_for() > self._seconds:
            return
        codec.pause_gc()
        self._held = True
        self._timer = asyncio.get_running_loop().call_later(self._seconds, self.release)

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._held:
            self._held = False
            codec.resume_gc()
