"""The generated models: names, types and encoding rules of section 4, on the example CRD group."""

from __future__ import annotations

import ast
import base64
import json
from datetime import datetime, timezone
from pathlib import Path

import msgspec
import pytest

import kgen.runtime._codec as codec
from kgen.runtime._meta import Condition, KubernetesObject, LabelSelector, ObjectMeta
from kgen.runtime._types import MicroTime

ROOT = Path(__file__).resolve().parents[2]

example = pytest.importorskip("example_client.models.example_kgen_io_v1")
core = pytest.importorskip("example_client.models.core_v1")
coordination = pytest.importorskip("example_client.models.coordination_v1")
from example_client import scheme  # noqa: E402


def test_snake_case_attributes_keep_wire_names() -> None:
    spec = example.WidgetSpec(color="red", secret_data=b"x", primary_endpoint=None)
    encoded = json.loads(codec.encode(spec))
    assert "secretData" in encoded and "secret_data" not in encoded
    fields = {f.name: f.encode_name for f in msgspec.structs.fields(example.WidgetSpec)}
    assert fields["secret_data"] == "secretData"
    assert fields["x_kubernetes_validations"] == "x-kubernetes-validations"


def test_keywords_and_builtins_are_usable() -> None:
    spec = example.WidgetSpec(
        color="red", from_="a", continue_="b", not_="c", class_="d", type="e", exec="f"
    )
    encoded = json.loads(codec.encode(spec))
    assert {k: encoded[k] for k in ("from", "continue", "not", "class", "type", "exec")} == {
        "from": "a",
        "continue": "b",
        "not": "c",
        "class": "d",
        "type": "e",
        "exec": "f",
    }
    decoded = codec.decode(b'{"color":"red","from":"x","class":"y"}', example.WidgetSpec)
    assert decoded.from_ == "x" and decoded.class_ == "y"


def test_colliding_names_get_distinct_deterministic_attributes() -> None:
    fields = {f.encode_name: f.name for f in msgspec.structs.fields(example.WidgetSpec)}
    # proxyURL sorts before proxyUrl; mirror_percent already is its own snake_case name.
    assert fields["proxyURL"] == "proxy_url"
    assert fields["proxyUrl"] == "proxy_url_2"
    assert fields["mirror_percent"] == "mirror_percent"
    assert fields["mirrorPercent"] == "mirror_percent_2"
    raw = b'{"color":"red","proxyURL":"a","proxyUrl":"b","mirror_percent":1,"mirrorPercent":2}'
    spec = codec.decode(raw, example.WidgetSpec)
    assert (spec.proxy_url, spec.proxy_url_2, spec.mirror_percent, spec.mirror_percent_2) == (
        "a",
        "b",
        1,
        2,
    )
    assert json.loads(codec.encode(spec)) == json.loads(raw)


def test_schema_keyword_property_names_are_ordinary_fields() -> None:
    raw = b'{"color":"red","default":"d","enum":["a"],"x-kubernetes-validations":"v"}'
    spec = codec.decode(raw, example.WidgetSpec)
    assert (spec.default, spec.enum, spec.x_kubernetes_validations) == ("d", ["a"], "v")


def test_optional_fields_accept_null_and_unset_fields_are_omitted() -> None:
    raw = b'{"color":"red","note":null,"size":null,"deadline":null}'
    spec = codec.decode(raw, example.WidgetSpec)
    assert spec.note is None and spec.size is None
    assert json.loads(codec.encode(spec)) == {"color": "red"}
    assert json.loads(codec.encode(example.WidgetSpec(color="blue"))) == {"color": "blue"}


def test_required_fields_are_required() -> None:
    with pytest.raises(msgspec.ValidationError, match="color"):
        codec.decode(b"{}", example.WidgetSpec)


def test_int_or_string_keeps_its_json_type() -> None:
    for raw in (b'{"color":"red","size":3}', b'{"color":"red","size":"large"}'):
        assert json.loads(codec.encode(codec.decode(raw, example.WidgetSpec))) == json.loads(raw)


def test_quantity_accepts_numbers_as_people_write_them() -> None:
    for raw in (
        b'{"color":"red","cpu":1}',
        b'{"color":"red","cpu":0.5}',
        b'{"color":"red","cpu":"500m"}',
    ):
        assert json.loads(codec.encode(codec.decode(raw, example.WidgetSpec))) == json.loads(raw)


