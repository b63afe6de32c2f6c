"""Property tests for the work queues: hypothesis drives operation sequences against a model.

* A state machine runs add / add_after / add_rate_limited / get / done / forget / shut_down and
  clock moves against both shells on a fake clock, checking after every step that the queue holds
  exactly what a simple model says (so nothing is lost, duplicated, or handed out early), that no
  item is handed out while being processed, and at the end that everything drains.
* Real threads and tasks hammer the queues with generated workloads: never two workers on one
  item, and every add is followed by a hand-out.
* The limiters' delays obey their formulas and the token bucket's rate, by computation.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable, Hashable

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from kgen.runtime._workqueue.queue import AsyncWorkQueue, ShutDown, WorkQueue
from kgen.runtime._workqueue.rate_limiters import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
)
from kgen.runtime._workqueue.rate_limiting import AsyncRateLimitingQueue, RateLimitingQueue

WAIT = 30.0
BASE, CAP = 0.5, 8.0  # exponential backoff of the machine's limiter
QPS, BURST = 2.0, 3  # token bucket of the machine's limiter


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Recording:
    """Wraps a limiter and keeps every delay it returned."""

    def __init__(self, inner: RateLimiter[Hashable]) -> None:
        self.inner = inner
        self.delays: list[float] = []

    def when(self, item: Hashable) -> float:
        delay = self.inner.when(item)
        self.delays.append(delay)
        return delay

    def forget(self, item: Hashable) -> None:
        self.inner.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return self.inner.num_requeues(item)


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


def assert_bucket_conforms(ready_times: list[float], qps: float, burst: int) -> None:
    """No window of ready times holds more tokens than the burst plus what the rate refills."""
    times = sorted(ready_times)
    for i, j in itertools.combinations_with_replacement(range(len(times)), 2):
        assert j - i + 1 <= burst + (times[j] - times[i]) * qps + 1e-6, (i, j, times)


ITEMS = st.sampled_from("abcde")
DELAYS = st.sampled_from([-1.0, 0.0, 0.25, 0.5, 1.0, 3.0])
STEPS = st.sampled_from([0.1, 0.25, 0.5, 1.0, 5.0])


class QueueMachine(RuleBasedStateMachine):
    """The threaded shell against a model; the subclass below runs the asyncio shell."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        self.exp = Recording(ItemExponentialFailureRateLimiter(base_delay=BASE, max_delay=CAP))
        self.bucket = Recording(BucketRateLimiter(qps=QPS, burst=BURST, clock=self.clock))
        self.queue = self.make_queue(MaxOfRateLimiter(self.exp, self.bucket))
        # The model: client-go's rules, written as plainly as possible.
        self.fifo: list[str] = []
        self.dirty: set[str] = set()
        self.processing: set[str] = set()
        self.waiting: dict[str, tuple[float, int]] = {}
        self.arrivals = itertools.count()
        self.failures: dict[str, int] = {}
        self.reservations: list[float] = []
        self.shut = False

    def make_queue(
        self, limiter: RateLimiter[Hashable]
    ) -> RateLimitingQueue[str] | AsyncRateLimitingQueue[str]:
        self.sync_queue: RateLimitingQueue[str] = RateLimitingQueue(limiter, clock=self.clock)
        return self.sync_queue

    def queue_get(self) -> str:
        return self.sync_queue.get()

    def close(self) -> None:
        pass

    # -- model -----------------------------------------------------------------------------------

    def model_add(self, item: str) -> None:
        if item in self.dirty:
            return
        self.dirty.add(item)
        if item not in self.processing:
            self.fifo.append(item)

    def model_add_after(self, item: str, delay: float) -> None:
        if delay <= 0:
            self.model_add(item)
            return
        ready_at = self.clock() + delay
        current = self.waiting.get(item)
        if current is None or ready_at < current[0]:
            self.waiting[item] = (ready_at, next(self.arrivals))

    def model_tick(self) -> None:
        """What every queue operation does first: queue the items whose time has come."""
        if self.shut:
            return
        now = self.clock()
        ready = sorted((entry, item) for item, entry in self.waiting.items() if entry[0] <= now)
        for _, item in ready:
            del self.waiting[item]
            self.model_add(item)

    def model_waiting(self) -> list[str]:
        return [item for item, _ in sorted(self.waiting.items(), key=lambda kv: kv[1])]

    # -- rules -----------------------------------------------------------------------------------

    @rule(item=ITEMS)
    def add(self, item: str) -> None:
        self.model_tick()
        if self.shut:
            try:
                self.queue.add(item)
            except ShutDown:
                return
            raise AssertionError("add after shutdown was accepted")
        self.queue.add(item)
        self.model_add(item)

    @rule(item=ITEMS, delay=DELAYS)
    def add_after(self, item: str, delay: float) -> None:
        self.model_tick()
        if self.shut:
            try:
                self.queue.add_after(item, delay)
            except ShutDown:
                return
            raise AssertionError("add_after after shutdown was accepted")
        self.queue.add_after(item, delay)
        self.model_add_after(item, delay)

    @rule(item=ITEMS)
    def add_rate_limited(self, item: str) -> None:
        self.model_tick()
        calls = len(self.exp.delays)
        if self.shut:
            try:
                self.queue.add_rate_limited(item)
            except ShutDown:
                assert len(self.exp.delays) == calls, "a refused retry must not be counted"
                return
            raise AssertionError("add_rate_limited after shutdown was accepted")
        self.queue.add_rate_limited(item)
        exp_delay, bucket_delay = self.exp.delays[-1], self.bucket.delays[-1]
        failures = self.failures.get(item, 0)
        assert exp_delay == min(BASE * 2**failures, CAP)
        self.failures[item] = failures + 1
        assert self.queue.num_requeues(item) == failures + 1
        self.reservations.append(self.clock() + bucket_delay)
        self.model_add_after(item, max(exp_delay, bucket_delay))

    @rule(item=ITEMS)
    def forget(self, item: str) -> None:
        self.queue.forget(item)
        self.failures.pop(item, None)
        assert self.queue.num_requeues(item) == 0

    @rule()
    def get(self) -> None:
        self.model_tick()
        if self.fifo:
            item = self.queue_get()
            assert item == self.fifo.pop(0)
            assert item not in self.processing, f"{item} handed out while being processed"
            self.processing.add(item)
            self.dirty.discard(item)
        elif self.shut:
            try:
                self.queue_get()
            except ShutDown:
                return
            raise AssertionError("get on a shut down, drained queue returned")
        # else: get() would wait for ever; the model says so, nothing to run.

    @precondition(lambda self: bool(self.processing))
    @rule(data=st.data())
    def done(self, data: st.DataObject) -> None:
        self.finish(data.draw(st.sampled_from(sorted(self.processing))))

    def finish(self, item: str) -> None:
        self.model_tick()
        self.queue.done(item)
        self.processing.remove(item)
        if item in self.dirty:
            self.fifo.append(item)

    @rule(seconds=STEPS)
    def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    @precondition(lambda self: not self.shut)
    @rule()
    def shut_down(self) -> None:
        self.model_tick()
        self.queue.shut_down()
        self.shut = True

    @invariant()
    def matches_the_model(self) -> None:
        self.model_tick()
        assert len(self.queue) == len(self.fifo)
        assert self.queue.waiting() == self.model_waiting()
        assert self.queue.shutting_down == self.shut

    def teardown(self) -> None:
        try:
            if not self.shut:
                self.clock.advance(10 * CAP + 1000.0)  # past every delay and bucket reservation
            while True:
                for item in sorted(self.processing):
                    self.finish(item)
                self.matches_the_model()  # also queues what became ready, in both
                if not self.fifo:
                    break
                self.get()
            # Nothing lost: every add was handed out again, except items a shutdown left waiting,
            # which the queue still reports.
            assert self.dirty == set() and self.processing == set()
            assert self.queue.waiting() == (self.model_waiting() if self.shut else [])
            assert_bucket_conforms(self.reservations, QPS, BURST)
        finally:
            self.close()


