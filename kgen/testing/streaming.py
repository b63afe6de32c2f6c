"""exec, attach and port-forward for tests: handlers that test authors register, served over WebSocket.

    handlers = StreamHandlers()

    async def shell(call: ExecCall) -> int:
        if call.command[:1] == ["cat"]:
            while data := await call.read_stdin():
                await call.write_stdout(data)
            return 0
        await call.write_stderr(b"unknown command\\n")
        return 127

    handlers.on_exec(shell)                                   # every pod and container
    handlers.on_port_forward(8080, ("127.0.0.1", web_port))   # a local address
    handlers.on_port_forward(9090, echo, pod="db")            # or a function of a PortConnection

One engine serves them, whichever front asks: kgen.testing's API server (:class:`PodConnectRoutes`:
``/api/v1/namespaces/{ns}/pods/{name}/exec|attach|portforward``, checked as kube-apiserver checks them)
and the fake kubelet (``kgen.testing.kubelet``: ``/exec/{ns}/{pod}/{container}``...) that the real
kube-apiserver proxies to. The wire protocols are :mod:`kgen.runtime._channels`'.

Limits, so that one stream cannot stall the shared server: input waits in bounded queues (a handler that
does not read stdin stops the connection's reader, and TCP pushes back on the client), every write waits
for the socket to drain (a client that does not read stops the handler), messages over
:data:`MAX_MESSAGE` end the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Union

from kgen.runtime._channels import CLOSE as CLOSE_CHANNEL
from kgen.runtime._channels import (
    ERROR,
    EXEC_PROTOCOLS,
    PORT_FORWARD_PROTOCOLS,
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

__all__ = [
    "CommandFailed",
    "ExecCall",
    "ExecHandler",
    "PodConnectRoutes",
    "PortConnection",
    "PortTarget",
    "StreamHandlers",
    "serve_exec_websocket",
    "serve_on",
    "serve_port_forward_websocket",
]

logger = logging.getLogger("kgen.testing")

MAX_MESSAGE = 16 * 1024 * 1024
READ_SIZE = 256 * 1024
FRAME_DATA = 32 * 1024  # the most data one frame carries (the kubelet copies in 32 KiB buffers)
QUEUE_CHUNKS = 8  # per input stream: at most this many messages wait for a handler
#: What the servers speak: v5 and v4 and the older ones, binary and base64 (as kubelet 1.20, plus v5).
SERVED_EXEC_PROTOCOLS: tuple[str, ...] = (
    *EXEC_PROTOCOLS,
    "v4.base64.channel.k8s.io",
    "base64.channel.k8s.io",
)


class CommandFailed(Exception):
    """Raised by an exec handler: the command could not be run (what "executable not found" is)."""


# --- what handlers get ----------------------------------------------------------------------------


class _Input:
    """A bounded byte queue: the connection's reader puts, the handler gets; None is the end."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_CHUNKS)
        self._rest = b""
        self.ended = False

    async def put(self, data: bytes | None) -> None:
        if self.ended:
            return
        if data is None:
            self.ended = True
        await self._queue.put(data)

    def end_now(self) -> None:
        """End without waiting (the connection is gone): the reader sees the end after the queue."""
        if not self.ended:
            self.ended = True
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def read(self, max_bytes: int = 65536) -> bytes:
        if not self._rest:
            if self.ended and self._queue.empty():
                return b""
            data = await self._queue.get()
            if data is None:
                self._queue.put_nowait(None)  # stays at the end for later reads
                return b""
            self._rest = data
        out, self._rest = self._rest[:max_bytes], self._rest[max_bytes:]
        return out


@dataclass
class ExecCall:
    """One exec or attach: who and what, stdin to read, stdout/stderr to write, terminal sizes."""

    kind: str  # "exec" or "attach"
    namespace: str
    pod: str
    container: str
    command: list[str]
    tty: bool
    stdin: bool
    stdout: bool = True
    stderr: bool = True
    _input: _Input = field(default_factory=_Input, repr=False)
    _sizes: asyncio.Queue[tuple[int, int]] = field(
        default_factory=lambda: asyncio.Queue(QUEUE_CHUNKS), repr=False
    )
    _send: Callable[[int, bytes], Awaitable[None]] | None = field(default=None, repr=False)

    async def read_stdin(self, max_bytes: int = 65536) -> bytes:
        """The next bytes of stdin; b"" at its end (closed by the client, or no stdin)."""
        if not self.stdin:
            return b""
        return await self._input.read(max_bytes)

    async def read_all_stdin(self) -> bytes:
        out = bytearray()
        while data := await self.read_stdin():
            out += data
        return bytes(out)

    async def write_stdout(self, data: bytes) -> None:
        await self._write(STDOUT if self.stdout else -1, data)

    async def write_stderr(self, data: bytes) -> None:
        # A terminal has one output stream, as in a real container.
        await self._write(STDOUT if self.tty else (STDERR if self.stderr else -1), data)

    async def _write(self, channel: int, data: bytes) -> None:
        if channel < 0 or not data:
            return
        assert self._send is not None
        await self._send(channel, data)

    async def next_size(self) -> tuple[int, int]:
        """The next terminal size the client sent (width, height)."""
        return await self._sizes.get()


