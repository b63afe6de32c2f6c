"""Kubernetes' lists library: isSorted, sum, min, max, indexOf and lastIndexOf."""

from __future__ import annotations

from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._library import STRING_TRAVERSAL_COST_FACTOR, Library
from kgen.cel._types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    INT,
    STRING,
    TIMESTAMP,
    UINT,
    Type,
    list_of,
    param,
)
from kgen.cel._values import Duration, UInt, _NoOrder, cel_compare, cel_eq, check_int

__all__ = ["register"]


def _traversal_cost(v: Any) -> int:
    if isinstance(v, str):
        return int(len(v) * STRING_TRAVERSAL_COST_FACTOR)
    if isinstance(v, bytes):
        return int(len(v) * STRING_TRAVERSAL_COST_FACTOR)
    if isinstance(v, list):
        return sum(_traversal_cost(x) for x in v)
    if isinstance(v, dict):
        return sum(_traversal_cost(k) + _traversal_cost(x) for k, x in v.items())
    return 1


def _list_cost(args: list[Any], result: Any) -> int:
    return _traversal_cost(args[0])


def _is_sorted(lst: list[Any]) -> bool:
    for a, b in zip(lst, lst[1:]):
        try:
            if cel_compare(a, b) > 0:
                return False
        except _NoOrder:
            return False
    return True


def _sum(zero: Any) -> Any:
    def impl(lst: list[Any]) -> Any:
        if isinstance(zero, Duration):
            return Duration(check_int(sum(d.nanos for d in lst)))
        if isinstance(zero, UInt):
            total = sum(lst)
            if total > 2**64 - 1:
                raise EvalError("unsigned integer overflow")
            return UInt(total)
        if isinstance(zero, float):
            return float(sum(lst, 0.0))
        return check_int(sum(lst))

    return impl


def _extreme(name: str, sign: int) -> Any:
    def impl(lst: list[Any]) -> Any:
        if not lst:
            raise EvalError(f"{name}(list) argument must not be empty")
        best = lst[0]
        for x in lst[1:]:
            if cel_compare(x, best) * sign > 0:
                best = x
        return best

    return impl


def _index_of(lst: list[Any], x: Any) -> int:
    for i, y in enumerate(lst):
        if cel_eq(x, y):
            return i
    return -1


def _last_index_of(lst: list[Any], x: Any) -> int:
    for i in range(len(lst) - 1, -1, -1):
        if cel_eq(x, lst[i]):
            return i
    return -1


def register(lib: Library) -> None:
    comparable: list[tuple[str, Type]] = [
        ("int", INT),
        ("uint", UINT),
        ("double", DOUBLE),
        ("bool", BOOL),
        ("string", STRING),
        ("bytes", BYTES),
        ("duration", DURATION),
        ("timestamp", TIMESTAMP),
    ]
    minimum = _extreme("min", -1)
    maximum = _extreme("max", 1)
    for name, t in comparable:
        lt = list_of(t)
        lib.member(
            "isSorted", f"list_{name}_is_sorted_bool", (lt,), BOOL, _is_sorted, cost=_list_cost
        )
        lib.member("min", f"list_{name}_min_{name}", (lt,), t, minimum, cost=_list_cost)
        lib.member("max", f"list_{name}_max_{name}", (lt,), t, maximum, cost=_list_cost)
    for name, t, zero in (
        ("int", INT, 0),
        ("uint", UINT, UInt(0)),
        ("double", DOUBLE, 0.0),
        ("duration", DURATION, Duration(0)),
    ):
        lib.member("sum", f"list_{name}_sum_{name}", (list_of(t),), t, _sum(zero), cost=_list_cost)
    a = param("A")
    lib.member("indexOf", "list_a_index_of_int", (list_of(a), a), INT, _index_of, cost=_list_cost)
    lib.member(
        "lastIndexOf",
        "list_a_last_index_of_int",
        (list_of(a), a),
        INT,
        _last_index_of,
        cost=_list_cost,
    )
