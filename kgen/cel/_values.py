"""CEL runtime values as Python values.

int → ``int``, uint → ``UInt`` (an ``int`` subclass), double → ``float``, bool → ``bool``,
string → ``str``, bytes → ``bytes``, null → ``None``, list → ``list`` (``SetList``/``MapList``
for Kubernetes' ``x-kubernetes-list-type`` set and map), map and schema objects → ``dict``,
timestamp → ``Timestamp``, duration → ``Duration``, optional → ``Optional``, type → ``TypeValue``.
Errors are raised as ``EvalError``.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Callable, Iterable

from kgen.cel._errors import EvalError

__all__ = [
    "Duration",
    "INT64_MAX",
    "INT64_MIN",
    "MapList",
    "Optional",
    "SetList",
    "Timestamp",
    "TypeValue",
    "UINT64_MAX",
    "UInt",
    "cel_compare",
    "cel_eq",
    "cel_str",
    "check_int",
    "check_uint",
    "format_double",
    "parse_duration",
    "parse_timestamp",
    "type_name",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


class UInt(int):
    """A CEL uint: an ``int`` that remembers it is unsigned."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"{int(self)}u"


def check_int(v: int) -> int:
    if v < INT64_MIN or v > INT64_MAX:
        raise EvalError("integer overflow")
    return v


def check_uint(v: int) -> UInt:
    if v < 0 or v > UINT64_MAX:
        raise EvalError("unsigned integer overflow")
    return UInt(v)


# -- durations and timestamps ------------------------------------------------------------------

_MAX_DURATION_SECONDS = 315_576_000_000
_NANOS = 1_000_000_000


class Duration:
    __slots__ = ("nanos",)

    def __init__(self, nanos: int) -> None:
        if abs(nanos) > _MAX_DURATION_SECONDS * _NANOS + 999_999_999:
            raise EvalError("duration out of range")
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Duration) and other.nanos == self.nanos

    def __lt__(self, other: Duration) -> bool:
        return self.nanos < other.nanos

    def __hash__(self) -> int:
        return hash(("d", self.nanos))

    def __repr__(self) -> str:
        return f"duration({self.to_string()!r})"

    def to_string(self) -> str:
        # cel-go: strconv.FormatFloat(seconds, 'f', -1, 64) + "s"
        sign = "-" if self.nanos < 0 else ""
        secs, frac = divmod(abs(self.nanos), _NANOS)
        if frac:
            return f"{sign}{secs}.{frac:09d}".rstrip("0") + "s"
        return f"{sign}{secs}s"


_UNIX_MIN = -62135596800  # 0001-01-01T00:00:00Z
_UNIX_MAX = 253402300799  # 9999-12-31T23:59:59Z
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


class Timestamp:
    __slots__ = ("seconds", "nanos")

    def __init__(self, seconds: int, nanos: int = 0) -> None:
        seconds += nanos // _NANOS
        nanos %= _NANOS
        if seconds < _UNIX_MIN or seconds > _UNIX_MAX:
            raise EvalError("timestamp out of range")
        self.seconds = seconds
        self.nanos = nanos

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Timestamp)
            and other.seconds == self.seconds
            and other.nanos == self.nanos
        )

    def __lt__(self, other: Timestamp) -> bool:
        return (self.seconds, self.nanos) < (other.seconds, other.nanos)

    def __hash__(self) -> int:
        return hash(("t", self.seconds, self.nanos))

    def __repr__(self) -> str:
        return f"timestamp({self.to_string()!r})"

    def total_nanos(self) -> int:
        return self.seconds * _NANOS + self.nanos

    def datetime(self, tz: _dt.tzinfo | None = None) -> _dt.datetime:
        d = _EPOCH + _dt.timedelta(seconds=self.seconds)
        return d.astimezone(tz) if tz is not None else d

    def to_string(self) -> str:
        d = self.datetime()
        text = f"{d.year:04d}-{d.month:02d}-{d.day:02d}T{d.hour:02d}:{d.minute:02d}:{d.second:02d}"
        if self.nanos:
            text += ("." + f"{self.nanos:09d}").rstrip("0")
        return text + "Z"


_TS_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$"
)


