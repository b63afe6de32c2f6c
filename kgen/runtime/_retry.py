"""Retrying a read-modify-write on 409 Conflict, sync and async (client-go's ``util/retry``).

    from kgen.runtime import retry_on_conflict          # or async_retry_on_conflict

    def bump() -> Widget:
        widget = widgets.get("w")
        widget.spec.replicas += 1
        return widgets.update(widget)   # 409 if someone wrote in between

    retry_on_conflict(bump)

The implementations live in ``kgen.runtime._sync.retry`` and ``kgen.runtime._async.retry`` (one source,
see scripts/unasync.py); this module names them as the front door does (``async_`` for the coroutine
functions). The delays between attempts are a :class:`~kgen.runtime._backoff.Backoff`'s.
"""

from __future__ import annotations

from kgen.runtime._async.retry import on_error as async_on_error
from kgen.runtime._async.retry import retry_on_conflict as async_retry_on_conflict
from kgen.runtime._sync.retry import on_error, retry_on_conflict

__all__ = [
    "async_on_error",
    "async_retry_on_conflict",
    "on_error",
    "retry_on_conflict",
]
