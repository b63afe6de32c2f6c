"""kgen.runtime._workqueue.queue: the core rules, then the threaded and asyncio shells."""

from __future__ import annotations

import asyncio
import itertools
import random
import threading
from collections.abc import Callable

import pytest

from kgen.runtime._workqueue.queue import AsyncWorkQueue, QueueCore, ShutDown, WorkQueue

WAIT = 10.0  # generous bound for waits on events; no test asserts on elapsed time


def run_thread(target: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    """Run ``target`` in a daemon thread; its result or exception lands in the returned list."""
    out: list[object] = []

    def wrapper() -> None:
        try:
            out.append(target())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out.append(exc)

    thread = threading.Thread(target=wrapper, daemon=True)
    thread.start()
    return thread, out


class Tracker:
    """Checks, across threads, that no key is held twice and every accepted add is handed out."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seq = itertools.count()
        self.in_flight: set[int] = set()
        self.shared: list[int] = []
        self.last_add: dict[int, int] = {}
        self.last_start: dict[int, int] = {}

    def add(self, add: Callable[[int], None], key: int) -> None:
        with self.lock:
            before = next(self.seq)
        try:
            add(key)
        except ShutDown:
            return  # refused, and said so: nothing is owed
        with self.lock:
            self.last_add[key] = max(self.last_add.get(key, -1), before)

    def start(self, key: int) -> None:
        with self.lock:
            if key in self.in_flight:
                self.shared.append(key)
            self.in_flight.add(key)
            self.last_start[key] = next(self.seq)

    def finish(self, key: int) -> None:
        with self.lock:
            self.in_flight.discard(key)

    def check(self) -> None:
        assert self.shared == [], "an item was handed to two workers at once"
        # Every accepted add was followed by a hand-out of that key: nothing was lost.
        assert all(self.last_start.get(key, -1) > at for key, at in self.last_add.items())


# --- core ---------------------------------------------------------------------------------------


def test_core_is_fifo() -> None:
    core: QueueCore[str] = QueueCore()
    for item in "abc":
        assert core.add(item) is True
    assert [core.get(), core.get(), core.get()] == ["a", "b", "c"]


def test_core_collapses_duplicates() -> None:
    core: QueueCore[str] = QueueCore()
    assert core.add("a") is True
    assert core.add("b") is True
    assert core.add("a") is False
    assert len(core) == 2
    assert [core.get(), core.get()] == ["a", "b"]
    with pytest.raises(IndexError):
        core.get()


def test_core_requeues_an_item_added_while_processing() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    assert core.get() == "a"
    assert core.add("a") is False  # not handed to a second worker while the first has it
    assert core.add("a") is False
    assert len(core) == 0
    assert core.done("a") is True
    assert len(core) == 1
    assert core.get() == "a"
    assert core.done("a") is False
    assert core.drained


def test_core_done_for_an_item_not_processing_raises() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    with pytest.raises(ValueError):
        core.done("a")
    core.get()
    core.done("a")
    with pytest.raises(ValueError):
        core.done("a")


def test_core_refuses_adds_after_shutdown_but_keeps_queued_items() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    core.add("b")
    core.get()
    core.add("b")
    core.shut_down()
    with pytest.raises(ShutDown):
        core.add("c")
    assert core.shutting_down and not core.draining
    assert core.get() == "b"
    assert core.done("a") is False
    assert core.processing == 1


def test_core_requeues_on_done_even_while_shutting_down() -> None:
    core: QueueCore[str] = QueueCore()
    core.add("a")
    core.get()
    core.add("a")
    core.shut_down(drain=True)
    assert core.draining
    assert core.done("a") is True
    assert not core.drained
    assert core.get() == "a"
    core.done("a")
    assert core.drained


def test_unhashable_items_are_rejected_without_changing_the_queue() -> None:
    core: QueueCore[object] = QueueCore()
    with pytest.raises(TypeError):
        core.add(["not", "hashable"])
    assert len(core) == 0


# --- threaded shell -----------------------------------------------------------------------------


def test_fifo_and_len() -> None:
    q: WorkQueue[str] = WorkQueue()
    for item in ["a", "b", "a", "c", "b"]:
        q.add(item)
    assert len(q) == 3
    assert [q.get(), q.get(), q.get()] == ["a", "b", "c"]
    assert len(q) == 0


def test_item_added_during_processing_is_requeued_on_done() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    assert q.get() == "a"
    q.add("a")
    assert len(q) == 0
    q.done("a")
    assert len(q) == 1
    assert q.get() == "a"


def test_get_waits_for_an_add_from_another_thread() -> None:
    q: WorkQueue[str] = WorkQueue()
    thread, out = run_thread(q.get)
    q.add("a")
    thread.join(WAIT)
    assert out == ["a"]


def test_shut_down_drains_then_raises() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.add("b")
    q.shut_down()
    assert q.shutting_down
    with pytest.raises(ShutDown):
        q.add("c")
    assert q.get() == "a"
    assert q.get() == "b"
    with pytest.raises(ShutDown):
        q.get()


def test_shut_down_wakes_every_waiting_getter() -> None:
    q: WorkQueue[str] = WorkQueue()
    runs = [run_thread(q.get) for _ in range(4)]
    q.shut_down()
    for thread, out in runs:
        thread.join(WAIT)
        assert len(out) == 1 and isinstance(out[0], ShutDown)


def test_shut_down_with_drain_waits_for_in_flight_work() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.add("b")
    assert q.get() == "a"
    drainer, drained = run_thread(q.shut_down_with_drain)
    while not q.shutting_down:
        pass
    # "a" is still processing and "b" still queued: draining cannot have finished.
    with pytest.raises(ShutDown):
        q.add("c")
    assert drained == []
    assert q.get() == "b"
    q.done("a")
    assert drained == []
    q.done("b")
    drainer.join(WAIT)
    assert drained == [True]


def test_shut_down_with_drain_waits_for_requeued_items() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    assert q.get() == "a"
    q.add("a")  # re-added while processing, before shutdown: must still be worked on
    drainer, drained = run_thread(q.shut_down_with_drain)
    while not q.shutting_down:
        pass
    q.done("a")
    assert drained == []
    assert q.get() == "a"
    q.done("a")
    drainer.join(WAIT)
    assert drained == [True]


def test_shut_down_with_drain_returns_at_once_when_idle() -> None:
    q: WorkQueue[str] = WorkQueue()
    assert q.shut_down_with_drain() is True


def test_shut_down_cancels_a_drain_wait() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.get()
    drainer, drained = run_thread(q.shut_down_with_drain)
    while not q.shutting_down:
        pass
    q.shut_down()
    drainer.join(WAIT)
    assert drained == [False]


def test_shut_down_with_drain_timeout_reports_not_drained() -> None:
    q: WorkQueue[str] = WorkQueue()
    q.add("a")
    q.get()
    assert q.shut_down_with_drain(timeout=0.01) is False
    q.done("a")
    assert q.shut_down_with_drain(timeout=WAIT) is True


def test_done_for_an_item_not_processing_raises() -> None:
    q: WorkQueue[str] = WorkQueue()
    with pytest.raises(ValueError):
        q.done("a")


def test_many_threads_never_process_one_item_concurrently_and_lose_nothing() -> None:
    q: WorkQueue[int] = WorkQueue()
    tracker = Tracker()

    def worker() -> None:
        rng = random.Random()
        while True:
            try:
                key = q.get()
            except ShutDown:
                return
            tracker.start(key)
            if rng.random() < 0.2:
                tracker.add(q.add, key)  # re-add while processing (refused once draining)
            tracker.finish(key)
            q.done(key)

    def producer() -> None:
        rng = random.Random()
        for _ in range(2000):
            tracker.add(q.add, rng.randrange(8))

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    producers = [threading.Thread(target=producer, daemon=True) for _ in range(4)]
    for thread in workers + producers:
        thread.start()
    for thread in producers:
        thread.join(WAIT * 3)
    assert q.shut_down_with_drain(timeout=WAIT * 3) is True
    for thread in workers:
        thread.join(WAIT)
    tracker.check()


# --- asyncio shell ------------------------------------------------------------------------------


async def test_async_fifo_len_and_duplicates() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    for item in ["a", "b", "a", "c"]:
        q.add(item)
    assert len(q) == 3
    assert [await q.get(), await q.get(), await q.get()] == ["a", "b", "c"]


async def test_async_requeue_on_done() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    q.add("a")
    assert await q.get() == "a"
    q.add("a")
    assert len(q) == 0
    q.done("a")
    assert await q.get() == "a"


async def test_async_get_waits_for_add() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    assert not getter.done()
    q.add("a")
    assert await asyncio.wait_for(getter, WAIT) == "a"


async def test_async_add_from_another_thread_wakes_the_getter() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    getters = [asyncio.create_task(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    threads = [threading.Thread(target=q.add, args=(item,)) for item in "abc"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    got = await asyncio.wait_for(asyncio.gather(*getters), WAIT)
    assert sorted(got) == ["a", "b", "c"]


async def test_async_cancelled_getter_passes_its_wake_up_on() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    first = asyncio.create_task(q.get())
    second = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.add("a")  # wakes ``first``...
    first.cancel()  # ...which is cancelled before it can take the item
    assert await asyncio.wait_for(second, WAIT) == "a"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_async_shut_down_drains_then_raises() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    waiting = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.add("a")
    assert await waiting == "a"
    q.add("b")
    q.shut_down()
    with pytest.raises(ShutDown):
        q.add("c")
    assert await q.get() == "b"
    with pytest.raises(ShutDown):
        await q.get()


async def test_async_shut_down_wakes_waiting_getters() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    getters = [asyncio.create_task(q.get()) for _ in range(3)]
    await asyncio.sleep(0)
    q.shut_down()
    results = await asyncio.wait_for(asyncio.gather(*getters, return_exceptions=True), WAIT)
    assert all(isinstance(result, ShutDown) for result in results)


async def test_async_shut_down_with_drain_waits_for_in_flight_work() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    q.add("a")
    q.add("b")
    assert await q.get() == "a"
    drainer = asyncio.create_task(q.shut_down_with_drain())
    await asyncio.sleep(0)
    assert q.shutting_down and not drainer.done()
    assert await q.get() == "b"
    q.done("b")
    await asyncio.sleep(0)
    assert not drainer.done()
    # done() from another thread must wake the drainer too.
    thread = threading.Thread(target=q.done, args=("a",))
    thread.start()
    thread.join(WAIT)
    assert await asyncio.wait_for(drainer, WAIT) is True


async def test_async_shut_down_cancels_a_drain_wait() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    q.add("a")
    await q.get()
    drainer = asyncio.create_task(q.shut_down_with_drain())
    await asyncio.sleep(0)
    q.shut_down()
    assert await asyncio.wait_for(drainer, WAIT) is False


async def test_async_shut_down_with_drain_when_idle() -> None:
    q: AsyncWorkQueue[str] = AsyncWorkQueue()
    assert await q.shut_down_with_drain() is True


async def test_async_many_tasks_and_threads_never_process_one_item_concurrently() -> None:
    q: AsyncWorkQueue[int] = AsyncWorkQueue()
    tracker = Tracker()

    async def worker() -> None:
        rng = random.Random()
        while True:
            try:
                key = await q.get()
            except ShutDown:
                return
            tracker.start(key)
            await asyncio.sleep(0)  # let other workers run while this one holds the key
            if rng.random() < 0.2:
                tracker.add(q.add, key)
            tracker.finish(key)
            q.done(key)

    def producer() -> None:  # from other threads, like an informer's handlers
        rng = random.Random()
        for _ in range(1000):
            tracker.add(q.add, rng.randrange(8))

    workers = [asyncio.create_task(worker()) for _ in range(8)]
    producers = [asyncio.to_thread(producer) for _ in range(3)]
    await asyncio.wait_for(asyncio.gather(*producers), WAIT * 3)
    assert await asyncio.wait_for(q.shut_down_with_drain(), WAIT * 3) is True
    await asyncio.wait_for(asyncio.gather(*workers), WAIT)
    tracker.check()
