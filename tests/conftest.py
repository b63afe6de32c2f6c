"""Shared fixtures: where the reference corpus is, and the generated default package on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests check what code does, never how fast: hypothesis's 200 ms deadline and its
# too-slow health checks fail on a loaded 2-core CI machine with nothing wrong. Example counts stay
# as each test (or KGEN_FUZZ_EXAMPLES for tests/fuzz) sets them.
settings.register_profile(
    "kgen",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("kgen")

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "generated"

# The default package (generated/example_client) is imported by many tests and examples.
if str(GENERATED) not in sys.path:
    sys.path.insert(0, str(GENERATED))
# Helpers shared by tests in several folders (shared_specs) import by name.
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT
