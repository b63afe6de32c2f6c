"""JSON patch: every operation, pointer escapes, kube-apiserver's leniencies and its error codes.

The expectations marked "observed" were checked against a real kube-apiserver 1.20.2
(scripts/realcluster) with ``kubectl patch --type=json`` equivalents.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kgen.testing.merge.json_patch import MAX_OPERATIONS, PatchError, apply_json_patch, json_equal

DOC: dict[str, Any] = {
    "metadata": {"labels": {"a": "1"}, "finalizers": ["f/a", "f/b", "f/c"]},
    "data": {"k": "v", "a/b": "slash", "m~n": "tilde"},
    "spec": {"replicas": 1, "ports": [{"port": 80}], "flag": True, "nothing": None},
}

APPLIES = [
    # add
    (
        "add member",
        [{"op": "add", "path": "/metadata/labels/b", "value": "2"}],
        ["metadata", "labels"],
        {"a": "1", "b": "2"},
    ),
    (
        "add replaces member",
        [{"op": "add", "path": "/metadata/labels/a", "value": "9"}],
        ["metadata", "labels"],
        {"a": "9"},
    ),
    (
        "add appends with -",
        [{"op": "add", "path": "/metadata/finalizers/-", "value": "f/z"}],
        ["metadata", "finalizers"],
        ["f/a", "f/b", "f/c", "f/z"],
    ),
    (
        "add inserts at index",
        [{"op": "add", "path": "/metadata/finalizers/1", "value": "f/z"}],
        ["metadata", "finalizers"],
        ["f/a", "f/z", "f/b", "f/c"],
    ),
    (
        "add at length appends",
        [{"op": "add", "path": "/metadata/finalizers/3", "value": "f/z"}],
        ["metadata", "finalizers"],
        ["f/a", "f/b", "f/c", "f/z"],
    ),
    # observed: -1 inserts before the end of the grown array, i.e. appends
    (
        "add negative index",
        [{"op": "add", "path": "/metadata/finalizers/-1", "value": "f/z"}],
        ["metadata", "finalizers"],
        ["f/a", "f/b", "f/c", "f/z"],
    ),
    (
        "add leading zero index",
        [{"op": "add", "path": "/metadata/finalizers/01", "value": "f/z"}],
        ["metadata", "finalizers"],
        ["f/a", "f/z", "f/b", "f/c"],
    ),
    (
        "add without value adds null",
        [{"op": "add", "path": "/metadata/labels/b"}],
        ["metadata", "labels"],
        {"a": "1", "b": None},
    ),
    (
        "add object",
        [{"op": "add", "path": "/spec/template", "value": {"x": [1]}}],
        ["spec", "template"],
        {"x": [1]},
    ),
    # escapes: ~1 is "/", ~0 is "~"
    (
        "escaped slash",
        [{"op": "replace", "path": "/data/a~1b", "value": "S"}],
        ["data", "a/b"],
        "S",
    ),
    (
        "escaped tilde",
        [{"op": "remove", "path": "/data/m~0n"}],
        ["data"],
        {"k": "v", "a/b": "slash"},
    ),
    (
        "escape order ~01 is ~1",
        [{"op": "add", "path": "/data/x~01", "value": "y"}],
        ["data", "x~1"],
        "y",
    ),
    # remove
    ("remove member", [{"op": "remove", "path": "/metadata/labels/a"}], ["metadata", "labels"], {}),
    (
        "remove index",
        [{"op": "remove", "path": "/metadata/finalizers/0"}],
        ["metadata", "finalizers"],
        ["f/b", "f/c"],
    ),
    (
        "remove negative index",
        [{"op": "remove", "path": "/metadata/finalizers/-1"}],
        ["metadata", "finalizers"],
        ["f/a", "f/b"],
    ),
    # replace
    (
        "replace scalar",
        [{"op": "replace", "path": "/spec/replicas", "value": 3}],
        ["spec", "replicas"],
        3,
    ),
    (
        "replace index",
        [{"op": "replace", "path": "/spec/ports/0", "value": {"port": 81}}],
        ["spec", "ports"],
        [{"port": 81}],
    ),
    (
        "replace with null",
        [{"op": "replace", "path": "/metadata/labels", "value": None}],
        ["metadata", "labels"],
        None,
    ),
    # observed: replace of a missing member adds it (json-patch v4)
    (
        "replace missing member adds",
        [{"op": "replace", "path": "/metadata/labels/zz", "value": "2"}],
        ["metadata", "labels"],
        {"a": "1", "zz": "2"},
    ),
    # move and copy
    (
        "move member",
        [{"op": "move", "from": "/metadata/labels/a", "path": "/metadata/labels/b"}],
        ["metadata", "labels"],
        {"b": "1"},
    ),
    (
        "move within array",
        [{"op": "move", "from": "/metadata/finalizers/0", "path": "/metadata/finalizers/-"}],
        ["metadata", "finalizers"],
        ["f/b", "f/c", "f/a"],
    ),
    (
        "copy member",
        [{"op": "copy", "from": "/spec/ports/0", "path": "/spec/ports/-"}],
        ["spec", "ports"],
        [{"port": 80}, {"port": 80}],
    ),
    # observed: copy from a missing member copies null
    (
        "copy from missing member",
        [{"op": "copy", "from": "/metadata/labels/nope", "path": "/metadata/labels/b"}],
        ["metadata", "labels"],
        {"a": "1", "b": None},
    ),
    # test
    (
        "test then add",
        [
            {"op": "test", "path": "/data/k", "value": "v"},
            {"op": "add", "path": "/data/k2", "value": "w"},
        ],
        ["data", "k2"],
        "w",
    ),
    (
        "test object ignores key order",
        [{"op": "test", "path": "/spec/ports/0", "value": {"port": 80}}],
        ["spec", "replicas"],
        1,
    ),
    (
        "test null on missing member",
        [{"op": "test", "path": "/metadata/labels/nope", "value": None}],
        ["metadata", "labels"],
        {"a": "1"},
    ),
    (
        "test null on null member",
        [{"op": "test", "path": "/spec/nothing", "value": None}],
        ["spec", "nothing"],
        None,
    ),
    # observed: without a leading "/" the first token is dropped, so this adds a root member
    (
        "path without leading slash",
        [{"op": "add", "path": "metadata/labels", "value": {"q": "1"}}],
        ["labels"],
        {"q": "1"},
    ),
    ("empty list of operations", [], ["spec", "replicas"], 1),
]


@pytest.mark.parametrize(
    ("operations", "where", "expected"),
    [pytest.param(ops, where, expected, id=name) for name, ops, where, expected in APPLIES],
)
def test_apply(operations: list[dict[str, Any]], where: list[str], expected: Any) -> None:
    original = copy.deepcopy(DOC)
    result = apply_json_patch(DOC, operations)
    value: Any = result
    for key in where:
        value = value[key]
    assert value == expected
    assert DOC == original, "the input document must be left untouched"


def test_result_does_not_share_values_with_the_patch() -> None:
    value = {"x": [1]}
    result = apply_json_patch({}, [{"op": "add", "path": "/v", "value": value}])
    value["x"].append(2)
    assert result == {"v": {"x": [1]}}


def test_patching_an_array_document() -> None:
    assert apply_json_patch([1, 2], [{"op": "remove", "path": "/0"}]) == [2]


FAILURES = [
    (
        "test failure",
        [{"op": "test", "path": "/metadata/labels/a", "value": "2"}],
        "testing value /metadata/labels/a failed",
    ),
    ("test is type strict", [{"op": "test", "path": "/metadata/labels/a", "value": 1}], "failed"),
    ("test int is not float", [{"op": "test", "path": "/spec/replicas", "value": 1.0}], "failed"),
    ("test bool is not int", [{"op": "test", "path": "/spec/flag", "value": 1}], "failed"),
    (
        "test object with extra member",
        [{"op": "test", "path": "/spec/ports/0", "value": {"port": 80, "x": 1}}],
        "failed",
    ),
    (
        "test object with fewer members",
        [{"op": "test", "path": "/data", "value": {"k": "v"}}],
        "failed",
    ),
    (
        "test missing member against value",
        [{"op": "test", "path": "/metadata/labels/nope", "value": "x"}],
        "failed",
    ),
    ("unknown op", [{"op": "frob", "path": "/a"}], "Unexpected kind: frob"),
    ("missing op", [{"path": "/a"}], "Unexpected kind: unknown"),
    ("missing path", [{"op": "add", "value": "x"}], "add operation failed to decode path"),
    (
        "empty path is the whole document",
        [{"op": "add", "path": "", "value": {}}],
        "doc is missing path",
    ),
    (
        "missing parent",
        [{"op": "remove", "path": "/metadata/nothere/x"}],
        "doc is missing path: /metadata/nothere/x",
    ),
    (
        "through a scalar",
        [{"op": "add", "path": "/spec/replicas/x", "value": 1}],
        "doc is missing path",
    ),
    ("through null", [{"op": "add", "path": "/spec/nothing/x", "value": 1}], "doc is missing path"),
    (
        "remove missing member",
        [{"op": "remove", "path": "/metadata/labels/nope"}],
        "Unable to remove nonexistent key: nope",
    ),
    (
        "remove past the end",
        [{"op": "remove", "path": "/metadata/finalizers/3"}],
        "Unable to access invalid index: 3",
    ),
    (
        "add past the end",
        [{"op": "add", "path": "/metadata/finalizers/4", "value": "x"}],
        "Unable to access invalid index: 4",
    ),
    (
        "add before the start",
        [{"op": "add", "path": "/metadata/finalizers/-5", "value": "x"}],
        "Unable to access invalid index: -5",
    ),
    (
        "add non-numeric index",
        [{"op": "add", "path": "/metadata/finalizers/x", "value": "x"}],
        "invalid syntax",
    ),
    (
        "replace past the end",
        [{"op": "replace", "path": "/metadata/finalizers/3", "value": "x"}],
        "doc is missing key",
    ),
    # the real server panics on these; here they fail cleanly
    (
        "replace negative index",
        [{"op": "replace", "path": "/metadata/finalizers/-1", "value": "x"}],
        "invalid index",
    ),
    (
        "test negative index",
        [{"op": "test", "path": "/metadata/finalizers/-1", "value": "f/c"}],
        "invalid index",
    ),
    (
        "copy from past the end",
        [{"op": "copy", "from": "/metadata/finalizers/5", "path": "/data/x"}],
        "invalid index: 5",
    ),
    (
        "move from missing",
        [{"op": "move", "from": "/metadata/labels/nope", "path": "/data/x"}],
        "nonexistent key",
    ),
    (
        "move into itself",
        [{"op": "move", "from": "/metadata/labels", "path": "/metadata/labels/x"}],
        "missing destination path",
    ),
    ("missing from", [{"op": "copy", "path": "/data/x"}], "copy operation failed to decode from"),
]


@pytest.mark.parametrize(
    ("operations", "message"),
    [pytest.param(ops, message, id=name) for name, ops, message in FAILURES],
)
def test_failures_are_422(operations: list[dict[str, Any]], message: str) -> None:
    with pytest.raises(PatchError) as caught:
        apply_json_patch(DOC, operations)
    error = caught.value
    assert message in str(error)
    assert error.code == 422
    assert error.reason == "Invalid"
    # observed: the real reason is not in the Status, only this generic message
    assert error.status_message == "the server rejected our request due to an error in our request"


def test_failure_names_the_failed_operation_and_changes_nothing() -> None:
    original = copy.deepcopy(DOC)
    operations = [
        {"op": "add", "path": "/metadata/labels/b", "value": "2"},
        {"op": "test", "path": "/metadata/labels/a", "value": "2"},
    ]
    with pytest.raises(PatchError) as caught:
        apply_json_patch(DOC, operations)
    assert caught.value.index == 1
    assert str(caught.value).startswith("operation 1: ")
    assert DOC == original


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"op": "add"}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
        (["x"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
        ("x", "json: cannot unmarshal string into Go value of type jsonpatch.Patch"),
        ([[]], "json: cannot unmarshal array into Go value of type jsonpatch.Operation"),
    ],
)
def test_bodies_that_do_not_decode_are_400(body: Any, message: str) -> None:
    with pytest.raises(PatchError) as caught:
        apply_json_patch(DOC, body)
    assert caught.value.code == 400
    assert caught.value.reason == "BadRequest"
    assert caught.value.status_message == message


def test_too_many_operations_is_413() -> None:
    operations = [{"op": "test", "path": "/spec/replicas", "value": 1}] * (MAX_OPERATIONS + 1)
    with pytest.raises(PatchError) as caught:
        apply_json_patch(DOC, operations)
    assert caught.value.code == 413
    assert caught.value.status_message == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, 1, True),
        (1, 1.0, False),
        (True, 1, False),
        ({"a": [1, {"b": None}]}, {"a": [1, {"b": None}]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [2, 1], False),
    ],
)
def test_json_equal(a: Any, b: Any, equal: bool) -> None:
    assert json_equal(a, b) is equal
