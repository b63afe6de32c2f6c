"""The example controller (examples/widget_controller.py) against kgen.testing's API server."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime._config import load_kubeconfig
from kgen.runtime._errors import NotFound
from kgen.runtime._meta import ObjectMeta
from kgen.testing import APIServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))
import widget_controller  # noqa: E402
from eventually import eventually  # noqa: E402


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with APIServer.from_package("example_client") as server:
        yield server


async def test_widget_controller_end_to_end(server: APIServer, tmp_path: Path) -> None:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    config.qps = 0
    replicas = {
        identity: asyncio.create_task(
            widget_controller.run(
                config,
                "default",
                identity,
                lease_duration=1.5,
                renew_deadline=1.0,
                retry_period=0.2,
                handle_signals=False,
            )
        )
        for identity in ("replica-a", "replica-b")
    }
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        configmaps = cs.core_v1.configmaps("default")
        leases = cs.coordination_v1.leases("default")
        try:
            leader = await eventually(lambda: _holder(leases))
            assert leader in replicas

            created = await widgets.create(
                Widget(
                    metadata=ObjectMeta(name="w1"), spec=WidgetSpec(color="red", size=1, replicas=2)
                )
            )

            async def configured() -> bool:
                configmap = await configmaps.get("w1-config")
                assert configmap.data == {"color": "red", "replicas": "2"}
                owner = configmap.metadata.owner_references[0]  # type: ignore[union-attr, index]
                assert (owner.kind, owner.uid, owner.controller) == ("Widget", created.metadata.uid, True)  # type: ignore[union-attr]
                return True

            await eventually(configured)

            async def ready(generation: int) -> Widget:
                widget = await widgets.get("w1")
                assert widget_controller.FINALIZER in (widget.metadata.finalizers or [])  # type: ignore[union-attr]
                assert widget.status is not None and widget.status.phase == "Ready"
                assert widget.status.observed_generation == generation
                assert widget.status.conditions and widget.status.conditions[0].status == "True"
                return widget

            first = await eventually(lambda: ready(1))
            first.spec.color = "blue"  # type: ignore[union-attr]
            await widgets.update(first)

            async def recolored() -> bool:
                assert (await configmaps.get("w1-config")).data["color"] == "blue"  # type: ignore[index]
                return True

            await eventually(recolored)
            await eventually(lambda: ready(2))

            # The leader steps down; the other replica takes over and keeps reconciling.
            replicas[leader].cancel()
            await asyncio.gather(replicas[leader], return_exceptions=True)
            follower = next(name for name in replicas if name != leader)
            await eventually(lambda: _is(leases, follower))
            await widgets.create(
                Widget(metadata=ObjectMeta(name="w2"), spec=WidgetSpec(color="green", size=1))
            )
            await eventually(lambda: configmaps.get("w2-config"))

            # Deleting a Widget runs the finalizer's cleanup, then the Widget goes.
            await widgets.delete("w1")

            async def gone() -> bool:
                for read in (lambda: widgets.get("w1"), lambda: configmaps.get("w1-config")):
                    try:
                        await read()
                        return False
                    except NotFound:
                        pass
                return True

            await eventually(gone)
        finally:
            for task in replicas.values():
                task.cancel()
            await asyncio.gather(*replicas.values(), return_exceptions=True)


async def _holder(leases: Any) -> str | None:
    lease = await leases.get("widget-controller")
    return lease.spec.holder_identity if lease.spec else None


async def _is(leases: Any, identity: str) -> bool:
    return await _holder(leases) == identity
