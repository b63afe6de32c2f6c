"""The stress test: informers under fault injection through 10,000+ random writes end exactly equal
to the server, and every handler saw a consistent history of every object.

Writers (seeded, reproducible) create, update and delete configmaps and widgets in several
namespaces over HTTP while a chaos schedule, driven by the number of writes done, makes the server
misbehave: watch streams cut every few dozen events (some abruptly), history compactions (410s on
resume), bursts of 429s and 500s on lists and watches, restarts that drop every watch and renumber
every resourceVersion upwards, and one restart that renumbers them *downwards* (storage restored from
an older backup). Three informers watch: configmaps (typed) and widgets (typed) across namespaces, and
configmaps again through the dynamic client. Each has a plain and a coroutine handler, plus one added
half-way. At the end:

- every cache equals the server's storage: same keys, same resourceVersions (no lost, phantom or
  stale object);
- every handler's history is consistent per key (no add of a present key, no update or delete of an
  absent one, ``old`` always the version the handler last saw, resourceVersions never going back
  except across the downward restart) and replaying it gives exactly the final cache.
"""

from __future__ import annotations

import pytest

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from example_client.models.core_v1 import ConfigMap, Namespace
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec
from test_cache_fixtures import (
    AsyncRecorder,
    Recorder,
    clientset_for,
    config_for,
    eventually,
    fast_backoff,
    fast_options,
    start_server,
)

from kgen.runtime import AsyncSharedIndexInformer, AsyncSharedInformerFactory, meta_namespace_key
from kgen.runtime._cache.objects import resource_version_of
from kgen.runtime._meta import ObjectMeta
from kgen.testing import APIServer

SEED = 20240611
# KGEN_STRESS_OPERATIONS raises (or, to debug, lowers) the number of writes.
OPERATIONS = int(os.environ.get("KGEN_STRESS_OPERATIONS", "10000"))
WRITERS = 4
NAMES = 40  # per resource and namespace
NAMESPACES = ("default", "team-a", "team-b")
CHAOS_EVERY = 700  # writes between two faults
DOWNWARD_RESTART_AT = OPERATIONS // 2


@dataclass
class Target:
    resource: str  # "configmaps" or "widgets"
    namespace: str
    name: str


@dataclass
class Stats:
    writes: int = 0
    creates: int = 0
    updates: int = 0
    deletes: int = 0
    faults: dict[str, int] = field(default_factory=dict)

    def fault(self, kind: str) -> None:
        self.faults[kind] = self.faults.get(kind, 0) + 1


class Gate:
    """Lets writers run, or pauses them and waits for those in flight."""

    def __init__(self) -> None:
        self.open = asyncio.Event()
        self.open.set()
        self.in_flight = 0

    async def pause(self) -> None:
        self.open.clear()
        await eventually(lambda: self.in_flight == 0, "writers pausing")


async def write_once(cs: Any, target: Target, present: bool, rng: random.Random, n: int) -> str:
    if target.resource == "configmaps":
        client = cs.core_v1.configmaps(target.namespace)
        if not present:
            body = ConfigMap(metadata=ObjectMeta(name=target.name, labels={"seq": str(n)}))
            await client.create(body)
            return "create"
        if rng.random() < 0.7:
            await client.patch(target.name, {"data": {"n": str(n)}})
            return "update"
        await client.delete(target.name)
        return "delete"
    client = cs.example_kgen_io_v1.widgets(target.namespace)
    if not present:
        body = Widget(
            metadata=ObjectMeta(name=target.name), spec=WidgetSpec(color="red", size=1, replicas=0)
        )
        await client.create(body)
        return "create"
    if rng.random() < 0.7:
        await client.patch(target.name, {"spec": {"replicas": n % 1000}})
        return "update"
    await client.delete(target.name)
    return "delete"


async def writer(
    cs: Any, shard: list[Target], seed: int, quota: int, stats: Stats, gate: Gate
) -> None:
    rng = random.Random(seed)
    present: set[int] = set()
    for n in range(quota):
        await gate.open.wait()
        gate.in_flight += 1
        try:
            index = rng.randrange(len(shard))
            done = await write_once(cs, shard[index], index in present, rng, n)
        finally:
            gate.in_flight -= 1
        if done == "create":
            present.add(index)
            stats.creates += 1
        elif done == "delete":
            present.discard(index)
            stats.deletes += 1
        elif done == "update":
            stats.updates += 1
        stats.writes += 1


def server_state(server: APIServer, group: str, resource: str) -> dict[str, str]:
    items, _ = server.store.list((group, resource))
    return {meta_namespace_key(item): item["metadata"]["resourceVersion"] for item in items}


def cache_state(informer: AsyncSharedIndexInformer[Any]) -> dict[str, str]:
    return {
        meta_namespace_key(obj): resource_version_of(obj) or "" for obj in informer.indexer.list()
    }


@pytest.mark.slow  # about a minute: many informers under fault injection
async def test_informers_survive_chaos(tmp_path: Path) -> None:
    started = time.monotonic()
    server = start_server(history=400)
    try:
        await run_chaos(server, tmp_path, started)
    finally:
        server.stop()


