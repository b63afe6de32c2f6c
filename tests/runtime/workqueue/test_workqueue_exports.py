"""kgen.runtime._workqueue: its public names reach users through kgen.runtime only, and the worker loop
its docstring shows."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import logging
import pkgutil
import types

import kgen.runtime
import kgen.runtime._workqueue as workqueue
from kgen.runtime import AsyncRateLimitingQueue, ItemExponentialFailureRateLimiter, ShutDown

MODULES = {
    info.name: importlib.import_module(f"kgen.runtime._workqueue.{info.name}")
    for info in pkgutil.iter_modules(workqueue.__path__)
}
PUBLIC = {
    name: module.removeprefix("_workqueue.")
    for name, module in kgen.runtime._EXPORTS.items()  # type: ignore[attr-defined]
    if module.startswith("_workqueue.")
}


def test_the_package_re_exports_nothing() -> None:
    names = {name for name in vars(workqueue) if not name.startswith("_")}
    leaked = {name for name in names if not isinstance(getattr(workqueue, name), types.ModuleType)}
    assert leaked == set()


def test_the_front_door_takes_each_name_from_the_module_that_defines_it() -> None:
    assert len(PUBLIC) > 10
    for name, module in PUBLIC.items():
        source = MODULES[module]
        assert name in source.__all__, f"{name} is not in _workqueue.{module}.__all__"
        value = getattr(source, name)
        assert getattr(kgen.runtime, name) is value
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__ == source.__name__, f"{name} is defined in {value.__module__}"


def test_every_module_and_public_class_is_documented() -> None:
    for module in [workqueue, *MODULES.values()]:
        assert module.__doc__ and module.__doc__.strip()
    for module in MODULES.values():
        for name in module.__all__:
            obj = getattr(module, name)
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
