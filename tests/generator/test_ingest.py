"""Ingest and the API model: each kind of input, each alone (no emitters involved)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gen_util import crd, write_yaml

from kgen.errors import SpecError
from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import Array, EnumType, Ref, Shared, Special
from kgen.apimodel.names import snake_case

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("podIPs", "pod_ips"),
        ("serverAddressByClientCIDRs", "server_address_by_client_cidrs"),
        ("nonResourceURLs", "non_resource_urls"),
        ("clusterIPv4CIDR", "cluster_ipv4_cidr"),
        ("x-kubernetes-list-type", "x_kubernetes_list_type"),
        ("HTTPGet", "http_get"),
        ("fsGroup", "fs_group"),
        ("$ref", "ref"),
        ("openAPIV3Schema", "open_api_v3_schema"),
        ("openAPIV3", "open_api_v3"),
        ("APIV3Schema", "api_v3_schema"),
    ],
)
def test_snake_case(name: str, snake: str) -> None:
    assert snake_case(name) == snake


def test_openapi_v3_resources_come_from_paths_and_allof_is_unwrapped() -> None:
    model = build_model(read_inputs([ROOT / "specs" / "kube-core-subset"]))
    pods = model.group_versions[("", "v1")].resources["pods"]
    assert pods.kind == "Pod" and pods.namespaced and pods.list_kind == "PodList"
    assert {
        "get",
        "list",
        "watch",
        "create",
        "update",
        "patch",
        "apply",
        "delete",
        "deletecollection",
    } <= pods.verbs
    assert pods.strategic_merge_patch
    assert pods.subresources["log"].streaming
    assert pods.subresources["eviction"].kind == ("policy", "v1", "Eviction")
    assert pods.subresources["status"].kind is None  # the parent's own kind
    namespaces = model.group_versions[("", "v1")].resources["namespaces"]
    assert not namespaces.namespaced and "deletecollection" not in namespaces.verbs
    assert namespaces.subresources["finalize"].verbs == {"update"}
    deployment = model.types["io.k8s.api.apps.v1.Deployment"]
    spec = deployment.field_named("spec")
    assert spec is not None and spec.type == Ref(
        "io.k8s.api.apps.v1.DeploymentSpec"
    )  # allOf unwrapped
    pod_spec = model.types["io.k8s.api.core.v1.PodSpec"]
    containers = pod_spec.field_named("containers")
    assert containers is not None
    assert (containers.extensions.patch_strategy, containers.extensions.patch_merge_key) == (
        "merge",
        "name",
    )
    assert containers.extensions.list_type == "map" and containers.extensions.list_map_keys == (
        "name",
    )
    policy = model.types["io.k8s.api.core.v1.Container"].field_named("imagePullPolicy")
    assert policy is not None and isinstance(policy.type, EnumType)
    assert deployment.field_named("metadata").type == Shared("ObjectMeta")  # type: ignore[union-attr]


def test_crd_every_served_version_names_and_extensions() -> None:
    model = build_model(read_inputs(crds=[ROOT / "specs" / "example-crds"]))
    v1 = model.group_versions[("example.kgen.io", "v1")]
    alpha = model.group_versions[("example.kgen.io", "v1alpha1")]
    widgets = v1.resources["widgets"]
    assert widgets.short_names == ("wd",) and widgets.categories == ("all", "kgen")
    assert [c.name for c in widgets.printer_columns] == ["Color", "Replicas", "Age"]
    assert widgets.selectable_fields == ("spec.color",)
    assert widgets.subresources["scale"].kind == ("autoscaling", "v1", "Scale")
    assert not widgets.strategic_merge_patch
    assert "widgets" in alpha.resources and "colour" in [
        f.json_name for f in model.types["example.kgen.io/v1alpha1.Widget.spec"].fields
    ]
    gadgets = v1.resources["gadgets"]
    assert not gadgets.namespaced and gadgets.list_kind == "GadgetList"
    widget = model.types["example.kgen.io/v1.Widget"]
    assert widget.field_named("metadata").type == Shared("ObjectMeta")  # type: ignore[union-attr]
    spec = model.types["example.kgen.io/v1.Widget.spec"]
    by_name = {f.json_name: f for f in spec.fields}
    assert by_name["size"].type == Special("int-or-string")
    assert by_name["cpu"].type == Special("quantity")
    assert (
        by_name["config"].type == Special("object")
        and by_name["config"].extensions.preserve_unknown_fields
    )
    assert by_name["extra"].type == Special("json")
    assert by_name["operator"].type == EnumType(by_name["operator"].type.base, ("=", "!=", "=~"), by_name["operator"].type.name)  # type: ignore[union-attr]
    assert by_name["rules"].extensions.list_type == "map" and by_name[
        "rules"
    ].extensions.list_map_keys == ("name",)
    assert by_name["color"].default == "red" and by_name["color"].required
    assert spec.extensions.validations[0].rule == "!has(self.replicas) || self.replicas >= 0"
    assert by_name["selector"].type == Shared("LabelSelector")
    assert by_name["template"].extensions.embedded_resource
    status = model.types["example.kgen.io/v1.Widget.status"]
    conditions = status.field_named("conditions")
    assert conditions is not None and conditions.type == Array(Shared("Condition"))


def test_yaml_traps_load_as_text(tmp_path: Path) -> None:
    path = tmp_path / "crd.yaml"
    path.write_text("""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ops.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Op, plural: ops}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              op:
                type: string
                enum:
                - =
                - '!='
                - =~
                - 1:20
                - 2024-01-01
