"""Repository-wide checks that CI must enforce: the sync twins are generated from the async sources,
everything is formatted with black, and kgen and the default package are clean under mypy --strict.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def test_sync_twins_are_generated_from_the_async_sources() -> None:
    result = run("scripts/unasync.py", "--check")
    assert result.returncode == 0, result.stdout[-4000:]


def test_black() -> None:
    result = run(
        "-m",
        "black",
        "--check",
        "-q",
        "kgen",
        "tests",
        "scripts",
        "examples",
        "benchmarks",
        "noxfile.py",
    )
    assert result.returncode == 0, result.stderr[-4000:]


def test_mypy_strict() -> None:
    result = run("-m", "mypy", "--strict", "kgen")
    assert result.returncode == 0, result.stdout[-4000:]
    # One mypy run per target: mixing -p with file paths is rejected by mypy.
    generated = {"MYPYPATH": str(ROOT / "generated")}
    result = run("-m", "mypy", "--strict", "-p", "example_client", env=generated)
    assert result.returncode == 0, result.stdout[-4000:]
    result = run("-m", "mypy", "--strict", "examples/widget_controller.py", env=generated)
    assert result.returncode == 0, result.stdout[-4000:]


def test_ruff() -> None:
    """Pyflakes over everything, generated code included: generated modules import only what they
    use, and nothing in the tree imports or defines a name it does not use."""
    result = run(
        "-m", "ruff", "check", "kgen", "tests", "scripts", "examples", "benchmarks", "generated"
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_generated_code_examples_and_readme_import_only_the_front_door() -> None:
    """`kgen.runtime` is the one public module: nothing a user reads or copies (the README and the
    documentation site's pages included) names a private one."""
    import re

    private = re.compile(r"\bkgen\.runtime\.(_\w+|\w+\.)")
    offenders = []
    places = [*(ROOT / "generated").rglob("*.py"), *(ROOT / "examples").rglob("*.py")]
    for path in [*places, ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if private.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
