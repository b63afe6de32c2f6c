"""The events.k8s.io/v1 recorder against kgen.testing serving Kubernetes' own core and events APIs:
what an event says, series, the per-object budget, the buffer, and a reconcile that never waits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from shared_specs import shared_path

from kgen.runtime import (
    AsyncDynamicClient,
    AsyncManager,
    AsyncTransport,
    Config,
    Controller,
    EventRecorder,
    ReconcileRequest,
    ReconcileResult,
    Unstructured,
    load_kubeconfig,
)
from kgen.testing import APIServer

from eventually import eventually

from .conftest import FAST

OPENAPI_V3 = ("kubernetes", "v1.35", "openapi-v3")


@pytest.fixture
def events_server() -> Iterator[APIServer]:
    specs = [
        shared_path(*OPENAPI_V3, "api__v1_openapi.json"),
        shared_path(*OPENAPI_V3, "apis__events.k8s.io__v1_openapi.json"),
    ]
    with APIServer.from_inputs(specs=specs) as server:
        yield server


@pytest.fixture
def events_config(events_server: APIServer, tmp_path: Path) -> Config:
    return load_kubeconfig(events_server.kubeconfig(tmp_path / "kubeconfig"))


@pytest.fixture
async def transport(events_config: Config) -> AsyncIterator[AsyncTransport]:
    transport = AsyncTransport(events_config)
    try:
        yield transport
    finally:
        await transport.aclose()


class Clock:
    """The recorder's clock, moved by hand (series windows and budgets are minutes long)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def configmap(transport: AsyncTransport, name: str) -> Unstructured:
    configmaps = AsyncDynamicClient(transport).resource("v1/configmaps").namespace("default")
    return await configmaps.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
    )


async def events(transport: AsyncTransport) -> list[Unstructured]:
    resource = AsyncDynamicClient(transport).resource("events.k8s.io/v1/events")
    return sorted(
        (await resource.namespace("default").list()).items, key=lambda e: e["metadata"]["name"]
    )


async def recorded(recorder: EventRecorder, transport: AsyncTransport, count: int) -> list[Any]:
    """Wait until the server holds ``count`` events and the recorder has nothing left to send."""

    async def check() -> list[Unstructured] | None:
        found = await events(transport)
        return found if len(found) == count and not recorder._buffer else None

    return await eventually(check)  # type: ignore[no-any-return]


async def test_an_event_says_what_happened_to_which_object(transport: AsyncTransport) -> None:
    cm = await configmap(transport, "a")
    recorder = EventRecorder(transport, "widget-controller", instance="replica-1")
    recorder._start()
    try:
        recorder.event(cm, "Warning", "Failed", "Reconcile", "could not write", related=cm)
        [event] = await recorded(recorder, transport, 1)
    finally:
        await recorder._stop()
    assert event["type"] == "Warning"
    assert (event["reason"], event["action"], event["note"]) == (
        "Failed",
        "Reconcile",
        "could not write",
    )
    assert (event["reportingController"], event["reportingInstance"]) == (
        "widget-controller",
        "replica-1",
    )
    assert event["regarding"] == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "name": "a",
        "namespace": "default",
        "uid": cm.metadata["uid"],
        "resourceVersion": cm.metadata["resourceVersion"],
    }
    assert event["related"]["uid"] == cm.metadata["uid"]
    assert event["metadata"]["name"].startswith("a.")
    assert "series" not in event
    assert recorder.sent == 1 and recorder.dropped == 0
    with pytest.raises(ValueError):
        recorder.event(cm, "Error", "Failed", "Reconcile")


async def test_repeated_events_become_one_series(transport: AsyncTransport) -> None:
    cm = await configmap(transport, "a")
    clock = Clock()
    recorder = EventRecorder(transport, "ctl", series_interval=0.05, clock=clock)
    recorder._start()
    try:
        for _ in range(5):
            recorder.event(cm, "Normal", "Synced", "Reconcile", "all good")
        recorder.event(cm, "Normal", "Synced", "Reconcile", "another note")

        async def series_of_five() -> list[Unstructured] | None:
            found = await events(transport)
            counts = sorted((e.get("series") or {}).get("count", 1) for e in found)
            return found if counts == [1, 5] else None

        found = await eventually(series_of_five)
        assert {e["note"] for e in found} == {"all good", "another note"}
        assert recorder.sent == 2  # one POST per distinct event; the repeats are patches

        # Past the 6-minute window the same event starts a new Event object.
        clock.now += 6 * 60 + 1
        recorder.event(cm, "Normal", "Synced", "Reconcile", "all good")
        found = await recorded(recorder, transport, 3)
        assert sum(1 for e in found if e["note"] == "all good") == 2
    finally:
        await recorder._stop()


