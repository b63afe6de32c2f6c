"""The CEL standard library (operators, containers, conversions, timestamps and durations, the
string functions of the core) and the two-variable comprehension helper, with cel-go's overload
ids and runtime costs. Optionals, the strings extension and sets are in modules of their own."""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kgen.cel._errors import EvalError
from kgen.cel._library import (
    STRING_TRAVERSAL_COST_FACTOR,
    Library,
    actual_size,
    first_argument_cost,
    regex_cost,
    traversal,
)
from kgen.cel._regex import compile_re2
from kgen.cel._types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    NULL,
    STRING,
    TIMESTAMP,
    UINT,
    Type,
    list_of,
    map_of,
    optional_of,
    param,
    type_of,
)
from kgen.cel._values import (
    INT64_MAX,
    INT64_MIN,
    UINT64_MAX,
    Duration,
    MapList,
    SetList,
    Timestamp,
    TypeValue,
    UInt,
    cel_compare,
    cel_eq,
    cel_str,
    check_int,
    check_uint,
    map_lookup,
    parse_duration,
    parse_timestamp,
    type_name,
    _NoOrder,
)

__all__ = ["TYPE_NAMES", "in_list", "index_list", "index_map", "standard_library"]

A = param("A")
B = param("B")
LIST_A = list_of(A)
MAP_AB = map_of(A, B)

_NANOS = 1_000_000_000

# Identifiers that denote types (type(x) == int).
TYPE_NAMES: dict[str, Type] = {
    "int": type_of(INT),
    "uint": type_of(UINT),
    "double": type_of(DOUBLE),
    "bool": type_of(BOOL),
    "string": type_of(STRING),
    "bytes": type_of(BYTES),
    "list": type_of(list_of(DYN)),
    "map": type_of(map_of(DYN, DYN)),
    "null_type": type_of(NULL),
    "type": type_of(type_of(DYN)),
    "google.protobuf.Timestamp": type_of(TIMESTAMP),
    "google.protobuf.Duration": type_of(DURATION),
    "optional_type": type_of(optional_of(DYN)),
}


# -- arithmetic ---------------------------------------------------------------------------------


