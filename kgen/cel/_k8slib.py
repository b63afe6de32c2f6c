"""Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library): lists, regex, url, quantity,
ip, cidr, format and semver, with the runtime costs of library/cost.go."""

from __future__ import annotations

import ipaddress
import math
import re
from fractions import Fraction
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kgen.cel._errors import EvalError
from kgen.cel._library import (
    REGEX_STRING_LENGTH_COST_FACTOR,
    STRING_TRAVERSAL_COST_FACTOR,
    Library,
    actual_size,
    traversal,
)
from kgen.cel._regex import compile_re2
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
    map_of,
    opaque,
    optional_of,
    param,
    type_of,
)
from kgen.cel._values import (
    OPTIONAL_NONE,
    Duration,
    Optional,
    UInt,
    _NoOrder,
    cel_compare,
    cel_eq,
    check_int,
)

__all__ = ["KUBERNETES_TYPE_NAMES", "kubernetes_library"]

QUANTITY = opaque("kubernetes.Quantity")
IP = opaque("net.IP")
CIDR = opaque("net.CIDR")
URL = opaque("kubernetes.URL")
SEMVER = opaque("kubernetes.Semver")
FORMAT = opaque("kubernetes.NamedFormat")

KUBERNETES_TYPE_NAMES = {
    "kubernetes.Quantity": type_of(QUANTITY),
    "net.IP": type_of(IP),
    "net.CIDR": type_of(CIDR),
    "kubernetes.URL": type_of(URL),
    "kubernetes.Semver": type_of(SEMVER),
}


def _string_cost(args: list[Any], result: Any) -> int:
    return traversal(args[0])


def _one(args: list[Any], result: Any) -> int:
    return 1


# -- lists --------------------------------------------------------------------------------------


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


def _min(lst: list[Any]) -> Any:
    if not lst:
        raise EvalError("min(list) argument must not be empty")
    best = lst[0]
    for x in lst[1:]:
        if cel_compare(x, best) < 0:
            best = x
    return best


def _max(lst: list[Any]) -> Any:
    if not lst:
        raise EvalError("max(list) argument must not be empty")
    best = lst[0]
    for x in lst[1:]:
        if cel_compare(x, best) > 0:
            best = x
    return best


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


def _lists(lib: Library) -> None:
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
    for name, t in comparable:
        lt = list_of(t)
        lib.member(
            "isSorted", f"list_{name}_is_sorted_bool", (lt,), BOOL, _is_sorted, cost=_list_cost
        )
        lib.member("min", f"list_{name}_min_{name}", (lt,), t, _min, cost=_list_cost)
        lib.member("max", f"list_{name}_max_{name}", (lt,), t, _max, cost=_list_cost)
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


# -- regex --------------------------------------------------------------------------------------


def _find_cost(args: list[Any], result: Any) -> int:
    s = int(math.ceil((1.0 + actual_size(args[0])) * STRING_TRAVERSAL_COST_FACTOR))
    r = int(math.ceil(actual_size(args[1]) * REGEX_STRING_LENGTH_COST_FACTOR))
    return s * r


def _find(s: str, pattern: str) -> str:
    m = compile_re2(pattern).search(s)
    return m.group(0) if m else ""


def _find_all(s: str, pattern: str, limit: int = -1) -> list[str]:
    if limit == 0:
        return []
    out = [m.group(0) for m in compile_re2(pattern).finditer(s)]
    return out if limit < 0 else out[:limit]


def _regex(lib: Library) -> None:
    lib.member("find", "string_find_string", (STRING, STRING), STRING, _find, cost=_find_cost)
    lib.member(
        "findAll",
        "string_find_all_string",
        (STRING, STRING),
        list_of(STRING),
        _find_all,
        cost=_find_cost,
    )
    lib.member(
        "findAll",
        "string_find_all_string_int",
        (STRING, STRING, INT),
        list_of(STRING),
        _find_all,
        cost=_find_cost,
    )


# -- url ----------------------------------------------------------------------------------------


class URLValue:
    cel_type_name = "kubernetes.URL"
    __slots__ = ("text", "parts")

    def __init__(self, text: str) -> None:
        self.text = text
        self.parts = urlsplit(text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, URLValue) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)

    def cel_string(self) -> str:
        return self.text


