# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""exec, attach, port-forward and proxy: the connect subresources, over kgen's transport.

This is the async source; ``kgen/runtime/_sync/streams.py`` is generated from it by
``scripts/unasync.py``.

**The WebSocket.** The upgrade is an ordinary request through :class:`Transport` — the same TLS
context, credentials (a 401 refreshes an exec-plugin or file token and the upgrade is sent again), proxy,
impersonation, rate limiter and connect timeout as every other request, and an error answer before the
upgrade (404 no such pod, 400 no such container or a pod that is not running) is the same typed
:class:`~kgen.runtime.APIError`. After the ``101 Switching Protocols`` the connection httpx hands back is
driven frame by frame (``_wsframes``: no handshake of its own, no task, no queue): bytes are read from
the socket only when the caller reads, so a slow reader slows the server down through TCP's window rather
than filling memory (what one read holds is at most one socket read and one message, bounded).

**exec and attach** (:class:`ExecSession`): ``write_stdin``, ``read`` (the next chunk of stdout
or stderr, as it comes), ``close_stdin`` (v5's close signal), ``resize`` and ``wait`` (the exit code,
with any output not read yet). :meth:`StreamClient.exec` is the one-call form: stdin fed in the
background while the output is read, then stdout, stderr and the exit code as an :class:`ExecResult` (a
non-zero exit is a result; ``check=True`` raises :class:`NonZeroExitError` for it).

**port-forward** (:class:`PortForward`): one WebSocket per stream (the protocol serves each port
once per connection), so every stream has its own back-pressure; :meth:`PortForward.listen` is a
local listening socket, as ``kubectl port-forward`` gives, opening one stream per accepted connection.

