"""A typed read-modify-write keeps fields the client's models do not know (kubernetes/kubernetes#111703)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import yaml

from kgen.config import GenerateConfig
from kgen.generator import generate, write_package
from kgen.runtime._config import load_kubeconfig
from kgen.runtime._preserve import encode_preserving
from kgen.testing import APIServer


def crd(properties: dict) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.preserve.example.com"},
        "spec": {
            "group": "preserve.example.com",
            "scope": "Namespaced",
            "names": {"kind": "Thing", "plural": "things"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {"type": "object", "properties": properties},
                                "status": {
                                    "type": "object",
                                    "properties": {"phase": {"type": "string"}},
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


OLD = {
    "replicas": {"type": "integer"},
    "items": {
        "type": "array",
        "items": {"type": "object", "properties": {"name": {"type": "string"}}},
    },
}
NEW = {
    **OLD,
    "newField": {"type": "string"},
    "items": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "weight": {"type": "integer"}},
        },
    },
}


def test_typed_update_keeps_unknown_fields(tmp_path: Path) -> None:
    old_crd = tmp_path / "old.yaml"
    old_crd.write_text(yaml.safe_dump(crd(OLD)))
    new_crd = tmp_path / "new.yaml"
    new_crd.write_text(yaml.safe_dump(crd(NEW)))
    config = GenerateConfig(
        crds=[old_crd], output=tmp_path / "out", package="old_things", quiet=True, base=tmp_path
    )
    write_package(config.output, config.package, generate(config).files)
    sys.path.insert(0, str(config.output))
    importlib.invalidate_caches()
    clientset = importlib.import_module("old_things.clientset")
    models = importlib.import_module("old_things.models.preserve_example_com_v1")

    with APIServer.from_inputs(crds=[new_crd]) as server:
        kube = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
        with clientset.Clientset(kube) as cs:
            dynamic = cs.dynamic.resource("preserve.example.com/v1/things").namespace("default")
            dynamic.create(
                {
                    "apiVersion": "preserve.example.com/v1",
                    "kind": "Thing",
                    "metadata": {"name": "t"},
                    "spec": {
                        "replicas": 1,
                        "newField": "keep me",
                        "items": [{"name": "a", "weight": 5}],
                    },
                }
            )
            things = cs.preserve_example_com_v1.things("default")
            thing = things.get("t")
            assert not hasattr(thing.spec, "new_field")  # the old model does not know it
            thing.spec.replicas = 2
            thing.spec.items[0].name = "a"  # same item: its unknown weight is kept
            updated = things.update(thing)
            assert updated.spec.replicas == 2
            raw = dynamic.get("t")
            assert raw["spec"]["newField"] == "keep me"
            assert raw["spec"]["items"] == [{"name": "a", "weight": 5}]
            # A field the model knows and the user cleared is cleared.
            again = things.get("t")
            again.spec.replicas = None
            things.update(again)
            assert "replicas" not in dynamic.get("t")["spec"]
            assert dynamic.get("t")["spec"]["newField"] == "keep me"
            # An object that was not read from this client carries only what the model knows.
            import kgen.runtime._codec as codec
            from kgen.runtime._meta import ObjectMeta

            fresh = models.Thing(metadata=ObjectMeta(name="t"), spec=models.ThingSpec(replicas=3))
            assert encode_preserving(fresh) == codec.encode(fresh)


def _without_nulls(value: object) -> object:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def test_realistic_pods_read_by_an_older_model_are_written_back_whole() -> None:
    """Every key of 200 realistic pods (env, probes, volumes, managedFields, conditions) survives a
    decode by a model that lacks some of their fields and an encode back: the walk that splits what
    a model knows from the rest loses nothing at any depth (only explicit nulls, which mean unset).
    """
    import json

    from benchmarks.podlist import podlist
    from example_client.models.core_v1 import Pod
    from kgen.runtime._preserve import decode_keeping_unknown, unknown_fields

    pods = json.loads(podlist(200))["items"]
    kept = 0
    for original in pods:
        original = {"apiVersion": "v1", "kind": "Pod", **original}
        pod = decode_keeping_unknown(json.dumps(original).encode(), Pod)
        kept += unknown_fields(pod) is not None
        assert json.loads(encode_preserving(pod)) == _without_nulls(original)
    # The example package's Pod is a subset of the full API's: this checks preservation, not a no-op.
    assert kept == len(pods)
