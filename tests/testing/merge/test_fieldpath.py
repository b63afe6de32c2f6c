"""Field sets and FieldsV1: round trips, ordering, set algebra, and the fields an object sets.

The FieldsV1 documents below were written by a real kube-apiserver 1.20.2 (scripts/realcluster); the
JSON key order is part of what is checked.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from shared_specs import SHARED_SPECS
from hypothesis import given, settings
from hypothesis import strategies as st

from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import APIModel
from kgen.apimodel.serialize import load_package_model
from kgen.testing.merge.fieldpath import (
    FieldPathError,
    FieldSet,
    PathElement,
    go_json,
    item_element,
    path_string,
    paths_of,
)
from kgen.testing.merge.schema import ANY, FieldInfo, type_info

F = PathElement.field
K = PathElement.key
V = PathElement.value
I = PathElement.index  # noqa: E741


@pytest.fixture(scope="module")
def model() -> APIModel:
    return load_package_model("example_client")


@pytest.fixture(scope="module")
def pod(model: APIModel) -> FieldInfo:
    return type_info(model, "io.k8s.api.core.v1.Pod")


SWAGGER = SHARED_SPECS / "kubernetes" / "v1.36"


@pytest.fixture(scope="module")
def deployment() -> FieldInfo:
    """The Deployment of the full Kubernetes 1.36 API (the core subset has no strategy)."""
    swagger = (SWAGGER / "swagger.json").resolve()
    if not swagger.exists():
        pytest.skip(f"the Kubernetes 1.36 API is not available: {swagger} is absent")
    full = build_model(read_inputs(specs=[str(swagger)], crds=[]))
    return type_info(full, "io.k8s.api.apps.v1.Deployment")


# Recorded for `kubectl create` of a Pod (manager "creator", operation Update).
POD_CREATE = {
    "f:metadata": {
        "f:finalizers": {".": {}, 'v:"x/a"': {}, 'v:"x/b"': {}},
        "f:labels": {".": {}, "f:a": {}},
    },
    "f:spec": {
        "f:containers": {
            'k:{"name":"a"}': {
                ".": {},
                "f:env": {
                    ".": {},
                    'k:{"name":"E1"}': {".": {}, "f:name": {}, "f:value": {}},
                    'k:{"name":"E2"}': {".": {}, "f:name": {}, "f:value": {}},
                },
                "f:image": {},
                "f:imagePullPolicy": {},
                "f:name": {},
                "f:resources": {},
            },
            'k:{"name":"b"}': {".": {}, "f:image": {}, "f:name": {}},
        },
        "f:dnsPolicy": {},
        "f:tolerations": {},
    },
}

# Recorded for a server-side apply of a Deployment (manager "A").
DEPLOYMENT_APPLY = {
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:strategy": {"f:rollingUpdate": {"f:maxSurge": {}}, "f:type": {}},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {
                "f:containers": {
                    'k:{"name":"a"}': {
                        ".": {},
                        "f:args": {},
                        "f:image": {},
                        "f:name": {},
                        "f:ports": {
                            'k:{"containerPort":80,"protocol":"TCP"}': {
                                ".": {},
                                "f:containerPort": {},
                            }
                        },
                    },
                    'k:{"name":"b"}': {".": {}, "f:image": {}, "f:name": {}},
                }
            },
        },
    }
}

DEPLOYMENT_CONFIG: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "d1"},
    "spec": {
        "replicas": 2,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3}},
        "selector": {"matchLabels": {"app": "x"}},
        "template": {
            "metadata": {"labels": {"app": "x"}},
            "spec": {
                "containers": [
                    {
                        "name": "a",
                        "image": "nginx",
                        "args": ["x", "y"],
                        "ports": [{"containerPort": 80}],
                    },
                    {"name": "b", "image": "busybox"},
                ]
            },
        },
    },
}


@pytest.mark.parametrize("fields", [POD_CREATE, DEPLOYMENT_APPLY], ids=["pod", "deployment"])
def test_round_trip_keeps_the_apiserver_bytes(fields: dict[str, Any]) -> None:
    fieldset = FieldSet.from_fieldsv1(fields)
    assert json.dumps(fieldset.to_fieldsv1()) == json.dumps(fields)


def test_round_trip_sorts_like_the_apiserver() -> None:
    unsorted = {
        "i:1": {},
        'v:"b"': {},
        "f:z": {},
        'k:{"protocol":"TCP","containerPort":80}': {"f:x": {}},
        "v:1": {},
        "f:a": {"f:c": {}, ".": {}, "f:b": {}},
        "v:true": {},
    }
    assert list(FieldSet.from_fieldsv1(unsorted).to_fieldsv1()) == [
        "f:a",
        "f:z",
        'k:{"containerPort":80,"protocol":"TCP"}',
        "v:1",
        'v:"b"',
        "v:true",
        "i:1",
    ]
    assert list(FieldSet.from_fieldsv1(unsorted).to_fieldsv1()["f:a"]) == [".", "f:b", "f:c"]


def test_deployment_apply_fields(deployment: FieldInfo) -> None:
    # The fields of the configuration: no apiVersion/kind/metadata here since the field manager
    # strips those, but the key of the port item carries the defaulted protocol.
    fields = paths_of(DEPLOYMENT_CONFIG, deployment)
    stripped = fields.difference(
        FieldSet([(F("apiVersion"),), (F("kind"),), (F("metadata"),), (F("metadata"), F("name"))])
    )
    assert stripped.to_fieldsv1() == DEPLOYMENT_APPLY


@pytest.mark.parametrize(
    ("value", "info_path", "expected"),
    [
        # A struct field holding a non-empty map is not a member; map keys always are.
        ({"metadata": {"labels": {"a": "1"}}}, (), {"f:metadata": {"f:labels": {"f:a": {}}}}),
        # Empty and null values are owned as such.
        ({"metadata": {"labels": {}}}, (), {"f:metadata": {"f:labels": {}}}),
        ({"spec": {"nodeSelector": None}}, (), {"f:spec": {"f:nodeSelector": {}}}),
        # An empty granular list owns nothing.
        ({"metadata": {"finalizers": []}}, (), {}),
        # Set items, map-list items and atomic lists.
        ({"metadata": {"finalizers": ["a"]}}, (), {"f:metadata": {"f:finalizers": {'v:"a"': {}}}}),
        ({"spec": {"tolerations": [{"key": "k"}]}}, (), {"f:spec": {"f:tolerations": {}}}),
        (
            {"metadata": {"ownerReferences": [{"uid": "u1", "name": "o"}]}},
            (),
            # OwnerReference is an atomic struct: the item is one field
            {"f:metadata": {"f:ownerReferences": {'k:{"uid":"u1"}': {}}}},
        ),
        # A map of struct values: the key is a member with children.
        (
            {"spec": {"nodeSelector": {"a": "1"}}},
            (),
            {"f:spec": {"f:nodeSelector": {"f:a": {}}}},
        ),
    ],
)
def test_paths_of_pod(
    pod: FieldInfo, value: Any, info_path: tuple[str, ...], expected: Any
) -> None:
    assert paths_of(value, pod).to_fieldsv1() == expected


def test_paths_of_atomic_and_free_form(model: APIModel) -> None:
    widget = type_info(model, "example.kgen.io/v1.Widget")
    value = {
        "spec": {
            "config": {"deep": {"k": "v"}, "list": [1, 2]},
            "tags": ["a"],
            "rules": [{"name": "r1", "weight": 1}],
            "selector": {"matchLabels": {"a": "b"}},
        }
    }
    assert paths_of(value, widget).to_fieldsv1() == {
        "f:spec": {
            # preserve-unknown-fields: granular maps, keys are members, lists atomic
            "f:config": {"f:deep": {".": {}, "f:k": {}}, "f:list": {}},
            "f:rules": {'k:{"name":"r1"}': {".": {}, "f:name": {}, "f:weight": {}}},
            # the CRD's inline LabelSelector has no x-kubernetes-map-type: it is granular
            "f:selector": {"f:matchLabels": {"f:a": {}}},
            "f:tags": {'v:"a"': {}},
        }
    }


def test_paths_of_without_schema() -> None:
    # No schema: objects are granular maps whose keys are all members, lists are atomic.
    value = {"spec": {"a": {"b": 1}, "l": [1]}}
    assert paths_of(value, ANY).to_fieldsv1() == {
        "f:spec": {".": {}, "f:a": {".": {}, "f:b": {}}, "f:l": {}}
    }


def test_label_selector_of_builtins_is_atomic(deployment: FieldInfo) -> None:
    value = {"spec": {"selector": {"matchLabels": {"app": "x"}}}}
    assert paths_of(value, deployment).to_fieldsv1() == {"f:spec": {"f:selector": {}}}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"image": "x"}, 'omits key field "name"'),
        (None, "may not have a null element"),
        ("x", "may not have non-map elements"),
    ],
)
def test_map_list_items_need_their_keys(pod: FieldInfo, item: Any, message: str) -> None:
    containers = pod.child("spec").child("containers")
    with pytest.raises(FieldPathError, match=message):
        item_element(containers, 0, item)


@pytest.mark.parametrize(
    ("item", "message"),
    [({"a": 1}, "that's a map type"), (["a"], "lists as elements"), (None, "explicit null")],
)
def test_set_items_must_be_scalars(pod: FieldInfo, item: Any, message: str) -> None:
    finalizers = pod.child("metadata").child("finalizers")
    with pytest.raises(FieldPathError, match=message):
        item_element(finalizers, 0, item)


def test_key_defaults_fill_missing_keys(pod: FieldInfo) -> None:
    ports = pod.child("spec").child("containers").element().child("ports")
    assert item_element(ports, 0, {"containerPort": 80}) == K(
        [("containerPort", 80), ("protocol", "TCP")]
    )


def test_atomic_list_items_are_indexes(pod: FieldInfo) -> None:
    assert item_element(pod.child("spec").child("tolerations"), 3, {}) == I(3)


@pytest.mark.parametrize(
    ("path", "rendered"),
    [
        ((F("spec"), F("replicas")), ".spec.replicas"),
        (
            (F("spec"), F("containers"), K([("name", "nginx")]), F("image")),
            '.spec.containers[name="nginx"].image',
        ),
        ((F("ports"), K([("protocol", "TCP"), ("port", 80)])), '.ports[port=80,protocol="TCP"]'),
        ((F("metadata"), F("finalizers"), V("foo")), '.metadata.finalizers[="foo"]'),
        ((F("args"), I(2)), ".args[2]"),
    ],
)
def test_path_string(path: tuple[PathElement, ...], rendered: str) -> None:
    assert path_string(path) == rendered


def test_go_json_escapes_like_go() -> None:
    assert go_json("<a&b>") == '"\\u003ca\\u0026b\\u003e"'
    assert go_json(1.0) == "1"
    assert go_json({"b": 1, "a": "é"}) == '{"b":1,"a":"é"}'
    assert str(V("<x>")) == 'v:"\\u003cx\\u003e"'


def test_values_that_are_equal_numbers_are_one_element() -> None:
    assert V(1) == V(1.0)
    assert K([("port", 80)]) == K([("port", 80.0)])


# --- set algebra -------------------------------------------------------------------------------

A = (F("spec"), F("a"))
B = (F("spec"), F("b"))
SPEC = (F("spec"),)
C = (F("spec"), F("c"), F("d"))


def test_union_intersection_difference() -> None:
    left = FieldSet([A, B])
    right = FieldSet([B, C])
    assert list(left.union(right)) == [A, B, C]
    assert list(left.intersection(right)) == [B]
    assert list(left.difference(right)) == [A]
    assert list(right.difference(left)) == [C]
    assert left.difference(left).is_empty()
    assert left.intersection(FieldSet([C])).is_empty()


def test_difference_keeps_paths_below_a_removed_member() -> None:
    both = FieldSet([SPEC, A])
    assert list(both.difference(FieldSet([SPEC]))) == [A]
    # ... while recursive_difference drops everything below it.
    assert both.recursive_difference(FieldSet([SPEC])).is_empty()
    assert list(FieldSet([A, B]).recursive_difference(FieldSet([B]))) == [A]


def test_has_and_iteration() -> None:
    fields = FieldSet([SPEC, A, C])
    assert fields.has(A) and fields.has(SPEC) and fields.has(C)
    assert not fields.has(B) and not fields.has((F("spec"), F("c")))
    assert list(fields) == [SPEC, A, C]
    assert list(fields.leaves()) == [A, C]
    assert len(fields) == 3
    assert fields == FieldSet([C, A, SPEC])
    assert FieldSet().is_empty() and not FieldSet()
    assert fields.with_prefix(F("spec")) == FieldSet([(F("a"),), (F("c"), F("d"))])


def test_ensure_named_fields_are_members(deployment: FieldInfo) -> None:
    fields = FieldSet(
        [
            (F("spec"), F("strategy"), F("type")),
            (F("metadata"), F("labels"), F("app")),
        ]
    )
    ensured = fields.ensure_named_fields_are_members(deployment)
    # spec, strategy, metadata and labels are struct fields; "app" is a map key and was a member.
    assert ensured.has((F("spec"),))
    assert ensured.has((F("spec"), F("strategy")))
    assert ensured.has((F("metadata"), F("labels")))
    assert not ensured.has((F("metadata"), F("labels"), F("other")))


@pytest.mark.parametrize(
    "bad",
    [[], {"x:a": {}}, {"f:a": []}, {"k:[1]": {}}, {"v:{": {}}, {"nocolon": {}}],
)
def test_bad_fieldsv1(bad: Any) -> None:
    with pytest.raises(FieldPathError):
        FieldSet.from_fieldsv1(bad)


# --- properties --------------------------------------------------------------------------------

_elements = st.one_of(
    st.sampled_from(["a", "b", "spec", "x.y", "ü"]).map(F),
    st.sampled_from([1, 2, "n"]).map(lambda v: K([("name", v)])),
    st.sampled_from(["v", 3, True, 1.5]).map(V),
    st.integers(0, 3).map(I),
)
_paths = st.lists(_elements, min_size=1, max_size=4).map(tuple)
_path_sets = st.lists(_paths, max_size=12).map(set)


@settings(max_examples=200, deadline=None)
@given(_path_sets, _path_sets)
def test_set_algebra_is_set_algebra_on_paths(a: set[Any], b: set[Any]) -> None:
    left, right = FieldSet(a), FieldSet(b)
    assert set(left) == a
    assert set(left.union(right)) == a | b
    assert set(left.intersection(right)) == a & b
    assert set(left.difference(right)) == a - b
    assert set(left.recursive_difference(right)) == {
        p for p in a if not any(p[:n] in b for n in range(1, len(p) + 1))
    }
    assert left.is_empty() == (not a)


@settings(max_examples=200, deadline=None)
@given(_path_sets)
def test_fieldsv1_round_trip(paths: set[Any]) -> None:
    fields = FieldSet(paths)
    encoded = fields.to_fieldsv1()
    assert FieldSet.from_fieldsv1(json.loads(json.dumps(encoded))) == fields
    assert json.dumps(FieldSet.from_fieldsv1(encoded).to_fieldsv1()) == json.dumps(encoded)


def _reference_added(value: Any, info: FieldInfo, path: tuple, out: FieldSet) -> None:
    """compare's rule for a value where there was none, one insert per path (as it was written
    before the walk built the set directly)."""
    from kgen.testing.merge.walk import items_of, shape_of

    shape = shape_of(info, value)
    if shape == "map":
        for key, child in value.items():
            _reference_added(child, info.child(key), (*path, F(key)), out)
    elif shape == "list":
        for element, item in items_of(info, value, path, strict=False).items():
            _reference_added(item, info.element(), (*path, element), out)
    out.insert(path)


@pytest.mark.parametrize(
    "value",
    [
        {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80}]}]}},
        {
            "metadata": {"name": "x", "labels": {"a": "1"}, "finalizers": ["f", "g", "f"]},
            "spec": {
                "containers": [
                    {"name": "a", "env": [{"name": "E", "value": "1"}], "args": ["x", "y"]},
                    {"name": "b", "resources": {}, "volumeMounts": [{"mountPath": "/m"}]},
                    {"name": "a", "image": "duplicate: the first one counts"},
                ],
                "volumes": [{"name": "v", "emptyDir": {}}],
                "nodeSelector": None,
                "tolerations": [],
            },
            "status": {"phase": "Pending"},
        },
    ],
)
def test_compare_of_new_values_adds_every_path(pod: FieldInfo, value: dict[str, Any]) -> None:
    from kgen.testing.merge.walk import compare

    comparison = compare({}, value, pod)
    expected = FieldSet()
    for key, child in value.items():
        _reference_added(child, pod.child(key), (F(key),), expected)
    assert list(comparison.added) == list(expected) and len(expected) > 3
    assert comparison.added.to_fieldsv1() == expected.to_fieldsv1()
    assert comparison.modified.is_empty() and comparison.removed.is_empty()
    # Inside an update: a new container is added with all below it, the rest compared.
    old = {"spec": {"containers": [{"name": "a", "image": "i"}]}}
    new = {"spec": {"containers": [{"name": "a", "image": "j"}, {"name": "b", "args": ["1"]}]}}
    changed = compare(old, new, pod)
    assert [path_string(p) for p in changed.added] == [
        '.spec.containers[name="b"]',
        '.spec.containers[name="b"].args',
        '.spec.containers[name="b"].name',
    ]
    assert [path_string(p) for p in changed.modified] == ['.spec.containers[name="a"].image']


def test_path_elements_are_made_once_and_tell_types_apart() -> None:
    assert F("name") is F("name")
    assert K([("name", "a")]) is K([("name", "a")])
    # True, 1 and 1.0 are equal dict keys, but not the same key field.
    assert K([("port", True)]).text == '{"port":true}'
    assert K([("port", 1)]).text == '{"port":1}'
    assert K([("port", 1.0)]).text == '{"port":1}' and K([("port", 1)]) == K([("port", 1.0)])
    assert K([("port", True)]) != K([("port", 1)])
    # Keys with values that are not scalars are made each time, and still equal.
    assert K([("k", [1])]) == K([("k", [1])])


_JSON_LEAVES = st.one_of(
    st.booleans(), st.integers(-3, 3), st.sampled_from([0.0, 1.0, 2.5]), st.sampled_from(["", "a"])
)
_JSON = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["a", "b", "c"]), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(old=_JSON, new=_JSON, shared=st.booleans())
def test_compare_skips_equal_values_only_when_the_walk_agrees(
    old: Any, new: Any, shared: bool
) -> None:
    """Equal parts of two values are skipped without a walk, but 1 against true (equal in Python)
    or 1 against 1.0 are told as the walk tells them."""
    from kgen.testing.merge import walk

    old_obj = {"spec": old, "same": old}
    new_obj = {"spec": new, "same": json.loads(json.dumps(old)) if shared else new}
    fast = walk.compare(old_obj, new_obj, ANY)
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(walk, "_same", lambda a, b: False)
        slow = walk.compare(old_obj, new_obj, ANY)
    for got, want in zip(
        (fast.added, fast.modified, fast.removed), (slow.added, slow.modified, slow.removed)
    ):
        assert got.to_fieldsv1() == want.to_fieldsv1()


def test_compare_tells_true_from_one_and_keeps_one_and_one_point_zero_equal() -> None:
    from kgen.testing.merge.walk import compare

    changed = compare({"a": {"b": 1, "c": [1]}}, {"a": {"b": True, "c": [1.0]}}, ANY)
    assert [path_string(p) for p in changed.modified] == [".a.b"]
    assert changed.added.is_empty() and changed.removed.is_empty()
