"""Generated models as users meet them (issue 14), on real inputs: Kubernetes 1.36 (core/v1, apps/v1) and
cert-manager's and argo-rollouts' CRDs from the reference corpus.

- names of inline classes read as belonging to the fields they type, and do not move when inputs are
  added (14.1);
- ``obj.metadata.name`` type-checks on every kind, an empty metadata is not sent (14.2);
- apply configurations: every field optional, nested too, only what is set encoded, taken by the
  clients' ``apply`` (14.3);
- a typed read-modify-write keeps fields the models lack, from get, list, watch and an informer's cache,
  with no table (14.6);
- models as fields of pydantic models (14.7);
- the package records its runtime contract and works renamed and copied into another tree (14.8).
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import msgspec
import pytest
import yaml
from gen_util import generate_package, run_mypy

import kgen.runtime._codec as codec
from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import Array, Map, Ref, TypeRef, UnionType
from kgen.runtime import ObjectMeta, ObjectMetaApply
from kgen.runtime._config import load_kubeconfig
from kgen.testing import APIServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shared_specs import shared_path  # noqa: E402

pytestmark = pytest.mark.slow

PACKAGE = "real14"


def _inputs() -> dict[str, Any]:
    return {
        "specs": [shared_path("kubernetes", "v1.36", "swagger.json")],
        "crds": [shared_path("crds", "cert-manager")],
        "include": ["core/v1", "apps/v1", "cert-manager.io/v1"],
    }


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_package(tmp_path_factory.mktemp(PACKAGE), package=PACKAGE, **_inputs())


# --- 14.1 names ---------------------------------------------------------------------------------------


def _refs(ref: TypeRef) -> list[str]:
    if isinstance(ref, Ref):
        return [ref.type_id]
    if isinstance(ref, Array):
        return _refs(ref.items)
    if isinstance(ref, Map):
        return _refs(ref.values)
    if isinstance(ref, UnionType):
        return [t for option in ref.options for t in _refs(option)]
    return []


def _words(name: str) -> list[str]:
    name = name[:1].upper() + name[1:]
    return [w.lower() for w in re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+", name)]


def _singular(word: str) -> str:
    return word[:-3] + "y" if word.endswith("ies") else word.rstrip("s")


def test_inline_classes_are_named_after_the_fields_they_type() -> None:
    crds = shared_path("crds")
    model = build_model(read_inputs([], [crds / "argo-rollouts", crds / "cert-manager"]))
    inline = {t.id for t in model.types.values() if t.gvk is None}
    checked, wrong = 0, []
    for typedef in model.types.values():
        for item in typedef.fields:
            for target in _refs(item.type):
                if target not in inline:
                    continue
                checked += 1
                name = model.types[target].name
                last = _singular(_words(item.json_name)[-1])
                # The field's last word is one of the class's (ApplicationSource for sources[]).
                if last not in {_singular(w) for w in _words(name)}:
                    wrong.append(f"{typedef.name}.{item.json_name}: {name}")
    assert checked > 1000
    assert not wrong, wrong[:20]
    names = [t.name for t in model.types.values()]
    assert len(names) == len(set((t.module, t.name) for t in model.types.values()))
    # What the fields have in common names a shared class: tcpSocket under postStart and preStop.
    assert "RolloutPostStartOrPreStopTcpSocket" in names
    # The longest name is the kind's and the field's, no more (issue 14 met 97 characters).
    longest = max(names, key=len)
    assert longest.endswith("PreferredDuringSchedulingIgnoredDuringExecution"), longest


def test_names_do_not_move_when_inputs_are_added() -> None:
    crds = shared_path("crds")

    def names(*projects: str) -> dict[str, str]:
        model = build_model(read_inputs([], [crds / p for p in projects]))
        return {t.id: t.name for t in model.types.values()}

    alone = names("cert-manager")
    together = names("cert-manager", "argo-rollouts", "gateway-api")
    assert alone.items() <= together.items()


# --- 14.2, 14.3, 14.7 as the type checker sees them ------------------------------------------------

USER_CODE = """
from __future__ import annotations

import pydantic

from {pkg}.apply.apps_v1 import DeploymentApply, DeploymentSpecApply
from {pkg}.apply.apps_v1 import DeploymentStrategyApply, RollingUpdateDeploymentApply
from {pkg}.apply.cert_manager_io_v1 import CertificateApply, CertificateSpecApply
from {pkg}.clientset import Clientset
from {pkg}.models.apps_v1 import Deployment
from {pkg}.models.cert_manager_io_v1 import Certificate
from {pkg}.models.core_v1 import Pod

from kgen.runtime import IntOrString, ObjectMetaApply


