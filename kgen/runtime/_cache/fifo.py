"""The in-order queue between the reflector and the informer's processing (client-go's RealFIFO).

The reflector pushes every change; the informer pops them in exactly that order, updates the indexer
and notifies handlers. Nothing is merged or dropped: two updates of one key are two deltas.

- ``add``/``update``/``delete`` queue ``Added``/``Updated``/``Deleted``. A delete of a key that is
  neither cached nor queued is ignored (there is nothing to delete, and a handler must never see a
  delete without an add).
- ``replace(items, rv)`` (a relist) queues ``Replaced`` for every listed object and, *before* them,
  ``Deleted`` with a :class:`~kgen.runtime._cache.tombstone.DeletedFinalStateUnknown` for every key
  that would exist once the queue is drained but is missing from the list. Deletion detection looks at
  the indexer *and* at what is still queued, so an object added and then missed by a relist before
  the informer processed it gets its tombstone too (client-go's DeltaFIFO needed ``knownObjects`` plus
  queue scans for this; here one count per queued key answers it).
- ``resync(tag)`` queues ``Sync`` for every cached key with nothing queued (a queued delta will
  notify the handlers anyway); ``tag`` travels with the deltas (the informer puts there which handlers
  asked for the resync).
- ``has_synced()`` is true once the first ``replace`` batch has been popped and processed (or if
  anything else came first).

Single-threaded by design: every method must run on the event loop of the informer that owns it.
"""

from __future__ import annotations

import asyncio
import enum
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, Union

from kgen.runtime._cache.store import KeyFunc, meta_namespace_key
from kgen.runtime._cache.tombstone import DeletedFinalStateUnknown

