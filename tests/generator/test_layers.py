"""The API model is a format: kgen.apimodel imports nothing else of kgen, and kgen.testing and kgen.emit
read it instead of the generator's internals (ARCHITECTURE.md, "Layers and what each may import").
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KGEN = Path(__file__).resolve().parents[2] / "kgen"

# The one seam of kgen.testing to kgen.ingest and kgen.model (spec and CRD files a user names, CRDs
# created at run time), and the pytest plugin, an entry point that reads the CRD files it is given.
TESTING_SEAMS = {"inputs.py", "pytest_plugin.py"}
GENERATOR_FRONT_END = ("kgen.ingest", "kgen.model", "kgen.errors")


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _modules(package: str) -> list[Path]:
    return sorted((KGEN / package).rglob("*.py"))


@pytest.mark.parametrize("path", _modules("apimodel"), ids=lambda p: p.name)
def test_the_api_model_imports_nothing_else_of_kgen(path: Path) -> None:
    outside = {
        name
        for name in _imports(path)
        if _within(name, "kgen") and not _within(name, "kgen.apimodel")
    }
    assert not outside, f"{path.name} imports {sorted(outside)}"


@pytest.mark.parametrize("path", _modules("testing"), ids=lambda p: str(p.relative_to(KGEN)))
def test_kgen_testing_reads_the_generator_front_end_through_one_seam(path: Path) -> None:
    if path.name in TESTING_SEAMS and path.parent.name == "testing":
        return
    front_end = {
        name
        for name in _imports(path)
        if any(_within(name, package) for package in GENERATOR_FRONT_END)
    }
    assert not front_end, f"{path.name} imports {sorted(front_end)}: use kgen.testing.inputs"


@pytest.mark.parametrize("path", _modules("emit"), ids=lambda p: p.name)
def test_emitters_read_only_the_api_model(path: Path) -> None:
    builder = {
        name
        for name in _imports(path)
        if _within(name, "kgen.model") or _within(name, "kgen.ingest")
    }
    assert not builder, f"{path.name} imports {sorted(builder)}"


def test_the_seams_are_there() -> None:
    # The allowances above name real files (a rename must update them).
    assert {p.name for p in _modules("testing")} >= TESTING_SEAMS
    assert any(_within(name, "kgen.model") for name in _imports(KGEN / "testing" / "inputs.py"))
