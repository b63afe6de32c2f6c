"""kgen's HTTP/1.1 transport (``kgen.runtime._http1``, ``_async/http1.py`` and its sync twin).

The parser alone first (heads, framings, chunked bodies fed in any pieces), then both twins over real
loopback sockets against a scripted server: keep-alive reuse, a server that closed an idle connection,
``Connection: close``, bodies closed before their end, timeouts, malformed answers, 1xx answers, a
slow reader of a large body, and real TLS (trustme) with verification. Everything else the transport
does (every verb, watches, errors, retries) runs in the clients' tests against kgen.testing.
"""

from __future__ import annotations

import asyncio
import gc
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st

import kgen.runtime._urls as _urls
from kgen.runtime._async.http1 import AsyncHTTP1Transport
from kgen.runtime._http1 import (
    CHUNKED,
    LENGTH,
    NO_BODY,
    UNTIL_CLOSE,
    BodyDecoder,
    ProtocolViolation,
    framing,
    parse_head,
    request_head,
)
from kgen.runtime._sync.http1 import HTTP1Transport

# --- the parser ------------------------------------------------------------------------------------


def test_a_head_is_parsed_once_complete() -> None:
    data = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
    assert parse_head(data[:20]) is None
    parsed = parse_head(data)
    assert parsed is not None
    head, size = parsed
    assert (head.status, head.reason, head.keep_alive) == (200, b"OK", True)
    assert head.headers == [(b"Content-Type", b"application/json"), (b"Content-Length", b"2")]
    assert data[size:] == b"{}"
    assert framing(b"GET", head) == (LENGTH, 2)
    assert framing(b"HEAD", head) == (NO_BODY, 0)


@pytest.mark.parametrize(
    ("status_line", "connection", "keep_alive"),
    [
        (b"HTTP/1.1 200 OK", b"", True),
        (b"HTTP/1.1 200 OK", b"Connection: close\r\n", False),
        (b"HTTP/1.1 200 OK", b"Connection: Keep-Alive, Close\r\n", False),
        (b"HTTP/1.0 200 OK", b"", False),
        (b"HTTP/1.0 200 OK", b"Connection: keep-alive\r\n", True),
        (b"HTTP/1.1 204", b"", True),  # no reason phrase at all
    ],
)
def test_keep_alive_follows_the_version_and_connection(
    status_line: bytes, connection: bytes, keep_alive: bool
) -> None:
    parsed = parse_head(status_line + b"\r\n" + connection + b"\r\n")
    assert parsed is not None and parsed[0].keep_alive is keep_alive


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/2 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nNo-Colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nSpace : before colon\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nA: b\nc\r\n\r\n",
    ],
)
def test_malformed_heads_are_refused(head: bytes) -> None:
    with pytest.raises(ProtocolViolation):
        parse_head(head)