def _parse_url(s: str) -> URLValue:
    # Go's url.ParseRequestURI: an absolute URL or an absolute path, no fragment
    ok = True
    if not s or any(ord(c) < 0x20 or c == " " or ord(c) == 0x7F for c in s):
        ok = False
    elif s.startswith("/"):
        ok = True
    else:
        m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):", s)
        ok = m is not None
    if ok:
        try:
            value = URLValue(s)
            _ = value.parts.port
        except ValueError:
            ok = False
    if not ok:
        raise EvalError(
            f'URL parse error during conversion from string: parse "{s}": invalid URI for request'
        )
    return value


def _is_url(s: str) -> bool:
    try:
        _parse_url(s)
    except EvalError:
        return False
    return True


def _host(u: URLValue) -> str:
    return u.parts.netloc.rpartition("@")[2]


def _hostname(u: URLValue) -> str:
    host = _host(u)
    if host.startswith("["):
        return host[1 : host.find("]")]
    return host.rpartition(":")[0] if ":" in host else host


def _port(u: URLValue) -> str:
    host = _host(u)
    if host.startswith("["):
        rest = host[host.find("]") + 1 :]
        return rest[1:] if rest.startswith(":") else ""
    return host.rpartition(":")[2] if ":" in host else ""


def _query(u: URLValue) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(u.parts.query, keep_blank_values=True).items()}


def _urls(lib: Library) -> None:
    lib.add("url", "string_to_url", (STRING,), URL, _parse_url, cost=_string_cost)
    lib.add("isURL", "is_url_string", (STRING,), BOOL, _is_url, cost=_string_cost)
    lib.member("getScheme", "url_get_scheme", (URL,), STRING, lambda u: u.parts.scheme)
    lib.member("getHost", "url_get_host", (URL,), STRING, _host)
    lib.member("getHostname", "url_get_hostname", (URL,), STRING, _hostname)
    lib.member("getPort", "url_get_port", (URL,), STRING, _port)
    lib.member("getEscapedPath", "url_get_escaped_path", (URL,), STRING, lambda u: u.parts.path)
    lib.member("getQuery", "url_get_query", (URL,), map_of(STRING, list_of(STRING)), _query)
    lib.add("string", "url_to_string", (URL,), STRING, lambda u: u.text)


# -- quantity -----------------------------------------------------------------------------------

_QTY_RE = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$"
)
_BIN = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DEC = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


class Quantity:
    cel_type_name = "kubernetes.Quantity"
    __slots__ = ("value", "text")

    def __init__(self, value: Fraction, text: str) -> None:
        self.value = value
        self.text = text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def cel_string(self) -> str:
        return self.text