async def test_each_object_has_a_budget_of_25_events_refilled_every_5_minutes(
    transport: AsyncTransport,
) -> None:
    noisy, quiet = await configmap(transport, "noisy"), await configmap(transport, "quiet")
    clock = Clock()
    recorder = EventRecorder(transport, "ctl", clock=clock)
    recorder._start()
    try:
        for index in range(30):
            recorder.event(noisy, "Normal", f"Reason{index}", "Reconcile")
        recorder.event(quiet, "Normal", "Reason0", "Reconcile")
        found = await recorded(recorder, transport, 26)
        assert sum(1 for e in found if e["regarding"]["name"] == "noisy") == 25
        assert recorder.dropped == 5
        # One token comes back every 5 minutes.
        clock.now += 300
        recorder.event(noisy, "Normal", "Reason30", "Reconcile")
        recorder.event(noisy, "Normal", "Reason31", "Reconcile")
        found = await recorded(recorder, transport, 27)
        assert recorder.dropped == 6
    finally:
        await recorder._stop()


async def test_a_full_buffer_drops_events_instead_of_waiting(transport: AsyncTransport) -> None:
    cm = await configmap(transport, "a")
    recorder = EventRecorder(transport, "ctl", buffer=2)
    # Not sending yet: the buffer fills, and what does not fit is dropped at once.
    for index in range(5):
        recorder.event(cm, "Normal", f"Reason{index}", "Reconcile")
    assert recorder.dropped == 3
    recorder._start()
    try:
        found = await recorded(recorder, transport, 2)
    finally:
        await recorder._stop()
    assert [e["reason"] for e in sorted(found, key=lambda e: e["eventTime"])] == [
        "Reason0",
        "Reason1",
    ]


async def test_a_reconcile_never_waits_for_its_events(
    events_server: APIServer, events_config: Config, transport: AsyncTransport
) -> None:
    # The first event POST is held for 2 s, later ones fail: reconciles finish regardless.
    events_server.faults.delay(2.0, count=1, verb="create", path="/events")
    manager = AsyncManager(events_config, namespace="default", **FAST)
    recorder = manager.event_recorder("cm-controller")
    sent_when_done: dict[str, int] = {}

    async def reconcile(request: ReconcileRequest, obj: Any) -> ReconcileResult | None:
        if obj is not None:
            recorder.event(obj, "Normal", "Seen", "Reconcile", request.name)
            sent_when_done[request.name] = recorder.sent + recorder.dropped
        return None

    manager.add(Controller(for_=_configmap_model(), reconcile=reconcile))
    task = asyncio.create_task(manager.run())
    try:
        await eventually(lambda: _started(manager, task))
        for name in ("a", "b", "c"):
            await configmap(transport, name)
        await eventually(lambda: _true(len(sent_when_done) == 3))
        # All three reconciles were done while the first event was still held by the server.
        assert sent_when_done == {"a": 0, "b": 0, "c": 0}
        await eventually(lambda: _true(recorder.sent == 3), timeout=30)
        events_server.faults.fail(count=5, code=500, verb="create", path="/events")
        await configmap(transport, "d")
        await eventually(lambda: _true(recorder.dropped == 1))
        assert sent_when_done["d"] == 3
        assert len(await events(transport)) == 3
    finally:
        manager.stop()
        await asyncio.wait_for(task, 30)
        events_server.faults.clear()


def _configmap_model() -> type[Any]:
    from example_client.models.core_v1 import ConfigMap

    return ConfigMap


async def _started(manager: AsyncManager, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()
    return manager.started.is_set()


async def _true(value: bool) -> bool:
    return value
