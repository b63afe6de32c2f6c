"""Sessions: tests, lint, unasync, generate, verify, bench, conformance, fuzz, docs.

nox -s tests          # the whole test suite (the corpus tests skip where ../shared/specs is absent)
nox -s conformance    # the API-semantics suite against kgen.testing and a real kube-apiserver
nox -s bench          # benchmarks, side by side with orjson, lightkube, the official client, kopf
nox -s fuzz           # the fuzzers of tests/fuzz, longer than CI runs them (-- 2000 for more examples)
nox -s docs           # the documentation site, warnings as errors (-- serve to preview it)
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
PYTHON = os.environ.get("KGEN_NOX_PYTHON") or None


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The README's test command: the whole suite, which includes the repository checks (black, ruff,
    mypy --strict, the unasync twins, the import contracts) as tests, exactly as .ci/run runs it."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Only the repository checks (the same tests CI runs: tests/test_repository.py and
    tests/test_architecture.py), for a quick look before a commit."""
    session.install("-e", ".[test]")
    session.run(
        "python", "-m", "pytest", "-q", "tests/test_repository.py", "tests/test_architecture.py"
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
    """Benchmarks, side by side in one run with orjson, lightkube, the official kubernetes client and
    kopf (``nox -s bench -- controllers`` runs only the controller benchmark)."""
    session.install("-e", ".[test]", "orjson", "lightkube", "kubernetes", "kopf")
    session.run("python", "-m", "benchmarks", *session.posargs, env={"PYTHONDONTWRITEBYTECODE": ""})


@nox.session(python=PYTHON)
def conformance(session: nox.Session) -> None:
    """One suite of API-semantics tests against kgen.testing and against a real kube-apiserver 1.20
    (built once by scripts/realcluster/build.sh, cached outside the repository)."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/conformance.py", *session.posargs)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """The fuzzers in tests/fuzz (each a pytest file: the generator's in test_fuzz_generator.py) with
    many more examples than CI's brief run and a new seed each time. ``nox -s fuzz -- 2000`` sets the
    number of examples per fuzzer (KGEN_FUZZ_EXAMPLES; 300 by default)."""
    session.install("-e", ".[test]")
    examples = session.posargs[0] if session.posargs else "300"
    session.run("python", "-m", "pytest", "-q", "tests/fuzz", env={"KGEN_FUZZ_EXAMPLES": examples})


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the documentation site (mkdocs.yml, docs/) with warnings as errors, into site/, as
    .ci/run does; ``nox -s docs -- serve`` previews it instead. The pages' code examples run in the
    test suite (tests/test_docs.py), not here."""
    session.install("-e", ".[docs]")
    if session.posargs[:1] == ["serve"]:
        session.run("mkdocs", "serve", *session.posargs[1:])
    else:
        session.run("mkdocs", "build", "--strict", *session.posargs)
