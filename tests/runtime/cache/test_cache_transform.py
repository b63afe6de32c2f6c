"""The default transform: managedFields dropped, repeated strings interned, memory measured."""

from __future__ import annotations

import gc
import tracemalloc
from typing import Any

import msgspec
import pytest
from example_client.models.core_v1 import Pod

import kgen.runtime._codec as codec
from kgen.runtime import StringInterner, default_transform, make_transform
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
    exact-size copy of each, with the same items, still a list."""
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
        assert type(kept) is list and kept == items
        assert sys.getsizeof(kept) == sys.getsizeof(kept[:])  # a slice is exact
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
        "metadata": {"name": f"web-{i}", "namespace": "ns", "labels": {"app": "web", "tier": "a"}},
        "spec": {"containers": [container], "nodeSelector": {"disk": "ssd"}, **spec},
    }
    return codec.decode(msgspec.json.encode(body), Pod)


def test_the_default_shares_no_list_or_map() -> None:
    first, second = default_transform(shared_pod(1)), default_transform(shared_pod(2))
    assert first.metadata.labels == second.metadata.labels
    assert first.metadata.labels is not second.metadata.labels
    assert first.spec.containers[0].command is not second.spec.containers[0].command


def test_shared_values_share_equal_lists_and_maps_when_asked() -> None:
    from kgen.runtime import SharedValues

    shared = SharedValues(detect_mutations=False)
    transform = make_transform(share_values=shared)
    first, second = transform(shared_pod(1)), transform(shared_pod(2))
    one, two = first.spec.containers[0], second.spec.containers[0]
    assert first.metadata.labels is second.metadata.labels == {"app": "web", "tier": "a"}
    assert first.spec.node_selector is second.spec.node_selector
    assert one.command is two.command == ["/bin/server"]
    assert one.resources.requests is two.resources.requests
    assert one.resources.limits is two.resources.limits == {"cpu": 2}
    assert one.args == ["--port=8080", "--replica=1"] and one.args is not two.args
    assert one.args[0] is two.args[0]  # strings are interned as by default
    assert first.metadata.name == "web-1" and type(one.command) is list
    # Typed objects only: structs are never shared.
    assert one is not two and one.resources is not two.resources
    assert shared.mutated() == []
    assert transform(first) is first and first.metadata.labels is second.metadata.labels


def test_equal_values_of_other_types_are_not_folded() -> None:
    from kgen.runtime import SharedValues

    shared = SharedValues()
    assert shared.dict({"cpu": 1}) is not shared.dict({"cpu": True})
    assert shared.dict({"cpu": 1}) == {"cpu": 1} and shared.dict({"cpu": True}) == {"cpu": True}
    assert shared.list(["a", 1]) is shared.list(["a", 1])
    assert shared.list([1]) is not shared.list([True])
    # Floats are never shared (0.0 == -0.0), nor values that cannot be keys.
    zero = {"x": -0.0}
    assert shared.dict(zero) is zero and shared.dict({"x": 0.0}) is not zero
    nested = [["not", "a", "string"]]
    assert shared.list(nested) == nested and shared.list(nested) is not shared.list(nested)


def test_a_changed_shared_value_is_found_and_no_longer_handed_out(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kgen.runtime import SharedValues

    quiet = SharedValues(detect_mutations=False)
    first = make_transform(share_values=quiet)(shared_pod(1))
    labels = first.metadata.labels
    labels["app"] = "changed"  # breaks the read-only contract
    assert quiet.mutated() == [labels]

    shared = SharedValues(detect_mutations=True)
    transform = make_transform(share_values=shared)
    first = transform(shared_pod(1))
    first.metadata.labels["app"] = "changed"
    first.spec.containers[0].command.append("--oops")
    with caplog.at_level("ERROR", logger="kgen.runtime.cache"):
        second = transform(shared_pod(2))
    assert second.metadata.labels == {"app": "web", "tier": "a"}
    assert second.metadata.labels is not first.metadata.labels
    assert second.spec.containers[0].command == ["/bin/server"]
    assert "shared by cached objects was changed" in caplog.text
    assert transform(shared_pod(3)).metadata.labels is second.metadata.labels


def test_the_mutation_detector_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from kgen.runtime import SharedValues

    monkeypatch.setenv("KGEN_CACHE_MUTATION_DETECTOR", "true")
    assert SharedValues().detect_mutations
    monkeypatch.setenv("KGEN_CACHE_MUTATION_DETECTOR", "0")
    assert not SharedValues().detect_mutations
    monkeypatch.delenv("KGEN_CACHE_MUTATION_DETECTOR")
    assert not SharedValues().detect_mutations


def test_shared_value_tables_are_bounded() -> None:
    from kgen.runtime import SharedValues

    shared = SharedValues(max_size=2)
    kept = [shared.list([str(i)]) for i in range(5)]
    assert len(shared) <= 2 and kept[4] is shared.list(["4"])
