"""kgen.runtime._workqueue.metrics: what a queue reports through a provider, on a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kgen.runtime._workqueue.metrics import MetricsProvider, NoopMetricsProvider, QueueMetrics
from kgen.runtime._workqueue.queue import WorkQueue
from kgen.runtime._workqueue.rate_limiters import ItemFastSlowRateLimiter
from kgen.runtime._workqueue.rate_limiting import AsyncRateLimitingQueue, RateLimitingQueue


class FakeClock:
    def __init__(self, now: float = 0.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Metric:
    """Records every kind of update, like a prometheus metric would."""

    value: float = 0.0
    observed: list[float] = field(default_factory=list)

    def inc(self) -> None:
        self.value += 1

    def dec(self) -> None:
        self.value -= 1

    def set(self, amount: float) -> None:
        self.value = amount

    def observe(self, amount: float) -> None:
        self.observed.append(amount)


class RecordingProvider:
    def __init__(self) -> None:
        self.metrics: dict[tuple[str, str], Metric] = {}

    def _new(self, kind: str, name: str) -> Metric:
        assert (kind, name) not in self.metrics, "each metric is created once per queue"
        metric = self.metrics[kind, name] = Metric()
        return metric

    def new_depth_metric(self, name: str) -> Metric:
        return self._new("depth", name)

    def new_adds_metric(self, name: str) -> Metric:
        return self._new("adds", name)

    def new_latency_metric(self, name: str) -> Metric:
        return self._new("latency", name)

    def new_work_duration_metric(self, name: str) -> Metric:
        return self._new("work_duration", name)

    def new_unfinished_work_seconds_metric(self, name: str) -> Metric:
        return self._new("unfinished_work", name)

    def new_longest_running_processor_seconds_metric(self, name: str) -> Metric:
        return self._new("longest_running", name)

    def new_retries_metric(self, name: str) -> Metric:
        return self._new("retries", name)


def test_recording_provider_satisfies_the_protocol() -> None:
    provider: MetricsProvider = RecordingProvider()
    noop: MetricsProvider = NoopMetricsProvider()
    assert provider is not noop


def test_every_metric_is_created_under_the_queue_name() -> None:
    provider = RecordingProvider()
    WorkQueue[str](name="pods", metrics_provider=provider)
    assert sorted(provider.metrics) == [
        ("adds", "pods"),
        ("depth", "pods"),
        ("latency", "pods"),
        ("longest_running", "pods"),
        ("retries", "pods"),
        ("unfinished_work", "pods"),
        ("work_duration", "pods"),
    ]


def test_a_provider_needs_a_queue_name() -> None:
    with pytest.raises(ValueError):
        WorkQueue[str](metrics_provider=RecordingProvider())


def test_depth_adds_latency_and_work_duration() -> None:
    clock = FakeClock()
    provider = RecordingProvider()
    q: WorkQueue[str] = WorkQueue(name="q", metrics_provider=provider, clock=clock)
    m = {kind: metric for (kind, _), metric in provider.metrics.items()}

    q.add("a")
    clock.advance(1.0)
    q.add("a")  # collapses: neither an add nor depth
    q.add("b")
    assert (m["adds"].value, m["depth"].value) == (2, 2)

    clock.advance(2.0)
    assert q.get() == "a"
    assert m["depth"].value == 1
    assert m["latency"].observed == [3.0]  # measured from the first add

    q.add("a")  # re-added while processing: counted, like client-go
    assert (m["adds"].value, m["depth"].value) == (3, 2)

    clock.advance(4.0)
    q.done("a")
    assert m["work_duration"].observed == [4.0]
    assert q.get() == "b"
    assert q.get() == "a"
    assert m["depth"].value == 0
    # "b" waited 6 s; "a" waited 4 s from its re-add, not from its first add.
    assert m["latency"].observed == [3.0, 6.0, 4.0]


def test_unfinished_work_and_longest_running_processor() -> None:
    clock = FakeClock()
    provider = RecordingProvider()
    q: WorkQueue[str] = WorkQueue(name="q", metrics_provider=provider, clock=clock)
    unfinished = provider.metrics["unfinished_work", "q"]
    longest = provider.metrics["longest_running", "q"]
    q.add("a")
    q.add("b")
    q.get()
    clock.advance(2.0)
    q.get()
    clock.advance(3.0)
    q.update_unfinished_work()  # a stuck worker makes no calls: refresh from outside
    assert (unfinished.value, longest.value) == (5.0 + 3.0, 5.0)
    q.done("a")
    assert (unfinished.value, longest.value) == (3.0, 3.0)
    q.done("b")
    assert (unfinished.value, longest.value) == (0.0, 0.0)


def test_retries_count_every_delayed_add() -> None:
    clock = FakeClock()
    provider = RecordingProvider()
    q: RateLimitingQueue[str] = RateLimitingQueue(
        ItemFastSlowRateLimiter(1.0, 2.0, 1), name="q", metrics_provider=provider, clock=clock
    )
    q.add_after("a", 0)
    q.add_after("a", 5.0)
    q.add_rate_limited("b")
    assert provider.metrics["retries", "q"].value == 3
    assert provider.metrics["adds", "q"].value == 1  # delayed items are added when ready
    clock.advance(1.0)
    assert len(q) == 2
    assert provider.metrics["adds", "q"].value == 2


async def test_async_queue_reports_too() -> None:
    clock = FakeClock()
    provider = RecordingProvider()
    q: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(
        name="async", metrics_provider=provider, clock=clock
    )
    q.add("a")
    clock.advance(1.5)
    await q.get()
    assert provider.metrics["latency", "async"].observed == [1.5]


def test_without_a_provider_nothing_is_tracked() -> None:
    metrics: QueueMetrics[str] = QueueMetrics()
    metrics.add("a")
    metrics.get("a")
    metrics.done("a")
    metrics.retry()
    metrics.update_unfinished_work()
    assert metrics._add_times == {} and metrics._processing_start_times == {}