def _div_int(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("division by zero")
    if a == INT64_MIN and b == -1:
        raise EvalError("integer overflow")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _mod_int(a: int, b: int) -> int:
    if b == 0:
        raise EvalError("modulus by zero")
    if a == INT64_MIN and b == -1:
        raise EvalError("integer overflow")
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def _div_uint(a: int, b: int) -> UInt:
    if b == 0:
        raise EvalError("division by zero")
    return UInt(a // b)


def _mod_uint(a: int, b: int) -> UInt:
    if b == 0:
        raise EvalError("modulus by zero")
    return UInt(a % b)


def _div_double(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _add_list(a: list[Any], b: list[Any]) -> list[Any]:
    if isinstance(a, MapList):
        out = list(a)
        index = {a.key_of(x): i for i, x in enumerate(out)}
        for x in b:
            k = a.key_of(x)
            if k in index:
                out[index[k]] = x
            else:
                index[k] = len(out)
                out.append(x)
        return MapList(out, a.keys)
    if isinstance(a, SetList):
        out = list(a)
        for x in b:
            if not any(cel_eq(x, y) for y in out):
                out.append(x)
        return SetList(out)
    return a + b


def _ts_add(t: Timestamp, d: Duration) -> Timestamp:
    n = t.total_nanos() + d.nanos
    return Timestamp(n // _NANOS, n % _NANOS)


def _ts_sub(t: Timestamp, d: Duration) -> Timestamp:
    n = t.total_nanos() - d.nanos
    return Timestamp(n // _NANOS, n % _NANOS)


def _ts_diff(a: Timestamp, b: Timestamp) -> Duration:
    n = a.total_nanos() - b.total_nanos()
    if n < INT64_MIN or n > INT64_MAX:
        raise EvalError("integer overflow")
    return Duration(n)


def _dur_add(a: Duration, b: Duration) -> Duration:
    return Duration(check_int(a.nanos + b.nanos))


def _dur_sub(a: Duration, b: Duration) -> Duration:
    return Duration(check_int(a.nanos - b.nanos))


def _neg_int(a: int) -> int:
    return check_int(-a)


# -- comparison ---------------------------------------------------------------------------------


def _cmp(op: str) -> Any:
    def less(a: Any, b: Any) -> bool:
        try:
            return cel_compare(a, b) < 0
        except _NoOrder:
            return False

    def less_eq(a: Any, b: Any) -> bool:
        try:
            return cel_compare(a, b) <= 0
        except _NoOrder:
            return False

    def greater(a: Any, b: Any) -> bool:
        try:
            return cel_compare(a, b) > 0
        except _NoOrder:
            return False

    def greater_eq(a: Any, b: Any) -> bool:
        try:
            return cel_compare(a, b) >= 0
        except _NoOrder:
            return False

    return {"<": less, "<=": less_eq, ">": greater, ">=": greater_eq}[op]


def in_list(x: Any, lst: list[Any]) -> bool:
    for y in lst:
        if cel_eq(x, y):
            return True
    return False


def _in_map(x: Any, m: dict[Any, Any]) -> bool:
    return map_lookup(m, x)[0]


def index_list(lst: list[Any], i: Any) -> Any:
    ti = type(i)
    if ti is float:
        if not i.is_integer():
            raise EvalError("unsupported index value")
        i = int(i)
    elif ti is not int and ti is not UInt:
        raise EvalError("no such overload")
    if i < 0 or i >= len(lst):
        raise EvalError(f"index out of bounds: {int(i)}")
    return lst[int(i)]


def index_map(m: dict[Any, Any], k: Any) -> Any:
    found, v = map_lookup(m, k)
    if not found:
        raise EvalError(f"no such key: {_key_text(k)}")
    return v


def _key_text(k: Any) -> str:
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)


def _size(v: Any) -> int:
    return len(v)


# -- strings ------------------------------------------------------------------------------------


def _matches(s: str, pattern: str) -> bool:
    return compile_re2(pattern).search(s) is not None


def _contains_cost(args: list[Any], result: Any) -> int:
    return traversal(args[0]) * traversal(args[1])


def _eq_cost(args: list[Any], result: Any) -> int:
    return int(
        math.ceil(min(actual_size(args[0]), actual_size(args[1])) * STRING_TRAVERSAL_COST_FACTOR)
    )


def _concat_cost(args: list[Any], result: Any) -> int:
    return int(
        math.ceil((actual_size(args[0]) + actual_size(args[1])) * STRING_TRAVERSAL_COST_FACTOR)
    )


def _in_list_cost(args: list[Any], result: Any) -> int:
    return actual_size(args[1])


# -- conversions --------------------------------------------------------------------------------

_INT_RE = re.compile(r"^[+-]?[0-9]+$")


def _int_from_double(f: float) -> int:
    if f != f or f in (math.inf, -math.inf):
        raise EvalError("integer overflow")
    # cel-go: out of range when f <= -2^63 - 1 or f >= 2^63
    if f <= -9223372036854775809.0 or f >= 9223372036854775807.0:
        raise EvalError("integer overflow")
    return int(f)


def _int_from_string(s: str) -> int:
    if not _INT_RE.match(s):
        raise EvalError("type conversion error from 'string' to 'int'")
    return check_int(int(s))


def _uint_from_int(i: int) -> UInt:
    if i < 0:
        raise EvalError("unsigned integer overflow")
    return UInt(i)


def _uint_from_double(f: float) -> UInt:
    if f != f or f < 0 or f >= 18446744073709551616.0:
        raise EvalError("unsigned integer overflow")
    return UInt(int(f))


def _uint_from_string(s: str) -> UInt:
    if not re.match(r"^\+?[0-9]+$", s):
        raise EvalError("type conversion error from 'string' to 'uint'")
    v = int(s)
    if v > UINT64_MAX:
        raise EvalError("unsigned integer overflow")
    return UInt(v)


_FLOAT_RE = re.compile(
    r"^[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])$"
)


def _double_from_string(s: str) -> float:
    if not _FLOAT_RE.match(s):
        raise EvalError("type conversion error from 'string' to 'double'")
    return float(s)


def _bool_from_string(s: str) -> bool:
    if s in ("true", "True", "TRUE", "t", "1"):
        return True
    if s in ("false", "False", "FALSE", "f", "0"):
        return False
    raise EvalError("type conversion error from 'string' to 'bool'")


def _string_from_double(f: float) -> str:
    return cel_str(f)


def _ts_from_int(i: int) -> Timestamp:
    return Timestamp(i, 0)


def _int_from_ts(t: Timestamp) -> int:
    return t.seconds


def _type_of(v: Any) -> TypeValue:
    return TypeValue(type_name(v))


# -- timestamps ---------------------------------------------------------------------------------

_TZ_OFFSET = re.compile(r"^([+-]?)(\d{1,2}):(\d{2})$")


def _tz(name: str) -> _dt.tzinfo:
    m = _TZ_OFFSET.match(name)
    if m:
        off = _dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return _dt.timezone(-off if m.group(1) == "-" else off)
    if name == "UTC":
        return _dt.timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise EvalError(f"unknown time zone {name}") from None


def _ts_part(fn: Any) -> tuple[Any, Any]:
    def utc(t: Timestamp) -> int:
        return int(fn(t.datetime(), t))

    def tz(t: Timestamp, name: str) -> int:
        return int(fn(t.datetime(_tz(name)), t))

    return utc, tz


_TS_ACCESSORS = {
    "getFullYear": lambda d, t: d.year,
    "getMonth": lambda d, t: d.month - 1,
    "getDayOfYear": lambda d, t: d.timetuple().tm_yday - 1,
    "getDayOfMonth": lambda d, t: d.day - 1,
    "getDate": lambda d, t: d.day,
    "getDayOfWeek": lambda d, t: (d.weekday() + 1) % 7,
    "getHours": lambda d, t: d.hour,
    "getMinutes": lambda d, t: d.minute,
    "getSeconds": lambda d, t: d.second,
    "getMilliseconds": lambda d, t: t.nanos // 1_000_000,
}

_DUR_ACCESSORS = {
    "getHours": lambda d: int(d.nanos / (3600 * _NANOS)),
    "getMinutes": lambda d: int(d.nanos / (60 * _NANOS)),
    "getSeconds": lambda d: int(d.nanos / _NANOS),
    "getMilliseconds": lambda d: int(d.nanos / 1_000_000),
}


def _map_insert(m: dict[Any, Any], k: Any, v: Any = None, *rest: Any) -> dict[Any, Any]:
    out = dict(m)
    if isinstance(k, dict):  # transformMapEntry: insert every entry of a map
        for kk, vv in k.items():
            if map_lookup(out, kk)[0]:
                raise EvalError(f"insert failed: key {_key_text(kk)} already exists")
            out[kk] = vv
        return out
    if map_lookup(out, k)[0]:
        raise EvalError(f"insert failed: key {_key_text(k)} already exists")
    out[k] = v
    return out


def standard_library() -> Library:
    lib = Library()
    add = lib.add
    mem = lib.member

    # logical operators: implemented by the interpreter (non-strict)
    add("_&&_", "logical_and", (BOOL, BOOL), BOOL, None)
    add("_||_", "logical_or", (BOOL, BOOL), BOOL, None)
    add("_?_:_", "conditional", (BOOL, A, A), A, None)
    add("@not_strictly_false", "not_strictly_false", (BOOL,), BOOL, None)
    add("!_", "logical_not", (BOOL,), BOOL, lambda a: not a)

    # arithmetic
    add("_+_", "add_int64", (INT, INT), INT, lambda a, b: check_int(a + b))
    add("_+_", "add_uint64", (UINT, UINT), UINT, lambda a, b: check_uint(a + b))
    add("_+_", "add_double", (DOUBLE, DOUBLE), DOUBLE, lambda a, b: a + b)
    add("_+_", "add_string", (STRING, STRING), STRING, lambda a, b: a + b, cost=_concat_cost)
    add("_+_", "add_bytes", (BYTES, BYTES), BYTES, lambda a, b: a + b, cost=_concat_cost)
    add("_+_", "add_list", (LIST_A, LIST_A), LIST_A, _add_list)
    add("_+_", "add_timestamp_duration", (TIMESTAMP, DURATION), TIMESTAMP, _ts_add)
    add(
        "_+_",
        "add_duration_timestamp",
        (DURATION, TIMESTAMP),
        TIMESTAMP,
        lambda d, t: _ts_add(t, d),
    )
    add("_+_", "add_duration_duration", (DURATION, DURATION), DURATION, _dur_add)
    add("_-_", "subtract_int64", (INT, INT), INT, lambda a, b: check_int(a - b))
    add("_-_", "subtract_uint64", (UINT, UINT), UINT, lambda a, b: check_uint(a - b))
    add("_-_", "subtract_double", (DOUBLE, DOUBLE), DOUBLE, lambda a, b: a - b)
    add("_-_", "subtract_timestamp_timestamp", (TIMESTAMP, TIMESTAMP), DURATION, _ts_diff)
    add("_-_", "subtract_timestamp_duration", (TIMESTAMP, DURATION), TIMESTAMP, _ts_sub)
    add("_-_", "subtract_duration_duration", (DURATION, DURATION), DURATION, _dur_sub)
    add("_*_", "multiply_int64", (INT, INT), INT, lambda a, b: check_int(a * b))
    add("_*_", "multiply_uint64", (UINT, UINT), UINT, lambda a, b: check_uint(a * b))
    add("_*_", "multiply_double", (DOUBLE, DOUBLE), DOUBLE, lambda a, b: a * b)
    add("_/_", "divide_int64", (INT, INT), INT, _div_int)
    add("_/_", "divide_uint64", (UINT, UINT), UINT, _div_uint)
    add("_/_", "divide_double", (DOUBLE, DOUBLE), DOUBLE, _div_double)
    add("_%_", "modulo_int64", (INT, INT), INT, _mod_int)
    add("_%_", "modulo_uint64", (UINT, UINT), UINT, _mod_uint)
    add("-_", "negate_int64", (INT,), INT, _neg_int)
    add("-_", "negate_double", (DOUBLE,), DOUBLE, lambda a: -a)

    # comparisons (with cross-type numeric comparisons, enabled for Kubernetes since 1.28)
    names = {
        "<": ("_<_", "less"),
        "<=": ("_<=_", "less_equals"),
        ">": ("_>_", "greater"),
        ">=": ("_>=_", "greater_equals"),
    }
    scalar = [
        ("bool", BOOL),
        ("int64", INT),
        ("uint64", UINT),
        ("double", DOUBLE),
        ("string", STRING),
        ("bytes", BYTES),
        ("timestamp", TIMESTAMP),
        ("duration", DURATION),
    ]
    numeric = [("int64", INT), ("uint64", UINT), ("double", DOUBLE)]
    for op, (fn, prefix) in names.items():
        impl = _cmp(op)
        for suffix, t in scalar:
            cost = _eq_cost if suffix in ("string", "bytes") else None
            add(fn, f"{prefix}_{suffix}", (t, t), BOOL, impl, cost=cost)
        for s1, t1 in numeric:
            for s2, t2 in numeric:
                if s1 != s2:
                    add(fn, f"{prefix}_{s1}_{s2}", (t1, t2), BOOL, impl)
    add("_==_", "equals", (A, A), BOOL, cel_eq, cost=_eq_cost)
    add("_!=_", "not_equals", (A, A), BOOL, lambda a, b: not cel_eq(a, b), cost=_eq_cost)

    # containers
    add("@in", "in_list", (A, LIST_A), BOOL, in_list, cost=_in_list_cost)
    add("@in", "in_map", (A, MAP_AB), BOOL, _in_map)
    add("_[_]", "index_list", (LIST_A, INT), A, index_list)
    add("_[_]", "index_map", (MAP_AB, A), B, index_map)
    for t, sfx in ((STRING, "string"), (BYTES, "bytes"), (LIST_A, "list"), (MAP_AB, "map")):
        add("size", f"size_{sfx}", (t,), INT, _size)
        mem("size", f"{sfx}_size", (t,), INT, _size)

    # strings
    mem(
        "contains",
        "contains_string",
        (STRING, STRING),
        BOOL,
        lambda s, x: x in s,
        cost=_contains_cost,
    )
    mem(
        "startsWith",
        "starts_with_string",
        (STRING, STRING),
        BOOL,
        lambda s, x: s.startswith(x),
        cost=first_argument_cost,
    )
    mem(
        "endsWith",
        "ends_with_string",
        (STRING, STRING),
        BOOL,
        lambda s, x: s.endswith(x),
        cost=first_argument_cost,
    )
    mem("matches", "matches_string", (STRING, STRING), BOOL, _matches, cost=regex_cost)
    add("matches", "matches", (STRING, STRING), BOOL, _matches, cost=regex_cost)

    # conversions
    add("int", "int64_to_int64", (INT,), INT, lambda a: a)
    add("int", "uint64_to_int64", (UINT,), INT, lambda a: check_int(int(a)))
    add("int", "double_to_int64", (DOUBLE,), INT, _int_from_double)
    add("int", "string_to_int64", (STRING,), INT, _int_from_string)
    add("int", "timestamp_to_int64", (TIMESTAMP,), INT, _int_from_ts)
    add("uint", "uint64_to_uint64", (UINT,), UINT, lambda a: a)
    add("uint", "int64_to_uint64", (INT,), UINT, _uint_from_int)
    add("uint", "double_to_uint64", (DOUBLE,), UINT, _uint_from_double)
    add("uint", "string_to_uint64", (STRING,), UINT, _uint_from_string)
    add("double", "double_to_double", (DOUBLE,), DOUBLE, lambda a: a)
    add("double", "int64_to_double", (INT,), DOUBLE, float)
    add("double", "uint64_to_double", (UINT,), DOUBLE, float)
    add("double", "string_to_double", (STRING,), DOUBLE, _double_from_string)
    add("string", "string_to_string", (STRING,), STRING, lambda a: a)
    add("string", "int64_to_string", (INT,), STRING, cel_str)
    add("string", "uint64_to_string", (UINT,), STRING, cel_str)
    add("string", "double_to_string", (DOUBLE,), STRING, cel_str)
    add("string", "bool_to_string", (BOOL,), STRING, cel_str)
    add("string", "bytes_to_string", (BYTES,), STRING, cel_str, cost=first_argument_cost)
    add("string", "timestamp_to_string", (TIMESTAMP,), STRING, cel_str)
    add("string", "duration_to_string", (DURATION,), STRING, cel_str)
    add("bytes", "bytes_to_bytes", (BYTES,), BYTES, lambda a: a)
    add(
        "bytes",
        "string_to_bytes",
        (STRING,),
        BYTES,
        lambda s: s.encode("utf-8"),
        cost=first_argument_cost,
    )
    add("bool", "bool_to_bool", (BOOL,), BOOL, lambda a: a)
    add("bool", "string_to_bool", (STRING,), BOOL, _bool_from_string)
    add("duration", "duration_to_duration", (DURATION,), DURATION, lambda a: a)
    add("duration", "string_to_duration", (STRING,), DURATION, parse_duration)
    add("timestamp", "timestamp_to_timestamp", (TIMESTAMP,), TIMESTAMP, lambda a: a)
    add("timestamp", "string_to_timestamp", (STRING,), TIMESTAMP, parse_timestamp)
    add("timestamp", "int64_to_timestamp", (INT,), TIMESTAMP, _ts_from_int)
    add("dyn", "to_dyn", (A,), DYN, lambda a: a)
    add("type", "type", (A,), type_of(A), _type_of)

    # timestamps and durations
    for name, part in _TS_ACCESSORS.items():
        utc, tz = _ts_part(part)
        mem(name, f"timestamp_to_{name}", (TIMESTAMP,), INT, utc)
        mem(name, f"timestamp_to_{name}_with_tz", (TIMESTAMP, STRING), INT, tz)
    for name, dfn in _DUR_ACCESSORS.items():
        mem(name, f"duration_to_{name}", (DURATION,), INT, dfn)

    # two-variable comprehensions (transformMap)
    add("cel.@mapInsert", "cel_@mapInsert_map_key_value", (MAP_AB, A, B), MAP_AB, _map_insert)
    add("cel.@mapInsert", "cel_@mapInsert_map_map", (MAP_AB, MAP_AB), MAP_AB, _map_insert)
    return lib
