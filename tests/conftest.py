"""Shared fixtures: where the reference corpus is, and the generated default package on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"
SHARED_SPECS = (ROOT / ".." / "shared" / "specs").resolve()

# The default package (generated/example_client) is imported by many tests and examples.
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))


def shared_path(*parts: str) -> Path:
    """A path in ../shared/specs, or a skip saying clearly what is missing."""
    path = SHARED_SPECS.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference corpus not available: {path} is absent "
            "(../shared/specs next to the repository holds the Kubernetes specs and real CRDs)"
        )
    return path


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
