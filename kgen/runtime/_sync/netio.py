"""A TCP (or TLS) connection for kgen's HTTP/1.1 client: the part that differs between async and sync.

The hand-written twin of ``kgen/runtime/_async/netio.py``: a blocking socket (with a timeout per
call) where the async side has an asyncio protocol. The same errors: ``OSError`` and ``TimeoutError``.
"""

from __future__ import annotations

import select
import socket
import ssl

__all__ = ["SocketStream", "open_socket_stream"]

#: One read takes at most this much (what asyncio's transports read at once too).
READ_SIZE = 256 * 1024


class SocketStream:
    """One connection: bytes in as they arrive, bytes out."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def receive(self, timeout: float | None) -> bytes:
        """What has arrived (at least one byte), waiting up to ``timeout``; b"" at the peer's end."""
        self._sock.settimeout(timeout)
        try:
            return self._sock.recv(READ_SIZE)
        except socket.timeout as exc:  # an alias of TimeoutError from Python 3.10 on
            raise TimeoutError("the read timed out") from exc

    def send(self, data: bytes, timeout: float | None) -> None:
        self._sock.settimeout(timeout)
        self._sock.sendall(data)

    def is_reusable(self) -> bool:
        """Idle and still open: nothing arrived unasked (a close, or bytes no request asked for)."""
        sock = self._sock
        if sock.fileno() < 0:
            return False
        if isinstance(sock, ssl.SSLSocket) and sock.pending():
            return False
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def close(self) -> None:
        self._sock.close()


def open_socket_stream(
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    timeout: float | None,
) -> SocketStream:
    """Connect (and shake hands over TLS when ``ssl_context`` is given) within ``timeout``."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if ssl_context is not None:
            sock = ssl_context.wrap_socket(sock, server_hostname=server_hostname or host)
    except BaseException:
        sock.close()
        raise
    return SocketStream(sock)
