"""The storage engine: objects, one global resourceVersion, a bounded event history and watchers.

It plays etcd plus the apiserver's watch cache, and knows nothing of HTTP or REST rules, so the same
engine serves the HTTP API server and, in process, a fake clientset:

- every write gets the next revision of one global counter (``metadata.resourceVersion`` is its decimal
  string), like etcd's revision; a write that changes nothing is not a write (no new revision);
- the last ``history`` events (or those younger than ``history_seconds``) are kept, so watches resume
  from any revision inside that window and lists can be read at an older revision (paging over a
  consistent snapshot); older revisions raise :class:`TooOld`, which the API turns into 410 Gone;
- watchers queue events without blocking writers: a slow consumer costs memory, never a blocked
  write. A watch started with ``max_pending_bytes`` ends (its queue dropped, :attr:`Watcher.overflowed`
  set) once more than that is queued unread, as kube-apiserver ends the watches of clients that do
  not keep up; its client resumes from the last revision it read. Watchers are read synchronously
  (:meth:`Watcher.next`) or from asyncio (:meth:`Watcher.next_async`);
- what is stored is what kube-apiserver would store and serve (:func:`kgen.testing.jsonbody.canonical`:
  Go's numbers, no lone surrogates), and only that: a value that is not JSON raises
  :class:`Unservable` and an object larger than etcd's request limit :class:`TooLarge`, so one write can
  never make a resource unreadable.

Objects are plain JSON dicts. The store hands out deep copies, except where a reader asks for the
stored objects themselves (``list(..., shared=True)``, for serving): those, and the events given to
watchers, are shared and must be treated as read-only. A write stores a new object rather than change
one (a restart that renumbers changes only resourceVersions), so what is known of an object at its
write (:meth:`Store.plain`) stays true. All methods are thread-safe.

The store is one piece: objects, history and watchers share one lock and one revision counter, and
what a write records is what its watchers and later reads at its revision see.
"""

from __future__ import annotations

import builtins

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kgen.testing import jsonbody
from kgen.testing.limits import ETCD_MAX_REQUEST_BYTES, GRPC_MAX_SEND_BYTES, MAX_STORED_DEPTH

