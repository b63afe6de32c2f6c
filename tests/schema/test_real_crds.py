"""The real CRDs of the reference corpus (gateway-api, flux, cloudnative-pg, external-secrets...):
every one is admitted, every rule compiles within the cost limits, and for a sample of rules and
keywords a violating and a satisfying object behave as the schema says, on the client (kgen.schema,
the engine behind ``kgen.runtime.validate``) and in kgen.testing (over HTTP)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from shared_specs import shared_path

from kgen.schema import Schema
from kgen.testing import APIServer
from kgen.testing.schema import crd_problems

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _crds() -> list[tuple[str, dict[str, Any]]]:
    root = shared_path("crds")
    out = []
    for path in sorted(Path(root).rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=_LOADER):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                out.append((str(path.relative_to(root)), doc))
    return out


def _crd(relative: str) -> dict[str, Any]:
    path = shared_path("crds", *relative.split("/"))
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    assert isinstance(doc, dict)
    return doc


def _schema(crd: dict[str, Any], version: str) -> dict[str, Any]:
    found = next(v for v in crd["spec"]["versions"] if v["name"] == version)
    schema = found["schema"]["openAPIV3Schema"]
    assert isinstance(schema, dict)
    return schema


@pytest.mark.slow
def test_every_real_crd_is_admitted_with_its_rules_within_the_cost_limits() -> None:
    """kgen.testing's CRD admission (patterns Go compiles, list types, CEL compile and cost) finds
    nothing to refuse in the corpus, and every rule is compiled."""
    problems: list[str] = []
    rules = 0
    crds = _crds()
    for name, crd in crds:
        problems += [f"{name}: {p}" for p in crd_problems(crd)]
        for version in crd["spec"]["versions"]:
            raw = (version.get("schema") or {}).get("openAPIV3Schema")
            if raw:
                compiled = Schema(raw)
                assert compiled.rule_errors == [], name
                rules += compiled.rules.rule_count if compiled.rules is not None else 0
    assert problems == []
    assert len(crds) >= 50 and rules >= 400


def _bucket(**spec: Any) -> dict[str, Any]:
    base = {"bucketName": "b", "endpoint": "minio.local", "interval": "5m"}
    return {"spec": {**base, **spec}}


def _subscription(**spec: Any) -> dict[str, Any]:
    base = {
        "cluster": {"name": "pg"},
        "dbname": "app",
        "externalClusterName": "origin",
        "name": "sub",
        "publicationName": "pub",
    }
    return {"spec": {**base, **spec}}


def _push_secret(selector: dict[str, Any]) -> dict[str, Any]:
    return {"spec": {"secretStoreRefs": [{"name": "store"}], "selector": selector}}


def _route(path: str) -> dict[str, Any]:
    return {
        "spec": {
            "parentRefs": [{"name": "gw"}],
            "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": path}}]}],
        }
    }


# (CRD file, version, satisfying object, violating object, the violation, old object for an update)
SAMPLES: list[tuple[str, str, dict[str, Any], dict[str, Any], str, dict[str, Any] | None]] = [
    (
        "flux/source-controller/source.toolkit.fluxcd.io_buckets.yaml",
        "v1",
        _bucket(provider="aws", serviceAccountName="sa"),
        _bucket(provider="generic", serviceAccountName="sa"),
        "spec: Invalid value: \"object\": ServiceAccountName is not supported for the 'generic' "
        "Bucket provider",
        None,
    ),
    (
        "flux/source-controller/source.toolkit.fluxcd.io_buckets.yaml",
        "v1",
        _bucket(provider="aws", sts={"provider": "aws", "endpoint": "https://sts"}),
        _bucket(provider="aws", sts={"provider": "ldap", "endpoint": "https://sts"}),
        "spec: Invalid value: \"object\": 'aws' is the only supported STS provider for the 'aws' "
        "Bucket provider",
        None,
    ),
    (
        "cloudnative-pg/postgresql.cnpg.io_subscriptions.yaml",
        "v1",
        _subscription(publicationName="other"),
        _subscription(dbname="changed"),
        'spec.dbname: Invalid value: "string": dbname is immutable',
        _subscription(),
    ),
    (
        "external-secrets/external-secrets.io_pushsecrets.yaml",
        "v1alpha1",
        _push_secret({"secret": {"name": "s"}}),
        _push_secret({}),
        "spec.selector: Invalid value: 1: spec.selector in body should have at least 1 properties",
        None,
    ),
    (
        "gateway-api/gateway.networking.k8s.io_httproutes.yaml",
        "v1",
        _route("/api"),
        _route("/api/../x"),
        "must not contain '/../'",
        None,
    ),
]


def _object(crd: dict[str, Any], version: str, body: dict[str, Any], name: str) -> dict[str, Any]:
    group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
    out = {"apiVersion": f"{group}/{version}", "kind": kind, "metadata": {"name": name}}
    out.update(copy.deepcopy(body))
    if crd["spec"]["scope"] == "Namespaced":
        out["metadata"]["namespace"] = "default"
    return out


def _client_messages(schema: Schema, obj: dict[str, Any], old: dict[str, Any] | None) -> list[str]:
    return [str(v) for v in schema.validate(schema.with_defaults(obj), old)]


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[f"{s[0].split('/')[-1]}-{i}" for i, s in enumerate(SAMPLES)]
)
def test_a_rule_on_the_client(sample: tuple[Any, ...]) -> None:
    relative, version, good, bad, violation, old = sample
    crd = _crd(relative)
    schema = Schema(_schema(crd, version))
    before = schema.with_defaults(_object(crd, version, old, "o")) if old else None
    assert _client_messages(schema, _object(crd, version, good, "o"), before) == []
    found = _client_messages(schema, _object(crd, version, bad, "o"), before)
    assert any(violation in m for m in found), found


@pytest.fixture(scope="module")
def server() -> Iterator[httpx.Client]:
    with APIServer.from_package("example_client") as api:
        with httpx.Client(base_url=api.url, headers=api.headers()) as client:
            yield client


@pytest.mark.parametrize(
    "sample", SAMPLES, ids=[f"{s[0].split('/')[-1]}-{i}" for i, s in enumerate(SAMPLES)]
)
def test_a_rule_in_kgen_testing(server: httpx.Client, sample: tuple[Any, ...]) -> None:
    relative, version, good, bad, violation, old = sample
    crd = _crd(relative)
    name = crd["metadata"]["name"]
    if server.get(f"{CRDS}/{name}").status_code == 404:
        created = server.post(CRDS, json=crd)
        assert created.status_code == 201, created.text
    plural = crd["spec"]["names"]["plural"]
    where = "namespaces/default/" if crd["spec"]["scope"] == "Namespaced" else ""
    url = f"/apis/{crd['spec']['group']}/{version}/{where}{plural}"
    index = SAMPLES.index(sample)
    if old is None:
        answer = server.post(url, json=_object(crd, version, good, f"good-{index}"))
        assert answer.status_code == 201, answer.text
        refused = server.post(url, json=_object(crd, version, bad, f"bad-{index}"))
    else:
        stored = server.post(url, json=_object(crd, version, old, f"old-{index}"))
        assert stored.status_code == 201, stored.text
        version_ = stored.json()["metadata"]["resourceVersion"]
        update = _object(crd, version, good, f"old-{index}")
        update["metadata"]["resourceVersion"] = version_
        answer = server.put(f"{url}/old-{index}", json=update)
        assert answer.status_code == 200, answer.text
        bad_update = _object(crd, version, bad, f"old-{index}")
        bad_update["metadata"]["resourceVersion"] = answer.json()["metadata"]["resourceVersion"]
        refused = server.put(f"{url}/old-{index}", json=bad_update)
    assert refused.status_code == 422, refused.text
    assert violation in refused.json()["message"]
