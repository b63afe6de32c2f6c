"""Issue 14, points 4, 5 and 9: CRD files together with a cluster's API, one CRD giving one set of models
whichever way it is read, and the small ones (``open_api_v3_schema``, ``minimum: 0``, /openapi/v2 only).

Real inputs from the reference corpus (cert-manager's and gateway-api's CRDs, Kubernetes 1.35's OpenAPI),
served by kgen.testing over loopback for ``--from-cluster``.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from gen_util import generate_package, import_all, write_yaml
from shared_specs import shared_path

from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parents[2]
CORE_SUBSET = ROOT / "specs" / "kube-core-subset"


def kgen(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kgen.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def errors_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("kgen: error:")]


def load_crd(*parts: str) -> dict[str, Any]:
    document = yaml.safe_load(shared_path("crds", *parts).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def shapes(package: str, module: str) -> dict[str, list[tuple[str, str, str, bool]]]:
    """Every class of a generated models module as (attribute, wire name, type, required) rows, with
    the package's name taken out of the types: what a user's code meets, without the docstrings."""
    models = importlib.import_module(f"{package}.models.{module}")
    found: dict[str, list[tuple[str, str, str, bool]]] = {}
    for name in models.__all__:
        cls = getattr(models, name)
        if not (isinstance(cls, type) and issubclass(cls, msgspec.Struct)):
            continue
        rows = []
        for item in msgspec.structs.fields(cls):
            shown = re.sub(rf"\b{package}\.", "", repr(item.type))
            rows.append((item.name, item.encode_name, shown, item.required))
        found[name] = rows
    return found


# --- 14.4: --crd together with --from-cluster ----------------------------------------------------------


def test_a_crd_file_wins_over_the_clusters_definition_of_its_kinds(tmp_path: Path) -> None:
    installed = load_crd("cert-manager", "cert-manager.io_certificates.yaml")
    # The operator's working copy: one field more than what the cluster has installed.
    working = copy.deepcopy(installed)
    for version in working["spec"]["versions"]:
        spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]
        spec["properties"]["rolloutWave"] = {"type": "integer", "minimum": 0}
    crd_file = write_yaml(tmp_path / "config" / "crd" / "certificates.yaml", working)
    with APIServer.from_inputs(specs=[CORE_SUBSET], crds=[]) as server:
        server.crds.seed([installed])
        config = server.kubeconfig(tmp_path / "kubeconfig")
        result = kgen(
            "generate",
            "--crd",
            str(crd_file.parent),
            "--from-cluster",
            "--kubeconfig",
            str(config),
            "--include",
            "coordination.k8s.io/v1",
            "--include",
            "cert-manager.io/v1",
            "--output",
            str(tmp_path / "out"),
            "--package",
            "operator_pkg",
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stderr
    notes = [line for line in result.stderr.splitlines() if "the CRD in" in line]
    (note,) = notes  # said once, for the kind (its list kind goes with it)
    assert "kind Certificate of cert-manager.io/v1: the CRD in " in note, note
    assert "certificates.yaml" in note and "/openapi/v3/apis/cert-manager.io/v1" in note, note
    models = tmp_path / "out" / "operator_pkg" / "models"
    assert "rollout_wave: int | None" in (models / "cert_manager_io_v1.py").read_text()
    assert (
        '__all__ = ["Lease", "LeaseList", "LeaseSpec"]'
        in (models / "coordination_v1.py").read_text()
    )
    assert "class LeaseClient(" in (models.parent / "clients" / "coordination_v1.py").read_text()
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        modules = import_all("operator_pkg", tmp_path / "out" / "operator_pkg")
    finally:
        sys.path.remove(str(tmp_path / "out"))
    scheme = next(m for m in modules if m.__name__ == "operator_pkg.scheme")
    document = {
        "apiVersion": "cert-manager.io/v1",
        "kind": "Certificate",
        "metadata": {"name": "c"},
        "spec": {"secretName": "s", "issuerRef": {"name": "i"}, "rolloutWave": 0},
    }
    assert json.loads(scheme.encode(scheme.decode(json.dumps(document).encode()))) == document


def test_a_conflict_the_selection_leaves_out_is_no_error(tmp_path: Path) -> None:
    document = load_crd("cert-manager", "cert-manager.io_certificates.yaml")
    first = write_yaml(tmp_path / "a" / "certificates.yaml", document)
    second = write_yaml(tmp_path / "b" / "certificates.yaml", document)
    issuers = write_yaml(
        tmp_path / "c" / "orders.yaml", load_crd("cert-manager", "acme.cert-manager.io_orders.yaml")
    )
    common = ["--output", str(tmp_path / "out"), "--package", "p"]
    crds = ["--crd", str(first), "--crd", str(second), "--crd", str(issuers)]
    left_out = kgen(
        "generate", "-q", *crds, "--include", "acme.cert-manager.io/*", *common, cwd=tmp_path
    )
    assert left_out.returncode == 0, left_out.stderr
    # Two files defining one selected kind are still an error: neither may win.
    both = kgen("generate", "-q", *crds, *common[:2], "--package", "q", cwd=tmp_path)
    assert both.returncode == 2
    (line,) = errors_of(both)
    assert "kind Certificate of cert-manager.io/v1 is also defined in" in line, line
    assert not (tmp_path / "out" / "q").exists()


# --- 14.5: one CRD, one set of models -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parts", "selector", "module"),
    [
        (
            ("cert-manager", "acme.cert-manager.io_orders.yaml"),
            "acme.cert-manager.io/v1",
            "acme_cert_manager_io_v1",
        ),
        (
            ("cloudnative-pg", "postgresql.cnpg.io_failoverquorums.yaml"),
            "postgresql.cnpg.io/v1",
            "postgresql_cnpg_io_v1",
        ),
        (("argo-rollouts", "rollout-crd.yaml"), "argoproj.io/v1alpha1", "argoproj_io_v1alpha1"),
    ],
    ids=["order-metadata-required", "failoverquorum-metadata-required", "rollout-embedded"],
)
def test_a_crd_gives_the_same_models_from_its_file_and_from_a_cluster(
    tmp_path: Path, parts: tuple[str, str], selector: str, module: str
) -> None:
    document = load_crd(*parts)
    crd_file = write_yaml(tmp_path / "crd.yaml", document)
    suffix = re.sub(r"\W", "_", tmp_path.name)
    from_file = f"from_file_{suffix}"
    generate_package(tmp_path, package=from_file, crds=[crd_file], include=[selector])
    with APIServer(None, crds=[document]) as server:
        config = server.kubeconfig(tmp_path / "kubeconfig")
        from_cluster = f"from_cluster_{suffix}"
        result = kgen(
            "generate", "-q", "--from-cluster", "--kubeconfig", str(config), "--include", selector,
            "--output", str(tmp_path / "out"), "--package", from_cluster, cwd=tmp_path,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr
    importlib.invalidate_caches()
    assert shapes(from_file, module) == shapes(from_cluster, module)
    kinds = shapes(from_file, module)
    kind = document["spec"]["names"]["kind"]
    # Every kind inherits apiVersion, kind and metadata from KubernetesObject (issue 14.2): a client
    # fills them, whatever the schema's `required` lists, so both routes agree on them too.
    for name in ("metadata", "api_version"):
        row = next(row for row in kinds[kind] if row[0] == name)
        assert row[3] is False, row


# --- 14.9: the small ones -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def apiextensions(tmp_path_factory: pytest.TempPathFactory) -> Any:
    spec = shared_path(
        "kubernetes", "v1.35", "openapi-v3", "apis__apiextensions.k8s.io__v1_openapi.json"
    )
    tmp = tmp_path_factory.mktemp("apiextensions")
    target = generate_package(
        tmp, package="apiext_pkg", specs=[spec], include=["apiextensions.k8s.io/v1"]
    )
    modules = import_all("apiext_pkg", target)
    return {m.__name__.rsplit(".", 1)[-1]: m for m in modules}


def test_open_api_v3_schema_reads_as_words(apiextensions: Any) -> None:
    validation = apiextensions["apiextensions_v1"].CustomResourceValidation
    (only,) = msgspec.structs.fields(validation)
    assert (only.name, only.encode_name) == ("open_api_v3_schema", "openAPIV3Schema")


@pytest.mark.parametrize(
    "parts",
    [
        ("gateway-api", "gateway.networking.k8s.io_udproutes.yaml"),
        ("gateway-api", "gateway.networking.k8s.io_httproutes.yaml"),
        ("keda", "keda.sh_scaledobjects.yaml"),
    ],
)
def test_a_real_crd_round_trips_through_the_apiextensions_models(
    apiextensions: Any, parts: tuple[str, str]
) -> None:
    document = load_crd(*parts)
    scheme = apiextensions["scheme"]
    decoded = scheme.decode(json.dumps(document).encode())
    assert type(decoded).__name__ == "CustomResourceDefinition"
    again = json.loads(scheme.encode(decoded))
    # Compared as text: 0 == 0.0 in Python, but "minimum": 0.0 is not what was read.
    assert json.dumps(again, sort_keys=True) == json.dumps(document, sort_keys=True)
    assert '"minimum": 0,' in json.dumps(again) or '"minimum": 1,' in json.dumps(again)


def test_from_cluster_falls_back_to_openapi_v2_where_v3_is_not_served(tmp_path: Path) -> None:
    document = load_crd("cert-manager", "acme.cert-manager.io_orders.yaml")
    with APIServer(None, crds=[document]) as server:
        server.faults.fail(1000, code=404, path=re.compile(r"^/openapi/v3"))
        config = server.kubeconfig(tmp_path / "kubeconfig")
        result = kgen(
            "generate", "--from-cluster", "--kubeconfig", str(config),
            "--include", "acme.cert-manager.io/v1",
            "--output", str(tmp_path / "out"), "--package", "from_v2", cwd=tmp_path,
        )  # fmt: skip
        asked = [r.path for r in server.faults.requests if r.path.startswith("/openapi")]
    assert result.returncode == 0, result.stderr
    assert asked == ["/openapi/v3", "/openapi/v2"], asked
    assert "serves no /openapi/v3" in result.stderr and "reading /openapi/v2" in result.stderr
    init = (tmp_path / "out" / "from_v2" / "__init__.py").read_text()
    assert "cluster:/openapi/v2" in init
    models = (tmp_path / "out" / "from_v2" / "models" / "acme_cert_manager_io_v1.py").read_text()
    assert "class Order(KubernetesObject" in models and "class OrderSpec(" in models
    sys.path.insert(0, str(tmp_path / "out"))
    try:
        modules = import_all("from_v2", tmp_path / "out" / "from_v2")
    finally:
        sys.path.remove(str(tmp_path / "out"))
    scheme = next(m for m in modules if m.__name__ == "from_v2.scheme")
    order = {
        "apiVersion": "acme.cert-manager.io/v1",
        "kind": "Order",
        "metadata": {"name": "o"},
        "spec": {"request": "Zm9v", "issuerRef": {"name": "i"}},
    }
    assert json.loads(scheme.encode(scheme.decode(json.dumps(order).encode()))) == order
