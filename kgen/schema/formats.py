"""String formats as kube-apiserver checks them (``strfmt.Default``, go-openapi's registry).

A ``format`` the registry knows makes a string that does not parse an error (``spec.x in body must be
of type uuid: "x"``); any other format (``int32``, ``uri-reference``, ``k8s-short-name``...) is
documentation. Each check reproduces the Go function the registry calls (``net.ParseIP`` of kube-apiserver 1.20, which refuses leading zeros,
``url.ParseRequestURI``, ``net/mail.ParseAddress``, govalidator's patterns, ``time.Parse``...).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from kgen.schema._regex import compile_pattern

__all__ = ["FORMATS", "check_format", "known_format"]

_HOSTNAME = (
    r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9-"
    r"\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$"
)
_UUID = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z")
_UUID3 = re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z")
_UUID4 = re.compile(
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z"
)
_UUID5 = re.compile(
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z"
)
_ISBN10 = re.compile(r"^(?:[0-9]{9}X|[0-9]{10})\Z")
_ISBN13 = re.compile(r"^(?:[0-9]{13})\Z")
_SPACE_MINUS = re.compile(
    r"[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000-]+"
)
_NOT_DIGITS = re.compile(r"[^0-9]+")
_CREDIT_CARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|"
    r"3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})\Z"
)
_SSN = re.compile(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}\Z")
_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_RGB_PART = r"[\t\n\f\r ]*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])[\t\n\f\r ]*"
_RGBCOLOR = re.compile(rf"^rgb\({_RGB_PART},{_RGB_PART},{_RGB_PART}\)\Z")
_BASE64 = re.compile(
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})\Z"
)
_HEX24 = re.compile(r"^[0-9a-fA-F]{24}\Z")
_TIME = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})([\s\S][0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))\Z")
_DURATION_PART = re.compile(r"([0-9]+)[\t\n\f\r ]*([A-Za-zµ]+)")
_DURATION_UNITS = (
    ("ns", "nano"),
    ("us", "µs", "micro"),
    ("ms", "milli"),
    ("s", "sec"),
    ("m", "min"),
    ("h", "hr", "hour"),
    ("d", "day"),
    ("w", "wk", "week"),
)
_GO_DURATION = re.compile(r"[-+]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|μs|ms|s|m|h))+\Z")
_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_hostname(text: str) -> bool:
    if not compile_pattern(_HOSTNAME)(text):
        return False
    if len(text.encode()) > 255:
        return False
    return all(len(part.encode()) <= 63 for part in text.split("."))


def _is_email(text: str) -> bool:
    """net/mail.ParseAddress(text) succeeds with a non-empty address."""
    return _MailParser(text).address()


def _parse_ipv4(text: str) -> bool:
    parts = text.split(".")
    if len(parts) != 4:
        return False
    for part in parts:
        if not part or not part.isascii() or not part.isdigit() or int(part) > 255:
            return False
        if len(part) > 1 and part[0] == "0":
            return False  # kube-apiserver 1.20 refuses leading zeros
    return True


def _parse_ipv6(text: str) -> bool:
    """Go 1.15's parseIPv6 (no zone): hex groups of 1-4 digits, one ``::``, a trailing IPv4."""
    if not text:
        return False
    groups = 0
    ellipsis = False
    i = 0
    if text.startswith("::"):
        ellipsis = True
        i = 2
        if i == len(text):
            return True
    while i < len(text):
        j = i
        while j < len(text) and j - i < 4 and text[j] in "0123456789abcdefABCDEF":
            j += 1
        if j == i:
            return False
        if j < len(text) and text[j] == ".":
            # An embedded IPv4 address ends the text and takes two groups.
            if not (ellipsis or groups == 6) or groups > 6:
                return False
            if not _parse_ipv4(text[i:]):
                return False
            groups += 2
            i = len(text)
            break
        if j < len(text) and text[j] in "0123456789abcdefABCDEF":
            return False  # more than four hex digits
        groups += 1
        i = j
        if i == len(text):
            break
        if text[i] != ":" or i + 1 == len(text):
            return False
        i += 1
        if text[i] == ":":
            if ellipsis:
                return False
            ellipsis = True
            i += 1
            if i == len(text):
                break
        if groups > 8:
            return False
    if ellipsis:
        return groups < 8
    return groups == 8


def parse_ip(text: str) -> bool:
    """Whether ``net.ParseIP`` of kube-apiserver 1.20 accepts ``text``."""
    for char in text:
        if char == ".":
            return _parse_ipv4(text)
        if char == ":":
            return _parse_ipv6(text)
    return False


def _is_cidr(text: str) -> bool:
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isascii() or not prefix.isdigit() or len(prefix) > 3:
        return False
    if ":" in address:
        return _parse_ipv6(address) and int(prefix) <= 128
    return _parse_ipv4(address) and int(prefix) <= 32


