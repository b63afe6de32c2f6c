"""A watch as the apiserver streams it: initial events, live events, bookmarks, the end.

:class:`WatchSession` turns a store :class:`~kgen.testing.store.Watcher` into the events a client receives
(``{"type": ..., "object": ...}`` dicts), adding the synthetic ADDED events of a watch from ``""``/``"0"``
or with ``sendInitialEvents``, the ``k8s.io/initial-events-end`` bookmark, periodic BOOKMARK events when
asked for, and an ERROR event (a Status) when the watch cannot start, such as 410 Expired for a
resourceVersion older than the history. It is read synchronously or from asyncio.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from kgen.testing.store import Watcher

__all__ = ["WatchSession"]

INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchSession:
    """The events of one watch request, in order, ending at ``timeout`` or when stopped."""

    def __init__(
        self,
        *,
        api_version: str,
        kind: str,
        watcher: Watcher | None,
        initial: list[dict[str, Any]] = (),  # type: ignore[assignment]
        initial_end_rv: int | None = None,
        error: dict[str, Any] | None = None,
        bookmarks: bool = False,
        bookmark_interval: float = 1.0,
        timeout: float | None = None,
        present: Callable[[dict[str, Any]], dict[str, Any]] = lambda obj: obj,
    ) -> None:
        self.api_version = api_version
        self.kind = kind
        self.watcher = watcher
        self._pending: deque[dict[str, Any]] = deque(
            {"type": "ADDED", "object": present(obj)} for obj in initial
        )
        if initial_end_rv is not None:
            self._pending.append(self._bookmark(initial_end_rv, end_of_initial=True))
        if error is not None:
            self._pending.append({"type": "ERROR", "object": error})
        self._ends_after_pending = error is not None
        self._present = present
        self.bookmarks = bookmarks
        self.bookmark_interval = bookmark_interval
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self._last_sent = time.monotonic()
        self._last_bookmark_rv = 0
        self._stopped = False
        self.sent = 0

    def _bookmark(self, rv: int, *, end_of_initial: bool = False) -> dict[str, Any]:
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if end_of_initial:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        return {
            "type": "BOOKMARK",
            "object": {"kind": self.kind, "apiVersion": self.api_version, "metadata": metadata},
        }

    def stop(self) -> None:
        self._stopped = True
        if self.watcher is not None:
            self.watcher.stop()

    @property
    def finished(self) -> bool:
        if self._stopped:
            return True
        if self._pending:
            return False
        if self._ends_after_pending or self.watcher is None:
            return True
        if self._deadline is not None and time.monotonic() >= self._deadline:
            return True
        return self.watcher.done

    def _wait_time(self) -> float | None:
        """How long to wait for the next live event before something else is due."""
        now = time.monotonic()
        waits = []
        if self._deadline is not None:
            waits.append(self._deadline - now)
        if self.bookmarks:
            waits.append(self._last_sent + self.bookmark_interval - now)
        if not waits:
            return None
        return max(0.0, min(waits))

    def _due_bookmark(self) -> dict[str, Any] | None:
        if not self.bookmarks or self.watcher is None:
            return None
        if time.monotonic() - self._last_sent < self.bookmark_interval:
            return None
        rv = self.watcher.bookmark_rv()
        self._last_sent = time.monotonic()
        if rv is None or rv <= self._last_bookmark_rv:
            return None
        self._last_bookmark_rv = rv
        return self._bookmark(rv)

    def _deliver(self, item: dict[str, Any]) -> dict[str, Any]:
        self.sent += 1
        self._last_sent = time.monotonic()
        return item

    def next(self) -> dict[str, Any] | None:
        """The next event, blocking; None when the watch is over."""
        while not self.finished:
            if self._pending:
                return self._deliver(self._pending.popleft())
            assert self.watcher is not None
            event = self.watcher.next(self._wait_time())
            if event is not None:
                return self._deliver({"type": event.type, "object": self._present(event.object)})
            bookmark = self._due_bookmark()
            if bookmark is not None:
                return self._deliver(bookmark)
        self.stop()
        return None

    async def next_async(self) -> dict[str, Any] | None:
        """The next event, without blocking the event loop; None when the watch is over."""
        while not self.finished:
            if self._pending:
                return self._deliver(self._pending.popleft())
            assert self.watcher is not None
            event = await self.watcher.next_async(self._wait_time())
            if event is not None:
                return self._deliver({"type": event.type, "object": self._present(event.object)})
            bookmark = self._due_bookmark()
            if bookmark is not None:
                return self._deliver(bookmark)
        self.stop()
        return None

    def next_ready(self) -> dict[str, Any] | None:
        """The next event if one is ready now, without waiting (None otherwise: :meth:`next` and
        :meth:`next_async` wait, send bookmarks and end the watch). The same events, in the same
        order, as :meth:`next_async` would give: a server sends the ready ones at once."""
        if self.finished:
            return None
        if self._pending:
            return self._deliver(self._pending.popleft())
        if self.watcher is None:
            return None
        event = self.watcher.next(0)
        if event is None:
            return None
        return self._deliver({"type": event.type, "object": self._present(event.object)})

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            item = self.next()
            if item is None:
                return
            yield item
