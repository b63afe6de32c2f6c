"""kgen.runtime._workqueue: the flat re-export, and the worker loop its docstring shows."""

from __future__ import annotations

import asyncio
import logging

import kgen.runtime._workqueue as workqueue
from kgen.runtime._workqueue import (
    AsyncRateLimitingQueue,
    ItemExponentialFailureRateLimiter,
    ShutDown,
    delaying,
    metrics,
    queue,
    rate_limiters,
    rate_limiting,
)

MODULES = [queue, delaying, rate_limiting, rate_limiters, metrics]


def test_all_is_sorted_and_complete() -> None:
    assert workqueue.__all__ == sorted(workqueue.__all__)
    exported = {name for module in MODULES for name in module.__all__}
    assert set(workqueue.__all__) == exported


def test_every_export_is_the_module_object() -> None:
    for module in MODULES:
        for name in module.__all__:
            assert getattr(workqueue, name) is getattr(module, name), name


def test_every_module_and_public_class_is_documented() -> None:
    for module in [workqueue, *MODULES]:
        assert module.__doc__ and module.__doc__.strip()
    for name in workqueue.__all__:
        obj = getattr(workqueue, name)
        if isinstance(obj, type):
            assert obj.__doc__, name


def test_the_docstring_points_at_the_rate_limited_queue() -> None:
    assert workqueue.__doc__ is not None
    assert "AsyncRateLimitingQueue" in workqueue.__doc__.split("\n\n")[1]


async def test_the_documented_worker_loop() -> None:
    log = logging.getLogger("test")
    queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(
        ItemExponentialFailureRateLimiter(base_delay=0.001, max_delay=0.01), name="pods"
    )
    failures_left = {"ns/a": 3, "ns/b": 0}
    reconciled: list[str] = []

    async def reconcile(key: str) -> None:
        if failures_left[key] > 0:
            failures_left[key] -= 1
            raise RuntimeError("transient")
        reconciled.append(key)

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return  # shut down and drained
            try:
                await reconcile(key)
            except Exception:
                try:
                    queue.add_rate_limited(key)  # retry later, backing off
                except ShutDown:
                    log.warning("shutting down: %s will not be retried", key)
            else:
                queue.forget(key)  # success: reset its backoff
            finally:
                queue.done(key)

    workers = [asyncio.create_task(worker()) for _ in range(2)]
    queue.add("ns/a")
    queue.add("ns/b")

    async def both_reconciled() -> None:
        while sorted(reconciled) != ["ns/a", "ns/b"]:
            await asyncio.sleep(0.001)

    await asyncio.wait_for(both_reconciled(), 10.0)
    assert queue.num_requeues("ns/a") == 0
    assert await asyncio.wait_for(queue.shut_down_with_drain(), 10.0) is True
    await asyncio.wait_for(asyncio.gather(*workers), 10.0)
