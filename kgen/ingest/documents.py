"""Reading input files: JSON or YAML, single documents or multi-document streams, with clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kgen.errors import SpecError
import kgen.runtime._yamlsafe as yamlsafe

__all__ = ["LoadedDocument", "iter_files", "load_documents"]

_SUFFIXES = (".json", ".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    file: str
    content: Any
    # Index in a multi-document stream; None for a file holding one document.
    index: int | None


def iter_files(path: Path, *, what: str) -> list[Path]:
    """The input files under ``path`` (itself if a file), sorted so that the order never depends on the disk."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            (p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in _SUFFIXES),
            key=lambda p: p.as_posix(),
        )
        if not files:
            raise SpecError(
                f"no .json, .yaml or .yml files in this {what} directory", file=str(path)
            )
        return files
    raise SpecError(f"{what} path does not exist", file=str(path))


def load_documents(path: Path) -> Iterator[LoadedDocument]:
    """Every document of one file. JSON is read as one document; YAML may hold several."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read: {exc.strerror}", file=name) from exc
    if path.suffix.lower() == ".json":
        try:
            yield LoadedDocument(name, json.loads(raw), None)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise SpecError(f"malformed JSON: {exc}", file=name) from exc
        return
    try:
        documents = [doc for doc in yamlsafe.load_all(raw) if doc is not None]
    except yaml.YAMLError as exc:
        raise SpecError(f"malformed YAML: {_yaml_message(exc)}", file=name) from exc
    if len(documents) == 1:
        yield LoadedDocument(name, documents[0], None)
        return
    for index, document in enumerate(documents):
        yield LoadedDocument(name, document, index)


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}, {problem}" if context else str(problem)
    if mark is not None:
        text += f" (line {mark.line + 1}, column {mark.column + 1}"
        context_mark = getattr(exc, "context_mark", None)
        if context_mark is not None and context_mark.line != mark.line:
            text += (
                f"; it started at line {context_mark.line + 1}, column {context_mark.column + 1}"
            )
        text += ")"
    return text
