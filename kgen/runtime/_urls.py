"""A request's URL under the server's, as an ``httpx.URL``, without parsing it again (no I/O).

Shared by both transport twins. httpx's ``build_request`` parses and validates the whole URL for every
request (three parses per request in the controller benchmark's profile); kgen builds its paths
itself, so the URL is made from the server's parsed parts. That needs httpx's URL to be made as this
module knows: checked once, on first use, against httpx's own parse; if it is not, httpx parses.
"""

from __future__ import annotations

import functools
from urllib.parse import quote, urlencode

import httpx

__all__ = ["request_url"]

#: What a path may hold unescaped (RFC 3986 pchar and "/"; "%": kgen's paths arrive escaped).
_PATH_SAFE = "/:@!$&'()*+,;=~%"


def request_url(server: httpx.URL, path: str, params: list[tuple[str, str]]) -> httpx.URL:
    """``path`` (and the query ``params``) under the server's URL, as ``build_request`` makes it from
    a ``base_url``: its path prefix kept, the path escaped, the query form-encoded."""
    prefix = server.raw_path.decode("ascii")  # ends with "/": httpx ensures it of a base_url
    raw_path = prefix + quote(path.lstrip("/"), safe=_PATH_SAFE)
    query = urlencode(params) if params else None
    if _parts_work():
        return _from_parts(server, raw_path, query)
    return server.copy_with(raw_path=(raw_path + ("?" + query if query else "")).encode("ascii"))


def _from_parts(server: httpx.URL, raw_path: str, query: str | None) -> httpx.URL:
    url = httpx.URL.__new__(httpx.URL)
    url._uri_reference = server._uri_reference._replace(path=raw_path, query=query)
    return url


@functools.cache
def _parts_work() -> bool:
    """Whether this httpx's URL made from parts equals the one it parses (another httpx: no)."""
    try:
        made = _from_parts(
            httpx.URL("https://example.com:6443/prefix/"),
            "/prefix/api/v1/pods",
            "labelSelector=a+in+%28b%2Cc%29",
        )
        parsed = httpx.URL(
            "https://example.com:6443/prefix/api/v1/pods?labelSelector=a+in+%28b%2Cc%29"
        )
        return made == parsed and made.raw_path == parsed.raw_path
    except Exception:  # noqa: BLE001 - another httpx: parse as it does
        return False