#: An exec or attach handler: gets the call, returns the exit code (None is 0) or raises
#: :class:`CommandFailed`.
ExecHandler = Callable[[ExecCall], Awaitable[Union[int, None]]]


class PortConnection:
    """One forwarded connection, as a port-forward function target sees it."""

    def __init__(self, port: int, namespace: str, pod: str) -> None:
        self.port = port
        self.namespace = namespace
        self.pod = pod
        self._input = _Input()
        self._send: Callable[[bytes], Awaitable[None]] | None = None
        self.closed = False

    async def read(self, max_bytes: int = 65536) -> bytes:
        """What the client sent; b"" once it is gone."""
        return await self._input.read(max_bytes)

    async def write(self, data: bytes) -> None:
        if data and not self.closed:
            assert self._send is not None
            await self._send(data)


#: A port-forward target: a local ``(host, port)`` to connect to, or a function of the connection.
PortTarget = Union[tuple[str, int], Callable[[PortConnection], Awaitable[None]]]


@dataclass
class _Entry:
    kind: str
    target: Any
    namespace: str | None
    pod: str | None
    container: str | None = None
    port: int | None = None

    def matches(self, namespace: str, pod: str, container: str | None, port: int | None) -> bool:
        return (
            (self.namespace is None or self.namespace == namespace)
            and (self.pod is None or self.pod == pod)
            and (self.container is None or self.container == container)
            and (self.port is None or self.port == port)
        )


