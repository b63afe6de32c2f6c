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

One engine serves them, whichever front asks: kgen.testing's API server
(:mod:`kgen.testing.connect`: ``/api/v1/namespaces/{ns}/pods/{name}/exec|attach|portforward``, checked as
kube-apiserver checks them) and the fake kubelet (:mod:`kgen.testing.kubelet`:
``/exec/{ns}/{pod}/{container}``...) that the real kube-apiserver proxies to; over WebSocket
(:mod:`kgen.testing.wsserver`) or SPDY (:mod:`kgen.testing.spdy`).

Limits, so that one stream cannot stall the shared server: input waits in bounded queues (a handler that
does not read stdin stops the connection's reader, and TCP pushes back on the client); every write waits
for the socket to drain (a client that does not read stops the handler).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Union

from kgen.runtime._channels import STDERR, STDOUT
from kgen.testing.http import Request

__all__ = [
    "CommandFailed",
    "ExecCall",
    "ExecHandler",
    "PortConnection",
    "PortTarget",
    "StreamHandlers",
    "exec_call_from",
    "parse_ports",
]

logger = logging.getLogger("kgen.testing")

READ_SIZE = 256 * 1024
QUEUE_CHUNKS = 8  # per input stream: at most this many messages wait for a handler


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
