"""What streams need that really differs between async and sync (hand-written twins, like ``primitives``).

- :class:`AsyncBackground` runs one coroutine function alongside the caller: an asyncio task here, a
  thread in the sync twin. Exec uses it to feed stdin while reading output (a command that writes
  before it has read all its input would otherwise dead-lock against a writer that does not read).
- :func:`fast_reader` reads an upgraded connection: over asyncio and TLS, it takes every whole TLS
  record already received in one call (httpcore's ``read`` gives one 16 KiB record per await, and each
  costs a cancel scope and a library sniff: most of a port-forward's CPU, measured with
  ``benchmarks/streams.py``).
- :class:`AsyncLocalServer` listens on a local TCP address and hands each accepted connection
  (:class:`AsyncLocalConnection`) to a handler running in the background: port-forward's local socket.

``scripts/unasync.py`` maps these names to those of ``kgen/runtime/_sync/streamio.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import ssl
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from kgen.runtime._wsframes import FrameReader, lazy_buffer

__all__ = ["AsyncBackground", "AsyncLocalConnection", "AsyncLocalServer", "fast_reader"]

logger = logging.getLogger("kgen.runtime")


class AsyncBackground:
    """``fn()`` running beside the caller; :meth:`join` waits for it and re-raises its exception."""

    def __init__(self, fn: Callable[[], Awaitable[None]], name: str = "kgen-stream") -> None:
        self._fn = fn
        self._name = name
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._fn())

    async def join(self) -> None:
        if self._task is not None:
            await self._task

    async def cancel(self) -> None:
        """Stop it (the sync twin cannot interrupt a thread: it waits for it)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task


def fast_reader(stream: Any) -> Callable[[FrameReader, int, float | None], Awaitable[int]]:
    """``read(frames, max_bytes, timeout)``: up to ``max_bytes`` more of httpcore's network
    ``stream`` into ``frames`` (a :class:`FrameReader`); how many (0 at the stream's end).

    Over anyio's asyncio socket stream (and anyio's TLS over it, as httpcore builds them), with no
    timeout, once httpcore has handed over what it read past the 101: what the kernel holds is
    read straight from the socket (into the frame buffer itself, or, under TLS, into a buffer of
    the reader's own and decrypted into the frame buffer by the stream's own TLS object, every whole
    record at once). That skips, per read, anyio's wait and cancel scope, its pausing and resuming
    of the transport, its cutting of what the transport read into 64 KiB copies, and the
    allocation of every chunk and record, which cost more than the bytes themselves (measured with
    ``benchmarks/streams.py``). Only when the socket has nothing does it wait, through the socket
    stream's own ``receive``, so that the connection's end and its errors are anyio's. Anything
    else is the stream's own ``read``. The failures stay OSErrors (or httpcore's), as its
    ``read``'s.
    """

    async def fallback(frames: FrameReader, max_bytes: int, timeout: float | None) -> int:
        data: bytes = await stream.read(max_bytes, timeout=timeout)
        frames.feed(data)
        return len(data)

    # httpcore's upgraded stream (with what came after the 101) over its anyio stream: anyio's TLS
    # stream over its socket stream, or the socket stream itself.
    inner: Any = getattr(getattr(stream, "_stream", None), "_stream", None)
    tls: Any = None
    if hasattr(inner, "_ssl_object"):
        tls = inner
        inner = getattr(tls, "transport_stream", None)
        if not (
            isinstance(getattr(tls, "_ssl_object", None), ssl.SSLObject)
            and isinstance(getattr(tls, "_read_bio", None), ssl.MemoryBIO)
            and isinstance(getattr(tls, "_write_bio", None), ssl.MemoryBIO)
        ):
            return fallback
    transport = getattr(inner, "_transport", None)
    if (
        not isinstance(transport, asyncio.Transport)
        or not hasattr(transport, "is_reading")
        or not isinstance(getattr(getattr(inner, "_protocol", None), "read_queue", None), deque)
        or transport.get_extra_info("socket") is None
        or not hasattr(stream, "_leading_data")
    ):
        return fallback
    return _FastReader(stream, fallback, inner, tls).read


#: What one read takes from the socket at most (asyncio's transports read 256 KiB too).
RAW_READ = 256 * 1024


