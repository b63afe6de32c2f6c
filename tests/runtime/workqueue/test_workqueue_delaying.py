"""kgen.runtime._workqueue.delaying: delay bookkeeping on a fake clock, then both shells."""

from __future__ import annotations

import asyncio
import threading

import pytest

from kgen.runtime._workqueue.delaying import (
    MAX_WAIT,
    AsyncDelayingQueue,
    DelayCore,
    DelayingQueue,
)
from kgen.runtime._workqueue.queue import ShutDown

WAIT = 10.0


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- core ---------------------------------------------------------------------------------------


def test_core_pops_in_ready_time_order_then_arrival_order() -> None:
    core: DelayCore[str] = DelayCore()
    core.add("late", 3.0)
    core.add("first", 1.0)
    core.add("tie-1", 2.0)
    core.add("tie-2", 2.0)
    assert core.pop_ready(0.5) == []
    assert core.pop_ready(2.0) == ["first", "tie-1", "tie-2"]
    assert core.pop_ready(10.0) == ["late"]
    assert len(core) == 0 and core.next_ready() is None


def test_core_keeps_the_earlier_ready_time() -> None:
    core: DelayCore[str] = DelayCore()
    assert core.add("a", 10.0) is True
    assert core.add("a", 20.0) is False  # later: ignored
    assert core.ready_at("a") == 10.0
    assert core.add("b", 5.0) is True  # earliest moved earlier
    assert core.add("a", 2.0) is True
    assert core.ready_at("a") == 2.0
    assert core.items() == ["a", "b"]
    assert core.pop_ready(2.0) == ["a"]
    # The superseded entry for "a" at 10.0 is skipped, not handed out a second time.
    assert core.pop_ready(100.0) == ["b"]


def test_core_item_can_wait_again_after_it_was_ready() -> None:
    core: DelayCore[str] = DelayCore()
    core.add("a", 5.0)
    core.add("a", 1.0)
    assert core.pop_ready(1.0) == ["a"]
    core.add("a", 5.0)  # same time as the superseded entry: must come out exactly once
    assert core.pop_ready(5.0) == ["a"]
    assert core.pop_ready(50.0) == []


def test_core_stays_correct_when_many_entries_are_superseded() -> None:
    core: DelayCore[int] = DelayCore()
    for item in range(10):
        for step in range(100):
            core.add(item, 1000.0 - step - item / 100)
    assert len(core) == 10
    assert core.pop_ready(1000.0) == list(reversed(range(10)))
    assert core.next_ready() is None


def test_core_wait_timeout_is_bounded_by_the_heartbeat() -> None:
    core: DelayCore[str] = DelayCore()
    assert core.wait_timeout(0.0) is None
    core.add("a", 100.0)
    assert core.wait_timeout(0.0) == MAX_WAIT == 10.0
    assert core.wait_timeout(97.0) == 3.0
    assert core.wait_timeout(200.0) == 0.0


# --- threaded shell -----------------------------------------------------------------------------


def test_delay_zero_or_negative_adds_immediately() -> None:
    q: DelayingQueue[str] = DelayingQueue(clock=FakeClock())
    q.add_after("a", 0)
    q.add_after("b", -5)
    assert len(q) == 2
    assert q.waiting() == []
    assert [q.get(), q.get()] == ["a", "b"]


def test_item_is_ready_only_after_its_delay() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 5.0)
    assert len(q) == 0
    assert q.waiting() == ["a"]
    clock.advance(4.0)
    assert len(q) == 0
    clock.advance(1.0)
    assert len(q) == 1
    assert q.waiting() == []
    assert q.get() == "a"


def test_the_earlier_ready_time_wins() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 10.0)
    q.add_after("a", 2.0)
    q.add_after("a", 20.0)
    assert q.waiting() == ["a"]
    clock.advance(2.0)
    assert len(q) == 1
    assert q.get() == "a"
    q.done("a")
    clock.advance(100.0)
    assert len(q) == 0  # the superseded times do not add it again


