"""FieldInfo: what the patch algorithms read from the API model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shared_specs import SHARED_SPECS

from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import APIModel
from kgen.apimodel.serialize import load_package_model
from kgen.testing.merge.schema import ANY, FieldInfo, type_info

ROOT = Path(__file__).resolve().parents[3]
SWAGGER = SHARED_SPECS / "kubernetes" / "v1.36" / "swagger.json"


@pytest.fixture(scope="module")
def model() -> APIModel:
    return load_package_model("example_client")


@pytest.fixture(scope="module")
def full_model() -> APIModel:
    if not SWAGGER.exists():
        pytest.skip(f"the Kubernetes 1.36 API is not available: {SWAGGER} is absent")
    return build_model(read_inputs(specs=[str(SWAGGER)], crds=[]))


def at(info: FieldInfo, *steps: str) -> FieldInfo:
    for step in steps:
        info = info.element() if step == "[]" else info.child(step)
    return info


def test_pod(model: APIModel) -> None:
    pod = type_info(model, "io.k8s.api.core.v1.Pod")
    containers = at(pod, "spec", "containers")
    assert (containers.kind, containers.list_type, containers.list_map_keys) == (
        "list",
        "map",
        ("name",),
    )
    assert (containers.patch_strategy, containers.patch_merge_key) == ("merge", "name")
    ports = at(containers, "[]", "ports")
    assert ports.list_map_keys == ("containerPort", "protocol")
    assert ports.key_defaults == (("protocol", "TCP"),)
    assert at(pod, "spec", "volumes").patch_strategy == "merge,retainKeys"
    tolerations = at(pod, "spec", "tolerations")
    assert tolerations.list_type == "atomic" and tolerations.is_leaf
    assert at(containers, "[]", "image").kind == "scalar"
    assert at(pod, "spec", "nodeSelector").kind == "map"
    assert not at(pod, "spec", "nodeSelector").is_leaf
    assert at(pod, "spec").has_field("containers")
    assert not at(pod, "spec").has_field("nope")
    assert at(pod, "spec", "nope") == ANY


def test_meta_v1_directives(model: APIModel) -> None:
    meta = at(type_info(model, "io.k8s.api.core.v1.Pod"), "metadata")
    finalizers = meta.child("finalizers")
    assert (finalizers.list_type, finalizers.patch_strategy) == ("set", "merge")
    owners = meta.child("ownerReferences")
    assert (owners.list_type, owners.list_map_keys, owners.patch_merge_key) == (
        "map",
        ("uid",),
        "uid",
    )
    assert owners.element().is_leaf, "OwnerReference is x-kubernetes-map-type: atomic"
    assert meta.child("managedFields").list_type == "atomic"
    assert meta.child("labels").kind == "map" and not meta.child("labels").is_leaf
    deployment = type_info(model, "io.k8s.api.apps.v1.Deployment")
    assert at(deployment, "spec", "selector").is_leaf, "LabelSelector is atomic"


def test_service_selector_is_an_atomic_map(model: APIModel) -> None:
    service = type_info(model, "io.k8s.api.core.v1.Service")
    selector = at(service, "spec", "selector")
    assert (selector.kind, selector.map_type, selector.is_leaf) == ("map", "atomic", True)


def test_widget_crd(model: APIModel) -> None:
    widget = type_info(model, "example.kgen.io/v1.Widget")
    spec = widget.child("spec")
    assert (spec.child("rules").list_type, spec.child("rules").list_map_keys) == ("map", ("name",))
    assert spec.child("rules").patch_strategy is None, "CRDs have no patch strategies"
    assert spec.child("tags").list_type == "set"
    config = spec.child("config")
    assert config.kind == "any" and not config.is_leaf
    assert at(config, "a", "b").kind == "any"
    assert spec.child("extra").kind == "any"
    # The CRD's inline LabelSelector is plain (no map-type in the CRD), unlike the built-in one.
    assert not spec.child("selector").is_leaf
    assert at(widget, "status", "conditions").list_map_keys == ("type",)
    # metadata is always the real ObjectMeta
    assert at(widget, "metadata", "finalizers").list_type == "set"
    assert spec.child("template").kind == "struct"


@pytest.mark.parametrize("type_id", [None, "no.such.Type"])
def test_unknown_types_are_deduced(model: APIModel, type_id: str | None) -> None:
    info = type_info(model, type_id)
    assert info == ANY
    assert info.child("x").child("y") == ANY
    assert info.element() == ANY
    assert type_info(None, "io.k8s.api.core.v1.Pod") == ANY


def test_lists_with_merge_strategy_and_no_list_type() -> None:
    # kube-openapi turns a merge strategy into an associative list when list-type is absent.
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "x.v1.Thing": {
                    "type": "object",
                    "x-kubernetes-group-version-kind": [
                        {"group": "x", "version": "v1", "kind": "Thing"}
                    ],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "kind": {"type": "string"},
                        "keyed": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"n": {"type": "string"}}},
                            "x-kubernetes-patch-strategy": "merge",
                            "x-kubernetes-patch-merge-key": "n",
                        },
                        "scalars": {
                            "type": "array",
                            "items": {"type": "string"},
                            "x-kubernetes-patch-strategy": "merge",
                        },
                        "plain": {"type": "array", "items": {"type": "string"}},
                    },
                }
            }
        },
    }
    info = _info_from_openapi(spec, "x.v1.Thing")
    assert (info.child("keyed").list_type, info.child("keyed").list_map_keys) == ("map", ("n",))
    assert info.child("scalars").list_type == "set"
    assert info.child("plain").list_type == "atomic"


def _info_from_openapi(document: dict[str, Any], type_id: str) -> FieldInfo:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "openapi.json"
        path.write_text(json.dumps(document))
        model = build_model(read_inputs(specs=[str(path)], crds=[]))
    return type_info(model, type_id)


def test_recursive_types(full_model: APIModel) -> None:
    # JSONSchemaProps refers to itself: children are built lazily.
    crd = type_info(
        full_model,
        "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
    )
    props = at(crd, "spec", "versions", "[]", "schema", "openAPIV3Schema", "properties")
    assert at(props, "x", "properties", "y", "properties").kind in ("map", "any")


def test_meta_v1_table_matches_the_kubernetes_api() -> None:
    """The directives hard-coded for meta/v1 are those the Kubernetes 1.36 API publishes."""
    if not SWAGGER.exists():
        pytest.skip(f"the Kubernetes 1.36 API is not available: {SWAGGER} is absent")
    definitions = json.loads(SWAGGER.read_text())["definitions"]
    model = load_package_model("example_client")
    pod_meta = at(type_info(model, "io.k8s.api.core.v1.Pod"), "metadata")
    meta = definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"]
    for name, prop in meta.items():
        info = pod_meta.child(name)
        if prop.get("type") == "array":
            assert info.list_type == prop["x-kubernetes-list-type"], name
            assert info.list_map_keys == tuple(prop.get("x-kubernetes-list-map-keys", ())), name
            assert info.patch_strategy == prop.get("x-kubernetes-patch-strategy"), name
            assert info.patch_merge_key == prop.get("x-kubernetes-patch-merge-key"), name
    for name in ("OwnerReference", "LabelSelector"):
        atomic = definitions[f"io.k8s.apimachinery.pkg.apis.meta.v1.{name}"].get(
            "x-kubernetes-map-type"
        )
        assert atomic == "atomic", name
    selector = definitions["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]["properties"]
    assert selector["matchExpressions"]["x-kubernetes-list-type"] == "atomic"