class StreamHandlers:
    """What exec, attach and port-forward do, registered by tests; the last matching one wins."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def on_exec(
        self,
        handler: ExecHandler,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        container: str | None = None,
    ) -> None:
        self._entries.append(_Entry("exec", handler, namespace, pod, container))

    def on_attach(
        self,
        handler: ExecHandler,
        *,
        namespace: str | None = None,
        pod: str | None = None,
        container: str | None = None,
    ) -> None:
        self._entries.append(_Entry("attach", handler, namespace, pod, container))

    def on_port_forward(
        self,
        port: int,
        target: PortTarget,
        *,
        namespace: str | None = None,
        pod: str | None = None,
    ) -> None:
        self._entries.append(_Entry("portforward", target, namespace, pod, None, port))

    def find(
        self,
        kind: str,
        namespace: str,
        pod: str,
        container: str | None = None,
        port: int | None = None,
    ) -> Any:
        for entry in reversed(self._entries):
            if entry.kind == kind and entry.matches(namespace, pod, container, port):
                return entry.target
        return None

    async def run_exec(self, call: ExecCall) -> tuple[int, str]:
        """Run the handler for ``call``: (exit code, message); exit code -1 when it could not run."""
        handler = self.find(call.kind, call.namespace, call.pod, call.container)
        if handler is None:
            what = "executable" if call.kind == "exec" else "process"
            return -1, (
                f"no {call.kind} handler for {call.namespace}/{call.pod}/{call.container} in "
                f"kgen.testing (register one with StreamHandlers.on_{call.kind}): {what} not found"
            )
        try:
            code = await handler(call)
        except CommandFailed as exc:
            return -1, str(exc)
        except (ConnectionError, OSError):
            raise  # the client went away
        except (
            Exception
        ) as exc:  # noqa: BLE001 - a broken handler fails its command, not the server
            logger.exception("kgen.testing: the %s handler failed", call.kind)
            return -1, f"error executing command in container: {type(exc).__name__}: {exc}"
        return (code or 0), ""

    async def connect_port(self, conn: PortConnection) -> str | None:
        """Serve one forwarded connection to its target; an error message if there was none."""
        target = self.find("portforward", conn.namespace, conn.pod, port=conn.port)
        if target is None:
            target = ("127.0.0.1", 0)  # nothing registered: nothing listening
        if callable(target):
            try:
                await target(conn)
            finally:
                conn.closed = True
            return None
        host, port = target
        try:
            if port == 0:
                raise ConnectionRefusedError(111, "Connection refused")
            reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            return (
                f"error forwarding port {conn.port} to pod {conn.namespace}/{conn.pod}: failed to "
                f"connect to localhost:{conn.port} inside namespace of the pod: "
                f"dial tcp {host}:{conn.port}: connect: {exc.strerror or exc}"
            )

        async def upload() -> None:
            try:
                while data := await conn.read(READ_SIZE):
                    writer.write(data)
                    await writer.drain()
                if writer.can_write_eof():
                    writer.write_eof()
            except OSError:
                pass

        task = asyncio.ensure_future(upload())
        try:
            while data := await reader.read(READ_SIZE):
                await conn.write(data)
        except OSError:
            pass
        finally:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        return None


# --- a server-side WebSocket ----------------------------------------------------------------------


class _ServerWebSocket:
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


def _text_reply(status: int, message: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], message.encode())


def websocket_reply(
    request: Request,
    supported: Sequence[str],
    session: Callable[[_ServerWebSocket, ChannelProtocol], Awaitable[None]],
) -> Reply:
    """The 101 reply that runs ``session`` on the upgraded connection (or a 400 saying why not)."""
    key = request.headers.get("sec-websocket-key", "")
    if not _is_websocket(request) or not key or request.method != "GET":
        return _text_reply(400, "a WebSocket upgrade (GET, Upgrade: websocket) is required")
    if request.headers.get("sec-websocket-version", "") != "13":
        return Reply(426, [("Sec-WebSocket-Version", "13")], b"")
    chosen = select_protocol(_offered(request), supported)
    if chosen is None:
        return _text_reply(
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
        ws = _ServerWebSocket(reader, writer, trailing)
        try:
            await session(ws, protocol)
        except (ConnectionError, OSError, StreamProtocolError):
            pass
        finally:
            await ws.close()

    return Reply(101, headers, upgrade=upgraded)


# --- exec and attach over WebSocket ---------------------------------------------------------------


async def serve_exec_websocket(
    ws: _ServerWebSocket, protocol: ChannelProtocol, call: ExecCall, handlers: StreamHandlers
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
    ws: _ServerWebSocket,
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
    try:
        await asyncio.gather(*(forward(i, c) for i, c in enumerate(conns)))
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)


# --- the pods' connect subresources of an API server ------------------------------------------------


def _status(code: int, reason: str, message: str) -> Reply:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return Reply(code, [("Content-Type", "application/json")], json.dumps(body).encode())


def _bool(request: Request, name: str) -> bool:
    return request.param(name).lower() in ("true", "1")


def exec_call_from(
    request: Request, kind: str, namespace: str, pod: str, container: str
) -> ExecCall:
    """The call a kubelet-style or API-server request asks for (its query parameters)."""
    return ExecCall(
        kind=kind,
        namespace=namespace,
        pod=pod,
        container=container,
        command=request.query.get("command", []) if kind == "exec" else [],
        tty=_bool(request, "tty"),
        stdin=_bool(request, "stdin") or _bool(request, "input"),
        stdout=_bool(request, "stdout") or _bool(request, "output"),
        stderr=_bool(request, "stderr") or _bool(request, "error"),
    )


def parse_ports(request: Request) -> list[int] | str:
    """The ports asked for, or what is wrong with them: ``ports`` (the API server's query
    parameter) or ``port`` (what kube-apiserver passes on to the kubelet), repeated or comma-separated.
    """
    values = request.query.get("ports", []) + request.query.get("port", [])
    if not values:
        return 'query parameter "ports" is required'
    ports = []
    for value in values:
        for part in value.split(","):
            if not part.isdigit() or not 0 < int(part) <= 0xFFFF:
                return f"unable to parse {value!r} as a port"
            ports.append(int(part))
    return ports


def serve_connect(
    request: Request,
    handlers: StreamHandlers,
    kind: str,
    namespace: str,
    pod: str,
    container: str = "",
) -> Reply:
    """Serve one exec, attach or portforward request that has been checked (the kubelet's part):
    over WebSocket, or over SPDY/3.1 as kubectl asks (:mod:`kgen.testing.spdy`)."""
    from kgen.testing import spdy  # it builds on this module

    if spdy.is_spdy(request):
        return spdy.serve_spdy(request, handlers, kind, namespace, pod, container)
    if kind == "portforward":
        ports = parse_ports(request)
        if isinstance(ports, str):
            return _text_reply(400, ports)
        port_list = ports

        async def forward(ws: _ServerWebSocket, protocol: ChannelProtocol) -> None:
            await serve_port_forward_websocket(ws, protocol, namespace, pod, port_list, handlers)

        return websocket_reply(request, PORT_FORWARD_PROTOCOLS, forward)
    call = exec_call_from(request, kind, namespace, pod, container)
    if not (call.stdin or call.stdout or call.stderr):
        return _text_reply(400, "you must specify at least 1 of stdin, stdout, stderr")
    if call.tty and call.stderr:
        call.stderr = False  # a terminal has no separate stderr (the kubelet's rule)

    async def execute(ws: _ServerWebSocket, protocol: ChannelProtocol) -> None:
        await serve_exec_websocket(ws, protocol, call, handlers)

    return websocket_reply(request, SERVED_EXEC_PROTOCOLS, execute)


class PodConnectRoutes:
    """``pods/exec``, ``pods/attach`` and ``pods/portforward`` of an API server: the checks
    kube-apiserver makes (the pod exists, the container is one of its, it is bound to a node), then
    the kubelet's part (a pod that is not Running has no running container).

    ``get_pod(namespace, name)`` reads the pod (a dict) from the server's store. Call it with a
    request: a Reply for a connect path, None for anything else.
    """

    def __init__(
        self,
        handlers: StreamHandlers,
        get_pod: Callable[[str, str], dict[str, Any] | None],
    ) -> None:
        self.handlers = handlers
        self.get_pod = get_pod

    def __call__(self, request: Request) -> Reply | None:
        parts = request.path.strip("/").split("/")
        if (
            len(parts) != 7
            or parts[:3] != ["api", "v1", "namespaces"]
            or parts[4] != "pods"
            or parts[6] not in ("exec", "attach", "portforward")
        ):
            return None
        namespace, name, kind = parts[3], parts[5], parts[6]
        if request.method not in ("GET", "POST"):
            return _status(
                405, "MethodNotAllowed", f"{request.method} is not allowed on pods/{kind}"
            )
        pod = self.get_pod(namespace, name)
        if pod is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        spec = pod.get("spec") or {}
        container = ""
        if kind != "portforward":
            names = [c.get("name", "") for c in spec.get("containers") or []]
            names += [c.get("name", "") for c in spec.get("initContainers") or []]
            names += [c.get("name", "") for c in spec.get("ephemeralContainers") or []]
            container = request.param("container")
            if not container:
                if len(spec.get("containers") or []) == 1:
                    container = names[0]
                elif not names:
                    return _status(
                        400, "BadRequest", f"a container name must be specified for pod {name}"
                    )
                else:
                    return _status(
                        400,
                        "BadRequest",
                        f"a container name must be specified for pod {name}, choose one of: "
                        f"[{' '.join(names)}]",
                    )
            elif container not in names:
                return _status(
                    400, "BadRequest", f"container {container} is not valid for pod {name}"
                )
        if not spec.get("nodeName"):
            return _status(400, "BadRequest", f"pod {name} does not have a host assigned")
        phase = (pod.get("status") or {}).get("phase")
        if phase != "Running":
            # What the kubelet answers (and kube-apiserver passes on) for a container that does not run.
            what = f'container not found ("{container}")' if container else "pod not found"
            return _text_reply(500 if container else 404, what)
        return serve_connect(request, self.handlers, kind, namespace, name, container)


def serve_on(server: Any, handlers: StreamHandlers) -> Callable[[], None]:
    """Serve the pods' connect subresources on a started :class:`~kgen.testing.APIServer` with
    ``handlers``, behind its authentication (a request its router would refuse goes to the router,
    which answers 401); returns the function that stops serving them.

    The stand-in until the API server serves them itself (a ``streams`` attribute and a route).
    """
    http = server._http
    if http is None:
        raise RuntimeError("the server is not started")
    inner = http.app
    store = server.store
    routes = PodConnectRoutes(handlers, lambda ns, name: store.get(("", "pods"), ns, name))

    async def app(request: Request) -> Reply:
        if inner.auth.allows(request) is True:
            reply = routes(request)
            if reply is not None:
                return reply
        result: Reply = await inner(request)
        return result

    http.app = app

    def stop() -> None:
        http.app = inner

    return stop
