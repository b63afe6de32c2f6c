"""Strategic merge patch on the Pod of specs/kube-core-subset: directives, ordering and errors.

Cases follow the behaviour of k8s.io/apimachinery's strategicpatch. The ones marked "observed" were
also checked against a real kube-apiserver 1.20.2 (scripts/realcluster).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kgen.apimodel.ir import APIModel
from kgen.apimodel.serialize import load_package_model
from kgen.testing.merge.schema import ANY, FieldInfo, type_info
from kgen.testing.merge.strategic import StrategicPatchError, apply_strategic_merge_patch


@pytest.fixture(scope="module")
def model() -> APIModel:
    return load_package_model("example_client")


@pytest.fixture(scope="module")
def pod(model: APIModel) -> FieldInfo:
    return type_info(model, "io.k8s.api.core.v1.Pod")


def c(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, **fields}


POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "p",
        "labels": {"app": "x", "tier": "web"},
        "finalizers": ["f/a", "f/b"],
        "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "o1", "uid": "u1"},
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "o2", "uid": "u2"},
        ],
    },
    "spec": {
        "containers": [
            c(
                "a",
                image="nginx",
                env=[{"name": "E1", "value": "1"}, {"name": "E2", "value": "2"}],
                ports=[{"containerPort": 80, "protocol": "TCP", "name": "http"}],
                args=["-v"],
            ),
            c("b", image="busybox"),
        ],
        "tolerations": [{"key": "k1", "operator": "Exists"}, {"key": "k2", "operator": "Exists"}],
        "nodeSelector": {"disk": "ssd", "zone": "a"},
        "volumes": [{"name": "v", "emptyDir": {}}],
        "restartPolicy": "Always",
    },
}


def names(items: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in items]


# (id, patch, path to look at, expected value there)
# fmt: off
CASES: list[tuple[str, dict[str, Any], tuple[str | int, ...], Any]] = [
    # maps merge, null deletes
    ("map merge", {"spec": {"nodeSelector": {"zone": "b", "rack": "1"}}}, ("spec", "nodeSelector"), {"disk": "ssd", "zone": "b", "rack": "1"}),
    ("null deletes a key", {"metadata": {"labels": {"tier": None}}}, ("metadata", "labels"), {"app": "x"}),
    ("null deletes a struct", {"spec": {"nodeSelector": None}}, ("spec",), {k: v for k, v in POD["spec"].items() if k != "nodeSelector"}),
    ("null for a missing key is ignored", {"metadata": {"annotations": {"a": None}}}, ("metadata", "annotations"), {}),
    ("scalar replaced", {"spec": {"restartPolicy": "Never"}}, ("spec", "restartPolicy"), "Never"),
    ("type change replaces", {"spec": {"nodeSelector": "x"}}, ("spec", "nodeSelector"), "x"),
    # merge lists of maps by merge key
    ("merge item by key", {"spec": {"containers": [c("a", image="nginx:2")]}}, ("spec", "containers", 0, "image"), "nginx:2"),
    ("merge keeps other fields", {"spec": {"containers": [c("a", image="nginx:2")]}}, ("spec", "containers", 0, "args"), ["-v"]),
    # observed: a new item goes first when there is no $setElementOrder
    ("new item is prepended", {"spec": {"containers": [c("c", image="redis")]}}, ("spec", "containers"), [c("c", image="redis"), *POD["spec"]["containers"]]),
    ("null inside an item deletes", {"spec": {"containers": [c("b", image=None)]}}, ("spec", "containers", 1), c("b")),
    # observed: nested merge of env (patch order first, then live-only items)
    ("nested merge", {"spec": {"containers": [c("a", env=[{"name": "E3", "value": "3"}, {"name": "E1", "value": "x"}])]}}, ("spec", "containers", 0, "env"), [{"name": "E3", "value": "3"}, {"name": "E1", "value": "x"}, {"name": "E2", "value": "2"}]),
    ("ports merge by containerPort", {"spec": {"containers": [c("a", ports=[{"containerPort": 80, "name": "web"}])]}}, ("spec", "containers", 0, "ports"), [{"containerPort": 80, "protocol": "TCP", "name": "web"}]),
    ("ownerReferences merge by uid", {"metadata": {"ownerReferences": [{"uid": "u2", "name": "renamed"}]}}, ("metadata", "ownerReferences", 1, "name"), "renamed"),
    # lists without a merge strategy are replaced
    ("list without strategy replaced", {"spec": {"tolerations": [{"key": "k3", "operator": "Exists"}]}}, ("spec", "tolerations"), [{"key": "k3", "operator": "Exists"}]),
    ("atomic scalar list replaced", {"spec": {"containers": [c("a", args=["-q"])]}}, ("spec", "containers", 0, "args"), ["-q"]),
    # $patch on list items and maps
    ("$patch delete item", {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}, ("spec", "containers"), [c("b", image="busybox")]),
    ("$patch delete missing item", {"spec": {"containers": [{"name": "zz", "$patch": "delete"}]}}, ("spec", "containers"), POD["spec"]["containers"]),
    ("$patch replace list", {"spec": {"containers": [c("z", image="z"), {"$patch": "replace"}]}}, ("spec", "containers"), [c("z", image="z")]),
    ("$patch replace with nothing empties", {"spec": {"containers": [{"$patch": "replace"}]}}, ("spec", "containers"), []),
    ("$patch replace map", {"spec": {"nodeSelector": {"$patch": "replace", "only": "1"}}}, ("spec", "nodeSelector"), {"only": "1"}),
    ("$patch delete map", {"spec": {"nodeSelector": {"$patch": "delete"}}}, ("spec", "nodeSelector"), {}),
    ("$patch replace at the root", {"$patch": "replace", "kind": "Pod"}, (), {"kind": "Pod"}),
    ("directive items dropped from a new list", {"spec": {"initContainers": [c("i", image="x"), {"name": "j", "$patch": "delete"}]}}, ("spec", "initContainers"), [c("i", image="x")]),
    # primitive lists with strategy merge are unions
    ("set union, observed order", {"metadata": {"finalizers": ["f/c", "f/a"]}}, ("metadata", "finalizers"), ["f/c", "f/a", "f/b"]),
    ("set union of known items", {"metadata": {"finalizers": ["f/b"]}}, ("metadata", "finalizers"), ["f/a", "f/b"]),
    ("$deleteFromPrimitiveList", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["f/a", "f/zz"]}}, ("metadata", "finalizers"), ["f/b"]),
    ("$deleteFromPrimitiveList and add", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["f/a"], "finalizers": ["f/c"]}}, ("metadata", "finalizers"), ["f/c", "f/b"]),
    ("$deleteFromPrimitiveList on a missing list", {"metadata": {"$deleteFromPrimitiveList/labelsx": ["a"]}}, ("metadata",), POD["metadata"]),
    # $setElementOrder
    ("$setElementOrder appends new", {"spec": {"$setElementOrder/containers": [{"name": "a"}, {"name": "b"}, {"name": "c"}], "containers": [c("c", image="redis")]}}, ("spec", "containers"), [*POD["spec"]["containers"], c("c", image="redis")]),
    ("$setElementOrder reorders", {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}, ("spec", "containers"), POD["spec"]["containers"][::-1]),
    ("$setElementOrder with deletion", {"spec": {"$setElementOrder/containers": [{"name": "b"}], "containers": [{"name": "a", "$patch": "delete"}]}}, ("spec", "containers"), [c("b", image="busybox")]),
    # a live item missing from the order list stays, before the first listed live item after it
    ("$setElementOrder keeps unlisted live items", {"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "b"}], "containers": [c("c")]}}, ("spec", "containers"), [c("c"), POD["spec"]["containers"][0], c("b", image="busybox")]),
    ("$setElementOrder of scalars", {"metadata": {"$setElementOrder/finalizers": ["f/b", "f/c", "f/a"], "finalizers": ["f/c"]}}, ("metadata", "finalizers"), ["f/b", "f/c", "f/a"]),
    ("$setElementOrder for a new list", {"spec": {"$setElementOrder/initContainers": [{"name": "j"}, {"name": "i"}], "initContainers": [c("j"), {"name": "k", "$patch": "delete"}, c("i")]}}, ("spec", "initContainers"), [c("j"), c("i")]),
    # $retainKeys (volumes are "merge,retainKeys")
    ("$retainKeys clears other keys", {"spec": {"volumes": [{"name": "v", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}]}}, ("spec", "volumes"), [{"name": "v", "configMap": {"name": "cm"}}]),
    ("$retainKeys on a map", {"spec": {"nodeSelector": {"$retainKeys": ["zone"], "zone": "c"}}}, ("spec", "nodeSelector"), {"zone": "c"}),
    ("$retainKeys allows nulls", {"spec": {"nodeSelector": {"$retainKeys": ["zone"], "disk": None}}}, ("spec", "nodeSelector"), {"zone": "a"}),
]
# fmt: on


def dig(value: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        value = value[step]
    return value


@pytest.mark.parametrize(
    ("patch", "path", "expected"),
    [pytest.param(patch, path, expected, id=name) for name, patch, path, expected in CASES],
)
def test_apply(
    pod: FieldInfo, patch: dict[str, Any], path: tuple[str | int, ...], expected: Any
) -> None:
    original = copy.deepcopy(POD)
    patch_copy = copy.deepcopy(patch)
    result = apply_strategic_merge_patch(POD, patch, pod)
    assert dig(result, path) == expected
    assert POD == original, "the original must be left untouched"
    assert patch == patch_copy, "the patch must be left untouched"


def test_untouched_parts_stay(pod: FieldInfo) -> None:
    result = apply_strategic_merge_patch(POD, {"spec": {"restartPolicy": "Never"}}, pod)
    assert result["metadata"] == POD["metadata"]
    assert result["spec"]["containers"] == POD["spec"]["containers"]


def test_directive_keys_never_reach_the_object(pod: FieldInfo) -> None:
    patch = {
        "spec": {
            "containers": [
                c("new", env=[{"name": "X", "$patch": "delete"}], resources={"$retainKeys": []})
            ]
        }
    }
    result = apply_strategic_merge_patch(POD, patch, pod)
    assert result["spec"]["containers"][0] == c("new", env=[{"name": "X"}], resources={})


def test_free_form_values_merge_like_json_merge_patch() -> None:
    original = {"a": {"b": 1, "c": [1, 2]}, "d": 1}
    patch = {"a": {"c": [3], "e": None}, "d": None}
    assert apply_strategic_merge_patch(original, patch, ANY) == {"a": {"b": 1, "c": [3]}}


def test_merge_strategy_from_patch_strategy_only(model: APIModel) -> None:
    # Deployment status conditions: merge by "type".
    info = type_info(model, "io.k8s.api.apps.v1.Deployment")
    original = {"status": {"conditions": [{"type": "Available", "status": "False"}]}}
    patch = {"status": {"conditions": [{"type": "Available", "status": "True"}, {"type": "X"}]}}
    result = apply_strategic_merge_patch(original, patch, info)
    assert result["status"]["conditions"] == [
        {"type": "Available", "status": "True"},
        {"type": "X"},
    ]


# fmt: off
ERRORS: list[tuple[str, dict[str, Any], int, str]] = [
    # observed: 500 with these messages
    ("item without merge key", {"spec": {"containers": [{"image": "x"}]}}, 500, "map: map[image:x] does not contain declared merge key: name"),
    ("$patch merge on a map", {"metadata": {"labels": {"$patch": "merge"}}}, 500, "unknown patch type: merge in map: map[$patch:merge]"),
    ("$patch merge in a list", {"spec": {"containers": [{"name": "a", "$patch": "merge"}]}}, 500, "merging lists cannot yet be specified in the patch"),
    ("unknown $patch in a list", {"spec": {"containers": [{"name": "a", "$patch": "frob"}]}}, 500, "unknown patch type: frob in map: map[$patch:frob name:a]"),
    ("$patch delete item without key", {"spec": {"containers": [{"$patch": "delete"}]}}, 500, "does not contain declared merge key: name"),
    ("mixed element types", {"metadata": {"finalizers": [1]}}, 500, "list element types are not identical"),
    ("$setElementOrder mismatch", {"spec": {"$setElementOrder/containers": [{"name": "a"}], "containers": [c("b", image="x")]}}, 500, "doesn't match $setElementOrder list"),
    ("$setElementOrder not a list", {"spec": {"$setElementOrder/containers": "a"}}, 500, "expected a []interface {}, but received a string"),
    # observed: 400
    ("bare $deleteFromPrimitiveList", {"$deleteFromPrimitiveList": ["a"]}, 400, "invalid patch format of primitive list"),
    ("$retainKeys not a list", {"spec": {"nodeSelector": {"$retainKeys": "zone"}}}, 400, "invalid patch format of retainKeys"),
    ("key missing from $retainKeys", {"spec": {"nodeSelector": {"$retainKeys": ["zone"], "disk": "hdd"}}}, 400, "invalid patch format of retainKeys"),
    ("bare $setElementOrder", {"spec": {"$setElementOrder": []}}, 400, "invalid patch format of setElementOrder list"),
    # 422
    ("list of lists", {"spec": {"containers": [c("a", env=[["x"]])]}}, 500, "list element types are not identical"),
]
# fmt: on


@pytest.mark.parametrize(
    ("patch", "code", "message"),
    [pytest.param(patch, code, message, id=name) for name, patch, code, message in ERRORS],
)
def test_errors(pod: FieldInfo, patch: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(StrategicPatchError) as caught:
        apply_strategic_merge_patch(POD, patch, pod)
    assert message in str(caught.value)
    assert caught.value.code == code


def test_error_statuses(pod: FieldInfo) -> None:
    with pytest.raises(StrategicPatchError) as caught:
        apply_strategic_merge_patch(POD, {"spec": {"containers": [{"image": "x"}]}}, pod)
    # observed: an unclassified error is a 500 with the error as message and no reason
    assert caught.value.reason == ""
    assert caught.value.status_message == (
        "map: map[image:x] does not contain declared merge key: name"
    )
    empty = {"metadata": {"finalizers": []}}
    with pytest.raises(StrategicPatchError) as caught:
        apply_strategic_merge_patch(empty, {"metadata": {"finalizers": [["a"]]}}, pod)
    assert caught.value.code == 422
    assert str(caught.value) == "lists of lists are not supported"
    assert caught.value.status_message == (
        "the server rejected our request due to an error in our request"
    )


def test_patch_must_be_an_object(pod: FieldInfo) -> None:
    with pytest.raises(StrategicPatchError) as caught:
        apply_strategic_merge_patch(POD, [], pod)  # type: ignore[arg-type]
    assert caught.value.code == 400
