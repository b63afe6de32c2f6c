"""One object that does not fit its model does not stop a controller (or an informer)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from example_client.clientset import AsyncClientset
from example_client.models.example_kgen_io_v1 import Widget

from kgen.runtime import (
    AsyncManager,
    Controller,
    ReconcileRequest,
    ReconcileResult,
    Undecodable,
    load_kubeconfig,
)
from kgen.runtime import _yamlsafe
from kgen.testing import APIServer

from eventually import eventually

from .conftest import FAST

ROOT = Path(__file__).resolve().parents[3]


def loose_widget_crd(tmp_path: Path) -> Path:
    """The example Widget CRD with a spec the server takes as it is: what an older schema let in."""
    docs = list(
        _yamlsafe.load_all((ROOT / "specs" / "example-crds" / "example.kgen.io.yaml").read_text())
    )
    widget = next(d for d in docs if d and d["spec"]["names"]["kind"] == "Widget")
    for version in widget["spec"]["versions"]:
        schema = version["schema"]["openAPIV3Schema"]
        schema["properties"]["spec"] = {
            "type": "object",
            "x-kubernetes-preserve-unknown-fields": True,
        }
        version.pop("additionalPrinterColumns", None)
        version.pop("selectableFields", None)
    path = tmp_path / "widget.json"
    path.write_text(json.dumps(widget))
    return path


def body(name: str, color: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": name},
        "spec": {"color": color, "size": 1},
    }


async def test_an_undecodable_object_is_reported_and_picked_up_when_it_changes(
    tmp_path: Path,
) -> None:
    reported: list[Undecodable] = []
    seen: list[str] = []

    async def reconcile(request: ReconcileRequest, obj: Widget | None) -> ReconcileResult | None:
        if obj is not None:
            seen.append(request.name)
        return None

    with APIServer.from_inputs(
        specs=[ROOT / "specs" / "kube-core-subset"], crds=[loose_widget_crd(tmp_path)]
    ) as server:
        config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
        async with AsyncClientset(config) as cs:
            widgets = cs.dynamic.resource("example.kgen.io/v1/widgets").namespace("default")
            # Before the controller starts: the bad object is in the first list.
            await widgets.create(body("bad-listed", 42))
            await widgets.create(body("good", "red"))
            manager = AsyncManager(config, namespace="default", **FAST)
            manager.add(
                Controller(for_=Widget, reconcile=reconcile, on_undecodable=reported.append)
            )
            task = asyncio.create_task(manager.run())
            try:
                await eventually(lambda: _true("good" in seen))
                # After: a bad object arrives by watch; a good one still goes through.
                await widgets.create(body("bad-watched", ["not", "a", "color"]))
                await widgets.create(body("good-2", "blue"))
                await eventually(lambda: _true("good-2" in seen))
                await eventually(lambda: _true(len(reported) == 2))
                assert {r.key for r in reported} == {"default/bad-listed", "default/bad-watched"}
                assert all("$.spec.color" in r.error for r in reported)
                assert "bad-listed" not in seen and "bad-watched" not in seen
                # Fixed: it fits now, and is reconciled.
                current = await widgets.get("bad-listed")
                current.object["spec"]["color"] = "green"
                await widgets.update(current)
                await eventually(lambda: _true("bad-listed" in seen))
                if manager.metrics.enabled:
                    text = manager.metrics.exposition().decode()
                    assert (
                        'kgen_cache_undecodable_objects_total{resource="example.kgen.io/v1/widgets"} 2.0'
                        in text
                    )
            finally:
                manager.stop()
                await asyncio.wait_for(task, 30)


async def _true(value: bool) -> bool:
    return value
