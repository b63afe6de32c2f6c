"""kgen's controller toolkit and kopf on the same work, side by side (``python -m benchmarks controllers``).

    python -m benchmarks.controllers [COUNT]     # 1,000 Widgets by default

Each implementation runs ``KGEN_BENCH_CONTROLLER_ROUNDS`` times (3 by default), the rounds
interleaved; the table gives the median of each figure, and the ratio of each round.

For each implementation: a fresh kgen.testing server (serving ``example_client``'s API, in its own
process), the controller in its own process, and this process as the driver. Once the controller is
ready (kgen: its caches synced; kopf: its ready flag, then one second more for its watches to start),
the driver creates COUNT Widgets at once (64 requests in flight) and follows them with two watches
until every Widget has a ``Ready=True`` condition in its status and an owned ConfigMap
``<name>-config`` exists (checked once more with a list at the end). Measured:

- **time to converge**: from the first create to the watch event that completes the work;
- **CPU seconds** of the controller process, all of it and what it spent after it was ready;
- **peak RSS** of the controller process (``VmHWM``, read when it has converged);
- **server CPU**: what the kgen.testing process spent in all (the driver's share is the same for
  both), to see what each controller costs the API server.

Both controllers do the same requests per Widget: create the ConfigMap (owner reference to the
Widget, controller true) and write the status condition; neither is client-side rate limited (the
kgen manager's default of 20 QPS is lifted, as kopf has none), and kopf posts no Kubernetes events
(kgen's controller records none). kopf writes its own bookkeeping (the last-handled-configuration
annotation) as it always does; kgen reconciles from its informer cache, with owned ConfigMaps read from
the cache too. The goal (issue 11): kgen converges in at most half of kopf's time and memory.

A third row, ``floor``, is no controller: one watch and, for each new Widget, the same two writes
at once (``run_floor``). It converges as fast as the server lets any client: when the server is the
bottleneck (its CPU seconds near the time to converge), floor/kopf is the best time ratio any
controller can reach on this machine.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
NAMESPACE = "default"
IN_FLIGHT = 64
WORKERS = int(os.environ.get("KGEN_BENCH_WORKERS", "4"))  # the kgen controller's reconcilers
DEADLINE = 1800.0


def _env() -> dict[str, str]:
    path = os.pathsep.join(p for p in (str(GENERATED), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the server -----------------------------------------------------------------------------------


def _profile(pid: int, name: str) -> subprocess.Popen[bytes] | None:
    """With ``KGEN_BENCH_SERVER_PROFILE`` set (a directory), sample a process (the server, or a
    controller once it is ready) with py-spy into ``<name>.txt`` there (collapsed stacks, for
    flamegraph.pl or a sort by count)."""
    directory = os.environ.get("KGEN_BENCH_SERVER_PROFILE")
    if not directory:
        return None
    target = str(Path(directory) / f"{name}.txt")
    command = ["py-spy", "record", "--pid", str(pid), "--output", target, "--format", "raw"]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@contextmanager
def _server(directory: Path, usage: dict[str, float], impl: str) -> Iterator[Path]:
    """A kgen.testing server in a process of its own; its CPU seconds go to ``usage["cpu_s"]``."""
    kubeconfig = directory / "kubeconfig"
    process = subprocess.Popen(
        [sys.executable, "-m", "kgen.testing", "--package", "example_client"]
        + ["--history", "1000000", "--kubeconfig", str(kubeconfig)],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    profiler = None
    try:
        deadline = time.monotonic() + 60
        while not (kubeconfig.exists() and kubeconfig.stat().st_size):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the kgen.testing server did not start")
            time.sleep(0.05)
        time.sleep(0.2)  # the file is written in one go, but let it be complete
        profiler = _profile(process.pid, f"server-{impl}")
        yield kubeconfig
    finally:
        if profiler is not None:
            profiler.send_signal(signal.SIGINT)  # py-spy writes its file when interrupted
            profiler.wait()
        process.terminate()
        _, _, rusage = os.wait4(process.pid, 0)
        process.returncode = 0
        usage["cpu_s"] = rusage.ru_utime + rusage.ru_stime


# --- the controllers (each run in a process of its own) -------------------------------------------


def _condition(generation: Any) -> dict[str, Any]:
    return {
        "type": "Ready",
        "status": "True",
        "reason": "ConfigMapApplied",
        "message": "the ConfigMap holds the widget's color",
        "lastTransitionTime": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "observedGeneration": generation,
    }


def run_kgen(kubeconfig: str) -> None:
    from copy import copy

    from example_client.clientset import AsyncClientset
    from example_client.models.core_v1 import ConfigMap
    from example_client.models.example_kgen_io_v1 import Widget
    from msgspec import to_builtins

    from kgen.runtime import (
        GENERATION_CHANGED,
        AlreadyExists,
        AsyncManager,
        Controller,
        ObjectMeta,
        PatchType,
        ReconcileRequest,
        ReconcileResult,
        load_kubeconfig,
        new_condition,
        set_controller_reference,
        set_status_condition,
    )

    manager = AsyncManager(load_kubeconfig(kubeconfig), namespace=NAMESPACE, qps=0)
    cs = manager.clientset(AsyncClientset)
    configmaps = manager.factory.informer_for(ConfigMap).indexer

    async def reconcile(request: ReconcileRequest, widget: Widget | None) -> ReconcileResult | None:
        if widget is None or widget.metadata is None or widget.spec is None:
            return None
        name = f"{request.name}-config"
        if configmaps.get_by_key(f"{request.namespace}/{name}") is None:
            configmap = ConfigMap(
                metadata=ObjectMeta(name=name, namespace=request.namespace),
                data={"color": widget.spec.color},
            )
            set_controller_reference(widget, configmap)
            try:
                await cs.core_v1.configmaps(request.namespace).create(configmap)
            except AlreadyExists:
                pass
        # The cached widget is read-only: the conditions changed are copies.
        conditions = [copy(c) for c in (widget.status.conditions if widget.status else None) or ()]
        ready = new_condition(
            "Ready",
            "True",
            "ConfigMapApplied",
            "the ConfigMap holds the widget's color",
            observed_generation=widget.metadata.generation,
        )
        if set_status_condition(conditions, ready):
            # A merge patch, as kopf's: the cache may be a status write behind (no 409 then).
            body = {"status": {"conditions": [to_builtins(c) for c in conditions]}}
            await cs.example_kgen_io_v1.widgets(request.namespace).patch_status(
                request.name, body, patch_type=PatchType.MERGE
            )
        return None

    manager.add(
        Controller(
            for_=Widget,
            owns=[ConfigMap],
            reconcile=reconcile,
            predicates=[GENERATION_CHANGED],
            max_concurrent_reconciles=WORKERS,
        )
    )

    async def main() -> None:
        task = asyncio.create_task(manager.run())
        while not manager.started.is_set():
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        print(f"ready {_cpu()}", flush=True)
        await task

    asyncio.run(main())


def run_floor(kubeconfig: str) -> None:
    """Not a controller: the least client work that does the same writes, to show the floor the
    server sets. One watch of Widgets (no cache, queue or retries); each new Widget gets its
    ConfigMap and its status condition at once, from a task of its own. No controller can converge
    faster than this against the same server; if this is not at half of kopf's time, no controller
    is."""
    from example_client.clientset import AsyncClientset
    from example_client.models.core_v1 import ConfigMap
    from example_client.models.example_kgen_io_v1 import Widget

    from kgen.runtime import ObjectMeta, PatchType, load_kubeconfig, set_controller_reference

    config = load_kubeconfig(kubeconfig)
    config.qps = 0

    async def main() -> None:
        async with AsyncClientset(config) as cs:
            widgets = cs.example_kgen_io_v1.widgets(NAMESPACE)
            configmaps = cs.core_v1.configmaps(NAMESPACE)
            version = (await widgets.list()).metadata.resource_version
            tasks: set[asyncio.Task[None]] = set()

            async def reconcile(widget: Widget) -> None:
                assert widget.metadata is not None and widget.spec is not None
                name = widget.metadata.name
                configmap = ConfigMap(
                    metadata=ObjectMeta(name=f"{name}-config", namespace=NAMESPACE),
                    data={"color": widget.spec.color},
                )
                set_controller_reference(widget, configmap)
                await configmaps.create(configmap)
                patch = {"status": {"conditions": [_condition(widget.metadata.generation)]}}
                await widgets.patch_status(str(name), patch, patch_type=PatchType.MERGE)

            print(f"ready {_cpu()}", flush=True)
            async for event in widgets.watch_from(version):
                if event.type == "ADDED":
                    task = asyncio.create_task(reconcile(event.object))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)

    asyncio.run(main())


def run_kopf(kubeconfig: str) -> None:
    import aiohttp
    import kopf
    import yaml

    document = yaml.safe_load(Path(kubeconfig).read_text())
    server = document["clusters"][0]["cluster"]["server"]
    token = document["users"][0]["user"].get("token")
    session: dict[str, aiohttp.ClientSession] = {}

    @kopf.on.login()
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(server=server, token=token, default_namespace=NAMESPACE)

    @kopf.on.startup()
    async def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
        settings.posting.enabled = False
        settings.scanning.disabled = True
        session["http"] = aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"})

    @kopf.on.cleanup()
    async def close(**_: Any) -> None:
        await session["http"].close()

    @kopf.on.create("example.kgen.io", "v1", "widgets")
    async def create(
        body: kopf.Body, spec: kopf.Spec, name: str, namespace: str, patch: kopf.Patch, **_: Any
    ) -> None:
        configmap: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"{name}-config", "namespace": namespace},
            "data": {"color": spec["color"]},
        }
        kopf.adopt(configmap, owner=body)
        url = f"{server}/api/v1/namespaces/{namespace}/configmaps"
        async with session["http"].post(url, json=configmap) as response:
            if response.status not in (201, 409):
                raise kopf.TemporaryError(f"ConfigMap: {response.status}", delay=1)
        patch.status["conditions"] = [_condition(body.metadata.get("generation"))]

    ready = threading.Event()

    def announce() -> None:
        ready.wait()
        time.sleep(1.0)  # the ready flag comes before the watches have listed
        print(f"ready {_cpu()}", flush=True)

    threading.Thread(target=announce, daemon=True).start()
    kopf.configure(verbose=False, debug=False, log_format=kopf.LogFormat.PLAIN)
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    kopf.run(standalone=True, namespaces=[NAMESPACE], ready_flag=ready)


# --- the driver ------------------------------------------------------------------------------------


async def _drive(kubeconfig: Path, count: int) -> dict[str, float]:
    sys.path.insert(0, str(GENERATED))
    from example_client.clientset import AsyncClientset
    from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

    from kgen.runtime import ObjectMeta, is_status_condition_true, load_kubeconfig

    config = load_kubeconfig(kubeconfig)
    config.qps = 0
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets(NAMESPACE)
        configmaps = cs.core_v1.configmaps(NAMESPACE)
        gate = asyncio.Semaphore(IN_FLIGHT)
        # Progress is followed with two watches (from before the first create), not by listing
        # 1,000 objects again and again: the driver's load on the server stays small, and the
        # time of convergence is that of the event that completes it.
        ready: set[str] = set()
        owned: set[str] = set()
        done = asyncio.Event()
        finished = 0.0

        def note(names: set[str], name: str, now_done: bool) -> None:
            nonlocal finished
            if now_done:
                names.add(name)
            else:
                names.discard(name)
            if len(ready) == count and len(owned) == count and not done.is_set():
                finished = time.perf_counter()
                done.set()

        async def follow_widgets(version: str) -> None:
            async for event in widgets.watch_from(version):
                if event.type in ("ADDED", "MODIFIED"):
                    assert event.object.metadata is not None
                    status = event.object.status
                    ok = status is not None and is_status_condition_true(status.conditions, "Ready")
                    note(ready, event.object.metadata.name, ok)

        async def follow_configmaps(version: str) -> None:
            async for event in configmaps.watch_from(version):
                if event.type in ("ADDED", "MODIFIED"):
                    meta = event.object.metadata
                    assert meta is not None and meta.name is not None
                    note(owned, meta.name, bool(meta.owner_references))

        followers = [
            asyncio.create_task(follow_widgets((await widgets.list()).metadata.resource_version)),
            asyncio.create_task(
                follow_configmaps((await configmaps.list()).metadata.resource_version)
            ),
        ]

        async def create(index: int) -> None:
            async with gate:
                await widgets.create(
                    Widget(
                        metadata=ObjectMeta(name=f"w{index:05d}"),
                        spec=WidgetSpec(color="red", size=1),
                    )
                )

        try:
            start = time.perf_counter()
            await asyncio.gather(*(create(index) for index in range(count)))
            created = time.perf_counter() - start
            waiting = asyncio.create_task(done.wait())
            await asyncio.wait(
                [waiting, *followers], timeout=DEADLINE, return_when="FIRST_COMPLETED"
            )
            for follower in followers:
                if follower.done():
                    follower.result()  # a watch that failed
            if not done.is_set():
                raise RuntimeError(
                    f"not converged in {DEADLINE}s: {len(ready)} ready, {len(owned)} owned"
                )
        finally:
            for task in followers:
                task.cancel()
            await asyncio.gather(*followers, return_exceptions=True)
        # What the watches said, checked once against the server.
        listed = (await widgets.list()).items
        assert (
            sum(
                1
                for w in listed
                if w.status is not None and is_status_condition_true(w.status.conditions, "Ready")
            )
            == count
        ), "a Widget is not Ready"
        assert (
            sum(
                1
                for c in (await configmaps.list()).items
                if c.metadata is not None and c.metadata.owner_references
            )
            == count
        ), "a ConfigMap is missing"
        return {"converge_s": finished - start, "create_s": created}


def _measure_one(impl: str, count: int) -> dict[str, Any]:
    server: dict[str, float] = {}
    profiler = None
    with (
        tempfile.TemporaryDirectory(prefix="kgen-bench-ctl-") as directory,
        _server(Path(directory), server, impl) as kubeconfig,
    ):
        child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.controllers", "--controller", impl, str(kubeconfig)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout is not None
            line = child.stdout.readline().split()
            if not line or line[0] != "ready":
                raise RuntimeError(f"the {impl} controller did not start")
            cpu_at_ready = float(line[1])
            profiler = _profile(child.pid, f"controller-{impl}")
            figures = asyncio.run(_drive(kubeconfig, count))
            peak_kb = _peak_rss_kb(child.pid)
        finally:
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait()
            child.send_signal(signal.SIGTERM)
            killer = threading.Timer(60, lambda: child.kill())
            killer.start()
            _, _, usage = os.wait4(child.pid, 0)
            killer.cancel()
            child.returncode = 0
        cpu = usage.ru_utime + usage.ru_stime
    return {
        **figures,
        "cpu_s": cpu,
        "cpu_after_ready_s": cpu - cpu_at_ready,
        "peak_rss_mb": peak_kb / 1024,
        "server_cpu_s": server["cpu_s"],
    }


def _peak_rss_kb(pid: int) -> int:
    """The process's peak RSS (VmHWM). Not ``wait4``'s ru_maxrss: Linux keeps that across exec, so a
    child forked from this (large) process would report this process's size."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc: peak memory is measured on Linux only")


