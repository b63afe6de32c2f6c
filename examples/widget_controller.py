"""An example controller for the Widget custom resource (example.kgen.io/v1), built from kgen's pieces.

For every Widget it keeps a ConfigMap ``<widget>-config`` (owned by the Widget, so deleting the Widget
garbage-collects it) holding the Widget's color and replica count, and reports progress in the Widget's
status. It shows the usual controller shape:

- a client generated for the CRD (``example_client``, from ``specs/example-crds``);
- shared informers and listers (reads come from the cache, not the server);
- a rate-limited workqueue of ``namespace/name`` keys (a key is never reconciled twice at once);
- reconcile: ConfigMap written with server-side apply (owner reference included), status written with
  ``update_status`` under ``retry_on_conflict``;
- a finalizer, so cleanup runs before the Widget disappears;
- leader election on a Lease, so several replicas can run and only one acts.

Run it against a cluster where the CRDs of specs/example-crds are installed::

    python examples/widget_controller.py --namespace default --identity "$HOSTNAME"
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timezone

from example_client.clientset import AsyncClientset
from example_client.informers import AsyncSharedInformerFactory
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetStatus

from kgen.runtime import (
    AsyncLeaderElector,
    AsyncRateLimitingQueue,
    Condition,
    Config,
    DeletedFinalStateUnknown,
    LeaderContext,
    LeaderElectionConfig,
    LeaseLock,
    NotFound,
    ObjectMeta,
    OwnerReference,
    PatchType,
    ResourceEventHandlerFuncs,
    ShutDown,
    load_config,
)
from kgen.runtime import async_retry_on_conflict as retry_on_conflict

log = logging.getLogger("widget-controller")

FINALIZER = "example.kgen.io/cleanup"
MANAGER = "widget-controller"


def key_of(obj: Widget | ConfigMap) -> str:
    return f"{obj.metadata.namespace}/{obj.metadata.name}"


class WidgetController:
    def __init__(self, clientset: AsyncClientset, namespace: str, *, workers: int = 2) -> None:
        self.cs = clientset
        self.namespace = namespace
        self.workers = workers
        self.factory = AsyncSharedInformerFactory(clientset, namespace=namespace)
        self.widgets = self.factory.example_kgen_io_v1.widgets
        self.configmaps = self.factory.core_v1.configmaps
        self.queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(name="widgets")
        self.reconciled = 0  # for tests and logs

    # --- events -------------------------------------------------------------------------------------

    def _enqueue(self, obj: Widget | DeletedFinalStateUnknown[Widget]) -> None:
        widget = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        self.queue.add(key_of(widget))

    def _enqueue_owner(self, obj: ConfigMap | DeletedFinalStateUnknown[ConfigMap]) -> None:
        # A ConfigMap we own changed (or was deleted by someone): reconcile its Widget.
        configmap = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        for ref in configmap.metadata.owner_references or []:
            if ref.kind == "Widget" and ref.controller:
                self.queue.add(f"{configmap.metadata.namespace}/{ref.name}")

    # --- reconcile ----------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> None:
        namespace, name = key.split("/", 1)
        try:
            widget = self.widgets.lister().namespace(namespace).get(name)
        except NotFound:
            return  # gone: its ConfigMap is garbage-collected through the owner reference
        widgets = self.cs.example_kgen_io_v1.widgets(namespace)
        assert widget.metadata.name is not None
        if widget.metadata.deletion_timestamp is not None:
            await self._finalize(widget)
            return
        if FINALIZER not in (widget.metadata.finalizers or []):
            # A JSON patch that tests the resourceVersion: it only applies to the Widget we read.
            await widgets.patch(
                name,
                [
                    {
                        "op": "test",
                        "path": "/metadata/resourceVersion",
                        "value": widget.metadata.resource_version,
                    },
                    {
                        "op": "add",
                        "path": "/metadata/finalizers",
                        "value": [*(widget.metadata.finalizers or []), FINALIZER],
                    },
                ],
                patch_type=PatchType.JSON,
            )
            return  # the update brings us back here
        await self._apply_configmap(widget)
        await self._update_status(namespace, name)
        self.reconciled += 1

    async def _apply_configmap(self, widget: Widget) -> None:
        assert widget.spec is not None
        owner = OwnerReference(
            api_version="example.kgen.io/v1",
            kind="Widget",
            name=widget.metadata.name or "",
            uid=widget.metadata.uid or "",
            controller=True,
            block_owner_deletion=True,
        )
        desired = ConfigMap(
            metadata=ObjectMeta(
                name=f"{widget.metadata.name}-config",
                namespace=widget.metadata.namespace,
                labels={"app.kubernetes.io/managed-by": MANAGER},
                owner_references=[owner],
            ),
            data={"color": widget.spec.color, "replicas": str(widget.spec.replicas or 0)},
        )
        await self.cs.core_v1.configmaps(widget.metadata.namespace or "").apply(
            desired, field_manager=MANAGER, force=True
        )

    async def _update_status(self, namespace: str, name: str) -> None:
        widgets = self.cs.example_kgen_io_v1.widgets(namespace)

        async def write() -> Widget:
            current = await widgets.get(name)  # the latest, read again on every attempt
            generation = current.metadata.generation
            status = current.status or WidgetStatus()
            if status.observed_generation == generation and status.phase == "Ready":
                return current
            status.phase = "Ready"
            status.observed_generation = generation
            status.replicas = current.spec.replicas if current.spec else None
            status.conditions = [
                Condition(
                    type="Ready",
                    status="True",
                    reason="ConfigMapApplied",
                    message=f"{name}-config holds the widget's settings",
                    last_transition_time=datetime.now(timezone.utc).replace(microsecond=0),
                    observed_generation=generation,
                )
            ]
            current.status = status
            return await widgets.update_status(current)

        await retry_on_conflict(write)

    async def _finalize(self, widget: Widget) -> None:
        namespace, name = widget.metadata.namespace or "", widget.metadata.name or ""
        try:
            await self.cs.core_v1.configmaps(namespace).delete(
                f"{name}-config", propagation_policy="Background"
            )
        except NotFound:
            pass
        widgets = self.cs.example_kgen_io_v1.widgets(namespace)

        async def release() -> None:
            current = await widgets.get(name)
            remaining = [f for f in current.metadata.finalizers or [] if f != FINALIZER]
            if remaining != (current.metadata.finalizers or []):
                current.metadata.finalizers = remaining
                await widgets.update(current)

        try:
            await retry_on_conflict(release)
        except NotFound:
            pass

    # --- running ------------------------------------------------------------------------------------

    async def _worker(self) -> None:
        while True:
            try:
                key = await self.queue.get()
            except ShutDown:
                return
            try:
                await self.reconcile(key)
            except Exception:  # noqa: BLE001 - logged, retried with backoff
                log.exception("reconciling %s failed; retrying", key)
                try:
                    self.queue.add_rate_limited(key)
                except ShutDown:
                    pass
            else:
                self.queue.forget(key)
            finally:
                self.queue.done(key)

    async def run(self, ready: asyncio.Event | None = None) -> None:
        """Reconcile until cancelled (the leader-election callback runs this)."""
        self.widgets.informer().add_event_handler(
            ResourceEventHandlerFuncs(
                on_add=lambda obj, initial: self._enqueue(obj),
                on_update=lambda old, new: self._enqueue(new),
                on_delete=self._enqueue,
            )
        )
        self.configmaps.informer().add_event_handler(
            ResourceEventHandlerFuncs(
                on_update=lambda old, new: self._enqueue_owner(new), on_delete=self._enqueue_owner
            )
        )
        self.factory.start()
        await self.factory.wait_for_cache_sync(timeout=60)
        if ready is not None:
            ready.set()
        workers = [asyncio.create_task(self._worker()) for _ in range(self.workers)]
        try:
            await asyncio.gather(*workers)
        finally:
            self.queue.shut_down()
            for task in workers:
                task.cancel()
            await self.factory.shutdown()


async def run_with_leader_election(
    config: Config,
    namespace: str,
    identity: str,
    *,
    lease_duration: float = 15.0,
    renew_deadline: float = 10.0,
    retry_period: float = 2.0,
) -> None:
    """Compete for the Lease ``widget-controller``; reconcile while leading."""
    async with AsyncClientset(config) as cs:

        async def lead(ctx: LeaderContext) -> None:
            await WidgetController(cs, namespace).run()

        elector = AsyncLeaderElector(
            cs,
            LeaderElectionConfig(
                lock=LeaseLock(namespace=namespace, name="widget-controller", identity=identity),
                on_started_leading=lead,
                on_stopped_leading=lambda: log.info("%s stopped leading", identity),
                on_new_leader=lambda leader: log.info("leader is now %s", leader),
                lease_duration=lease_duration,
                renew_deadline=renew_deadline,
                retry_period=retry_period,
                release_on_cancel=True,
                run_forever=True,
            ),
        )
        await elector.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default=os.environ.get("POD_NAMESPACE", "default"))
    parser.add_argument("--identity", default=f"{socket.gethostname()}-{uuid.uuid4().hex[:6]}")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run_with_leader_election(load_config(), args.namespace, args.identity))


if __name__ == "__main__":
    main()