**proxy**: plain HTTP through the RESTClient to ``.../{name}/proxy/{path}``.
"""

from __future__ import annotations

import base64
import logging
import os
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import httpcore

from kgen.runtime._sync.primitives import Lock
from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._sync.streamio import Background, LocalConnection, LocalServer
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
    NonZeroExitError,
    PortForwardError,
    StreamClosed,
    StreamError,
    StreamProtocolError,
    decode_exit_status,
    encode_resize,
    parse_port_prefix,
    protocol_named,
    websocket_accept,
)
from kgen.runtime._errors import TransportError, TransportTimeout
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
    parse_close,
)
from kgen.runtime._request import NO_READ_TIMEOUT, Result, resource_path

__all__ = [
    "ExecSession",
    "PortForward",
    "PortListener",
    "PortStream",
    "StreamClient",
    "WebSocket",
    "ExecResult",
]

logger = logging.getLogger("kgen.runtime")

#: One socket read. Also the most a stream holds that its reader has not asked for (plus one message).
READ_SIZE = 256 * 1024
#: The largest message accepted (kube-apiserver's peers send 32 KiB frames; this is generous).
MAX_MESSAGE = 16 * 1024 * 1024
#: stdin and port-forward writes are cut into messages of at most this size.
WRITE_CHUNK = 256 * 1024
#: The most the error channel may carry (a Status is a few hundred bytes).
MAX_ERROR = 64 * 1024

_NETWORK_ERRORS = (httpcore.NetworkError, httpcore.TimeoutException, OSError)


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What a finished command gave: its output and exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int


def _network_error(exc: BaseException, what: str) -> TransportError:
    if isinstance(exc, (httpcore.TimeoutException, TimeoutError)):
        return TransportTimeout(f"{what}: timed out")
    return TransportError(f"{what}: {exc or type(exc).__name__}")


class WebSocket:
    """A client WebSocket over an upgraded connection (RFC 6455 frames from ``_wsframes``).

    Bytes are read from the socket only when the caller asks for the next message: what it holds
    unasked is at most one socket read and one partial message.
    """

    def __init__(
        self, stream: Any, subprotocol: str | None, *, what: str, read_timeout: float | None = None
    ) -> None:
        self.subprotocol = subprotocol
        self._stream = stream
        self._what = what
        self._read_timeout = read_timeout
        self._frames = FrameReader(masked=False, max_message=MAX_MESSAGE)
        self._pending: deque[bytes | str] = deque()
        self._write_lock = Lock()
        self._sent_close = False
        self.closed = False  # no more messages will come
        self.close_code: int | None = (
            None  # the close frame's code; None: the connection just ended
        )

    def send(self, message: bytes | str) -> None:
        if self._sent_close:
            raise StreamClosed(f"{self._what}: the WebSocket is closed")
        if isinstance(message, str):
            self._write(encode_frame(TEXT, message.encode("utf-8"), masked=True))
        else:
            self._write(encode_frame(BINARY, message, masked=True))

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            try:
                self._stream.write(data)
            except _NETWORK_ERRORS as exc:
                raise _network_error(exc, f"{self._what}: sending") from exc

    def receive(self) -> bytes | str | None:
        """The next message; None once the connection has ended (then :attr:`close_code` says how)."""
        while not self._pending:
            if self.closed:
                return None
            try:
                data = self._stream.read(READ_SIZE, timeout=self._read_timeout)
            except _NETWORK_ERRORS as exc:
                raise _network_error(exc, f"{self._what}: reading") from exc
            if not data:
                self.closed = True
                return None
            self._frames.feed(data)
            try:
                for opcode, payload in self._frames.messages():
                    if opcode == BINARY or opcode == TEXT:
                        self._pending.append(payload)
                    elif opcode == PING:
                        assert isinstance(payload, bytes)
                        self._write(encode_frame(PONG, payload, masked=True))
                    elif opcode == CLOSE:
                        assert isinstance(payload, bytes)
                        self.closed = True
                        self.close_code = parse_close(payload)[0]
                        self._close(1000)
                        break
            except FrameError as exc:
                self.closed = True
                raise StreamProtocolError(f"{self._what}: {exc}") from exc
        return self._pending.popleft()

    def _close(self, code: int) -> None:
        if not self._sent_close:
            self._sent_close = True
            try:
                self._write(encode_frame(CLOSE, close_payload(code), masked=True))
            except TransportError:
                pass  # the server may already be gone

    def close(self) -> None:
        """Say goodbye (a close frame) if the connection is still open; the caller closes it."""
        self._close(1000)

    def abort(self) -> None:
        """Shut the socket down now (unblocks a reader in another thread of the sync twin)."""
        sock = self._stream.get_extra_info("socket")
        if sock is not None:
            try:
                sock.shutdown(2)  # SHUT_RDWR
            except OSError:
                pass


@contextmanager
def _open_websocket(
    rest: RESTClient,
    path: str,
    params: list[tuple[str, str]],
    protocols: Sequence[str],
    *,
    read_timeout: float | None,
) -> Iterator[WebSocket]:
    key = base64.b64encode(os.urandom(16)).decode("ascii")
    request = (
        rest.get()
        .abs_path(path)
        .params(params)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", key)
        .header("Sec-WebSocket-Protocol", ", ".join(protocols))
        .timeout(NO_READ_TIMEOUT)
    )
    what = f"GET {path}"
    # Errors before the upgrade (404, 400, 401 after a refresh, 403) are raised by the transport.
    with request.stream() as response:
        if response.status_code != 101:
            raise StreamProtocolError(
                f"{what}: the server answered {response.status_code} instead of upgrading to a "
                "WebSocket (does it serve this subresource over WebSocket?)"
            )
        if response.headers.get("Sec-WebSocket-Accept") != websocket_accept(key):
            raise StreamProtocolError(f"{what}: a bad Sec-WebSocket-Accept")
        stream = response.extensions.get("network_stream")
        if stream is None:
            raise StreamProtocolError(f"{what}: the HTTP client kept the upgraded connection")
        websocket = WebSocket(
            stream,
            response.headers.get("Sec-WebSocket-Protocol"),
            what=what,
            read_timeout=read_timeout,
        )
        try:
            yield websocket
        finally:
            websocket.close()


# --- exec and attach ------------------------------------------------------------------------------


class ExecSession:
    """A running command (exec) or a container's main process (attach), as an async context manager.

    ``read()`` gives the output as it comes; ``wait()`` the exit code (and the output not read yet).
    """

    def __init__(
        self,
        rest: RESTClient,
        path: str,
        params: list[tuple[str, str]],
        *,
        stdin: bool,
        tty: bool,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
        read_timeout: float | None = None,
    ) -> None:
        self._rest = rest
        self._path = path
        self._params = params
        self.stdin = stdin
        self.tty = tty
        self._protocols = tuple(protocols)
        self._read_timeout = read_timeout
        self._stack = ExitStack()
        self._ws: WebSocket | None = None
        self.protocol: ChannelProtocol | None = None
        self._error = bytearray()
        self._stdin_closed = False
        self._finished = False
        self.exit_code: int | None = None  # once finished

    def __enter__(self) -> ExecSession:
        try:
            self._ws = self._stack.enter_context(
                _open_websocket(
                    self._rest,
                    self._path,
                    self._params,
                    self._protocols,
                    read_timeout=self._read_timeout,
                )
            )
            self.protocol = protocol_named(self._ws.subprotocol, self._protocols)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def _open(self) -> tuple[WebSocket, ChannelProtocol]:
        if self._ws is None or self.protocol is None:
            raise RuntimeError("the session is not open: use it as a context manager")
        return self._ws, self.protocol

    def write_stdin(self, data: bytes) -> None:
        """Send ``data`` to the command's stdin (in messages of at most WRITE_CHUNK bytes)."""
        if not self.stdin:
            raise ValueError("the session was opened without stdin (stdin=True)")
        if self._stdin_closed:
            raise ValueError("stdin is closed")
        ws, protocol = self._open()
        view = memoryview(data)
        for start in range(0, len(view), WRITE_CHUNK):
            ws.send(protocol.encode(STDIN, bytes(view[start : start + WRITE_CHUNK])))

    def close_stdin(self) -> None:
        """End of input for the command (v5's close signal).

        Older protocols have no way to say it: :class:`StreamProtocolError` (kubelets before 1.29
        and kube-apiserver before 1.30 speak at most v4 over WebSocket).
        """
        if not self.stdin or self._stdin_closed:
            return
        ws, protocol = self._open()
        if not protocol.can_close:
            raise StreamProtocolError(
                f"{protocol.name} cannot close stdin (the server does not speak v5.channel.k8s.io)"
            )
        self._stdin_closed = True
        ws.send(protocol.encode_close(STDIN))

    def resize(self, width: int, height: int) -> None:
        """The terminal's new size (only with ``tty=True``)."""
        if not self.tty:
            raise ValueError("resize needs a terminal (tty=True)")
        ws, protocol = self._open()
        ws.send(protocol.encode(RESIZE, encode_resize(width, height)))

    def read(self) -> tuple[int, bytes] | None:
        """The next output chunk as ``(STDOUT or STDERR, data)``; None when the command has ended.

        Raises :class:`CommandError` when the command could not run, :class:`StreamClosed` when the
        connection ended without an exit status.
        """
        ws, protocol = self._open()
        while True:
            if self._finished:
                return None
            message = ws.receive()
            if message is None:
                self._finish(ws, protocol)
                return None
            frame = protocol.decode(message)
            if frame is None:
                continue
            channel, data = frame
            if channel in (STDOUT, STDERR):
                if data:
                    return channel, data
            elif channel == ERROR:
                if len(self._error) + len(data) > MAX_ERROR:
                    raise StreamProtocolError(f"{ws._what}: over {MAX_ERROR} bytes of error")
                self._error += data
            elif channel == CLOSE_CHANNEL:
                pass  # v5: the server closed one channel; the end of the connection ends them all
            # anything else is ignored, as the kubelet ignores frames for channels it does not know

    def _finish(self, ws: WebSocket, protocol: ChannelProtocol) -> None:
        self._finished = True
        # v4+ always sends a Status; before v4 success is silence, so only a close frame says that
        # the command ended rather than the connection being cut.
        cut = not self._error if protocol.structured_status else ws.close_code is None
        if cut:
            raise StreamClosed(f"{ws._what}: the connection ended before the exit status")
        status = decode_exit_status(protocol, bytes(self._error))
        if status.error is not None:
            raise status.error
        self.exit_code = status.exit_code

    def abort(self) -> None:
        """Shut the connection down now (another thread blocked on it gets an error)."""
        if self._ws is not None:
            self._ws.abort()

    def wait(self, *, check: bool = False) -> ExecResult:
        """Read to the end: the output not read yet and the exit code.

        ``check=True`` raises :class:`NonZeroExitError` for a non-zero exit code.
        """
        stdout, stderr = bytearray(), bytearray()
        while True:
            chunk = self.read()
            if chunk is None:
                break
            (stdout if chunk[0] == STDOUT else stderr).extend(chunk[1])
        assert self.exit_code is not None
        result = ExecResult(bytes(stdout), bytes(stderr), self.exit_code)
        if check and result.exit_code != 0:
            raise NonZeroExitError(
                f"command terminated with non-zero exit code {result.exit_code}",
                exit_code=result.exit_code,
                stdout=result.stdout,
                stderr=result.stderr,
            )
        return result

    def feed(self, data: bytes) -> None:
        """Write ``data`` to stdin and close it; a command that ended first just did not read it."""
        try:
            self.write_stdin(data)
            self.close_stdin()
        except (StreamClosed, TransportError):
            if not self._finished:
                raise


