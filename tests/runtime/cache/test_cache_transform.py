"""The default transform: managedFields dropped, repeated strings interned, memory measured."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import msgspec
import pytest
from example_client.models.core_v1 import Pod

import kgen.runtime._codec as codec
from kgen.runtime import StringInterner, copy_object, default_transform, make_transform
from kgen.runtime._cache.frozen import FrozenDict, FrozenList, SharedValues
from kgen.runtime._unstructured import Unstructured


def pod_json(i: int) -> bytes:
    """A pod as the server sends it: labels, annotations, an owner, managedFields."""
    return msgspec.json.encode(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"web-{i}",
                "namespace": "production-frontend",
                "generateName": "web-7d4b9c8f6-",
                "uid": f"00000000-0000-0000-0000-{i:012d}",
                "resourceVersion": str(1000 + i),
                "labels": {
                    "app.kubernetes.io/name": "storefront-web",
                    "app.kubernetes.io/component": "frontend",
                    "pod-template-hash": "7d4b9c8f6",
                    "tier": "frontend",
                },
                "annotations": {"kubectl.kubernetes.io/restartedAt": "2024-01-01T00:00:00Z"},
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "ReplicaSet",
                        "name": "web-7d4b9c8f6",
                        "uid": "11111111-2222-3333-4444-555555555555",
                        "controller": True,
                    }
                ],
                "finalizers": ["example.com/cleanup"],
                "managedFields": [
                    {
                        "manager": "kube-controller-manager",
                        "operation": "Update",
                        "apiVersion": "v1",
                        "time": "2024-01-01T00:00:00Z",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {
                            "f:metadata": {
                                "f:labels": {f"f:{k}": {} for k in ("app", "tier", "hash")},
                                "f:ownerReferences": {'k:{"uid":"1111"}': {}},
                            },
                            "f:spec": {
                                "f:containers": {'k:{"name":"web"}': {".": {}, "f:image": {}}}
                            },
                        },
                    },
                    {
                        "manager": "kubelet",
                        "operation": "Update",
                        "subresource": "status",
                        "fieldsType": "FieldsV1",
                        "fieldsV1": {"f:status": {"f:conditions": {".": {}}, "f:phase": {}}},
                    },
                ],
            },
            "spec": {"containers": [{"name": "web", "image": "registry.example.com/web:1.2.3"}]},
        }
    )


def decode(i: int) -> Pod:
    return codec.decode(pod_json(i), Pod)


def test_managed_fields_are_dropped_and_the_rest_kept() -> None:
    pod = default_transform(decode(1))
    assert pod.metadata.managed_fields is None
    assert pod.metadata.labels["tier"] == "frontend"
    assert pod.metadata.owner_references[0].name == "web-7d4b9c8f6"
    assert pod.spec.containers[0].image == "registry.example.com/web:1.2.3"
    assert default_transform(pod) is pod  # idempotent, in place


def test_equal_strings_become_one_object() -> None:
    first, second = default_transform(decode(1)), default_transform(decode(2))
    assert first.metadata.namespace is second.metadata.namespace
    for (k1, v1), (k2, v2) in zip(first.metadata.labels.items(), second.metadata.labels.items()):
        assert k1 is k2 and v1 is v2
    assert next(iter(first.metadata.annotations)) is next(iter(second.metadata.annotations))
    ref1, ref2 = first.metadata.owner_references[0], second.metadata.owner_references[0]
    assert ref1.name is ref2.name and ref1.uid is ref2.uid and ref1.kind is ref2.kind
    assert first.metadata.generate_name is second.metadata.generate_name
    assert first.metadata.finalizers[0] is second.metadata.finalizers[0]
    # Names stay distinct, as they are.
    assert first.metadata.name != second.metadata.name


def test_ints_and_utc_timestamps_are_shared_too() -> None:
    def decoded(i: int, time: str) -> Pod:
        return codec.decode(
            msgspec.json.encode(
                {
                    "metadata": {"name": f"p{i}", "creationTimestamp": time},
                    "spec": {
                        "containers": [{"name": "c", "ports": [{"containerPort": 8000 + 80}]}],
                        "terminationGracePeriodSeconds": 30 * 1000 + i % 1,
                    },
                }
            ),
            Pod,
        )

    first, second = decoded(1, "2024-01-01T00:00:00Z"), decoded(2, "2024-01-01T00:00:00Z")
    assert first.spec is not None and second.spec is not None
    port = first.spec.containers[0].ports[0].container_port  # type: ignore[index]
    assert port is not second.spec.containers[0].ports[0].container_port  # type: ignore[index]
    default_transform(first), default_transform(second)
    assert port == 8080
    assert first.spec.containers[0].ports[0].container_port is (  # type: ignore[index]
        second.spec.containers[0].ports[0].container_port  # type: ignore[index]
    )
    assert first.spec.termination_grace_period_seconds is (
        second.spec.termination_grace_period_seconds
    )
    assert first.metadata.creation_timestamp is second.metadata.creation_timestamp
    assert (
        first.metadata.creation_timestamp
        == decoded(3, "2024-01-01T00:00:00Z").metadata.creation_timestamp
    )


def test_unstructured_objects_too() -> None:
    transform = make_transform(interner=StringInterner())
    one = Unstructured(msgspec.json.decode(pod_json(1)))
    two = Unstructured(msgspec.json.decode(pod_json(2)))
    transform(one), transform(two)
    assert "managedFields" not in one.metadata
    assert one.namespace is two.namespace
    assert one.labels["tier"] is two.labels["tier"]
    assert one.metadata["ownerReferences"][0]["uid"] is two.metadata["ownerReferences"][0]["uid"]


def test_the_interner_is_bounded() -> None:
    interner = StringInterner(max_size=3)
    for i in range(10):
        interner(f"value-{i}")
    assert len(interner) <= 3
    shared = interner("".join(["sh", "ared"]))
    assert interner("".join(["sha", "red"])) is shared


def test_without_the_default_nothing_is_touched() -> None:
    keep = make_transform(drop_managed_fields=False, interner=None)
    pod = keep(decode(1))
    assert pod.metadata.managed_fields is not None


def retained_bytes(count: int, transform: Any) -> int:
    """Bytes still allocated by ``count`` decoded pods kept alive, after ``transform``."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        kept = [transform(decode(i)) for i in range(count)]
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    assert len(kept) == count
    return total


