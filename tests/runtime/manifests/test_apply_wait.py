"""Applying, diffing, pruning, deleting and waiting, against kgen.testing over loopback, and against a real
kube-apiserver too: scripts/conformance.py runs this module with ``KGEN_CONFORMANCE_KUBECONFIG`` set
(the example CRDs are then installed if missing). Only what both servers do is asserted. Every test
works in a fresh namespace, and CRDs of its own made-up group.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import Namespace
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec
from example_client.scheme import SCHEME

from kgen.runtime import (
    AsyncApplier,
    Config,
    ManifestError,
    NotFound,
    ObjectMeta,
    WaitError,
    WaitTimeout,
    async_wait_for,
    crd_established,
    deployment_rolled_out,
    load_kubeconfig,
    namespace_gone,
    object_deleted,
    parse_manifests,
    status_condition,
)
from kgen.runtime import ApplyError
from kgen.testing import APIServer

REAL_KUBECONFIG = os.environ.get("KGEN_CONFORMANCE_KUBECONFIG")
ROOT = Path(__file__).resolve().parents[3]
WAIT = 60.0


@dataclass
class Target:
    cs: AsyncClientset
    namespace: str
    real: bool


async def _install_example_crds(cs: AsyncClientset) -> None:
    """Created, not applied: kube-apiserver 1.20's apply refuses the fields its CRD schema lacks
    (``x-kubernetes-validations``), where a create drops them."""
    text = (ROOT / "specs" / "example-crds" / "example.kgen.io.yaml").read_text()
    crds = cs.dynamic.resource("apiextensions.k8s.io/v1/customresourcedefinitions")
    for manifest in parse_manifests(text):
        try:
            await crds.get(manifest.name)
        except NotFound:
            await crds.create(manifest.body())
        await async_wait_for(crds, manifest.name, crd_established(), timeout=WAIT)


@pytest.fixture
async def target(tmp_path: Path) -> AsyncIterator[Target]:
    server: APIServer | None = None
    if REAL_KUBECONFIG:
        config: Config = load_kubeconfig(REAL_KUBECONFIG)
    else:
        server = APIServer.from_package("example_client").start()
        config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    namespace = f"t-{secrets.token_hex(4)}"
    async with AsyncClientset(config) as cs:
        if REAL_KUBECONFIG:
            await _install_example_crds(cs)
        await cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=namespace)))
        try:
            yield Target(cs, namespace, bool(REAL_KUBECONFIG))
        finally:
            try:
                await cs.core_v1.namespaces().delete(namespace)
            except NotFound:
                pass
            if server is not None:
                server.stop()


def _crd(group: str, kind: str = "Gizmo") -> str:
    plural = kind.lower() + "s"
    return f"""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: {plural}.{group}}}
spec:
  group: {group}
  scope: Namespaced
  names: {{plural: {plural}, singular: {kind.lower()}, kind: {kind}, listKind: {kind}List}}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {{type: object, properties: {{size: {{type: integer}}}}}}
