"""A controller against a real kube-apiserver too: scripts/conformance.py runs this module with
``KGEN_CONFORMANCE_KUBECONFIG`` set (then the example CRDs are installed if missing); without it, against
kgen.testing. Only what both servers do is asserted: the finalizer, the owned ConfigMap, the Ready
condition, owned objects enqueueing their owner, and the garbage collector deleting the ConfigMap.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import ConfigMap, Namespace
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime import (
    AsyncDynamicClient,
    AsyncManager,
    Config,
    Controller,
    NotFound,
    ObjectMeta,
    is_status_condition_true,
    load_kubeconfig,
)
from kgen.runtime import _yamlsafe as yamlsafe
from kgen.testing import APIServer

from eventually import eventually

from .conftest import FAST
from .test_controller import FINALIZER, WidgetOperator

REAL_KUBECONFIG = os.environ.get("KGEN_CONFORMANCE_KUBECONFIG")
ROOT = Path(__file__).resolve().parents[3]
WAIT = 60.0


async def _install_example_crds(config: Config) -> None:
    """Against a real server: the CRDs of specs/example-crds, unless present, then wait until served."""
    async with AsyncClientset(config) as cs:
        dynamic = AsyncDynamicClient(cs.transport)
        crds = dynamic.resource("apiextensions.k8s.io/v1/customresourcedefinitions")
        text = (ROOT / "specs" / "example-crds" / "example.kgen.io.yaml").read_text()
        for crd in yamlsafe.load_all(text):
            if not crd:
                continue
            try:
                await crds.get(crd["metadata"]["name"])
            except NotFound:
                await crds.create(crd)

        async def served() -> bool:
            await cs.example_kgen_io_v1.widgets("default").list(limit=1)
            return True

        await eventually(served, timeout=WAIT)


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[tuple[Config, str]]:
    """A config and a fresh namespace, on the real server when the conformance run says so."""
    server: APIServer | None = None
    if REAL_KUBECONFIG:
        config = load_kubeconfig(REAL_KUBECONFIG)
        await _install_example_crds(config)
    else:
        server = APIServer.from_package("example_client").start()
        config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    namespace = f"t-{secrets.token_hex(4)}"
    async with AsyncClientset(config) as cs:
        await cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=namespace)))
        try:
            yield config, namespace
        finally:
            await cs.core_v1.namespaces().delete(namespace)
            if server is not None:
                server.stop()


async def test_a_controller_converges_and_cleans_up(target: tuple[Config, str]) -> None:
    config, namespace = target
    manager = AsyncManager(config, namespace=namespace, **FAST)
    operator = WidgetOperator(manager)
    manager.add(
        Controller(
            for_=Widget, owns=[ConfigMap], reconcile=operator.reconcile, max_concurrent_reconciles=2
        )
    )
    task = asyncio.create_task(manager.run())
    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets(namespace)
        configmaps = cs.core_v1.configmaps(namespace)
        names = ["w0", "w1", "w2"]
        try:
            for name in names:
                await widgets.create(
                    Widget(
                        metadata=ObjectMeta(name=name),
                        spec=WidgetSpec(color="red", size=1, replicas=1),
                    )
                )

            async def converged(name: str) -> Widget | None:
                got = await widgets.get(name)
                assert got.metadata is not None and FINALIZER in (got.metadata.finalizers or [])
                done = got.status is not None and is_status_condition_true(
                    got.status.conditions, "Ready"
                )
                return got if done else None

            for name in names:
                widget = await eventually(lambda: converged(name), timeout=WAIT)
                configmap = await configmaps.get(f"{name}-config")
                owner = configmap.metadata.owner_references[0]  # type: ignore[union-attr, index]
                assert (owner.uid, owner.controller) == (widget.metadata.uid, True)
                assert configmap.data == {"color": "red"}

            # An owned ConfigMap changed by someone else: its Widget is reconciled and puts it back.
            drifted = await configmaps.get("w0-config")
            drifted.data = {"color": "green"}
            await configmaps.update(drifted)

            async def restored() -> bool:
                return (await configmaps.get("w0-config")).data == {"color": "red"}

            await eventually(restored, timeout=WAIT)

            # Deletion: cleanup once each, the finalizer goes, the Widget and (GC) its ConfigMap go.
            for name in names:
                await widgets.delete(name)

            async def all_gone() -> bool:
                ours = [c for c in (await configmaps.list()).items if c.metadata]
                left = [c.metadata.name for c in ours if (c.metadata.name or "").startswith("w")]
                return not (await widgets.list()).items and not left

            await eventually(all_gone, timeout=WAIT)
            assert sorted(operator.cleanups) == names
        finally:
            manager.stop()
            await asyncio.wait_for(task, 30)
