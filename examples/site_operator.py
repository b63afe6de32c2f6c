"""An operator for a custom resource defined next to it: Site (demo.kgen.io/v1, examples/site/site.yaml).

A Site is a web server: for each one the operator keeps a Deployment of the same name (controlled by
the Site: changing or deleting the Deployment reconciles the Site again, deleting the Site deletes it)
with the Site's image and replica count, reports an ``Available`` condition and ``availableReplicas``
in the Site's status, records events (events.k8s.io/v1) when availability changes, and, through a
finalizer, deletes the Deployment and says so in an event before the Site goes.

Its client is generated from the CRD, with the core and events APIs, by ``kgen generate`` into
examples/site/build/ (not committed: the first run, or ``generate()``, writes it)::

    kgen generate --spec specs/kube-core-subset/openapi.json --spec examples/site/events.k8s.io-v1.json \\
                  --crd examples/site/site.yaml --output examples/site/build --package site_client

Run it against a cluster where examples/site/site.yaml is installed::

    python examples/site_operator.py --namespace default
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "examples" / "site"
BUILD = SITE / "build"
INPUTS = [
    ("--spec", ROOT / "specs" / "kube-core-subset" / "openapi.json"),
    ("--spec", SITE / "events.k8s.io-v1.json"),
    ("--crd", SITE / "site.yaml"),
]


def generate(output: Path = BUILD) -> None:
    """Generate ``site_client`` into ``output`` unless it is newer than its inputs and kgen itself;
    import it from there."""
    import kgen

    marker = output / "site_client" / "__init__.py"
    sources = [path for _, path in INPUTS]
    sources += [*Path(kgen.__file__).parent.rglob("*.py"), *(ROOT / "templates").rglob("*")]
    newest = max(path.stat().st_mtime for path in sources)
    if not marker.exists() or marker.stat().st_mtime < newest:
        arguments = [argument for option, path in INPUTS for argument in (option, str(path))]
        subprocess.run(
            [sys.executable, "-m", "kgen.cli", "generate", "-q", *arguments]
            + ["--output", str(output), "--package", "site_client"],
            check=True,
        )
    if str(output) not in sys.path:
        sys.path.insert(0, str(output))


generate()

from site_client.clientset import AsyncClientset  # noqa: E402
from site_client.models.apps_v1 import (  # noqa: E402
    Deployment,
    DeploymentSpec,
)
from site_client.models.core_v1 import Container, PodSpec, PodTemplateSpec  # noqa: E402
from site_client.models.demo_kgen_io_v1 import Site, SiteStatus  # noqa: E402

from kgen.runtime import (  # noqa: E402
    AsyncFinalizer,
    AsyncManager,
    Config,
    Controller,
    LabelSelector,
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

MANAGER = "site-operator"
FINALIZER = "demo.kgen.io/cleanup"


class SiteReconciler:
    def __init__(self, manager: AsyncManager) -> None:
        self.cs = manager.clientset(AsyncClientset)
        self.events = manager.event_recorder(MANAGER)
        self.finalizer: AsyncFinalizer[Site] = AsyncFinalizer(FINALIZER)

    async def reconcile(
        self, request: ReconcileRequest, site: Site | None
    ) -> ReconcileResult | None:
        if site is None:
            return None
        sites = self.cs.demo_kgen_io_v1.sites(request.namespace)
        return await self.finalizer.finalize(sites, site, apply=self.apply, cleanup=self.cleanup)

    async def apply(self, site: Site) -> ReconcileResult | None:
        assert site.spec is not None
        namespace, name = site.metadata.namespace or "", site.metadata.name or ""
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/managed-by": MANAGER}
        replicas = 1 if site.spec.replicas is None else site.spec.replicas
        desired = Deployment(
            metadata=ObjectMeta(name=name, namespace=namespace, labels=labels),
            spec=DeploymentSpec(
                replicas=replicas,
                selector=LabelSelector(match_labels=labels),
                template=PodTemplateSpec(
                    metadata=ObjectMeta(labels=labels),
                    spec=PodSpec(containers=[Container(name="web", image=site.spec.image)]),
                ),
            ),
        )
        set_controller_reference(site, desired)
        deployments = self.cs.apps_v1.deployments(namespace)
        deployment = await deployments.apply(desired, field_manager=MANAGER, force=True)
        available = (deployment.status.available_replicas if deployment.status else None) or 0
        ready = available >= replicas
        condition = new_condition(
            "Available",
            "True" if ready else "False",
            "ReplicasAvailable" if ready else "ReplicasUnavailable",
            f"{available} of {replicas} replicas available",
            observed_generation=site.metadata.generation,
        )
        sites = self.cs.demo_kgen_io_v1.sites(namespace)

        async def write_status() -> bool:
            current = await sites.get(name)
            status = current.status or SiteStatus()
            status.conditions = status.conditions or []
            was = next((c.status for c in status.conditions if c.type == "Available"), None)
            changed = set_status_condition(status.conditions, condition)
            generation = current.metadata.generation
            if changed or (status.available_replicas, status.observed_generation) != (
                available,
                generation,
            ):
                status.available_replicas, status.observed_generation = available, generation
                current.status = status
                await sites.update_status(current)
            return was != condition.status

        if await async_retry_on_conflict(write_status):
            kind = "Normal" if ready else "Warning"
            self.events.event(site, kind, condition.reason, "Reconcile", condition.message)
        return None

    async def cleanup(self, site: Site) -> None:
        deployments = self.cs.apps_v1.deployments(site.metadata.namespace or "")
        try:
            await deployments.delete(site.metadata.name or "", propagation_policy="Foreground")
        except NotFound:
            pass
        self.events.event(site, "Normal", "Deleted", "Cleanup", "the Deployment was deleted")


async def run(config: Config, namespace: str, *, handle_signals: bool = True) -> None:
    """Reconcile the Sites of ``namespace`` until SIGTERM (or cancelled)."""
    manager = AsyncManager(config, namespace=namespace, handle_signals=handle_signals)
    reconciler = SiteReconciler(manager)
    manager.add(Controller(for_=Site, owns=[Deployment], reconcile=reconciler.reconcile))
    await manager.run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default=os.environ.get("POD_NAMESPACE", "default"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(run(load_config(), args.namespace))


if __name__ == "__main__":
    main()
