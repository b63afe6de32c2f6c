"""kgen's HTTP/1.1 connections: an httpx transport for the requests a Kubernetes client makes.

kgen's clients stay httpx clients (its requests, responses, timeouts and errors); only what sits under
``httpx.AsyncClient`` changes. httpcore with anyio and h11 under it cost about as much CPU as the
rest of a controller together (``python -m benchmarks.controllers``: ~70% of the reconciles'
profile), and they set the floor of a watch's throughput (reading 70 MB of events took a third of
decoding them). This transport keeps a pool of idle keep-alive connections per server, writes a request
with one ``send``, and reads answers with the parser of ``kgen.runtime._http1``, handing the body out
as it arrives (watches, logs).

What it leaves to httpx's own transport (``fallback``): requests that upgrade the connection
(exec, attach, port-forward: ``kgen.runtime._async.websocket`` takes over httpcore's socket). Proxies
and HTTP/2 never reach it: :class:`~kgen.runtime._async.transport.AsyncTransport` uses it only for
direct HTTP/1.1 connections.

This is the async source; ``kgen/runtime/_sync/http1.py`` is generated from it by
``scripts/unasync.py`` (the I/O differs only in ``netio``).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import AsyncIterator, Callable
from typing import cast

import httpx

from kgen.runtime._async.netio import AsyncSocketStream, open_socket_stream
from kgen.runtime._http1 import (
    UNTIL_CLOSE,
    BodyDecoder,
    ProtocolViolation,
    ResponseHead,
    framing,
    parse_head,
    request_head,
)

__all__ = ["AsyncHTTP1Transport"]

#: Idle connections kept per server (httpx's default for keep-alive connections is 20 too).
MAX_IDLE = 20
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
#: 1xx answers (100 Continue, 103 Early Hints) read before the final one at most.
MAX_INFORMATIONAL = 8


class AsyncHTTP1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over TCP or TLS (``ssl_context``), connections kept alive and reused.

    ``fallback`` makes the httpx transport that takes what this one does not (upgrades); it is made on
    first use.
    """

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None,
        fallback: Callable[[], httpx.AsyncBaseTransport],
        *,
        max_idle: int = MAX_IDLE,
    ) -> None:
        self._ssl_context = ssl_context
        self._make_fallback = fallback
        self._fallback: httpx.AsyncBaseTransport | None = None
        self._max_idle = max_idle
        self._idle: dict[tuple[bytes, str, int, str | None], list[AsyncSocketStream]] = {}
        self._lock = (
            threading.Lock()
        )  # the sync twin's pool is shared by threads; never held for I/O
        self._closed = False
        self._open: set[AsyncSocketStream] = set()  # every connection not yet closed

    # --- the pool -----------------------------------------------------------------------------------

    def _take_idle(self, key: tuple[bytes, str, int, str | None]) -> AsyncSocketStream | None:
        stale: list[AsyncSocketStream] = []
        found = None
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                connection = idle.pop()  # the most recently used: the least likely to be timed out
                if connection.is_reusable():
                    found = connection
                    break
                stale.append(connection)
        for connection in stale:
            self._discard(connection)
        return found

    def _put_idle(
        self, key: tuple[bytes, str, int, str | None], connection: AsyncSocketStream
    ) -> None:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if not self._closed and len(idle) < self._max_idle:
                idle.append(connection)
                return
        self._discard(connection)

    def _discard(self, connection: AsyncSocketStream) -> None:
        """Close a connection for good (idempotent)."""
        with self._lock:
            self._open.discard(connection)
        connection.close()

    async def aclose(self) -> None:
        """Close every connection, idle or carrying an answer still being read (as httpcore's pool
        does: a watch still open when its client closes ends here)."""
        with self._lock:
            self._closed = True
            connections, self._open = self._open, set()
            self._idle.clear()
            fallback, self._fallback = self._fallback, None
        for connection in connections:
            connection.close()
        if fallback is not None:
            await fallback.aclose()

    # --- one request --------------------------------------------------------------------------------

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _upgrades(request):
            if self._fallback is None:
                self._fallback = self._make_fallback()
            response = await self._fallback.handle_async_request(request)
            response.request = request  # as httpx's client does: kgen may send past the client
            return response
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(
                f"unsupported URL scheme {url.scheme!r}", request=request
            )
        timeouts: dict[str, float | None] = request.extensions.get("timeout", {})
        sni = request.extensions.get("sni_hostname")
        key = (scheme, url.host, url.port or _DEFAULT_PORTS[scheme], sni)
        try:
            head = request_head(request.method.encode("ascii"), url.raw_path, request.headers.raw)
        except ProtocolViolation as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        body = await _request_body(request)

        connection = self._take_idle(key)
        reused = connection is not None
        if connection is None:
            connection = await self._connect(request, key, timeouts.get("connect"))
        try:
            try:
                if len(body) <= 64 * 1024:
                    await connection.send(head + body, timeouts.get("write"))
                else:
                    await connection.send(head, timeouts.get("write"))
                    await connection.send(body, timeouts.get("write"))
            except TimeoutError as exc:
                raise httpx.WriteTimeout(f"writing the request: {exc}", request=request) from exc
            except OSError as exc:
                raise httpx.WriteError(f"writing the request: {exc}", request=request) from exc
            response_head, rest = await _read_head(
                connection, request, timeouts.get("read"), reused
            )
            kind, length = framing(request.method.encode("ascii"), response_head)
        except ProtocolViolation as exc:
            self._discard(connection)
            raise httpx.RemoteProtocolError(str(exc), request=request) from exc
        except BaseException:
            self._discard(connection)  # cancelled or failed half-way: what is on it is unknown
            raise
        # A body that ends with the connection leaves nothing to reuse.
        keep_alive = response_head.keep_alive and kind != UNTIL_CLOSE
        stream = _ResponseBody(
            self,
            key,
            connection,
            BodyDecoder(kind, length),
            rest,
            request,
            timeouts.get("read"),
            keep_alive,
        )
        return httpx.Response(
            response_head.status,
            headers=response_head.headers,
            stream=stream,
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": response_head.reason},
            request=request,
        )

    async def _connect(
        self, request: httpx.Request, key: tuple[bytes, str, int, str | None], timeout: float | None
    ) -> AsyncSocketStream:
        scheme, host, port, sni = key
        context = self._ssl_context if scheme == b"https" else None
        if scheme == b"https" and context is None:
            context = ssl.create_default_context()
        try:
            connection = await open_socket_stream(host, port, context, sni, timeout)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(
                f"connecting to {host}:{port}: {exc}", request=request
            ) from exc
        except OSError as exc:
            raise httpx.ConnectError(
                f"connecting to {host}:{port}: {exc}", request=request
            ) from exc
        with self._lock:
            self._open.add(connection)
        return connection


