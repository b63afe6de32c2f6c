"""An example controller for the Widget custom resource (example.kgen.io/v1), on kgen's controller toolkit.

For every Widget it keeps a ConfigMap ``<widget>-config`` (controlled by the Widget, so deleting the
Widget garbage-collects it, and changing or deleting the ConfigMap reconciles the Widget again) holding
the Widget's color and replica count, and reports a ``Ready`` condition in the Widget's status. A
finalizer makes cleanup run before the Widget disappears; leader election on the Lease
``widget-controller`` lets several replicas run while one acts. The manager brings the rest: shared
informers, a rate-limited queue, retries with backoff, SIGTERM, and ``/healthz``, ``/readyz`` and
``/metrics`` on ``--port``.

Run it against a cluster where the CRDs of specs/example-crds are installed::

    python examples/widget_controller.py --namespace default --port 8080
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import uuid

from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetStatus

from kgen.runtime import (
    AsyncFinalizer,
    AsyncManager,
    Config,
    Controller,
    LeaderElectionOptions,
    NotFound,
    ObjectMeta,
    ReconcileRequest,
    ReconcileResult,
    async_retry_on_conflict,
    load_config,
    new_condition,
    set_controller_reference,
    set_status_condition,
)

FINALIZER = "example.kgen.io/cleanup"
MANAGER = "widget-controller"


class WidgetReconciler:
    def __init__(self, clientset: AsyncClientset) -> None:
        self.cs = clientset
        self.finalizer: AsyncFinalizer[Widget] = AsyncFinalizer(FINALIZER)

    async def reconcile(
        self, request: ReconcileRequest, widget: Widget | None
    ) -> ReconcileResult | None:
        if widget is None:
            return None  # gone: its ConfigMap is garbage-collected through the owner reference
        widgets = self.cs.example_kgen_io_v1.widgets(request.namespace)
        return await self.finalizer.finalize(
            widgets, widget, apply=self.apply, cleanup=self.cleanup
        )

    async def apply(self, widget: Widget) -> ReconcileResult | None:
        assert widget.spec is not None
        namespace, name = widget.metadata.namespace or "", widget.metadata.name or ""
        configmap = ConfigMap(
            metadata=ObjectMeta(
                name=f"{name}-config",
                namespace=namespace,
                labels={"app.kubernetes.io/managed-by": MANAGER},
            ),
            data={"color": widget.spec.color, "replicas": str(widget.spec.replicas or 0)},
        )
        set_controller_reference(widget, configmap)
        await self.cs.core_v1.configmaps(namespace).apply(
            configmap, field_manager=MANAGER, force=True
        )
        widgets = self.cs.example_kgen_io_v1.widgets(namespace)

        async def write_status() -> None:
            current = await widgets.get(name)  # the latest, read again on every attempt
            generation = current.metadata.generation
            status = current.status or WidgetStatus()
            status.conditions = status.conditions or []
            ready = new_condition(
                "Ready",
                "True",
                "ConfigMapApplied",
                f"{name}-config holds the widget's settings",
                observed_generation=generation,
            )
            if (
                set_status_condition(status.conditions, ready)
                or status.observed_generation != generation
            ):
                status.phase, status.observed_generation = "Ready", generation
                status.replicas = current.spec.replicas if current.spec else None
                current.status = status
                await widgets.update_status(current)

        await async_retry_on_conflict(write_status)
        return None

    async def cleanup(self, widget: Widget) -> None:
        configmaps = self.cs.core_v1.configmaps(widget.metadata.namespace or "")
        try:
            await configmaps.delete(
                f"{widget.metadata.name}-config", propagation_policy="Background"
            )
        except NotFound:
            pass


async def run(
    config: Config,
    namespace: str,
    identity: str,
    *,
    lease_duration: float = 15.0,
    renew_deadline: float = 10.0,
    retry_period: float = 2.0,
    port: int | None = None,
    handle_signals: bool = True,
) -> None:
    """Compete for the Lease ``widget-controller``; reconcile Widgets while leading, until SIGTERM."""
    election = LeaderElectionOptions(
        namespace, MANAGER, identity, lease_duration, renew_deadline, retry_period
    )
    manager = AsyncManager(
        config,
        namespace=namespace,
        leader_election=election,
        port=port,
        handle_signals=handle_signals,
    )
    reconciler = WidgetReconciler(manager.clientset(AsyncClientset))
    manager.add(
        Controller(
            for_=Widget,
            owns=[ConfigMap],
            reconcile=reconciler.reconcile,
            max_concurrent_reconciles=2,
        )
    )
    await manager.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default=os.environ.get("POD_NAMESPACE", "default"))
    parser.add_argument("--identity", default=f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}")
    parser.add_argument("--port", type=int, default=None, help="serve /healthz, /readyz, /metrics")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run(load_config(), args.namespace, args.identity, port=args.port))


if __name__ == "__main__":
    main()
