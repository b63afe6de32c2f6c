"""Where the reference corpus is (``shared/specs`` next to the repository or next to one of its parent
directories, as for a git worktree, or $KGEN_SHARED_SPECS), for the tests that read it; they skip with
a message saying what is missing when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _find() -> Path:
    explicit = os.environ.get("KGEN_SHARED_SPECS")
    if explicit:
        return Path(explicit).resolve()
    for parent in ROOT.parents:
        candidate = parent / "shared" / "specs"
        if candidate.is_dir():
            return candidate.resolve()
    return (ROOT / ".." / "shared" / "specs").resolve()


SHARED_SPECS = _find()


def shared_path(*parts: str) -> Path:
    """A path in the reference corpus, or a skip saying clearly what is missing."""
    path = SHARED_SPECS.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference corpus not available: {path} is absent (../shared/specs next to the "
            "repository, or $KGEN_SHARED_SPECS, holds the Kubernetes specs, real CRDs and cel-spec)"
        )
    return path
