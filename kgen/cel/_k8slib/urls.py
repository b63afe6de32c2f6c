"""Kubernetes' URL library: url, isURL and the parts of a URL (Go's url.ParseRequestURI)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from kgen.cel._errors import EvalError
from kgen.cel._library import Library, accepts, first_argument_cost
from kgen.cel._types import BOOL, STRING, list_of, map_of, opaque

__all__ = ["URL", "URLValue", "is_url", "register"]

URL = opaque("kubernetes.URL")


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


is_url = accepts(_parse_url)


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


def register(lib: Library) -> None:
    lib.add("url", "string_to_url", (STRING,), URL, _parse_url, cost=first_argument_cost)
    lib.add("isURL", "is_url_string", (STRING,), BOOL, is_url, cost=first_argument_cost)
    lib.member("getScheme", "url_get_scheme", (URL,), STRING, lambda u: u.parts.scheme)
    lib.member("getHost", "url_get_host", (URL,), STRING, _host)
    lib.member("getHostname", "url_get_hostname", (URL,), STRING, _hostname)
    lib.member("getPort", "url_get_port", (URL,), STRING, _port)
    lib.member("getEscapedPath", "url_get_escaped_path", (URL,), STRING, lambda u: u.parts.path)
    lib.member("getQuery", "url_get_query", (URL,), map_of(STRING, list_of(STRING)), _query)
    lib.add("string", "url_to_string", (URL,), STRING, lambda u: u.text)