class AsyncQueueMachine(QueueMachine):
    """The same machine, through the asyncio shell and a private event loop."""

    def make_queue(
        self, limiter: RateLimiter[Hashable]
    ) -> RateLimitingQueue[str] | AsyncRateLimitingQueue[str]:
        self.loop = asyncio.new_event_loop()
        self.async_queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(
            limiter, clock=self.clock
        )
        return self.async_queue

    def queue_get(self) -> str:
        return self.loop.run_until_complete(self.async_queue.get())

    def close(self) -> None:
        self.loop.close()


MACHINE_SETTINGS = settings(max_examples=150, stateful_step_count=60, deadline=None, database=None)
TestQueueMachine = QueueMachine.TestCase
TestQueueMachine.settings = MACHINE_SETTINGS
TestAsyncQueueMachine = AsyncQueueMachine.TestCase
TestAsyncQueueMachine.settings = MACHINE_SETTINGS


# --- real concurrency ---------------------------------------------------------------------------

WORKLOADS = dict(
    adds=st.lists(st.integers(0, 7), min_size=1, max_size=300),
    workers=st.integers(1, 6),
    readd_every=st.integers(0, 4),
)


@settings(max_examples=30, deadline=None, database=None)
@given(**WORKLOADS)
def test_threads_never_share_an_item_and_lose_no_add(
    adds: list[int], workers: int, readd_every: int
) -> None:
    q: WorkQueue[int] = WorkQueue()
    tracker = Tracker()
    processed = itertools.count()

    def worker() -> None:
        while True:
            try:
                key = q.get()
            except ShutDown:
                return
            tracker.start(key)
            if readd_every and next(processed) % readd_every == 0:
                tracker.add(q.add, key)
            tracker.finish(key)
            q.done(key)

    def producer(keys: list[int]) -> None:
        for key in keys:
            tracker.add(q.add, key)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    producers = [
        threading.Thread(target=producer, args=(adds[i::2],), daemon=True) for i in range(2)
    ]
    for thread in threads + producers:
        thread.start()
    for thread in producers:
        thread.join(WAIT)
    assert q.shut_down_with_drain(timeout=WAIT)
    for thread in threads:
        thread.join(WAIT)
    tracker.check()


