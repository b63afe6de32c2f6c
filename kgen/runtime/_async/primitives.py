"""The few things that really differ between the async and the sync runtime (hand-written twins).

``scripts/unasync.py`` maps the names here to those of ``kgen/runtime/_sync/primitives.py``. asyncio is
imported on first use: a synchronous program that imports a generated package (which holds both twins)
does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

__all__ = ["AsyncLock", "asleep"]


async def asleep(delay: float) -> None:
    import asyncio

    await asyncio.sleep(delay)


class AsyncLock:
    """An asyncio.Lock created on first use (so it binds to the loop that uses it)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None

    def _get(self) -> asyncio.Lock:
        if self._lock is None:
            import asyncio

            self._lock = asyncio.Lock()
        return self._lock

    async def __aenter__(self) -> None:
        await self._get().acquire()

    async def __aexit__(self, *exc_info: Any) -> None:
        self._get().release()