def have_kopf() -> bool:
    return (
        subprocess.run([sys.executable, "-c", "import kopf"], capture_output=True).returncode == 0
    )


IMPLEMENTATIONS = ("kgen", "kopf", "floor")
ROUNDS = int(os.environ.get("KGEN_BENCH_CONTROLLER_ROUNDS", "3"))


def measure(count: int = 1000, rounds: int = ROUNDS) -> dict[str, Any]:
    """Each implementation ``rounds`` times, interleaved (kgen, kopf, floor, kgen, ...): a row per
    implementation holds the median of each figure, ``rounds`` every round's rows. One round's time
    to converge varies by a tenth or more on a shared 2-core machine."""
    rows: dict[str, Any] = {"objects": count, "rounds": []}
    for _ in range(rounds):
        measured: dict[str, Any] = {}
        for impl in IMPLEMENTATIONS:
            if impl == "kopf" and not have_kopf():
                measured[impl] = {"error": "kopf is not installed (pip install kopf)"}
                continue
            try:
                measured[impl] = _measure_one(impl, count)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                measured[impl] = {"error": f"{type(exc).__name__}: {exc}"}
        rows["rounds"].append(measured)
    for impl in IMPLEMENTATIONS:
        runs = [r[impl] for r in rows["rounds"]]
        failed = [run for run in runs if "error" in run]
        rows[impl] = (
            failed[0]
            if failed
            else {key: statistics.median(run[key] for run in runs) for key in runs[0]}
        )
    return rows