@settings(max_examples=30, deadline=None, database=None)
@given(**WORKLOADS)
def test_tasks_never_share_an_item_and_lose_no_add(
    adds: list[int], workers: int, readd_every: int
) -> None:
    async def scenario() -> None:
        q: AsyncWorkQueue[int] = AsyncWorkQueue()
        tracker = Tracker()
        processed = itertools.count()

        async def worker() -> None:
            while True:
                try:
                    key = await q.get()
                except ShutDown:
                    return
                tracker.start(key)
                await asyncio.sleep(0)
                if readd_every and next(processed) % readd_every == 0:
                    tracker.add(q.add, key)
                tracker.finish(key)
                q.done(key)

        def producer(keys: list[int]) -> None:  # another thread, like an informer's handler
            for key in keys:
                tracker.add(q.add, key)

        async def producer_in_loop(keys: list[int]) -> None:
            for key in keys:
                tracker.add(q.add, key)
                await asyncio.sleep(0)

        tasks = [asyncio.create_task(worker()) for _ in range(workers)]
        half = len(adds) // 2
        await asyncio.wait_for(
            asyncio.gather(asyncio.to_thread(producer, adds[:half]), producer_in_loop(adds[half:])),
            WAIT,
        )
        assert await asyncio.wait_for(q.shut_down_with_drain(), WAIT)
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        tracker.check()

    asyncio.run(scenario())
