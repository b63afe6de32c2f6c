"""The manager against kgen.testing: its probes and metrics over real HTTP, leader election between two
managers, and the synchronous Manager."""

from __future__ import annotations

import asyncio
import os
import signal
import re
import threading
from typing import Any

import httpx
import pytest
from example_client.clientset import AsyncClientset, Clientset
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime import (
    AsyncManager,
    Config,
    Controller,
    LeaderElectionOptions,
    Manager,
    ObjectMeta,
    ReconcileRequest,
    ReconcileResult,
    set_controller_reference,
)
from kgen.testing import APIServer

from eventually import eventually

from .conftest import FAST


def widget(name: str) -> Widget:
    return Widget(metadata=ObjectMeta(name=name), spec=WidgetSpec(color="red", size=1, replicas=1))


async def _true(value: bool) -> bool:
    return value


async def test_healthz_readyz_and_metrics_over_http(server: APIServer, config: Config) -> None:
    # Listing Widgets is held for 2 s: /readyz says the cache has not synced, /healthz is fine.
    server.faults.delay(2.0, count=1, verb="list", path="/widgets")
    manager = AsyncManager(config, namespace="default", port=0, host="127.0.0.1", **FAST)
    reconciled: list[str] = []

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        reconciled.append(request.name)
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = asyncio.create_task(manager.run())
    try:
        async with httpx.AsyncClient() as http, AsyncClientset(config) as cs:

            async def get(path: str) -> httpx.Response:
                return await http.get(f"http://127.0.0.1:{manager.port}{path}")

            await eventually(lambda: get("/healthz"))
            assert not manager.started.is_set()
            waiting = await get("/readyz")
            assert waiting.status_code == 503
            assert "not ready" in waiting.text and "widgets" in waiting.text
            assert (await get("/healthz")).status_code == 200

            async def ready() -> bool:
                return (await get("/readyz")).status_code == 200

            await eventually(ready)
            assert manager.started.is_set()

            await cs.example_kgen_io_v1.widgets("default").create(widget("w1"))
            await eventually(lambda: _true(reconciled == ["w1"]))
            metrics = await get("/metrics")
            assert metrics.status_code == 200
            assert metrics.headers["content-type"].startswith("text/plain")
            text = metrics.text
            assert (
                'controller_runtime_reconcile_total{controller="widget",result="success"} 1.0'
                in text
            )
            assert 'controller_runtime_max_concurrent_reconciles{controller="widget"} 1.0' in text
            assert 'workqueue_adds_total{controller="widget",name="widget"} 1.0' in text
            assert re.search(
                r'rest_client_requests_total\{code="200",host="[^"]+",method="GET"\}', text
            )
            assert "rest_client_request_duration_seconds_bucket" in text

            assert (await get("/nothing")).status_code == 404
            assert (await http.post(f"http://127.0.0.1:{manager.port}/healthz")).status_code == 405
            port = manager.port
    finally:
        manager.stop()
        await asyncio.wait_for(task, 30)
    # Stopped: the port is closed.
    async with httpx.AsyncClient() as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(f"http://127.0.0.1:{port}/healthz")


