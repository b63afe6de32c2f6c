"""Fault injection: make the test API server misbehave on purpose, deterministically.

Every rule counts: "the next 3 list requests on pods get 429", "watch streams close after 5 events".
Nothing is random. Rules match a verb (``get``, ``list``, ``watch``, ``create``, ``update``, ``patch``,
``delete``, ``deletecollection``, or an HTTP method) and a substring or regular expression of the path::

    server.faults.throttle(2, verb="list", path="/pods")      # 429 + Retry-After, twice
    server.faults.fail(1, code=500, retry_after=1)            # one 500 with Retry-After
    server.faults.delay(0.5, count=1, verb="get")             # answer late
    server.faults.close_watches_after(3)                      # every watch ends after 3 events
    server.faults.compact()                                   # drop the history: old RVs give 410
    server.faults.restart()                                   # drop every watch and the history
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from kgen.testing import errors
from kgen.testing.errors import StatusError
from kgen.testing.store import Store

__all__ = ["FaultInjector", "RecordedRequest"]


@dataclass(slots=True)
class _Rule:
    kind: str  # "status", "delay"
    remaining: int | None  # None: forever
    verb: str | None
    path: re.Pattern[str] | None
    make_error: Callable[[], StatusError] | None = None
    seconds: float = 0.0

    def matches(self, verb: str, method: str, path: str) -> bool:
        if self.verb is not None and self.verb not in (verb, method.upper(), method.lower()):
            return False
        if self.path is not None and not self.path.search(path):
            return False
        return self.remaining is None or self.remaining > 0

    def use(self) -> None:
        if self.remaining is not None:
            self.remaining -= 1


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server answered (kept while ``record`` is on)."""

    method: str
    path: str
    query: str
    verb: str
    code: int


@dataclass(slots=True)
class _WatchLimit:
    events: int
    remaining: int | None
    abrupt: bool


_REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
}


@dataclass
class FaultInjector:
    """The faults of one server; all methods are thread-safe and return ``self`` for chaining."""

    store: Store
    restart_hook: Callable[[], None] = lambda: None
    _rules: list[_Rule] = field(default_factory=list)
    _watch_limits: list[_WatchLimit] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    requests: list[RecordedRequest] = field(default_factory=list)
    record: bool = True

    @staticmethod
    def _pattern(path: str | re.Pattern[str] | None) -> re.Pattern[str] | None:
        if path is None or isinstance(path, re.Pattern):
            return path
        return re.compile(re.escape(path))

    def _add(self, rule: _Rule) -> FaultInjector:
        with self._lock:
            self._rules.append(rule)
        return self

    def throttle(
        self,
        count: int = 1,
        *,
        retry_after: int = 1,
        verb: str | None = None,
        path: str | re.Pattern[str] | None = None,
    ) -> FaultInjector:
        """Answer the next ``count`` matching requests with 429 TooManyRequests and Retry-After."""
        return self._add(
            _Rule(
                "status",
                count,
                verb,
                self._pattern(path),
                make_error=lambda: errors.too_many_requests(retry_after),
            )
        )

    def fail(
        self,
        count: int = 1,
        *,
        code: int = 500,
        retry_after: int | None = None,
        message: str = "injected fault",
        verb: str | None = None,
        path: str | re.Pattern[str] | None = None,
    ) -> FaultInjector:
        """Answer the next ``count`` matching requests with an error Status: 500 by default, 503/504, or a
        client error (403, 404, 410...) with the reason the API server gives it."""

        def make() -> StatusError:
            if code == 503:
                error = errors.service_unavailable(message)
                if retry_after is not None:
                    error.headers.append(("Retry-After", str(retry_after)))
                    error.status["details"] = {"retryAfterSeconds": retry_after}
                return error
            if code == 504:
                return StatusError(errors.status_object(504, "Timeout", message))
            if code < 500:
                # A client error with the reason the API server gives that code (403 Forbidden, 404
                # NotFound, 410 Expired...), so clients see the typed error they would see for real.
                reason = _REASONS.get(code, "BadRequest")
                headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
                return StatusError(errors.status_object(code, reason, message), headers=headers)
            error = errors.internal(message, retry_after)
            error.status["code"] = code
            return error

        return self._add(_Rule("status", count, verb, self._pattern(path), make_error=make))

    def delay(
        self,
        seconds: float,
        *,
        count: int | None = 1,
        verb: str | None = None,
        path: str | re.Pattern[str] | None = None,
    ) -> FaultInjector:
        """Hold matching requests for ``seconds`` before answering them."""
        return self._add(_Rule("delay", count, verb, self._pattern(path), seconds=seconds))

    def close_watches_after(
        self, events: int, *, count: int | None = None, abrupt: bool = False
    ) -> FaultInjector:
        """End watch streams after ``events`` events (the next ``count`` watches, or all).

        ``abrupt`` drops the connection without ending the chunked body, as a dying server would.
        """
        with self._lock:
            self._watch_limits.append(_WatchLimit(events, count, abrupt))
        return self

    def compact(self, rv: int | None = None) -> int:
        """Drop the event history now (up to ``rv``): watches and lists from older RVs get 410."""
        return self.store.compact(rv)

    def restart(self, *, reset_rv: int | None = None) -> None:
        """Act as a restarted server: end every watch and forget the history (see Store.restart)."""
        self.restart_hook()
        self.store.restart(reset_rv=reset_rv)

    def clear(self) -> None:
        """Remove every rule (recorded requests are kept)."""
        with self._lock:
            self._rules.clear()
            self._watch_limits.clear()

    # --- used by the server -------------------------------------------------------------------------

    def before(self, verb: str, method: str, path: str) -> tuple[float, StatusError | None]:
        """(delay, error) for a request about to be handled; counts the rules it consumes."""
        delay = 0.0
        error = None
        with self._lock:
            for rule in self._rules:
                if not rule.matches(verb, method, path):
                    continue
                if rule.kind == "delay":
                    delay += rule.seconds
                    rule.use()
                elif error is None and rule.make_error is not None:
                    error = rule.make_error()
                    rule.use()
            self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        return delay, error

    def watch_limit(self) -> tuple[int, bool] | None:
        """(events, abrupt) for a watch starting now, if a rule limits it."""
        with self._lock:
            for limit in self._watch_limits:
                if limit.remaining is None or limit.remaining > 0:
                    if limit.remaining is not None:
                        limit.remaining -= 1
                    return limit.events, limit.abrupt
        return None

    def note(self, method: str, path: str, query: str, verb: str, code: int) -> None:
        if self.record:
            with self._lock:
                self.requests.append(RecordedRequest(method, path, query, verb, code))
