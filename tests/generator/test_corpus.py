"""The whole reference corpus: Kubernetes 1.36 (Swagger 2.0), 1.35 (36 OpenAPI v3 documents) and the CRDs
of eleven projects generate, import, pass mypy --strict, and round-trip a sample of every top-level kind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from gen_util import SampleBuilder, generate_package, import_all, run_mypy

from kgen.apimodel.serialize import load_package_model

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from shared_specs import shared_path  # noqa: E402

pytestmark = pytest.mark.slow

CORPORA = {
    "k8s_swagger": lambda: {"specs": [shared_path("kubernetes", "v1.36", "swagger.json")]},
    "k8s_v3": lambda: {"specs": [shared_path("kubernetes", "v1.35", "openapi-v3")]},
    "crd_corpus": lambda: {"crds": [shared_path("crds")]},
}


@pytest.fixture(scope="module", params=sorted(CORPORA))
def corpus(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    package = request.param
    inputs = CORPORA[package]()
    tmp = tmp_path_factory.mktemp(package)
    target = generate_package(tmp, package=package, **inputs)
    return package, target


def test_generates_and_imports(corpus: tuple[str, Path]) -> None:
    package, target = corpus
    modules = import_all(package, target)
    assert len(modules) > 3
    model = load_package_model(package)
    assert sum(1 for _ in model.resources()) > 5


def test_passes_mypy_strict(corpus: tuple[str, Path]) -> None:
    package, target = corpus
    result = run_mypy(target.parent, package)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


def test_every_top_level_kind_round_trips(corpus: tuple[str, Path]) -> None:
    package, target = corpus
    scheme = __import__(f"{package}.scheme", fromlist=["decode"])
    model = load_package_model(package)
    builder = SampleBuilder(model)
    kinds = [t for t in model.types.values() if t.gvk is not None]
    assert kinds
    failures = []
    for typedef in sorted(kinds, key=lambda t: t.id):
        sample, expected = builder.kind(typedef)
        raw = json.dumps(sample).encode()
        try:
            obj = scheme.decode(raw)
            assert type(obj).__name__ == typedef.name
            again = json.loads(scheme.encode(obj))
        except Exception as exc:  # collect, then report all at once
            failures.append(f"{typedef.id}: {type(exc).__name__}: {exc}")
            continue
        if again != expected:
            failures.append(f"{typedef.id}: re-encoded document differs\n{_diff(expected, again)}")
        # The dict form decodes to the same object.
        if scheme.decode(sample) != obj:
            failures.append(f"{typedef.id}: decoding the dict differs from decoding the bytes")
    assert not failures, "\n".join(failures[:20]) + f"\n({len(failures)} of {len(kinds)} kinds)"


def _diff(expected: object, actual: object, path: str = "$") -> str:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            if expected.get(key, "<absent>") != actual.get(key, "<absent>"):
                return _diff(
                    expected.get(key, "<absent>"), actual.get(key, "<absent>"), f"{path}.{key}"
                )
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for index, (a, b) in enumerate(zip(expected, actual)):
            if a != b:
                return _diff(a, b, f"{path}[{index}]")
    return f"  at {path}: expected {expected!r:.200}, got {actual!r:.200}"
