"""Stopping asyncio tasks that may not want to stop.

A cancellation is a single ``CancelledError`` thrown into a task. Code under us can turn it into an
ordinary exception (anyio, under httpcore, does so when the cancel lands mid-write: the task then
sees a broken-connection error), and a retry loop that catches ``Exception`` then carries on as if
nothing was asked of it. So long-running loops check :func:`cancel_requested` after a failure, and
whoever stops tasks uses :func:`cancel_and_wait`, which repeats the request until every task is done.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

__all__ = ["cancel_and_wait", "cancel_requested"]


def cancel_requested() -> bool:
    """Whether the running task has a cancellation pending (Python 3.11+; False before that)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling is not None and cancelling())


async def cancel_and_wait(tasks: Iterable[asyncio.Future[Any]], interval: float = 0.5) -> None:
    """Cancel ``tasks`` and wait until all have finished, cancelling again every ``interval``
    seconds those that swallowed the request. Their results and exceptions are consumed."""
    tasks = list(tasks)
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=interval)
    for task in tasks:
        if not task.cancelled():
            task.exception()  # retrieved: a stopped task's failure is not "never retrieved"
