"""x-kubernetes-validations on structural schemas, as kube-apiserver compiles and runs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from shared_specs import shared_path as specs_path

from kgen.cel.schema import (
    STATIC_ESTIMATED_COST_LIMIT,
    CompiledSchema,
)


def crd(
    spec_props: dict[str, Any], rules: list[dict[str, Any]] | None = None, **spec: Any
) -> dict[str, Any]:
    s: dict[str, Any] = {"type": "object", "properties": spec_props, **spec}
    if rules:
        s["x-kubernetes-validations"] = rules
    return {"type": "object", "properties": {"spec": s}}


def messages(schema: dict[str, Any], obj: Any, old: Any = None) -> list[str]:
    compiled = CompiledSchema(schema)
    assert compiled.errors == []
    return [str(v) for v in compiled.validate(obj, old)]


REPLICAS = crd(
    {"minReplicas": {"type": "integer"}, "maxReplicas": {"type": "integer"}},
    [
        {
            "rule": "self.minReplicas <= self.maxReplicas",
            "message": "minReplicas must not exceed maxReplicas",
        }
    ],
)


def test_object_rule_with_message() -> None:
    assert messages(REPLICAS, {"spec": {"minReplicas": 1, "maxReplicas": 3}}) == []
    assert messages(REPLICAS, {"spec": {"minReplicas": 5, "maxReplicas": 3}}) == [
        'spec: Invalid value: "object": minReplicas must not exceed maxReplicas'
    ]


def test_default_message_and_eval_errors() -> None:
    schema = crd({"a": {"type": "integer"}}, [{"rule": "self.a > 0"}])
    assert messages(schema, {"spec": {"a": 0}}) == [
        'spec: Invalid value: "object": failed rule: self.a > 0'
    ]
    assert messages(schema, {"spec": {}}) == [
        'spec: Invalid value: "object": no such key: a evaluating rule: self.a > 0'
    ]


def test_scalar_rules_and_root_rules() -> None:
    schema = {
        "type": "object",
        "x-kubernetes-validations": [
            {"rule": "self.metadata.name.startsWith('x')", "message": "name"}
        ],
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "name": {
                        "type": "string",
                        "maxLength": 10,
                        "x-kubernetes-validations": [
                            {"rule": "self == self.lowerAscii()", "message": "lowercase"}
                        ],
                    }
                },
            },
            "metadata": {"type": "object"},
        },
    }
    out = messages(schema, {"metadata": {"name": "a"}, "spec": {"name": "UPPER"}})
    assert out == [
        '<nil>: Invalid value: "object": name',
        'spec.name: Invalid value: "string": lowercase',
    ]


def test_message_expression_reason_and_field_path() -> None:
    schema = crd(
        {"replicas": {"type": "integer"}, "items": {"type": "array", "items": {"type": "string"}}},
        [
            {
                "rule": "self.replicas < 10",
                "messageExpression": "self.replicas > 20 ? 'replicas is far too high' : 'replicas is too high'",
            },
            {"rule": "self.replicas >= 0", "reason": "FieldValueForbidden", "message": "negative"},
            {
                "rule": "size(self.items) > 0",
                "reason": "FieldValueRequired",
                "fieldPath": ".items",
                "message": "items",
            },
            {"rule": "self.replicas != 12", "messageExpression": "''"},
        ],
    )
    assert messages(schema, {"spec": {"replicas": 12, "items": []}}) == [
        'spec: Invalid value: "object": replicas is too high',
        "spec.items: Required value: items",
        'spec: Invalid value: "object": failed rule: self.replicas != 12',
    ]
    assert messages(schema, {"spec": {"replicas": -1, "items": ["a"]}}) == [
        "spec: Forbidden: negative"
    ]


def test_transition_rules_run_only_with_an_old_value() -> None:
    schema = crd(
        {
            "name": {
                "type": "string",
                "x-kubernetes-validations": [{"rule": "self == oldSelf", "message": "immutable"}],
            }
        }
    )
    assert messages(schema, {"spec": {"name": "a"}}) == []
    assert messages(schema, {"spec": {"name": "b"}}, {"spec": {"name": "a"}}) == [
        'spec.name: Invalid value: "string": immutable'
    ]
    assert messages(schema, {"spec": {"name": "a"}}, {"spec": {"name": "a"}}) == []


def test_optional_old_self() -> None:
    schema = crd(
        {"x": {"type": "integer"}},
        [
            {
                "rule": "!oldSelf.hasValue() || self.x >= oldSelf.value().x",
                "optionalOldSelf": True,
                "message": "x may only grow",
            },
            {
                "rule": "oldSelf.hasValue() || self.x < 100",
                "optionalOldSelf": True,
                "message": "starts small",
            },
        ],
    )
    assert messages(schema, {"spec": {"x": 100}}) == ['spec: Invalid value: "object": starts small']
    assert messages(schema, {"spec": {"x": 1}}, {"spec": {"x": 2}}) == [
        'spec: Invalid value: "object": x may only grow'
    ]
    assert messages(schema, {"spec": {"x": 3}}, {"spec": {"x": 2}}) == []


def test_typing_of_self() -> None:
    schema = crd(
        {
            "port": {"x-kubernetes-int-or-string": True},
            "created": {"type": "string", "format": "date-time"},
            "timeout": {"type": "string", "format": "duration"},
            "ratio": {"type": "number"},
            "x-dashed": {"type": "string"},
            "namespace": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "nested": {
                "type": "object",
                "nullable": True,
                "properties": {"a": {"type": "integer"}},
            },
        },
        [
            {
                "rule": "type(self.port) == int ? self.port > 0 : self.port.endsWith('%')",
                "message": "port",
            },
            {"rule": "self.created < timestamp('2030-01-01T00:00:00Z')", "message": "created"},
            {"rule": "self.timeout <= duration('1h')", "message": "timeout"},
            {"rule": "self.ratio <= 1.0", "message": "ratio"},
            {"rule": "self.x__dash__dashed != 'bad'", "message": "dash"},
            {"rule": "self.__namespace__ != 'kube-system'", "message": "namespace"},
            {"rule": "self.tags == ['b', 'a'] || !has(self.tags)", "message": "set"},
            {"rule": "self.labels.all(k, k.size() < 10)", "message": "labels"},
        ],
    )
    good = {
        "port": "10%",
        "created": "2024-01-01T00:00:00Z",
        "timeout": "30m",
        "ratio": 1,
        "x-dashed": "ok",
        "namespace": "default",
        "tags": ["a", "b"],
        "labels": {"app": "x"},
        "extra": {"anything": [1]},
        "nested": None,
    }
    assert messages(schema, {"spec": good}) == []
    bad = dict(
        good, port=0, created="2031-01-01T00:00:00Z", timeout="2h", ratio=2, namespace="kube-system"
    )
    bad["x-dashed"] = "bad"
    bad["tags"] = ["a"]
    bad["labels"] = {"a-very-long-key": "x"}
    assert [m.rsplit(": ", 1)[1] for m in messages(schema, {"spec": bad})] == [
        "port",
        "created",
        "timeout",
        "ratio",
        "dash",
        "namespace",
        "set",
        "labels",
    ]


def test_embedded_resource_root_fields() -> None:
    schema = crd(
        {
            "template": {
                "type": "object",
                "x-kubernetes-embedded-resource": True,
                "x-kubernetes-preserve-unknown-fields": True,
                "x-kubernetes-validations": [
                    {"rule": "self.kind == 'Pod' && self.metadata.name != ''"}
                ],
            }
        }
    )
    assert (
        messages(
            schema,
            {"spec": {"template": {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "p"}}}},
        )
        == []
    )


def test_list_items_and_map_values_get_their_paths() -> None:
    schema = crd(
        {
            "items": {
                "type": "array",
                "maxItems": 5,
                "items": {
                    "type": "object",
                    "properties": {"n": {"type": "integer"}},
                    "x-kubernetes-validations": [{"rule": "self.n > 0", "message": "positive"}],
                },
            },
            "byName": {
                "type": "object",
                "additionalProperties": {
                    "type": "integer",
                    "x-kubernetes-validations": [{"rule": "self < 10", "message": "small"}],
                },
            },
        }
    )
    assert messages(
        schema, {"spec": {"items": [{"n": 1}, {"n": 0}], "byName": {"a": 1, "b": 20}}}
    ) == [
        'spec.items[1]: Invalid value: "object": positive',
        'spec.byName[b]: Invalid value: "integer": small',
    ]


def test_compile_errors_are_reported_as_the_apiserver_refuses_the_crd() -> None:
    schema = crd(
        {"a": {"type": "integer"}},
        [{"rule": "self.a == 'x'"}, {"rule": "self.a"}, {"rule": "self.b > 0"}],
    )
    errors = CompiledSchema(schema).errors
    assert errors == [
        "openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Invalid value: \"self.a == 'x'\": "
        "compilation failed: ERROR: <input>:1:8: found no matching overload for '_==_' applied to '(int, string)'\n"
        " | self.a == 'x'\n"
        " | .......^",
        'openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: Invalid value: "self.a": '
        "cel expression must evaluate to a bool",
        'openAPIV3Schema.properties[spec].x-kubernetes-validations[2].rule: Invalid value: "self.b > 0": '
        "compilation failed: ERROR: <input>:1:5: undefined field 'b'\n | self.b > 0\n | ....^",
    ]


def test_estimated_cost_limits() -> None:
    unbounded = crd(
        {"names": {"type": "array", "items": {"type": "string"}}},
        [{"rule": "self.names.all(x, self.names.exists_one(y, x == y))"}],
    )
    errors = CompiledSchema(unbounded).errors
    assert errors[0] == (
        "openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule: Forbidden: estimated rule cost "
        "exceeds budget by factor of more than 100x (try simplifying the rule, or adding maxItems, "
        "maxProperties, and maxLength where arrays, maps, and strings are declared)"
    )
    assert errors[1].startswith(
        "openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total"
    )
    bounded = crd(
        {"names": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 20}}},
        [{"rule": "self.names.all(x, self.names.exists_one(y, x == y))"}],
    )
    compiled = CompiledSchema(bounded)
    assert compiled.errors == []
    assert 0 < compiled.total_cost < STATIC_ESTIMATED_COST_LIMIT


def test_runtime_per_call_limit() -> None:
    schema = crd(
        {"names": {"type": "array", "maxItems": 3000, "items": {"type": "string", "maxLength": 1}}},
        [{"rule": "self.names.all(x, self.names.all(y, x == y || x != y))"}],
    )
    compiled = CompiledSchema(schema)
    out = [str(v) for v in compiled.validate({"spec": {"names": ["a"] * 3000}})]
    assert out == [
        "spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': no further "
        "validation rules will be run due to call cost exceeds limit for rule: "
        "self.names.all(x, self.names.all(y, x == y || x != y))"
    ]


def test_nulls_skip_rules() -> None:
    schema = crd(
        {
            "a": {
                "type": "string",
                "nullable": True,
                "x-kubernetes-validations": [{"rule": "self != ''"}],
            }
        }
    )
    assert messages(schema, {"spec": {"a": None}}) == []


def _crd_schemas() -> list[tuple[str, str, dict[str, Any]]]:
    root = specs_path("crds")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = []
    for path in sorted(Path(root).rglob("*.yaml")):
        for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=loader):
            if not isinstance(doc, dict) or doc.get("kind") != "CustomResourceDefinition":
                continue
            for version in doc["spec"].get("versions", []):
                schema = (version.get("schema") or {}).get("openAPIV3Schema")
                if schema:
                    out.append((str(path.relative_to(root)), version["name"], schema))
    return out


@pytest.mark.slow
def test_every_rule_of_every_real_crd_compiles_within_the_cost_limits() -> None:
    total = 0
    failures = []
    for name, version, schema in _crd_schemas():
        compiled = CompiledSchema(schema)
        total += compiled.rule_count
        failures += [f"{name} {version}: {e}" for e in compiled.errors]
    assert failures == []
    assert total >= 400  # gateway-api, cert-manager, cluster-api-style rules...


def test_gateway_api_rules_validate_objects() -> None:
    root = specs_path("crds", "gateway-api")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load((root / "gateway.networking.k8s.io_httproutes.yaml").read_text(), Loader=loader)
    schema = next(v for v in doc["spec"]["versions"] if v["name"] == "v1")["schema"][
        "openAPIV3Schema"
    ]
    compiled = CompiledSchema(schema)
    assert compiled.errors == []
    ok = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "r"},
        "spec": {
            "parentRefs": [{"name": "gw", "group": "gateway.networking.k8s.io", "kind": "Gateway"}],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/api"}}],
                    "backendRefs": [
                        {"name": "svc", "port": 80, "group": "", "kind": "Service", "weight": 1}
                    ],
                }
            ],
        },
    }
    assert compiled.validate(ok) == []
    bad = {
        **ok,
        "spec": {
            "parentRefs": [{"name": "gw", "group": "gateway.networking.k8s.io", "kind": "Gateway"}],
            "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/api/../x"}}]}],
        },
    }
    out = [str(v) for v in compiled.validate(bad)]
    assert any("must not contain '/../'" in m for m in out), out
