"""Where bearer tokens and client certificates come from: every source implements
:class:`CredentialSource`; this module has the protocol and the token sources, and
:mod:`kgen.runtime._execplugin` the exec plugin's.

The transport calls ``get()`` (or ``async_get()``) before each request, which is cheap while the cached
credential is valid, and once with ``force_refresh=True`` after a 401, then retries the request once.

- :class:`StaticToken` never changes.
- :class:`TokenFile` re-reads its file when the copy is older than a period (client-go's
  ``NewCachedFileTokenSource``: 60 s, re-read 10 s early), because bound service-account tokens
  rotate.
- :class:`~kgen.runtime._execplugin.ExecCredentialSource` runs a ``client.authentication.k8s.io`` exec
  plugin and caches its ``ExecCredential`` until ``expirationTimestamp`` (as client-go's
  ``plugin/pkg/client/auth/exec``).

Sources are thread-safe and share one cache between ``get`` and ``async_get`` (one object serves
threads and tasks, so the coroutine is ``async_get`` next to ``get``, as ARCHITECTURE.md names them);
concurrent callers share one refresh. Secrets never appear in reprs or in exception messages.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from kgen.runtime._errors import CredentialError

__all__ = [
    "TOKEN_FILE_LEEWAY",
    "TOKEN_FILE_PERIOD",
    "CredentialError",
    "CredentialSource",
    "Credentials",
    "StaticToken",
    "TokenFile",
    "read_token_file",
]

logger = logging.getLogger(__name__)

#: client-go re-reads token files every minute, 10 s early.
TOKEN_FILE_PERIOD = 60.0
TOKEN_FILE_LEEWAY = 10.0
_REDACTED = "<redacted>"


@dataclass(frozen=True, repr=False)
class Credentials:
    """What a request authenticates with: a bearer token and/or a client certificate (PEM)."""

    token: str | None = None
    client_cert_pem: bytes | None = None  # from an exec plugin's clientCertificateData
    client_key_pem: bytes | None = None
    expires_at: datetime | None = None  # aware datetime; None = no expiry

    def __repr__(self) -> str:
        token = _REDACTED if self.token else None
        key = _REDACTED if self.client_key_pem else None
        cert = f"<{len(self.client_cert_pem)} bytes>" if self.client_cert_pem else None
        return (
            f"Credentials(token={token!s}, client_cert_pem={cert!s}, client_key_pem={key!s}, "
            f"expires_at={self.expires_at!r})"
        )


@runtime_checkable
class CredentialSource(Protocol):
    """Gives the credentials for the next request (refresh protocol: see the module docstring)."""

    def get(self, *, force_refresh: bool = False) -> Credentials:
        """Return valid credentials; may block (read a file, run a subprocess)."""
        ...

    async def async_get(self, *, force_refresh: bool = False) -> Credentials:
        """The async twin of :meth:`get`; never blocks the event loop."""
        ...


class StaticToken:
    """A bearer token that never changes (kubeconfig ``token``)."""

    def __init__(self, token: str) -> None:
        self._credentials = Credentials(token=token)

    def get(self, *, force_refresh: bool = False) -> Credentials:
        return self._credentials

    async def async_get(self, *, force_refresh: bool = False) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticToken(token={_REDACTED})"


class TokenFile:
    """A bearer token read from a file, re-read when the copy is ``period - leeway`` seconds old.

    ``force_refresh`` re-reads at once (the server said 401: the token has probably rotated). When a
    periodic re-read fails, the previous token is kept, a warning logged (client-go does the same)
    and the file tried again a period later; a failed forced re-read, or a failed first read without
    ``fallback_token``, raises :class:`CredentialError`.
    ``fallback_token`` is kubeconfig's ``token`` when ``tokenFile`` is also set: client-go sends the
    file's token and falls back to the static one.

    ``clock`` is monotonic seconds; tests pass a fake one.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        fallback_token: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        period: float = TOKEN_FILE_PERIOD,
        leeway: float = TOKEN_FILE_LEEWAY,
    ) -> None:
        self.path = os.fspath(path)
        self._fallback = Credentials(token=fallback_token) if fallback_token else None
        self._clock = clock
        self._max_age = period - leeway
        self._lock = threading.Lock()
        self._cached: Credentials | None = None
        self._read_at = 0.0

    def get(self, *, force_refresh: bool = False) -> Credentials:
        cached = None if force_refresh else self._fresh()
        return cached if cached is not None else self._refresh(force_refresh)

    async def async_get(self, *, force_refresh: bool = False) -> Credentials:
        cached = None if force_refresh else self._fresh()
        if cached is not None:
            return cached
        import asyncio  # not at import time: synchronous programs never pay for asyncio

        return await asyncio.to_thread(self._refresh, force_refresh)

    def _fresh(self) -> Credentials | None:
        cached = self._cached
        if cached is not None and self._clock() - self._read_at < self._max_age:
            return cached
        return None

    def _refresh(self, force_refresh: bool) -> Credentials:
        with self._lock:
            if not force_refresh and (cached := self._fresh()) is not None:
                return cached  # another thread re-read it while we waited
            try:
                token = read_token_file(self.path)
            except CredentialError as exc:
                previous = self._cached or self._fallback
                if force_refresh or previous is None:
                    raise
                # Keep the previous token and try again after another period, not on every request.
                logger.warning("%s; keeping the previous token", exc)
                self._cached, self._read_at = previous, self._clock()
                return previous
            self._cached = Credentials(token=token)
            self._read_at = self._clock()
            return self._cached

    def __repr__(self) -> str:
        return f"TokenFile({self.path!r})"


def read_token_file(path: str) -> str:
    """Read a token file as client-go does: surrounding whitespace stripped, empty is an error."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise CredentialError(f"cannot read token file {path}: {exc.strerror}") from None
    try:
        token = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CredentialError(f"token file {path} is not UTF-8 text") from None
    if not token:
        raise CredentialError(f"token file {path} is empty")
    return token