def parse_timestamp(text: str) -> Timestamp:
    m = _TS_RE.match(text)
    if m is None:
        raise EvalError(f'timestamp("{text}") could not be parsed')
    y, mo, d, h, mi, s = (int(m.group(i)) for i in range(1, 7))
    frac = m.group(7) or ""
    nanos = int(frac.ljust(9, "0")) if frac else 0
    try:
        base = _dt.datetime(y, mo, d, h, mi, s, tzinfo=_dt.timezone.utc)
    except ValueError:
        raise EvalError(f'timestamp("{text}") could not be parsed') from None
    seconds = int((base - _EPOCH).total_seconds())
    if m.group(9):
        off = (int(m.group(10)) * 60 + int(m.group(11))) * 60
        seconds -= off if m.group(9) == "+" else -off
    return Timestamp(seconds, nanos)


_DUR_UNITS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": _NANOS,
    "m": 60 * _NANOS,
    "h": 3600 * _NANOS,
}
_DUR_PART = re.compile(r"([0-9]*(?:\.[0-9]*)?)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def parse_duration(text: str) -> Duration:
    """Go's time.ParseDuration, as cel-go's duration() uses it."""
    s = text
    neg = False
    if s[:1] in ("+", "-"):
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return Duration(0)
    if not s:
        raise EvalError(f'invalid duration "{text}"')
    total = 0
    pos = 0
    while pos < len(s):
        m = _DUR_PART.match(s, pos)
        if m is None or m.group(1) in ("", "."):
            raise EvalError(f'invalid duration "{text}"')
        num = m.group(1)
        unit = _DUR_UNITS[m.group(2)]
        if "." in num:
            whole, frac = num.split(".")
            total += int(whole or "0") * unit
            if frac:
                total += int(frac) * unit // (10 ** len(frac))
        else:
            total += int(num) * unit
        pos = m.end()
    if total > 2**63 - 1 + (1 if neg else 0):
        raise EvalError(f'invalid duration "{text}"')
    return Duration(-total if neg else total)


# -- optionals and types -------------------------------------------------------------------------


class Optional:
    __slots__ = ("value", "has")

    def __init__(self, value: Any = None, has: bool = True) -> None:
        self.value = value
        self.has = has

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Optional):
            return False
        if self.has != other.has:
            return False
        return not self.has or cel_eq(self.value, other.value)

    def __hash__(self) -> int:
        return hash(("opt", self.has))

    def __repr__(self) -> str:
        return f"optional.of({self.value!r})" if self.has else "optional.none()"


OPTIONAL_NONE = Optional(None, False)


class TypeValue:
    """A CEL type as a value (``type(1) == int``)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TypeValue) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("type", self.name))

    def __repr__(self) -> str:
        return self.name


class SetList(list):  # type: ignore[type-arg]
    """A list with ``x-kubernetes-list-type: set``: equal when the elements are, in any order."""

    __slots__ = ()


class MapList(list):  # type: ignore[type-arg]
    """A list with ``x-kubernetes-list-type: map``: equal when the entries per key are."""

    __slots__ = ("keys",)

    def __init__(self, items: Iterable[Any], keys: tuple[str, ...]) -> None:
        super().__init__(items)
        self.keys = keys

    def key_of(self, item: Any) -> tuple[Any, ...]:
        if not isinstance(item, dict):
            return (id(item),)
        return tuple(item.get(k) for k in self.keys)


# -- type names, equality, ordering ------------------------------------------------------------


# The name of a value's runtime type, as type(v) gives it; classes outside this module
# (Kubernetes libraries' opaque values) carry a ``cel_type_name`` class attribute.
def type_name(v: Any) -> str:
    t = type(v)
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is UInt:
        return "uint"
    if t is float:
        return "double"
    if t is str:
        return "string"
    if t is bytes:
        return "bytes"
    if v is None:
        return "null_type"
    if isinstance(v, list):
        return "list"
    if isinstance(v, dict):
        return "map"
    if t is Timestamp:
        return "google.protobuf.Timestamp"
    if t is Duration:
        return "google.protobuf.Duration"
    if t is Optional:
        return "optional_type"
    if t is TypeValue:
        return "type"
    name = getattr(v, "cel_type_name", None)
    if isinstance(name, str):
        return name
    return t.__name__


def _is_num(v: Any) -> bool:
    t = type(v)
    return t is int or t is float or t is UInt


def cel_eq(a: Any, b: Any) -> bool:
    """CEL's heterogeneous equality (numbers compare across int, uint and double)."""
    ta = type(a)
    tb = type(b)
    if ta is tb and (ta is str or ta is int or ta is bool or ta is bytes):
        return bool(a == b)
    if _is_num(a):
        return _is_num(b) and a == b
    if ta is bool or tb is bool:
        return False
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        if isinstance(a, MapList) or isinstance(b, MapList):
            keyed = a if isinstance(a, MapList) else b
            assert isinstance(keyed, MapList)
            try:
                bm = {keyed.key_of(x): x for x in b}
                for x in a:
                    k = keyed.key_of(x)
                    if k not in bm or not cel_eq(x, bm[k]):
                        return False
                return True
            except TypeError:  # unhashable keys: compare in order
                pass
        if isinstance(a, SetList) or isinstance(b, SetList):
            return all(any(cel_eq(x, y) for y in b) for x in a) and all(
                any(cel_eq(y, x) for x in a) for y in b
            )
        for x, y in zip(a, b):
            if not cel_eq(x, y):
                return False
        return True
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        for k, v in a.items():
            found, bv = map_lookup(b, k)
            if not found or not cel_eq(v, bv):
                return False
        return True
    if isinstance(b, (list, dict)):
        return False
    if ta is not tb:
        return False
    return bool(a == b)


