"""tests/cel: the CEL engine. Its helper modules (textproto, conformance) import by name."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

ROOT = HERE.parent.parent


def specs_path(*parts: str) -> Path:
    """A path in ../shared/specs (or $KGEN_SHARED_SPECS), or a skip saying what is missing."""
    base = Path(os.environ.get("KGEN_SHARED_SPECS") or (ROOT / ".." / "shared" / "specs")).resolve()
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"reference corpus not available: {path} is absent "
            "(../shared/specs next to the repository holds cel-spec's conformance suite and real CRDs)"
        )
    return path
