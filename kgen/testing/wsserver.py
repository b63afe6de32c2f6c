"""The server end of exec, attach and port-forward over WebSocket (the channel protocols of
:mod:`kgen.runtime._channels`, RFC 6455 frames of :mod:`kgen.runtime._wsframes`), on the engine of
:mod:`kgen.testing.streaming`.

Every write waits for the socket to drain and frames carry at most :data:`FRAME_DATA` bytes, as the
kubelet's 32 KiB copies make them; messages over :data:`MAX_MESSAGE` end the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from kgen.runtime._channels import CLOSE as CLOSE_CHANNEL
from kgen.runtime._channels import (
    ERROR,
    EXEC_PROTOCOLS,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    ChannelProtocol,
    StreamProtocolError,
    decode_resize,
    encode_exit_status,
    port_channels,
    port_prefix,
    protocol_named,
    select_protocol,
    websocket_accept,
)
from kgen.runtime._wsframes import (
    BINARY,
    CLOSE,
    PING,
    PONG,
    TEXT,
    FrameError,
    FrameReader,
    close_payload,
    encode_frame,
)
from kgen.testing.http import Reply, Request
from kgen.testing.streaming import READ_SIZE, ExecCall, PortConnection, StreamHandlers

__all__ = [
    "SERVED_EXEC_PROTOCOLS",
    "ServerWebSocket",
    "serve_exec_websocket",
    "serve_port_forward_websocket",
    "text_reply",
    "websocket_reply",
]

MAX_MESSAGE = 16 * 1024 * 1024
FRAME_DATA = 32 * 1024  # the most data one frame carries (the kubelet copies in 32 KiB buffers)
#: What the servers speak: v5 and v4 and the older ones, binary and base64 (as kubelet 1.20, plus v5).
SERVED_EXEC_PROTOCOLS: tuple[str, ...] = (
    *EXEC_PROTOCOLS,
    "v4.base64.channel.k8s.io",
    "base64.channel.k8s.io",
)


class ServerWebSocket:
    """The server end of a WebSocket on an upgraded asyncio connection (the handshake was the HTTP
    reply): RFC 6455 frames from ``kgen.runtime._wsframes``, read only when asked for."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trailing: bytes
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._frames = FrameReader(masked=True, max_message=MAX_MESSAGE)
        self._frames.feed(trailing)
        self._pending: deque[bytes | str] = deque()
        self._lock = asyncio.Lock()
        self._sent_close = False
        self.closed = False

    async def send(self, message: bytes | str) -> None:
        if isinstance(message, str):
            await self._write(encode_frame(TEXT, message.encode("utf-8"), masked=False))
        else:
            await self._write(encode_frame(BINARY, message, masked=False))

    async def send_channel(self, protocol: ChannelProtocol, channel: int, data: bytes) -> None:
        """``data`` on ``channel``, in frames of at most :data:`FRAME_DATA` bytes as the kubelet's
        32 KiB copies make them. Binary frames are built here and the data written as it is
        (server frames are not masked: no copy of it)."""
        if protocol.base64 or len(data) < 4096:
            for start in range(0, max(len(data), 1), FRAME_DATA):
                await self.send(protocol.encode(channel, data[start : start + FRAME_DATA]))
            return
        view = memoryview(data)
        async with self._lock:
            if self._sent_close:
                raise ConnectionResetError("the WebSocket is closed")
            for start in range(0, len(view), FRAME_DATA):
                chunk = view[start : start + FRAME_DATA]
                length = len(chunk) + 1
                if length < 126:
                    head = bytes((0x82, length, channel))
                else:
                    head = bytes((0x82, 126)) + length.to_bytes(2, "big") + bytes((channel,))
                self._writer.write(head)
                self._writer.write(chunk)
            await self._writer.drain()  # back-pressure: a client that does not read stops us

    async def _write(self, frame: bytes) -> None:
        async with self._lock:
            if self._sent_close:
                raise ConnectionResetError("the WebSocket is closed")
            self._writer.write(frame)
            await self._writer.drain()  # back-pressure: a client that does not read stops us

    async def receive(self) -> bytes | str | None:
        """The next message; None once the client has closed or gone."""
        while not self._pending:
            if self.closed:
                return None
            try:
                for opcode, payload in self._frames.messages():
                    if opcode == BINARY or opcode == TEXT:
                        self._pending.append(payload)
                    elif opcode == PING and isinstance(payload, bytes):
                        await self._write(encode_frame(PONG, payload, masked=False))
                    elif opcode == CLOSE:
                        self.closed = True
                        await self.close()
                        break
            except FrameError as exc:
                self.closed = True
                await self.close(exc.code)
                return None
            if self._pending or self.closed:
                continue
            try:
                data = await self._reader.read(READ_SIZE)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                self.closed = True
                return None
            self._frames.feed(data)
        return self._pending.popleft()

    async def close(self, code: int = 1000) -> None:
        if not self._sent_close:
            with contextlib.suppress(Exception):
                await self._write(encode_frame(CLOSE, close_payload(code), masked=False))
            self._sent_close = True


def _is_websocket(request: Request) -> bool:
    upgrade = request.headers.get("upgrade", "").lower()
    connection = request.headers.get("connection", "").lower()
    return upgrade == "websocket" and "upgrade" in [p.strip() for p in connection.split(",")]


def _offered(request: Request) -> list[str]:
    header = request.headers.get("sec-websocket-protocol", "")
    return [p.strip() for p in header.split(",") if p.strip()]


def text_reply(status: int, message: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], message.encode())