class _FastReader:
    """:func:`fast_reader`'s state: the socket, the buffer TLS records are read into, TLS."""

    def __init__(
        self,
        stream: Any,
        fallback: Callable[[FrameReader, int, float | None], Awaitable[int]],
        socket_stream: Any,
        tls: Any,
    ) -> None:
        import anyio

        self._end_of_stream = anyio.EndOfStream
        self._broken = (anyio.BrokenResourceError, anyio.ClosedResourceError)
        self._stream = stream
        self._fallback = fallback
        self._socket_stream = socket_stream
        self._transport: asyncio.Transport = socket_stream._transport
        self._queue: deque[bytes] = socket_stream._protocol.read_queue
        self._fd: int = self._transport.get_extra_info("socket").fileno()
        self._tls = tls
        self._ended = False  # the stream's end was read: 0 from now on
        self._error: OSError | None = None  # to raise at the next read (data came before it)
        if tls is not None:
            self._raw = lazy_buffer(RAW_READ)
            self._ssl_object: ssl.SSLObject = tls._ssl_object
            self._read_bio: ssl.MemoryBIO = tls._read_bio
            self._write_bio: ssl.MemoryBIO = tls._write_bio

    def _read_now(self, room: memoryview) -> int | None:
        """Read what the socket holds into ``room``: its size (0 at the connection's end); None if
        it holds nothing, or if anyio's transport may be reading it (or has closed it)."""
        transport = self._transport
        if self._queue or transport.is_reading() or transport.is_closing():
            return None  # the socket stream's own receive takes it from there, in order
        try:
            return os.readv(self._fd, (room,))
        except (BlockingIOError, InterruptedError):
            return None

    async def _wait(self) -> bytes:
        """The socket stream's next chunk, waited for (b"" at the connection's end)."""
        try:
            data: bytes = await self._socket_stream.receive(RAW_READ)
        except self._end_of_stream:
            return b""
        except self._broken as exc:
            raise ConnectionError(f"the connection broke: {exc.__cause__ or exc}") from exc
        return data

    async def read(self, frames: FrameReader, max_bytes: int, timeout: float | None) -> int:
        if timeout is not None or self._stream._leading_data:
            return await self._fallback(frames, max_bytes, timeout)
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        if self._ended:
            return 0
        if self._tls is not None:
            return await self._read_tls(frames, max_bytes)
        size = self._read_now(frames.reserve(max_bytes)[:max_bytes])
        if size is None:
            data = await self._wait()
            frames.feed(data)
            size = len(data)
        else:
            frames.commit(size)
        if not size:
            self._ended = True
        return size

    async def _read_tls(self, frames: FrameReader, max_bytes: int) -> int:
        ssl_object, read_bio = self._ssl_object, self._read_bio
        size = 0
        drained = False  # the socket was emptied a moment ago: no system call to learn it again
        while size < max_bytes:
            try:
                room = frames.reserve(max_bytes - size)
                got: int = ssl_object.read(max_bytes - size, room)  # type: ignore[assignment]
            except ssl.SSLWantReadError:
                raw = None if drained else self._read_now(self._raw)
                if raw is None:
                    if size:
                        break  # what there is: a read waits only when there is nothing
                    data = await self._wait()
                    drained = True
                    if data:
                        read_bio.write(data)
                    else:
                        read_bio.write_eof()
                else:
                    drained = raw < len(self._raw)
                    if raw:
                        read_bio.write(self._raw[:raw])
                    else:
                        read_bio.write_eof()
                continue
            except ssl.SSLError as exc:
                # As anyio's TLS stream (as httpcore makes it): an end without close_notify is the
                # end; any other failure is an OSError.
                read_bio.write_eof()
                self._write_bio.write_eof()
                self._ended = True
                if not (
                    isinstance(exc, (ssl.SSLEOFError, ssl.SSLZeroReturnError))
                    or "UNEXPECTED_EOF_WHILE_READING" in (exc.strerror or "")
                ):
                    if not size:
                        raise
                    self._error = exc
                break
            if not got:
                self._ended = True  # the peer's close_notify
                break
            frames.commit(got)
            size += got
        # What reading may have made TLS answer (a key update) stays in the write buffer, before
        # whatever is written next: the next write sends it, in order. (Sending it from here could
        # overtake records a writer has taken from that buffer and not sent yet.)
        return size


class AsyncLocalConnection:
    """One accepted local TCP connection."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def recv(self, max_bytes: int) -> bytes:
        """Up to ``max_bytes``; b"" when the peer has finished sending (or the connection broke)."""
        try:
            return await self._reader.read(max_bytes)
        except (ConnectionError, OSError):
            return b""

    async def sendall(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()  # back-pressure: wait while the local peer does not read

    async def shutdown_write(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            if self._writer.can_write_eof():
                self._writer.write_eof()

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    def close_now(self) -> None:
        """Close without waiting (from a task that is being cancelled)."""
        self._writer.close()


class AsyncLocalServer:
    """Listens on ``host:port`` (0: a free port); each connection goes to ``handler`` in the background."""

    def __init__(
        self,
        handler: Callable[[AsyncLocalConnection], Awaitable[None]],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._handler = handler
        self.host = host
        self.port = port
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        connection = AsyncLocalConnection(reader, writer)
        try:
            await self._handler(connection)
        except asyncio.CancelledError:
            pass  # the listener is closing: this task ends here, quietly
        except Exception:  # noqa: BLE001 - one connection's failure must not stop the listener
            logger.exception("port-forward: a local connection failed")
        finally:
            self._tasks.discard(task)
            connection.close_now()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