def map_lookup(m: dict[Any, Any], key: Any) -> tuple[bool, Any]:
    """Find ``key`` in a CEL map: numeric keys match across int, uint and a whole double."""
    tk = type(key)
    if tk is str:
        if key in m:
            return True, m[key]
        return False, None
    if tk is bool:
        for k, v in m.items():
            if type(k) is bool and k == key:
                return True, v
        return False, None
    if tk is int or tk is UInt or tk is float:
        if tk is float:
            if not key.is_integer():
                return False, None
            key = int(key)
        for k, v in m.items():
            if type(k) is not bool and (type(k) is int or type(k) is UInt) and k == key:
                return True, v
        return False, None
    if key in m:
        return True, m[key]
    return False, None


def cel_compare(a: Any, b: Any) -> int:
    """-1, 0 or 1; raises EvalError when the two values have no ordering."""
    ta = type(a)
    tb = type(b)
    if _is_num(a) and _is_num(b):
        if a != a or b != b:  # NaN
            raise _NoOrder()
        if (ta is float) != (tb is float):  # int and double compare as doubles (cel-go)
            a = float(a)
            b = float(b)
        return -1 if a < b else (1 if a > b else 0)
    if ta is tb and ta in (str, bytes, bool, Timestamp, Duration):
        return -1 if a < b else (1 if b < a else 0)
    raise EvalError("no such overload")


class _NoOrder(Exception):
    """Comparisons with NaN are false (cel-go compares doubles with IEEE semantics)."""


# -- string conversion -------------------------------------------------------------------------


def format_double(f: float) -> str:
    """cel-go's string(double): strconv.FormatFloat(f, 'g', -1, 64)."""
    if f != f:
        return "NaN"
    if f == math.inf:
        return "+Inf"
    if f == -math.inf:
        return "-Inf"
    r = repr(f)
    if "e" in r or "E" in r:
        mant, exp = r.split("e")
        if mant.endswith(".0"):
            mant = mant[:-2]
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mant}e{sign}{digits}"
    if r.endswith(".0"):
        r = r[:-2]
    # Go switches to exponent form for exponents < -4 || >= 21 (shortest repr digits)
    mantissa_digits = r.replace("-", "").replace(".", "").lstrip("0")
    if abs(f) >= 1e21:
        exponent = int(math.floor(math.log10(abs(f))))
        digits = mantissa_digits.rstrip("0") or "0"
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{'-' if f < 0 else ''}{mant}e+{exponent:02d}"
    return r


def cel_str(v: Any) -> str:
    """The string() conversion of a value."""
    t = type(v)
    if t is str:
        return v  # type: ignore[no-any-return]
    if t is bool:
        return "true" if v else "false"
    if t is int or t is UInt:
        return str(int(v))
    if t is float:
        return format_double(v)
    if t is bytes:
        try:
            return v.decode("utf-8")  # type: ignore[no-any-return]
        except UnicodeDecodeError:
            raise EvalError("invalid UTF-8 in bytes, cannot convert to string") from None
    if t is Timestamp:
        return v.to_string()  # type: ignore[no-any-return]
    if t is Duration:
        return v.to_string()  # type: ignore[no-any-return]
    conv: Callable[[], str] | None = getattr(v, "cel_string", None)
    if conv is not None:
        return conv()
    raise EvalError(f"type conversion error from '{type_name(v)}' to 'string'")
