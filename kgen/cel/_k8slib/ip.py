"""Kubernetes' IP and CIDR libraries: ip, isIP, cidr, isCIDR and what an address or a prefix
knows of itself (Go's net/netip, with the libraries' refusal of zones and IPv4-mapped IPv6)."""

from __future__ import annotations

import ipaddress
import math
from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._library import (
    STRING_TRAVERSAL_COST_FACTOR,
    Library,
    accepts,
    actual_size,
    constant_cost,
    first_argument_cost,
)
from kgen.cel._types import BOOL, INT, STRING, opaque

__all__ = ["CIDR", "IP", "register"]

IP = opaque("net.IP")
CIDR = opaque("net.CIDR")


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


def _ip_error(s: str, reason: str) -> EvalError:
    return EvalError(f'IP Address "{s}" parse error during conversion from string: {reason}')


def _cidr_error(s: str, reason: str) -> EvalError:
    return EvalError(f'network address "{s}" parse error during conversion from string: {reason}')


def _parse_ip(s: str) -> IPValue:
    if "%" in s:
        raise _ip_error(s, "IP address with zone value is not allowed")
    try:
        addr = ipaddress.ip_address(s)
    except ValueError as err:
        raise _ip_error(s, str(err)) from None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        raise _ip_error(s, "IPv4-mapped IPv6 address is not allowed")
    return IPValue(addr)


def _ip_is_canonical(s: str) -> bool:
    return str(_parse_ip(s).addr) == s


def _parse_cidr(s: str) -> CIDRValue:
    addr_part, _, prefix = s.partition("/")
    if "%" in addr_part:
        raise _cidr_error(s, "CIDR with zone value is not allowed")
    if not prefix or not prefix.isdigit() or (len(prefix) > 1 and prefix[0] == "0"):
        raise _cidr_error(s, f'netip.ParsePrefix("{s}"): bad bits after slash: "{prefix}"')
    try:
        iface = ipaddress.ip_interface(s)
    except ValueError as err:
        raise _cidr_error(s, str(err)) from None
    if isinstance(iface, ipaddress.IPv6Interface) and iface.ip.ipv4_mapped is not None:
        raise _cidr_error(s, "IPv4-mapped IPv6 address is not allowed")
    return CIDRValue(iface)


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


def register(lib: Library) -> None:
    lib.add("ip", "string_to_ip", (STRING,), IP, _parse_ip, cost=first_argument_cost)
    lib.add("isIP", "is_ip", (STRING,), BOOL, accepts(_parse_ip), cost=first_argument_cost)
    lib.add(
        "ip.isCanonical",
        "ip_is_canonical",
        (STRING,),
        BOOL,
        _ip_is_canonical,
        cost=lambda a, r: int(math.ceil(actual_size(a[0]) * 2 * STRING_TRAVERSAL_COST_FACTOR)),
    )
    lib.member("family", "ip_family", (IP,), INT, lambda i: i.addr.version, cost=constant_cost)
    lib.member(
        "isUnspecified",
        "ip_is_unspecified",
        (IP,),
        BOOL,
        lambda i: i.addr.is_unspecified,
        cost=constant_cost,
    )
    lib.member(
        "isLoopback",
        "ip_is_loopback",
        (IP,),
        BOOL,
        lambda i: i.addr.is_loopback,
        cost=constant_cost,
    )
    lib.member(
        "isLinkLocalMulticast",
        "ip_is_link_local_multicast",
        (IP,),
        BOOL,
        lambda i: _link_local_multicast(i.addr),
        cost=constant_cost,
    )
    lib.member(
        "isLinkLocalUnicast",
        "ip_is_link_local_unicast",
        (IP,),
        BOOL,
        lambda i: i.addr.is_link_local,
        cost=constant_cost,
    )
    lib.member(
        "isGlobalUnicast",
        "ip_is_global_unicast",
        (IP,),
        BOOL,
        lambda i: _global_unicast(i.addr),
        cost=constant_cost,
    )
    lib.add("string", "ip_to_string", (IP,), STRING, lambda i: str(i.addr))
    lib.add("cidr", "string_to_cidr", (STRING,), CIDR, _parse_cidr, cost=first_argument_cost)
    lib.add("isCIDR", "is_cidr", (STRING,), BOOL, accepts(_parse_cidr), cost=first_argument_cost)
    lib.member(
        "containsIP",
        "cidr_contains_ip_string",
        (CIDR, STRING),
        BOOL,
        _contains_ip,
        cost=first_argument_cost,
    )
    lib.member(
        "containsIP",
        "cidr_contains_ip_ip",
        (CIDR, IP),
        BOOL,
        _contains_ip,
        cost=first_argument_cost,
    )
    lib.member(
        "containsCIDR",
        "cidr_contains_cidr_string",
        (CIDR, STRING),
        BOOL,
        _contains_cidr,
        cost=first_argument_cost,
    )
    lib.member(
        "containsCIDR",
        "cidr_contains_cidr",
        (CIDR, CIDR),
        BOOL,
        _contains_cidr,
        cost=first_argument_cost,
    )
    lib.member("ip", "cidr_ip", (CIDR,), IP, lambda c: IPValue(c.iface.ip), cost=constant_cost)
    lib.member(
        "masked",
        "cidr_masked",
        (CIDR,),
        CIDR,
        lambda c: CIDRValue(ipaddress.ip_interface(str(c.iface.network))),
        cost=constant_cost,
    )
    lib.member(
        "prefixLength",
        "cidr_prefix_length",
        (CIDR,),
        INT,
        lambda c: c.iface.network.prefixlen,
        cost=constant_cost,
    )
    lib.add("string", "cidr_to_string", (CIDR,), STRING, lambda c: c.cel_string())