def test_items_become_ready_in_ready_time_order() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("c", 3.0)
    q.add_after("a", 1.0)
    q.add_after("b", 2.0)
    q.add("now")
    assert q.waiting() == ["a", "b", "c"]
    clock.advance(2.5)
    assert [q.get(), q.get(), q.get()] == ["now", "a", "b"]
    clock.advance(1.0)
    assert q.get() == "c"


def test_a_waiting_item_that_is_also_queued_is_added_again_when_ready() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("a", 1.0)
    q.add("a")
    assert q.get() == "a"
    q.done("a")
    clock.advance(1.0)
    assert q.get() == "a"


def test_ready_items_collapse_with_queued_duplicates() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add("a")
    q.add_after("a", 1.0)
    clock.advance(1.0)
    assert len(q) == 1


def test_shut_down_keeps_waiting_items_observable() -> None:
    clock = FakeClock()
    q: DelayingQueue[str] = DelayingQueue(clock=clock)
    q.add_after("later", 5.0)
    q.add_after("sooner", 1.0)
    q.add("now")
    q.shut_down()
    with pytest.raises(ShutDown):
        q.add_after("x", 1.0)
    with pytest.raises(ShutDown):
        q.add_after("x", 0)
    clock.advance(10.0)
    assert q.get() == "now"
    with pytest.raises(ShutDown):
        q.get()
    assert q.waiting() == ["sooner", "later"]


def test_nan_delay_is_refused() -> None:
    q: DelayingQueue[str] = DelayingQueue(clock=FakeClock())
    with pytest.raises(ValueError):
        q.add_after("a", float("nan"))
    assert q.waiting() == [] and len(q) == 0


def test_waiting_getter_is_woken_when_a_delay_passes() -> None:
    # Real clock: a short delay, waited for with a generous bound, never timed.
    q: DelayingQueue[str] = DelayingQueue()
    out: list[str] = []
    getter = threading.Thread(target=lambda: out.append(q.get()), daemon=True)
    getter.start()
    q.add_after("a", 0.01)
    getter.join(WAIT)
    assert out == ["a"]


def test_waiting_getter_sees_an_earlier_delay_added_later() -> None:
    q: DelayingQueue[str] = DelayingQueue()
    q.add_after("slow", 3600.0)
    out: list[str] = []
    getter = threading.Thread(target=lambda: out.append(q.get()), daemon=True)
    getter.start()
    q.add_after("fast", 0.01)
    getter.join(WAIT)
    assert out == ["fast"]
    assert q.waiting() == ["slow"]


# --- asyncio shell ------------------------------------------------------------------------------


async def test_async_delays_on_a_fake_clock() -> None:
    clock = FakeClock()
    q: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock)
    q.add_after("b", 2.0)
    q.add_after("a", 1.0)
    q.add_after("b", 1.5)
    q.add_after("now", 0)
    assert await q.get() == "now"
    assert len(q) == 0
    clock.advance(2.0)
    assert [await q.get(), await q.get()] == ["a", "b"]


async def test_async_waiting_getter_is_woken_when_a_delay_passes() -> None:
    q: AsyncDelayingQueue[str] = AsyncDelayingQueue()
    q.add_after("slow", 3600.0)
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    q.add_after("fast", 0.01)
    assert await asyncio.wait_for(getter, WAIT) == "fast"


async def test_async_add_after_from_another_thread() -> None:
    q: AsyncDelayingQueue[str] = AsyncDelayingQueue()
    getter = asyncio.create_task(q.get())
    await asyncio.sleep(0)
    thread = threading.Thread(target=q.add_after, args=("a", 0.01))
    thread.start()
    thread.join(WAIT)
    assert await asyncio.wait_for(getter, WAIT) == "a"


async def test_async_shut_down_keeps_waiting_items_observable() -> None:
    clock = FakeClock()
    q: AsyncDelayingQueue[str] = AsyncDelayingQueue(clock=clock)
    q.add_after("a", 1.0)
    q.shut_down()
    clock.advance(5.0)
    with pytest.raises(ShutDown):
        await q.get()
    assert q.waiting() == ["a"]
