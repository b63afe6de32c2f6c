"""The controller runner's guarantees against kgen.testing's API server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec, WidgetStatus

from kgen.testing import APIServer

from kgen.runtime import (
    ANNOTATIONS_CHANGED,
    DONE,
    GENERATION_CHANGED,
    LABELS_CHANGED,
    AsyncFinalizer,
    AsyncManager,
    Config,
    Controller,
    NotFound,
    ObjectMeta,
    Predicate,
    ReconcileRequest,
    ReconcileResult,
    async_retry_on_conflict,
    new_condition,
    requeue,
    requeue_after,
    set_controller_reference,
    set_status_condition,
)

from eventually import eventually

from .conftest import FAST

FINALIZER = "example.kgen.io/cleanup"


def widget(name: str, color: str = "red") -> Widget:
    return Widget(metadata=ObjectMeta(name=name), spec=WidgetSpec(color=color, size=1, replicas=1))


class WidgetOperator:
    """A small operator: a ConfigMap per Widget, a Ready condition, a finalizer."""

    def __init__(self, manager: AsyncManager) -> None:
        self.cs = manager.clientset(AsyncClientset)
        self.finalizer: AsyncFinalizer[Widget] = AsyncFinalizer(FINALIZER)
        self.calls: list[ReconcileRequest] = []
        self.cleanups: list[str] = []

    async def reconcile(
        self, request: ReconcileRequest, obj: Widget | None
    ) -> ReconcileResult | None:
        self.calls.append(request)
        if obj is None:
            return DONE
        widgets = self.cs.example_kgen_io_v1.widgets(request.namespace)
        return await self.finalizer.finalize(widgets, obj, apply=self.apply, cleanup=self.cleanup)

    async def apply(self, obj: Widget) -> ReconcileResult | None:
        assert obj.metadata is not None and obj.spec is not None
        configmap = ConfigMap(
            metadata=ObjectMeta(
                name=f"{obj.metadata.name}-config", namespace=obj.metadata.namespace
            ),
            data={"color": obj.spec.color},
        )
        set_controller_reference(obj, configmap)
        await self.cs.core_v1.configmaps(obj.metadata.namespace or "").apply(
            configmap, field_manager="test", force=True
        )
        widgets = self.cs.example_kgen_io_v1.widgets(obj.metadata.namespace or "")

        async def write() -> None:
            current = await widgets.get(obj.metadata.name or "")  # type: ignore[union-attr]
            status = current.status or WidgetStatus()
            status.conditions = status.conditions or []
            generation = current.metadata.generation if current.metadata else None
            # A message: kube-apiserver 1.20 rejects an empty one in a CRD's status as null.
            ready = new_condition(
                "Ready", "True", "Configured", "ConfigMap applied", observed_generation=generation
            )
            if set_status_condition(status.conditions, ready):
                current.status = status
                await widgets.update_status(current)

        await async_retry_on_conflict(write)
        return None

    async def cleanup(self, obj: Widget) -> None:
        assert obj.metadata is not None
        self.cleanups.append(obj.metadata.name or "")


async def ready(cs: AsyncClientset, name: str) -> Widget:
    got = await cs.example_kgen_io_v1.widgets("default").get(name)
    assert got.status is not None and got.status.conditions
    assert got.status.conditions[0].status == "True"
    return got


async def run(manager: AsyncManager) -> asyncio.Task[None]:
    task = asyncio.create_task(manager.run())
    await eventually(lambda: _started(manager, task))
    return task


async def _started(manager: AsyncManager, task: asyncio.Task[None]) -> bool:
    if task.done():
        task.result()
    return manager.started.is_set()


async def stop(manager: AsyncManager, task: asyncio.Task[None]) -> None:
    manager.stop()
    await asyncio.wait_for(task, 30)


async def test_reconcile_owns_finalizer_and_conditions(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    operator = WidgetOperator(manager)
    runner = manager.add(
        Controller(
            for_=Widget, owns=[ConfigMap], reconcile=operator.reconcile, max_concurrent_reconciles=2
        )
    )
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        configmaps = cs.core_v1.configmaps("default")
        try:
            created = await widgets.create(widget("w1"))
            first = await eventually(lambda: ready(cs, "w1"))
            assert FINALIZER in (first.metadata.finalizers or [])  # type: ignore[union-attr]
            configmap = await configmaps.get("w1-config")
            owner = configmap.metadata.owner_references[0]  # type: ignore[union-attr, index]
            assert (owner.kind, owner.uid, owner.controller) == ("Widget", created.metadata.uid, True)  # type: ignore[union-attr]
            transition = first.status.conditions[0].last_transition_time  # type: ignore[union-attr, index]

            # Someone deletes the owned ConfigMap: its owner is reconciled and it comes back.
            before = len(operator.calls)
            await configmaps.delete("w1-config")
            await eventually(lambda: configmaps.get("w1-config"))
            assert len(operator.calls) > before
            again = await widgets.get("w1")
            # The condition's status did not change: neither did its lastTransitionTime.
            assert again.status.conditions[0].last_transition_time == transition  # type: ignore[union-attr, index]

            # Deletion: cleanup exactly once, then the finalizer goes and so does the Widget.
            await widgets.delete("w1")

            async def gone() -> bool:
                try:
                    await widgets.get("w1")
                except NotFound:
                    return True
                return False

            await eventually(gone)
            assert operator.cleanups == ["w1"]
            assert runner.reconciles >= 3
        finally:
            await stop(manager, task)


async def test_one_key_is_never_reconciled_twice_at_once(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    running: set[str] = set()
    overlaps: list[str] = []
    concurrent = 0
    peak = 0
    counts: dict[str, int] = {}

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        nonlocal concurrent, peak
        if request.name in running:
            overlaps.append(request.name)
        running.add(request.name)
        concurrent += 1
        peak = max(peak, concurrent)
        try:
            await asyncio.sleep(0.05)
            counts[request.name] = counts.get(request.name, 0) + 1
        finally:
            concurrent -= 1
            running.discard(request.name)
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile, max_concurrent_reconciles=3))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        try:
            for index in range(6):
                await widgets.create(widget(f"w{index}"))
            # Many updates of one key while it is being reconciled.
            for color in ("blue", "green", "red", "blue", "green"):
                current = await widgets.get("w0")
                current.spec.color = color  # type: ignore[union-attr]
                await widgets.update(current)

            async def all_seen() -> bool:
                return len(counts) == 6

            await eventually(all_seen)
            await asyncio.sleep(0.3)
        finally:
            await stop(manager, task)
    assert overlaps == []
    assert peak <= 3
    assert peak >= 2  # several keys did run side by side


async def test_errors_back_off_per_item_and_requeue_after(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    attempts: dict[str, int] = {}

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        attempts[request.name] = attempts.get(request.name, 0) + 1
        if request.name == "flaky" and attempts[request.name] < 4:
            raise RuntimeError("not yet")
        if request.name == "poll" and attempts[request.name] < 3:
            return requeue_after(0.05)
        if request.name == "again" and attempts[request.name] < 3:
            return requeue()  # a failure without an error: rate-limited, counted as a retry
        return None

    runner = manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        try:
            await widgets.create(widget("flaky"))
            await widgets.create(widget("poll"))
            await widgets.create(widget("again"))

            async def settled() -> bool:
                return (attempts.get("flaky"), attempts.get("poll"), attempts.get("again")) == (
                    4,
                    3,
                    3,
                )

            await eventually(settled)
            # Success forgets the key's backoff.
            assert runner.queue.num_requeues(ReconcileRequest("default", "flaky")) == 0
            assert runner.queue.num_requeues(ReconcileRequest("default", "again")) == 0
        finally:
            await stop(manager, task)
    if manager.metrics.enabled:
        text = manager.metrics.exposition().decode()
        assert 'controller_runtime_reconcile_errors_total{controller="widget"} 3.0' in text
        assert 'controller_runtime_reconcile_total{controller="widget",result="error"} 3.0' in text
        assert (
            'controller_runtime_reconcile_total{controller="widget",result="requeue_after"} 2.0'
            in text
        )
        assert (
            'controller_runtime_reconcile_total{controller="widget",result="requeue"} 2.0' in text
        )
        assert 'workqueue_retries_total{controller="widget",name="widget"}' in text


async def test_generation_predicate_ignores_status_writes(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    seen: list[int | None] = []

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        seen.append(obj.metadata.generation if obj and obj.metadata else None)
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile, predicates=[GENERATION_CHANGED]))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        try:
            created = await widgets.create(widget("w"))
            await eventually(lambda: _true(seen == [1]))
            created.status = WidgetStatus(phase="Ready")
            await widgets.update_status(created)
            current = await widgets.get("w")
            current.spec.color = "blue"  # type: ignore[union-attr]
            await widgets.update(current)
            await eventually(lambda: _true(seen == [1, 2]))
        finally:
            await stop(manager, task)


async def _true(value: bool) -> bool:
    return value


async def test_label_annotation_and_custom_predicates(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    seen: dict[str, list[tuple[str, int | None, str | None, str | None]]] = {
        "main": [],
        "notes": [],
    }

    def recorder(controller: str) -> Any:
        async def reconcile(request: ReconcileRequest, obj: Widget | None) -> None:
            meta = obj.metadata if obj is not None else None
            labels = (meta.labels or {}) if meta else {}
            notes = (meta.annotations or {}) if meta else {}
            generation = meta.generation if meta else None
            seen[controller].append((request.name, generation, labels.get("l"), notes.get("a")))

        return reconcile

    not_skipped = Predicate(create=lambda w: not w.metadata.name.startswith("skip"))
    manager.add(
        Controller(
            for_=Widget,
            name="main",
            reconcile=recorder("main"),
            predicates=[GENERATION_CHANGED | LABELS_CHANGED, not_skipped],
        )
    )
    manager.add(
        Controller(
            for_=Widget,
            name="notes",
            reconcile=recorder("notes"),
            predicates=[ANNOTATIONS_CHANGED, Predicate(delete=lambda w: False)],
        )
    )
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")

        async def change(**fields: Any) -> None:
            current = await widgets.get("w")
            assert current.metadata is not None and current.spec is not None
            if "label" in fields:
                current.metadata.labels = {"l": fields["label"]}
            if "annotation" in fields:
                current.metadata.annotations = {"a": fields["annotation"]}
            if "color" in fields:
                current.spec.color = fields["color"]
            if "phase" in fields:
                current.status = WidgetStatus(phase=fields["phase"])
                await widgets.update_status(current)
            else:
                await widgets.update(current)

        try:
            await widgets.create(widget("skip-me"))  # filtered by the custom create predicate
            await widgets.create(widget("w"))
            await eventually(lambda: _true(len(seen["main"]) == 1 and len(seen["notes"]) == 2))
            await change(phase="Ready")  # neither generation nor labels nor annotations change
            await change(annotation="x")  # only "notes" reconciles
            await eventually(lambda: _true(len(seen["notes"]) == 3))
            await change(label="a")  # only "main" reconciles
            await eventually(lambda: _true(len(seen["main"]) == 2))
            await change(color="blue")  # a spec change: generation 2
            await eventually(lambda: _true(len(seen["main"]) == 3))
            await widgets.delete("w")  # "notes" lets no delete through, "main" does
            await eventually(lambda: _true(len(seen["main"]) == 4))
            await asyncio.sleep(0.3)
        finally:
            await stop(manager, task)
    assert seen["main"] == [
        ("w", 1, None, None),
        ("w", 1, "a", "x"),
        ("w", 2, "a", "x"),
        ("w", None, None, None),  # gone from the cache
    ]
    expected = [("skip-me", 1, None, None), ("w", 1, None, None), ("w", 1, None, "x")]
    assert sorted(seen["notes"], key=repr) == sorted(expected, key=repr)


async def test_shutdown_lets_reconciles_in_flight_finish(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    started = asyncio.Event()
    finished: list[str] = []

    async def reconcile(request: ReconcileRequest, obj: Any) -> ReconcileResult | None:
        started.set()
        await asyncio.sleep(0.5)
        finished.append(request.name)
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        await cs.example_kgen_io_v1.widgets("default").create(widget("slow"))
    await asyncio.wait_for(started.wait(), 10)
    await stop(manager, task)
    assert finished == ["slow"]


async def test_shutdown_deadline_cancels_what_is_left(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **{**FAST, "shutdown_timeout": 0.2})
    started = asyncio.Event()
    cancelled: list[str] = []

    async def reconcile(request: ReconcileRequest, obj: Any) -> ReconcileResult | None:
        started.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.append(request.name)
            raise
        return None

    manager.add(Controller(for_=Widget, reconcile=reconcile))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        await cs.example_kgen_io_v1.widgets("default").create(widget("stuck"))
    await asyncio.wait_for(started.wait(), 10)
    await stop(manager, task)
    assert cancelled == ["stuck"]


def test_controller_needs_a_resource_model() -> None:
    with pytest.raises(TypeError):
        Controller(for_=WidgetSpec, reconcile=lambda r, o: None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Controller(for_=Widget, reconcile=lambda r, o: None, max_concurrent_reconciles=0)


async def test_converges_through_conflicts_server_errors_and_cut_watches(
    server: APIServer, config: Config
) -> None:
    # 409s on status writes, 500s on patches (the finalizer) and applies, watches cut after every
    # two events, and a server restart: every Widget still ends Ready with its ConfigMap, and
    # cleanup runs exactly once for each.
    server.faults.fail(count=4, code=409, verb="update", path="/status")
    server.faults.fail(count=3, code=500, verb="patch")
    server.faults.close_watches_after(2, abrupt=True)
    manager = AsyncManager(config, namespace="default", **FAST)
    operator = WidgetOperator(manager)
    manager.add(Controller(for_=Widget, owns=[ConfigMap], reconcile=operator.reconcile))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        try:
            names = [f"w{index}" for index in range(5)]
            for name in names[:3]:
                await widgets.create(widget(name))
            for name in names[:3]:
                await eventually(lambda: ready(cs, name), timeout=60)
            # The server restarts: every watch ends and the history is gone (410 on a resumed
            # watch): the informers list again and Widgets created after it are reconciled too.
            server.faults.restart()
            for name in names[3:]:
                await widgets.create(widget(name))
            for name in names:
                await eventually(lambda: ready(cs, name), timeout=60)
                await cs.core_v1.configmaps("default").get(f"{name}-config")
            for name in names:
                await widgets.delete(name)

            async def all_gone() -> bool:
                return not (await widgets.list()).items

            await eventually(all_gone, timeout=60)
            assert sorted(operator.cleanups) == names
        finally:
            server.faults.clear()
            await stop(manager, task)
    # The faults did happen, and the controller saw them: the test is not vacuous.
    served = list(server.faults.requests)
    assert [r.code for r in served if r.verb == "update" and "/status" in r.path].count(409) == 4
    assert [r.code for r in served if r.verb == "patch"].count(500) == 3
    watches = [r for r in served if r.verb == "watch" and r.path.endswith("/widgets")]
    assert len(watches) >= 4  # the first watch, then again after each cut


async def test_watches_map_other_kinds_to_requests(config: Config) -> None:
    manager = AsyncManager(config, namespace="default", **FAST)
    seen: list[tuple[str, bool]] = []

    def map_fn(configmap: ConfigMap) -> list[ReconcileRequest]:
        labels = (configmap.metadata.labels if configmap.metadata else None) or {}
        if "broken" in labels:
            raise RuntimeError("a broken map function must not stop the informer")
        return [ReconcileRequest("default", labels["widget"])] if "widget" in labels else []

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> None:
        seen.append((request.name, obj is not None))

    manager.add(Controller(for_=Widget, watches=[(ConfigMap, map_fn)], reconcile=reconcile))
    task = await run(manager)
    async with AsyncClientset(config) as cs:
        configmaps = cs.core_v1.configmaps("default")

        def configmap(name: str, **labels: str) -> ConfigMap:
            return ConfigMap(metadata=ObjectMeta(name=name, labels=labels))

        try:
            await cs.example_kgen_io_v1.widgets("default").create(widget("w"))
            await eventually(lambda: _true(seen == [("w", True)]))
            await configmaps.create(configmap("broken", broken="yes"))
            await configmaps.create(configmap("settings", widget="w"))
            await eventually(lambda: _true(len(seen) == 2))
            await configmaps.create(configmap("other", widget="ghost"))  # no such Widget
            await eventually(lambda: _true(len(seen) == 3))
            await configmaps.delete("settings")
            await eventually(lambda: _true(len(seen) == 4))
            await asyncio.sleep(0.3)
        finally:
            await stop(manager, task)
    assert seen == [("w", True), ("w", True), ("ghost", False), ("w", True)]