def test_the_default_transform_cuts_cache_memory() -> None:
    """Measured (CPython 3.11, tracemalloc): 2,000 pods like the one above hold 10.9 MB as decoded,
    4.7 MB without managedFields (-57%) and 3.2 MB once strings are interned too (-71%)."""
    count = 2000
    raw = retained_bytes(count, lambda pod: pod)
    dropped = retained_bytes(count, make_transform(interner=None))
    transformed = retained_bytes(count, make_transform(interner=StringInterner()))
    print(
        f"\n{count} pods: decoded {raw} B, without managedFields {dropped} B, "
        f"and interned {transformed} B"
    )
    assert dropped < raw
    assert transformed < dropped


def test_long_strings_and_other_values_are_given_back_unshared() -> None:
    interner = StringInterner()
    long = "x" * 200
    assert interner(long) is long and len(interner) == 0
    assert interner(8080) == 8080 and len(interner) == 0  # type: ignore[arg-type]
    seen: list[str] = []

    def mine(value: str) -> str:
        seen.append(value)
        return value

    pod = decode(1)
    pod.metadata.annotations = {"note": long}
    make_transform(interner=mine)(pod)
    assert long not in seen and "production-frontend" in seen  # short strings only, as before


def test_int_or_string_values_are_shared() -> None:
    def decoded(i: int) -> Pod:
        named = {"httpGet": {"path": "/healthz", "port": "http"}}
        numbered = {"httpGet": {"path": "/ready", "port": 8000 + 80}}
        container = {"name": "c", "livenessProbe": named, "readinessProbe": numbered}
        spec = {"containers": [container]}
        return codec.decode(msgspec.json.encode({"metadata": {"name": f"p{i}"}, "spec": spec}), Pod)

    first, second = default_transform(decoded(1)), default_transform(decoded(2))
    one, two = first.spec.containers[0], second.spec.containers[0]
    named, again = one.liveness_probe.http_get.port, two.liveness_probe.http_get.port
    assert named == "http" and named is again
    numbered, again = one.readiness_probe.http_get.port, two.readiness_probe.http_get.port
    assert numbered == 8080 and numbered is again


def test_objects_built_by_hand_with_items_of_other_types_pass() -> None:
    pod = decode(1)
    pod.spec.containers[0].args = ["--port", "".join(["80", "80"]), ["not", "a", "string"]]
    pod.metadata.labels = {"tier": "frontend", "weight": [1]}
    default_transform(pod)
    assert pod.spec.containers[0].args == ["--port", "8080", ["not", "a", "string"]]
    assert pod.metadata.labels == {"tier": "frontend", "weight": [1]}
    assert pod.metadata.labels["tier"] is default_transform(decode(2)).metadata.labels["tier"]


def test_the_table_for_one_object_still_interns() -> None:
    """``table_for_one_object`` (before ``lookup``) hands out the same shared strings."""
    interner = StringInterner()
    first = "".join(["name", "space"])
    table = interner.table_for_one_object()
    assert table[first] is first
    assert table["".join(["name", "space"])] is first
    assert interner.lookup("".join(["name", "space"])) is first