# --- port-forward ---------------------------------------------------------------------------------


class PortStream:
    """One forwarded connection to a port of the pod: ``read``/``write`` bytes, ``close``."""

    def __init__(self, ws: WebSocket, protocol: ChannelProtocol, port: int) -> None:
        self._ws = ws
        self._protocol = protocol
        self.port = port
        self._prefixed = [False, False]  # the server's first frame on data and on error: the port
        self._error = bytearray()
        self.eof = False

    def read(self) -> bytes:
        """The next bytes from the pod's port; b"" once it closed the connection.

        Raises :class:`PortForwardError` when the server could not forward (nothing listening...).
        """
        while not self.eof:
            message = self._ws.receive()
            if message is None:
                self.eof = True
                break
            frame = self._protocol.decode(message)
            if frame is None:
                continue
            channel, data = frame
            if channel not in (0, 1):
                continue
            if not self._prefixed[channel]:
                data = parse_port_prefix(data, self.port)
                self._prefixed[channel] = True
            if channel == 1:
                if len(self._error) + len(data) <= MAX_ERROR:
                    self._error += data
                if self._error:
                    self.eof = True
                    break
            elif data:
                return data
        if self._error:
            raise PortForwardError(
                self._error.decode("utf-8", "replace") or f"port {self.port}: forwarding failed",
                port=self.port,
            )
        return b""

    def abort(self) -> None:
        self._ws.abort()

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        for start in range(0, len(view), WRITE_CHUNK):
            self._ws.send(self._protocol.encode(0, bytes(view[start : start + WRITE_CHUNK])))