async def test_of_two_managers_one_leads_and_the_other_takes_over(config: Config) -> None:
    seen: dict[str, list[str]] = {"a": [], "b": []}
    managers: dict[str, AsyncManager] = {}
    for identity in seen:
        manager = AsyncManager(
            config,
            namespace="default",
            leader_election=LeaderElectionOptions(
                "default",
                "widgets",
                identity,
                lease_duration=1.5,
                renew_deadline=1.0,
                retry_period=0.1,
            ),
            **FAST,
        )

        def make(identity: str) -> Any:
            async def reconcile(request: ReconcileRequest, obj: Any) -> ReconcileResult | None:
                seen[identity].append(request.name)
                return None

            return reconcile

        manager.add(Controller(for_=Widget, reconcile=make(identity)))
        managers[identity] = manager
    tasks = {identity: asyncio.create_task(m.run()) for identity, m in managers.items()}
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        leases = cs.coordination_v1.leases("default")
        try:

            async def one_leads() -> str | None:
                leading = [identity for identity, m in managers.items() if m.leading]
                lease = await leases.get("widgets")
                holder = lease.spec.holder_identity if lease.spec else None
                return leading[0] if leading == [holder] else None

            leader = await eventually(one_leads)
            follower = "b" if leader == "a" else "a"
            await widgets.create(widget("w1"))
            await eventually(lambda: _true(seen[leader] == ["w1"]))
            # Both caches are warm, but only the leader reconciles.
            assert managers[follower].started.is_set() and not managers[follower].leading
            assert seen[follower] == []

            # The leader stops (and gives the Lease up): the follower leads and reconciles.
            managers[leader].stop()
            await asyncio.wait_for(tasks[leader], 30)
            await eventually(lambda: _true(managers[follower].leading))
            await widgets.create(widget("w2"))
            await eventually(lambda: _true("w2" in seen[follower]))
            assert "w2" not in seen[leader]
            lease = await leases.get("widgets")
            assert lease.spec is not None and lease.spec.holder_identity == follower
        finally:
            for manager in managers.values():
                manager.stop()
            await asyncio.wait_for(asyncio.gather(*tasks.values(), return_exceptions=True), 30)


def test_the_sync_manager_runs_plain_function_reconciles_on_threads(config: Config) -> None:
    manager = Manager(config, namespace="default", **FAST)
    cs = manager.clientset(Clientset)
    threads: set[str] = set()

    def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        threads.add(threading.current_thread().name)
        if obj is None:
            return None
        assert obj.metadata is not None
        configmap = ConfigMap(
            metadata=ObjectMeta(name=f"{request.name}-config", namespace=request.namespace),
            data={"generation": str(obj.metadata.generation)},
        )
        set_controller_reference(obj, configmap)
        cs.core_v1.configmaps(request.namespace).apply(configmap, field_manager="sync", force=True)
        return None

    runner = manager.add(
        Controller(for_=Widget, owns=[ConfigMap], reconcile=reconcile, max_concurrent_reconciles=2)
    )
    thread = threading.Thread(target=manager.run, name="manager")
    thread.start()
    try:
        assert manager.started.wait(30)
        widgets = cs.example_kgen_io_v1.widgets("default")
        for name in ("w1", "w2"):
            widgets.create(widget(name))
        configmaps = cs.core_v1.configmaps("default")

        def applied() -> bool:
            names = {c.metadata.name for c in configmaps.list().items if c.metadata}
            return {"w1-config", "w2-config"} <= names

        asyncio.run(eventually(lambda: _true(applied())))
        # Deleting an owned ConfigMap reconciles its Widget, which writes it again.
        configmaps.delete("w1-config")
        asyncio.run(eventually(lambda: _true(applied())))
    finally:
        manager.stop()
        thread.join(30)
        cs.close()
    assert not thread.is_alive()
    assert threads and all(name.startswith("kgen-reconcile-widget") for name in threads)
    assert runner.reconciles >= 3


async def test_sigterm_stops_the_manager_gracefully(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **{**FAST, "handle_signals": True})
    finished: list[str] = []
    started = asyncio.Event()

    async def reconcile(request: ReconcileRequest, obj: Any) -> ReconcileResult | None:
        started.set()
        await asyncio.sleep(0.3)
        finished.append(request.name)
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = asyncio.create_task(manager.run())
    await eventually(lambda: _true(manager.started.is_set()))
    async with AsyncClientset(config) as cs:
        await cs.example_kgen_io_v1.widgets("default").create(widget("w1"))
    await asyncio.wait_for(started.wait(), 10)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, 30)  # returns, without raising
    assert finished == ["w1"]  # the reconcile in flight finished
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)