def test_time_and_micro_time_round_trip_exactly() -> None:
    raw = b'{"color":"red","deadline":"2024-05-06T07:08:09.123456Z"}'
    spec = codec.decode(raw, example.WidgetSpec)
    assert spec.deadline == datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=timezone.utc)
    assert json.loads(codec.encode(spec)) == json.loads(raw)
    lease = (
        b'{"acquireTime":"2024-05-06T07:08:09.000000Z","renewTime":"2024-05-06T07:08:10.500000Z"}'
    )
    decoded = codec.decode(lease, coordination.LeaseSpec)
    assert isinstance(decoded.acquire_time, MicroTime)
    # The API server's MicroTime parser requires six fractional digits, even for a whole second.
    assert json.loads(codec.encode(decoded)) == json.loads(lease)


def test_byte_fields_are_bytes_and_survive_non_utf8() -> None:
    payload = b"\x00\xff\xfe binary"
    encoded = base64.b64encode(payload).decode()
    secret = codec.decode(json.dumps({"data": {"k": encoded}}).encode(), core.Secret)
    assert secret.data == {"k": payload}
    assert json.loads(codec.encode(secret))["data"] == {"k": encoded}


def test_free_form_json_loses_nothing() -> None:
    config = {"a": {"b": [1, None, {"c": "d"}]}, "n": None, "e": {}}
    raw = json.dumps({"color": "red", "config": config, "extra": [1, "two", None]}).encode()
    spec = codec.decode(raw, example.WidgetSpec)
    assert json.loads(codec.encode(spec)) == json.loads(raw)
    # managedFields[].fieldsV1 is kept whole too.
    meta = codec.decode(
        b'{"managedFields":[{"manager":"m","fieldsV1":{"f:spec":{"f:x":{}}}}]}', ObjectMeta
    )
    assert meta.managed_fields and meta.managed_fields[0].fields_v1 == {"f:spec": {"f:x": {}}}


def test_top_level_kinds_carry_api_version_kind_and_resource_facts() -> None:
    widget = example.Widget()
    assert (widget.api_version, widget.kind) == ("example.kgen.io/v1", "Widget")
    assert json.loads(codec.encode(widget)) == {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
    }
    info = example.Widget.RESOURCE
    assert (info.group, info.version, info.plural, info.namespaced) == (
        "example.kgen.io",
        "v1",
        "widgets",
        True,
    )
    assert info.short_names == ("wd",) and "kgen" in info.categories
    assert info.selectable_fields == ("spec.color",)
    assert info.subresource("scale") is not None and info.subresource("status") is not None
    assert example.Gadget.RESOURCE.namespaced is False
    assert core.Pod.RESOURCE.strategic_merge_patch is True
    assert example.Widget.RESOURCE.strategic_merge_patch is False
    # Items of a list usually come without apiVersion/kind: they are filled from the class.
    listed = codec.decode(b'{"items":[{"metadata":{"name":"a"}}]}', example.WidgetList)
    assert listed.items[0].kind == "Widget" and listed.items[0].api_version == "example.kgen.io/v1"


def test_shared_core_types_are_imported_not_regenerated() -> None:
    # A kind's metadata is its base class's: always an ObjectMeta, never generated again.
    assert "metadata" not in example.Widget.__annotations__
    assert type(example.Widget().metadata) is ObjectMeta
    status = codec.decode(
        b'{"conditions":[{"type":"Ready","status":"True","reason":"r","message":"m",'
        b'"lastTransitionTime":"2024-01-01T00:00:00Z"}]}',
        example.WidgetStatus,
    )
    assert isinstance(status.conditions[0], Condition)
    spec = codec.decode(b'{"color":"red","selector":{"matchLabels":{"a":"b"}}}', example.WidgetSpec)
    assert isinstance(spec.selector, LabelSelector)
    source = (ROOT / "generated/example_client/models/example_kgen_io_v1.py").read_text()
    tree = ast.parse(source)
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert not classes & {"ObjectMeta", "Condition", "LabelSelector", "OwnerReference", "ListMeta"}


def test_identical_nested_schemas_are_generated_once_with_readable_names() -> None:
    hints = msgspec.structs.fields(example.WidgetSpec)
    types = {f.name: f.type for f in hints}
    assert types["primary_endpoint"] == types["backup_endpoint"]
    # Named after what the fields have in common (primaryEndpoint, backupEndpoint), not the first.
    assert example.WidgetEndpoint.__name__ == "WidgetEndpoint"
    assert not hasattr(example, "WidgetSpecPrimaryEndpoint")
    assert hasattr(example, "WidgetRules") and not hasattr(example, "WidgetSpecRulesItems")


