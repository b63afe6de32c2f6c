"""Where the jinja2 templates are: inside the installed package, or at the top of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["templates_dir"]


@cache
def templates_dir() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "templates"  # wheel: kgen/templates
    if (packaged / "models").is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "templates"  # repository: ./templates
    if (checkout / "models").is_dir():
        return checkout
    raise RuntimeError(f"kgen's templates are missing (looked in {packaged} and {checkout})")
