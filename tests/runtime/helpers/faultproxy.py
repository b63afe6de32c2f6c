"""A misbehaving reverse proxy for fault-injection tests: it stands where the API server's URL is and
forwards to the real one (kgen.testing's, over loopback), except where a rule says to misbehave.

Faults, each for the first ``times`` requests that match ``method`` and contain ``path`` (and
``watch=true`` when ``watch`` is set):

- ``Fault.status(code, headers, body)``: answer that instead of forwarding (429/5xx storms, 3xx);
- ``Fault.stall()``: accept the request and never answer;
- ``Fault.cut_after(lines)``: forward, then drop the connection mid-stream after ``lines`` lines;
- ``Fault.garbage_after(lines)``: forward, inserting a line that is not JSON after ``lines`` lines;
- ``Fault.partial_after(lines)``: forward ``lines`` lines and half of the next, then end cleanly;
- ``Fault.fragment(size)``: forward everything in pieces of ``size`` bytes.

Only the proxy misbehaves: the client under test is kgen's own, unmodified.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Fault:
    kind: str
    method: str = "GET"
    path: str = ""
    watch: bool | None = None
    without: str = ""  # a string the request target must not contain
    times: int = 1
    lines: int = 0
    size: int = 0
    code: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def status(
        cls, code: int, headers: dict[str, str] | None = None, body: bytes = b"", **match: Any
    ) -> Fault:
        return cls("status", code=code, headers=headers or {}, body=body, **match)

    @classmethod
    def stall(cls, **match: Any) -> Fault:
        return cls("stall", **match)

    @classmethod
    def cut_after(cls, lines: int, **match: Any) -> Fault:
        return cls("cut", lines=lines, **match)

    @classmethod
    def garbage_after(cls, lines: int, **match: Any) -> Fault:
        return cls("garbage", lines=lines, **match)

    @classmethod
    def partial_after(cls, lines: int, **match: Any) -> Fault:
        return cls("partial", lines=lines, **match)

    @classmethod
    def fragment(cls, size: int, **match: Any) -> Fault:
        return cls("fragment", size=size, **match)

    def matches(self, method: str, target: str) -> bool:
        if self.times <= 0 or method != self.method or self.path not in target:
            return False
        if self.watch is not None and ("watch=true" in target) != self.watch:
            return False
        if self.without and self.without in target:
            return False
        return True


class FaultProxy:
    """Runs on its own thread and event loop; ``url`` is what the client under test connects to."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, str]] = []  # (method, target, what the proxy did)
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fault proxy did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self.faults.append(fault)
        return fault

    def done(self, method: str, path: str, what: str | None = None) -> int:
        """How many requests of ``method`` containing ``path`` were handled (``what`` way)."""
        with self._lock:
            return sum(
                1
                for m, target, did in self.requests
                if m == method and path in target and (what is None or did == what)
            )

    def close(self) -> None:
        async def stop() -> None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._client.aclose()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    # --- the server -----------------------------------------------------------------------------------

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._client = httpx.AsyncClient(timeout=None)
            self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]

        self._loop.run_until_complete(start())
        ready.set()
        self._loop.run_forever()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, httpx.HTTPError):
            pass
        except asyncio.CancelledError:
            pass  # the proxy is closing; ending quietly keeps asyncio from logging the cancellation
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        headers = [tuple(h.split(":", 1)) for h in header_lines if ":" in h]
        headers = [(k.strip(), v.strip()) for k, v in headers]
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
        body = await reader.readexactly(length) if length else b""
        with self._lock:
            fault = next((f for f in self.faults if f.matches(method, target)), None)
            if fault is not None:
                fault.times -= 1
            self.requests.append((method, target, fault.kind if fault else "forwarded"))
        if fault is not None and fault.kind == "status":
            extra = "".join(f"{k}: {v}\r\n" for k, v in fault.headers.items())
            writer.write(
                f"HTTP/1.1 {fault.code} Fault\r\n{extra}Content-Length: {len(fault.body)}\r\n\r\n".encode()
                + fault.body
            )
            await writer.drain()
            return True
        if fault is not None and fault.kind == "stall":
            await asyncio.Event().wait()
        forwarded = [(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP]
        request = self._client.build_request(
            method, self.upstream + target, headers=forwarded, content=body
        )
        response = await self._client.send(request, stream=True)
        try:
            out = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n"]
            out += [
                f"{k}: {v}\r\n"
                for k, v in response.headers.multi_items()
                if k.lower() not in _HOP_BY_HOP
            ]
            out.append("Transfer-Encoding: chunked\r\n\r\n")
            writer.write("".join(out).encode("latin-1"))
            ended = await self._forward(response, writer, fault)
        finally:
            await response.aclose()
        if not ended:
            return False  # the connection is dropped mid-answer
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    async def _forward(
        self, response: httpx.Response, writer: asyncio.StreamWriter, fault: Fault | None
    ) -> bool:
        """Copy the body as chunks, misbehaving as ``fault`` says; False if the connection is cut."""

        async def chunk(data: bytes) -> None:
            if data:
                writer.write(b"%x\r\n%s\r\n" % (len(data), data))
                await writer.drain()

        kind = fault.kind if fault is not None else None
        lines_seen = 0
        async for data in response.aiter_raw():
            if kind == "fragment":
                assert fault is not None
                for start in range(0, len(data), fault.size):
                    await chunk(data[start : start + fault.size])
                continue
            if kind == "half-line":  # the lines are out: send half of what comes next and end
                if data:
                    await chunk(data[: max(1, len(data) // 2)])
                    return True
                continue
            if kind not in ("cut", "garbage", "partial"):
                await chunk(data)
                continue
            assert fault is not None
            while kind in ("cut", "garbage", "partial"):
                end = -1
                while lines_seen < fault.lines:
                    end = data.find(b"\n", end + 1)
                    if end < 0:
                        break
                    lines_seen += 1
                if lines_seen < fault.lines:
                    break
                head, data = (data[: end + 1], data[end + 1 :]) if end >= 0 else (b"", data)
                await chunk(head)
                if kind == "cut":
                    return False
                if kind == "garbage":
                    await chunk(b"<html>502 Bad Gateway</html>\n")
                    kind = None
                else:
                    kind = "half-line"
                    if data:
                        await chunk(data[: max(1, len(data) // 2)])
                        return True
            if kind != "half-line":
                await chunk(data)
        return True
