# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""A client WebSocket over the connection kgen's transport upgrades (exec, attach, port-forward).

This is the async source; ``kgen/runtime/_sync/websocket.py`` is generated from it by
``scripts/unasync.py``.

The upgrade is an ordinary request through :class:`Transport` — the same TLS context, credentials
(a 401 refreshes an exec-plugin or file token and the upgrade is sent again), proxy, impersonation, rate
limiter and connect timeout as every other request, and an error answer before the upgrade (404 no such
pod, 400 no such container) is the same typed :class:`~kgen.runtime.APIError`. After the ``101
Switching Protocols`` the connection httpx hands back is driven frame by frame (``_wsframes``: no
handshake of its own, no task, no queue): bytes are read from the socket only when the caller reads, so
a slow reader slows the server down through TCP's window rather than filling memory (what one read
holds is at most one socket read and one message, bounded).
"""

from __future__ import annotations

import base64
import os
from collections import deque
from collections.abc import Iterator, Iterable, Sequence
from contextlib import contextmanager
from typing import Any

import httpcore

from kgen.runtime._sync.primitives import Lock
from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._sync.streamio import fast_reader
from kgen.runtime._channels import (
    websocket_accept,
)
from kgen.runtime._errors import (
    StreamClosed,
    StreamProtocolError,
    TransportError,
    TransportTimeout,
)
from kgen.runtime._request import NO_READ_TIMEOUT
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

__all__ = ["MAX_MESSAGE", "READ_SIZE", "WRITE_CHUNK", "WebSocket", "open_websocket"]

#: One socket read. Also the most a stream holds that its reader has not asked for (plus one message).
READ_SIZE = 256 * 1024
#: The largest message accepted (kube-apiserver's peers send 32 KiB frames; this is generous).
MAX_MESSAGE = 16 * 1024 * 1024
#: stdin and port-forward writes are cut into messages of at most this size (kubectl copies 32 KiB).
WRITE_CHUNK = 32 * 1024

#: What :meth:`WebSocket.send_many` writes at once at most (about; plus one message).
WRITE_BATCH = 256 * 1024

_NETWORK_ERRORS = (httpcore.NetworkError, httpcore.TimeoutException, OSError)


def _frame(message: bytes | str) -> bytes:
    """A client's (masked) frame of one message: text for str, binary for bytes."""
    if isinstance(message, str):
        return encode_frame(TEXT, message.encode("utf-8"), masked=True)
    return encode_frame(BINARY, message, masked=True)


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
        self._read = fast_reader(stream)
        self._what = what
        self._read_timeout = read_timeout
        self._frames = FrameReader(masked=False, max_message=MAX_MESSAGE)
        self._pending: deque[bytes | str | memoryview] = deque()
        self._write_lock = Lock()
        self._sent_close = False
        self.closed = False  # no more messages will come
        self.close_code: int | None = (
            None  # the close frame's code; None: the connection just ended
        )

    def send(self, message: bytes | str) -> None:
        if self._sent_close:
            raise StreamClosed(f"{self._what}: the WebSocket is closed")
        self._write(_frame(message))

    def send_many(self, messages: Iterable[bytes | str]) -> None:
        """The messages in order, their frames written together up to :data:`WRITE_BATCH` bytes at
        a time (one TLS write and one system call for several messages, not one each)."""
        if self._sent_close:
            raise StreamClosed(f"{self._what}: the WebSocket is closed")
        batch: list[bytes] = []
        size = 0
        for message in messages:
            frame = _frame(message)
            batch.append(frame)
            size += len(frame)
            if size >= WRITE_BATCH:
                self._write(b"".join(batch))
                batch, size = [], 0
        if batch:
            self._write(batch[0] if len(batch) == 1 else b"".join(batch))

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            try:
                self._stream.write(data)
            except _NETWORK_ERRORS as exc:
                raise _network_error(exc, f"{self._what}: sending") from exc

    def receive(self) -> bytes | str | None:
        """The next message; None once the connection has ended (then :attr:`close_code` says how)."""
        message = self.receive_view()
        return bytes(message) if type(message) is memoryview else message

    def receive_view(self) -> bytes | str | memoryview | None:
        """:meth:`receive`, but a binary message may be a view of the read buffer, valid until the
        next call that reads the socket (a relay copies it once, joined with what follows)."""
        while not self._pending:
            if self.closed:
                return None
            try:
                size = self._read(self._frames, READ_SIZE, self._read_timeout)
            except _NETWORK_ERRORS as exc:
                raise _network_error(exc, f"{self._what}: reading") from exc
            if not size:
                self.closed = True
                return None
            try:
                for opcode, payload in self._frames.message_views():
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

    def receive_nowait(self) -> bytes | str | memoryview | None:
        """The next message already read from the socket, without reading it; None if there is none
        (a binary message may be a view, as from :meth:`receive_view`)."""
        return self._pending.popleft() if self._pending else None

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
def open_websocket(
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
