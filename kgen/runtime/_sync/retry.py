# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Retrying a read-modify-write on 409 Conflict (client-go's ``retry.RetryOnConflict``).

    def bump() -> Widget:
        widget = widgets.get("w")
        widget.spec.replicas += 1
        return widgets.update(widget)   # 409 if someone wrote in between

    retry_on_conflict(bump)

The function must read the object again each time: retrying the same stale write would fail forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from kgen.runtime._sync.primitives import sleep
from kgen.runtime._backoff import DEFAULT_RETRY, Backoff
from kgen.runtime._errors import Conflict

__all__ = ["on_error", "retry_on_conflict"]

T = TypeVar("T")


def on_error(
    fn: Callable[[], T],
    retriable: Callable[[BaseException], bool],
    backoff: Backoff = DEFAULT_RETRY,
) -> T:
    """Call ``fn`` until it succeeds or an error is not ``retriable``, at most ``backoff.steps`` times
    (as client-go counts them), sleeping the backoff's delays in between; the last error is raised.
    """
    delays = list(backoff.delays())
    attempts = max(1, backoff.steps)
    for attempt in range(attempts):
        try:
            return fn()
        except Exception as exc:
            if not retriable(exc) or attempt == attempts - 1:
                raise
            sleep(delays[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def retry_on_conflict(fn: Callable[[], T], backoff: Backoff = DEFAULT_RETRY) -> T:
    """Call ``fn`` again (after ``backoff``) while it fails with :class:`~kgen.runtime._errors.Conflict`."""
    return on_error(fn, lambda exc: isinstance(exc, Conflict), backoff)
