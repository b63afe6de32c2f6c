"""The manager's one optional HTTP port: ``/healthz``, ``/readyz`` and ``/metrics``.

A small HTTP/1.1 server on asyncio (no dependency): GET only, one answer per connection.
``/healthz`` is 200 while the manager runs; ``/readyz`` is 200 once every informer cache has synced
(503 before, saying which have not); ``/metrics`` is the Prometheus text format (503 without
prometheus-client, saying so).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from kgen.runtime._controller.metrics import CONTENT_TYPE, ControllerMetrics

__all__ = ["HealthServer"]

logger = logging.getLogger("kgen.runtime.controller")

_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class HealthServer:
    """Serves the probes and metrics of one manager."""

    def __init__(
        self,
        metrics: ControllerMetrics,
        ready: Callable[[], list[str]],
        *,
        host: str = "0.0.0.0",
        port: int = 8080,
    ) -> None:
        """``ready()`` returns what is not ready yet (empty: ready)."""
        self.metrics = metrics
        self.ready = ready
        self.host = host
        self.port = port
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose if ``port`` was 0)."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("serving /healthz, /readyz and /metrics on %s:%d", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def _answer(self, method: str, path: str) -> tuple[int, str, bytes]:
        text = "text/plain; charset=utf-8"
        if method not in ("GET", "HEAD"):
            return 405, text, b"method not allowed\n"
        path = path.split("?", 1)[0]
        if path in ("/healthz", "/livez"):
            return 200, text, b"ok\n"
        if path == "/readyz":
            waiting = self.ready()
            if waiting:
                return 503, text, ("not ready: " + ", ".join(waiting) + "\n").encode()
            return 200, text, b"ok\n"
        if path == "/metrics":
            if not self.metrics.enabled:
                return 503, text, b"metrics need prometheus-client: pip install 'kgen[metrics]'\n"
            return 200, CONTENT_TYPE, self.metrics.exposition()
        return 404, text, b"not found\n"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1").split()
            method, path = (request_line + ["", ""])[:2]
            code, content_type, body = self._answer(method, path)
            headers = (
                f"HTTP/1.1 {code} {_REASONS.get(code, '')}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(headers.encode("latin-1") + (b"" if method == "HEAD" else body))
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError):
            pass
        except ConnectionError:
            pass
        finally:
            writer.close()
