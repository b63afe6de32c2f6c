"""ARCHITECTURE.md, enforced: what may import what (import-linter's contracts in pyproject.toml), and
modules of a size one can hold in mind.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
# A module longer than this says at its top why it is one piece (issue 9: "no module over about 600
# lines without a sentence at its top saying why it is one piece").
MAX_LINES = 600


def _lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache", *args], cwd=cwd, capture_output=True, text=True
    )


def test_the_import_contracts_hold() -> None:
    result = _lint_imports()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_an_arrow_that_runs_the_wrong_way_is_caught(tmp_path: Path) -> None:
    """The contracts are checked against the real import graph: a contract that the code breaks
    (the typed clients import the errors module) is reported as broken."""
    config = tmp_path / "contracts.toml"
    config.write_text(
        "[tool.importlinter]\n"
        'root_package = "kgen"\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "a deliberately wrong rule"\n'
        'type = "forbidden"\n'
        'source_modules = ["kgen.runtime._async.resource"]\n'
        'forbidden_modules = ["kgen.runtime._errors"]\n'
    )
    result = _lint_imports(str(config))
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "kgen.runtime._async.resource" in result.stdout


def test_long_modules_say_why_they_are_one_piece() -> None:
    long_and_silent = []
    for path in sorted((ROOT / "kgen").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if "one piece" not in doc.lower():
            long_and_silent.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not long_and_silent, (
        "split these modules on their seams, or say at the top (in words containing 'one piece') "
        "why each is one piece: " + ", ".join(long_and_silent)
    )