def test_lists_are_kept_at_their_exact_size() -> None:
    """The decoder grows a list by appending (room for 4 items for 1 to 4): the transform keeps an
    exact-size copy of each, with the same items (a frozen list for a list of strings, which the
    interpreter may give one slot more: list.__init__ rounds a size up to an even number)."""
    import sys

    pod = decode(1)
    finalizers = pod.metadata.finalizers
    assert finalizers is not None
    assert sys.getsizeof(finalizers) > sys.getsizeof(finalizers[:])  # one item, room for 4
    containers = pod.spec.containers
    default_transform(pod)
    for kept, items in (
        (pod.metadata.finalizers, ["example.com/cleanup"]),
        (pod.spec.containers, containers),
        (pod.metadata.owner_references, pod.metadata.owner_references),
    ):
        assert isinstance(kept, list) and kept == items
        slots = 1 if type(kept) is FrozenList else 0
        assert sys.getsizeof(kept) <= sys.getsizeof(kept[:]) + 8 * slots  # a slice is exact
    assert type(pod.metadata.finalizers) is FrozenList
    assert type(pod.spec.containers) is list  # lists of objects are not frozen
    assert pod.spec.containers[0] is containers[0]  # the items themselves are kept
    assert default_transform(pod).spec.containers == containers  # idempotent


def shared_pod(i: int, **spec: Any) -> Pod:
    container = {
        "name": "web",
        "image": "registry.example.com/web:1.2.3",
        "command": ["/bin/server"],
        "args": ["--port=8080", f"--replica={i}"],
        "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": 2}},
    }
    body = {
        "metadata": {
            "name": f"web-{i}",
            "namespace": "ns",
            "labels": {"app": "web", "tier": "a"},
            "annotations": {"note": f"pod {i}"},
            "finalizers": ["example.com/cleanup"],
        },
        "spec": {"containers": [container], "nodeSelector": {"disk": "ssd"}, **spec},
    }
    return codec.decode(msgspec.json.encode(body), Pod)


def test_the_default_shares_equal_lists_and_maps_frozen() -> None:
    first, second = default_transform(shared_pod(1)), default_transform(shared_pod(2))
    one, two = first.spec.containers[0], second.spec.containers[0]
    assert first.metadata.labels is second.metadata.labels == {"app": "web", "tier": "a"}
    assert type(first.metadata.labels) is FrozenDict
    assert first.metadata.finalizers is second.metadata.finalizers
    assert first.spec.node_selector is second.spec.node_selector
    assert one.command is two.command == ["/bin/server"]
    assert type(one.command) is FrozenList
    assert one.resources.requests is two.resources.requests
    assert one.resources.limits is two.resources.limits == {"cpu": 2}
    # Unique values are frozen too: behaviour does not depend on the data.
    assert one.args == ["--port=8080", "--replica=1"] and one.args is not two.args
    assert type(one.args) is FrozenList and type(first.metadata.annotations) is FrozenDict
    assert one.args[0] is two.args[0]  # strings are interned as before
    # Structs are never shared.
    assert one is not two and one.resources is not two.resources
    assert default_transform(first) is first and first.metadata.labels is second.metadata.labels


def test_without_sharing_values_stay_plain_and_mutable() -> None:
    transform = make_transform(share_values=False)
    first, second = transform(shared_pod(1)), transform(shared_pod(2))
    assert first.metadata.labels == second.metadata.labels
    assert first.metadata.labels is not second.metadata.labels
    assert type(first.metadata.labels) is dict and type(first.spec.containers[0].args) is list


def test_transforms_go_over_frozen_values_again() -> None:
    """Transforms are idempotent: another one may see values a sharing transform froze."""
    pod = default_transform(shared_pod(1))
    again = make_transform(share_values=False)(pod)
    assert again.spec.containers[0].args == ["--port=8080", "--replica=1"]
    assert again.metadata.labels == {"app": "web", "tier": "a"}
    assert default_transform(again) is again and type(again.metadata.labels) is FrozenDict


@pytest.mark.parametrize(
    "mutate",
    [
        lambda pod: pod.metadata.labels.__setitem__("app", "changed"),
        lambda pod: pod.metadata.labels.update(app="changed"),
        lambda pod: pod.metadata.labels.pop("app"),
        lambda pod: pod.metadata.annotations.setdefault("new", "x"),
        lambda pod: pod.metadata.annotations.clear(),
        lambda pod: pod.metadata.finalizers.append("example.com/other"),
        lambda pod: pod.metadata.finalizers.remove("example.com/cleanup"),
        lambda pod: pod.spec.containers[0].args.append("--oops"),
        lambda pod: pod.spec.containers[0].args.sort(),
        lambda pod: pod.spec.containers[0].command.__setitem__(0, "/bin/sh"),
        lambda pod: pod.spec.node_selector.__delitem__("disk"),
    ],
)
def test_mutating_a_cached_value_raises_and_changes_nothing(mutate: Any) -> None:
    first, second = default_transform(shared_pod(1)), default_transform(shared_pod(2))
    before = msgspec.json.encode(second)
    with pytest.raises(TypeError, match="informer's cache.*copy the object first.*copy_object"):
        mutate(first)
    assert msgspec.json.encode(second) == before


