"""Partial decoding (kgen.runtime.decode_partial, ``client.partial(...)``, partial informers).

A partial twin decodes some fields of each object at once and keeps the others as the bytes they came
as, decoded into their model when first read. These tests check that what is read equals a full
decode (on the example package's models and on the whole Kubernetes 1.36 API, with realistic pods),
that what was not read is not decoded, that a part that does not fit raises kgen's DecodeError with its
path when read, that nothing a model does not know is lost, that a kept pod does not keep the whole
answer alive, that a type checker sees the models, and that clients, watches, informers and the fake
clientset read this way against kgen.testing over loopback HTTP.
"""

from __future__ import annotations

import copy
import gc
import importlib.util
import json
import os
import pickle
import re
import subprocess
import sys
import threading
import tracemalloc
import types
from pathlib import Path
from typing import Any

import msgspec
import pytest
from example_client.clientset import Clientset
from example_client.fake import FakeClientset
from example_client.informers import SharedInformerFactory
from example_client.models.core_v1 import (
    ConfigMap,
    Container,
    Pod,
    PodList,
    PodSpec,
    PodStatus,
)
from shared_specs import shared_path

import kgen.runtime._codec as codec
from kgen.runtime import (
    DecodeError,
    ObjectMeta,
    ResourceEventHandlerFuncs,
    decode_partial,
    default_transform,
    fully_decoded,
    is_partial,
    merge_patch_between,
    partial_type,
)
from kgen.runtime._preserve import encode_preserving, unknown_fields
from kgen.testing.pytest_plugin import KubeConnect

ROOT = Path(__file__).resolve().parents[2]


