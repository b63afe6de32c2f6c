"""A TCP (or TLS) connection for kgen's HTTP/1.1 client: the part that differs between async and sync.

Hand-written twins, like ``primitives`` and ``streamio``: this side is an asyncio protocol, the sync
side (``kgen/runtime/_sync/netio.py``) a blocking socket. Both raise only ``OSError`` (``ssl.SSLError``
is one) and the builtin ``TimeoutError``; ``_async/http1.py`` turns them into httpx's exceptions.

Why not anyio's streams, as httpcore uses: each read there costs a cancel scope, a library sniff and
a pause/resume of the transport, and those were most of a small request's CPU in a controller
(``benchmarks/controllers.py``). Here a read that finds data returns it at once, and a wait is one
future and, with a timeout, one timer.
"""

from __future__ import annotations

import asyncio
import select
import ssl
from collections import deque

__all__ = ["AsyncSocketStream", "open_socket_stream"]

#: Reading pauses when this much has been received and not yet taken (a slow consumer of a watch),
#: and resumes under a quarter of it: memory stays bounded, and no byte is dropped.
HIGH_WATER = 4 * 1024 * 1024


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.received: deque[bytes] = deque()
        self.size = 0  # bytes in ``received``
        self.ended = False  # the peer's end (or the connection's loss) was seen
        self.error: Exception | None = None  # why the connection was lost, if by an error
        self.reading_paused = False
        self.writing_paused = False
        self.waiter: asyncio.Future[None] | None = None  # a read or a drain waiting

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.received.append(data)
        self.size += len(data)
        if self.size > HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake()
        return False  # close the transport: a half-closed HTTP/1.1 connection is of no further use

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake()

    def pause_writing(self) -> None:
        self.writing_paused = True

    def resume_writing(self) -> None:
        self.writing_paused = False
        self._wake()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class AsyncSocketStream:
    """One connection: bytes in as they arrive, bytes out with flow control."""

    def __init__(self, protocol: _Protocol) -> None:
        self._protocol = protocol
        assert protocol.transport is not None
        self._transport = protocol.transport

    async def _wait(self, timeout: float | None) -> None:
        loop = asyncio.get_running_loop()
        waiter = self._protocol.waiter = loop.create_future()
        timer = loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            self._protocol.waiter = None
            if timer is not None:
                timer.cancel()

    async def receive(self, timeout: float | None) -> bytes:
        """What has arrived (at least one byte), waiting up to ``timeout``; b"" at the peer's end."""
        protocol = self._protocol
        if not protocol.received:
            if protocol.ended:
                return self._end()
            await self._wait(timeout)
            if not protocol.received:
                return self._end()
        received = protocol.received
        data = received.popleft() if len(received) == 1 else b"".join(received)
        received.clear()
        protocol.size = 0
        if protocol.reading_paused:
            protocol.reading_paused = False
            self._transport.resume_reading()
        return data

    def _end(self) -> bytes:
        error = self._protocol.error
        if error is not None:
            raise error if isinstance(error, OSError) else ConnectionError(str(error))
        return b""

    async def send(self, data: bytes, timeout: float | None) -> None:
        if self._protocol.ended:
            raise self._protocol.error or ConnectionResetError("the connection was closed")
        self._transport.write(data)
        while self._protocol.writing_paused and not self._protocol.ended:
            await self._wait(timeout)

    def is_reusable(self) -> bool:
        """Idle and still open: nothing arrived unasked (a close, or bytes no request asked for).

        The socket itself is asked too: the loop may not have run since the peer closed it (a
        program that runs the loop only while it makes a request).
        """
        protocol = self._protocol
        if protocol.ended or protocol.received or self._transport.is_closing():
            return False
        sock = self._transport.get_extra_info("socket")
        try:
            readable, _, _ = select.select([sock], [], [], 0)
        except (OSError, ValueError, TypeError):
            return False
        return not readable

    def close(self) -> None:
        # Aborted, not closed: a connection is closed only when it carries nothing more (HTTP framing
        # said where the answer ended), and TLS's close_notify exchange would keep the socket open
        # for round trips (up to 30 s) after a program may have stopped running its loop.
        self._transport.abort()


async def open_socket_stream(
    host: str,
    port: int,
    ssl_context: ssl.SSLContext | None,
    server_hostname: str | None,
    timeout: float | None,
) -> AsyncSocketStream:
    """Connect (and shake hands over TLS when ``ssl_context`` is given) within ``timeout``."""
    try:
        return await asyncio.wait_for(_open(host, port, ssl_context, server_hostname), timeout)
    except asyncio.TimeoutError as exc:  # not the builtin one before Python 3.11
        raise TimeoutError(f"connecting to {host}:{port}") from exc


async def _open(
    host: str, port: int, ssl_context: ssl.SSLContext | None, server_hostname: str | None
) -> AsyncSocketStream:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(_Protocol, host, port)
    if ssl_context is not None:
        # TLS started here rather than by create_connection: when the handshake fails (a
        # certificate refused) or times out, the socket is closed here, where create_connection's
        # own cleanup leaves the socket's transport open.
        try:
            tls = await loop.start_tls(
                transport, protocol, ssl_context, server_hostname=server_hostname or host
            )
        except BaseException:
            transport.abort()
            raise
        assert isinstance(tls, asyncio.Transport)
        protocol.transport = tls
    return AsyncSocketStream(protocol)
