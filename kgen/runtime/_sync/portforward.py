# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""port-forward: streams to a pod's ports, and kubectl's local listening socket.

This is the async source; ``kgen/runtime/_sync/portforward.py`` is generated from it by
``scripts/unasync.py``.

One WebSocket per stream (the protocol serves each port once per connection), so every stream has its
own back-pressure; :meth:`PortForward.listen` is a local listening socket, as ``kubectl
port-forward`` gives, opening one stream per accepted connection.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._sync.streamio import Background, LocalConnection, LocalServer
from kgen.runtime._sync.websocket import READ_SIZE, WRITE_CHUNK, WebSocket, open_websocket
from kgen.runtime._channels import (
    PORT_FORWARD_PROTOCOLS,
    ChannelProtocol,
    parse_port_prefix,
    protocol_named,
)
from kgen.runtime._errors import (
    PortForwardError,
    StreamClosed,
    StreamError,
    TransportError,
)
from kgen.runtime._request import resource_path

__all__ = ["PortForward", "PortListener", "PortStream"]

logger = logging.getLogger("kgen.runtime")

#: The most a port's error channel may carry.
MAX_ERROR = 64 * 1024


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
        """The next bytes from the pod's port (all that has arrived, up to one socket read's worth);
        b"" once it closed the connection.

        Raises :class:`PortForwardError` when the server could not forward (nothing listening...),
        :class:`StreamClosed` when the connection was cut (it ended without a WebSocket close).
        """
        ws = self._ws
        # The messages one socket read completed are joined into one answer: a relay writes them
        # with one call (the server sends the kubelet's 32 KiB frames; a read takes up to 256 KiB).
        parts: list[bytes | memoryview] = []
        while not self.eof:
            if parts:
                message = ws.receive_nowait()
                if message is None:
                    break  # nothing more has arrived: what there is now
            else:
                message = ws.receive_view()
                if message is None:
                    self.eof = True
                    if ws.close_code is None and not self._error:
                        # No close frame: the connection was cut (the server or the way to it
                        # died), which is not the pod's port closing its connection.
                        raise StreamClosed(
                            f"{ws._what}: port {self.port}: the connection ended without a close"
                        )
                    break
            if type(message) is memoryview:
                if (
                    len(message) > 1
                    and message[0] == 0
                    and self._prefixed[0]
                    and not self._protocol.base64
                ):
                    parts.append(message[1:])  # data: no copy until the join
                    continue
                message = bytes(message)
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
                parts.append(data)
        if parts:
            return b"".join(parts)  # (an error that came after them is raised by the next read)
        if self._error:
            raise PortForwardError(
                self._error.decode("utf-8", "replace") or f"port {self.port}: forwarding failed",
                port=self.port,
            )
        return b""

    def abort(self) -> None:
        self._ws.abort()

    def write(self, data: bytes) -> None:
        view, encode = memoryview(data), self._protocol.encode
        self._ws.send_many(
            encode(0, bytes(view[start : start + WRITE_CHUNK]))
            for start in range(0, len(view), WRITE_CHUNK)
        )


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
        path: str | None = None,
    ) -> None:
        self._rest = rest
        self.namespace = namespace
        self.name = name
        self.ports = tuple(ports)
        self._path = path or resource_path(
            "", "v1", "pods", namespace=namespace, name=name, subresource="portforward"
        )
        self._read_timeout = read_timeout

    @contextmanager
    def stream(self, port: int) -> Iterator[PortStream]:
        """A new connection to ``port`` of the pod (its own WebSocket)."""
        if not 0 < port <= 0xFFFF:
            raise ValueError(f"{port} is not a TCP port")
        with open_websocket(
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