def _parse_quantity(s: str) -> Quantity:
    m = _QTY_RE.match(s)
    if m is None:
        raise EvalError(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    num = Fraction(m.group(1))
    suffix = m.group(2) or ""
    if suffix in _BIN:
        num *= _BIN[suffix]
    elif suffix in _DEC:
        num *= Fraction(10) ** _DEC[suffix]
    elif suffix:
        num *= Fraction(10) ** int(suffix[1:])
    # resource.Quantity rounds up to nano precision
    scaled = num * 10**9
    if scaled.denominator != 1:
        num = Fraction(math.ceil(scaled), 10**9)
    return Quantity(num, s)


def _is_quantity(s: str) -> bool:
    try:
        _parse_quantity(s)
    except EvalError:
        return False
    return True


def _q_sign(q: Quantity) -> int:
    return (q.value > 0) - (q.value < 0)


def _q_is_integer(q: Quantity) -> bool:
    return q.value.denominator == 1 and -(2**63) <= q.value <= 2**63 - 1


def _q_as_integer(q: Quantity) -> int:
    if not _q_is_integer(q):
        raise EvalError("cannot convert value to integer")
    return int(q.value)


def _q_add(q: Quantity, other: Any) -> Quantity:
    v = other.value if isinstance(other, Quantity) else Fraction(other)
    return Quantity(q.value + v, str(q.value + v))


def _q_sub(q: Quantity, other: Any) -> Quantity:
    v = other.value if isinstance(other, Quantity) else Fraction(other)
    return Quantity(q.value - v, str(q.value - v))


def _quantity(lib: Library) -> None:
    lib.add(
        "quantity", "string_to_quantity", (STRING,), QUANTITY, _parse_quantity, cost=_string_cost
    )
    lib.add("isQuantity", "is_quantity_string", (STRING,), BOOL, _is_quantity, cost=_string_cost)
    lib.member("sign", "quantity_sign", (QUANTITY,), INT, _q_sign)
    lib.member("isInteger", "quantity_is_integer", (QUANTITY,), BOOL, _q_is_integer)
    lib.member("asInteger", "quantity_get_integer", (QUANTITY,), INT, _q_as_integer)
    lib.member(
        "asApproximateFloat", "quantity_get_float", (QUANTITY,), DOUBLE, lambda q: float(q.value)
    )
    lib.member("add", "quantity_add", (QUANTITY, QUANTITY), QUANTITY, _q_add)
    lib.member("add", "quantity_add_int", (QUANTITY, INT), QUANTITY, _q_add)
    lib.member("sub", "quantity_sub", (QUANTITY, QUANTITY), QUANTITY, _q_sub)
    lib.member("sub", "quantity_sub_int", (QUANTITY, INT), QUANTITY, _q_sub)
    lib.member(
        "isLessThan", "quantity_less", (QUANTITY, QUANTITY), BOOL, lambda a, b: a.value < b.value
    )
    lib.member(
        "isGreaterThan",
        "quantity_greater",
        (QUANTITY, QUANTITY),
        BOOL,
        lambda a, b: a.value > b.value,
    )
    lib.member(
        "compareTo",
        "quantity_compare_to",
        (QUANTITY, QUANTITY),
        INT,
        lambda a, b: (a.value > b.value) - (a.value < b.value),
    )


# -- ip and cidr --------------------------------------------------------------------------------


class IPValue:
    cel_type_name = "net.IP"
    __slots__ = ("addr",)

    def __init__(self, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        self.addr = addr

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IPValue) and other.addr == self.addr

    def __hash__(self) -> int:
        return hash(self.addr)

    def cel_string(self) -> str:
        return str(self.addr)


class CIDRValue:
    cel_type_name = "net.CIDR"
    __slots__ = ("iface",)

    def __init__(self, iface: ipaddress.IPv4Interface | ipaddress.IPv6Interface) -> None:
        self.iface = iface

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CIDRValue) and other.iface == self.iface

    def __hash__(self) -> int:
        return hash(self.iface)

    def cel_string(self) -> str:
        return f"{self.iface.ip}/{self.iface.network.prefixlen}"


def _parse_ip(s: str) -> IPValue:
    if "%" in s:
        raise EvalError(
            f'IP Address "{s}" parse error during conversion from string: IP address with zone value is not allowed'
        )
    try:
        addr = ipaddress.ip_address(s)
    except ValueError as err:
        raise EvalError(
            f'IP Address "{s}" parse error during conversion from string: {err}'
        ) from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        raise EvalError(
            f'IP Address "{s}" parse error during conversion from string: IPv4-mapped IPv6 address is not allowed'
        )
    return IPValue(addr)


def _is_ip(s: str) -> bool:
    try:
        _parse_ip(s)
    except EvalError:
        return False
    return True


def _ip_is_canonical(s: str) -> bool:
    return str(_parse_ip(s).addr) == s


def _parse_cidr(s: str) -> CIDRValue:
    addr_part, _, prefix = s.partition("/")
    if "%" in addr_part:
        raise EvalError(
            f'network address "{s}" parse error during conversion from string: CIDR with zone value is not allowed'
        )
    if not prefix or not prefix.isdigit() or (len(prefix) > 1 and prefix[0] == "0"):
        raise EvalError(
            f'network address "{s}" parse error during conversion from string: netip.ParsePrefix("{s}"): bad bits after slash: "{prefix}"'
        )
    try:
        iface = ipaddress.ip_interface(s)
    except ValueError as err:
        raise EvalError(
            f'network address "{s}" parse error during conversion from string: {err}'
        ) from None
    if isinstance(iface, ipaddress.IPv6Interface) and iface.ip.ipv4_mapped is not None:
        raise EvalError(
            f'network address "{s}" parse error during conversion from string: IPv4-mapped IPv6 address is not allowed'
        )
    return CIDRValue(iface)


