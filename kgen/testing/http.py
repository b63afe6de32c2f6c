"""A small HTTP/1.1 server on asyncio and h11: keep-alive, chunked streaming replies, optional TLS.

It knows nothing about Kubernetes: an application turns a :class:`Request` into a :class:`Reply` whose
body is bytes or an async iterator of chunks (a watch), or whose ``upgrade`` takes the connection over
after a ``101 Switching Protocols`` (exec, attach, port-forward: :mod:`kgen.testing.streaming`). A streaming reply ends when its iterator ends,
or early when the client goes away (its iterator is then closed, which lets the application stop its
watch).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, unquote, urlsplit

import h11

__all__ = ["AbortStream", "HTTPServer", "Reply", "Request", "Upgrade"]

_MAX_BODY = 16 * 1024 * 1024


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
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
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
        conn = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_BODY)
        peer_cert = None
        ssl_object = writer.get_extra_info("ssl_object")
        if ssl_object is not None:
            peer_cert = ssl_object.getpeercert() or None
        while True:
            request = await self._read_request(conn, reader, writer)
            if request is None:
                return
            request.peer_cert = peer_cert
            reply = await self.app(request)
            keep = await self._write_reply(conn, reader, writer, reply)
            if not keep or conn.our_state is h11.MUST_CLOSE:
                return
            try:
                conn.start_next_cycle()
            except h11.LocalProtocolError:
                return

    async def _read_request(
        self, conn: h11.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Request | None:
        head: h11.Request | None = None
        body = bytearray()
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
                if conn.they_are_waiting_for_100_continue:
                    # "Expect: 100-continue" clients hold the body back until told to send it.
                    writer.write(conn.send(h11.InformationalResponse(status_code=100, headers=[])))
                    await writer.drain()
            elif isinstance(event, h11.Data):
                body += event.data
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
            method=head.method.decode("ascii").upper(),
            path=unquote(split.path),
            raw_query=split.query,
            query=parse_qs(split.query, keep_blank_values=True),
            headers=headers,
            body=bytes(body),
        )

    async def _write_reply(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        reply: Reply,
    ) -> bool:
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in reply.headers]
        if reply.upgrade is not None:
            # 101 Switching Protocols: from here on the connection speaks another protocol.
            writer.write(conn.send(h11.InformationalResponse(status_code=101, headers=headers)))
            await writer.drain()
            trailing, _ = conn.trailing_data
            await reply.upgrade(reader, writer, bytes(trailing))
            return False
        if reply.stream is None:
            headers.append((b"content-length", str(len(reply.body)).encode()))
            writer.write(conn.send(h11.Response(status_code=reply.status, headers=headers)))
            if reply.body:
                writer.write(conn.send(h11.Data(data=reply.body)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            return True
        headers.append((b"transfer-encoding", b"chunked"))
        writer.write(conn.send(h11.Response(status_code=reply.status, headers=headers)))
        await writer.drain()
        return await self._stream(conn, reader, writer, reply.stream)

    async def _stream(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        stream: AsyncIterator[bytes],
    ) -> bool:
        # The client hanging up is only seen by reading: watch for EOF while streaming.
        gone = asyncio.ensure_future(reader.read(65536))
        iterator = stream.__aiter__()
        try:
            while True:
                chunk_task = asyncio.ensure_future(iterator.__anext__())
                done, _ = await asyncio.wait(
                    {chunk_task, gone}, return_when=asyncio.FIRST_COMPLETED
                )
                if gone in done:
                    chunk_task.cancel()
                    return False
                try:
                    chunk = chunk_task.result()
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
            if not gone.done():
                # Nothing read yet: stop reading (StreamReader keeps any data for the next read),
                # and wait until it has stopped, since a reader may only have one read pending.
                gone.cancel()
                await asyncio.wait({gone})
            if gone.cancelled():
                return True
            early = gone.result()
            if not early:
                return False  # the client hung up
            conn.receive_data(early)
            return True
        finally:
            gone.cancel()
            close = getattr(iterator, "aclose", None)
            if close is not None:
                try:
                    await close()
                except (Exception, asyncio.CancelledError):  # noqa: BLE001 - best effort
                    pass
