"""What streams need that really differs between async and sync (hand-written twins, like ``primitives``).

- :class:`AsyncBackground` runs one coroutine function alongside the caller: an asyncio task here, a
  thread in the sync twin. Exec uses it to feed stdin while reading output (a command that writes
  before it has read all its input would otherwise dead-lock against a writer that does not read).
- :class:`AsyncLocalServer` listens on a local TCP address and hands each accepted connection
  (:class:`AsyncLocalConnection`) to a handler running in the background: port-forward's local socket.

``scripts/unasync.py`` maps these names to those of ``kgen/runtime/_sync/streamio.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

__all__ = ["AsyncBackground", "AsyncLocalConnection", "AsyncLocalServer"]

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