def test_enums_are_literals_for_type_checkers_and_tolerant_at_run_time() -> None:
    source = (ROOT / "generated/example_client/models/example_kgen_io_v1.py").read_text()
    assert 'WidgetSpecOperator: TypeAlias = Literal["=", "!=", "=~"]' in source
    assert 'WidgetSpecColor: TypeAlias = Literal["red", "green", "blue"]' in source
    # A value added by a newer server must not make the object undecodable.
    spec = codec.decode(b'{"color":"purple","operator":"=~"}', example.WidgetSpec)
    assert spec.color == "purple" and spec.operator == "=~"


def test_oneof_listing_only_required_is_a_constraint_not_a_union() -> None:
    # WidgetSpec's schema has oneOf [{required: [size]}, {required: [cpu]}]: still one class.
    assert msgspec.structs.fields(example.WidgetSpec)
    spec = codec.decode(b'{"color":"red","size":1}', example.WidgetSpec)
    assert spec.size == 1


def test_descriptions_become_escaped_docstrings() -> None:
    doc = example.Widget.__doc__ or ""
    assert 'a triple """ quote' in doc
    assert "a backslash \\ and a trailing backslash\\" in doc


def test_scheme_decodes_to_the_right_class_and_encodes() -> None:
    raw = b'{"apiVersion":"example.kgen.io/v1","kind":"Widget","metadata":{"name":"w"},"spec":{"color":"red"}}'
    widget = scheme.decode(raw)
    assert isinstance(widget, example.Widget)
    old = scheme.decode(
        {"apiVersion": "example.kgen.io/v1alpha1", "kind": "Widget", "spec": {"size": 2}}
    )
    assert type(old).__module__.endswith("example_kgen_io_v1alpha1")
    assert json.loads(scheme.encode(widget)) == json.loads(raw)
    pod = scheme.decode({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}})
    assert isinstance(pod, core.Pod) and isinstance(pod, KubernetesObject)
    scale = scheme.decode(
        {"apiVersion": "autoscaling/v1", "kind": "Scale", "spec": {"replicas": 2}}
    )
    assert scale.spec.replicas == 2
    with pytest.raises(LookupError, match="NoSuchKind"):
        scheme.decode({"apiVersion": "v1", "kind": "NoSuchKind"})


def test_models_serve_as_apply_configurations() -> None:
    # Only the fields set are sent: exactly what server-side apply wants.
    widget = example.Widget(
        metadata=ObjectMeta(name="w", labels={"a": "b"}),
        spec=example.WidgetSpec(color="green", replicas=2),
    )
    assert json.loads(codec.encode(widget)) == {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "b"}},
        "spec": {"color": "green", "replicas": 2},
    }


def test_go_nulls_in_required_fields_decode() -> None:
    # A Go struct's nil slice or zero Time is sent as null even where the schema says "required"
    # (Event.eventTime, EndpointSlice.endpoints, Role.rules): one such object must not make a whole
    # list undecodable. Building an object still needs the field.
    pod = codec.decode(
        b'{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":null}}',
        core.Pod,
    )
    assert pod.spec is not None and pod.spec.containers is None
    authentication = pytest.importorskip("example_client.models.authentication_v1")
    status = codec.decode(
        b'{"token":"t","expirationTimestamp":null}', authentication.TokenRequestStatus
    )
    assert status.expiration_timestamp is None
    with pytest.raises(TypeError, match="containers"):
        core.PodSpec()  # type: ignore[call-arg]
    # A list's items are always sent, and a CRD's schema has its nulls pruned by the server.
    with pytest.raises(msgspec.ValidationError, match="items"):
        codec.decode(b'{"items":null}', core.PodList)
    with pytest.raises(msgspec.ValidationError, match="name"):
        codec.decode(b'{"name":null}', example.WidgetRules)


def test_a_star_import_brings_the_models_only() -> None:
    namespace: dict[str, object] = {}
    exec("from example_client.models.core_v1 import *", namespace)  # noqa: S102
    assert {"Pod", "PodList", "PodSpecRestartPolicy"} <= set(namespace)
    assert not {"datetime", "field", "Struct", "TYPE_CHECKING"} & set(namespace)
