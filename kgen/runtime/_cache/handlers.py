"""Event handlers and their delivery: one unbounded buffer and one task per handler.

A handler has three methods, each a plain function or a coroutine function::

    class PodHandler:
        def on_add(self, obj: Pod, is_in_initial_list: bool) -> None: ...
        async def on_update(self, old: Pod, new: Pod) -> None: ...
        def on_delete(self, obj: Pod | DeletedFinalStateUnknown[Pod]) -> None: ...

or :class:`ResourceEventHandlerFuncs` (``ResourceEventHandlerFuncs(on_add=..., on_delete=...)``).

- ``on_update`` also comes for resyncs and relists with ``old`` and ``new`` at the *same*
  resourceVersion: compare them if only real changes matter.
- ``on_delete`` gets the deleted object, or a
  :class:`~kgen.runtime._cache.tombstone.DeletedFinalStateUnknown` when the deletion happened while the
  watch was down (its ``obj`` is the last known state; :func:`~kgen.runtime._cache.tombstone.final_state`
  unwraps either).
- Objects are the cache's own, shared with every handler and lister: do not mutate them
  (:func:`~kgen.runtime._cache.objects.copy_object` first).

Each registration owns an unbounded buffer (client-go's listener ring buffer) drained by its own task,
so a slow handler costs memory, never the progress of the informer or of other handlers; every handler
sees every notification, in order. A ``threaded`` registration calls its plain functions on a thread of
its own (the synchronous API uses this), so a blocking handler does not block the event loop either.
An exception in a handler is logged and counted (``errors``); delivery goes on.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar, Union

from kgen.runtime._cache.tombstone import DeletedFinalStateUnknown, final_state
from kgen.runtime._tasks import cancel_and_wait

__all__ = [
    "AsyncHandlerRegistration",
    "FilteringResourceEventHandler",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
]

logger = logging.getLogger("kgen.runtime.cache")

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)

MaybeAwaitable = Union[Awaitable[None], None]

# Yield to the event loop after this many notifications handled without awaiting, so a handler of
# plain functions with a long backlog cannot starve the reflector and the other handlers.
_FAIRNESS_BATCH = 64


class ResourceEventHandler(Protocol[T_contra]):
    """What an informer notifies. Methods may be plain or ``async``."""

    def on_add(self, obj: T_contra, is_in_initial_list: bool) -> MaybeAwaitable: ...

    def on_update(self, old: T_contra, new: T_contra) -> MaybeAwaitable: ...

    def on_delete(self, obj: T_contra | DeletedFinalStateUnknown[T_contra]) -> MaybeAwaitable: ...


class ResourceEventHandlerFuncs(Generic[T]):
    """A handler from functions; a missing one ignores its notifications."""

    def __init__(
        self,
        on_add: Callable[[T, bool], MaybeAwaitable] | None = None,
        on_update: Callable[[T, T], MaybeAwaitable] | None = None,
        on_delete: Callable[[T | DeletedFinalStateUnknown[T]], MaybeAwaitable] | None = None,
    ) -> None:
        self._add, self._update, self._delete = on_add, on_update, on_delete

    def on_add(self, obj: T, is_in_initial_list: bool) -> MaybeAwaitable:
        return self._add(obj, is_in_initial_list) if self._add is not None else None

    def on_update(self, old: T, new: T) -> MaybeAwaitable:
        return self._update(old, new) if self._update is not None else None

    def on_delete(self, obj: T | DeletedFinalStateUnknown[T]) -> MaybeAwaitable:
        return self._delete(obj) if self._delete is not None else None


class FilteringResourceEventHandler(Generic[T]):
    """Passes on only objects ``predicate`` accepts; an update that makes an object pass (stop
    passing) becomes an add (a delete), as client-go's FilteringResourceEventHandler does."""

    def __init__(self, predicate: Callable[[T], bool], handler: ResourceEventHandler[T]) -> None:
        self.predicate = predicate
        self.handler = handler

    def on_add(self, obj: T, is_in_initial_list: bool) -> MaybeAwaitable:
        if self.predicate(obj):
            return self.handler.on_add(obj, is_in_initial_list)
        return None

    def on_update(self, old: T, new: T) -> MaybeAwaitable:
        before, after = self.predicate(old), self.predicate(new)
        if before and after:
            return self.handler.on_update(old, new)
        if after:
            return self.handler.on_add(new, False)
        if before:
            return self.handler.on_delete(old)
        return None

    def on_delete(self, obj: T | DeletedFinalStateUnknown[T]) -> MaybeAwaitable:
        if self.predicate(final_state(obj)):
            return self.handler.on_delete(obj)
        return None


# A notification: ("add", obj, is_in_initial_list), ("update", old, new) or ("delete", obj, None).
_Notification = tuple[str, Any, Any]