class PortForward:
    """Forwarding to ports of one pod: streams (:meth:`stream`) and local sockets (:meth:`listen`)."""

    def __init__(
        self,
        rest: RESTClient,
        namespace: str,
        name: str,
        ports: Sequence[int] = (),
        *,
        read_timeout: float | None = None,
    ) -> None:
        self._rest = rest
        self.namespace = namespace
        self.name = name
        self.ports = tuple(ports)
        self._path = resource_path(
            "", "v1", "pods", namespace=namespace, name=name, subresource="portforward"
        )
        self._read_timeout = read_timeout

    @contextmanager
    def stream(self, port: int) -> Iterator[PortStream]:
        """A new connection to ``port`` of the pod (its own WebSocket)."""
        if not 0 < port <= 0xFFFF:
            raise ValueError(f"{port} is not a TCP port")
        with _open_websocket(
            self._rest,
            self._path,
            [("ports", str(port))],
            PORT_FORWARD_PROTOCOLS,
            read_timeout=self._read_timeout,
        ) as ws:
            protocol = protocol_named(ws.subprotocol or "v4.channel.k8s.io", PORT_FORWARD_PROTOCOLS)
            yield PortStream(ws, protocol, port)

    @contextmanager
    def listen(
        self, port: int, local_port: int = 0, address: str = "127.0.0.1"
    ) -> Iterator[PortListener]:
        """A local listening socket forwarding each accepted connection to ``port`` of the pod."""
        listener = PortListener(self, port, address, local_port)
        listener.start()
        try:
            yield listener
        finally:
            listener.close()


