"""Sessions: tests, lint, typecheck, unasync, generate, verify, bench, conformance.

nox -s tests          # the whole test suite (the corpus tests skip where ../shared/specs is absent)
nox -s conformance    # the API-semantics suite against kgen.testing and a real kube-apiserver
nox -s bench          # benchmarks, side by side with orjson, lightkube and the official client
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
PYTHON = os.environ.get("KGEN_NOX_PYTHON") or None


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """pytest over tests/ (real HTTP on loopback; no external servers needed)."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/unasync.py", "--check")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    session.install("black>=24.1")
    session.run(
        "black", "--check", "--diff", "-q", "kgen", "tests", "scripts", "examples", "noxfile.py"
    )


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over kgen and the generated default package."""
    session.install("-e", ".[test]")
    session.run("mypy", "--strict", "kgen")
    session.run(
        "mypy", "--strict", "-p", "example_client", env={"MYPYPATH": str(ROOT / "generated")}
    )


@nox.session(python=PYTHON)
def unasync(session: nox.Session) -> None:
    """Regenerate kgen/runtime/_sync from kgen/runtime/_async."""
    session.run("python", "scripts/unasync.py", external=True)


@nox.session(python=PYTHON)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ (the embedded default) and specs/kube-core-subset."""
    session.install("-e", ".[generator]")
    session.run("python", "scripts/core_subset_spec.py")
    session.run("kgen", "generate")


@nox.session(python=PYTHON)
def verify(session: nox.Session) -> None:
    session.install("-e", ".[generator]")
    session.run("kgen", "verify")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks, side by side in one run with orjson, lightkube and the official kubernetes client."""
    session.install("-e", ".[test]", "orjson", "lightkube", "kubernetes")
    session.run("python", "-m", "benchmarks", *session.posargs, env={"PYTHONDONTWRITEBYTECODE": ""})


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """One suite of API-semantics tests against kgen.testing and against a real kube-apiserver 1.20
    (built once by scripts/realcluster/build.sh, cached outside the repository)."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/conformance.py", *session.posargs)