__all__ = [
    "Event",
    "KeyExists",
    "KeyNotFound",
    "Store",
    "StoreError",
    "StoreEvent",
    "TooLarge",
    "TooOld",
    "Unservable",
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


class TooLarge(StoreError):
    """A write larger than etcd accepts; ``message`` is what etcd (or the gRPC client) says."""

    def __init__(self, size: int, limit: int) -> None:
        if size > GRPC_MAX_SEND_BYTES:
            message = (
                "rpc error: code = ResourceExhausted desc = trying to send message larger than max "
                f"({size} vs. {GRPC_MAX_SEND_BYTES})"
            )
        else:
            message = "etcdserver: request is too large"
        super().__init__(message)
        self.message = message
        self.size = size
        self.limit = limit


class Unservable(StoreError):
    """A write of a value that is not JSON: stored, it would make every read of it fail."""


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
    size: int = 0  # the encoded size of ``object``


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """What a watcher receives: ADDED, MODIFIED or DELETED and the object."""

    type: str
    object: dict[str, Any]
    rv: int
    size: int = 0


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


def _size(obj: dict[str, Any]) -> int:
    return len(jsonbody.dumps(obj))


def _shared(obj: dict[str, Any]) -> dict[str, Any]:
    return obj


def sort_key(namespace: str, name: str) -> str:
    """etcd's key order (``/registry/<resource>/<namespace>/<name>``)."""
    return f"{namespace}/{name}" if namespace else name


class Watcher:
    """One watch: a queue of events, readable from threads or from asyncio; with
    ``max_pending_bytes``, it ends once more than that is queued unread (:attr:`overflowed`)."""

    def __init__(
        self,
        store: Store,
        gr: GR,
        namespace: str | None,
        predicate: Predicate | None,
        max_pending_bytes: int | None = None,
    ) -> None:
        self._store = store
        self.gr = gr
        self.namespace = namespace
        self.predicate = predicate
        self.max_pending_bytes = max_pending_bytes
        self.overflowed = False
        self._pending_bytes = 0
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
            return StoreEvent("ADDED", event.object, event.rv, event.size)
        if current and previous:
            return StoreEvent("MODIFIED", event.object, event.rv, event.size)
        if previous and event.prev is not None:
            if event.type == "DELETED":
                return StoreEvent("DELETED", event.object, event.rv, event.size)
            last = _set_rv(jsonbody.copy_json(event.prev), event.rv)
            return StoreEvent("DELETED", last, event.rv, event.size)
        return None

    def _push(self, item: StoreEvent) -> None:
        with self._cond:
            if self._closed:
                return
            limit = self.max_pending_bytes
            if limit is not None and self._items and self._pending_bytes + item.size > limit:
                # The client does not keep up: end the watch (it resumes from what it read).
                self.overflowed = True
                self._closed = True
                self._items.clear()
                self._pending_bytes = 0
            else:
                self._items.append(item)
                self._pending_bytes += item.size
            self._cond.notify_all()
            waiters, self._waiters = self._waiters, []
        if self.overflowed:
            self._store._unregister(self)
        _wake_all(waiters)

    def _pop(self) -> StoreEvent:
        item = self._items.popleft()
        self._pending_bytes -= item.size
        return item

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
            return self._pop()

    async def next_async(self, timeout: float | None = None) -> StoreEvent | None:
        """The next event, or None on timeout or once stopped, without blocking the event loop."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while True:
            with self._cond:
                if self._items:
                    return self._pop()
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
        _wake_all(waiters)

    def __iter__(self) -> Iterator[StoreEvent]:
        while True:
            item = self.next()
            if item is None:
                return
            yield item


def _wake_all(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
    """Resolve the futures of watchers waiting in their loops; from a loop's own thread (a write run
    on the server's loop) without the wake-up write a call from another thread needs."""
    running = asyncio._get_running_loop()
    for loop, future in waiters:
        if loop is running:
            loop.call_soon(_wake, future)
        else:
            loop.call_soon_threadsafe(_wake, future)


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
        max_object_bytes: int | None = ETCD_MAX_REQUEST_BYTES,
    ) -> None:
        self.history_limit = history
        self.history_seconds = history_seconds
        # etcd's --max-request-bytes (None: unlimited).
        self.max_object_bytes = max_object_bytes
        self._clock = clock
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._objects: dict[GR, dict[tuple[str, str], dict[str, Any]]] = {}
        # The keys whose stored object is not plain JSON (a float written in exponent notation).
        self._unplain: dict[GR, set[tuple[str, str]]] = {}
        # The JSON of stored objects, encoded at their first read and then served as it is (as the
        # apiserver's watch cache does): the stored object it is of, its JSON, and the JSON of it
        # as a typed list's item (without apiVersion and kind), each None until first asked for.
        self._json: dict[GR, dict[tuple[str, str], list[Any]]] = {}
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

    def get(
        self, gr: GR, namespace: str, name: str, *, shared: bool = False
    ) -> dict[str, Any] | None:
        """A copy of the object, or with ``shared=True`` the stored object itself (read-only)."""
        with self._lock:
            obj = self._objects.get(gr, {}).get((namespace, name))
            if obj is None or shared:
                return obj
            return jsonbody.copy_json(obj)

    def list(
        self,
        gr: GR,
        namespace: str | None = None,
        *,
        at: int | None = None,
        shared: bool = False,
    ) -> tuple[builtins.list[dict[str, Any]], int]:
        """The objects (in etcd key order) now, or at revision ``at``; and the revision read.

        ``shared=True`` returns the stored objects themselves, not copies (to serve them: read-only).
        """
        copy = _shared if shared else jsonbody.copy_json
        with self._lock:
            if at is None or at >= self._rv:
                objects = self._objects.get(gr, {})
                items = [
                    copy(obj)
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
                    copy(obj)
                    for key, obj in snapshot.items()
                    if namespace is None or key[0] == namespace
                ]
                read_at = at
        items.sort(key=lambda o: sort_key(*_key(o)))
        return items, read_at

    def plain(self, gr: GR, items: Iterable[dict[str, Any]]) -> bool:
        """Whether each of ``items`` is the stored object of its key (as ``list(..., shared=True)``
        and watch events hand them out) and plain JSON (``jsonbody.canonical_plain``): then
        ``jsonbody.dumps(..., plain=True)`` may write them."""
        objects = self._objects.get(gr, {})
        unplain = self._unplain.get(gr, ())
        for obj in items:
            key = _key(obj)
            if key in unplain or objects.get(key) is not obj:
                return False
        return True

    def encoded(self, gr: GR, obj: dict[str, Any], *, item: bool = False) -> bytes | None:
        """The JSON of ``obj`` if it is the stored object of its key and plain (:meth:`plain`), as
        ``jsonbody.dumps`` writes it (``item=True``: without apiVersion and kind, as a typed list's
        item), encoded once per stored object; else None."""
        encoded = self.encoded_items(gr, (obj,), item=item)
        return encoded[0] if encoded is not None else None

    def encoded_items(
        self, gr: GR, items: Iterable[dict[str, Any]], *, item: bool = True
    ) -> builtins.list[bytes] | None:
        """:meth:`encoded` of each of ``items`` (by default as list items), or None unless each is
        the stored object of its key and plain."""
        index = 2 if item else 1
        entries: builtins.list[builtins.list[Any]] = []
        with self._lock:
            objects = self._objects.get(gr, {})
            unplain = self._unplain.get(gr, ())
            cache = self._json.setdefault(gr, {})
            for obj in items:
                key = _key(obj)
                if key in unplain or objects.get(key) is not obj:
                    return None
                entry = cache.get(key)
                if entry is None or entry[0] is not obj:
                    entry = cache[key] = [obj, None, None]
                entries.append(entry)
        # Encoded outside the lock (a first read of many objects must not hold up writers): an
        # entry belongs to one stored object, which no write changes.
        out: builtins.list[bytes] = []
        for entry in entries:
            data = entry[index]
            if data is None:
                obj = entry[0]
                value = (
                    {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
                    if item
                    else obj
                )
                data = entry[index] = jsonbody.dumps(value, plain=True)
            out.append(data)
        return out

    def resources(self) -> builtins.list[GR]:
        with self._lock:
            return list(self._objects)

    def all_objects(self) -> builtins.list[tuple[GR, dict[str, Any]]]:
        """Every stored object (copies), for scans such as garbage collection."""
        with self._lock:
            return [
                (gr, jsonbody.copy_json(obj))
                for gr, objects in self._objects.items()
                for obj in objects.values()
            ]

    def history(self) -> builtins.list[Event]:
        with self._lock:
            return list(self._history)

    # --- writes -------------------------------------------------------------------------------------

    def _encode(
        self, gr: GR, key: tuple[str, str], obj: dict[str, Any]
    ) -> tuple[dict[str, Any], int]:
        """The object as it is stored (a canonical copy) and its size; refused if etcd would refuse
        it or if it could not be served. Notes whether the copy is plain JSON (:meth:`plain`)."""
        try:
            stored, plain = jsonbody.canonical_plain(obj, max_depth=MAX_STORED_DEPTH)
            size = len(jsonbody.dumps(stored, plain=plain and type(stored) is dict))
        except (jsonbody.Unservable, ValueError, RecursionError) as exc:
            raise Unservable(str(exc)) from None
        if not isinstance(stored, dict):
            raise Unservable("an object must be a JSON object")
        # etcd's request: the key (/registry/<resource>/<namespace>/<name>) and the value.
        request = size + len("/registry/") + len("/".join(p for p in (gr[1], *key) if p)) + 1
        if self.max_object_bytes is not None and request > self.max_object_bytes:
            raise TooLarge(request, self.max_object_bytes)
        # Written before the caller stores it: a value equal to the stored one (an update that is
        # no write) is as plain as it.
        unplain = self._unplain.setdefault(gr, set())
        if plain:
            unplain.discard(key)
        else:
            unplain.add(key)
        return stored, size

    def create(self, gr: GR, obj: dict[str, Any], *, shared: bool = False) -> dict[str, Any]:
        """Store a new object; it gets the next revision. Returns a copy of it, or with
        ``shared=True`` the stored object itself (read-only, as for :meth:`list`)."""
        key = _key(obj)
        with self._lock:
            objects = self._objects.setdefault(gr, {})
            if key in objects:
                raise KeyExists(f"{gr} {key}")
            stored, size = self._encode(gr, key, obj)
            _set_rv(stored, self._rv + 1)
            objects[key] = stored
            self._json.get(gr, {}).pop(key, None)
            self._record("ADDED", gr, key, stored, None, size)
            return stored if shared else jsonbody.copy_json(stored)

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
            stored, size = self._encode(gr, key, obj)
            if _without_rv(current) == _without_rv(stored):
                return jsonbody.copy_json(current), False
            _set_rv(stored, self._rv + 1)
            objects[key] = stored
            self._json.get(gr, {}).pop(key, None)
            self._record("MODIFIED", gr, key, stored, current, size)
            return jsonbody.copy_json(stored), True

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
            self._unplain.get(gr, set()).discard(key)
            self._json.get(gr, {}).pop(key, None)
            last = _set_rv(jsonbody.copy_json(current), self._rv + 1)
            self._record("DELETED", gr, key, last, current, _size(last))
            return jsonbody.copy_json(last)

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
        size: int = 0,
    ) -> None:
        self._rv += 1
        event = Event(self._rv, kind, gr, key[0], key[1], obj, prev, self._clock(), size)
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
        max_pending_bytes: int | None = None,
    ) -> Watcher:
        """Watch changes after revision ``since`` (default: from now on); ``max_pending_bytes``
        bounds what it may queue unread (see :class:`Watcher`)."""
        watcher = Watcher(self, gr, namespace, predicate, max_pending_bytes)
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
        self,
        gr: GR,
        namespace: str | None = None,
        *,
        predicate: Predicate | None = None,
        max_pending_bytes: int | None = None,
        shared: bool = False,
    ) -> tuple[builtins.list[dict[str, Any]], int, Watcher]:
        """The current objects, their revision, and a watch from exactly there: nothing written
        between the list and the watch can be missed. ``shared`` as for :meth:`list`."""
        with self._lock:
            items, rv = self.list(gr, namespace, shared=shared)
            watcher = self.watch(
                gr, namespace, since=rv, predicate=predicate, max_pending_bytes=max_pending_bytes
            )
            return items, rv, watcher

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
                self._json.clear()  # the objects change in place
                rv = reset_rv
                for objects in self._objects.values():
                    for obj in sorted(objects.values(), key=lambda o: sort_key(*_key(o))):
                        rv += 1
                        _set_rv(obj, rv)
                self._rv = rv
            self._compacted = self._rv