class PortListener:
    """``kubectl port-forward``'s local socket: :attr:`port` on :attr:`address`.

    Failures of single connections (nothing listening in the pod...) close that connection and are
    kept in :attr:`errors` (the last 100) and logged.
    """

    def __init__(self, forward: PortForward, remote_port: int, address: str, port: int) -> None:
        self._forward = forward
        self.remote_port = remote_port
        self._server = LocalServer(self._connection, address, port)
        self.address = address
        self.errors: deque[BaseException] = deque(maxlen=100)
        self._active: set[PortStream] = set()

    @property
    def port(self) -> int:
        return self._server.port

    def start(self) -> None:
        self._server.start()

    def close(self) -> None:
        for remote in list(self._active):
            remote.abort()  # in the sync twin, threads blocked reading the pod get unblocked
        self._server.close()

    def _connection(self, local: LocalConnection) -> None:
        try:
            with self._forward.stream(self.remote_port) as remote:
                self._active.add(remote)
                upload = Background(lambda: self._upload(local, remote))
                upload.start()
                try:
                    while True:
                        data = remote.read()
                        if not data:
                            break
                        local.sendall(data)
                except (StreamError, TransportError, OSError) as exc:
                    self._failed(exc)  # before the local side sees its connection end
                finally:
                    self._active.discard(remote)
                    # The pod's side ended: so does the local connection (v4 has no half-close).
                    local.close()
                    upload.cancel()
        except (StreamError, TransportError, OSError) as exc:
            self._failed(exc)

    def _failed(self, exc: BaseException) -> None:
        self.errors.append(exc)
        forward = self._forward
        logger.warning(
            "port-forward to %s/%s:%d: %s", forward.namespace, forward.name, self.remote_port, exc
        )

    def _upload(self, local: LocalConnection, remote: PortStream) -> None:
        try:
            while True:
                data = local.recv(READ_SIZE)
                if not data:
                    return  # v4 cannot half-close: the pod's answer still comes back
                remote.write(data)
        except (StreamError, TransportError):
            return


# --- the client -----------------------------------------------------------------------------------


