"""Prometheus metrics of controllers, with controller-runtime's names and labels.

prometheus-client is an optional dependency (``pip install 'kgen[metrics]'``): without it every
metric is a no-op and ``/metrics`` says how to get them. One :class:`ControllerMetrics` per manager,
each with a registry of its own (so two managers in one process, tests say, do not collide):

=============================================  ==========================  ========================
metric                                         labels                      what
=============================================  ==========================  ========================
controller_runtime_reconcile_total             controller, result          result: success, error,
                                                                           requeue, requeue_after
controller_runtime_reconcile_errors_total      controller                  reconciles that raised
controller_runtime_reconcile_time_seconds      controller                  histogram
controller_runtime_max_concurrent_reconciles   controller                  gauge
controller_runtime_active_workers              controller                  gauge
workqueue_depth                                name, controller            gauge
workqueue_adds_total                           name, controller
workqueue_queue_duration_seconds               name, controller            add to get
workqueue_work_duration_seconds                name, controller            get to done
workqueue_unfinished_work_seconds              name, controller            gauge
workqueue_longest_running_processor_seconds    name, controller            gauge
workqueue_retries_total                        name, controller
rest_client_request_duration_seconds           verb, host                  histogram (verb: method)
rest_client_requests_total                     code, method, host          code "<error>": no answer
kgen_cache_undecodable_objects_total           resource                    objects that do not fit
                                                                           their model
=============================================  ==========================  ========================
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from kgen.runtime._workqueue.metrics import (
    CounterMetric,
    GaugeMetric,
    HistogramMetric,
    SettableGaugeMetric,
)

__all__ = ["CONTENT_TYPE", "ControllerMetrics", "prometheus_available"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# controller-runtime's reconcile_time buckets, and workqueue's ExponentialBuckets(10e-9, 10, 12).
_RECONCILE_BUCKETS = (
    *(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7),
    *(0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15),
    *(20, 25, 30, 40, 50, 60),
)
_QUEUE_BUCKETS = tuple(1e-8 * 10**i for i in range(12))
# client-go's rest_client_request_duration_seconds buckets.
_REQUEST_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


def prometheus_available() -> bool:
    """Whether prometheus-client is installed (the ``metrics`` extra)."""
    return importlib.util.find_spec("prometheus_client") is not None


class _Noop:
    def inc(self, amount: float = 1) -> None:
        pass

    def dec(self, amount: float = 1) -> None:
        pass

    def set(self, value: float, /) -> None:
        pass

    def observe(self, value: float, /) -> None:
        pass

    def labels(self, *values: str) -> _Noop:
        return self


_NOOP = _Noop()


class _QueueProvider:
    """A workqueue MetricsProvider over this manager's registry, labelled for one controller."""

    def __init__(self, metrics: ControllerMetrics, controller: str) -> None:
        self._m = metrics
        self._controller = controller

    def _child(self, family: Any, name: str) -> Any:
        return family.labels(name, self._controller)

    def new_depth_metric(self, name: str) -> GaugeMetric:
        return self._child(self._m.queue_depth, name)  # type: ignore[no-any-return]

    def new_adds_metric(self, name: str) -> CounterMetric:
        return self._child(self._m.queue_adds, name)  # type: ignore[no-any-return]

    def new_latency_metric(self, name: str) -> HistogramMetric:
        return self._child(self._m.queue_latency, name)  # type: ignore[no-any-return]

    def new_work_duration_metric(self, name: str) -> HistogramMetric:
        return self._child(self._m.queue_work_duration, name)  # type: ignore[no-any-return]

    def new_unfinished_work_seconds_metric(self, name: str) -> SettableGaugeMetric:
        return self._child(self._m.queue_unfinished, name)  # type: ignore[no-any-return]

    def new_longest_running_processor_seconds_metric(self, name: str) -> SettableGaugeMetric:
        return self._child(self._m.queue_longest, name)  # type: ignore[no-any-return]

    def new_retries_metric(self, name: str) -> CounterMetric:
        return self._child(self._m.queue_retries, name)  # type: ignore[no-any-return]


