"""The README's "Write a controller" operator runs as it stands (one screen of code), in a process of
its own against kgen.testing, until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from example_client.clientset import AsyncClientset
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime import NotFound, ObjectMeta, find_status_condition, load_kubeconfig
from kgen.testing import APIServer
from eventually import eventually

ROOT = Path(__file__).resolve().parents[2]
FINALIZER = "example.kgen.io/cleanup"


def operator_code() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Write a controller")
    section = text[start : text.index("\n## ", start + 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the section has one operator"
    return str(blocks[0])


def test_the_readme_operator_fits_on_one_screen() -> None:
    lines = operator_code().splitlines()
    assert len(lines) <= 50
    assert max(len(line) for line in lines) <= 100


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as server:
        yield server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_readme_operator_runs(server: APIServer, tmp_path: Path) -> None:
    code = operator_code()
    assert code.count("port=8080") == 1
    port = free_port()
    kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
    env = {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)]),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code.replace("port=8080", f"port={port}"),
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    config = load_kubeconfig(kubeconfig)
    try:
        async with AsyncClientset(config) as cs, httpx.AsyncClient() as http:
            widgets = cs.example_kgen_io_v1.widgets("default")
            configmaps = cs.core_v1.configmaps("default")

            async def probe(path: str) -> httpx.Response:
                return await http.get(f"http://127.0.0.1:{port}{path}")

            async def ready() -> bool:
                if process.returncode is not None:
                    raise RuntimeError(f"the operator exited with {process.returncode}")
                return (await probe("/readyz")).status_code == 200

            await eventually(ready)
            for name in ("w1", "w2"):
                await widgets.create(
                    Widget(
                        metadata=ObjectMeta(name=name),
                        spec=WidgetSpec(color="red", size=1, replicas=1),
                    )
                )

            async def converged(name: str, generation: int, color: str) -> Widget:
                got = await widgets.get(name)
                assert got.metadata is not None and FINALIZER in (got.metadata.finalizers or [])
                assert got.status is not None
                condition = find_status_condition(got.status.conditions, "Ready")
                assert condition is not None and condition.status == "True"
                assert condition.observed_generation == generation
                configmap = await configmaps.get(f"{name}-config")
                assert configmap.data == {"color": color}
                owner = configmap.metadata.owner_references[0]  # type: ignore[union-attr, index]
                assert (owner.kind, owner.name, owner.controller) == ("Widget", name, True)
                assert owner.uid == got.metadata.uid
                return got

            first = await eventually(lambda: converged("w1", 1, "red"))
            await eventually(lambda: converged("w2", 1, "red"))
            since = find_status_condition(first.status.conditions, "Ready").last_transition_time  # type: ignore[union-attr]

            # A spec change: the ConfigMap follows, the condition's observedGeneration too, and its
            # status did not change, so neither did its lastTransitionTime.
            first.spec.color = "blue"  # type: ignore[union-attr]
            await widgets.update(first)
            again = await eventually(lambda: converged("w1", 2, "blue"))
            assert find_status_condition(again.status.conditions, "Ready").last_transition_time == since  # type: ignore[union-attr]

            # Deletion: cleanup runs, then the finalizer goes and so does the Widget.
            await widgets.delete("w2")

            async def gone() -> bool:
                try:
                    await widgets.get("w2")
                except NotFound:
                    return True
                return False

            await eventually(gone)
            metrics = (await probe("/metrics")).text
            assert re.search(
                r'controller_runtime_reconcile_total\{controller="widget",result="success"\} '
                r"[1-9]",
                metrics,
            )
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()[-4000:]  # SIGTERM: a graceful stop
    assert stdout.decode().splitlines() == ["cleaning up after w2"]  # exactly once
