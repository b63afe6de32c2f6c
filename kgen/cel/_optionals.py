"""Optional values (cel-go's OptionalTypes, enabled for Kubernetes since 1.28): optional.of,
optional.none, value, hasValue, or, orValue, and the optional field and index selections
(``obj.?field``, ``list[?i]``), which the interpreter also calls."""

from __future__ import annotations

from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._library import Library
from kgen.cel._types import BOOL, DYN, INT, STRING, list_of, map_of, optional_of, param
from kgen.cel._values import OPTIONAL_NONE, Duration, Optional, Timestamp, UInt, map_lookup

__all__ = ["index_optional", "optional_library", "select_optional"]

A = param("A")
B = param("B")
LIST_A = list_of(A)
MAP_AB = map_of(A, B)
OPT_A = optional_of(A)


def _opt_value(o: Optional) -> Any:
    if not o.has:
        raise EvalError("optional.none() dereference")
    return o.value


def _opt_or(a: Optional, b: Optional) -> Optional:
    return a if a.has else b


def _opt_or_value(a: Optional, v: Any) -> Any:
    return a.value if a.has else v


def _is_zero(v: Any) -> bool:
    if v is None or v is False:
        return True
    t = type(v)
    if t in (int, UInt, float) and v == 0:
        return True
    if t in (str, bytes, list, dict) or isinstance(v, (list, dict)):
        return len(v) == 0
    if t is Duration:
        return v.nanos == 0  # type: ignore[no-any-return]
    if t is Timestamp:
        return v.seconds == 0 and v.nanos == 0  # type: ignore[no-any-return]
    return False


def _of_non_zero(v: Any) -> Optional:
    return OPTIONAL_NONE if _is_zero(v) else Optional(v)


def select_optional(obj: Any, field: str) -> Optional:
    """``obj.?field``: a map's (or an object's) field, as ``obj[?field]`` (a list has no field)."""
    return index_optional(obj, field)


def index_optional(obj: Any, key: Any) -> Optional:
    """``obj[?key]``."""
    if isinstance(obj, Optional):
        if not obj.has:
            return OPTIONAL_NONE
        obj = obj.value
    if isinstance(obj, dict):
        found, v = map_lookup(obj, key)
        return Optional(v) if found else OPTIONAL_NONE
    if isinstance(obj, list):
        tk = type(key)
        if tk is float and key.is_integer():
            key = int(key)
        elif tk is not int and tk is not UInt:
            raise EvalError("no such overload")
        if 0 <= key < len(obj):
            return Optional(obj[int(key)])
        return OPTIONAL_NONE
    raise EvalError("no such overload")


def optional_library() -> Library:
    lib = Library()
    add = lib.add
    mem = lib.member
    add("optional.of", "optional_of", (A,), OPT_A, Optional)
    add("optional.ofNonZeroValue", "optional_ofNonZeroValue", (A,), OPT_A, _of_non_zero)
    add("optional.none", "optional_none", (), OPT_A, lambda: OPTIONAL_NONE)
    mem("value", "optional_value", (OPT_A,), A, _opt_value)
    mem("hasValue", "optional_hasValue", (OPT_A,), BOOL, lambda o: o.has)
    mem("or", "optional_or_optional", (OPT_A, OPT_A), OPT_A, _opt_or)
    mem("orValue", "optional_orValue_value", (OPT_A, A), A, _opt_or_value)
    add("_?._", "select_optional_field", (DYN, STRING), optional_of(DYN), select_optional)
    add("_[?_]", "list_optindex_optional_int", (LIST_A, INT), OPT_A, index_optional)
    add(
        "_[?_]",
        "optional_list_optindex_optional_int",
        (optional_of(LIST_A), INT),
        OPT_A,
        index_optional,
    )
    add("_[?_]", "map_optindex_optional_value", (MAP_AB, A), optional_of(B), index_optional)
    add(
        "_[?_]",
        "optional_map_optindex_optional_value",
        (optional_of(MAP_AB), A),
        optional_of(B),
        index_optional,
    )
    add("_[_]", "optional_list_index_int", (optional_of(LIST_A), INT), OPT_A, index_optional)
    add(
        "_[_]", "optional_map_index_value", (optional_of(MAP_AB), A), optional_of(B), index_optional
    )
    return lib
