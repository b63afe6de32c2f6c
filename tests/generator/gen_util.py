"""Helpers for generator tests: run kgen on inline inputs, import what it wrote, build sample objects."""

from __future__ import annotations

import base64
import importlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from kgen.config import GenerateConfig
from kgen.generator import generate, write_package
from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
    UnionType,
)

ROOT = Path(__file__).resolve().parents[2]


def crd(
    kind: str,
    schema: dict[str, Any],
    *,
    group: str = "test.kgen.io",
    plural: str | None = None,
    versions: list[str] | None = None,
    scope: str = "Namespaced",
    subresources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    plural = plural or kind.lower() + "s"
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {"kind": kind, "plural": plural},
            "versions": [
                {
                    "name": version,
                    "served": True,
                    "storage": index == 0,
                    "schema": {"openAPIV3Schema": schema},
                    **({"subresources": subresources} if subresources else {}),
                }
                for index, version in enumerate(versions or ["v1"])
            ],
        },
    }


def write_yaml(path: Path, *documents: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path


def generate_package(
    tmp: Path,
    *,
    package: str,
    specs: list[Path] | None = None,
    crds: list[Path] | None = None,
    include: list[str] | None = None,
    exclude: list[str] | None = None,
) -> Path:
    """Generate into tmp/out/<package>, put tmp/out on sys.path, and return the package dir."""
    config = GenerateConfig(
        specs=specs or [],
        crds=crds or [],
        include=include or [],
        exclude=exclude or [],
        output=tmp / "out",
        package=package,
        quiet=True,
        base=tmp,
    )
    result = generate(config)
    target = write_package(config.output, package, result.files)
    if str(config.output) not in sys.path:
        sys.path.insert(0, str(config.output))
    importlib.invalidate_caches()
    return target


def import_all(package: str, target: Path) -> list[Any]:
    modules = [importlib.import_module(package)]
    for path in sorted(target.rglob("*.py")):
        relative = path.relative_to(target.parent).with_suffix("")
        name = ".".join(relative.parts)
        if name.endswith("__init__"):
            name = name[: -len(".__init__")]
        modules.append(importlib.import_module(name))
    return modules


def run_mypy(directory: Path, package: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "-p", package],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )


# --- sample objects built from a schema ----------------------------------------------------------------


class SampleBuilder:
    """A sample document for a kind, built from the API model, and what it must re-encode to.

    It fills every field (to a depth), uses both forms of int-or-string and quantity, fractional
    timestamps, bytes that are not UTF-8, nested lists and maps, free-form JSON with nulls inside, and
    explicit nulls on optional typed fields. The API server treats such a null as an absent field (typed
    Kubernetes objects do not keep it), and so do kgen's models: the expected document omits it.
    """

    def __init__(self, model: APIModel, max_depth: int = 6) -> None:
        self.model = model
        self.max_depth = max_depth
        self._counter = 0

    def _tick(self) -> int:
        self._counter += 1
        return self._counter

    def kind(self, typedef: TypeDef) -> tuple[dict[str, Any], dict[str, Any]]:
        sample, expected = self._object(typedef, 0)
        return sample, expected

    def _object(self, typedef: TypeDef, depth: int) -> tuple[dict[str, Any], dict[str, Any]]:
        sample: dict[str, Any] = {}
        expected: dict[str, Any] = {}
        for item in typedef.fields:
            if typedef.gvk is not None and item.json_name == "apiVersion":
                sample["apiVersion"] = expected["apiVersion"] = typedef.api_version
                continue
            if typedef.gvk is not None and item.json_name == "kind":
                sample["kind"] = expected["kind"] = typedef.gvk[2]
                continue
            if not item.required and depth >= self.max_depth:
                continue
            if not item.required and self._tick() % 7 == 0:
                sample[item.json_name] = None  # the server may send null for an optional field
                continue
            value = self._value(item.type, depth + 1)
            if value is None:
                if item.required:
                    continue
                continue
            sample[item.json_name], expected[item.json_name] = value
        return sample, expected

    def _value(self, ref: TypeRef, depth: int) -> tuple[Any, Any] | None:
        n = self._tick()
        if isinstance(ref, Primitive):
            if ref.name == "string":
                text = f"s{n}\"'\\é"
                return text, text
            if ref.name == "integer":
                return n, n
            if ref.name == "number":
                return n + 0.5, n + 0.5
            return bool(n % 2), bool(n % 2)
        if isinstance(ref, EnumType):
            value = ref.values[n % len(ref.values)]
            return value, value
        if isinstance(ref, Special):
            return _special(ref.name, n)
        if isinstance(ref, Shared):
            return _shared(ref.name, n)
        if isinstance(ref, Ref):
            if depth > self.max_depth + 4:
                return None
            target = self.model.types[ref.type_id]
            return self._object(target, depth)
        if isinstance(ref, Array):
            pairs = [self._value(ref.items, depth) for _ in range(2)]
            kept = [p for p in pairs if p is not None]
            return [p[0] for p in kept], [p[1] for p in kept]
        if isinstance(ref, Map):
            pairs = {f"k{i}": self._value(ref.values, depth) for i in range(2)}
            kept = {k: p for k, p in pairs.items() if p is not None}
            return {k: p[0] for k, p in kept.items()}, {k: p[1] for k, p in kept.items()}
        if isinstance(ref, UnionType):
            for option in ref.options:
                value = self._value(option, depth)
                if value is not None:
                    return value
            return None
        raise TypeError(ref)