def report(rows: dict[str, Any]) -> None:
    print(
        f"\nControllers: {rows['objects']:,} Widgets created at once, each reconciled to a Ready"
        " condition and an owned ConfigMap (kgen.testing, each controller in its own process),"
        f" median of {len(rows.get('rounds', [])) or 1} interleaved rounds:"
    )
    print(
        f"  {'':<6} {'converge':>10} {'creates':>9} {'CPU total':>10} {'CPU work':>9}"
        f" {'peak RSS':>9} {'server CPU':>11}"
    )
    for impl in IMPLEMENTATIONS:
        row = rows.get(impl, {})
        if "error" in row:
            print(f"  {impl:<6} {row['error']}")
            continue
        print(
            f"  {impl:<6} {row['converge_s']:9.1f}s {row['create_s']:8.1f}s {row['cpu_s']:9.1f}s"
            f" {row['cpu_after_ready_s']:8.1f}s {row['peak_rss_mb']:7.0f}MB"
            f" {row['server_cpu_s']:10.1f}s"
        )
    kgen, kopf = rows.get("kgen", {}), rows.get("kopf", {})
    if "converge_s" in kgen and "converge_s" in kopf:
        print(
            f"  kgen/kopf: time {kgen['converge_s'] / kopf['converge_s']:.2f}x, CPU"
            f" {kgen['cpu_after_ready_s'] / kopf['cpu_after_ready_s']:.2f}x, memory"
            f" {kgen['peak_rss_mb'] / kopf['peak_rss_mb']:.2f}x (goal: time and memory <= 0.5x)"
        )
        each = [
            r["kgen"]["converge_s"] / r["kopf"]["converge_s"]
            for r in rows.get("rounds", [])
            if "converge_s" in r.get("kgen", {}) and "converge_s" in r.get("kopf", {})
        ]
        if len(each) > 1:
            print("  kgen/kopf time in each round: " + ", ".join(f"{ratio:.2f}x" for ratio in each))
    floor = rows.get("floor", {})
    if "converge_s" in floor and "converge_s" in kopf:
        print(
            f"  floor/kopf: time {floor['converge_s'] / kopf['converge_s']:.2f}x (the same writes"
            " with the least client work: how fast the server lets any controller converge)"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--controller"]:
        impl, kubeconfig = argv[1], argv[2]
        run = {"kgen": run_kgen, "kopf": run_kopf, "floor": run_floor}[impl]
        profile = os.environ.get("KGEN_BENCH_PROFILE")  # a directory: cProfile of the controllers
        if profile:
            import cProfile

            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            cProfile.runctx("run(kubeconfig)", globals(), locals(), f"{profile}/{impl}.prof")
        else:
            run(kubeconfig)
        return 0
    count = int(argv[0]) if argv else int(os.environ.get("KGEN_BENCH_CONTROLLER_OBJECTS", "1000"))
    report(measure(count))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
