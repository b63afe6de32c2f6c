"""The Site operator (examples/site_operator.py), whose client is generated from its own CRD, against
kgen.testing serving that same package; and its type check (the package exists only once generated).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from kgen.runtime import NotFound, ObjectMeta, is_status_condition_true, load_kubeconfig
from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))
import site_operator  # noqa: E402  (generates examples/site/build/site_client on import)
from site_client.clientset import AsyncClientset  # noqa: E402
from site_client.models.apps_v1 import DeploymentStatus  # noqa: E402
from site_client.models.demo_kgen_io_v1 import Site, SiteSpec  # noqa: E402
from eventually import eventually  # noqa: E402


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer.from_package("site_client") as server:
        yield server


async def test_site_operator_end_to_end(server: APIServer, tmp_path: Path) -> None:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    operator = asyncio.create_task(site_operator.run(config, "default", handle_signals=False))
    async with AsyncClientset(config) as cs:
        sites = cs.demo_kgen_io_v1.sites("default")
        deployments = cs.apps_v1.deployments("default")
        events = cs.events_v1.events("default")
        try:
            created = await sites.create(
                Site(
                    metadata=ObjectMeta(name="blog"), spec=SiteSpec(image="nginx:1.25", replicas=2)
                )
            )

            async def deployed(replicas: int) -> bool:
                deployment = await deployments.get("blog")
                assert deployment.spec is not None and deployment.spec.replicas == replicas
                container = deployment.spec.template.spec.containers[0]  # type: ignore[union-attr]
                assert container.image == "nginx:1.25"
                owner = deployment.metadata.owner_references[0]  # type: ignore[union-attr, index]
                assert (owner.kind, owner.uid, owner.controller) == ("Site", created.metadata.uid, True)  # type: ignore[union-attr]
                return True

            async def status(available: bool, replicas: int, generation: int) -> Site:
                site = await sites.get("blog")
                assert site_operator.FINALIZER in (site.metadata.finalizers or [])  # type: ignore[union-attr]
                assert site.status is not None and site.status.available_replicas == replicas
                assert site.status.observed_generation == generation
                assert is_status_condition_true(site.status.conditions, "Available") is available
                assert (
                    site.status.conditions
                    and site.status.conditions[0].observed_generation == generation
                )
                return site

            async def reasons() -> list[str]:
                return sorted(e.reason or "" for e in (await events.list()).items)

            await eventually(lambda: deployed(2))
            await eventually(lambda: status(False, 0, 1))

            # The Deployment becomes available (kgen.testing runs no Deployment controller: the test
            # writes its status): the owned object's change reconciles the Site, which reports it.
            deployment = await deployments.get("blog")
            deployment.status = DeploymentStatus(replicas=2, available_replicas=2, ready_replicas=2)
            await deployments.update_status(deployment)
            await eventually(lambda: status(True, 2, 1))
            await eventually(
                lambda: _true(
                    reasons, ["ReplicasAvailable", "ReplicasUnavailable"]  # one event per change
                )
            )

            # A spec change: the Deployment follows and availability is reported again.
            site = await sites.get("blog")
            site.spec.replicas = 3  # type: ignore[union-attr]
            await sites.update(site)
            await eventually(lambda: deployed(3))
            await eventually(lambda: status(False, 2, 2))

            # Deleting the Site: the finalizer deletes the Deployment and says so, then the Site goes.
            await sites.delete("blog")

            async def gone() -> bool:
                for read in (lambda: sites.get("blog"), lambda: deployments.get("blog")):
                    try:
                        await read()
                        return False
                    except NotFound:
                        pass
                return True

            await eventually(gone)
            await eventually(lambda: _contains(reasons, "Deleted"))
            regarding = {e.regarding.name for e in (await events.list()).items if e.regarding}
            assert regarding == {"blog"}
        finally:
            operator.cancel()
            await asyncio.gather(operator, return_exceptions=True)


async def _true(read: Callable[[], Awaitable[list[str]]], expected: list[str]) -> bool:
    return await read() == expected


async def _contains(read: Callable[[], Awaitable[list[str]]], reason: str) -> bool:
    return reason in await read()


def test_site_operator_type_checks() -> None:
    """mypy --strict, with the generated package on MYPYPATH (tests/test_repository.py checks the
    other example, whose package is committed)."""
    env = {**os.environ, "MYPYPATH": str(site_operator.BUILD)}
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "examples/site_operator.py"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