def test_a_head_without_end_is_bounded() -> None:
    with pytest.raises(ProtocolViolation, match="longer than"):
        parse_head(b"HTTP/1.1 200 OK\r\n" + b"X-A: " + b"a" * 300_000)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (b"Transfer-Encoding: chunked\r\n", (CHUNKED, 0)),
        (b"Transfer-Encoding: gzip, chunked\r\nContent-Length: 5\r\n", (CHUNKED, 0)),
        (b"Transfer-Encoding: gzip\r\n", (UNTIL_CLOSE, 0)),
        (b"Content-Length: 7\r\nContent-Length: 7\r\n", (LENGTH, 7)),
        (b"", (UNTIL_CLOSE, 0)),
    ],
)
def test_framing(fields: bytes, expected: tuple[int, int]) -> None:
    parsed = parse_head(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n")
    assert parsed is not None and framing(b"GET", parsed[0]) == expected


@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 7\r\nContent-Length: 8\r\n",
        b"Content-Length: -1\r\n",
        b"Content-Length: 0x10\r\n",
        b"Transfer-Encoding: chunked, chunked\r\n",
    ],
)
def test_bad_framing_is_refused(fields: bytes) -> None:
    parsed = parse_head(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\n")
    assert parsed is not None
    with pytest.raises(ProtocolViolation):
        framing(b"GET", parsed[0])


def test_request_head_refuses_injection() -> None:
    assert request_head(b"GET", b"/api?x=1", [(b"Host", b"h")]) == (
        b"GET /api?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
    )
    for headers in (
        [(b"Authorization", b"Bearer abc\r\nX-Evil: 1")],
        [(b"Authorization", b"Bearer abc\nX-Evil: 1")],
        [(b"X-A", b"a\0b")],
        [(b"X-A\r\nX-Evil", b"1")],
        [(b"Bad Name", b"1")],
    ):
        with pytest.raises(ProtocolViolation):
            request_head(b"GET", b"/", headers)
    with pytest.raises(ProtocolViolation):
        request_head(b"GET", b"/ HTTP/1.1\r\nX: y", [])


def _chunked(pieces: list[bytes], *, extension: bool = False, trailers: bytes = b"") -> bytes:
    out = b""
    for piece in pieces:
        out += b"%x%s\r\n%s\r\n" % (len(piece), b";name=value" if extension else b"", piece)
    return out + b"0\r\n" + trailers + b"\r\n"


def _decode(decoder: BodyDecoder, data: bytes, cuts: list[int]) -> bytes:
    out = b""
    start = 0
    for cut in sorted(set(cuts)) + [len(data)]:
        for piece in decoder.feed(data[start:cut]):
            out += piece
        start = cut
    return out


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.binary(min_size=1, max_size=300), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=20),
    extension=st.booleans(),
    trailers=st.sampled_from([b"", b"X-Trailer: 1\r\n", b"A: 1\r\nB: 2\r\n"]),
)
def test_a_chunked_body_decodes_the_same_in_any_pieces(
    pieces: list[bytes], cuts: list[int], extension: bool, trailers: bytes
) -> None:
    data = _chunked(pieces, extension=extension, trailers=trailers)
    decoder = BodyDecoder(CHUNKED)
    assert _decode(decoder, data, [c for c in cuts if c < len(data)]) == b"".join(pieces)
    assert decoder.done and not decoder.excess


def test_a_chunked_body_byte_by_byte_and_what_follows_it() -> None:
    data = _chunked([b"hello ", b"world"])
    decoder = BodyDecoder(CHUNKED)
    assert _decode(decoder, data + b"HTTP/1.1", list(range(len(data) + 8))) == b"hello world"
    assert decoder.done and decoder.excess


@pytest.mark.parametrize(
    "data",
    [
        b"zz\r\nabc\r\n",  # not hexadecimal
        b"3\r\nabcd\r\n0\r\n\r\n",  # longer than its size
        b"3\nabc\r\n",  # no CR
        b"1" * 5000,  # a size line without end
        b"12345678901234567\r\n",  # more than 16 hex digits
    ],
)
def test_bad_chunked_bodies_are_refused(data: bytes) -> None:
    with pytest.raises(ProtocolViolation):
        BodyDecoder(CHUNKED).feed(data)


def test_a_body_cut_short_is_an_error_but_one_read_to_the_close_is_not() -> None:
    decoder = BodyDecoder(LENGTH, 10)
    assert decoder.feed(b"12345") == [b"12345"]
    with pytest.raises(ProtocolViolation, match="before the body's end"):
        decoder.feed_eof()
    decoder = BodyDecoder(LENGTH, 3)
    assert decoder.feed(b"12345") == [b"123"] and decoder.done and decoder.excess
    decoder = BodyDecoder(UNTIL_CLOSE)
    assert decoder.feed(b"abc") == [b"abc"] and not decoder.done
    decoder.feed_eof()
    assert decoder.done


# --- over loopback -----------------------------------------------------------------------------------

Handler = Callable[[socket.socket, int], None]