def _is_cidr(s: str) -> bool:
    try:
        _parse_cidr(s)
    except EvalError:
        return False
    return True


def _link_local_multicast(a: Any) -> bool:
    if a.version == 4:
        return a in ipaddress.ip_network("224.0.0.0/24")
    return a in ipaddress.ip_network("ff02::/16")


def _global_unicast(a: Any) -> bool:
    if a.is_unspecified or a.is_loopback or a.is_multicast or a.is_link_local:
        return False
    if a.version == 4 and a == ipaddress.IPv4Address("255.255.255.255"):
        return False
    return True


def _contains_ip(c: CIDRValue, ip: Any) -> bool:
    addr = ip.addr if isinstance(ip, IPValue) else _parse_ip(ip).addr
    return addr.version == c.iface.version and addr in c.iface.network


def _contains_cidr(c: CIDRValue, other: Any) -> bool:
    o = other if isinstance(other, CIDRValue) else _parse_cidr(other)
    if o.iface.version != c.iface.version:
        return False
    return o.iface.network.subnet_of(c.iface.network)  # type: ignore[arg-type]


def _cidr_cost(args: list[Any], result: Any) -> int:
    return traversal(args[0])


def _ip(lib: Library) -> None:
    lib.add("ip", "string_to_ip", (STRING,), IP, _parse_ip, cost=_string_cost)
    lib.add("isIP", "is_ip", (STRING,), BOOL, _is_ip, cost=_string_cost)
    lib.add(
        "ip.isCanonical",
        "ip_is_canonical",
        (STRING,),
        BOOL,
        _ip_is_canonical,
        cost=lambda a, r: int(math.ceil(actual_size(a[0]) * 2 * STRING_TRAVERSAL_COST_FACTOR)),
    )
    lib.member("family", "ip_family", (IP,), INT, lambda i: i.addr.version, cost=_one)
    lib.member(
        "isUnspecified",
        "ip_is_unspecified",
        (IP,),
        BOOL,
        lambda i: i.addr.is_unspecified,
        cost=_one,
    )
    lib.member("isLoopback", "ip_is_loopback", (IP,), BOOL, lambda i: i.addr.is_loopback, cost=_one)
    lib.member(
        "isLinkLocalMulticast",
        "ip_is_link_local_multicast",
        (IP,),
        BOOL,
        lambda i: _link_local_multicast(i.addr),
        cost=_one,
    )
    lib.member(
        "isLinkLocalUnicast",
        "ip_is_link_local_unicast",
        (IP,),
        BOOL,
        lambda i: i.addr.is_link_local,
        cost=_one,
    )
    lib.member(
        "isGlobalUnicast",
        "ip_is_global_unicast",
        (IP,),
        BOOL,
        lambda i: _global_unicast(i.addr),
        cost=_one,
    )
    lib.add("string", "ip_to_string", (IP,), STRING, lambda i: str(i.addr))
    lib.add("cidr", "string_to_cidr", (STRING,), CIDR, _parse_cidr, cost=_string_cost)
    lib.add("isCIDR", "is_cidr", (STRING,), BOOL, _is_cidr, cost=_string_cost)
    lib.member(
        "containsIP", "cidr_contains_ip_string", (CIDR, STRING), BOOL, _contains_ip, cost=_cidr_cost
    )
    lib.member("containsIP", "cidr_contains_ip_ip", (CIDR, IP), BOOL, _contains_ip, cost=_cidr_cost)
    lib.member(
        "containsCIDR",
        "cidr_contains_cidr_string",
        (CIDR, STRING),
        BOOL,
        _contains_cidr,
        cost=_cidr_cost,
    )
    lib.member(
        "containsCIDR", "cidr_contains_cidr", (CIDR, CIDR), BOOL, _contains_cidr, cost=_cidr_cost
    )
    lib.member("ip", "cidr_ip", (CIDR,), IP, lambda c: IPValue(c.iface.ip), cost=_one)
    lib.member(
        "masked",
        "cidr_masked",
        (CIDR,),
        CIDR,
        lambda c: CIDRValue(ipaddress.ip_interface(str(c.iface.network))),
        cost=_one,
    )
    lib.member(
        "prefixLength",
        "cidr_prefix_length",
        (CIDR,),
        INT,
        lambda c: c.iface.network.prefixlen,
        cost=_one,
    )
    lib.add("string", "cidr_to_string", (CIDR,), STRING, lambda c: c.cel_string())


