"""Where the reference corpus is (../shared/specs next to the repository, or $KGEN_SHARED_SPECS), for
the tests that read it; they skip with a message saying what is missing when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_SPECS = Path(
    os.environ.get("KGEN_SHARED_SPECS") or (ROOT / ".." / "shared" / "specs")
).resolve()


def shared_path(*parts: str) -> Path:
    """A path in the reference corpus, or a skip saying clearly what is missing."""
    path = SHARED_SPECS.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference corpus not available: {path} is absent (../shared/specs next to the "
            "repository, or $KGEN_SHARED_SPECS, holds the Kubernetes specs, real CRDs and cel-spec)"
        )
    return path