def check_handler(handler: object) -> None:
    """Refuse, when it is added, a handler that lacks a method: it would otherwise only show as errors
    logged at its first events, with those events lost to it."""
    missing = [
        m for m in ("on_add", "on_update", "on_delete") if not callable(getattr(handler, m, None))
    ]
    if missing:
        raise TypeError(
            f"{handler!r} is not an event handler: it lacks {', '.join(missing)}; pass an object "
            "with on_add, on_update and on_delete, or ResourceEventHandlerFuncs(on_add=...)"
        )


class AsyncHandlerRegistration(Generic[T]):
    """One handler added to an informer: its buffer, its task, and whether it has synced.

    ``has_synced()`` is true once every object of the informer's initial list (or, for a handler added
    later, of the cache at that time) has been delivered to *this* handler."""

    def __init__(
        self,
        handler: ResourceEventHandler[T],
        resync_period: float,
        *,
        threaded: bool = False,
        name: str = "",
    ) -> None:
        self.handler = handler
        #: Seconds between resyncs of this handler (0: none), after the informer's adjustments.
        self.resync_period = resync_period
        self.requested_resync_period = resync_period
        self.threaded = threaded
        self.name = name or type(handler).__name__
        self.next_resync = 0.0
        self.errors = 0  # exceptions raised by the handler
        self.delivered = 0
        self._buffer: deque[_Notification] = deque()
        self._queued = 0
        self._sync_mark: int | None = None
        self._wakeup: asyncio.Event | None = None
        self._synced_event: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._removed = False

    def __repr__(self) -> str:
        return f"AsyncHandlerRegistration({self.name}, pending={self.pending()})"

    # --- state --------------------------------------------------------------------------------------

    def has_synced(self) -> bool:
        return self._sync_mark is not None and self.delivered >= self._sync_mark

    async def wait_synced(self) -> None:
        """Wait until :meth:`has_synced` (the informer must be running)."""
        if self.has_synced():
            return
        if self._synced_event is None:
            self._synced_event = asyncio.Event()
        await self._synced_event.wait()

    def pending(self) -> int:
        """Notifications buffered, not yet delivered."""
        return len(self._buffer)

    @property
    def removed(self) -> bool:
        return self._removed

    # --- fed by the informer ------------------------------------------------------------------------

    def add(self, obj: T, is_in_initial_list: bool) -> None:
        self._push(("add", obj, is_in_initial_list))

    def update(self, old: T, new: T) -> None:
        self._push(("update", old, new))

    def delete(self, obj: T | DeletedFinalStateUnknown[T]) -> None:
        self._push(("delete", obj, None))

    def _push(self, note: _Notification) -> None:
        if self._removed:
            return
        self._buffer.append(note)
        self._queued += 1
        if self._wakeup is not None:
            self._wakeup.set()

    def mark_synced(self) -> None:
        """Everything queued so far completes this handler's initial sync."""
        if self._sync_mark is None:
            self._sync_mark = self._queued
            self._check_synced()

    def _check_synced(self) -> None:
        if self._synced_event is not None and self.has_synced():
            self._synced_event.set()

    def start(self) -> None:
        if self._task is None and not self._removed:
            self._wakeup = asyncio.Event()
            if self._buffer:
                self._wakeup.set()
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"kgen-cache-handler-{self.name}"
            )

    async def stop(self) -> None:
        """Stop delivering (what is still buffered is dropped: the handler was removed)."""
        self._removed = True
        task, self._task = self._task, None
        if task is not None:
            await cancel_and_wait([task])  # a handler may swallow one cancellation
        self._buffer.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None

    # --- delivery -----------------------------------------------------------------------------------

    async def _run(self) -> None:
        assert self._wakeup is not None
        since_yield = 0
        while True:
            while not self._buffer:
                self._wakeup.clear()
                await self._wakeup.wait()
                since_yield = 0
            kind, first, second = self._buffer.popleft()
            awaited = await self._deliver(kind, first, second)
            self.delivered += 1
            self._check_synced()
            since_yield = 0 if awaited else since_yield + 1
            if since_yield >= _FAIRNESS_BATCH:
                since_yield = 0
                await asyncio.sleep(0)

    async def _deliver(self, kind: str, first: Any, second: Any) -> bool:
        """Call the handler; True if that awaited (so the loop has had its turn)."""
        try:
            if self.threaded:
                result = await self._in_thread(kind, first, second)
                awaited = True
            else:
                result = self._call(kind, first, second)
                awaited = False
            if inspect.isawaitable(result):
                await result
                awaited = True
            return awaited
        except asyncio.CancelledError:
            raise
        except Exception:
            self.errors += 1
            logger.exception("event handler %s failed on %s", self.name, kind)
            return False

    def _call(self, kind: str, first: Any, second: Any) -> Any:
        if kind == "add":
            return self.handler.on_add(first, second)
        if kind == "update":
            return self.handler.on_update(first, second)
        return self.handler.on_delete(first)

    async def _in_thread(self, kind: str, first: Any, second: Any) -> Any:
        if self._executor is None:
            self._executor = concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix=f"kgen-handler-{self.name}"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, kind, first, second)