""")
    model = build_model(read_inputs(crds=[path]))
    op = model.types["example.com/v1.Op.spec"].field_named("op")
    assert op is not None and isinstance(op.type, EnumType)
    assert op.type.values == ("=", "!=", "=~", "1:20", "2024-01-01")


def test_crd_lists_multi_document_streams_and_unserved_versions(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"a": {"type": "string"}}}},
    }
    listed = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [crd("Alpha", schema, group="a.example.com")],
    }
    unserved = crd("Beta", schema, group="b.example.com", versions=["v1", "v0"])
    unserved["spec"]["versions"][1]["served"] = False
    path = write_yaml(tmp_path / "stream.yaml", listed, unserved)
    model = build_model(read_inputs(crds=[path]))
    assert ("a.example.com", "v1") in model.group_versions
    assert ("b.example.com", "v1") in model.group_versions
    assert ("b.example.com", "v0") not in model.group_versions


def test_a_spec_directory_skips_files_that_are_not_openapi(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "api.json").write_text(
        (ROOT / "specs/kube-core-subset/openapi.json").read_text()
    )
    (tmp_path / "specs" / "_index.json").write_text(json.dumps([{"file": "api.json"}]))
    inputs = read_inputs([tmp_path / "specs"])
    assert len(inputs.openapi) == 1 and inputs.skipped == [
        (str(tmp_path / "specs" / "_index.json"), "not an OpenAPI document")
    ]
    with pytest.raises(SpecError, match="not an OpenAPI document"):
        read_inputs([tmp_path / "specs" / "_index.json"])


def test_conflicting_copies_of_a_definition_are_an_error(tmp_path: Path) -> None:
    base = json.loads((ROOT / "specs/kube-core-subset/openapi.json").read_text())
    other = json.loads(json.dumps(base))
    other["components"]["schemas"]["io.k8s.api.core.v1.EnvVar"]["properties"]["extra"] = {
        "type": "string"
    }
    (tmp_path / "a.json").write_text(json.dumps(base))
    (tmp_path / "b.json").write_text(json.dumps(other))
    with pytest.raises(SpecError, match="defined differently") as info:
        build_model(read_inputs([tmp_path / "a.json", tmp_path / "b.json"]))
    assert info.value.file.endswith("b.json")
    assert info.value.pointer == "/components/schemas/io.k8s.api.core.v1.EnvVar"


def test_identical_copies_across_documents_are_fine(tmp_path: Path) -> None:
    text = (ROOT / "specs/kube-core-subset/openapi.json").read_text()
    (tmp_path / "a.json").write_text(text)
    (tmp_path / "b.json").write_text(text)
    model = build_model(read_inputs([tmp_path]))
    assert "pods" in model.group_versions[("", "v1")].resources


def test_a_kubebuilder_crd_directory_reads_the_crds_and_skips_the_rest(tmp_path: Path) -> None:
    # The layout `kubebuilder init` makes: bases next to kustomize files and CRD patches.
    config = tmp_path / "config" / "crd"
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}}
    write_yaml(
        config / "bases" / "x.kgen.io_widgets.yaml", crd("Widget", schema, group="x.kgen.io")
    )
    (config / "kustomization.yaml").write_text(
        "resources:\n- bases/x.kgen.io_widgets.yaml\nconfigurations:\n- kustomizeconfig.yaml\n"
    )
    (config / "kustomizeconfig.yaml").write_text("nameReference:\n- kind: Service\n  version: v1\n")
    write_yaml(
        config / "patches" / "webhook_in_widgets.yaml",
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.x.kgen.io"},
            "spec": {"conversion": {"strategy": "Webhook"}},
        },
    )
    inputs = read_inputs([], [config])
    assert [c.crd["spec"]["names"]["kind"] for c in inputs.crds] == ["Widget"]
    reasons = {Path(where).name: why for where, why in inputs.skipped}
    assert reasons == {
        "kustomization.yaml": "not a Kubernetes object",
        "kustomizeconfig.yaml": "not a Kubernetes object",
        "webhook_in_widgets.yaml": (
            "a patch to a CustomResourceDefinition (no spec.names or spec.versions)"
        ),
    }
    # Named on its own, a file that is not a CRD is an error, not a skip, even when its directory
    # is named too (the named file is read first).
    with pytest.raises(SpecError, match="not a CustomResourceDefinition"):
        read_inputs([], [config / "kustomization.yaml"])
    with pytest.raises(SpecError, match="not a CustomResourceDefinition"):
        read_inputs([], [config, config / "kustomization.yaml"])
    # kubebuilder v3's cainjection patch has no spec at all.
    write_yaml(
        config / "patches" / "cainjection_in_widgets.yaml",
        {
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.x.kgen.io", "annotations": {"cert-manager.io/x": "y"}},
        },
    )
    again = read_inputs([], [config, config / "bases"])
    assert [c.crd["spec"]["names"]["kind"] for c in again.crds] == ["Widget"]
    assert len(again.skipped) == 4


def test_a_directory_given_as_spec_and_crd_gives_both(tmp_path: Path) -> None:
    # A file a --spec directory skips (a CRD) is still read by --crd, and the other way round.
    mixed = tmp_path / "mixed"
    schema = {"type": "object", "properties": {"spec": {"type": "object"}}}
    write_yaml(mixed / "thing.yaml", crd("Thing", schema, group="x.kgen.io"))
    (mixed / "api.json").write_text(
        json.dumps({"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}})
    )
    inputs = read_inputs([mixed], [mixed, mixed / "thing.yaml"])
    assert len(inputs.openapi) == 1 and len(inputs.crds) == 1
    assert [why for _, why in inputs.skipped] == [
        "not an OpenAPI document",
        "not a Kubernetes object",
    ]


def test_a_named_empty_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("# nothing here\n---\n")
    with pytest.raises(SpecError, match="holds no documents") as raised:
        read_inputs([], [tmp_path / "empty.yaml"])
    assert "empty.yaml" in str(raised.value)


def test_class_names_do_not_depend_on_the_other_inputs(tmp_path: Path) -> None:
    # Issuer and ClusterIssuer have the same nested selfSigned object (as cert-manager's do).
    nested = {
        "type": "object",
        "properties": {"crlDistributionPoints": {"type": "array", "items": {"type": "string"}}},
    }
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {"selfSigned": nested}}},
    }
    issuer = write_yaml(tmp_path / "issuer.yaml", crd("Issuer", schema, group="x.kgen.io"))
    cluster = write_yaml(
        tmp_path / "cluster.yaml", crd("ClusterIssuer", schema, group="x.kgen.io", scope="Cluster")
    )

    def names(*paths: Path) -> set[str]:
        model = build_model(read_inputs([], list(paths)))
        return {t.name for t in model.types.values()}

    alone, together = names(issuer), names(issuer, cluster)
    assert "IssuerSelfSigned" in alone
    assert alone <= together and "ClusterIssuerSelfSigned" in together


def test_enum_names_join_the_class_and_the_field(tmp_path: Path) -> None:
    # A field named like a reserved name ("status", "list") does not make the enum's name odd.
    conditions = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["True", "False"]},
                "list": {"type": "string", "enum": ["a", "b"]},
            },
        },
    }
    schema = {
        "type": "object",
        "properties": {"status": {"type": "object", "properties": {"conditions": conditions}}},
    }
    path = write_yaml(tmp_path / "foo.yaml", crd("Foo", schema, group="x.kgen.io"))
    model = build_model(read_inputs([], [path]))
    typedef = next(t for t in model.types.values() if t.name == "FooConditions")
    names = {f.json_name: f.type.name for f in typedef.fields if isinstance(f.type, EnumType)}
    assert names == {"status": "FooConditionsStatus", "list": "FooConditionsList"}
