"""The storage engine: objects, one global resourceVersion, a bounded event history and watchers.

It plays etcd plus the apiserver's watch cache, and knows nothing of HTTP or REST rules, so the same
engine serves the HTTP API server and, in process, a fake clientset:

- every write gets the next revision of one global counter (``metadata.resourceVersion`` is its decimal
  string), like etcd's revision; a write that changes nothing is not a write (no new revision);
- the last ``history`` events (or those younger than ``history_seconds``) are kept, so watches resume
  from any revision inside that window and lists can be read at an older revision (paging over a
  consistent snapshot); older revisions raise :class:`TooOld`, which the API turns into 410 Gone;
- watchers have unbounded queues: a slow consumer costs memory, never a dropped or blocked event. They
  are read synchronously (:meth:`Watcher.next`) or from asyncio (:meth:`Watcher.next_async`).

Objects are plain JSON dicts. The store hands out deep copies; events given to watchers are shared and
must be treated as read-only. All methods are thread-safe.
"""

from __future__ import annotations

import builtins

import asyncio
import copy
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Event",
    "KeyExists",
    "KeyNotFound",
    "Store",
    "StoreError",
    "StoreEvent",
    "TooOld",
    "VersionConflict",
    "Watcher",
]

GR = tuple[str, str]  # (group, resource): versions of one resource share storage
Predicate = Callable[[dict[str, Any]], bool]


class StoreError(Exception):
    """Base of the storage engine's errors."""


class KeyExists(StoreError):
    """Create of a key that exists."""


class KeyNotFound(StoreError):
    """Update or delete of a key that does not exist."""


class VersionConflict(StoreError):
    """The stored object's resourceVersion (or uid) is not the expected one."""

    def __init__(self, what: str, expected: str, actual: str) -> None:
        super().__init__(f"{what}: expected {expected}, have {actual}")
        self.what = what
        self.expected = expected
        self.actual = actual


class TooOld(StoreError):
    """A revision older than the retained history."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest})")
        self.requested = requested
        self.oldest = oldest


@dataclass(frozen=True, slots=True)
class Event:
    """One write, as kept in the history."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    gr: GR
    namespace: str
    name: str
    object: dict[str, Any]  # the new state; for DELETED the last state, with the deletion revision
    prev: dict[str, Any] | None
    time: float


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """What a watcher receives: ADDED, MODIFIED or DELETED and the object."""

    type: str
    object: dict[str, Any]
    rv: int


def _key(obj: dict[str, Any]) -> tuple[str, str]:
    meta = obj.get("metadata") or {}
    return (meta.get("namespace") or "", meta.get("name") or "")


def _set_rv(obj: dict[str, Any], rv: int) -> dict[str, Any]:
    obj.setdefault("metadata", {})["resourceVersion"] = str(rv)
    return obj