def _upgrades(request: httpx.Request) -> bool:
    connection = request.headers.get("Connection")
    return connection is not None and "upgrade" in connection.lower()


async def _request_body(request: httpx.Request) -> bytes:
    if "Transfer-Encoding" in request.headers:
        # A body of unknown length (a generator): chunked framing of what it yields.
        stream = cast(httpx.AsyncByteStream, request.stream)
        parts = [b"%x\r\n%s\r\n" % (len(part), part) async for part in stream if part]
        return b"".join(parts) + b"0\r\n\r\n"
    return await request.aread()


async def _read_head(
    connection: AsyncSocketStream, request: httpx.Request, timeout: float | None, reused: bool
) -> tuple[ResponseHead, bytes]:
    """The final response head (1xx informational answers skipped) and what followed it."""
    received = b""
    informational = 0
    while True:
        try:
            data = await connection.receive(timeout)
        except TimeoutError as exc:
            raise httpx.ReadTimeout(f"waiting for the answer: {exc}", request=request) from exc
        except OSError as exc:
            raise httpx.ReadError(f"reading the answer: {exc}", request=request) from exc
        if not data:
            # httpcore's words: a pooled connection the server had closed ends like this, and the
            # caller's retry rules (idempotent methods only) decide what to do.
            what = "a kept-alive connection" if reused else "the connection"
            raise httpx.RemoteProtocolError(
                f"Server disconnected without sending a response ({what} was closed).",
                request=request,
            )
        received = received + data if received else data
        while True:
            parsed = parse_head(received)
            if parsed is None:
                break
            head, size = parsed
            received = received[size:]
            if head.status >= 200:
                return head, received
            if head.status == 101:  # this transport never asks to switch protocols
                raise ProtocolViolation("101 Switching Protocols to a request that did not upgrade")
            # 100 Continue, 103 Early Hints: the final answer follows (after a few at most).
            informational += 1
            if informational > MAX_INFORMATIONAL:
                raise ProtocolViolation(
                    f"more than {MAX_INFORMATIONAL} informational (1xx) answers"
                )


class _ResponseBody(httpx.AsyncByteStream):
    """The body of one answer, read from its connection as it arrives; the connection goes back to the
    pool once the body has been read to its end, and is closed if the body is closed before that."""

    def __init__(
        self,
        transport: AsyncHTTP1Transport,
        key: tuple[bytes, str, int, str | None],
        connection: AsyncSocketStream,
        decoder: BodyDecoder,
        leading: bytes,
        request: httpx.Request,
        timeout: float | None,
        keep_alive: bool,
    ) -> None:
        self._transport = transport
        self._key = key
        self._connection: AsyncSocketStream | None = connection
        self._decoder = decoder
        self._leading = leading
        self._request = request
        self._timeout = timeout
        self._keep_alive = keep_alive
        if decoder.done:  # no body: bytes after the head are a server's mistake (``excess``)
            decoder.feed(leading)
            self._leading = b""
            self._release()

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._keep_alive and self._decoder.done and not self._decoder.excess:
            self._transport._put_idle(self._key, connection)
        else:
            self._transport._discard(connection)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        decoder = self._decoder
        try:
            if self._leading:
                leading, self._leading = self._leading, b""
                for piece in decoder.feed(leading):
                    yield piece
            while not decoder.done:
                connection = self._connection
                if connection is None:
                    raise httpx.StreamClosed()
                try:
                    data = await connection.receive(self._timeout)
                except TimeoutError as exc:
                    raise httpx.ReadTimeout(
                        f"reading the answer: {exc}", request=self._request
                    ) from exc
                except OSError as exc:
                    raise httpx.ReadError(
                        f"reading the answer: {exc}", request=self._request
                    ) from exc
                if not data:
                    decoder.feed_eof()
                    break
                for piece in decoder.feed(data):
                    yield piece
        except ProtocolViolation as exc:
            self._keep_alive = False
            raise httpx.RemoteProtocolError(str(exc), request=self._request) from exc
        except BaseException:
            self._keep_alive = False
            raise
        finally:
            if decoder.done or not self._keep_alive:
                self._release()

    async def aclose(self) -> None:
        if not self._decoder.done:
            self._keep_alive = False  # an unread rest: the connection cannot carry another request
        self._release()