# -- semver -------------------------------------------------------------------------------------

_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class Semver:
    cel_type_name = "kubernetes.Semver"
    __slots__ = ("major", "minor", "patch", "pre", "text")

    def __init__(self, major: int, minor: int, patch: int, pre: tuple[str, ...], text: str) -> None:
        self.major = major
        self.minor = minor
        self.patch = patch
        self.pre = pre
        self.text = text

    def key(self) -> tuple[Any, ...]:
        pre: tuple[Any, ...] = tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre
        )
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Semver) and other.key() == self.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def cel_string(self) -> str:
        return self.text


def _normalize_semver(s: str) -> str:
    s = s[1:] if s.startswith("v") else s
    core, sep, rest = s, "", ""
    for ch in "-+":
        if ch in s:
            i = s.index(ch)
            if not sep or i < len(core):
                core, sep, rest = s[:i], s[i], s[i + 1 :]
    parts = core.split(".")
    while len(parts) < 3:
        parts.append("0")
    parts = [p.lstrip("0") or "0" if p.isdigit() else p for p in parts]
    return ".".join(parts) + (sep + rest if sep else "")


def _parse_semver(s: str, normalize: bool = False) -> Semver:
    text = _normalize_semver(s) if normalize else s
    m = _SEMVER_RE.match(text)
    if m is None:
        raise EvalError(f"Invalid semver: {s}")
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return Semver(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, text)


def _is_semver(s: str, normalize: bool = False) -> bool:
    try:
        _parse_semver(s, normalize)
    except EvalError:
        return False
    return True


def _semver(lib: Library) -> None:
    lib.add("semver", "string_to_semver", (STRING,), SEMVER, _parse_semver, cost=_string_cost)
    lib.add(
        "semver", "string_bool_to_semver", (STRING, BOOL), SEMVER, _parse_semver, cost=_string_cost
    )
    lib.add("isSemver", "is_semver_string", (STRING,), BOOL, _is_semver, cost=_string_cost)
    lib.add(
        "isSemver", "is_semver_string_bool", (STRING, BOOL), BOOL, _is_semver, cost=_string_cost
    )
    lib.member("major", "semver_major", (SEMVER,), INT, lambda v: v.major)
    lib.member("minor", "semver_minor", (SEMVER,), INT, lambda v: v.minor)
    lib.member("patch", "semver_patch", (SEMVER,), INT, lambda v: v.patch)
    lib.member("isLessThan", "semver_less", (SEMVER, SEMVER), BOOL, lambda a, b: a.key() < b.key())
    lib.member(
        "isGreaterThan", "semver_greater", (SEMVER, SEMVER), BOOL, lambda a, b: a.key() > b.key()
    )
    lib.member(
        "compareTo",
        "semver_compare_to",
        (SEMVER, SEMVER),
        INT,
        lambda a, b: (a.key() > b.key()) - (a.key() < b.key()),
    )


# -- format -------------------------------------------------------------------------------------


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    msg += " (e.g. "
    for i, ex in enumerate(examples):
        if i > 0:
            msg += " or "
        msg += f"'{ex}', "
    return msg + f"regex used for validation is '{fmt}')"


_DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + ")*"
_DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"


def _check(value: str, max_len: int, fmt: str, msg: str, *examples: str) -> list[str]:
    errs = []
    if len(value) > max_len:
        errs.append(f"must be no more than {max_len} characters")
    if not re.fullmatch(fmt, value):
        errs.append(_regex_error(msg, fmt, *examples))
    return errs


