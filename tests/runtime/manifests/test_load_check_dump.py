"""Manifests in and out without a server: loading (files, directories, strings, streams, Lists), the
errors that name file, document and field, the check before sending, the apply order, YAML output and
the wait conditions' checks."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from example_client.models.apps_v1 import Deployment
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget
from example_client.scheme import SCHEME

from kgen.runtime import (
    KubernetesError,
    Manifest,
    ManifestError,
    ObjectMeta,
    Unstructured,
    apply_order,
    check_manifests,
    crd_established,
    deployment_rolled_out,
    dump_yaml,
    job_complete,
    load_manifests,
    manifest_problems,
    namespace_gone,
    object_deleted,
    parse_manifests,
    status_condition,
)
from kgen.runtime import _yamlsafe as yamlsafe

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1'}\n"
JOB = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec: {template: {}}\n"


def _problem_lines(exc: ManifestError) -> list[str]:
    return [str(problem) for problem in exc.problems]


# --- loading -------------------------------------------------------------------------------------


def test_known_kinds_are_models_and_unknown_ones_unstructured() -> None:
    manifests = parse_manifests(DEPLOYMENT + "---\n" + JOB, scheme=SCHEME, source="app.yaml")
    deployment, job = manifests
    assert isinstance(deployment.object, Deployment)
    assert deployment.object.spec.replicas == 2
    assert (deployment.source, deployment.document, deployment.item) == ("app.yaml", 1, None)
    assert isinstance(job.object, Unstructured) and job.object["spec"] == {"template": {}}
    assert (job.kind, job.name, job.document) == ("Job", "migrate", 2)
    assert deployment.describe() == "Deployment web -n shop (app.yaml, document 1)"


def test_without_a_scheme_everything_is_unstructured() -> None:
    (deployment,) = parse_manifests(DEPLOYMENT)
    assert isinstance(deployment.object, Unstructured)
    assert deployment.gvk.group == "apps" and deployment.namespace == "shop"


def test_files_directories_and_streams(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(CONFIGMAP)
    (tmp_path / "a.yml").write_text(DEPLOYMENT + "---\n---\n# only a comment\n")
    (tmp_path / "c.json").write_text(json.dumps(yamlsafe.load(JOB)))
    (tmp_path / "notes.txt").write_text("not a manifest")
    nested = tmp_path / "more"
    nested.mkdir()
    (nested / "d.yaml").write_text(CONFIGMAP.replace("cfg", "nested"))
    found = load_manifests(tmp_path, scheme=SCHEME)
    assert [(Path(m.source).name, m.kind) for m in found] == [
        ("a.yml", "Deployment"),
        ("b.yaml", "ConfigMap"),
        ("c.json", "Job"),
    ]
    assert [m.name for m in load_manifests(tmp_path, recursive=True)][-1] == "nested"
    assert [m.name for m in load_manifests(str(tmp_path / "b.yaml"))] == ["cfg"]
    (from_stream,) = load_manifests(io.StringIO(CONFIGMAP), scheme=SCHEME)
    assert isinstance(from_stream.object, ConfigMap) and from_stream.source == "<stream>"


def test_lists_are_expanded_with_their_item_index() -> None:
    text = yamlsafe.load(DEPLOYMENT)
    document = {"apiVersion": "v1", "kind": "List", "items": [yamlsafe.load(CONFIGMAP), text]}
    one, two = parse_manifests(json.dumps(document), scheme=SCHEME, source="list.json")
    assert (one.kind, one.item, two.kind, two.item) == ("ConfigMap", 0, "Deployment", 1)
    assert two.where == "list.json, document 1, item 1"
    # A typed list's items need not say their kind.
    typed = {"apiVersion": "v1", "kind": "ConfigMapList", "items": [{"metadata": {"name": "x"}}]}
    (item,) = parse_manifests(json.dumps(typed), scheme=SCHEME)
    assert isinstance(item.object, ConfigMap) and item.name == "x"
    # A JSON array is a list of objects.
    assert [m.name for m in parse_manifests(json.dumps([yamlsafe.load(CONFIGMAP)]))] == ["cfg"]


def test_bad_yaml_names_the_file_and_the_document(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(CONFIGMAP + "---\nmetadata: {name: [\n")
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path)
    (line,) = _problem_lines(caught.value)
    assert line.startswith(f"{tmp_path / 'bad.yaml'}, document 2: invalid YAML at line 7")
    assert isinstance(caught.value, KubernetesError) and isinstance(caught.value, ValueError)


def test_every_problem_of_every_file_is_reported_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "kind: ConfigMap\nmetadata: {name: x}\n---\n"  # no apiVersion
        + DEPLOYMENT.replace("replicas: 2", "replicas: two")  # a wrong type, typed
        + "---\n- just\n- a list\n"
    )
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n"
        "  metadata: {name: ok}\n- {apiVersion: v1}\n"
    )
    with pytest.raises(ManifestError) as caught:
        load_manifests(tmp_path, scheme=SCHEME)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert _problem_lines(caught.value) == [
        f"{a}, document 1: apiVersion: Required value: every object names its apiVersion and kind",
        f"{a}, document 2: spec.replicas: Expected `int | null`, got `str`",
        f"{a}, document 3: a document must be an object, not a list",
        f"{b}, document 1, item 1: items[1].kind: Required value: every object names its "
        "apiVersion and kind",
    ]
    assert str(caught.value).startswith("4 problems:")


def test_a_wrong_type_deep_in_a_model_names_its_path() -> None:
    bad = DEPLOYMENT.replace("image: nginx", "image: nginx, ports: [{containerPort: http}]")
    with pytest.raises(ManifestError) as caught:
        parse_manifests(bad, scheme=SCHEME, source="web.yaml")
    (problem,) = caught.value.problems
    assert (problem.source, problem.document) == ("web.yaml", 1)
    assert problem.path == "spec.template.spec.containers[0].ports[0].containerPort"


def test_a_missing_file_is_a_problem() -> None:
    with pytest.raises(ManifestError, match="no such file or directory"):
        load_manifests("/nonexistent/manifests.yaml")


# --- the check before sending ---------------------------------------------------------------------


def test_the_check_reports_every_schema_violation_at_once() -> None:
    text = (
        "apiVersion: example.kgen.io/v1\nkind: Widget\nmetadata: {name: w}\n"
        "spec: {size: 3, color: purple, replicas: -1}\n---\n"
        + CONFIGMAP
        + "---\n"
        + CONFIGMAP
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n"
    )
    manifests = parse_manifests(text, scheme=SCHEME, source="set.yaml")
    assert isinstance(manifests[0].object, Widget)
    lines = [str(p) for p in manifest_problems(manifests)]
    assert lines == [
        'set.yaml, document 1: spec.color: Unsupported value: "purple": supported values: '
        '"red", "green", "blue"',
        'set.yaml, document 1: spec: Invalid value: "object": replicas must not be negative',
        "set.yaml, document 3: metadata.name: Duplicate value: 'cfg' is also defined at "
        "set.yaml, document 2",
        "set.yaml, document 4: metadata.name: Required value: name or generateName is required",
    ]
    with pytest.raises(ManifestError):
        check_manifests(manifests)


def test_unstructured_objects_are_checked_against_a_package_that_has_their_kind() -> None:
    text = "apiVersion: example.kgen.io/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 1, color: pink}\n"
    manifests = parse_manifests(text + "---\n" + JOB)  # no scheme: both unstructured
    assert manifest_problems(manifests) == []  # no package: nothing known about them
    (problem,) = manifest_problems(manifests, package="example_client")
    assert (problem.document, problem.path) == (1, "spec.color")


# --- order and YAML ------------------------------------------------------------------------------


def test_namespaces_and_crds_go_first_then_the_rest_in_order() -> None:
    text = "\n---\n".join(
        [
            CONFIGMAP,
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: c}",
            DEPLOYMENT,
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}",
        ]
    )
    ordered = apply_order(parse_manifests(text))
    assert [m.kind for m in ordered] == [
        "Namespace",
        "CustomResourceDefinition",
        "ConfigMap",
        "Deployment",
    ]


def test_dump_yaml_prints_as_kubectl_does() -> None:
    cm = ConfigMap(
        metadata=ObjectMeta(name="cfg", labels={"z": "1", "a": "true"}),
        data={"script": "echo one\necho two\n", "count": "3", "plain": "text"},
    )
    assert dump_yaml(cm) == (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  labels:\n"
        '    a: "true"\n'
        '    z: "1"\n'
        "  name: cfg\n"
        "data:\n"
        '  count: "3"\n'
        "  plain: text\n"
        "  script: |\n"
        "    echo one\n"
        "    echo two\n"
    )
    # Reading it back gives the same object.
    (again,) = parse_manifests(dump_yaml(cm), scheme=SCHEME)
    assert again.object == cm


def test_dump_yaml_leaves_out_nulls_managed_fields_and_optionally_status() -> None:
    obj = {
        "status": {"phase": "Active", "gone": None},
        "spec": {"b": None, "a": [1, {"y": None, "x": 2}]},
        "metadata": {"name": "n", "managedFields": [{"manager": "kubectl"}]},
        "kind": "Thing",
        "apiVersion": "example.com/v1",
    }
    text = dump_yaml(obj)
    assert text.splitlines()[:2] == ["apiVersion: example.com/v1", "kind: Thing"]
    assert "null" not in text and "managedFields" not in text and "gone" not in text
    assert text.endswith("status:\n  phase: Active\n")
    assert "status" not in dump_yaml(obj, status=False)
    assert "manager: kubectl" in dump_yaml(obj, managed_fields=True)
    # Stable: key order in the input does not matter.
    shuffled = json.loads(json.dumps(obj, sort_keys=True))
    assert dump_yaml(shuffled) == text
    two = dump_yaml([Manifest.of(obj), Unstructured(dict(obj))])
    assert two == text + "---\n" + text


# --- wait conditions (their checks; the waits are in test_apply_wait) -----------------------------


def _with_conditions(*conditions: dict[str, str], **extra: object) -> dict[str, object]:
    return {"metadata": {"name": "x"}, "status": {"conditions": list(conditions), **extra}}


def test_status_condition_and_the_ready_made_checks() -> None:
    ready = _with_conditions({"type": "Ready", "status": "True"})
    assert status_condition("Ready")(ready) and not status_condition("Ready", "False")(ready)
    assert not status_condition("Ready")(None) and not status_condition("Other")(ready)
    stale = {**ready, "metadata": {"name": "x", "generation": 3}}
    stale["status"] = {"conditions": [{"type": "Ready", "status": "True", "observedGeneration": 2}]}
    assert not status_condition("Ready")(stale)
    assert object_deleted()(None) and not object_deleted()(ready)
    assert namespace_gone()(None) and not namespace_gone()({"metadata": {"name": "ns"}})
    established = _with_conditions({"type": "Established", "status": "True"})
    assert crd_established()(established) and not crd_established()(_with_conditions())
    rejected = _with_conditions({"type": "NamesAccepted", "status": "False", "message": "taken"})
    assert crd_established().failed is not None
    assert "taken" in (crd_established().failed(rejected) or "")


def test_job_complete_and_failed() -> None:
    check = job_complete()
    assert check(_with_conditions({"type": "Complete", "status": "True"}))
    failed = _with_conditions(
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
    )
    assert not check(failed)
    assert check.failed is not None and "BackoffLimitExceeded" in (check.failed(failed) or "")


def test_deployment_rolled_out_as_kubectl_rollout_status() -> None:
    check = deployment_rolled_out()

    def deployment(wanted: int, generation: int = 2, **status: int) -> dict[str, object]:
        return {
            "metadata": {"name": "web", "generation": generation},
            "spec": {"replicas": wanted},
            "status": {"observedGeneration": 2, **status},
        }

    assert check(deployment(2, replicas=2, updatedReplicas=2, availableReplicas=2))
    assert not check(
        deployment(2, generation=3, replicas=2, updatedReplicas=2, availableReplicas=2)
    )
    assert not check(deployment(2, replicas=2, updatedReplicas=1, availableReplicas=2))
    assert not check(deployment(2, replicas=3, updatedReplicas=2, availableReplicas=2))  # old pod
    assert not check(deployment(2, replicas=2, updatedReplicas=2, availableReplicas=1))
    stuck = deployment(2)
    stuck["status"] = {
        "conditions": [{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}]
    }
    assert check.failed is not None and check.failed(stuck)


def test_json_and_yaml_flow_style_and_bad_json() -> None:
    (flow,) = parse_manifests("{apiVersion: v1, kind: ConfigMap, metadata: {name: flow}}")
    assert flow.name == "flow"
    two = parse_manifests(
        '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}\n'
        "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n"
    )
    assert [m.name for m in two] == ["a", "b"]
    with pytest.raises(ManifestError) as caught:
        parse_manifests('{"apiVersion": "v1",\n "kind": "X"', source="bad.json")
    (problem,) = caught.value.problems
    assert (problem.source, problem.document) == ("bad.json", 1)
    assert problem.message.startswith("invalid YAML at line ")
    assert "did not find expected ',' or '}'" in problem.message
