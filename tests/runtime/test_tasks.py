"""cancel_and_wait stops tasks that swallow a cancellation, and consumes what they raised."""

from __future__ import annotations

import asyncio

from kgen.runtime._tasks import cancel_and_wait


async def test_a_task_that_swallows_cancellations_is_cancelled_again() -> None:
    swallowed = 0

    async def stubborn() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                swallowed += 1
                if swallowed == 3:
                    raise

    task = asyncio.ensure_future(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task], interval=0.01), timeout=5)
    assert task.cancelled() and swallowed == 3


async def test_failures_and_finished_tasks_are_consumed() -> None:
    async def fails() -> None:
        raise ValueError("boom")

    failed = asyncio.ensure_future(fails())
    finished = asyncio.ensure_future(asyncio.sleep(0))
    await asyncio.sleep(0.01)
    await cancel_and_wait([failed, finished])
    assert failed.done() and isinstance(failed.exception(), ValueError) and finished.done()