def websocket_reply(
    request: Request,
    supported: Sequence[str],
    session: Callable[[ServerWebSocket, ChannelProtocol], Awaitable[None]],
) -> Reply:
    """The 101 reply that runs ``session`` on the upgraded connection (or a 400 saying why not)."""
    key = request.headers.get("sec-websocket-key", "")
    if not _is_websocket(request) or not key or request.method != "GET":
        return text_reply(400, "a WebSocket upgrade (GET, Upgrade: websocket) is required")
    if request.headers.get("sec-websocket-version", "") != "13":
        return Reply(426, [("Sec-WebSocket-Version", "13")], b"")
    chosen = select_protocol(_offered(request), supported)
    if chosen is None:
        return text_reply(
            400,
            f"requested protocol(s) are not supported: {_offered(request)}; supports {list(supported)}",
        )
    protocol = protocol_named(chosen or None, supported)
    accept = websocket_accept(key)
    headers = [
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Accept", accept),
    ]
    if chosen:
        headers.append(("Sec-WebSocket-Protocol", chosen))

    async def upgraded(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, trailing: bytes
    ) -> None:
        ws = ServerWebSocket(reader, writer, trailing)
        try:
            await session(ws, protocol)
        except (ConnectionError, OSError, StreamProtocolError):
            pass
        except asyncio.CancelledError:
            # The server is going away (``drop_connections``, a shutdown): the connection is cut,
            # with no close frame, as when a kubelet or an API server dies.
            ws._sent_close = True
            writer.transport.abort()
            raise
        finally:
            await ws.close()

    return Reply(101, headers, upgrade=upgraded)


# --- exec and attach over WebSocket ---------------------------------------------------------------


async def serve_exec_websocket(
    ws: ServerWebSocket, protocol: ChannelProtocol, call: ExecCall, handlers: StreamHandlers
) -> None:
    """Run ``call`` on ``ws``: frames in to stdin and resize, the handler's output out, then the
    exit status on the error channel and a close (the kubelet's order)."""

    async def send(channel: int, data: bytes) -> None:
        await ws.send_channel(protocol, channel, data)

    call._send = send
    # The kubelet's "streams are ready" signal: an empty frame on the first output channel.
    await send(STDOUT if call.stdout else (STDERR if call.stderr else ERROR), b"")

    async def pump() -> None:
        try:
            while (message := await ws.receive()) is not None:
                frame = protocol.decode(message)
                if frame is None:
                    continue
                channel, data = frame
                if channel == STDIN and call.stdin:
                    if data:
                        await call._input.put(data)
                elif channel == RESIZE and call.tty:
                    for size in decode_resize(data):
                        if call._sizes.full():
                            call._sizes.get_nowait()  # only the latest sizes matter
                        call._sizes.put_nowait(size)
                elif (
                    channel == CLOSE_CHANNEL and protocol.can_close and data[:1] == bytes((STDIN,))
                ):
                    await call._input.put(None)
        finally:
            call._input.end_now()

    reader = asyncio.ensure_future(pump())
    handler = asyncio.ensure_future(handlers.run_exec(call))
    try:
        done, _ = await asyncio.wait({reader, handler}, return_when=asyncio.FIRST_COMPLETED)
        if handler in done:
            code, message = handler.result()
            await ws.send(protocol.encode(ERROR, encode_exit_status(protocol, code, message)))
        # else the client went away: the handler is cancelled (nothing is left running)
    finally:
        for task in (reader, handler):
            task.cancel()
        await asyncio.gather(reader, handler, return_exceptions=True)


# --- port-forward over WebSocket ------------------------------------------------------------------


async def serve_port_forward_websocket(
    ws: ServerWebSocket,
    protocol: ChannelProtocol,
    namespace: str,
    pod: str,
    ports: Sequence[int],
    handlers: StreamHandlers,
) -> None:
    """Forward each of ``ports`` (channels 2i and 2i+1) to its target, as the kubelet does."""
    conns = [PortConnection(port, namespace, pod) for port in ports]
    for index, conn in enumerate(conns):
        data, error = port_channels(index)

        async def send(payload: bytes, channel: int = data) -> None:
            await ws.send_channel(protocol, channel, payload)

        conn._send = send
        await ws.send(protocol.encode(data, port_prefix(conn.port)))
        await ws.send(protocol.encode(error, port_prefix(conn.port)))

    async def pump() -> None:
        try:
            while (message := await ws.receive()) is not None:
                frame = protocol.decode(message)
                if frame is None:
                    continue
                channel, payload = frame
                if channel % 2 == 0 and channel // 2 < len(conns) and payload:
                    await conns[channel // 2]._input.put(payload)
        finally:
            for conn in conns:
                conn._input.end_now()

    async def forward(index: int, conn: PortConnection) -> None:
        message = await handlers.connect_port(conn)
        conn.closed = True
        if message:
            await ws.send(protocol.encode(port_channels(index)[1], message.encode()))

    reader = asyncio.ensure_future(pump())
    forwards: asyncio.Future[list[None]] = asyncio.ensure_future(
        asyncio.gather(*(forward(i, c) for i, c in enumerate(conns)))
    )
    try:
        # The client's close (or its connection's end) ends the forwarding too, as the kubelet
        # closes the pod's connections: a target that would wait for more input is not left running.
        either: list[asyncio.Future[Any]] = [reader, forwards]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if forwards.done():
            forwards.result()
    finally:
        for task in (reader, forwards):
            task.cancel()
        await asyncio.gather(reader, forwards, return_exceptions=True)