async def test_clients_made_by_a_manager_allow_20_qps_with_bursts_of_30(config: Config) -> None:
    # The kubeconfig's client-go defaults (5 QPS, burst 10) become controller-runtime's.
    config.qps, config.burst = 5.0, 10
    manager = AsyncManager(config, namespace="default", **FAST)
    cs = manager.clientset(AsyncClientset)
    assert cs.transport is manager.transport  # the informers' transport: one bucket for both
    assert (cs.transport.rate_limiter.qps, cs.transport.rate_limiter.burst) == (20.0, 30)
    assert (config.qps, config.burst) == (5.0, 10)  # the caller's config is left alone
    await manager.transport.aclose()

    sync = Manager(config, namespace="default", **FAST)
    with sync.clientset(Clientset) as sync_cs:
        limiter = sync_cs.transport.rate_limiter
        assert (limiter.qps, limiter.burst) == (20.0, 30)

    custom = AsyncManager(config, namespace="default", qps=50.0, burst=100, **FAST)
    limiter = custom.clientset(AsyncClientset).transport.rate_limiter
    assert (limiter.qps, limiter.burst) == (50.0, 100)
    await custom.transport.aclose()


# controller-runtime's metrics (pkg/metrics, pkg/internal/controller/metrics) and client-go's REST
# client metrics, by name, type and label names: what existing dashboards query.
CONTROLLER_RUNTIME_METRICS = {
    "controller_runtime_reconcile_total": ("counter", ("controller", "result")),
    "controller_runtime_reconcile_errors_total": ("counter", ("controller",)),
    "controller_runtime_reconcile_time_seconds": ("histogram", ("controller",)),
    "controller_runtime_max_concurrent_reconciles": ("gauge", ("controller",)),
    "controller_runtime_active_workers": ("gauge", ("controller",)),
    "workqueue_depth": ("gauge", ("controller", "name")),
    "workqueue_adds_total": ("counter", ("controller", "name")),
    "workqueue_queue_duration_seconds": ("histogram", ("controller", "name")),
    "workqueue_work_duration_seconds": ("histogram", ("controller", "name")),
    "workqueue_unfinished_work_seconds": ("gauge", ("controller", "name")),
    "workqueue_longest_running_processor_seconds": ("gauge", ("controller", "name")),
    "workqueue_retries_total": ("counter", ("controller", "name")),
    "rest_client_request_duration_seconds": ("histogram", ("host", "verb")),
    "rest_client_requests_total": ("counter", ("code", "host", "method")),
}


async def test_metrics_have_controller_runtimes_names_types_and_labels(config: Config) -> None:
    pytest.importorskip("prometheus_client")
    from prometheus_client.parser import text_string_to_metric_families

    manager = AsyncManager(config, namespace="default", **FAST)
    attempts: list[str] = []

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        attempts.append(request.name)
        if len(attempts) == 1:
            raise RuntimeError("once")  # an error and a retry
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = asyncio.create_task(manager.run())
    try:
        await eventually(lambda: _true(manager.started.is_set()))
        async with AsyncClientset(config) as cs:
            await cs.example_kgen_io_v1.widgets("default").create(widget("w1"))
        await eventually(lambda: _true(attempts == ["w1", "w1"]))
        families = {
            family.name: family
            for family in text_string_to_metric_families(manager.metrics.exposition().decode())
        }
    finally:
        manager.stop()
        await asyncio.wait_for(task, 30)
    for name, (kind, labels) in CONTROLLER_RUNTIME_METRICS.items():
        # The parser names a counter's family without "_total".
        family = families.get(name.removesuffix("_total") if kind == "counter" else name)
        assert family is not None, f"{name} is not exposed"
        assert family.type == kind, name
        samples = [s for s in family.samples if not s.name.endswith(("_created", "_bucket"))]
        assert samples, f"{name} has no sample"
        assert {tuple(sorted(s.labels)) for s in samples} == {labels}, name
    values = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in families.values()
        for s in family.samples
    }
    widget_queue = (("controller", "widget"), ("name", "widget"))
    assert values[("controller_runtime_reconcile_errors_total", (("controller", "widget"),))] == 1
    assert values[("workqueue_retries_total", widget_queue)] == 1
    assert values[("workqueue_depth", widget_queue)] == 0
    # The REST client's verbs and methods are HTTP methods, as client-go's.
    methods = {
        s.labels["method"] for s in families["rest_client_requests"].samples if "method" in s.labels
    }
    assert "GET" in methods
    assert families["rest_client_request_duration_seconds"].documentation == (
        "Request latency in seconds. Broken down by verb, and host."
    )
