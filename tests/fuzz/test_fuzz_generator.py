"""The generator's fuzzer (issue 10, "keep it so"): whatever the input, ``kgen generate`` either writes a
package that imports and round-trips a sample of every kind, or exits 2 with one line and writes nothing.

Two sources of inputs: CRDs whose schemas hypothesis builds (types, nesting, names, defaults, enums, bounds,
Kubernetes extensions, lone surrogates, YAML or JSON), and a real CRD of the reference corpus with its
bytes cut, doubled and overwritten. It runs briefly in CI (a few examples, derandomized); ``nox -s fuzz``
runs it longer with ``KGEN_FUZZ_EXAMPLES`` (e.g. 500) and a random seed.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kgen.apimodel.serialize import load_package_model
from kgen.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "generator"))
from gen_util import SampleBuilder  # noqa: E402

EXAMPLES = int(os.environ.get("KGEN_FUZZ_EXAMPLES") or 0)
LONG = EXAMPLES > 0
FUZZ = settings(
    max_examples=EXAMPLES or 8,
    deadline=None,
    derandomize=not LONG,  # CI: the same few inputs every run; nox -s fuzz: new ones each time
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_packages = itertools.count()


# --- the property -----------------------------------------------------------------------------------


def check_generate(name: str, text: bytes) -> str:
    """Run ``kgen generate`` on one CRD file; assert the property; return "ok" or the error line."""
    work = Path(tempfile.mkdtemp(prefix="kgen-fuzz-"))
    try:
        crd_file = work / name
        crd_file.write_bytes(text)
        package = f"fuzzpkg_{os.getpid()}_{next(_packages)}"
        out = work / "out"
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            code = main(
                [
                    "generate",
                    "-q",
                    "--crd",
                    str(crd_file),
                    "--output",
                    str(out),
                    "--package",
                    package,
                ]
            )
        if code == 2:
            lines = stderr.getvalue().splitlines()
            assert len(lines) == 1 and lines[0].startswith("kgen: error: "), stderr.getvalue()
            assert name in lines[0], lines[0]  # it names the file
            assert not (out / package).exists(), "nothing may be written on bad input"
            return lines[0]
        assert code == 0, f"exit {code}: {stderr.getvalue()}"
        assert stderr.getvalue() == ""
        round_trip(package, out)
        return "ok"
    finally:
        for module in [m for m in sys.modules if m.startswith("fuzzpkg_")]:
            del sys.modules[module]
        shutil.rmtree(work, ignore_errors=True)


def round_trip(package: str, out: Path) -> None:
    sys.path.insert(0, str(out))
    try:
        importlib.invalidate_caches()
        target = out / package
        for path in sorted(target.rglob("*.py")):
            parts = path.relative_to(out).with_suffix("").parts
            importlib.import_module(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
        scheme = importlib.import_module(f"{package}.scheme")
        model = load_package_model(package)
        builder = SampleBuilder(model, max_depth=4)
        for typedef in (t for t in model.types.values() if t.gvk is not None):
            sample, expected = builder.kind(typedef)
            decoded = scheme.decode(json.dumps(sample).encode())
            assert type(decoded).__name__ == typedef.name
            assert json.loads(scheme.encode(decoded)) == expected, typedef.id
    finally:
        sys.path.remove(str(out))


# --- inputs: CRDs with generated schemas -------------------------------------------------------------

_NAMES = st.one_of(
    st.sampled_from(
        ["spec", "status", "name", "class", "from", "x-y", "a.b", "type", "items", "$ref"]
    ),
    st.text(min_size=1, max_size=12),
    st.from_regex(r"[a-z][a-zA-Z0-9]{0,10}", fullmatch=True),
)
_SURROGATE = st.sampled_from(["\ud800", "a\udfffb", "\udbff"])
_TEXT = st.one_of(st.text(max_size=20), st.text(max_size=20), st.text(max_size=20), _SURROGATE)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=6,
)


def _schema(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    scalar = st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "boolean"])},
        optional={
            "format": st.sampled_from(["int32", "int64", "double", "byte", "date-time", "weird"]),
            "enum": st.lists(_JSON, max_size=3),
            "default": _JSON,
            "minimum": st.integers(-5, 5) | st.floats(allow_nan=False, allow_infinity=False),
            "maxLength": st.integers(-1, 5),
            "nullable": st.booleans(),
            "description": _TEXT,
            "pattern": st.sampled_from(["^[a-z]+$", "(", "a{2,"]),
        },
    )
    special = st.sampled_from(
        [
            {"x-kubernetes-int-or-string": True},
            {"x-kubernetes-preserve-unknown-fields": True},
            {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            {"type": "object", "x-kubernetes-embedded-resource": True, "properties": {}},
            {"type": "string", "format": "date-time"},
            {},
        ]
    )
    obj = st.fixed_dictionaries(
        {"type": st.just("object")},
        optional={
            "properties": st.dictionaries(_NAMES, children, max_size=4),
            "additionalProperties": children | st.booleans(),
            "required": st.lists(_NAMES, max_size=2),
            "default": _JSON,
            "x-kubernetes-validations": st.just([{"rule": "self.size() >= 0"}]),
        },
    )
    array = st.fixed_dictionaries(
        {"type": st.just("array"), "items": children},
        optional={"x-kubernetes-list-type": st.sampled_from(["atomic", "set", "map", "bad"])},
    )
    return st.one_of(scalar, special, obj, array)


SCHEMAS = st.recursive(_schema(st.just({"type": "string"})), _schema, max_leaves=12)
# Mostly names the apiserver accepts, so that most inputs get as far as the models; some it refuses.
KINDS = st.one_of(
    st.sampled_from(["Widget", "Status", "List", "Pod", "Object", "Gizmo-X", "class"]),
    st.from_regex(r"[A-Z][a-z0-9]{0,14}", fullmatch=True),
    st.from_regex(r"[A-Z][A-Za-z0-9]{0,14}", fullmatch=True),
    st.text(min_size=1, max_size=8),
).filter(lambda kind: kind.lower() != "lists")


def _mostly(good: Any, *bad: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from([good] * 5 + list(bad))


@st.composite
def crds(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(KINDS)
    plural = kind.lower() + "s"
    group = draw(_mostly("fuzz.kgen.io", "fuzz", "Fuzz.IO", "x.y"))
    spec = draw(SCHEMAS)
    root: dict[str, Any] = {"type": "object", "properties": {"spec": spec}}
    if draw(st.booleans()):
        root["properties"]["metadata"] = {"type": "object"}
        root["required"] = draw(st.lists(st.sampled_from(["metadata", "spec", "nope"]), max_size=2))
    versions = [
        {"name": name, "served": draw(st.booleans()) or index == 0, "storage": index == 0,
         "schema": {"openAPIV3Schema": root}}
        for index, name in enumerate(draw(st.lists(_mostly("v1", "v1beta1", "V2", "v2"), min_size=1, max_size=2, unique=True)))
    ]  # fmt: skip
    document = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": draw(_mostly("Namespaced", "Cluster", "Galaxy")),
            "names": {"kind": kind, "plural": plural},
            "versions": versions,
        },
    }
    try:
        if draw(st.booleans()):
            return "crd.yaml", yaml.safe_dump(document, allow_unicode=True).encode("utf-8")
    except (UnicodeEncodeError, yaml.YAMLError):
        pass  # a lone surrogate: YAML cannot even write it; JSON's \ud800 escape can
    return "crd.json", json.dumps(document).encode()


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(crds())
def test_generated_crds(case: tuple[str, bytes]) -> None:
    check_generate(*case)


# --- inputs: a real CRD, its bytes mutated --------------------------------------------------------------


def _real_crd() -> bytes:
    from shared_specs import shared_path

    return shared_path("crds", "cert-manager", "acme.cert-manager.io_orders.yaml").read_bytes()


@st.composite
def mutations(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        size = draw(st.integers(0, 64))
        how = draw(st.sampled_from(["cut", "double", "write", "anchor"]))
        if how == "cut":
            del data[at : at + size]
        elif how == "double":
            data[at:at] = data[at : at + size]
        elif how == "write":
            data[at : at + size] = draw(st.binary(max_size=size + 1))
        else:
            data[at:at] = draw(
                st.sampled_from([b" &a ", b" *a ", b"<<: *a\n", b"!!binary ", b"\t"])
            )
    return bytes(data)


@pytest.mark.filterwarnings("ignore")
@FUZZ
@given(st.data())
def test_mutated_real_crd(data: st.DataObject) -> None:
    original = _real_crd()
    check_generate("orders.yaml", data.draw(mutations(original)))


def test_the_unmutated_crd_generates() -> None:
    """The fuzzer's base input is good, so what the mutations break is theirs."""
    assert check_generate("orders.yaml", _real_crd()) == "ok"
