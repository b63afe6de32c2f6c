"""httpx's exceptions, mapped to kgen's error tree in this one place (httpx maps httpcore's the same way).

Every module that sends or reads through httpx catches :data:`HTTPX_ERRORS` and raises
``transport_error(exc, what)``, so a caller never sees an httpx exception: a test walks httpx's
exported exception classes and checks that each maps to a :class:`~kgen.runtime._errors.KubernetesError`.
"""

from __future__ import annotations

import httpx

from kgen.runtime._errors import (
    ConfigError,
    DecodeError,
    KubernetesError,
    TransportError,
    TransportTimeout,
)

__all__ = ["HTTPX_ERRORS", "transport_error"]

#: What to catch around httpx calls: its whole tree, plus the three classes outside ``HTTPError``
#: (stream misuse, bad URLs, cookie conflicts).
HTTPX_ERRORS: tuple[type[Exception], ...] = (
    httpx.HTTPError,
    httpx.StreamError,
    httpx.InvalidURL,
    httpx.CookieConflict,
)


def transport_error(exc: Exception, what: str) -> KubernetesError:
    """The kgen error for an httpx exception; ``what`` names the request (``"GET https://..."``).

    Raise it ``from exc`` so that the httpx exception stays the cause (retry logic looks at it).
    """
    if isinstance(exc, httpx.TimeoutException):
        return TransportTimeout(f"{what}: timed out ({_text(exc)})")
    if isinstance(exc, httpx.DecodingError):
        # The body's content encoding (gzip...) is broken: the answer arrived but cannot be read.
        return DecodeError(f"{what}: the answer cannot be decoded ({_text(exc)})")
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return ConfigError(f"{what}: {_text(exc)}", field="server")
    if isinstance(exc, httpx.ProxyError):
        return TransportError(f"{what}: the proxy refused or failed ({_text(exc)})")
    if isinstance(exc, httpx.ProtocolError):
        return TransportError(f"{what}: HTTP protocol error ({_text(exc)})")
    if isinstance(exc, httpx.StreamError):
        return TransportError(f"{what}: the stream cannot be read again ({_text(exc)})")
    return TransportError(f"{what}: {_text(exc)}")


def _text(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