def realistic_podlist(count: int) -> bytes:
    """Pods as a Deployment's come back from the API server (the decode benchmark's data)."""
    spec = importlib.util.spec_from_file_location(
        "kgen_bench_podlist", ROOT / "benchmarks" / "podlist.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data: bytes = module.podlist(count)
    return data


def deferred(obj: Any, name: str) -> bool:
    """Whether ``obj.name`` is still the bytes it came as (read without decoding it)."""
    return type(msgspec.structs.asdict(obj)[name]) is msgspec.Raw


def pod_json(name: str = "p", image: Any = "nginx", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": image}], "restartPolicy": "Always"},
        "status": {"phase": "Running", "podIP": "10.0.0.1"},
        **extra,
    }


def podlist_json(*pods: dict[str, Any]) -> bytes:
    return json.dumps(
        {"apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "7"}, "items": pods}
    ).encode()


# --- the twin -----------------------------------------------------------------------------------------


def test_a_partial_pod_is_a_pod_that_decodes_its_spec_when_read() -> None:
    data = podlist_json(pod_json("a"), pod_json("b"))
    pods = decode_partial(data, PodList, ("status",))
    assert isinstance(pods, PodList) and is_partial(pods)
    assert pods.metadata.resource_version == "7"
    pod = pods.items[0]
    assert isinstance(pod, Pod) and is_partial(pod) and not is_partial(Pod)
    assert type(pod) is partial_type(Pod, ["status"]), "twins are cached per class and fields"
    assert pod.metadata.name == "a" and pod.status == PodStatus(phase="Running", pod_ip="10.0.0.1")
    assert deferred(pod, "spec") and not deferred(pod, "status")
    assert pod.spec == PodSpec(
        containers=[Container(name="c", image="nginx")], restart_policy="Always"
    )
    assert not deferred(pod, "spec"), "decoded once, then kept"
    assert pod.spec is pod.spec
    assert deferred(pods.items[1], "spec"), "each object decodes its own parts"
    full = codec.decode(data, PodList)
    assert pods == full and full == pods and pods.items[1] == full.items[1]
    assert not (pods != full) and not (full != pods) and not (pods.items[1] != full.items[1])
    assert pods.items[1] != full.items[0]


def test_metadata_is_always_decoded_and_plain_fields_too() -> None:
    pod = decode_partial(json.dumps(pod_json()).encode(), Pod)
    assert not deferred(pod, "metadata") and pod.metadata.labels == {"app": "web"}
    assert deferred(pod, "spec") and deferred(pod, "status")
    assert pod.api_version == "v1" and pod.kind == "Pod"


def test_a_field_set_on_a_partial_object_replaces_its_bytes() -> None:
    pod = decode_partial(json.dumps(pod_json()).encode(), Pod)
    pod.spec = PodSpec(containers=[Container(name="other")])
    assert pod.spec.containers[0].name == "other"
    assert b'"other"' in codec.encode(pod) and b"nginx" not in codec.encode(pod)


def test_what_is_not_read_is_encoded_as_it_came_and_converted_alike() -> None:
    raw = json.dumps(pod_json()).encode()
    full = codec.decode(raw, Pod)
    pod = decode_partial(raw, Pod, ("status",))
    assert msgspec.json.decode(codec.encode(pod)) == msgspec.json.decode(codec.encode(full))
    assert deferred(pod, "spec"), "encoding reads nothing"
    # to_builtins gives what the whole object gives (a null, a key the model lacks: left out).
    newer = pod_json()
    newer["spec"]["newSpecField"] = 1
    newer["spec"]["nodeName"] = None
    raw = json.dumps(newer).encode()
    assert codec.to_builtins(decode_partial(raw, Pod)) == codec.to_builtins(codec.decode(raw, Pod))


def test_a_merge_patch_from_a_partial_object_changes_only_what_changed() -> None:
    newer = pod_json()
    newer["spec"]["newSpecField"] = 1
    before = decode_partial(json.dumps(newer).encode(), Pod, ("status",))
    after = copy.deepcopy(before)
    after.metadata.labels = {"app": "db"}
    assert after.spec is not None and deferred(before, "spec")  # one read, one not
    assert merge_patch_between(before, after) == {"metadata": {"labels": {"app": "db"}}}


def test_copies_pickles_and_fully_decoded() -> None:
    raw = podlist_json(pod_json("a"), pod_json("b"))
    full = codec.decode(raw, PodList)
    pods = decode_partial(raw, PodList, ("status",))
    for clone in (copy.copy(pods.items[0]), copy.deepcopy(pods.items[0])):
        assert is_partial(clone) and deferred(clone, "spec") and clone == full.items[0]
    unpickled = pickle.loads(pickle.dumps(pods))
    assert is_partial(unpickled.items[0]) and deferred(unpickled.items[0], "spec")
    assert unpickled == full
    assert fully_decoded(pods) is pods
    assert not any(deferred(pod, "spec") for pod in pods.items)
    assert fully_decoded(full) is full


def test_on_decode_is_kept_for_parts_read_one_by_one_or_all_at_once() -> None:
    # Two pods whose images are equal strings: decoded, they are two string objects; an informer's
    # twin interns each part as it is decoded, so the cache holds one.
    from kgen.runtime._cache.transform import intern_part

    image = "registry.example.com/team/app:1.2.3"
    raw = podlist_json(pod_json("a", image), pod_json("b", image), pod_json("c", image))
    plain = decode_partial(raw, PodList)
    assert plain.items[0].spec.containers[0].image is not plain.items[1].spec.containers[0].image
    cached = codec.decode(raw, partial_type(PodList, (), on_decode=intern_part))
    first, second, third = cached.items
    assert first.spec.containers[0].image is second.spec.containers[0].image  # read one by one
    assert not deferred(first, "spec") and deferred(third, "spec")
    assert fully_decoded(cached) is cached  # the rest in bulk
    assert third.spec.containers[0].image is first.spec.containers[0].image
    assert third.status.phase is first.status.phase
    assert cached == codec.decode(raw, PodList)
    # The twin is another class than the plain one, and pickles as itself.
    assert type(first) is not type(plain.items[0])
    again = pickle.loads(pickle.dumps(codec.decode(raw, type(cached))))
    assert type(again) is type(cached) and type(again.items[0]) is type(first)


def test_parts_read_later_are_frozen_and_shared_as_the_default_transform_keeps_them() -> None:
    from kgen.runtime._cache.frozen import FrozenDict, FrozenList
    from kgen.runtime._cache.transform import intern_part

    spec = {
        "containers": [{"name": "c", "image": "nginx", "args": ["--port=80"]}],
        "nodeSelector": {"disk": "ssd"},
    }
    raw = podlist_json(pod_json("a", spec=spec), pod_json("b", spec=spec))
    first, second = codec.decode(raw, partial_type(PodList, (), on_decode=intern_part)).items
    one, two = first.spec.containers[0], second.spec.containers[0]
    assert type(one.args) is FrozenList and one.args is two.args == ["--port=80"]
    assert type(first.spec.node_selector) is FrozenDict
    assert first.spec.node_selector is second.spec.node_selector
    with pytest.raises(TypeError, match="copy the object first"):
        one.args.append("--oops")


def test_fields_are_named_as_in_python_and_only_kinds_have_twins() -> None:
    with pytest.raises(ValueError, match=r"Pod has no field 'specs'; its fields: api_version"):
        partial_type(Pod, ["specs"])
    with pytest.raises(TypeError, match="for kinds and their lists"):
        partial_type(PodSpec)
    with pytest.raises(TypeError, match="already a partial twin"):
        partial_type(partial_type(Pod))


def with_managed_fields(*entries: dict[str, Any]) -> bytes:
    data = pod_json()
    data["metadata"]["managedFields"] = list(entries)
    return json.dumps(data).encode()


APPLY = {
    "manager": "kubectl",
    "operation": "Apply",
    "apiVersion": "v1",
    "fieldsType": "FieldsV1",
    "fieldsV1": {"f:spec": {"f:containers": {}}},
}


def test_managed_fields_wait_in_the_metadata_unless_named() -> None:
    raw = with_managed_fields(APPLY)
    full = codec.decode(raw, Pod)
    pod = decode_partial(raw, Pod, ("spec", "status"))
    assert isinstance(pod.metadata, ObjectMeta) and is_partial(pod.metadata)
    assert deferred(pod.metadata, "managed_fields") and pod.metadata.labels == {"app": "web"}
    assert pod == full and pod.metadata.managed_fields == full.metadata.managed_fields
    assert pod.metadata.managed_fields[0].fields_v1 == {"f:spec": {"f:containers": {}}}
    named = decode_partial(raw, Pod, ("metadata.managed_fields",))
    assert not is_partial(named.metadata) and named.metadata == full.metadata
    again = decode_partial(raw, Pod)
    assert pickle.loads(pickle.dumps(again)) == full and copy.deepcopy(again) == full
    assert deferred(copy.deepcopy(again).metadata, "managed_fields")
    assert fully_decoded(again) == full and not deferred(again.metadata, "managed_fields")


def test_the_default_transform_drops_managed_fields_without_decoding_them() -> None:
    pod = decode_partial(with_managed_fields({"manager": 5}), Pod)  # would not decode
    assert default_transform(pod) is pod and pod.metadata.managed_fields is None


def test_managed_fields_that_do_not_fit_raise_when_read() -> None:
    pod = decode_partial(with_managed_fields(APPLY, {"manager": 5}), Pod)
    with pytest.raises(DecodeError) as caught:
        pod.metadata.managed_fields
    message = str(caught.value)
    assert "the object default/p" in message, message
    assert "`$.metadata.managedFields[1].manager`" in message, message


def test_managed_fields_with_keys_the_model_does_not_know_are_sent_back() -> None:
    pod = decode_partial(with_managed_fields({**APPLY, "newKey": 1}), Pod)
    assert pod.metadata.managed_fields is not None
    assert pod.metadata.managed_fields[0].manager == "kubectl"
    sent = msgspec.json.decode(encode_preserving(pod))
    assert sent["metadata"]["managedFields"][0]["newKey"] == 1


# --- errors and fields the models do not know -----------------------------------------------------------


def test_a_lazy_part_that_does_not_fit_raises_decode_error_with_its_path_when_read() -> None:
    pods = decode_partial(podlist_json(pod_json("ok"), pod_json("bad", image=5)), PodList)
    assert pods.items[0].spec is not None
    bad = pods.items[1]
    with pytest.raises(DecodeError) as caught:
        bad.spec
    message = str(caught.value)
    assert "Pod default/bad" in message and "`$.spec.containers[0].image`" in message, message
    assert "Expected `str | null`, got `int`" in message
    with pytest.raises(DecodeError):
        bad.spec  # still undecoded: every read says so
    with pytest.raises(DecodeError):
        fully_decoded(pods)


def test_an_eager_part_that_does_not_fit_raises_at_once() -> None:
    bad = pod_json("bad")
    bad["status"]["phase"] = 3
    with pytest.raises(DecodeError, match=r"\$\.items\[0\]\.status\.phase"):
        decode_partial(podlist_json(bad), PodList, ("status",))
    with pytest.raises(DecodeError, match="not valid JSON"):
        decode_partial(b"{", PodList)


def test_fields_the_models_do_not_know_are_kept_read_or_not() -> None:
    newer = pod_json("n", newTop={"x": 1})
    newer["spec"]["containers"][0]["newField"] = 2
    newer["spec"]["newSpecField"] = True
    raw = json.dumps(newer).encode()
    full = codec.decode(raw, Pod)
    expected = msgspec.json.decode(encode_preserving(full))
    assert expected["spec"]["containers"][0]["newField"] == 2 and expected["newTop"] == {"x": 1}

    untouched = decode_partial(raw, Pod, ("status",))
    assert unknown_fields(untouched) == {"newTop": {"x": 1}}
    assert msgspec.json.decode(encode_preserving(untouched)) == expected

    read = decode_partial(raw, Pod, ("status",))
    assert read.spec is not None and read.spec.containers[0].name == "c"
    assert unknown_fields(read) == unknown_fields(full)
    assert msgspec.json.decode(encode_preserving(read)) == expected


# --- real pods --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def kubernetes_core_v1() -> types.ModuleType:
    """core/v1 of the whole Kubernetes 1.36 API, generated for the test."""
    from kgen.emit.models import ModelsEmitter
    from kgen.ingest import read_inputs
    from kgen.model.build import build_model

    spec = shared_path("kubernetes", "v1.36", "swagger.json")
    model = build_model(read_inputs([spec], []), include=["core/v1"])
    emitter = ModelsEmitter(model, "kgen_partial_check", "# generated for the test")
    source = emitter.render_module("core_v1", emitter.modules()["core_v1"])
    module = types.ModuleType("kgen_partial_check_core_v1")
    sys.modules[module.__name__] = module
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    return module


def test_real_pods_read_partly_equal_a_full_decode(kubernetes_core_v1: types.ModuleType) -> None:
    pod_list = kubernetes_core_v1.PodList
    raw = realistic_podlist(50)
    full = codec.decode(raw, pod_list)
    assert unknown_fields(full.items[0]) is None, "the whole API knows every field"
    pods = decode_partial(raw, pod_list, ("metadata", "status"))
    assert all(deferred(pod, "spec") and not deferred(pod, "status") for pod in pods.items)
    for pod, whole in zip(pods.items, full.items):
        assert pod.status == whole.status and pod.metadata == whole.metadata
        assert pod.spec == whole.spec and pod.spec.containers[0].env
    assert pods == full
    assert codec.decode(codec.encode(decode_partial(raw, pod_list)), pod_list) == full


def test_real_pods_keep_what_a_smaller_model_does_not_know() -> None:
    # The example package's Pod knows a few fields of a real pod: the rest is kept, read or not.
    raw = realistic_podlist(20)
    full = codec.decode(raw, PodList)
    pods = decode_partial(raw, PodList, ("status",))
    assert fully_decoded(pods) is pods  # parts with unknown keys: one by one, keeping them
    assert not any(deferred(pod, "spec") for pod in pods.items)
    for pod, whole in zip(pods.items, full.items):
        assert msgspec.json.decode(encode_preserving(pod)) == msgspec.json.decode(
            encode_preserving(whole)
        )
    assert pods == full


# --- memory -----------------------------------------------------------------------------------------------


def retained_by_one_pod(share_buffer: bool) -> tuple[int, int]:
    # Pods the example model knows whole (an object with unknown fields is decoded again, as a copy).
    big = [pod_json(f"p{i}") for i in range(300)]
    for pod in big:
        pod["spec"]["containers"] = [{"name": f"c{n}", "image": "nginx"} for n in range(30)]
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        data = podlist_json(*big)  # the answer, allocated while traced
        size = len(data)
        pods = decode_partial(data, PodList, ("status",), share_buffer=share_buffer)
        one = pods.items[0]
        del pods, data
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert one.metadata.name == "p0"
    return retained, size


def test_a_kept_pod_does_not_keep_the_whole_answer_unless_asked_to() -> None:
    retained, size = retained_by_one_pod(share_buffer=False)
    assert retained < size / 10, (retained, size)
    shared, size = retained_by_one_pod(share_buffer=True)
    assert shared > size, "a view into the answer keeps all of it"


# --- informers: the default transform -----------------------------------------------------------------------


def test_the_default_transform_leaves_parts_not_read_undecoded() -> None:
    pod = decode_partial(json.dumps(pod_json()).encode(), Pod, ("status",))
    assert default_transform(pod) is pod
    assert deferred(pod, "spec") and pod.spec is not None


# --- typing -----------------------------------------------------------------------------------------------

TYPED = """
from __future__ import annotations

from example_client.clientset import Clientset
from example_client.informers import SharedInformerFactory
from example_client.models.core_v1 import Pod, PodList

from kgen.runtime import decode_partial, fully_decoded, partial_type


def check(cs: Clientset, raw: bytes, factory: SharedInformerFactory) -> None:
    pods = decode_partial(raw, PodList, ("metadata", "status"))
    reveal_type(pods)
    reveal_type(pods.items[0].spec)
    reveal_type(cs.core_v1.pods("default").partial("status"))
    reveal_type(cs.core_v1.pods("default").partial("status").list().items[0])
    reveal_type(factory.informer_for(Pod, PodList, partial=()))
    reveal_type(fully_decoded(pods))
    reveal_type(partial_type(Pod, ["status"]))
    pods.items[0].spec.containers
"""


def test_a_type_checker_sees_the_models(tmp_path: Path) -> None:
    path = tmp_path / "typed.py"
    path.write_text(TYPED)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "MYPYPATH": str(ROOT / "generated")},
    )
    output = result.stdout
    assert re.findall(r'Revealed type is "([^"]+)"', output) == [
        "example_client.models.core_v1.PodList",
        "example_client.models.core_v1.PodSpec | None",
        "example_client.clients.core_v1.PodClient",
        "example_client.models.core_v1.Pod",
        "kgen.runtime._cache.threaded.SharedIndexInformer[example_client.models.core_v1.Pod]",
        "example_client.models.core_v1.PodList",
        "type[example_client.models.core_v1.Pod]",
    ], output
    # The spec may be None, as for a fully decoded pod: the checker says so.
    assert 'Item "None" of "PodSpec | None" has no attribute "containers"' in output, output
    assert output.count("error:") == 1, output


