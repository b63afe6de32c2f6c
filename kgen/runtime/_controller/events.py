"""An ``events.k8s.io/v1`` event recorder, as client-go's ``tools/events``: aggregation of repeated
events into series, rate limiting per object, and never blocking the caller.

    recorder = manager.event_recorder("widget-controller")
    recorder.event(widget, "Normal", "Configured", "Apply", "wrote widget-a-config")

``event`` only puts the event in a bounded buffer (thread-safe, any thread); a task of the manager's
event loop sends it. So a reconcile never waits for the API server, and a failing or slow server costs
dropped events (counted in ``dropped``, logged), never a stuck reconcile.

- **Series.** An event isomorphic to one sent in the last 6 minutes (same object, type, reason,
  action, note and reporting controller) is not sent again: it becomes a series (``series.count``,
  ``series.lastObservedTime``), written with a merge patch of the first event at most every
  ``series_interval`` seconds.
- **Rate limiting.** Per object, a token bucket of 25 events refilled by one every 5 minutes
  (client-go's spam filter); events over it are dropped.
- **Buffer.** At most ``buffer`` events wait to be sent (client-go's 1000); more are dropped.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._errors import KubernetesError, NotFound
from kgen.runtime._request import PatchType
from kgen.runtime._unstructured import Unstructured

__all__ = ["EventRecorder"]

logger = logging.getLogger("kgen.runtime.controller")

SERIES_WINDOW = 6 * 60.0  # client-go: isomorphic events within 6 minutes join a series
SPAM_BURST = 25
SPAM_REFILL = 300.0  # one token every 5 minutes


def _micro_time(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _reference(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Unstructured):
        fields = obj.metadata
        ref = {"apiVersion": obj.api_version, "kind": obj.kind}
        ref.update({k: fields.get(k) for k in ("name", "namespace", "uid", "resourceVersion")})
    else:
        gvk = getattr(type(obj), "GVK", None)
        meta = getattr(obj, "metadata", None)
        if gvk is None or meta is None:
            raise TypeError(f"events are about objects of the API, not a {type(obj).__name__}")
        ref = {
            "apiVersion": gvk.api_version,
            "kind": gvk.kind,
            "name": meta.name,
            "namespace": meta.namespace,
            "uid": meta.uid,
            "resourceVersion": meta.resource_version,
        }
    return {k: v for k, v in ref.items() if v}


@dataclass
class _Series:
    name: str
    namespace: str
    first: float
    last: float
    count: int = 1
    dirty: bool = False


@dataclass
class _Bucket:
    tokens: float
    at: float


class EventRecorder:
    """Records events about objects; see the module docstring. Made by a manager (or given a
    transport and started with ``_start()`` in a running event loop)."""

    def __init__(
        self,
        transport: AsyncTransport,
        controller: str,
        *,
        instance: str | None = None,
        buffer: int = 1000,
        series_interval: float = 30.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.controller = controller
        self.instance = instance or f"{controller}-{socket.gethostname()}"
        self.series_interval = series_interval
        self.dropped = 0
        self.sent = 0
        self._rest = AsyncRESTClient(transport, "events.k8s.io", "v1")
        self._clock = clock
        self._buffer: deque[tuple[dict[str, Any], str, float, datetime]] = deque()
        self._limit = buffer
        self._lock = threading.Lock()
        self._series: dict[tuple[Any, ...], _Series] = {}
        self._buckets: dict[str, _Bucket] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakeup: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # --- recording (any thread, never blocks) -------------------------------------------------------

    def event(
        self,
        regarding: Any,
        type: str,
        reason: str,
        action: str,
        note: str = "",
        *,
        related: Any = None,
    ) -> None:
        """Record an event about ``regarding`` (``type`` "Normal" or "Warning")."""
        if type not in ("Normal", "Warning"):
            raise ValueError(f'an event\'s type is "Normal" or "Warning", not {type!r}')
        ref = _reference(regarding)
        now, wall = self._clock(), datetime.now(timezone.utc)
        body: dict[str, Any] = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {
                "name": f"{ref.get('name', 'object')}.{uuid.uuid4().hex[:16]}",
                "namespace": ref.get("namespace") or "default",
            },
            "eventTime": _micro_time(wall),
            "reportingController": self.controller,
            "reportingInstance": self.instance,
            "action": action,
            "reason": reason,
            "regarding": ref,
            "note": note[:1024],
            "type": type,
        }
        if related is not None:
            body["related"] = _reference(related)
        key = (ref.get("uid"), ref.get("kind"), ref.get("name"), type, reason, action, note)
        with self._lock:
            series = self._series.get(key)
            if series is not None and now - series.last <= SERIES_WINDOW:
                series.count += 1
                series.last = now
                series.dirty = True
                self._wake()
                return
            if not self._allow(str(ref.get("uid") or ref.get("name")), now):
                self.dropped += 1
                logger.debug("event %s on %s dropped: rate limited", reason, ref.get("name"))
                return
            if len(self._buffer) >= self._limit:
                self.dropped += 1
                logger.warning(
                    "event %s on %s dropped: the buffer is full", reason, ref.get("name")
                )
                return
            self._series[key] = _Series(
                body["metadata"]["name"], body["metadata"]["namespace"], now, now
            )
            self._buffer.append((body, body["metadata"]["namespace"], now, wall))
            self._wake()

    def _allow(self, obj: str, now: float) -> bool:
        bucket = self._buckets.get(obj)
        if bucket is None:
            bucket = self._buckets[obj] = _Bucket(float(SPAM_BURST), now)
        bucket.tokens = min(SPAM_BURST, bucket.tokens + (now - bucket.at) / SPAM_REFILL)
        bucket.at = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _wake(self) -> None:
        loop, wakeup = self._loop, self._wakeup
        if loop is not None and wakeup is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(wakeup.set)
            except RuntimeError:  # the loop closed in between
                pass

    # --- sending (the event loop) -------------------------------------------------------------------

    def _start(self) -> None:
        """Start sending, in the running event loop."""
        if self._task is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._wakeup = asyncio.Event()
        self._task = self._loop.create_task(self._run(), name=f"kgen-events-{self.controller}")

    async def _stop(self, timeout: float = 5.0) -> None:
        """Send what is buffered (at most ``timeout`` seconds), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        try:
            await asyncio.wait_for(self._flush(final=True), timeout)
        except (asyncio.TimeoutError, KubernetesError):
            pass

    async def _run(self) -> None:
        assert self._wakeup is not None
        while True:
            # Flush first: events recorded before the start (no loop to wake yet) go out at once.
            self._wakeup.clear()
            await self._flush(final=False)
            try:
                await asyncio.wait_for(self._wakeup.wait(), self.series_interval)
            except asyncio.TimeoutError:
                pass

    async def _flush(self, *, final: bool) -> None:
        while True:
            with self._lock:
                if not self._buffer:
                    break
                body, namespace, _, _ = self._buffer.popleft()
            try:
                await self._rest.post().resource("events").namespace(namespace).body(body).do()
                self.sent += 1
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - events are best effort
                self.dropped += 1
                logger.warning("could not write event %s: %s", body["metadata"]["name"], exc)
        now = self._clock()
        with self._lock:
            due = [s for s in self._series.values() if s.dirty and (final or now - s.first >= 0)]
            for series in due:
                series.dirty = False
            # Series older than the window can never grow again.
            for key in [k for k, s in self._series.items() if now - s.last > SERIES_WINDOW]:
                del self._series[key]
        for series in due:
            patch = {
                "series": {
                    "count": series.count,
                    "lastObservedTime": _micro_time(datetime.now(timezone.utc)),
                }
            }
            try:
                request = self._rest.patch(PatchType.MERGE).resource("events")
                await request.namespace(series.namespace).name(series.name).body(patch).do()
            except asyncio.CancelledError:
                raise
            except NotFound:
                pass
            except Exception as exc:  # noqa: BLE001 - events are best effort
                logger.warning("could not update the series of event %s: %s", series.name, exc)