def _special(name: str, n: int) -> tuple[Any, Any]:
    if name == "int-or-string":
        value: Any = n if n % 2 else f"port-{n}"
        return value, value
    if name == "quantity":
        value = 1 if n % 2 else "500m"
        return value, value
    if name == "time":
        value = (
            f"2024-05-06T07:08:{n % 60:02d}.123456Z" if n % 2 else f"2024-05-06T07:08:{n % 60:02d}Z"
        )
        return value, value
    if name == "micro-time":
        value = f"2024-05-06T07:08:{n % 60:02d}.000000Z"
        return value, value
    if name == "bytes":
        value = base64.b64encode(b"\x00\xff\xfe not utf-8 " + str(n).encode()).decode()
        return value, value
    if name == "json":
        value = {"a": [1, None, {"b": "c"}], "n": None, "x": n}
        return value, value
    value = {"key": {"nested": [1, 2.5, "three", None]}, "empty": {}, "null": None}
    return value, value


def _shared(name: str, n: int) -> tuple[Any, Any]:
    samples: dict[str, Any] = {
        "ObjectMeta": {
            "name": f"obj-{n}",
            "namespace": "default",
            "uid": "7f3c1c1e-1111-2222-3333-444455556666",
            "resourceVersion": str(n),
            "generation": 3,
            "creationTimestamp": "2024-05-06T07:08:09Z",
            "labels": {"app": "web", "tier": "front"},
            "annotations": {"note": 'a "quoted" \\ value'},
            "finalizers": ["example.com/cleanup"],
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "rs",
                    "uid": "0000-1111",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Apply",
                    "apiVersion": "v1",
                    "time": "2024-05-06T07:08:09Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}},
                }
            ],
        },
        "ListMeta": {"resourceVersion": str(n), "continue": "token", "remainingItemCount": 4},
        "Condition": {
            "type": "Ready",
            "status": "True",
            "reason": "Done",
            "message": "all good",
            "lastTransitionTime": "2024-05-06T07:08:09Z",
            "observedGeneration": 2,
        },
        "LabelSelector": {
            "matchLabels": {"app": "web"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": ["a", "b"]}],
        },
        "LabelSelectorRequirement": {"key": "tier", "operator": "Exists"},
        "OwnerReference": {"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u"},
    }
    value = samples.get(name)
    if value is None:
        value = _from_shape(name, n)
    return json.loads(json.dumps(value)), json.loads(json.dumps(value))


def _from_shape(name: str, n: int) -> dict[str, Any]:
    """A sample of any other shared type, from its shape (kgen.apimodel.shared)."""
    from kgen.apimodel.shared import SHARED_TYPES

    out: dict[str, Any] = {}
    for key, shape in SHARED_TYPES[name].properties.items():
        if key in ("apiVersion", "kind"):
            continue
        if shape == "string":
            out[key] = f"{key}-{n}"
        elif shape == "integer":
            out[key] = n
        elif shape == "boolean":
            out[key] = True
        elif shape == "time":
            out[key] = "2024-05-06T07:08:09Z"
        elif shape == "array:string":
            out[key] = ["a", "b"]
        elif shape == "map:string":
            out[key] = {"k": "v"}
        elif shape.startswith("array:"):
            out[key] = [_from_shape(shape[len("array:") :], n)]
        elif shape in SHARED_TYPES:
            out[key] = _from_shape(shape, n)
    return out