# --- clients, watches and informers against kgen.testing -------------------------------------------------


@pytest.fixture
def kgen_apiserver_options() -> dict[str, Any]:
    return {"package": "example_client"}


def make_pod(name: str) -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, labels={"app": "web"}),
        spec=PodSpec(containers=[Container(name="c", image=f"nginx:{name}")]),
    )


def test_a_partial_client_reads_every_verb_partly(kube_connect: KubeConnect) -> None:
    cs = kube_connect(Clientset)
    pods = cs.core_v1.pods("default")
    pods.create(make_pod("a"))
    partial = pods.partial("status")
    assert type(partial) is type(pods) and partial.kind is Pod
    listed = partial.list()
    assert is_partial(listed) and deferred(listed.items[0], "spec")
    assert listed == pods.list()
    assert (
        listed.items[0].spec is not None and listed.items[0].spec.containers[0].image == "nginx:a"
    )
    got = partial.get("a")
    assert is_partial(got) and deferred(got, "spec") and got == pods.get("a")
    assert all(is_partial(pod) for pod in partial.iter(page_size=1))
    created = partial.create(make_pod("b"))
    assert is_partial(created) and created.spec is not None
    # An update through the partial client sends the object whole.
    got.metadata.labels = {"app": "db"}
    updated = partial.update(got)
    assert updated.metadata.labels == {"app": "db"}
    assert pods.get("a").spec == make_pod("a").spec
    stream = partial.watch(resource_version=updated.metadata.resource_version)
    pods.create(make_pod("c"))
    with stream:
        event = next(iter(stream))
    assert event.type == "ADDED" and is_partial(event.object) and deferred(event.object, "spec")
    assert event.object.spec is not None and event.object.spec.containers[0].image == "nginx:c"
    assert not is_partial(pods.get("a")), "the client it was made from reads whole objects"


