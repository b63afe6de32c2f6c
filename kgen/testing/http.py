"""A small HTTP/1.1 server on asyncio and h11: keep-alive, chunked streaming replies, optional TLS.

It knows nothing about Kubernetes: an application turns a :class:`Request` into a :class:`Reply` whose
body is bytes or an async iterator of chunks (a watch), or whose ``upgrade`` takes the connection over
after a ``101 Switching Protocols`` (exec, attach, port-forward: :mod:`kgen.testing.streaming`). A
streaming reply ends when its iterator ends, or early when the client goes away (its iterator is then
closed, which lets the application stop its watch).

One connection never holds up another: each is served by its own task, a client that sends slowly
only waits for itself, and what one request may make the server hold is bounded, as Go's net/http
bounds it for kube-apiserver:

- the request line and headers: ``max_header`` bytes (1 MiB + 4 KiB), else ``431 Request Header
  Fields Too Large`` and the connection closes; a request h11 cannot parse gets ``400 Bad Request``
  (both plain text, as Go answers them);
- the body: ``max_body`` bytes (3 MiB). A longer one (by its Content-Length, or once that much has
  arrived) is not read: the application gets the request with :attr:`Request.oversized` set (and
  answers 413), and the connection closes after the reply;
- a client that writes the next request while a watch streams to it keeps it for after the watch.
"""

from __future__ import annotations

import asyncio
import http
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import h11

from kgen.testing.limits import MAX_HEADER_BYTES, MAX_REQUEST_BODY_BYTES

__all__ = ["AbortStream", "HTTPServer", "Reply", "Request", "Upgrade"]

# A "%" not followed by two hex digits: Go's url.ParseRequestURI refuses the request.
# How long a connection closed on an unread request keeps reading (net/http's rstAvoidanceDelay).
_LINGER_SECONDS = 0.5
# The size of the pieces a large reply body is written in.
_WRITE_PIECE = 1 << 18
# Control characters a header value may not hold (h11 refuses them and the connection would drop
# without an answer): spaces, as Go's server writes a newline in a value. A Warning can carry them
# from an unknown field's name.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")


class AbortStream(Exception):
    """Raised by a streaming body to drop the connection without ending the response."""


@dataclass(slots=True)
class Request:
    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    peer_cert: dict[str, object] | None = None
    # The body was longer than the server reads (and was not read): answer 413.
    oversized: bool = False

    def param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.query.items() if v}


#: Takes over an upgraded connection (WebSocket, SPDY): the reader, the writer, and what the client
#: sent after its request (read along with it). The connection is closed when it returns.
Upgrade = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[None]]


@dataclass(slots=True)
class Reply:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: AsyncIterator[bytes] | None = None
    upgrade: Upgrade | None = None  # with status 101, for a request that asked for an Upgrade


App = Callable[[Request], Awaitable[Reply]]