def _without_rv(obj: dict[str, Any]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    meta.pop("resourceVersion", None)
    return {**obj, "metadata": meta}


def sort_key(namespace: str, name: str) -> str:
    """etcd's key order (``/registry/<resource>/<namespace>/<name>``)."""
    return f"{namespace}/{name}" if namespace else name


class Watcher:
    """One watch: an unbounded queue of events, readable from threads or from asyncio."""

    def __init__(
        self, store: Store, gr: GR, namespace: str | None, predicate: Predicate | None
    ) -> None:
        self._store = store
        self.gr = gr
        self.namespace = namespace
        self.predicate = predicate
        self._items: deque[StoreEvent] = deque()
        self._cond = threading.Condition(threading.Lock())
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
        self._closed = False
        # The revision up to which every event has been queued (for bookmarks).
        self._synced_rv = 0

    # --- producer side (the store, under its lock) --------------------------------------------------

    def _offer(self, event: Event) -> None:
        converted = self._convert(event)
        if converted is not None:
            self._push(converted)
        self._synced_rv = event.rv

    def _convert(self, event: Event) -> StoreEvent | None:
        """The watch cache's rule: a change that makes an object (stop) match is ADDED (DELETED)."""
        if event.gr != self.gr:
            return None
        if self.namespace is not None and event.namespace != self.namespace:
            return None
        passes = self.predicate or (lambda obj: True)
        current = event.type != "DELETED" and passes(event.object)
        previous = event.prev is not None and passes(event.prev)
        if current and not previous:
            return StoreEvent("ADDED", event.object, event.rv)
        if current and previous:
            return StoreEvent("MODIFIED", event.object, event.rv)
        if previous and event.prev is not None:
            if event.type == "DELETED":
                return StoreEvent("DELETED", event.object, event.rv)
            last = _set_rv(copy.deepcopy(event.prev), event.rv)
            return StoreEvent("DELETED", last, event.rv)
        return None

    def _push(self, item: StoreEvent) -> None:
        with self._cond:
            if self._closed:
                return
            self._items.append(item)
            self._cond.notify_all()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)

    # --- consumer side ------------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def done(self) -> bool:
        """Stopped, and everything queued before has been read."""
        with self._cond:
            return self._closed and not self._items

    def pending(self) -> int:
        with self._cond:
            return len(self._items)

    def next(self, timeout: float | None = None) -> StoreEvent | None:
        """The next event, or None on timeout or once stopped."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._items:
                if self._closed:
                    return None
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return None
                self._cond.wait(remaining)
            return self._items.popleft()

    async def next_async(self, timeout: float | None = None) -> StoreEvent | None:
        """The next event, or None on timeout or once stopped, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._cond:
                if self._items:
                    return self._items.popleft()
                if self._closed:
                    return None
                future: asyncio.Future[None] = loop.create_future()
                self._waiters.append((loop, future))
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                self._forget(future)
                return None
            try:
                await asyncio.wait_for(future, remaining)
            except asyncio.TimeoutError:
                self._forget(future)
                return None
            finally:
                self._forget(future)

    def _forget(self, future: asyncio.Future[None]) -> None:
        with self._cond:
            self._waiters = [(lp, f) for lp, f in self._waiters if f is not future]

    def bookmark_rv(self) -> int | None:
        """A revision it is safe to bookmark at: every event up to it has been read."""
        with self._store._lock:
            with self._cond:
                if self._items:
                    return None
            return self._store.resource_version

    def stop(self) -> None:
        """End the watch: pending events can still be read, then next() returns None."""
        self._store._unregister(self)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(_wake, future)

    def __iter__(self) -> Iterator[StoreEvent]:
        while True:
            item = self.next()
            if item is None:
                return
            yield item


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Store:
    """Objects by (group, resource), one revision counter, an event history and the watchers."""

    def __init__(
        self,
        *,
        history: int | None = 1000,
        history_seconds: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.history_limit = history
        self.history_seconds = history_seconds
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._objects: dict[GR, dict[tuple[str, str], dict[str, Any]]] = {}
        self._history: deque[Event] = deque()
        self._watchers: set[Watcher] = set()
        self._rv = 0
        self._compacted = 0  # events with rv <= this are gone

    # --- revisions ----------------------------------------------------------------------------------

    @property
    def resource_version(self) -> int:
        """The revision of the last write."""
        return self._rv

    @property
    def compacted_rv(self) -> int:
        """The newest revision no longer in the history (watches from it or later can resume)."""
        return self._compacted

    def wait_for(self, rv: int, timeout: float) -> bool:
        """Block until the store has reached revision ``rv`` (False on timeout)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._rv < rv:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    async def wait_for_async(self, rv: int, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._rv < rv:
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(min(0.02, max(0.0, deadline - loop.time())))
        return True

    # --- reads --------------------------------------------------------------------------------------

    def get(self, gr: GR, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            obj = self._objects.get(gr, {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(
        self, gr: GR, namespace: str | None = None, *, at: int | None = None
    ) -> tuple[builtins.list[dict[str, Any]], int]:
        """The objects (in etcd key order) now, or at revision ``at``; and the revision read."""
        with self._lock:
            if at is None or at >= self._rv:
                objects = self._objects.get(gr, {})
                items = [
                    copy.deepcopy(obj)
                    for key, obj in objects.items()
                    if namespace is None or key[0] == namespace
                ]
                read_at = self._rv if at is None else at
            else:
                if at < self._compacted:
                    raise TooOld(at, self._compacted)
                snapshot = dict(self._objects.get(gr, {}))
                for event in reversed(self._history):
                    if event.rv <= at:
                        break
                    if event.gr != gr:
                        continue
                    key = (event.namespace, event.name)
                    if event.prev is None:
                        snapshot.pop(key, None)
                    else:
                        snapshot[key] = event.prev
                items = [
                    copy.deepcopy(obj)
                    for key, obj in snapshot.items()
                    if namespace is None or key[0] == namespace
                ]
                read_at = at
        items.sort(key=lambda o: sort_key(*_key(o)))
        return items, read_at

    def resources(self) -> builtins.list[GR]:
        with self._lock:
            return list(self._objects)

    def all_objects(self) -> builtins.list[tuple[GR, dict[str, Any]]]:
        """Every stored object (copies), for scans such as garbage collection."""
        with self._lock:
            return [
                (gr, copy.deepcopy(obj))
                for gr, objects in self._objects.items()
                for obj in objects.values()
            ]

    def history(self) -> builtins.list[Event]:
        with self._lock:
            return list(self._history)

    # --- writes -------------------------------------------------------------------------------------

    def create(self, gr: GR, obj: dict[str, Any]) -> dict[str, Any]:
        """Store a new object; it gets the next revision."""
        key = _key(obj)
        with self._lock:
            objects = self._objects.setdefault(gr, {})
            if key in objects:
                raise KeyExists(f"{gr} {key}")
            stored = _set_rv(copy.deepcopy(obj), self._rv + 1)
            objects[key] = stored
            self._record("ADDED", gr, key, stored, None)
            return copy.deepcopy(stored)

    def update(
        self,
        gr: GR,
        obj: dict[str, Any],
        *,
        expected_rv: str | None = None,
        expected_uid: str | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Replace an object (compare-and-swap on ``expected_rv``); returns it and whether it changed.

        An update that changes nothing but the resourceVersion is not written, like etcd3's store.
        """
        key = _key(obj)
        with self._lock:
            objects = self._objects.get(gr, {})
            current = objects.get(key)
            if current is None:
                raise KeyNotFound(f"{gr} {key}")
            self._check(current, expected_rv, expected_uid)
            if _without_rv(current) == _without_rv(obj):
                return copy.deepcopy(current), False
            stored = _set_rv(copy.deepcopy(obj), self._rv + 1)
            objects[key] = stored
            self._record("MODIFIED", gr, key, stored, current)
            return copy.deepcopy(stored), True

    def delete(
        self,
        gr: GR,
        namespace: str,
        name: str,
        *,
        expected_rv: str | None = None,
        expected_uid: str | None = None,
    ) -> dict[str, Any]:
        """Remove an object; returns its last state with the deletion's revision."""
        key = (namespace, name)
        with self._lock:
            objects = self._objects.get(gr, {})
            current = objects.get(key)
            if current is None:
                raise KeyNotFound(f"{gr} {key}")
            self._check(current, expected_rv, expected_uid)
            del objects[key]
            last = _set_rv(copy.deepcopy(current), self._rv + 1)
            self._record("DELETED", gr, key, last, current)
            return copy.deepcopy(last)

    def _check(
        self, current: dict[str, Any], expected_rv: str | None, expected_uid: str | None
    ) -> None:
        meta = current.get("metadata") or {}
        if expected_uid is not None and meta.get("uid") != expected_uid:
            raise VersionConflict("uid", expected_uid, str(meta.get("uid")))
        if expected_rv is not None and meta.get("resourceVersion") != expected_rv:
            raise VersionConflict("resourceVersion", expected_rv, str(meta.get("resourceVersion")))

    def _record(
        self,
        kind: str,
        gr: GR,
        key: tuple[str, str],
        obj: dict[str, Any],
        prev: dict[str, Any] | None,
    ) -> None:
        self._rv += 1
        event = Event(self._rv, kind, gr, key[0], key[1], obj, prev, self._clock())
        self._history.append(event)
        self._trim()
        for watcher in list(self._watchers):
            watcher._offer(event)
        self._changed.notify_all()

    def _trim(self) -> None:
        limit = self.history_limit
        while limit is not None and len(self._history) > limit:
            self._compacted = self._history.popleft().rv
        if self.history_seconds is not None:
            horizon = self._clock() - self.history_seconds
            while self._history and self._history[0].time < horizon:
                self._compacted = self._history.popleft().rv

    # --- watches ------------------------------------------------------------------------------------

    def watch(
        self,
        gr: GR,
        namespace: str | None = None,
        *,
        since: int | None = None,
        predicate: Predicate | None = None,
    ) -> Watcher:
        """Watch changes after revision ``since`` (default: from now on)."""
        watcher = Watcher(self, gr, namespace, predicate)
        with self._lock:
            self._trim()
            start = self._rv if since is None else since
            if start < self._compacted:
                raise TooOld(start, self._compacted)
            for event in self._history:
                if event.rv > start:
                    watcher._offer(event)
            watcher._synced_rv = self._rv
            self._watchers.add(watcher)
        return watcher

    def list_and_watch(
        self, gr: GR, namespace: str | None = None, *, predicate: Predicate | None = None
    ) -> tuple[builtins.list[dict[str, Any]], int, Watcher]:
        """The current objects, their revision, and a watch from exactly there: nothing written
        between the list and the watch can be missed."""
        with self._lock:
            items, rv = self.list(gr, namespace)
            return items, rv, self.watch(gr, namespace, since=rv, predicate=predicate)

    def _unregister(self, watcher: Watcher) -> None:
        with self._lock:
            self._watchers.discard(watcher)

    def watchers(self) -> builtins.list[Watcher]:
        with self._lock:
            return list(self._watchers)

    def stop_watchers(self) -> int:
        """End every watch (as a restarting server does); returns how many there were."""
        watchers = self.watchers()
        for watcher in watchers:
            watcher.stop()
        return len(watchers)

    # --- maintenance --------------------------------------------------------------------------------

    def compact(self, rv: int | None = None) -> int:
        """Drop the history up to ``rv`` (default: all of it); returns the compacted revision."""
        with self._lock:
            target = self._rv if rv is None else min(rv, self._rv)
            while self._history and self._history[0].rv <= target:
                self._history.popleft()
            self._compacted = max(self._compacted, target)
            return self._compacted

    def restart(self, *, reset_rv: int | None = None) -> None:
        """What a restarted apiserver looks like: no watches, no history; optionally new revisions.

        With ``reset_rv`` every object is renumbered from that revision, as with storage restored from
        a backup: clients holding newer revisions then see "too large resource version" errors.
        """
        self.stop_watchers()
        with self._lock:
            self._history.clear()
            if reset_rv is not None:
                rv = reset_rv
                for objects in self._objects.values():
                    for obj in sorted(objects.values(), key=lambda o: sort_key(*_key(o))):
                        rv += 1
                        _set_rv(obj, rv)
                self._rv = rv
            self._compacted = self._rv