def test_a_partial_informer_caches_partly_decoded_objects(kube_connect: KubeConnect) -> None:
    cs = kube_connect(Clientset)
    pods = cs.core_v1.pods("default")
    pods.create(make_pod("before"))
    added = threading.Event()
    seen: list[Any] = []

    def on_add(obj: Pod, initial: bool) -> None:
        seen.append(obj)
        if obj.metadata.name == "after":
            added.set()

    with SharedInformerFactory(cs) as factory:
        informer = factory.informer_for(Pod, PodList, partial=())
        assert factory.informer_for(Pod, PodList, partial=[]) is informer
        full = factory.core_v1.pods.informer()
        assert full is not informer, "a partial informer is another cache"
        informer.add_event_handler(ResourceEventHandlerFuncs(on_add=on_add))
        factory.start()
        results = factory.wait_for_cache_sync(timeout=30)
        assert all(result.synced for result in results.values()), results
        cached = factory.lister_for(Pod, PodList, partial=()).namespace("default").get("before")
        assert is_partial(cached) and deferred(cached, "spec") and deferred(cached, "status")
        from kgen.runtime._cache.transform import intern_part

        assert type(cached) is partial_type(Pod, (), on_decode=intern_part), "parts are interned"
        assert cached.metadata.managed_fields is None, "the default transform ran"
        assert cached.spec == make_pod("before").spec
        assert not is_partial(full.lister().list()[0])
        pods.create(make_pod("after"))
        assert added.wait(30)
    assert all(is_partial(obj) for obj in seen)
    assert [obj.metadata.name for obj in seen] == ["before", "after"]


def test_the_fake_clientset_reads_partly_too() -> None:
    cs = FakeClientset(make_pod("seed"))
    pods = cs.core_v1.pods("default").partial("status")
    listed = pods.list()
    assert is_partial(listed.items[0]) and deferred(listed.items[0], "spec")
    assert listed.items[0].spec == make_pod("seed").spec
    assert [action.verb for action in cs.cluster.actions][-1] == "list"


def test_configmaps_defer_their_data() -> None:
    raw = json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    ).encode()
    config_map = decode_partial(raw, ConfigMap)
    assert deferred(config_map, "data") and config_map.data == {"k": "v"}