__all__ = ["Delta", "DeltaType", "FIFOClosed", "KnownObjects", "RealFIFO"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class DeltaType(str, enum.Enum):
    """What happened to an object."""

    ADDED = "Added"
    UPDATED = "Updated"
    DELETED = "Deleted"
    REPLACED = "Replaced"  # listed by a relist (an add or an update, depending on the cache)
    SYNC = "Sync"  # a resync: the cached object again, unchanged


@dataclass(frozen=True, slots=True)
class Delta(Generic[T]):
    """One change, in queue order. ``initial`` marks the objects of the first list (handlers get
    ``is_in_initial_list``); ``tag`` is whatever was given to :meth:`RealFIFO.resync`."""

    type: DeltaType
    object: Union[T, DeletedFinalStateUnknown[T]]
    key: str
    initial: bool = False
    tag: Any = None


class FIFOClosed(Exception):
    """The queue was closed and is empty."""


class KnownObjects(Protocol[T_co]):
    """What the queue reads of the indexer: the keys and objects the informer has processed."""

    def list_keys(self) -> list[str]: ...

    def get_by_key(self, key: str) -> T_co | None: ...


class RealFIFO(Generic[T]):
    """An unbounded, in-order queue of deltas; see the module docstring for the rules."""

    def __init__(
        self, known_objects: KnownObjects[T], key_func: KeyFunc = meta_namespace_key
    ) -> None:
        self.known_objects = known_objects
        self.key_func = key_func
        self._queue: deque[Delta[T]] = deque()
        # Per queued key: how many of its deltas wait, and the newest. They tell whether a key will
        # exist once the queue is drained, and with which object, without scanning the queue.
        self._pending: dict[str, int] = {}
        self._last: dict[str, Delta[T]] = {}
        self._populated = False
        self._initial_remaining = 0
        self._closed = False
        self._ready: asyncio.Event | None = None
        # An empty first list syncs without a delta to pop: pop() returns 0 once so the consumer
        # notices.
        self._synced_empty = False

    # --- producer side ------------------------------------------------------------------------------

    def _push(self, delta: Delta[T]) -> None:
        if self._closed:
            return
        self._queue.append(delta)
        self._pending[delta.key] = self._pending.get(delta.key, 0) + 1
        self._last[delta.key] = delta
        if self._ready is not None:
            self._ready.set()

    def _populate(self) -> None:
        self._populated = True

    def add(self, obj: T) -> None:
        self._populate()
        self._push(Delta(DeltaType.ADDED, obj, self.key_func(obj)))

    def update(self, obj: T) -> None:
        self._populate()
        self._push(Delta(DeltaType.UPDATED, obj, self.key_func(obj)))

    def delete(self, obj: T) -> None:
        self._populate()
        key = self.key_func(obj)
        if self._exists_after_queue(key):
            self._push(Delta(DeltaType.DELETED, obj, key))

    def replace(self, items: Iterable[T], resource_version: str = "") -> None:
        """Queue a relist: tombstones for what it no longer has, then ``Replaced`` for each item."""
        initial = not self._populated
        listed = [(self.key_func(obj), obj) for obj in items]
        keys = {key for key, _ in listed}
        candidates = set(self.known_objects.list_keys())
        candidates.update(
            key for key, delta in self._last.items() if delta.type is not DeltaType.DELETED
        )
        for key in sorted(candidates - keys):
            last = self._state_after_queue(key)
            if last is not None:
                self._push(Delta(DeltaType.DELETED, DeletedFinalStateUnknown(key, last), key))
        if not self._closed:
            # _push for each listed object, inline: a first list queues thousands at once.
            queue, pending, newest = self._queue, self._pending, self._last
            for key, obj in listed:
                delta = Delta(DeltaType.REPLACED, obj, key, initial)
                queue.append(delta)
                pending[key] = pending.get(key, 0) + 1
                newest[key] = delta
            if listed and self._ready is not None:
                self._ready.set()
        if initial:
            self._populated = True
            self._initial_remaining = len(self._queue)
            if not self._queue:
                self._synced_empty = True
                if self._ready is not None:
                    self._ready.set()

    def resync(self, tag: object = None) -> int:
        """Queue ``Sync`` for every cached object with no delta queued; returns how many."""
        count = 0
        for key in self.known_objects.list_keys():
            if key in self._pending:
                continue
            obj = self.known_objects.get_by_key(key)
            if obj is not None:
                self._push(Delta(DeltaType.SYNC, obj, key, tag=tag))
                count += 1
        return count

    def _state_after_queue(self, key: str) -> T | None:
        """The object ``key`` will have once every queued delta is processed (None: absent)."""
        delta = self._last.get(key)
        if delta is None:
            return self.known_objects.get_by_key(key)
        if delta.type is DeltaType.DELETED or isinstance(delta.object, DeletedFinalStateUnknown):
            return None
        return delta.object

    def _exists_after_queue(self, key: str) -> bool:
        return self._state_after_queue(key) is not None

    def close(self) -> None:
        """Stop taking deltas; ``pop`` raises :class:`FIFOClosed` once the queue is empty."""
        self._closed = True
        if self._ready is not None:
            self._ready.set()

    # --- consumer side ------------------------------------------------------------------------------

    def has_synced(self) -> bool:
        return self._populated and self._initial_remaining == 0

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def closed(self) -> bool:
        return self._closed

    async def pop(self, process: Callable[[Delta[T]], None], max_batch: int = 1000) -> int:
        """Wait for deltas, then hand up to ``max_batch`` to ``process`` in order; returns how many
        (0 once, when an empty first list made the queue synced).

        ``process`` must not await: the queue's view of what is pending and the indexer move together,
        which is what makes ``replace``'s deletion detection exact. A batch never runs past the end of
        the first list, so ``has_synced()`` turns true right after its last delta is processed.
        """
        while not self._queue:
            if self._closed:
                raise FIFOClosed()
            if self._synced_empty:
                self._synced_empty = False
                return 0
            if self._ready is None:
                self._ready = asyncio.Event()
            self._ready.clear()
            await self._ready.wait()
        limit = max_batch
        if self._initial_remaining > 0:
            limit = min(limit, self._initial_remaining)
        count = 0
        while self._queue and count < limit:
            delta = self._queue.popleft()
            left = self._pending[delta.key] - 1
            if left:
                self._pending[delta.key] = left
            else:
                del self._pending[delta.key]
                del self._last[delta.key]
            try:
                process(delta)
            finally:
                count += 1
                if self._initial_remaining > 0:
                    self._initial_remaining -= 1
        if not self._pending:
            # A dict keeps the table of its largest size when emptied: after a list of 10,000
            # objects, some 40 bytes per object. clear() gives it back.
            self._pending.clear()
            self._last.clear()
        return count
