"""Waiting for an asynchronous outcome in tests: a deadline against hangs, not a timing assertion."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
    """Call ``check`` until it returns something truthy (which is returned) without raising; after
    ``timeout`` seconds fail with the last exception it raised, so that a test says why."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: BaseException | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - retried; the last one is reported
            last = exc
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met in {timeout}s: {last!r}")