def names(cs: Clientset) -> list[str]:
    pod: Pod = cs.core_v1.pods("default").get("p")
    found = [pod.metadata.name or "", *(d.metadata.name or "" for d in cs.apps_v1.deployments("default").list().items)]
    cert: Certificate = cs.cert_manager_io_v1.certificates("default").get("c")
    labels: dict[str, str] = cert.metadata.labels or {{}}
    return found + list(labels)


def scale(cs: Clientset) -> Deployment:
    surge: IntOrString = 1
    config = DeploymentApply(
        metadata=ObjectMetaApply(name="web"),
        spec=DeploymentSpecApply(
            replicas=3,
            strategy=DeploymentStrategyApply(rolling_update=RollingUpdateDeploymentApply(max_surge=surge)),
        ),
    )
    cs.cert_manager_io_v1.certificates("default").apply(
        CertificateApply(metadata=ObjectMetaApply(name="c"), spec=CertificateSpecApply(dns_names=["a"])),
        field_manager="me",
    )
    return cs.apps_v1.deployments("default").apply(config, field_manager="scaler")


class Release(pydantic.BaseModel):
    name: str
    deployment: Deployment
    certificate: Certificate | None = None
"""

MISTAKES = """
from __future__ import annotations

from {pkg}.apply.apps_v1 import DeploymentSpecApply
from {pkg}.apply.cert_manager_io_v1 import CertificateApply
from {pkg}.clientset import Clientset


def wrong(cs: Clientset) -> None:
    cs.apps_v1.deployments("default").apply(CertificateApply(), field_manager="me")
    DeploymentSpecApply(replicas="3")