def _dns1123_label(v: str) -> list[str]:
    return _check(
        v,
        63,
        _DNS1123_LABEL,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character",
        "my-name",
        "123-abc",
    )


def _dns1123_subdomain(v: str) -> list[str]:
    return _check(
        v,
        253,
        _DNS1123_SUBDOMAIN,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
        "and must start and end with an alphanumeric character",
        "example.com",
    )


def _dns1035_label(v: str) -> list[str]:
    return _check(
        v,
        63,
        _DNS1035_LABEL,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
        "alphabetic character, and end with an alphanumeric character",
        "my-name",
        "abc-123",
    )


def _prefix(fn: Any) -> Any:
    def check(v: str) -> list[str]:
        out: list[str] = fn(v[:-1] if v.endswith("-") else v)
        return out

    return check


def _qualified_name(v: str) -> list[str]:
    errs: list[str] = []
    parts = v.split("/")
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in _dns1123_subdomain(prefix))
    elif len(parts) > 2:
        return [
            _regex_error(
                "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
                "start and end with an alphanumeric character",
                _QUALIFIED_NAME,
                "MyName",
                "my.name",
                "123-abc",
            )
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not re.fullmatch(_QUALIFIED_NAME, name):
        errs.append(
            "name part "
            + _regex_error(
                "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
                "an alphanumeric character",
                _QUALIFIED_NAME,
                "MyName",
                "my.name",
                "123-abc",
            )
        )
    return errs


def _label_value(v: str) -> list[str]:
    return _check(
        v,
        63,
        _LABEL_VALUE,
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
        "and must start and end with an alphanumeric character",
        "MyValue",
        "my_value",
        "12345",
    )


def _uuid(v: str) -> list[str]:
    if re.fullmatch(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", v
    ):
        return []
    return ["does not match the UUID format"]


def _byte(v: str) -> list[str]:
    import base64
    import binascii

    try:
        base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return ["invalid base64"]
    return []


def _date(v: str) -> list[str]:
    import datetime

    try:
        datetime.date.fromisoformat(v)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise ValueError
    except ValueError:
        return ["invalid date"]
    return []


def _datetime(v: str) -> list[str]:
    from kgen.cel._values import parse_timestamp

    try:
        parse_timestamp(v)
    except EvalError:
        return ["invalid datetime"]
    return []


def _uri(v: str) -> list[str]:
    return [] if _is_url(v) else ["invalid URI"]


_FORMATS = {
    "dns1123Label": _dns1123_label,
    "dns1123Subdomain": _dns1123_subdomain,
    "dns1035Label": _dns1035_label,
    "qualifiedName": _qualified_name,
    "dns1123LabelPrefix": _prefix(_dns1123_label),
    "dns1123SubdomainPrefix": _prefix(_dns1123_subdomain),
    "dns1035LabelPrefix": _prefix(_dns1035_label),
    "labelValue": _label_value,
    "uri": _uri,
    "uuid": _uuid,
    "byte": _byte,
    "date": _date,
    "datetime": _datetime,
}


class NamedFormat:
    cel_type_name = "kubernetes.NamedFormat"
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedFormat) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _validate(f: NamedFormat, value: str) -> Optional:
    errs = _FORMATS[f.name](value)
    return Optional(errs) if errs else OPTIONAL_NONE


def _format(lib: Library) -> None:
    lib.add(
        "format.named",
        "format-named",
        (STRING,),
        optional_of(FORMAT),
        lambda n: Optional(NamedFormat(n)) if n in _FORMATS else OPTIONAL_NONE,
    )
    for name in _FORMATS:
        lib.add(f"format.{name}", f"format-{name}", (), FORMAT, (lambda n=name: NamedFormat(n)))
    lib.member(
        "validate",
        "format-validate",
        (FORMAT, STRING),
        optional_of(list_of(STRING)),
        _validate,
        cost=lambda a, r: traversal(a[1]),
    )


def kubernetes_library() -> Library:
    lib = Library()
    _lists(lib)
    _regex(lib)
    _urls(lib)
    _quantity(lib)
    _ip(lib)
    _semver(lib)
    _format(lib)
    return lib
