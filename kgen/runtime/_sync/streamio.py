"""What streams need that really differs between async and sync (hand-written twins, like ``primitives``).

``scripts/unasync.py`` maps the names of ``kgen/runtime/_async/streamio.py`` to these: a thread where
the async side has a task, blocking sockets where it has asyncio streams.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from kgen.runtime._wsframes import FrameReader

__all__ = ["Background", "LocalConnection", "LocalServer", "fast_reader"]

logger = logging.getLogger("kgen.runtime")


class Background:
    """``fn()`` running beside the caller in a daemon thread; :meth:`join` re-raises its exception."""

    def __init__(self, fn: Callable[[], None], name: str = "kgen-stream") -> None:
        self._fn = fn
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        try:
            self._fn()
        except BaseException as exc:  # noqa: BLE001 - handed to join()
            self._error = exc

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def cancel(self) -> None:
        """A thread cannot be interrupted: the caller closes what it blocks on first; this waits."""
        if self._thread.ident is not None:
            self._thread.join()
        self._error = None


def fast_reader(stream: Any) -> Callable[[FrameReader, int, float | None], int]:
    """``read(frames, max_bytes, timeout)``: up to ``max_bytes`` more of httpcore's network
    ``stream`` into ``frames``; how many (0 at its end).

    Over httpcore's socket stream (plain or TLS), once it has handed over what it read past the
    101, the socket's ``recv_into`` fills the frame buffer itself: no new bytes object per read
    (whose allocation, at 256 KiB, costs more than the bytes). Anything else is the stream's own
    ``read``. The failures stay OSErrors (or httpcore's), as its ``read``'s.
    """

    def fallback(frames: FrameReader, max_bytes: int, timeout: float | None) -> int:
        data: bytes = stream.read(max_bytes, timeout=timeout)
        frames.feed(data)
        return len(data)

    sock = getattr(getattr(stream, "_stream", None), "_sock", None)
    if not isinstance(sock, socket.socket) or not hasattr(stream, "_leading_data"):
        return fallback

    def read(frames: FrameReader, max_bytes: int, timeout: float | None) -> int:
        if stream._leading_data:
            return fallback(frames, max_bytes, timeout)
        sock.settimeout(timeout)
        size = sock.recv_into(frames.reserve(max_bytes), max_bytes)
        frames.commit(size)
        return size

    return read


class LocalConnection:
    """One accepted local TCP connection."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def recv(self, max_bytes: int) -> bytes:
        try:
            return self._sock.recv(max_bytes)
        except OSError:
            return b""

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(data)

    def shutdown_write(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def close_now(self) -> None:
        self.close()


class LocalServer:
    """Listens on ``host:port`` (0: a free port); each connection goes to ``handler`` in a thread."""

    def __init__(
        self, handler: Callable[[LocalConnection], None], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._lock = threading.Lock()
        self._open: set[LocalConnection] = set()
        self._threads: set[threading.Thread] = set()
        self._closed = False

    def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.host, self.port))
        listener.listen(64)
        self._listener = listener
        self.port = listener.getsockname()[1]
        self._accepting = threading.Thread(
            target=self._accept, name="kgen-port-forward", daemon=True
        )
        self._accepting.start()

    def _accept(self) -> None:
        assert self._listener is not None
        while True:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return  # closed
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = LocalConnection(sock)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            with self._lock:
                if self._closed:
                    connection.close()
                    return
                self._open.add(connection)
                self._threads.add(thread)
            thread.start()

    def _serve(self, connection: LocalConnection) -> None:
        try:
            self._handler(connection)
        except Exception:  # noqa: BLE001 - one connection's failure must not stop the listener
            logger.exception("port-forward: a local connection failed")
        finally:
            connection.close()
            with self._lock:
                self._open.discard(connection)
                self._threads.discard(threading.current_thread())

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, threads = list(self._open), list(self._threads)
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
        if self._accepting is not None:
            self._accepting.join()
        for connection in connections:
            connection.close()  # unblocks the handler's reads; it then closes its stream
        for thread in threads:
            thread.join()
