"""The server side of SPDY/3.1 as kubectl 1.20 speaks it for exec, attach and port-forward.

kubectl (client-go's ``tools/remotecommand`` and ``tools/portforward`` on
``apimachinery/pkg/util/httpstream/spdy``, over docker/spdystream) upgrades with ``Upgrade: SPDY/3.1``
and lists its subprotocols in ``X-Stream-Protocol-Version`` headers (``v4.channel.k8s.io`` down to
``channel.k8s.io`` for exec and attach, ``portforward.k8s.io`` for port-forward); the server answers 101
with the one it chose. Then the client opens one SPDY stream per purpose, named by its ``streamType``
header, and the server acknowledges each with a SYN_REPLY:

- exec/attach: ``error``, ``stdin``, ``stdout``, ``stderr`` (not with a terminal), ``resize`` (with a
  terminal, v3+). stdin ends with a FIN; the server writes the exit status on ``error`` (v4: a JSON
  Status, as on the WebSocket error channel), ends its streams with FINs and closes the connection.
- port-forward: per forwarded connection an ``error`` and a ``data`` stream with the same ``port`` and
  ``requestID`` headers; a FIN on ``data`` ends what the client sends; the server FINs both when the
  pod's side ends, with an error message on ``error`` if it could not connect.

Frames (SPDY/3): control frames start with ``0x8003``, a 16-bit type, 8-bit flags and a 24-bit length;
data frames with a 31-bit stream id, 8-bit flags and a 24-bit length. Header blocks are zlib streams
(one per direction and connection) primed with the protocol's dictionary. spdystream implements no flow
control, and neither does this server (WINDOW_UPDATE and SETTINGS are read and ignored); back-pressure is
TCP's, as with kubectl: a stream's bounded queue that fills stops the connection's reader.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
import zlib
from collections.abc import Awaitable, Callable

from kgen.runtime._channels import (
    ERROR,
    STDERR,
    STDOUT,
    decode_resize,
    encode_exit_status,
    protocol_named,
)
from kgen.testing.http import Reply, Request
from kgen.testing.streaming import ExecCall, PortConnection, StreamHandlers, exec_call_from

__all__ = [
    "EXEC_SPDY_PROTOCOLS",
    "PORT_FORWARD_SPDY_PROTOCOL",
    "SPDYSession",
    "SPDYStream",
    "is_spdy",
    "serve_exec_spdy",
    "serve_port_forward_spdy",
    "serve_spdy",
    "spdy_reply",
]

EXEC_SPDY_PROTOCOLS = (
    "v4.channel.k8s.io",
    "v3.channel.k8s.io",
    "v2.channel.k8s.io",
    "channel.k8s.io",
)
PORT_FORWARD_SPDY_PROTOCOL = "portforward.k8s.io"
logger = logging.getLogger("kgen.testing.spdy")

_QUEUE_CHUNKS = 8
_MAX_FRAME = 16 * 1024 * 1024
_STREAM_WAIT = 30.0  # seconds for the client to open the streams it asked for

_SYN_STREAM, _SYN_REPLY, _RST_STREAM, _SETTINGS, _PING, _GOAWAY, _HEADERS, _WINDOW_UPDATE = (
    1,
    2,
    3,
    4,
    6,
    7,
    8,
    9,
)
_FIN = 0x01

# The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1): these words
# ("|" separates them), each preceded by its length as a 32-bit big-endian number, then the tail.
_WORDS = (
    "options|head|post|put|delete|trace|accept|accept-charset|accept-encoding|"
    "accept-language|accept-ranges|age|allow|authorization|cache-control|connection|"
    "content-base|content-encoding|content-language|content-length|content-location|"
    "content-md5|content-range|content-type|date|etag|expect|expires|from|host|if-match|"
    "if-modified-since|if-none-match|if-range|if-unmodified-since|last-modified|location|"
    "max-forwards|pragma|proxy-authenticate|proxy-authorization|range|referer|"
    "retry-after|server|te|trailer|transfer-encoding|upgrade|user-agent|vary|via|warning|"
    "www-authenticate|method|get|status|200 OK|version|HTTP/1.1|url|public|set-cookie|"
    "keep-alive|origin"
).split("|")
_TAIL = (
    b"100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    b"203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 "
    b"Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service "
    b"UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, "
    b"Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,application/xml,"
    b"application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age=gzip,deflate,sdch"
    b"charset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL


def is_spdy(request: Request) -> bool:
    connection = [p.strip() for p in request.headers.get("connection", "").lower().split(",")]
    return request.headers.get("upgrade", "").lower() == "spdy/3.1" and "upgrade" in connection


class SPDYStream:
    """One client-opened stream: its headers, what the client sends (bounded), writes back."""

    def __init__(self, session: SPDYSession, stream_id: int, headers: dict[str, str]) -> None:
        self.session = session
        self.id = stream_id
        self.headers = headers
        self.kind = headers.get("streamtype", "")
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUE_CHUNKS)
        self._rest = b""
        self.remote_done = False
        self.local_done = False

    async def _feed(self, data: bytes | None) -> None:
        if self.remote_done:
            return
        if data is None:
            self.remote_done = True
        await self._queue.put(data)

    def _end_now(self) -> None:
        if not self.remote_done:
            self.remote_done = True
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def read(self, max_bytes: int = 65536) -> bytes:
        """What the client sent; b"" after its FIN (or a reset)."""
        if not self._rest:
            if self.remote_done and self._queue.empty():
                return b""
            data = await self._queue.get()
            if data is None:
                self._queue.put_nowait(None)
                return b""
            self._rest = data
        out, self._rest = self._rest[:max_bytes], self._rest[max_bytes:]
        return out

    async def write(self, data: bytes) -> None:
        if data and not self.local_done:
            await self.session.send_data(self.id, data)

    async def close(self) -> None:
        """Our FIN: nothing more comes from the server on this stream."""
        if not self.local_done:
            self.local_done = True
            with contextlib.suppress(ConnectionError, OSError):
                await self.session.send_data(self.id, b"", fin=True)


class SPDYSession:
    """A server-side SPDY/3.1 connection: streams the client opens arrive on :meth:`accept`."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trailing: bytes
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._buffer = bytearray(trailing)
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)
        self._deflate = zlib.compressobj(
            zlib.Z_BEST_COMPRESSION, zlib.DEFLATED, 15, 9, zdict=DICTIONARY
        )
        self._lock = asyncio.Lock()
        self.streams: dict[int, SPDYStream] = {}
        self._new: asyncio.Queue[SPDYStream | None] = asyncio.Queue()
        self.closed = False

    # --- reading ------------------------------------------------------------------------------------

    async def _read_exactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            data = await self._reader.read(256 * 1024)
            if not data:
                raise ConnectionResetError("the client closed the connection")
            self._buffer += data
        out = bytes(self._buffer[:n])
        del self._buffer[:n]
        return out

    async def run(self) -> None:
        """Read frames until the connection ends (run it as a task)."""
        try:
            while True:
                head = await self._read_exactly(8)
                flags, length = head[4], int.from_bytes(head[5:8], "big")
                if length > _MAX_FRAME:
                    raise ConnectionResetError("a frame too large")
                payload = await self._read_exactly(length)
                if head[0] & 0x80:
                    await self._control(int.from_bytes(head[2:4], "big"), flags, payload)
                else:
                    stream = self.streams.get(int.from_bytes(head[0:4], "big") & 0x7FFFFFFF)
                    if stream is not None:
                        if payload:
                            await stream._feed(payload)
                        if flags & _FIN:
                            await stream._feed(None)
        except (ConnectionError, OSError, asyncio.IncompleteReadError, zlib.error) as exc:
            logger.debug("SPDY connection ends: %r", exc)
        finally:
            self.closed = True
            for stream in self.streams.values():
                stream._end_now()
            self._new.put_nowait(None)

    async def _control(self, kind: int, flags: int, payload: bytes) -> None:
        if kind == _SYN_STREAM:
            stream_id = int.from_bytes(payload[0:4], "big") & 0x7FFFFFFF
            headers = self._headers(payload[10:])
            logger.debug("SYN_STREAM %d %s", stream_id, headers)
            stream = SPDYStream(self, stream_id, headers)
            self.streams[stream_id] = stream
            await self._send_control(_SYN_REPLY, 0, struct.pack(">I", stream_id) + self._block({}))
            if flags & _FIN:
                await stream._feed(None)
            await self._new.put(stream)
        elif kind == _RST_STREAM:
            reset = self.streams.get(int.from_bytes(payload[0:4], "big") & 0x7FFFFFFF)
            if reset is not None:
                reset.local_done = True
                reset._end_now()
        elif kind == _PING:
            await self._send_control(_PING, 0, payload[:4])
        elif kind == _GOAWAY:
            raise ConnectionResetError("the client went away")
        elif kind == _HEADERS:
            self._headers(payload[4:])  # keep the compression context in step
        # SETTINGS and WINDOW_UPDATE: spdystream has no flow control, neither has this server

    def _headers(self, block: bytes) -> dict[str, str]:
        data = self._inflate.decompress(block)
        count = int.from_bytes(data[0:4], "big")
        offset = 4
        headers: dict[str, str] = {}
        for _ in range(count):
            n = int.from_bytes(data[offset : offset + 4], "big")
            name = data[offset + 4 : offset + 4 + n].decode("latin-1").lower()
            offset += 4 + n
            n = int.from_bytes(data[offset : offset + 4], "big")
            headers[name] = data[offset + 4 : offset + 4 + n].decode("latin-1").split("\0")[0]
            offset += 4 + n
        return headers

    async def accept(self) -> SPDYStream | None:
        """The next stream the client opens; None once the connection has ended."""
        stream = await self._new.get()
        if stream is None:
            self._new.put_nowait(None)
        return stream

    # --- writing ------------------------------------------------------------------------------------

    def _block(self, headers: dict[str, str]) -> bytes:
        raw = struct.pack(">I", len(headers))
        for name, value in headers.items():
            raw += struct.pack(">I", len(name)) + name.encode() + struct.pack(">I", len(value))
            raw += value.encode()
        return self._deflate.compress(raw) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    async def _send_control(self, kind: int, flags: int, payload: bytes) -> None:
        async with self._lock:
            head = struct.pack(">HHI", 0x8003, kind, (flags << 24) | len(payload))
            self._writer.write(head + payload)
            await self._writer.drain()

    async def send_data(self, stream_id: int, data: bytes, *, fin: bool = False) -> None:
        async with self._lock:
            view = memoryview(data)
            step = 32 * 1024  # as spdystream's writers, fed by the kubelet's 32 KiB io.Copy
            starts = range(0, len(view), step) if data else [0]
            for start in starts:
                chunk = view[start : start + step]
                last = start + step >= len(view)
                flags = _FIN if (fin and last) else 0
                self._writer.write(struct.pack(">II", stream_id, (flags << 24) | len(chunk)))
                self._writer.write(chunk)
                await self._writer.drain()  # back-pressure: a client that does not read stops us

    async def goaway(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            await self._send_control(_GOAWAY, 0, struct.pack(">II", 0, 0))


def spdy_reply(
    request: Request,
    supported: tuple[str, ...],
    session_fn: Callable[[SPDYSession, str], Awaitable[None]],
) -> Reply:
    """The 101 reply for a SPDY upgrade that runs ``session_fn`` (or a 400 if no protocol fits)."""
    offered = [
        p.strip()
        for p in request.headers.get("x-stream-protocol-version", "").split(",")
        if p.strip()
    ]
    chosen = next((p for p in offered if p in supported), None)
    if chosen is None:
        message = f"unable to upgrade: unable to negotiate protocol: client supports {offered}, server supports {list(supported)}"
        return Reply(403, [("Content-Type", "text/plain")], message.encode())
    headers = [
        ("Connection", "Upgrade"),
        ("Upgrade", "SPDY/3.1"),
        ("X-Stream-Protocol-Version", chosen),
    ]

    async def upgraded(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trailing: bytes
    ) -> None:
        session = SPDYSession(reader, writer, trailing)
        frames = asyncio.ensure_future(session.run())
        try:
            await session_fn(session, chosen)
        except (ConnectionError, OSError):
            pass
        finally:
            await session.goaway()
            frames.cancel()
            await asyncio.gather(frames, return_exceptions=True)

    return Reply(101, headers, upgrade=upgraded)


async def _wait_streams(session: SPDYSession, wanted: set[str]) -> dict[str, SPDYStream] | None:
    """The exec streams by type, once all of ``wanted`` are open (None if the client gave up)."""
    streams: dict[str, SPDYStream] = {}

    async def collect() -> bool:
        while not wanted <= streams.keys():
            stream = await session.accept()
            if stream is None:
                return False
            streams[stream.kind] = stream
        return True

    try:
        complete = await asyncio.wait_for(collect(), _STREAM_WAIT)
    except asyncio.TimeoutError:
        return None
    return streams if complete else None


async def serve_exec_spdy(
    session: SPDYSession, protocol_name: str, call: ExecCall, handlers: StreamHandlers
) -> None:
    """Run ``call`` over the streams kubectl opens, then the status on ``error`` and FINs."""
    protocol = protocol_named(protocol_name, EXEC_SPDY_PROTOCOLS)
    wanted = {"error"}
    if call.stdin:
        wanted.add("stdin")
    if call.stdout:
        wanted.add("stdout")
    if call.stderr and not call.tty:
        wanted.add("stderr")
    if call.tty and protocol.version >= 3:
        wanted.add("resize")
    streams = await _wait_streams(session, wanted)
    if streams is None:
        return

    async def send(channel: int, data: bytes) -> None:
        name = "stdout" if channel == STDOUT else "stderr" if channel == STDERR else "error"
        stream = streams.get(name)
        if stream is not None:
            await stream.write(data)

    call._send = send

    async def stdin() -> None:
        stream = streams.get("stdin")
        try:
            while stream is not None and (data := await stream.read(256 * 1024)):
                await call._input.put(data)
        finally:
            await call._input.put(None)

    async def resize() -> None:
        stream = streams.get("resize")
        while stream is not None and (data := await stream.read()):
            for size in decode_resize(data):
                if call._sizes.full():
                    call._sizes.get_nowait()
                call._sizes.put_nowait(size)

    pumps = [asyncio.ensure_future(stdin()), asyncio.ensure_future(resize())]
    handler = asyncio.ensure_future(handlers.run_exec(call))
    gone = asyncio.ensure_future(session.accept())  # None once the connection has ended
    try:
        done, _ = await asyncio.wait({handler, gone}, return_when=asyncio.FIRST_COMPLETED)
        if handler in done:
            code, message = handler.result()
            await send(ERROR, encode_exit_status(protocol, code, message))
            for stream in streams.values():
                await stream.close()
    finally:
        for task in (*pumps, handler, gone):
            task.cancel()
        await asyncio.gather(*pumps, handler, gone, return_exceptions=True)


async def serve_port_forward_spdy(
    session: SPDYSession, namespace: str, pod: str, handlers: StreamHandlers
) -> None:
    """Forward each (error, data) stream pair kubectl opens, until it closes the connection."""
    pairs: dict[str, dict[str, SPDYStream]] = {}
    tasks: set[asyncio.Task[None]] = set()

    async def forward(error: SPDYStream, data: SPDYStream) -> None:
        try:
            port = int(data.headers.get("port", "0"))
        except ValueError:
            port = 0
        conn = PortConnection(port, namespace, pod)
        conn._send = data.write

        async def upload() -> None:
            try:
                while chunk := await data.read(256 * 1024):
                    await conn._input.put(chunk)
            finally:
                conn._input.end_now()

        feeder = asyncio.ensure_future(upload())
        try:
            message = await handlers.connect_port(conn)
            if message:
                await error.write(message.encode())
        finally:
            feeder.cancel()
            await asyncio.gather(feeder, return_exceptions=True)
            await data.close()
            await error.close()

    try:
        while (stream := await session.accept()) is not None:
            pair = pairs.setdefault(stream.headers.get("requestid", ""), {})
            pair[stream.kind] = stream
            if "error" in pair and "data" in pair:
                del pairs[stream.headers.get("requestid", "")]
                task = asyncio.ensure_future(forward(pair["error"], pair["data"]))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
    finally:
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def serve_spdy(
    request: Request,
    handlers: StreamHandlers,
    kind: str,
    namespace: str,
    pod: str,
    container: str = "",
) -> Reply:
    """Serve one checked exec, attach or portforward request that asked for SPDY/3.1."""
    if kind == "portforward":

        async def forward(session: SPDYSession, _protocol: str) -> None:
            await serve_port_forward_spdy(session, namespace, pod, handlers)

        return spdy_reply(request, (PORT_FORWARD_SPDY_PROTOCOL,), forward)
    call = exec_call_from(request, kind, namespace, pod, container)
    if call.tty:
        call.stderr = False

    async def execute(session: SPDYSession, protocol: str) -> None:
        await serve_exec_spdy(session, protocol, call, handlers)

    return spdy_reply(request, EXEC_SPDY_PROTOCOLS, execute)
