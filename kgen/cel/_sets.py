"""The sets extension (cel-go ext.Sets): sets.contains, sets.equivalent and sets.intersects."""

from __future__ import annotations

from typing import Any

from kgen.cel._library import Library, actual_size
from kgen.cel._stdlib import in_list
from kgen.cel._types import BOOL, list_of, param

__all__ = ["sets_library"]

LIST_A = list_of(param("A"))


def _sets_contains(a: list[Any], b: list[Any]) -> bool:
    return all(in_list(x, a) for x in b)


def _sets_equivalent(a: list[Any], b: list[Any]) -> bool:
    return _sets_contains(a, b) and _sets_contains(b, a)


def _sets_intersects(a: list[Any], b: list[Any]) -> bool:
    return any(in_list(x, a) for x in b)


def _sets_cost(args: list[Any], result: Any) -> int:
    return max(1, actual_size(args[0]) * actual_size(args[1]))


def sets_library() -> Library:
    lib = Library()
    lib.add(
        "sets.contains",
        "list_sets_contains_list",
        (LIST_A, LIST_A),
        BOOL,
        _sets_contains,
        cost=_sets_cost,
    )
    lib.add(
        "sets.equivalent",
        "list_sets_equivalent_list",
        (LIST_A, LIST_A),
        BOOL,
        _sets_equivalent,
        cost=_sets_cost,
    )
    lib.add(
        "sets.intersects",
        "list_sets_intersects_list",
        (LIST_A, LIST_A),
        BOOL,
        _sets_intersects,
        cost=_sets_cost,
    )
    return lib