def test_in_place_operators_raise_too() -> None:
    pod = default_transform(shared_pod(1))
    labels, args = pod.metadata.labels, pod.spec.containers[0].args
    with pytest.raises(TypeError, match="read-only"):
        labels |= {"x": "y"}
    with pytest.raises(TypeError, match="read-only"):
        args += ["--oops"]
    with pytest.raises(TypeError, match="read-only"):
        args *= 2
    assert pod.metadata.labels == {"app": "web", "tier": "a"} and len(args) == 2


def test_a_deep_copy_is_mutable_equal_and_encodes() -> None:
    import copy
    import pickle

    from kgen.runtime import copy_object

    cached = default_transform(shared_pod(1))
    for copied in (copy_object(cached), copy.deepcopy(cached), pickle.loads(pickle.dumps(cached))):
        assert copied == cached
        assert msgspec.json.encode(copied) == msgspec.json.encode(cached)
        assert type(copied.metadata.labels) is dict
        assert type(copied.spec.containers[0].args) is list
        copied.metadata.labels["app"] = "changed"
        copied.metadata.finalizers.remove("example.com/cleanup")
        copied.spec.containers[0].args.append("--more")
        assert cached.metadata.labels == {"app": "web", "tier": "a"}
        assert cached.metadata.finalizers == ["example.com/cleanup"]
        assert cached.spec.containers[0].args == ["--port=8080", "--replica=1"]
        body = msgspec.json.decode(msgspec.json.encode(copied))
        assert body["metadata"]["labels"] == {"app": "changed", "tier": "a"}
        assert "finalizers" not in body["metadata"] or body["metadata"]["finalizers"] == []


def test_frozen_values_copy_to_plain_ones() -> None:
    import copy

    labels = FrozenDict({"app": "web"})
    args = FrozenList(["a", "b"])
    assert labels == {"app": "web"} and args == ["a", "b"]
    for plain in (copy.copy(labels), dict(labels), labels.copy(), labels | {}, {**labels}):
        assert type(plain) is dict and plain == labels
    for plain_list in (copy.copy(args), list(args), args.copy(), args[:], args + []):
        assert type(plain_list) is list and plain_list == args
    assert msgspec.to_builtins({"l": labels, "a": args}) == {"l": {"app": "web"}, "a": ["a", "b"]}
    assert type(msgspec.to_builtins(labels)) is dict


def test_equal_values_of_other_types_are_not_folded() -> None:
    shared = SharedValues()
    assert shared.dict(("cpu",), (1,)) is not shared.dict(("cpu",), (True,))
    assert shared.dict(("cpu",), (1,)) == {"cpu": 1}
    assert shared.dict(("cpu",), (True,)) == {"cpu": True}
    assert shared.list(("a", 1)) is shared.list(("a", 1))
    assert shared.list((1,)) is not shared.list((True,))
    # Floats are never shared (0.0 == -0.0), nor values that cannot be keys: they are frozen.
    zero = shared.dict(("x",), (-0.0,))
    assert type(zero) is FrozenDict and shared.dict(("x",), (0.0,)) is not zero
    nested = (("not", "a", "string"),)
    kept = shared.list(nested)
    assert kept == list(nested) and type(kept) is FrozenList and kept is not shared.list(nested)
    unhashable = ([1],)
    assert type(shared.list(unhashable)) is FrozenList


def test_shared_value_tables_are_bounded() -> None:
    shared = SharedValues(max_size=2)
    kept = [shared.list((str(i),)) for i in range(5)]
    assert len(shared) <= 2 and kept[4] is shared.list(("4",))


def test_unstructured_labels_annotations_and_finalizers_are_frozen_and_shared() -> None:
    one = Unstructured(msgspec.json.decode(pod_json(1)))
    two = Unstructured(msgspec.json.decode(pod_json(2)))
    default_transform(one), default_transform(two)
    assert one.labels is two.labels and type(one.labels) is FrozenDict
    assert type(one.annotations) is FrozenDict and one.finalizers is two.finalizers
    with pytest.raises(TypeError, match="copy the object first"):
        one.labels["x"] = "y"
    copied = copy_object(one)
    copied.labels["x"] = "y"
    assert "x" not in one.labels
