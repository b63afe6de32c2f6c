"""Kubernetes' regex library: find and findAll (RE2 patterns)."""

from __future__ import annotations

from kgen.cel._library import Library, regex_cost
from kgen.cel._regex import compile_re2
from kgen.cel._types import INT, STRING, list_of

__all__ = ["register"]


def _find(s: str, pattern: str) -> str:
    m = compile_re2(pattern).search(s)
    return m.group(0) if m else ""


def _find_all(s: str, pattern: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    out = [m.group(0) for m in compile_re2(pattern).finditer(s)]
    return out if limit < 0 else out[:limit]


def register(lib: Library) -> None:
    lib.member("find", "string_find_string", (STRING, STRING), STRING, _find, cost=regex_cost)
    lib.member(
        "findAll",
        "string_find_all_string",
        (STRING, STRING),
        list_of(STRING),
        _find_all,
        cost=regex_cost,
    )
    lib.member(
        "findAll",
        "string_find_all_string_int",
        (STRING, STRING, INT),
        list_of(STRING),
        _find_all,
        cost=regex_cost,
    )
