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
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

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


def fast_reader(stream: Any) -> Callable[[int, float | None], Awaitable[bytes]]:
    """``read(max_bytes, timeout)`` of httpcore's network ``stream`` (b"" at its end), faster.

    With no timeout, over anyio's TLS stream, once httpcore has handed over what it read past the 101, it reads the TLS
    stream itself (no cancel scope per
    call) and then every whole record already in its buffer without waiting; anything else is the
    stream's own ``read``. The stream's failures stay OSErrors (or httpcore's), as its ``read``'s.
    """
    # httpcore's upgraded stream (with what came after the 101) over its anyio stream over anyio's TLS.
    inner: Any = getattr(getattr(stream, "_stream", None), "_stream", None)
    ssl_object = getattr(inner, "_ssl_object", None)
    read_bio = getattr(inner, "_read_bio", None)
    if (
        not isinstance(ssl_object, ssl.SSLObject)
        or not isinstance(read_bio, ssl.MemoryBIO)
        or not hasattr(stream, "_leading_data")
    ):
        return lambda max_bytes, timeout: stream.read(max_bytes, timeout=timeout)
    import anyio

    receive = inner.receive

    async def read(max_bytes: int, timeout: float | None) -> bytes:
        if timeout is not None or stream._leading_data:
            return await stream.read(max_bytes, timeout=timeout)  # type: ignore[no-any-return]
        try:
            data: bytes = await receive(max_bytes)
        except anyio.EndOfStream:
            return b""
        except (anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise ConnectionError(f"the connection broke: {exc.__cause__ or exc}") from exc
        size = len(data)
        if size >= max_bytes or not (read_bio.pending or ssl_object.pending()):
            return data
        parts = [data]
        while size < max_bytes and (read_bio.pending or ssl_object.pending()):
            try:
                more = ssl_object.read(max_bytes - size)
            except ssl.SSLError:
                break  # a partial record (SSLWantReadError), or a failure: the next read sees it
            if not more:
                break
            parts.append(more)
            size += len(more)
        return b"".join(parts)

    return read


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