class HTTPServer:
    """Serves ``app`` on ``host:port`` (0 picks a free port) until :meth:`close`."""

    def __init__(
        self,
        app: App,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        *,
        max_body: int = MAX_REQUEST_BODY_BYTES,
        max_header: int = MAX_HEADER_BYTES,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.max_body = max_body
        self.max_header = max_header
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._connection, self.host, self.port, ssl=self.ssl_context
        )
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def drop_connections(self) -> None:
        """Close every open connection (as a restarting server does)."""
        for task in list(self._connections):
            task.cancel()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            await self._serve(reader, writer)
        except (asyncio.CancelledError, ConnectionError, h11.ProtocolError, ssl.SSLError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1)
            except (Exception, asyncio.CancelledError):  # noqa: BLE001 - closing anyway
                pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=self.max_header)
        peer_cert = None
        ssl_object = writer.get_extra_info("ssl_object")
        if ssl_object is not None:
            peer_cert = ssl_object.getpeercert() or None
        while True:
            try:
                request = await self._read_request(conn, reader, writer)
            except h11.RemoteProtocolError as exc:
                await self._refuse(writer, exc.error_status_hint)
                await _linger(reader, writer)
                return
            if request is None:
                return
            request.peer_cert = peer_cert
            reply = await self.app(request)
            if request.oversized:
                # The rest of the body was not read: the connection cannot carry another request.
                reply.headers.append(("Connection", "close"))
            keep = await self._write_reply(conn, reader, writer, reply)
            if request.oversized:
                await _linger(reader, writer)
                return
            if not keep or conn.our_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _refuse(self, writer: asyncio.StreamWriter, code: int) -> None:
        """Go's answer to a request it cannot read, in plain text, and the end of the connection."""
        phrase = _reason(code)
        writer.write(
            f"HTTP/1.1 {code} {phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
            f"Connection: close\r\n\r\n{code} {phrase}".encode("ascii")
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Request | None:
        head: h11.Request | None = None
        body = bytearray()
        oversized = False
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await reader.read(65536)
                conn.receive_data(data)
                continue
            if isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                return None
            if isinstance(event, h11.Request):
                head = event
                if _head_size(head) > self.max_header:
                    # h11 only bounds what it buffers while the head is incomplete.
                    raise h11.RemoteProtocolError("header too large", error_status_hint=431)
                if _BAD_ESCAPE.search(urlsplit(head.target.decode("latin-1")).path):
                    raise h11.RemoteProtocolError("invalid URL escape", error_status_hint=400)
                length = _content_length(head.headers)
                if length is not None and length > self.max_body:
                    oversized = True  # not read, not even asked for (no 100 Continue)
                    break
                if conn.they_are_waiting_for_100_continue:
                    # "Expect: 100-continue" clients hold the body back until told to send it.
                    writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                    await writer.drain()
            elif isinstance(event, h11.Data):
                body += event.data
                if len(body) > self.max_body:
                    oversized = True
                    break
            elif isinstance(event, h11.EndOfMessage):
                break
        assert head is not None
        target = head.target.decode("latin-1")
        split = urlsplit(target)
        headers: dict[str, str] = {}
        for name, value in head.headers:
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        return Request(
            method=head.method.decode("ascii", "replace").upper(),
            path=unquote(split.path),
            raw_query=split.query,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=b"" if oversized else bytes(body),
            oversized=oversized,
        )

    async def _write_reply(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        reply: Reply,
    ) -> bool:
        headers = [
            (k.encode("latin-1", "replace"), _CONTROL.sub(" ", v).encode("latin-1", "replace"))
            for k, v in reply.headers
        ]
        reason = _reason(reply.status).encode("ascii")
        if reply.upgrade is not None:
            # 101 Switching Protocols: from here on the connection speaks another protocol.
            writer.write(
                conn.send(
                    h11.InformationalResponse(status_code=101, headers=headers, reason=reason)
                )
            )
            await writer.drain()
            trailing, _ = conn.trailing_data
            await reply.upgrade(reader, writer, bytes(trailing))
            return False
        if reply.stream is None:
            headers.append((b"content-length", str(len(reply.body)).encode()))
            head = conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason))
            body = reply.body
            if len(body) <= _WRITE_PIECE:
                # One write (one send) for the head and a small body.
                data = conn.send(h11.Data(data=body)) if body else b""
                writer.write(head + data + conn.send(h11.EndOfMessage()))
                await writer.drain()
                return True
            writer.write(head)
            # A large body goes out in pieces: the first is on its way (and the client reading
            # it) while the next is encrypted, instead of all of it being encrypted first.
            for start in range(0, len(body), _WRITE_PIECE):
                writer.write(conn.send(h11.Data(data=body[start : start + _WRITE_PIECE])))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            return True
        headers.append((b"transfer-encoding", b"chunked"))
        writer.write(
            conn.send(h11.Response(status_code=reply.status, headers=headers, reason=reason))
        )
        await writer.drain()
        return await self._stream(conn, reader, writer, reply.stream)

    async def _stream(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stream: AsyncIterator[bytes],
    ) -> bool:
        # The client hanging up is only seen by reading: watch for EOF while streaming. What it sends
        # meanwhile (its next request, pipelined) is kept for after the stream, up to the header
        # limit; past that the stream goes on without watching for EOF.
        early = bytearray()
        gone: asyncio.Future[bytes] | None = asyncio.ensure_future(reader.read(65536))
        iterator = stream.__aiter__()
        chunk_task: asyncio.Future[bytes] | None = None
        try:
            while True:
                if chunk_task is None:
                    chunk_task = asyncio.ensure_future(iterator.__anext__())
                waiting: set[asyncio.Future[Any]] = {chunk_task}
                if gone is not None:
                    waiting.add(gone)
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if gone is not None and gone in done:
                    data = gone.result()
                    if not data:
                        return False  # the client hung up
                    early += data
                    gone = None
                    if len(early) <= self.max_header:
                        gone = asyncio.ensure_future(reader.read(65536))
                if chunk_task not in done:
                    continue
                finished, chunk_task = chunk_task, None
                try:
                    chunk = finished.result()
                except StopAsyncIteration:
                    break
                except AbortStream:
                    return False
                writer.write(conn.send(h11.Data(data=chunk)))
                await writer.drain()
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            # The stream ended and the connection lives on, as kube-apiserver's does (closing it here,
            # unannounced, would reset the client's next request on it). What the watcher read
            # meanwhile is the start of that request.
            if gone is not None and not gone.done():
                # Nothing more read: stop reading (StreamReader keeps any data for the next read),
                # and wait until it has stopped, since a reader may only have one read pending.
                gone.cancel()
                await asyncio.wait({gone})
            if gone is not None and not gone.cancelled():
                data = gone.result()
                if not data:
                    return False  # the client hung up
                early += data
            if early:
                conn.receive_data(bytes(early))
            return True
        finally:
            if gone is not None:
                gone.cancel()
            if chunk_task is not None:
                chunk_task.cancel()
                await asyncio.wait({chunk_task})
            close = getattr(iterator, "aclose", None)
            if close is not None:
                try:
                    await close()
                except (Exception, asyncio.CancelledError):  # noqa: BLE001 - best effort
                    pass


def _reason(code: int) -> str:
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Go's closeWriteAndWait, before closing a connection whose request was not read to its end:
    close the sending side and read what the client still sends, for a moment. Closed at once, the
    socket would answer the unread bytes with a reset, which can destroy the answer before the
    client reads it."""
    try:
        if writer.can_write_eof():
            writer.write_eof()
        await asyncio.wait_for(_discard(reader), _LINGER_SECONDS)
    except (asyncio.TimeoutError, ConnectionError, OSError):
        pass


async def _discard(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _head_size(head: h11.Request) -> int:
    """The size of a request line and its headers, as Go's MaxHeaderBytes counts them."""
    size = len(head.method) + len(head.target) + len("  HTTP/1.1\r\n\r\n")
    return size + sum(len(name) + len(value) + 4 for name, value in head.headers)