def _is_mac(text: str) -> bool:
    """net.ParseMAC: 6, 8 or 20 octets as ``xx:xx...``, ``xx-xx...`` or ``xxxx.xxxx...``."""
    if len(text) < 14:
        return False
    hexdigits = "0123456789abcdefABCDEF"
    if text[2] in ":-":
        if (len(text) + 1) % 3 != 0:
            return False
        octets = (len(text) + 1) // 3
        if octets not in (6, 8, 20):
            return False
        sep = text[2]
        for k in range(octets):
            chunk = text[3 * k : 3 * k + 2]
            if len(chunk) != 2 or any(c not in hexdigits for c in chunk):
                return False
            if k < octets - 1 and text[3 * k + 2] != sep:
                return False
        return True
    if len(text) > 4 and text[4] == ".":
        if (len(text) + 1) % 5 != 0:
            return False
        octets = 2 * (len(text) + 1) // 5
        if octets not in (6, 8, 20):
            return False
        for k in range(octets // 2):
            chunk = text[5 * k : 5 * k + 4]
            if len(chunk) != 4 or any(c not in hexdigits for c in chunk):
                return False
            if k < octets // 2 - 1 and text[5 * k + 4] != ".":
                return False
        return True
    return False


def _is_isbn10(text: str) -> bool:
    clean = _SPACE_MINUS.sub("", text)
    if not _ISBN10.match(clean):
        return False
    total = sum((i + 1) * int(clean[i]) for i in range(9))
    total += 10 * (10 if clean[9] == "X" else int(clean[9]))
    return total % 11 == 0


def _is_isbn13(text: str) -> bool:
    clean = _SPACE_MINUS.sub("", text)
    if not _ISBN13.match(clean):
        return False
    total = sum(int(clean[i]) * (1 if i % 2 == 0 else 3) for i in range(12))
    return int(clean[12]) - ((10 - total % 10) % 10) == 0


def _is_credit_card(text: str) -> bool:
    clean = _NOT_DIGITS.sub("", text)
    if not _CREDIT_CARD.match(clean):
        return False
    total = 0
    double = False
    for char in reversed(clean):
        digit = int(char)
        if double:
            digit *= 2
            if digit >= 10:
                digit = digit % 10 + 1
        total += digit
        double = not double
    return total % 10 == 0


def _is_date(text: str) -> bool:
    """time.Parse("2006-01-02", text)."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return False
    year, month, day = text[:4], text[5:7], text[8:10]
    if not all(p.isascii() and p.isdigit() for p in (year, month, day)):
        return False
    m, d, y = int(month), int(day), int(year)
    if not 1 <= m <= 12 or d < 1:
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return d <= (29 if m == 2 and leap else _DAYS[m - 1])


def _is_datetime(text: str) -> bool:
    if len(text) < 4:
        return False
    parts = text.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    m = _TIME.match(parts[1])
    return m is not None and m.group(1) <= "23" and m.group(2) <= "59" and m.group(3) <= "59"


def _is_duration(text: str) -> bool:
    if text == "0" or (_GO_DURATION.match(text) and text not in ("+", "-")):
        return True
    for count, unit in _DURATION_PART.findall(text):
        unit = unit.strip().lower()
        for variants in _DURATION_UNITS:
            last = len(variants) - 1
            for i, variant in enumerate(variants):
                if (i == last and unit.startswith(variant)) or variant == unit:
                    return True
    return False


def _is_request_uri(text: str) -> bool:
    """url.ParseRequestURI(text) succeeds: an absolute URI, or an absolute path."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return False
    if text == "*":
        return True
    scheme, rest = "", text
    for i, char in enumerate(text):
        if char.isascii() and char.isalpha():
            continue
        if char.isascii() and (char.isdigit() or char in "+-."):
            if i == 0:
                break
            continue
        if char == ":":
            if i == 0:
                return False  # missing protocol scheme
            scheme, rest = text[:i], text[i + 1 :]
        break
    if not (rest.endswith("?") and rest.count("?") == 1):
        rest = rest.partition("?")[0]
    if not rest.startswith("/"):
        return bool(scheme)  # an opaque URI (mailto:x), or a relative path a request cannot have
    if scheme and rest.startswith("//"):
        authority, _, rest = rest[2:].partition("/")
        rest = "/" + rest
        if not _authority_ok(authority):
            return False
    return _escapes_ok(rest)


def _escapes_ok(text: str) -> bool:
    i = 0
    while i < len(text):
        if text[i] == "%":
            chunk = text[i + 1 : i + 3]
            if len(chunk) < 2 or any(c not in "0123456789abcdefABCDEF" for c in chunk):
                return False
            i += 3
            continue
        i += 1
    return True


_USERINFO_OK = re.compile(r"^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*\Z")


def _authority_ok(authority: str) -> bool:
    userinfo, at, host = authority.rpartition("@")
    if at and not _USERINFO_OK.match(userinfo):
        return False
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return False
        port = host[end + 1 :]
        if port and (not port.startswith(":") or not port[1:].isdigit() and port != ":"):
            return False
        return _escapes_ok(host[: end + 1])
    colon = host.rfind(":")
    if colon >= 0:
        port = host[colon + 1 :]
        if port and not (port.isascii() and port.isdigit()):
            return False
        host = host[:colon]
    return _escapes_ok(host)


class _MailParser:
    """The part of net/mail's addrParser that decides whether ParseAddress succeeds."""

    _ATEXT = set("!#$%&'*+-/=?^_`{|}~")

    def __init__(self, text: str) -> None:
        self.s = text

    def skip_space(self) -> None:
        self.s = self.s.lstrip(" \t")

    def skip_cfws(self) -> bool:
        self.skip_space()
        while self.s.startswith("("):
            depth = 0
            i = 0
            while i < len(self.s):
                c = self.s[i]
                if c == "\\":
                    i += 2
                    continue
                if c == "(":
                    depth += 1
                elif c == ")":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            if depth != 0:
                return False
            self.s = self.s[i + 1 :]
            self.skip_space()
        return True

    def is_atext(self, c: str, dot: bool) -> bool:
        if c == ".":
            return dot
        if ord(c) >= 0x80:
            return True
        return c.isalnum() or c in self._ATEXT

    def atom(self, dot: bool) -> str | None:
        i = 0
        while i < len(self.s) and self.is_atext(self.s[i], dot):
            i += 1
        if i == 0:
            return None
        atom, self.s = self.s[:i], self.s[i:]
        if dot and (atom.startswith(".") or atom.endswith(".") or ".." in atom):
            return None
        return atom

    def quoted(self) -> str | None:
        i = 1
        out: list[str] = []
        while i < len(self.s):
            c = self.s[i]
            if c == '"':
                self.s = self.s[i + 1 :]
                return "".join(out)
            if c == "\\":
                i += 1
                if i >= len(self.s):
                    return None
                c = self.s[i]
            elif ord(c) < 0x20 and c != "\t" or ord(c) == 0x7F:
                return None
            out.append(c)
            i += 1
        return None

    def addr_spec(self) -> bool:
        if self.s.startswith('"'):
            if self.quoted() is None:
                return False
        else:
            if self.atom(True) is None:
                return False
        if not self.s.startswith("@"):
            return False
        self.s = self.s[1:]
        self.skip_space()
        if not self.s:
            return False
        return self.atom(True) is not None  # (no domain literals: net/mail of Go 1.15)

    def address(self) -> bool:
        self.skip_space()
        if not self.s:
            return False
        saved = self.s
        if self.addr_spec():
            if not self.skip_cfws():
                return False
            return not self.s
        self.s = saved
        # A display name, then <addr-spec>.
        if not self.s.startswith("<"):
            while self.s and not self.s.startswith("<"):
                self.skip_space()
                if self.s.startswith('"'):
                    if self.quoted() is None:
                        return False
                elif self.atom(True) is None:
                    return False
                self.skip_space()
        if not self.s.startswith("<"):
            return False
        self.s = self.s[1:]
        if not self.addr_spec() or not self.s.startswith(">"):
            return False
        self.s = self.s[1:]
        if not self.skip_cfws():
            return False
        return not self.s


FORMATS: dict[str, Callable[[str], bool]] = {
    "bsonobjectid": lambda s: bool(_HEX24.match(s)),
    "uri": _is_request_uri,
    "email": _is_email,
    "hostname": _is_hostname,
    "ipv4": lambda s: parse_ip(s) and "." in s,
    "ipv6": lambda s: parse_ip(s) and ":" in s,
    "cidr": _is_cidr,
    "mac": _is_mac,
    "uuid": lambda s: bool(_UUID.match(s)),
    "uuid3": lambda s: bool(_UUID3.match(s)),
    "uuid4": lambda s: bool(_UUID4.match(s)),
    "uuid5": lambda s: bool(_UUID5.match(s)),
    "isbn": lambda s: _is_isbn10(s) or _is_isbn13(s),
    "isbn10": _is_isbn10,
    "isbn13": _is_isbn13,
    "creditcard": _is_credit_card,
    "ssn": lambda s: len(s) == 11 and bool(_SSN.match(s)),
    "hexcolor": lambda s: bool(_HEXCOLOR.match(s)),
    "rgbcolor": lambda s: bool(_RGBCOLOR.match(s)),
    "byte": lambda s: bool(_BASE64.match(s)),
    "password": lambda s: True,
    "date": _is_date,
    "datetime": _is_datetime,
    "duration": _is_duration,
}


def _normalize(name: str) -> str:
    return name.replace("-", "").replace("_", "").lower()


def known_format(name: str) -> Callable[[str], bool] | None:
    """The check of a format the apiserver validates, or None (the format is documentation)."""
    return FORMATS.get(_normalize(name))


def check_format(name: str, value: str) -> bool:
    """Whether ``value`` is valid for ``name`` (True for formats the apiserver does not check)."""
    check = known_format(name)
    return check is None or check(value)
