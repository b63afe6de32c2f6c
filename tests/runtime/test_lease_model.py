"""kgen.runtime's Lease is the one Lease: what kgen would generate, and what generated packages use.

The runtime ships ``coordination.k8s.io/v1`` Lease, LeaseSpec and LeaseList (leader election reads and
writes them through the typed client), and generated packages re-export them. So the hand-written classes
must be exactly what kgen generates from the Kubernetes API: the classes are generated here without the
substitution and compared field by field (wire names, types, defaults) and resource by resource.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

import msgspec
import pytest
from shared_specs import shared_path

import kgen.emit.models
import kgen.runtime
from kgen.emit.models import ModelsEmitter
from kgen.ingest import read_inputs
from kgen.model.build import build_model
from kgen.apimodel.shared import RUNTIME_MODELS

CLASSES = ("Lease", "LeaseList", "LeaseSpec")
ROOT = Path(__file__).resolve().parents[2]


def kubernetes_1_36() -> Path:
    return shared_path("kubernetes", "v1.36", "swagger.json")


def _describe(tp: Any) -> str:
    """A type as text, classes by name (a generated LeaseSpec and the runtime's compare equal)."""
    origin = typing.get_origin(tp)
    if origin is not None:
        args = sorted(_describe(arg) for arg in typing.get_args(tp))
        name = "Union" if origin in (typing.Union, types.UnionType) else _describe(origin)
        return f"{name}[{', '.join(args)}]"
    return getattr(tp, "__qualname__", repr(tp))


def _shape(cls: type[Any]) -> dict[str, Any]:
    fields = {
        f.name: (f.encode_name, _describe(f.type), f.required, f.default)
        for f in msgspec.structs.fields(cls)
    }
    return {
        "fields": fields,
        "gvk": getattr(cls, "GVK", None),
        "resource": getattr(cls, "RESOURCE", None),
        "bases": [base.__name__ for base in cls.__mro__[1:3]],
    }


def _generated_without_substitution(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> types.ModuleType:
    model = build_model(read_inputs([spec], []), include=["coordination.k8s.io/v1"])
    monkeypatch.setattr(kgen.emit.models, "RUNTIME_MODELS", {})
    emitter = ModelsEmitter(model, "kgen_lease_check", "# generated for the test")
    source = emitter.render_module("coordination_v1", emitter.modules()["coordination_v1"])
    assert "class Lease(" in source
    module = types.ModuleType("kgen_lease_check_coordination_v1")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, module.__name__, "exec"), module.__dict__)
    return module


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param(lambda: ROOT / "specs" / "kube-core-subset", id="kube-core-subset"),
        pytest.param(kubernetes_1_36, id="kubernetes-1.36"),
    ],
)
def test_the_runtime_lease_is_what_kgen_generates(
    spec: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    generated = _generated_without_substitution(spec(), monkeypatch)
    for name in CLASSES:
        assert _shape(getattr(kgen.runtime, name)) == _shape(getattr(generated, name)), name


def test_the_runtime_models_table_names_the_runtime_classes() -> None:
    assert sorted(RUNTIME_MODELS.values()) == sorted(CLASSES)
    for type_id, name in RUNTIME_MODELS.items():
        cls = getattr(kgen.runtime, name)
        assert cls.__module__ == "kgen.runtime._coordination"
        assert type_id == f"io.k8s.api.coordination.v1.{name}"


def test_a_generated_package_uses_the_runtime_classes() -> None:
    from example_client import scheme
    from example_client.listers.coordination_v1 import LeaseLister
    from example_client.models import coordination_v1

    for name in CLASSES:
        assert getattr(coordination_v1, name) is getattr(kgen.runtime, name)
    assert sorted(coordination_v1.__all__) == sorted(CLASSES)
    assert scheme.type_for("coordination.k8s.io/v1", "Lease") is kgen.runtime.Lease
    raw = b'{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","spec":{"holderIdentity":"a"}}'
    lease = scheme.decode(raw)
    assert isinstance(lease, kgen.runtime.Lease) and lease.spec is not None
    assert lease.spec.holder_identity == "a"
    assert LeaseLister.__orig_bases__[0].__args__ == (kgen.runtime.Lease,)  # type: ignore[attr-defined]
