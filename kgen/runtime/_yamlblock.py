"""The plain block YAML that kubeconfig files are written in, read without importing PyYAML.

Importing PyYAML costs a process more than the rest of loading a kubeconfig (its reader and resolver
compile their regular expressions at import), and kubectl, kind, cloud CLIs and kgen.testing write
kubeconfig files in a small part of YAML: block mappings and sequences of one-line scalars. :func:`load`
reads that part and nothing else, with the result :mod:`kgen.runtime._yamlsafe` gives; anything outside it
(flow collections but ``{}`` and ``[]``, multi-line or escaped scalars, comments after a value, anchors,
tags, directives, tabs, non-ASCII text, numbers but plain decimals, ...) raises :class:`Unsupported`, and the
caller hands the document to PyYAML. Nothing is read differently, and no document is refused here: every
error (and every safety limit) stays PyYAML's.
"""

from __future__ import annotations

import functools
import re
from typing import Any

__all__ = ["Unsupported", "load", "number_patterns"]


@functools.cache
def number_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """YAML 1.1's integers and floats without the sexagesimal (base 60) forms, as Go's YAML reads them.

    Compiled on first use: most kubeconfig files have no scalar that could be a number.
    """
    integer = re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    )
    floating = re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    )
    return integer, floating


# YAML 1.1's booleans and nulls (PyYAML's resolvers for plain scalars).
_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./-")
# Printable ASCII and newlines: no tabs, carriage returns, byte order marks or other encodings.
_TEXT = bytes(range(0x20, 0x7F)) + b"\n"
_NUMBER_STARTS = frozenset("+-.0123456789")
# Characters a plain scalar may not start with (YAML's indicators; "-" only when followed by a space).
_INDICATORS = frozenset("?:,[]{}#&*!|>'\"%@`<=~")
_MAX_DEPTH = 64


class Unsupported(Exception):
    """The document is outside the subset: read it with PyYAML."""


def load(data: bytes) -> Any:
    """The one document of ``data``, as :func:`kgen.runtime._yamlsafe.load` reads it, or
    :class:`Unsupported`."""
    if data.translate(None, _TEXT):
        raise Unsupported
    lines: list[tuple[int, str]] = []
    for raw in data.decode("ascii").split("\n"):
        text = raw.rstrip(" ")
        content = text.lstrip(" ")
        if not content or content.startswith("#"):
            continue  # blank lines and comment lines
        indent = len(text) - len(content)
        if indent == 0 and content.startswith(("---", "...", "%")):
            raise Unsupported  # document markers and directives
        lines.append((indent, content))
    if not lines:
        raise Unsupported
    value, end = _block(lines, 0, lines[0][0], 0)
    if end != len(lines):
        raise Unsupported
    return value


def _block(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    if depth > _MAX_DEPTH:
        raise Unsupported
    if _is_item(lines[i][1]):
        return _sequence(lines, i, indent, depth)
    return _mapping(lines, i, indent, depth)


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _mapping(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    result: dict[str, Any] = {}
    while i < len(lines):
        at, content = lines[i]
        if at < indent:
            break
        if at > indent or _is_item(content):
            raise Unsupported
        key, rest = _split_key(content)
        i += 1
        if rest:
            result[key] = _scalar(rest)
            continue
        if i < len(lines) and (
            lines[i][0] > indent or (lines[i][0] == indent and _is_item(lines[i][1]))
        ):
            result[key], i = _block(lines, i, lines[i][0], depth + 1)
        else:
            result[key] = None
    return result, i


def _sequence(lines: list[tuple[int, str]], i: int, indent: int, depth: int) -> tuple[Any, int]:
    items: list[Any] = []
    while i < len(lines):
        at, content = lines[i]
        if at < indent or (at == indent and not _is_item(content)):
            break
        if at > indent:
            raise Unsupported
        after = content[1:].lstrip(" ")
        if not after:  # "-" alone: the item is the block below, or null
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                item, i = _block(lines, i, lines[i][0], depth + 1)
            else:
                item = None
        elif _is_item(after):
            raise Unsupported  # a sequence in a sequence's entry
        elif _is_entry(after):
            # "- key: value": a mapping whose keys stand where this one does.
            lines[i] = (len(content) - len(after) + indent, after)
            item, i = _mapping(lines, i, lines[i][0], depth + 1)
        else:
            item = _scalar(after)
            i += 1
            if i < len(lines) and lines[i][0] > indent:
                raise Unsupported  # a scalar continued on the next line
        items.append(item)
    return items, i


def _is_entry(content: str) -> bool:
    return content.endswith(":") or ": " in content


def _split_key(content: str) -> tuple[str, str]:
    if ": " in content:
        key, _, rest = content.partition(": ")
        rest = rest.lstrip(" ")
    elif content.endswith(":"):
        key, rest = content[:-1], ""
    else:
        raise Unsupported  # a scalar where a key belongs
    if not key[:1].isalpha() or not _KEY_CHARS.issuperset(key) or key in _BOOLEANS or key in _NULLS:
        raise Unsupported
    return key, rest


def _scalar(text: str) -> Any:
    if text in ("{}", "[]"):
        return {} if text == "{}" else []
    first = text[0]
    if first in "\"'":
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != first or first in inner or "\\" in inner:
            raise Unsupported
        return inner
    if (
        first in _INDICATORS
        or text == "-"
        or text.startswith("- ")
        or ": " in text
        or " #" in text
        or text.endswith(":")
    ):
        raise Unsupported
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if text in _NULLS:
        return None
    if first in _NUMBER_STARTS:
        if text.isdigit() and (first != "0" or text == "0"):
            return int(text)
        integer, floating = number_patterns()
        if integer.match(text) or floating.match(text):
            raise Unsupported
    return text
