"""Reading input files: JSON or YAML, single documents or multi-document streams, with clear errors.

Whatever the format, a document comes out as a JSON value (:func:`check_document`): string keys (a YAML
key that is a number, a boolean or null becomes the text sigs.k8s.io/yaml makes of it), no value that
JSON cannot carry (NaN, infinities, YAML's ``!!binary`` or ``!!set``...), no text with a lone surrogate
(which no UTF-8 file can hold: JSON's ``"\\ud800"`` escape), and at most :data:`MAX_DEPTH` levels deep.
Each refusal names the file and the JSON pointer.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kgen.errors import SpecError, pointer_join
import kgen.runtime._yamlsafe as yamlsafe

__all__ = [
    "MAX_DEPTH",
    "LoadedDocument",
    "check_document",
    "iter_files",
    "load_documents",
    "parse_json",
]

_SUFFIXES = (".json", ".yaml", ".yml")

# Objects and arrays nested deeper than this are refused. Real documents stay under 40 levels (a CRD's
# schema 16 levels deep is about 40 here); the generator, the OpenAPI validator and kgen.testing walk
# schemas recursively, and 200 levels keeps every one of them well inside Python's recursion limit.
MAX_DEPTH = 200


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
        yield LoadedDocument(name, parse_json(raw, name), None)
        return
    try:
        documents = [doc for doc in yamlsafe.load_all(raw) if doc is not None]
    except yaml.YAMLError as exc:
        raise SpecError(f"malformed YAML: {_yaml_message(exc)}", file=name) from exc
    except RecursionError as exc:
        raise SpecError(
            f"malformed YAML: nested more than {MAX_DEPTH} levels deep", file=name
        ) from exc
    if len(documents) == 1:
        yield LoadedDocument(name, check_document(documents[0], name), None)
        return
    for index, document in enumerate(documents):
        yield LoadedDocument(name, check_document(document, name, index), index)


def parse_json(raw: bytes, name: str) -> Any:
    """One JSON document, checked as :func:`check_document` says."""
    try:
        content = json.loads(raw, parse_constant=_no_constant)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"malformed JSON: {exc}", file=name) from exc
    except ValueError as exc:  # NaN, Infinity
        raise SpecError(f"malformed JSON: {exc}", file=name) from exc
    except RecursionError as exc:  # deeper than Python's recursion limit: find where, without it
        raise SpecError(_TOO_DEEP, file=name, pointer=_too_deep(raw)) from exc
    return check_document(content, name)


_TOO_DEEP = f"nested more than {MAX_DEPTH} levels deep (kgen's limit; real documents stay under 40)"
# The tokens of a JSON text that matter for its nesting: strings (skipped whole), brackets, separators.
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},:]')


def _too_deep(raw: bytes) -> str:
    """The JSON pointer of the first object or array of a JSON text nested :data:`MAX_DEPTH` levels
    deep, found by a scan of its tokens (the text was too deep for the parser; it is well formed up
    to there, or the parser would have said so first)."""
    kinds: list[bytes] = []  # the open containers
    path: list[str | int] = []  # in each, the current key or position
    key = b'""'
    for match in _JSON_TOKEN.finditer(raw):
        token = match.group()
        if token[:1] == b'"':
            key = token
        elif token == b":" and path:
            path[-1] = json.loads(key)
        elif token in (b"{", b"["):
            if len(kinds) >= MAX_DEPTH:
                break
            kinds.append(token)
            path.append(0 if token == b"[" else "")
        elif token in (b"}", b"]") and kinds:
            kinds.pop()
            path.pop()
        elif token == b"," and kinds and kinds[-1] == b"[":
            path[-1] = int(path[-1]) + 1
    return pointer_join("", *path)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def check_document(content: Any, name: str, index: int | None = None) -> Any:
    """``content`` as a JSON value (YAML keys made text in place), or a :class:`SpecError` at the first
    place that cannot be one."""
    # (value, its JSON pointer, depth); iterative, since depth is what is being checked.
    stack: list[tuple[Any, str, int]] = [(content, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if isinstance(value, (dict, list)) and depth >= MAX_DEPTH:
            raise SpecError(
                _TOO_DEEP,
                file=name,
                pointer=where,
                document=index,
            )
        if isinstance(value, dict):
            if not all(type(key) is str for key in value):
                _text_keys(value, name, where, index)
            for key, item in value.items():
                if _has_surrogate(key):
                    shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
                    raise _surrogate(name, pointer_join(where, shown), index, "a key")
                inner = pointer_join(where, key)
                stack.append((item, inner, depth + 1))
        elif isinstance(value, list):
            for position, item in enumerate(value):
                stack.append((item, pointer_join(where, position), depth + 1))
        elif isinstance(value, str):
            if _has_surrogate(value):
                raise _surrogate(name, where, index, "a string")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise SpecError(
                    f"{value} is not a JSON number", file=name, pointer=where, document=index
                )
        elif value is not None and not isinstance(value, (bool, int)):
            raise SpecError(
                f"a {type(value).__name__} is not a JSON value (a YAML tag such as !!binary, "
                "!!set or !!timestamp?)",
                file=name,
                pointer=where,
                document=index,
            )
    return content


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _surrogate(name: str, where: str, index: int | None, what: str) -> SpecError:
    return SpecError(
        f"{what} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair), "
        "which is not text",
        file=name,
        pointer=where,
        document=index,
    )


def _text_keys(mapping: dict[Any, Any], name: str, where: str, index: int | None) -> None:
    """YAML keys that are numbers, booleans or null, as sigs.k8s.io/yaml writes them in JSON."""
    items = list(mapping.items())
    mapping.clear()
    for key, value in items:
        if isinstance(key, bool):
            text = "true" if key else "false"
        elif key is None:
            text = "null"
        elif isinstance(key, (int, float, str)) and not (
            isinstance(key, float) and not math.isfinite(key)
        ):
            text = str(key)
        else:
            raise SpecError(
                f"a mapping key must be text, not {key!r}", file=name, pointer=where, document=index
            )
        if text in mapping:
            raise SpecError(
                f"key {text!r} is given twice (once as {key!r})",
                file=name,
                pointer=pointer_join(where, text),
                document=index,
            )
        mapping[text] = value


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
