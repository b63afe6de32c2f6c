"""TLS for the connection to the API server: one cached :class:`ssl.SSLContext` per set of inputs.

The rules follow client-go's ``transport.TLSConfigFor``:

- verification is on unless ``insecure_skip_tls_verify`` is set, and a root CA together with
  ``insecure_skip_tls_verify`` is an error ("specifying a root certificates file with the insecure
  flag is not allowed");
- a CA, when given, is the *only* trust anchor; without one the system trust store is used;
- ``tls_server_name`` is the name the server certificate is checked against, and the SNI sent.

**tls-server-name.** A context built with ``tls_server_name`` pins it: its ``wrap_socket`` and
``wrap_bio`` replace whatever ``server_hostname`` the caller passes, so SNI and the hostname check
use that name with any client built on :mod:`ssl` (httpx/httpcore sync and async, :mod:`asyncio`,
websockets). Passing the same name through httpx's ``sni_hostname`` request extension
(``extensions={"sni_hostname": config.tls_server_name}``) is equivalent and harmless. Do not reuse
such a context for anything but the API server (e.g. an HTTPS proxy): it would check the proxy's
certificate against the API server's name.

**Client keys.** :meth:`ssl.SSLContext.load_cert_chain` only reads files. The key is written to an
anonymous in-memory file (``memfd_create``, Linux) or, elsewhere, to a 0600 file in a private 0700
temporary directory that is removed as soon as the key is loaded.

Contexts are cached (bounded LRU) on all their inputs, so the same configuration gets the same
context object back, and rotated exec-plugin certificates simply get a new one. Cached contexts are
shared: do not change them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import ssl
import tempfile
from collections.abc import Iterator

from kgen.runtime._errors import TLSConfigError

__all__ = [
    "TLSConfigError",
    "check_key_pair",
    "clear_ssl_context_cache",
    "create_ssl_context",
]

# How many distinct contexts to keep. A process usually talks to a handful of clusters; exec plugins
# that rotate client certificates add one entry per rotation, and old ones age out.
_CACHE_SIZE = 32


class _ServerNameContext(ssl.SSLContext):
    """A client context that always uses ``server_name`` for SNI and the hostname check.

    This is kubeconfig's ``tls-server-name``: the API server is reached at one address (often an IP)
    but its certificate is for another name.
    """

    server_name: str

    def wrap_socket(
        self,
        sock: socket.socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLSocket:
        return super().wrap_socket(
            sock,
            server_side,
            do_handshake_on_connect,
            suppress_ragged_eofs,
            self.server_name,
            session,
        )

    def wrap_bio(
        self,
        incoming: ssl.MemoryBIO,
        outgoing: ssl.MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: ssl.SSLSession | None = None,
    ) -> ssl.SSLObject:
        return super().wrap_bio(incoming, outgoing, server_side, self.server_name, session)


def create_ssl_context(
    *,
    ca_data: bytes | None = None,
    insecure_skip_tls_verify: bool = False,
    tls_server_name: str | None = None,
    client_cert_pem: bytes | None = None,
    client_key_pem: bytes | None = None,
    http2: bool = False,
) -> ssl.SSLContext:
    """Return the (cached) client context for these inputs, or raise :class:`TLSConfigError`.

    ``http2`` selects the ALPN offer: ``h2`` must only be offered when the HTTP client speaks
    HTTP/2, otherwise the server may pick it and the client would talk HTTP/1.1 on an HTTP/2
    connection.
    """
    return _cached_context(
        ca_data or None,
        insecure_skip_tls_verify,
        tls_server_name or None,
        client_cert_pem or None,
        client_key_pem or None,
        http2,
    )


def clear_ssl_context_cache() -> None:
    """Forget every cached context (they hold client keys in memory)."""
    _cached_context.cache_clear()


def check_key_pair(cert_pem: bytes, key_pem: bytes) -> None:
    """Raise :class:`TLSConfigError` unless ``cert_pem`` and ``key_pem`` are a matching PEM pair."""
    _load_cert_chain(ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), cert_pem, key_pem)


@functools.lru_cache(maxsize=_CACHE_SIZE)
def _cached_context(
    ca_data: bytes | None,
    insecure: bool,
    server_name: str | None,
    cert_pem: bytes | None,
    key_pem: bytes | None,
    http2: bool,
) -> ssl.SSLContext:
    if insecure and ca_data is not None:
        raise TLSConfigError(
            "certificate-authority",
            "specifying a root certificate together with insecure-skip-tls-verify is not allowed",
        )
    context: ssl.SSLContext
    if server_name is not None:
        pinned = _ServerNameContext(ssl.PROTOCOL_TLS_CLIENT)
        pinned.server_name = server_name
        context = pinned
    else:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # PROTOCOL_TLS_CLIENT starts with CERT_REQUIRED and check_hostname on.
    context.minimum_version = ssl.TLSVersion.TLSv1_2  # client-go's minimum too
    if insecure:
        context.check_hostname = False  # must be turned off before CERT_NONE is allowed
        context.verify_mode = ssl.CERT_NONE
    elif ca_data is not None:
        _load_ca(context, ca_data)
    else:
        context.load_default_certs(ssl.Purpose.SERVER_AUTH)
    if cert_pem is not None or key_pem is not None:
        if cert_pem is None or key_pem is None:
            raise TLSConfigError(
                "client-certificate", "a client certificate needs both a certificate and a key"
            )
        _load_cert_chain(context, cert_pem, key_pem)
    context.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
    return context


def _load_ca(context: ssl.SSLContext, ca_data: bytes) -> None:
    try:
        context.load_verify_locations(cadata=ca_data.decode("ascii"))
    except (UnicodeDecodeError, ValueError, ssl.SSLError) as exc:
        raise TLSConfigError(
            "certificate-authority", f"not a PEM certificate bundle ({_reason(exc)})"
        ) from None


def _load_cert_chain(
    context: ssl.SSLContext, cert_pem: bytes, key_pem: bytes, *, in_memory: bool = True
) -> None:
    # One file with the certificate chain followed by the key: load_cert_chain reads the key from
    # the certificate file when no key file is given.
    bundle = cert_pem.rstrip(b"\n") + b"\n" + key_pem
    opener = _memory_file if in_memory and _has_memfd() else _private_temp_file
    try:
        with opener(bundle) as path:
            context.load_cert_chain(path)
    except (ssl.SSLError, ValueError) as exc:
        # The reason is OpenSSL's ("KEY_VALUES_MISMATCH", "PEM lib"): it never contains the key.
        raise TLSConfigError(
            "client-certificate",
            f"the client certificate and key are not a matching PEM pair ({_reason(exc)})",
        ) from None


def _has_memfd() -> bool:
    return hasattr(os, "memfd_create") and os.path.isdir("/proc/self/fd")


@contextlib.contextmanager
def _memory_file(data: bytes) -> Iterator[str]:
    """An anonymous file that only lives in memory, reachable by path while the context is open."""
    fd = os.memfd_create("kgen-tls", os.MFD_CLOEXEC)
    try:
        _write_all(fd, data)
        yield f"/proc/self/fd/{fd}"
    finally:
        os.close(fd)


@contextlib.contextmanager
def _private_temp_file(data: bytes) -> Iterator[str]:
    """A 0600 file in a fresh 0700 directory, both removed on exit."""
    with tempfile.TemporaryDirectory(prefix="kgen-tls-") as directory:
        path = os.path.join(directory, "client.pem")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        yield path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError) and exc.reason:
        return str(exc.reason)
    return type(exc).__name__ if isinstance(exc, UnicodeDecodeError) else str(exc)