"""


def _configmap(name: str, namespace: str, value: str = "1", **labels: str) -> str:
    return (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {namespace}\n"
        f"  labels: {dict(labels) or {}}\ndata: {{a: {value!r}}}\n"
    )


async def _delete_crd(target: Target, name: str) -> None:
    crds = target.cs.dynamic.resource("apiextensions.k8s.io/v1/customresourcedefinitions")
    try:
        await crds.delete(name)
    except NotFound:
        pass


async def test_a_set_with_its_own_namespace_and_crd_is_applied_in_order(target: Target) -> None:
    group = f"t{secrets.token_hex(4)}.kgen.io"
    ns = f"{target.namespace}-own"
    text = "---\n".join(
        [
            # Given out of order: the custom resource and the ConfigMap before what they need.
            f"apiVersion: {group}/v1\nkind: Gizmo\nmetadata: {{name: g, namespace: {ns}}}\n"
            "spec: {size: 3}\n",
            _configmap("cfg", ns),
            _crd(group),
            f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n",
        ]
    )
    manifests = parse_manifests(text, scheme=SCHEME, source="set.yaml")
    seen: list[str] = []
    applier = AsyncApplier(
        target.cs, field_manager="kgen-tests", progress=lambda r: seen.append(str(r))
    )
    try:
        results = await applier.apply(manifests)
        assert [(r.manifest.kind, r.action) for r in results] == [
            ("Namespace", "created"),
            ("CustomResourceDefinition", "created"),
            ("Gizmo", "created"),
            ("ConfigMap", "created"),
        ]
        assert seen == [str(r) for r in results]
        crd = results[1].object
        assert any(c["type"] == "Established" for c in crd["status"]["conditions"])
        gizmo = await target.cs.dynamic.resource(f"{group}/v1/gizmos").namespace(ns).get("g")
        assert gizmo["spec"] == {"size": 3}
        assert gizmo["metadata"]["managedFields"][0]["manager"] == "kgen-tests"
        # Applying the same set again changes nothing.
        again = await applier.apply(manifests)
        assert [r.action for r in again] == ["unchanged"] * 4
        # Deleting it goes the other way round, waiting for each object to be gone.
        deleted = await applier.delete(manifests, wait=True, timeout=WAIT)
        assert [(r.manifest.kind, r.action) for r in deleted] == [
            ("ConfigMap", "deleted"),
            ("Gizmo", "deleted"),
            ("CustomResourceDefinition", "deleted"),
            ("Namespace", "deleted"),
        ]
        with pytest.raises(NotFound):
            await target.cs.core_v1.namespaces().get(ns)
        assert [r.action for r in await applier.delete(manifests)] == ["not found"] * 4
    finally:
        await _delete_crd(target, f"gizmos.{group}")


async def test_a_dry_run_diff_shows_what_would_change_and_changes_nothing(target: Target) -> None:
    ns = target.namespace
    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    await applier.apply(parse_manifests(_configmap("cfg", ns, "1")))
    changed = parse_manifests(_configmap("cfg", ns, "2") + "---\n" + _configmap("new", ns))
    results = await applier.diff(changed)
    assert [(r.action, r.dry_run) for r in results] == [("configured", True), ("created", True)]
    changes = [line for line in results[0].diff.splitlines()[2:] if line[:1] in "+-"]
    assert changes == ['-  a: "1"', '+  a: "2"']
    assert " data:\n" in results[0].diff  # with context
    assert results[0].diff.startswith(
        f"--- live/configmaps/{ns}/cfg\n+++ merged/configmaps/{ns}/cfg\n"
    )
    assert "+  name: new\n" in results[1].diff
    live = await target.cs.core_v1.configmaps(ns).get("cfg")
    assert live.data == {"a": "1"}
    with pytest.raises(NotFound):
        await target.cs.core_v1.configmaps(ns).get("new")
    unchanged = await applier.diff(parse_manifests(_configmap("cfg", ns, "1")))
    assert [(r.action, r.diff) for r in unchanged] == [("unchanged", "")]


async def test_failures_are_listed_without_hiding_the_successes(target: Target) -> None:
    ns = target.namespace
    text = "---\n".join(
        [
            _configmap("good", ns),
            # The server refuses this one (an invalid label value); the client cannot know.
            _configmap("bad", ns, **{"tier": "not a valid label value"}),
            "apiVersion: nowhere.kgen.io/v1\nkind: Nothing\nmetadata: {name: x}\n",
            _configmap("also-good", ns),
        ]
    )
    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    with pytest.raises(ApplyError) as caught:
        await applier.apply(parse_manifests(text, source="mixed.yaml"))
    error = caught.value
    assert [(r.manifest.name, r.action) for r in error.results] == [
        ("good", "created"),
        ("bad", "failed"),
        ("x", "failed"),
        ("also-good", "created"),
    ]
    assert [r.manifest.name for r in error.failures] == ["bad", "x"]
    message = str(error)
    assert message.startswith("apply: 2 of 4 object(s) failed (2 succeeded):")
    assert "configmap/bad -n" in message and "not a valid label value" in message
    assert "no resource serves nowhere.kgen.io/v1, Kind=Nothing" in message
    assert (await target.cs.core_v1.configmaps(ns).get("also-good")).data == {"a": "1"}


async def test_a_conflict_with_another_manager_needs_force(target: Target) -> None:
    ns = target.namespace
    mine = AsyncApplier(target.cs, field_manager="kgen-tests")
    theirs = AsyncApplier(target.cs, field_manager="someone-else")
    await theirs.apply(parse_manifests(_configmap("shared", ns, "theirs")))
    with pytest.raises(ApplyError) as caught:
        await mine.apply(parse_manifests(_configmap("shared", ns, "mine")))
    assert "conflict" in str(caught.value).lower()
    (result,) = await mine.apply(parse_manifests(_configmap("shared", ns, "mine")), force=True)
    assert result.action == "configured"
    assert (await target.cs.core_v1.configmaps(ns).get("shared")).data == {"a": "mine"}


async def test_prune_deletes_labelled_objects_the_set_no_longer_holds(target: Target) -> None:
    ns = target.namespace
    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    label = {"part-of": "shop"}
    first = "---\n".join(
        [_configmap("keep", ns, **label), _configmap("drop", ns, **label), _configmap("other", ns)]
    )
    await applier.apply(parse_manifests(first))
    results = await applier.apply(
        parse_manifests(_configmap("keep", ns, **label)), prune="part-of=shop", dry_run=True
    )
    assert [(r.manifest.name, r.action) for r in results] == [
        ("keep", "unchanged"),
        ("drop", "pruned"),
    ]
    await target.cs.core_v1.configmaps(ns).get("drop")  # a dry run: still there
    results = await applier.apply(
        parse_manifests(_configmap("keep", ns, **label)), prune="part-of=shop"
    )
    assert [(r.manifest.name, r.action) for r in results] == [
        ("keep", "unchanged"),
        ("drop", "pruned"),
    ]
    names = {cm.metadata.name for cm in (await target.cs.core_v1.configmaps(ns).list()).items}
    assert {"keep", "other"} <= names and "drop" not in names


async def test_nothing_is_sent_when_the_set_does_not_pass_the_check(target: Target) -> None:
    ns = target.namespace
    text = _configmap("fine", ns) + (
        f"---\napiVersion: example.kgen.io/v1\nkind: Widget\nmetadata: {{name: w, namespace: {ns}}}\n"
        "spec: {size: 1, color: purple}\n"
    )
    with pytest.raises(ManifestError) as caught:
        await AsyncApplier(target.cs).apply(parse_manifests(text, scheme=SCHEME, source="w.yaml"))
    (problem,) = caught.value.problems
    assert (problem.source, problem.document, problem.path) == ("w.yaml", 2, "spec.color")
    with pytest.raises(NotFound):
        await target.cs.core_v1.configmaps(ns).get("fine")


# --- waits ----------------------------------------------------------------------------------------


def _ready(widget: Widget, status: str) -> Widget:
    from example_client.models.example_kgen_io_v1 import WidgetStatus

    from kgen.runtime import Condition as MetaCondition

    widget.status = WidgetStatus(
        conditions=[
            MetaCondition(
                type="Ready",
                status=status,
                reason="Test",
                message="set by the test",
                last_transition_time="2026-01-01T00:00:00Z",
            )
        ]
    )
    return widget


async def test_wait_for_a_status_condition_over_a_watch(target: Target) -> None:
    widgets = target.cs.example_kgen_io_v1.widgets(target.namespace)
    created = await widgets.create(
        Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(size=1, color="red"))
    )
    waiting = asyncio.ensure_future(
        async_wait_for(widgets, "w", status_condition("Ready"), timeout=WAIT)
    )
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await widgets.update_status(_ready(created, "False"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    latest = await widgets.get("w")
    await widgets.update_status(_ready(latest, "True"))
    done = await waiting
    assert isinstance(done, Widget) and done.status is not None
    assert done.status.conditions is not None and done.status.conditions[0].status == "True"


async def test_a_predicate_on_the_typed_object_and_an_object_that_appears(target: Target) -> None:
    config_maps = target.cs.core_v1.configmaps(target.namespace)
    waiting = asyncio.ensure_future(
        async_wait_for(
            config_maps, "later", lambda cm: cm is not None and (cm.data or {}).get("a") == "2"
        )
    )
    await asyncio.sleep(0.2)
    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    await applier.apply(parse_manifests(_configmap("later", target.namespace, "1")))
    await applier.apply(parse_manifests(_configmap("later", target.namespace, "2")))
    assert (await waiting).data == {"a": "2"}


async def test_a_timeout_shows_the_last_state(target: Target) -> None:
    widgets = target.cs.example_kgen_io_v1.widgets(target.namespace)
    await widgets.create(
        Widget(metadata=ObjectMeta(name="slow"), spec=WidgetSpec(size=1, color="blue"))
    )
    with pytest.raises(WaitTimeout) as caught:
        await async_wait_for(widgets, "slow", status_condition("Ready"), timeout=1)
    message = str(caught.value)
    assert "condition Ready=True did not hold within 1s" in message
    assert "widgets 'slow'" in message and "color: blue" in message
    assert isinstance(caught.value.last, Widget) and isinstance(caught.value, TimeoutError)
    with pytest.raises(WaitTimeout, match="it does not exist"):
        await async_wait_for(widgets, "never", status_condition("Ready"), timeout=1)


async def test_wait_for_deletion_and_a_namespace_gone(target: Target) -> None:
    ns = f"{target.namespace}-gone"
    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    manifests = parse_manifests(
        f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {ns}}}\n---\n" + _configmap("c", ns)
    )
    await applier.apply(manifests)
    config_maps = target.cs.dynamic.resource("v1/configmaps").namespace(ns)
    waiting = asyncio.ensure_future(
        async_wait_for(config_maps, "c", object_deleted(), timeout=WAIT)
    )
    await asyncio.sleep(0.2)
    await config_maps.delete("c")
    assert await waiting is None
    await target.cs.core_v1.namespaces().delete(ns)
    assert await applier.wait(manifests[0], namespace_gone(), timeout=WAIT) is None


async def test_a_condition_that_cannot_hold_any_more_ends_the_wait(target: Target) -> None:
    from kgen.runtime import WaitCondition

    widgets = target.cs.example_kgen_io_v1.widgets(target.namespace)
    await widgets.create(
        Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(size=1, color="red"))
    )
    hopeless = WaitCondition(
        "never", lambda w: False, failed=lambda w: "it is red" if w is not None else None
    )
    with pytest.raises(WaitError, match="never cannot hold: it is red") as caught:
        await async_wait_for(widgets, "w", hopeless, timeout=WAIT)
    assert not isinstance(caught.value, WaitTimeout)


async def test_wait_for_a_deployment_rolled_out(target: Target) -> None:
    """The test plays the deployment controller, so kgen.testing only (a real one would too)."""
    if target.real:
        pytest.skip("kube-controller-manager writes the status itself")
    from example_client.models.apps_v1 import DeploymentStatus

    applier = AsyncApplier(target.cs, field_manager="kgen-tests")
    ns = target.namespace
    (applied,) = await applier.apply(
        parse_manifests(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\n"
            "spec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n"
            "    metadata: {labels: {app: web}}\n"
            "    spec: {containers: [{name: web, image: nginx}]}\n",
            scheme=SCHEME,
        )
    )
    deployments = target.cs.apps_v1.deployments(ns)
    waiting = asyncio.ensure_future(
        async_wait_for(deployments, "web", deployment_rolled_out(), timeout=WAIT)
    )
    steps = [
        DeploymentStatus(observed_generation=1, replicas=2, updated_replicas=1),
        DeploymentStatus(
            observed_generation=1, replicas=3, updated_replicas=2, available_replicas=2
        ),
        DeploymentStatus(
            observed_generation=1, replicas=2, updated_replicas=2, available_replicas=2
        ),
    ]
    for status in steps:
        await asyncio.sleep(0.1)
        assert not waiting.done()
        latest = await deployments.get("web")
        latest.status = status
        await deployments.update_status(latest)
    done = await waiting
    assert done.status == steps[-1]
