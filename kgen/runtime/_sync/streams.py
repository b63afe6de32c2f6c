# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""exec, attach, port-forward and proxy: the connect subresources, over kgen's transport.

This is the async source; ``kgen/runtime/_sync/streams.py`` is generated from it by
``scripts/unasync.py``.

The WebSocket (``websocket.py``) is an upgrade through kgen's own transport: same TLS, credentials,
proxy and timeouts as every other request.

**exec and attach** (:class:`ExecSession`): ``write_stdin``, ``read`` (the next chunk of stdout
or stderr, as it comes), ``close_stdin`` (v5's close signal), ``resize`` and ``wait`` (the exit code,
with any output not read yet). The connect mixins' ``exec`` (``connect.py``) is the one-call form:
stdin fed in the background while the output is read, then stdout, stderr and the exit code as an
:class:`ExecResult` (a non-zero exit is a result; ``check=True`` raises :class:`NonZeroExitError` for
it).

**port-forward**: ``portforward.py``.

**proxy**: plain HTTP through the RESTClient to ``.../{name}/proxy/{path}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import ExitStack

from kgen.runtime._sync.rest import Request, RESTClient
from kgen.runtime._sync.streamio import Background
from kgen.runtime._sync.websocket import WRITE_CHUNK, WebSocket, open_websocket
from kgen.runtime._channels import CLOSE as CLOSE_CHANNEL
from kgen.runtime._channels import (
    ERROR,
    EXEC_PROTOCOLS,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    ChannelProtocol,
    ExecResult,
    decode_exit_status,
    encode_resize,
    protocol_named,
)
from kgen.runtime._errors import (
    NonZeroExitError,
    StreamClosed,
    StreamProtocolError,
    TransportError,
)

__all__ = ["ExecSession", "ExecResult"]

#: The most the error channel may carry (a Status is a few hundred bytes).
MAX_ERROR = 64 * 1024


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
                open_websocket(
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
        ws.send_many(
            protocol.encode(STDIN, bytes(view[start : start + WRITE_CHUNK]))
            for start in range(0, len(view), WRITE_CHUNK)
        )

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


# --- one implementation, on a path: what the generated clients' connect mixins call -------------


def _command_params(
    command: Sequence[str] | None, container: str | None, stdin: bool, tty: bool
) -> list[tuple[str, str]]:
    """exec's and attach's query: a terminal merges stderr into stdout, as kubectl asks."""
    params = [("command", part) for part in command or ()]
    if container:
        params.append(("container", container))
    for key, value in (("stdin", stdin), ("stdout", True), ("stderr", not tty), ("tty", tty)):
        if value:
            params.append((key, "true"))
    return params


def _exec_session(
    rest: RESTClient,
    path: str,
    command: Sequence[str] | None,
    *,
    container: str | None,
    stdin: bool,
    tty: bool,
    read_timeout: float | None,
    protocols: Sequence[str],
) -> ExecSession:
    """A session on ``path`` (``.../pods/{name}/exec`` with a command, ``.../attach`` without)."""
    if command is not None and (isinstance(command, str) or not command):
        raise TypeError("command is a non-empty list of arguments, e.g. ['sh', '-c', 'ls']")
    params = _command_params(command, container, stdin, tty)
    return ExecSession(
        rest, path, params, stdin=stdin, tty=tty, protocols=protocols, read_timeout=read_timeout
    )


def _proxy_request(
    rest: RESTClient,
    base: str,
    path: str,
    *,
    method: str,
    params: Sequence[tuple[str, str]],
    body: bytes | None,
    headers: dict[str, str] | None,
    timeout: float | None,
) -> Request:
    """A request to ``{base}/{path}`` (``base``: ``.../{name}/proxy``)."""
    request = rest.verb(method.upper()).abs_path(f"{base}/{path.lstrip('/')}")
    request.params(list(params)).accept("*/*").timeout(timeout)
    if body is not None:
        request.content_type((headers or {}).get("Content-Type", "application/octet-stream"))
        request._body = body
    for key, value in (headers or {}).items():
        if key.lower() != "content-type":
            request.header(key, value)
    return request


def _proxy_target(name: str, port: int | str | None, scheme: str | None) -> str:
    """``[scheme:]name[:port]``: which port of a pod, service or node the proxy reaches."""
    target = name
    if port is not None:
        target = f"{target}:{port}"
    if scheme is not None:
        target = f"{scheme}:{target}"
    return target


def _run(session: ExecSession, stdin: bytes | None, check: bool) -> ExecResult:
    with session:
        if stdin is not None and session.protocol is not None and not session.protocol.can_close:
            raise StreamProtocolError(
                f"the server speaks {session.protocol.name}, which cannot close stdin (v5 can): "
                "the command would wait for the end of its input for ever; write stdin through "
                "exec_session() instead"
            )
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
