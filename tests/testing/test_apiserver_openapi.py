"""OpenAPI: /openapi/v2, /openapi/v3 and regenerating the API model from what the server publishes."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import APIModel, Array, Map, Ref, TypeRef
from kgen.apimodel.serialize import load_package_model
from apiserver_fixtures import since

pytestmark = pytest.mark.conformance


def test_openapi_v2(client: httpx.Client) -> None:
    body = client.get("/openapi/v2").json()
    assert body["swagger"] == "2.0"
    assert "io.k8s.api.core.v1.ConfigMap" in body["definitions"]
    operation = body["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"]
    assert operation["x-kubernetes-action"] == "patch"
    assert operation["x-kubernetes-group-version-kind"] == {
        "group": "",
        "version": "v1",
        "kind": "ConfigMap",
    }
    assert "application/strategic-merge-patch+json" in operation["consumes"]


@since("1.27")
def test_openapi_v3_index(client: httpx.Client) -> None:
    index = client.get("/openapi/v3").json()
    assert "api/v1" in index["paths"]
    assert "apis/apps/v1" in index["paths"]
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    document = client.get(url).json()
    assert document["openapi"].startswith("3.")
    assert "io.k8s.api.apps.v1.Deployment" in document["components"]["schemas"]


@since("1.27")
def test_custom_resources_in_openapi_v3(client: httpx.Client) -> None:
    document = client.get("/openapi/v3/apis/example.kgen.io/v1").json()
    schemas = document["components"]["schemas"]
    widget = schemas["io.kgen.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": "example.kgen.io", "version": "v1", "kind": "Widget"}
    ]
    assert widget["properties"]["spec"]["properties"]["color"]["enum"] == ["red", "green", "blue"]
    patch = document["paths"]["/apis/example.kgen.io/v1/namespaces/{namespace}/widgets/{name}"][
        "patch"
    ]
    content_types = set(patch["requestBody"]["content"])
    assert "application/strategic-merge-patch+json" not in content_types
    assert "application/apply-patch+yaml" in content_types


def _field_names(
    model: APIModel, ref: TypeRef, depth: int = 0, seen: frozenset[str] = frozenset()
) -> object:
    """The field-name tree under a type reference (what generated models expose)."""
    if isinstance(ref, Array):
        return ["[]", _field_names(model, ref.items, depth, seen)]
    if isinstance(ref, Map):
        return ["{}", _field_names(model, ref.values, depth, seen)]
    if isinstance(ref, Ref) and ref.type_id not in seen and depth < 6:
        typedef = model.types[ref.type_id]
        return {
            f.json_name: _field_names(model, f.type, depth + 1, seen | {ref.type_id})
            for f in typedef.fields
        }
    return type(ref).__name__ if not isinstance(ref, Ref) else "ref"


def _resources(model: APIModel) -> dict[tuple[str, str, str], tuple[object, ...]]:
    out = {}
    for r in model.resources():
        out[(r.group, r.version, r.plural)] = (
            r.kind,
            r.namespaced,
            tuple(sorted(r.verbs)),
            tuple(
                sorted((s.name, tuple(sorted(s.verbs)), s.kind) for s in r.subresources.values())
            ),
            _field_names(model, Ref(r.type_id)) if r.type_id else None,
        )
    return out


@since("1.27")
def test_regenerate_model_from_openapi_v3(
    client: httpx.Client, tmp_path: Path, shared_server: object
) -> None:
    if shared_server is None:
        pytest.skip("compares with the model kgen.testing serves")
    index = client.get("/openapi/v3").json()
    for path, entry in index["paths"].items():
        document = client.get(entry["serverRelativeURL"]).json()
        (tmp_path / (path.replace("/", "__") + ".json")).write_text(json.dumps(document))
    rebuilt = build_model(read_inputs(specs=[tmp_path]))
    original = load_package_model("example_client")
    expected = _resources(original)
    actual = _resources(rebuilt)
    for key, value in expected.items():
        assert actual.get(key) == value, key


def test_regenerate_model_from_openapi_v2(
    client: httpx.Client, tmp_path: Path, shared_server: object
) -> None:
    if shared_server is None:
        pytest.skip("compares with the model kgen.testing serves")
    (tmp_path / "swagger.json").write_text(client.get("/openapi/v2").text)
    rebuilt = build_model(read_inputs(specs=[tmp_path / "swagger.json"]))
    original = load_package_model("example_client")
    expected = {k: v[:4] for k, v in _resources(original).items()}
    actual = {k: v[:4] for k, v in _resources(rebuilt).items()}
    for key, value in expected.items():
        assert actual.get(key) == value, key