class StreamClient:
    """The connect subresources of one API server, on a core/v1 RESTClient.

    Generated clients call these: ``pods(ns).exec(name, command)`` is
    ``exec("pods", ns, name, command)``.
    """

    def __init__(self, rest: RESTClient) -> None:
        self.rest = rest

    def _command_params(
        self,
        command: Sequence[str] | None,
        container: str | None,
        stdin: bool,
        stdout: bool,
        stderr: bool,
        tty: bool,
    ) -> list[tuple[str, str]]:
        params = [("command", part) for part in command or ()]
        if container:
            params.append(("container", container))
        for key, value in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr), ("tty", tty)):
            if value:
                params.append((key, "true"))
        return params

    def exec_session(
        self,
        namespace: str,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bool = False,
        tty: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecSession:
        """A streaming exec: ``with client.exec_session(...) as session:``."""
        if isinstance(command, str) or not command:
            raise TypeError("command is a non-empty list of arguments, e.g. ['sh', '-c', 'ls']")
        path = resource_path("", "v1", "pods", namespace=namespace, name=name, subresource="exec")
        # A terminal merges stderr into stdout, as kubectl asks.
        params = self._command_params(command, container, stdin, True, not tty, tty)
        return ExecSession(
            self.rest,
            path,
            params,
            stdin=stdin,
            tty=tty,
            protocols=protocols,
            read_timeout=read_timeout,
        )

    def attach_session(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        stdin: bool = False,
        tty: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecSession:
        """Attach to the container's main process: ``with client.attach_session(...)``."""
        path = resource_path("", "v1", "pods", namespace=namespace, name=name, subresource="attach")
        params = self._command_params(None, container, stdin, True, not tty, tty)
        return ExecSession(
            self.rest,
            path,
            params,
            stdin=stdin,
            tty=tty,
            protocols=protocols,
            read_timeout=read_timeout,
        )

    def exec(
        self,
        namespace: str,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bytes | None = None,
        tty: bool = False,
        check: bool = False,
        read_timeout: float | None = None,
    ) -> ExecResult:
        """Run ``command`` in the container: its stdout, stderr and exit code.

        ``stdin`` is fed (and closed) while the output is read. A non-zero exit code is a result;
        ``check=True`` raises :class:`NonZeroExitError` instead. :class:`CommandError` when it could
        not run (no such executable...).
        """
        session = self.exec_session(
            namespace,
            name,
            command,
            container=container,
            stdin=stdin is not None,
            tty=tty,
            read_timeout=read_timeout,
        )
        return _run(session, stdin, check)

    def attach(
        self,
        namespace: str,
        name: str,
        *,
        container: str | None = None,
        stdin: bytes | None = None,
        tty: bool = False,
        check: bool = False,
        read_timeout: float | None = None,
    ) -> ExecResult:
        """Attach until the process ends: its output from now on and its exit code."""
        session = self.attach_session(
            namespace,
            name,
            container=container,
            stdin=stdin is not None,
            tty=tty,
            read_timeout=read_timeout,
        )
        return _run(session, stdin, check)

    def port_forward(
        self,
        namespace: str,
        name: str,
        ports: Sequence[int] = (),
        *,
        read_timeout: float | None = None,
    ) -> PortForward:
        return PortForward(self.rest, namespace, name, ports, read_timeout=read_timeout)

    def proxy(
        self,
        resource: str,
        name: str,
        path: str = "",
        *,
        namespace: str | None = None,
        method: str = "GET",
        port: int | str | None = None,
        scheme: str | None = None,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Result:
        """An HTTP request to a pod, service or node through the API server's proxy.

        ``.../pods/[scheme:]name[:port]/proxy/path``; an error answer is the typed APIError.
        """
        target = name
        if port is not None:
            target = f"{target}:{port}"
        if scheme is not None:
            target = f"{scheme}:{target}"
        base = resource_path(
            "", "v1", resource, namespace=namespace, name=target, subresource="proxy"
        )
        request = self.rest.verb(method.upper()).abs_path(f"{base}/{path.lstrip('/')}")
        request.params(list(params)).accept("*/*").timeout(timeout)
        if body is not None:
            request.content_type((headers or {}).get("Content-Type", "application/octet-stream"))
            request._body = body
        for key, value in (headers or {}).items():
            if key.lower() != "content-type":
                request.header(key, value)
        return request.do()


def _run(session: ExecSession, stdin: bytes | None, check: bool) -> ExecResult:
    with session:
        if stdin is None:
            return session.wait(check=check)
        data = stdin
        writer = Background(lambda: session.feed(data))
        writer.start()
        try:
            result = session.wait(check=check)
        except BaseException:
            session.abort()  # unblocks the writer (in the sync twin, a thread blocked on a write)
            writer.cancel()
            raise
        writer.join()
        return result