"""


def _mypy(directory: Path, code: str) -> subprocess.CompletedProcess[str]:
    (directory / "user_code.py").write_text(code)
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", "user_code.py"],
        cwd=directory,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(directory)},
    )


def test_package_and_user_code_pass_mypy_strict(package: Path) -> None:
    result = run_mypy(package.parent, PACKAGE)
    assert result.returncode == 0, result.stdout[-5000:]
    result = _mypy(package.parent, USER_CODE.format(pkg=PACKAGE))
    assert result.returncode == 0, result.stdout + result.stderr
    # And the types are precise: one kind's configuration is not another's, a field keeps its type.
    result = _mypy(package.parent, MISTAKES.format(pkg=PACKAGE))
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(errors) == 2, result.stdout
    assert '"apply" of "Apply"' in errors[0] and "CertificateApply" in errors[0]
    assert '"replicas"' in errors[1] and '"str"' in errors[1]


# --- 14.2 and 14.3 at run time --------------------------------------------------------------------


def test_metadata_is_always_there_and_empty_is_not_sent(package: Path) -> None:
    models = importlib.import_module(f"{PACKAGE}.models.cert_manager_io_v1")
    core = importlib.import_module(f"{PACKAGE}.models.core_v1")
    cert = models.Certificate(spec=models.CertificateSpec(secret_name="s", issuer_ref=None))
    assert cert.metadata == ObjectMeta() and cert.metadata.name is None
    assert "metadata" not in json.loads(codec.encode(cert))
    cert.metadata.name = "c"
    assert json.loads(codec.encode(cert))["metadata"] == {"name": "c"}
    listed = codec.decode(b'{"items":[{"kind":"Pod"}]}', core.PodList)
    assert listed.metadata.resource_version is None and listed.items[0].metadata.name is None
    # Nor in a list, for the list or its items.
    assert json.loads(codec.encode(listed)) == {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [{"apiVersion": "v1", "kind": "Pod"}],
    }


def test_apply_configurations_encode_only_what_is_set(package: Path, tmp_path: Path) -> None:
    apply = importlib.import_module(f"{PACKAGE}.apply.apps_v1")
    clientset = importlib.import_module(f"{PACKAGE}.clientset")
    models = importlib.import_module(f"{PACKAGE}.models.apps_v1")
    config = apply.DeploymentApply(
        metadata=ObjectMetaApply(name="web"), spec=apply.DeploymentSpecApply(replicas=3)
    )
    assert json.loads(codec.encode(config)) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 3},
    }
    with pytest.raises(TypeError, match="selector"):
        models.DeploymentSpec(replicas=3)  # the model still needs its required fields
    template = {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    with APIServer.from_package(PACKAGE) as server:
        kube = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
        with clientset.Clientset(kube) as cs:
            deployments = cs.apps_v1.deployments("default")
            deployments.apply(
                {
                    "metadata": {"name": "web"},
                    "spec": {
                        "replicas": 1,
                        "selector": {"matchLabels": {"app": "web"}},
                        "template": template,
                    },
                },
                field_manager="deployer",
            )
            scaled = deployments.apply(config, field_manager="scaler", force=True)
            assert isinstance(scaled, models.Deployment)
            assert scaled.spec.replicas == 3
            assert scaled.spec.selector.match_labels == {"app": "web"}  # the other manager's
            managers = {m.manager for m in scaled.metadata.managed_fields or ()}
            assert managers == {"deployer", "scaler"}


# --- 14.6 -------------------------------------------------------------------------------------------


def _older(crd_path: Path, out: Path) -> Path:
    """cert-manager's Certificate CRD as an older release: spec.duration and the nested
    spec.privateKey.rotationPolicy unknown."""
    documents = list(yaml.safe_load_all(crd_path.read_text()))
    for document in documents:
        for version in document["spec"]["versions"]:
            spec = version["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
            del spec["duration"]
            del spec["privateKey"]["properties"]["rotationPolicy"]
    out.write_text(yaml.safe_dump_all(documents))
    return out


def test_no_field_is_lost_whatever_the_object_came_from(tmp_path: Path) -> None:
    current = shared_path("crds", "cert-manager", "cert-manager.io_certificates.yaml")
    old = _older(current, tmp_path / "old-certificates.yaml")
    generate_package(tmp_path, package="old_certs", crds=[old])
    clientset = importlib.import_module("old_certs.clientset")
    informers = importlib.import_module("old_certs.informers")
    models = importlib.import_module("old_certs.models.cert_manager_io_v1")
    assert "duration" not in {f.encode_name for f in msgspec.structs.fields(models.CertificateSpec)}

    def certificate(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": name},
            "spec": {
                "secretName": name,
                "issuerRef": {"name": "ca"},
                "duration": "2160h",
                "privateKey": {"algorithm": "ECDSA", "rotationPolicy": "Always"},
            },
        }

    with APIServer.from_inputs(crds=[current]) as server:
        kube = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
        with clientset.Clientset(kube) as cs:
            dynamic = cs.dynamic.resource("cert-manager.io/v1/certificates").namespace("default")
            for name in ("from-list", "from-watch", "from-cache", "from-get"):
                dynamic.create(certificate(name))
            certificates = cs.cert_manager_io_v1.certificates("default")
            sources = {"from-get": certificates.get("from-get")}
            sources["from-list"] = next(
                c for c in certificates.list().items if c.metadata.name == "from-list"
            )
            for event in certificates.watch(resource_version="0", timeout_seconds=1):
                if event.object.metadata.name == "from-watch":
                    sources["from-watch"] = event.object
                    break
            with informers.SharedInformerFactory(cs) as factory:
                informer = factory.cert_manager_io_v1.certificates
                informer.informer()
                factory.start()
                assert factory.wait_for_cache_sync(timeout=30)
                sources["from-cache"] = informer.lister().namespace("default").get("from-cache")
            for name, obj in sources.items():
                obj.spec.secret_name = f"{name}-2"
                certificates.update(obj)
                spec = dynamic.get(name)["spec"]
                assert spec["secretName"] == f"{name}-2", name
                assert spec["duration"] == "2160h", name
                assert spec["privateKey"] == {
                    "algorithm": "ECDSA",
                    "rotationPolicy": "Always",
                }, name


def test_every_object_of_a_big_list_keeps_its_unknown_fields(tmp_path: Path) -> None:
    # No table and no limit: 3,000 objects decoded from one list all write their unknown fields back.
    current = shared_path("crds", "cert-manager", "cert-manager.io_certificates.yaml")
    generate_package(
        tmp_path, package="old_certs_list", crds=[_older(current, tmp_path / "o.yaml")]
    )
    models = importlib.import_module("old_certs_list.models.cert_manager_io_v1")
    from kgen.runtime._preserve import encode_preserving

    items = [
        {
            "metadata": {"name": f"c{i}", "uid": f"u{i}", "resourceVersion": str(i)},
            "spec": {"secretName": "s", "issuerRef": {"name": "ca"}, "duration": f"{i}h"},
        }
        for i in range(3000)
    ]
    listed = codec.decode(json.dumps({"items": items}).encode(), models.CertificateList)
    assert [json.loads(encode_preserving(c))["spec"]["duration"] for c in listed.items] == [
        f"{i}h" for i in range(3000)
    ]


# --- 14.7 -------------------------------------------------------------------------------------------


def test_models_are_pydantic_fields(package: Path) -> None:
    pydantic = pytest.importorskip("pydantic")
    apps = importlib.import_module(f"{PACKAGE}.models.apps_v1")
    certs = importlib.import_module(f"{PACKAGE}.models.cert_manager_io_v1")

    class Release(pydantic.BaseModel):  # type: ignore[misc,name-defined]
        name: str
        deployment: apps.Deployment  # type: ignore[name-defined]
        certificate: certs.Certificate | None = None  # type: ignore[name-defined]

    document = {
        "name": "web",
        "deployment": {
            "metadata": {"name": "web", "creationTimestamp": "2024-01-01T00:00:00Z"},
            "spec": {"replicas": 2, "selector": {}, "template": {}},
        },
        "certificate": {
            "metadata": {"name": "c"},
            "spec": {"secretName": "s", "issuerRef": {"name": "ca"}, "dnsNames": ["a"]},
        },
    }
    from_json = Release.model_validate_json(json.dumps(document))
    from_python = Release.model_validate(document)
    assert from_json == from_python
    assert isinstance(from_json.deployment, apps.Deployment)
    assert from_json.deployment.metadata.creation_timestamp.year == 2024
    assert from_json.certificate.spec.dns_names == ["a"]
    dumped = json.loads(from_json.model_dump_json())
    assert dumped["deployment"]["spec"]["replicas"] == 2
    assert dumped["deployment"]["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"
    assert dumped["certificate"]["spec"]["dnsNames"] == ["a"]
    assert Release.model_validate(from_json.model_dump()) == from_json
    with pytest.raises(pydantic.ValidationError, match=r"spec.replicas"):
        Release.model_validate({"name": "x", "deployment": {"spec": {"replicas": "two"}}})
    schema = Release.model_json_schema()
    deployment = schema["properties"]["deployment"]
    assert deployment["properties"]["spec"]["anyOf"][0]["properties"]["replicas"]
    assert "$ref" not in json.dumps(deployment)  # every reference resolved inside the field
    # kgen itself does not import pydantic.
    check = "import sys, kgen.runtime, kgen.runtime._resources; print('pydantic' in sys.modules)"
    assert (
        subprocess.run(
            [sys.executable, "-c", check], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "False"
    )


# --- 14.8 -------------------------------------------------------------------------------------------


def test_a_renamed_copy_in_another_tree_works(package: Path, tmp_path: Path) -> None:
    tree = tmp_path / "project" / "myapp" / "_vendor"
    shutil.copytree(package, tree / "k8s")
    (tree.parent / "__init__.py").write_text("")
    (tree / "__init__.py").write_text("")
    code = textwrap.dedent("""
        import json, sys
        from myapp._vendor.k8s import GENERATED_BY, RUNTIME_FORMAT, scheme
        from myapp._vendor.k8s.clientset import Clientset
        from myapp._vendor.k8s.apply.apps_v1 import DeploymentApply
        from myapp._vendor.k8s.models.core_v1 import Pod
        from kgen.testing import APIServer
        from kgen.runtime import load_kubeconfig, ObjectMeta

        pod = scheme.decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})
        assert type(pod) is Pod, type(pod)
        assert DeploymentApply.GVK.kind == "Deployment"
        assert "real14" not in sys.modules
        with APIServer.from_package("myapp._vendor.k8s") as server:
            with Clientset(load_kubeconfig(server.kubeconfig(sys.argv[1]))) as cs:
                assert Clientset.PACKAGE == "myapp._vendor.k8s"
                cs.core_v1.configmaps("default").create(
                    __import__("myapp._vendor.k8s.models.core_v1", fromlist=["x"]).ConfigMap(
                        metadata=ObjectMeta(name="x"), data={"a": "b"}
                    )
                )
                print(cs.core_v1.configmaps("default").get("x").data)
        """)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "project")}
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "kubeconfig")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "{'a': 'b'}"
    # mypy --strict on the renamed copy, as the project would run it.
    result = run_mypy(tmp_path / "project", "myapp._vendor.k8s")
    assert result.returncode == 0, result.stdout[-3000:]


def test_a_runtime_that_cannot_serve_the_package_fails_at_import_clearly(
    package: Path, tmp_path: Path
) -> None:
    for recorded, wanted in ((99, "upgrade kgen"), (1, "regenerate it")):
        copy = tmp_path / f"format{recorded}" / "k8s_copy"
        shutil.copytree(package, copy)
        init = copy / "__init__.py"
        init.write_text(
            init.read_text().replace("RUNTIME_FORMAT = 2", f"RUNTIME_FORMAT = {recorded}")
        )
        result = subprocess.run(
            [sys.executable, "-c", "import k8s_copy.models.core_v1"],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(copy.parent)},
        )
        assert result.returncode == 1
        last = result.stderr.strip().splitlines()[-1]
        assert last.startswith("ImportError: k8s_copy was generated by kgen "), last
        assert f"for runtime format {recorded}" in last and wanted in last, last
        assert "During handling" not in result.stderr, result.stderr  # one error, not a chain