class ScriptedServer:
    """A loopback server that runs ``handler(connection, index)`` for each accepted connection."""

    def __init__(self, handler: Handler, context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.context = context
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self.errors: list[BaseException] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{'https' if self.context else 'http'}://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            index = self.accepted
            self.accepted += 1
            threading.Thread(target=self._run, args=(connection, index), daemon=True).start()

    def _run(self, connection: socket.socket, index: int) -> None:
        try:
            if self.context is not None:
                connection = self.context.wrap_socket(connection, server_side=True)
            with connection:
                self.handler(connection, index)
        except (ssl.SSLError, ConnectionError):
            pass  # a client that refused the certificate, or went away
        except BaseException as exc:  # noqa: BLE001 - shown by the test
            self.errors.append(exc)

    def close(self) -> None:
        self.listener.close()


def read_request(connection: socket.socket) -> bytes:
    """One request's head and body (Content-Length only, as kgen sends), or b"" at the end."""
    data = b""
    while b"\r\n\r\n" not in data:
        more = connection.recv(65536)
        if not more:
            return b""
        data += more
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def answer(body: bytes, *extra: bytes) -> bytes:
    fields = b"".join(field + b"\r\n" for field in extra)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), fields, body)


@pytest.fixture
def serve() -> Iterator[Callable[..., ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(handler: Handler, context: ssl.SSLContext | None = None) -> ScriptedServer:
        server = ScriptedServer(handler, context)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
    for server in servers:
        assert not server.errors, server.errors


def _no_upgrades() -> Any:
    raise AssertionError("no request here upgrades its connection")


class Twin:
    """Requests through the sync or the async transport, written once."""

    def __init__(self, kind: str, context: ssl.SSLContext | None = None) -> None:
        self.kind = kind
        transport = HTTP1Transport if kind == "sync" else AsyncHTTP1Transport
        self.transport: Any = transport(context, _no_upgrades)
        self.loop = asyncio.new_event_loop() if kind == "async" else None

    def run(self, fn: Callable[[Any], Any]) -> Any:
        """``fn(client)`` with an httpx client on the transport; async functions for the async twin."""
        if self.kind == "sync":
            return fn(httpx.Client(transport=self.transport))
        assert self.loop is not None
        return self.loop.run_until_complete(fn(httpx.AsyncClient(transport=self.transport)))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        if self.kind == "sync":
            return self.run(lambda client: client.get(url, **kwargs))

        async def get(client: httpx.AsyncClient) -> httpx.Response:
            return await client.get(url, **kwargs)

        return self.run(get)

    def close(self) -> None:
        if self.loop is not None and self.loop.is_closed():
            return
        if self.kind == "sync":
            self.transport.close()
        else:
            assert self.loop is not None
            self.loop.run_until_complete(self.transport.aclose())
            self.loop.run_until_complete(asyncio.sleep(0))  # the transports' close callbacks
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def twin(request: pytest.FixtureRequest) -> Iterator[Callable[..., Twin]]:
    made: list[Twin] = []

    def make(context: ssl.SSLContext | None = None) -> Twin:
        made.append(Twin(request.param, context))
        return made[-1]

    yield make
    for one in made:
        one.close()
    gc.collect()  # a connection left open warns now (an error here), in this test, not a later one


def test_connections_are_kept_alive_and_reused(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        while request := read_request(connection):
            connection.sendall(answer(b"%d:%d" % (index, len(request))))

    server = serve(handler)
    client = twin()
    bodies = [client.get(server.url + "/a").content for _ in range(5)]
    assert [b.split(b":")[0] for b in bodies] == [b"0"] * 5
    assert server.accepted == 1


def test_an_idle_connection_the_server_closed_is_not_used(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(answer(b"%d" % index))
        # then close: as a server whose keep-alive timeout ran out

    server = serve(handler)
    client = twin()
    assert client.get(server.url).content == b"0"
    time.sleep(0.2)  # the close arrives while the connection is idle
    assert client.get(server.url).content == b"1"  # a new connection, no error


def test_connection_close_and_a_body_read_to_the_close(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        if index == 0:
            connection.sendall(answer(b"first", b"Connection: close"))
        else:
            connection.sendall(b"HTTP/1.1 200 OK\r\n\r\nuntil the close")
            connection.shutdown(socket.SHUT_WR)

    server = serve(handler)
    client = twin()
    assert client.get(server.url).content == b"first"
    assert client.get(server.url).content == b"until the close"
    assert server.accepted == 2


def test_chunked_bodies_arrive_as_they_are_sent(serve: Any, twin: Any) -> None:
    """A watch: the first event is read before the server has sent the second."""
    second = threading.Event()

    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        connection.sendall(b"6\r\nfirst\n\r\n")
        assert second.wait(10)
        connection.sendall(b"7\r\nsecond\n\r\n0\r\n\r\n")
        while read_request(connection):
            connection.sendall(answer(b"again"))

    server = serve(handler)
    client = twin()
    if client.kind == "sync":

        def watch(http: httpx.Client) -> list[bytes]:
            lines = []
            with http.stream("GET", server.url) as response:
                for line in response.iter_lines():
                    lines.append(line.encode())
                    second.set()
            lines.append(http.get(server.url).content)
            return lines

    else:

        async def watch(http: httpx.AsyncClient) -> list[bytes]:  # type: ignore[misc]
            lines = []
            async with http.stream("GET", server.url) as response:
                async for line in response.aiter_lines():
                    lines.append(line.encode())
                    second.set()
            lines.append((await http.get(server.url)).content)
            return lines

    assert client.run(watch) == [b"first", b"second", b"again"]
    assert server.accepted == 1  # the connection went back to the pool after the body's end


def test_a_body_closed_before_its_end_closes_its_connection(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        try:
            while connection.recv(65536):
                pass  # until the client closes
        except OSError:
            pass

    server = serve(handler)
    client = twin()
    if client.kind == "sync":

        def partly(http: httpx.Client) -> int:
            with http.stream("GET", server.url) as response:
                return len(next(response.iter_raw()))

    else:

        async def partly(http: httpx.AsyncClient) -> int:  # type: ignore[misc]
            async with http.stream("GET", server.url) as response:
                async for piece in response.aiter_raw():
                    return len(piece)
            return 0

    assert client.run(partly) == 1000
    assert client.run(partly) == 1000
    assert server.accepted == 2


def test_a_large_body_read_slowly_arrives_whole(serve: Any, twin: Any) -> None:
    """More than the async side buffers before it pauses reading: nothing is lost."""
    body = bytes(range(256)) * (12 * 4096)  # 12 MiB

    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(answer(body))

    server = serve(handler)
    client = twin()
    if client.kind == "sync":

        def slowly(http: httpx.Client) -> bytes:
            with http.stream("GET", server.url) as response:
                time.sleep(0.5)
                return b"".join(response.iter_raw())

    else:

        async def slowly(http: httpx.AsyncClient) -> bytes:  # type: ignore[misc]
            async with http.stream("GET", server.url) as response:
                await asyncio.sleep(0.5)
                return b"".join([piece async for piece in response.aiter_raw()])

    assert client.run(slowly) == body


def test_informational_answers_are_skipped_and_head_has_no_body(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + answer(b"after continue"))
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")  # HEAD: no body
        read_request(connection)
        connection.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        read_request(connection)
        connection.sendall(answer(b"last"))

    server = serve(handler)
    client = twin()
    assert client.get(server.url).content == b"after continue"
    if client.kind == "sync":
        response = client.run(lambda http: http.head(server.url))
    else:

        async def head(http: httpx.AsyncClient) -> httpx.Response:
            return await http.head(server.url)

        response = client.run(head)
    assert response.status_code == 200 and response.content == b""
    assert client.get(server.url).status_code == 204
    assert client.get(server.url).content == b"last"
    assert server.accepted == 1


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (b"garbage\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", httpx.RemoteProtocolError),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", httpx.RemoteProtocolError),
        (b"", httpx.RemoteProtocolError),
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", httpx.RemoteProtocolError),
        (b"HTTP/1.1 100 Continue\r\n\r\n" * 9 + answer(b"late"), httpx.RemoteProtocolError),
    ],
)
def test_broken_answers_are_protocol_errors(
    serve: Any, twin: Any, reply: bytes, error: type[Exception]
) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(reply)
        connection.shutdown(socket.SHUT_WR)
        connection.recv(1)

    server = serve(handler)
    client = twin()
    with pytest.raises(error):
        client.get(server.url)


def test_read_and_connect_failures(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        time.sleep(1.0)  # never answers in time

    server = serve(handler)
    client = twin()
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.get(server.url, timeout=httpx.Timeout(0.2))
    assert time.monotonic() - started < 0.9
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nobody listens there
    with pytest.raises(httpx.ConnectError):
        client.get(f"http://127.0.0.1:{port}/")


def test_header_injection_never_reaches_the_server(serve: Any, twin: Any) -> None:
    def handler(connection: socket.socket, index: int) -> None:
        raise AssertionError("a request was sent")

    server = serve(handler)
    client = twin()
    with pytest.raises(httpx.LocalProtocolError):
        # httpx itself lets CR and LF through in header values.
        client.get(server.url, headers={"Authorization": "Bearer a\r\nX-Evil: 1"})


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def test_tls_verified_with_the_given_context(serve: Any, twin: Any, ca: trustme.CA) -> None:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)

    def handler(connection: socket.socket, index: int) -> None:
        while read_request(connection):
            connection.sendall(answer(b"secret"))

    server = serve(handler, server_context)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    client = twin(trusting)
    assert [client.get(server.url).content for _ in range(3)] == [b"secret"] * 3
    assert server.accepted == 1
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        twin(ssl.create_default_context()).get(server.url)  # another CA: refused


@settings(max_examples=300, deadline=None)
@given(
    head=st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda status, fields: b"HTTP/1.1 " + status + b"\r\n" + fields + b"\r\n\r\n",
            st.binary(max_size=20),
            st.binary(max_size=200),
        ),
    ),
    body=st.binary(max_size=400),
    kind=st.sampled_from([LENGTH, CHUNKED, UNTIL_CLOSE]),
)
def test_any_bytes_give_a_head_or_a_protocol_violation(head: bytes, body: bytes, kind: int) -> None:
    """What a server sends is untrusted: the parser answers or refuses, nothing else escapes."""
    try:
        parsed = parse_head(head)
        if parsed is not None:
            framing(b"GET", parsed[0])
        decoder = BodyDecoder(kind, len(body) // 2)
        pieces = decoder.feed(body)
        assert sum(map(len, pieces)) <= len(body)
        decoder.feed_eof()
    except ProtocolViolation:
        pass


def test_closing_the_transport_closes_answers_still_being_read(serve: Any, twin: Any) -> None:
    """As httpcore's pool does: a watch still open when its client closes ends there."""
    ended = threading.Event()

    def handler(connection: socket.socket, index: int) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nfirst\n\r\n")
        connection.settimeout(10)
        try:
            while connection.recv(65536):
                pass
        except OSError:
            pass
        ended.set()

    server = serve(handler)
    client = twin()
    if client.kind == "sync":

        def open_watch(http: httpx.Client) -> bytes:
            response = http.send(http.build_request("GET", server.url), stream=True)
            return next(response.iter_raw())

    else:

        async def open_watch(http: httpx.AsyncClient) -> bytes:  # type: ignore[misc]
            response = await http.send(http.build_request("GET", server.url), stream=True)
            async for piece in response.aiter_raw():
                return piece
            return b""

    assert client.run(open_watch) == b"first\n"  # and the answer is left open
    client.close()
    assert ended.wait(5), "the server's side of the watch was not closed"


@pytest.mark.parametrize("from_parts", [True, False])
@pytest.mark.parametrize(
    ("server", "path", "params"),
    [
        ("https://example.com:6443", "/api/v1/pods", []),
        ("https://example.com/k8s/clusters/c-1", "/api/v1/namespaces/a/pods/b/log", []),
        ("http://127.0.0.1:8080/", "/apis/x.io/v1/things", [("labelSelector", "a in (b,c)")]),
        ("https://[::1]:6443", "/api/v1/pods/p%2Fq/proxy/a b", [("fieldSelector", "x=ü&y")]),
    ],
)
def test_request_urls_are_the_ones_httpx_builds(
    monkeypatch: pytest.MonkeyPatch, from_parts: bool, server: str, path: str, params: Any
) -> None:
    """The URL kgen's transport makes without parsing equals httpx's ``build_request`` (and so does
    the parse it falls back to with another httpx)."""
    if not from_parts:
        monkeypatch.setattr(_urls, "_parts_work", lambda: False)
    client = httpx.Client(base_url=server)
    expected = client.build_request("GET", path, params=httpx.QueryParams(params)).url
    made = _urls.request_url(client.base_url, path, params)
    assert (made, made.raw_path, str(made)) == (expected, expected.raw_path, str(expected))
    client.close()