class ControllerMetrics:
    """The metrics of one manager's controllers, queues and REST client; see the module docstring."""

    def __init__(self, *, enabled: bool | None = None) -> None:
        """``enabled``: None records when prometheus-client is installed; False never does."""
        self.enabled = prometheus_available() if enabled is None else enabled
        self._lock = threading.Lock()
        self.registry: Any = None
        if not self.enabled:
            for attribute in (
                "reconcile_total",
                "reconcile_errors",
                "reconcile_time",
                "max_concurrent",
                "active_workers",
                "queue_depth",
                "queue_adds",
                "queue_latency",
                "queue_work_duration",
                "queue_unfinished",
                "queue_longest",
                "queue_retries",
                "request_duration",
                "requests_total",
                "undecodable",
            ):
                setattr(self, attribute, _NOOP)
            return
        import prometheus_client as prom

        registry = self.registry = prom.CollectorRegistry(auto_describe=True)
        controller = ["controller"]
        queue = ["name", "controller"]
        self.reconcile_total: Any = prom.Counter(
            "controller_runtime_reconcile_total",
            "Total number of reconciliations per controller",
            ["controller", "result"],
            registry=registry,
        )
        self.reconcile_errors: Any = prom.Counter(
            "controller_runtime_reconcile_errors_total",
            "Total number of reconciliation errors per controller",
            controller,
            registry=registry,
        )
        self.reconcile_time: Any = prom.Histogram(
            "controller_runtime_reconcile_time_seconds",
            "Length of time per reconciliation per controller",
            controller,
            buckets=_RECONCILE_BUCKETS,
            registry=registry,
        )
        self.max_concurrent: Any = prom.Gauge(
            "controller_runtime_max_concurrent_reconciles",
            "Maximum number of concurrent reconciles per controller",
            controller,
            registry=registry,
        )
        self.active_workers: Any = prom.Gauge(
            "controller_runtime_active_workers",
            "Number of currently used workers per controller",
            controller,
            registry=registry,
        )
        self.queue_depth: Any = prom.Gauge(
            "workqueue_depth", "Current depth of workqueue", queue, registry=registry
        )
        self.queue_adds: Any = prom.Counter(
            "workqueue_adds_total",
            "Total number of adds handled by workqueue",
            queue,
            registry=registry,
        )
        self.queue_latency: Any = prom.Histogram(
            "workqueue_queue_duration_seconds",
            "How long in seconds an item stays in workqueue before being requested",
            queue,
            buckets=_QUEUE_BUCKETS,
            registry=registry,
        )
        self.queue_work_duration: Any = prom.Histogram(
            "workqueue_work_duration_seconds",
            "How long in seconds processing an item from workqueue takes",
            queue,
            buckets=_QUEUE_BUCKETS,
            registry=registry,
        )
        self.queue_unfinished: Any = prom.Gauge(
            "workqueue_unfinished_work_seconds",
            "How many seconds of work has been done that is in progress and hasn't been observed "
            "by work_duration",
            queue,
            registry=registry,
        )
        self.queue_longest: Any = prom.Gauge(
            "workqueue_longest_running_processor_seconds",
            "How many seconds has the longest running processor for workqueue been running",
            queue,
            registry=registry,
        )
        self.queue_retries: Any = prom.Counter(
            "workqueue_retries_total",
            "Total number of retries handled by workqueue",
            queue,
            registry=registry,
        )
        self.request_duration: Any = prom.Histogram(
            "rest_client_request_duration_seconds",
            "Request latency in seconds. Broken down by verb, and host.",
            ["verb", "host"],
            buckets=_REQUEST_BUCKETS,
            registry=registry,
        )
        self.requests_total: Any = prom.Counter(
            "rest_client_requests_total",
            "Number of HTTP requests, partitioned by status code, method, and host.",
            ["code", "method", "host"],
            registry=registry,
        )
        self.undecodable: Any = prom.Counter(
            "kgen_cache_undecodable_objects_total",
            "Objects an informer received that do not fit their model, by resource",
            ["resource"],
            registry=registry,
        )

    def queue_provider(self, controller: str) -> _QueueProvider | None:
        """The workqueue metrics provider of ``controller`` (None when disabled)."""
        return _QueueProvider(self, controller) if self.enabled else None

    def observe_reconcile(self, controller: str, result: str, seconds: float) -> None:
        self.reconcile_total.labels(controller, result).inc()
        if result == "error":
            self.reconcile_errors.labels(controller).inc()
        self.reconcile_time.labels(controller).observe(seconds)

    def observe_request(self, method: str, host: str, code: str, seconds: float) -> None:
        """A request's answer (``code`` "<error>" when there was none): the transport's hook."""
        self.request_duration.labels(method, host).observe(seconds)
        self.requests_total.labels(code, method, host).inc()

    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format (empty when disabled)."""
        if not self.enabled:
            return b""
        import prometheus_client as prom

        return bytes(prom.generate_latest(self.registry))