async def run_chaos(server: APIServer, tmp_path: Path, started: float) -> None:
    config = config_for(server, tmp_path)
    stats = Stats()
    gate = Gate()
    async with clientset_for(config) as writers_cs, clientset_for(config, max_retries=0) as cs:
        for namespace in NAMESPACES[1:]:
            await writers_cs.core_v1.namespaces().create(
                Namespace(metadata=ObjectMeta(name=namespace))
            )
        # Watches are cut: the first 30 abruptly after 25 events, then all after 60.
        server.faults.close_watches_after(25, count=30, abrupt=True)
        server.faults.close_watches_after(60)

        factory = AsyncSharedInformerFactory(
            cs, reflector_options=fast_options(), backoff_factory=fast_backoff
        )
        informers = {
            "configmaps": (factory.informer_for(ConfigMap), ("", "configmaps")),
            "widgets": (factory.informer_for(Widget), ("example.kgen.io", "widgets")),
            "dynamic": (factory.for_resource("v1/configmaps"), ("", "configmaps")),
        }
        recorders: dict[str, list[Recorder]] = {}
        for name, (informer, _) in informers.items():
            recorders[name] = [Recorder(f"{name}-sync"), AsyncRecorder(f"{name}-async")]
            for recorder in recorders[name]:
                informer.add_event_handler(recorder)
        factory.start()
        results = await factory.wait_for_cache_sync(60)  # raises if one did not sync
        assert len(results) == len(informers), results

        async def converged() -> None:
            def same() -> bool:
                for name, (informer, (group, resource)) in informers.items():
                    expected = server_state(server, group, resource)
                    if cache_state(informer) != expected:
                        return False
                    if any(
                        r.state != {k: int(v) for k, v in expected.items()} for r in recorders[name]
                    ):
                        return False
                return True

            await eventually(same, "the caches and handlers matching the server", 90)

        async def chaos() -> None:
            kinds = ["compact", "throttle", "fail", "restart-up", "gone"]
            done_downward = False
            next_at, turn = CHAOS_EVERY, 0
            while stats.writes < OPERATIONS:
                await asyncio.sleep(0.01)
                if not done_downward and stats.writes >= DOWNWARD_RESTART_AT:
                    done_downward = True
                    # Storage restored from an older backup: quiesce, so that the only
                    # resourceVersions going back are the ones the restart renumbered.
                    await gate.pause()
                    await converged()
                    for recorder in (r for rs in recorders.values() for r in rs):
                        recorder.allow_rv_reset = True
                    server.faults.restart(reset_rv=1)
                    stats.fault("restart-down")
                    await converged()
                    for recorder in (r for rs in recorders.values() for r in rs):
                        recorder.allow_rv_reset = False
                    late = Recorder("late")
                    recorders["configmaps"].append(late)
                    informers["configmaps"][0].add_event_handler(late)
                    gate.open.set()
                if stats.writes < next_at:
                    continue
                kind = kinds[turn % len(kinds)]
                turn += 1
                next_at += CHAOS_EVERY
                stats.fault(kind)
                if kind == "compact":
                    server.faults.compact()
                elif kind == "throttle":
                    server.faults.throttle(15, verb="watch", retry_after=0)
                    server.faults.throttle(5, verb="list", retry_after=0)
                elif kind == "fail":
                    server.faults.fail(8, code=500, verb="watch")
                    server.faults.fail(3, code=500, verb="list")
                elif kind == "restart-up":
                    server.faults.restart(reset_rv=server.store.resource_version + 5000)
                elif kind == "gone":
                    server.faults.compact()
                    server.faults.fail(2, code=410, verb="list")

        universe = [
            Target(resource, namespace, f"{resource[:2]}-{i:03}")
            for resource in ("configmaps", "widgets")
            for namespace in (NAMESPACES if resource == "configmaps" else NAMESPACES[:2])
            for i in range(NAMES)
        ]
        shards = [universe[i::WRITERS] for i in range(WRITERS)]
        quota = -(-OPERATIONS // WRITERS)
        await asyncio.gather(
            chaos(),
            *(
                writer(writers_cs, shard, SEED + i, quota, stats, gate)
                for i, shard in enumerate(shards)
            ),
        )
        server.faults.clear()
        await converged()
        await factory.shutdown()

    # The figures, for the report (pytest -s shows them).
    metrics = {name: informer.metrics for name, (informer, _) in informers.items()}
    events = sum(len(r.events) for rs in recorders.values() for r in rs)
    print(
        f"\nstress: {stats.writes} writes ({stats.creates} creates, {stats.updates} updates, "
        f"{stats.deletes} deletes), faults {stats.faults}, {events} handler notifications, "
        f"{time.monotonic() - started:.1f}s"
    )
    for name, m in metrics.items():
        print(
            f"  {name}: {m.events} watch events, {m.syncs} syncs ({m.watch_list_syncs} streamed), "
            f"{m.watches} watches, {m.expired} 410s, {m.throttled} 429s, {m.errors} errors, "
            f"{m.rv_regressions} regressions, {m.future_resource_versions} too-large RVs, "
            f"{m.watch_list_fallbacks} streaming fallbacks"
        )

    assert stats.writes >= OPERATIONS
    for name, handlers in recorders.items():
        informer = informers[name][0]
        final = {k: int(v) for k, v in cache_state(informer).items()}
        for recorder in handlers:
            assert recorder.violations == [], (recorder.name, recorder.violations[:5])
            assert recorder.state == final, recorder.name
    # The faults did bite: relists after 410s, throttling, the downward restart noticed.
    assert all(m.relists >= 3 and m.expired >= 1 for m in metrics.values())
    assert sum(m.throttled for m in metrics.values()) >= 1
    # The downward restart bit: noticed one way or the other, as timing has it (a watch event older
    # than the store, or the server answering that a resourceVersion is too large). An informer that
    # happened to be relisting at "" then needs neither, so this is asked of one informer at least;
    # every cache matching the server above is what is asked of all.
    assert any(m.rv_regressions + m.future_resource_versions >= 1 for m in metrics.values())
    assert any(
        kind == "delete" and tombstone
        for rs in recorders.values()
        for r in rs
        for kind, _, _, tombstone in r.events
    ), "no deletion was ever missed during a relist (no tombstone): the chaos is too mild"
