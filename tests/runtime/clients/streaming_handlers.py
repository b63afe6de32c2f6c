"""The server side of tests/runtime/clients/_*/test_streams.py: kgen.testing handlers (asyncio code
that runs on the test server's loop whichever client twin is tested, so not in the twinned files).
"""

from __future__ import annotations

import asyncio
import os
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from kgen.testing import APIServer
from kgen.testing.connect import serve_on
from kgen.testing.streaming import CommandFailed, ExecCall, StreamHandlers

__all__ = [
    "FLOOD_PORT",
    "HANG_PORT",
    "PROGRESS",
    "client_tasks",
    "handlers",
    "open_fds",
    "server_tasks",
]

#: Ports of every pod: one that sends 256 MiB unless the client stops reading, one that never answers.
FLOOD_PORT, HANG_PORT = 7070, 7171


class Progress:
    """What the server-side handlers did (read by the tests)."""

    def __init__(self) -> None:
        self.written = 0
        self.forwarded = 0  # what FLOOD_PORT has written
        self.sizes: list[tuple[int, int]] = []
        self.started = threading.Event()


PROGRESS = Progress()


async def shell(call: ExecCall) -> int:
    """A tiny shell for the handlers: cat, echo, fail, exit N, flood, sleep, tty."""
    command = call.command
    if command == ["cat"]:
        while data := await call.read_stdin():
            await call.write_stdout(data)
        return 0
    if command[:1] == ["echo"]:
        await call.write_stdout(" ".join(command[1:]).encode() + b"\n")
        await call.write_stderr(b"to stderr\n")
        return 0
    if command[:1] == ["exit"]:
        await call.write_stderr(b"failing\n")
        return int(command[1])
    if command == ["flood"]:
        PROGRESS.written = 0
        chunk = b"x" * 65536
        for _ in range(4096):  # 256 MiB, unless the client stops reading
            await call.write_stdout(chunk)
            PROGRESS.written += len(chunk)
        return 0
    if command == ["sleep"]:
        PROGRESS.started.set()
        await asyncio.sleep(3600)
        return 0
    if command == ["tty"]:
        PROGRESS.sizes.append(await call.next_size())
        PROGRESS.sizes.append(await call.next_size())
        await call.write_stdout(b"%dx%d" % PROGRESS.sizes[-1])
        return 0
    raise CommandFailed(f'exec: "{command[0]}": executable file not found in $PATH')


def open_fds() -> int:
    """The file descriptors this process has open (the test server's sockets and the client's)."""
    return len(os.listdir("/proc/self/fd"))


def client_tasks() -> int:
    """The asyncio tasks besides the caller's on the running loop (0 without one: the sync twin)."""
    try:
        return len(asyncio.all_tasks()) - 1
    except RuntimeError:
        return 0


def server_tasks(api_server: APIServer) -> int:
    """The tasks running on the test server's loop (a connection's, a handler's...)."""

    async def count() -> int:
        return len(asyncio.all_tasks()) - 1  # not this one

    loop = api_server._loop
    assert loop is not None
    return asyncio.run_coroutine_threadsafe(count(), loop).result(10)


class Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def handlers(api_server: APIServer) -> Iterator[StreamHandlers]:
    """The shared test server, with the pods' connect routes in front of its router; port 8080 of
    every pod is a local echo server."""
    echo = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo)
    echo.daemon_threads = True
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    echo_port = echo.server_address[1]
    handlers = StreamHandlers()
    handlers.on_exec(shell)
    handlers.on_attach(shell)
    handlers.on_port_forward(8080, ("127.0.0.1", echo_port))

    async def greeter(conn: Any) -> None:
        name = await conn.read()
        await conn.write(b"hello " + name)

    handlers.on_port_forward(9090, greeter)

    async def flood(conn: Any) -> None:
        PROGRESS.forwarded = 0
        chunk = b"y" * 65536
        for _ in range(4096):  # 256 MiB, unless the client stops reading
            await conn.write(chunk)
            PROGRESS.forwarded += len(chunk)

    async def hang(conn: Any) -> None:
        PROGRESS.started.set()
        await asyncio.sleep(3600)

    handlers.on_port_forward(FLOOD_PORT, flood)
    handlers.on_port_forward(HANG_PORT, hang)
    stop = serve_on(api_server, handlers)
    yield handlers
    stop()
    echo.shutdown()
    echo.server_close()
