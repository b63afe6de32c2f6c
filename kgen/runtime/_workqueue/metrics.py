"""Metric hooks for work queues: a provider protocol, no-op by default (client-go ``MetricsProvider``).

kgen depends on no metrics library. To export queue metrics, implement :class:`MetricsProvider`
(over ``prometheus_client``, say: its ``Counter``, ``Gauge`` and ``Histogram`` already have the
``inc``/``dec``/``set``/``observe`` methods the metric protocols ask for) and pass it to a queue
together with a name; the provider is asked for each metric once, with that name.

What each metric means (client-go's definitions, all times in seconds):

* depth: items queued and waiting for a worker (including items re-added while processing);
* adds: items accepted by ``add``, duplicates that collapsed not counted;
* latency: how long an item waited between ``add`` and ``get``;
* work duration: how long a worker held an item, from ``get`` to ``done``;
* unfinished work: total age of the work in progress, so a stuck worker makes it grow;
* longest running processor: the age of the oldest work in progress;
* retries: calls to ``add_after`` (and so ``add_rate_limited``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, Protocol, TypeVar

__all__ = [
    "CounterMetric",
    "GaugeMetric",
    "HistogramMetric",
    "MetricsProvider",
    "NoopMetricsProvider",
    "QueueMetrics",
    "SettableGaugeMetric",
]

T = TypeVar("T", bound=Hashable)


# Arguments are positional-only so that any library's parameter names (``amount``, ``value``) fit.
class CounterMetric(Protocol):
    """A counter that only goes up."""

    def inc(self) -> None: ...


class GaugeMetric(Protocol):
    """A gauge moved one step at a time."""

    def inc(self) -> None: ...

    def dec(self) -> None: ...


class SettableGaugeMetric(Protocol):
    """A gauge set to an absolute value."""

    def set(self, value: float, /) -> None: ...


class HistogramMetric(Protocol):
    """A distribution of observed values (a summary works too)."""

    def observe(self, value: float, /) -> None: ...


class MetricsProvider(Protocol):
    """Creates the metrics of one queue; ``name`` is the queue's name, to use as a label."""

    def new_depth_metric(self, name: str) -> GaugeMetric: ...

    def new_adds_metric(self, name: str) -> CounterMetric: ...

    def new_latency_metric(self, name: str) -> HistogramMetric: ...

    def new_work_duration_metric(self, name: str) -> HistogramMetric: ...

    def new_unfinished_work_seconds_metric(self, name: str) -> SettableGaugeMetric: ...

    def new_longest_running_processor_seconds_metric(self, name: str) -> SettableGaugeMetric: ...

    def new_retries_metric(self, name: str) -> CounterMetric: ...


class _NoopMetric:
    """Every metric kind at once, doing nothing."""

    def inc(self) -> None:
        pass

    def dec(self) -> None:
        pass

    def set(self, value: float, /) -> None:
        pass

    def observe(self, value: float, /) -> None:
        pass


_NOOP_METRIC = _NoopMetric()


class NoopMetricsProvider:
    """The default provider: metrics that record nothing."""

    def new_depth_metric(self, name: str) -> GaugeMetric:
        return _NOOP_METRIC

    def new_adds_metric(self, name: str) -> CounterMetric:
        return _NOOP_METRIC

    def new_latency_metric(self, name: str) -> HistogramMetric:
        return _NOOP_METRIC

    def new_work_duration_metric(self, name: str) -> HistogramMetric:
        return _NOOP_METRIC

    def new_unfinished_work_seconds_metric(self, name: str) -> SettableGaugeMetric:
        return _NOOP_METRIC

    def new_longest_running_processor_seconds_metric(self, name: str) -> SettableGaugeMetric:
        return _NOOP_METRIC

    def new_retries_metric(self, name: str) -> CounterMetric:
        return _NOOP_METRIC


class QueueMetrics(Generic[T]):
    """Turns one queue's events into its metrics. Not thread-safe: queues call it under their lock.

    Without a provider it records nothing and keeps no per-item timestamps.
    """

    def __init__(
        self,
        name: str = "",
        provider: MetricsProvider | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if provider is not None and not name:
            # Unnamed queues would all report into the same series and make each other's numbers
            # meaningless; client-go silently records nothing instead, which hides the mistake.
            raise ValueError("a work queue needs a name to report metrics")
        self._enabled = provider is not None
        provider = provider if provider is not None else NoopMetricsProvider()
        self._clock = clock
        self._depth = provider.new_depth_metric(name)
        self._adds = provider.new_adds_metric(name)
        self._latency = provider.new_latency_metric(name)
        self._work_duration = provider.new_work_duration_metric(name)
        self._unfinished_work = provider.new_unfinished_work_seconds_metric(name)
        self._longest_running = provider.new_longest_running_processor_seconds_metric(name)
        self._retries = provider.new_retries_metric(name)
        self._add_times: dict[T, float] = {}
        self._processing_start_times: dict[T, float] = {}

    def add(self, item: T) -> None:
        """An item became dirty (it was not queued already)."""
        if not self._enabled:
            return
        self._adds.inc()
        self._depth.inc()
        # Latency runs from the first add: an item re-added while queued keeps its place and age.
        self._add_times.setdefault(item, self._clock())

    def get(self, item: T) -> None:
        """A worker took ``item``."""
        if not self._enabled:
            return
        now = self._clock()
        self._depth.dec()
        self._processing_start_times[item] = now
        added = self._add_times.pop(item, None)
        if added is not None:
            self._latency.observe(now - added)
        self._update_unfinished_work(now)

    def done(self, item: T) -> None:
        """The worker holding ``item`` finished with it."""
        if not self._enabled:
            return
        now = self._clock()
        started = self._processing_start_times.pop(item, None)
        if started is not None:
            self._work_duration.observe(now - started)
        self._update_unfinished_work(now)

    def retry(self) -> None:
        """An item was scheduled with ``add_after``."""
        self._retries.inc()

    def update_unfinished_work(self) -> None:
        """Refresh the unfinished-work and longest-running gauges from the clock."""
        if self._enabled:
            self._update_unfinished_work(self._clock())

    def _update_unfinished_work(self, now: float) -> None:
        ages = [now - started for started in self._processing_start_times.values()]
        self._unfinished_work.set(sum(ages))
        self._longest_running.set(max(ages, default=0.0))
