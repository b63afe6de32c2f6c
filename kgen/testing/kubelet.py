"""A fake kubelet: the kubelet's streaming endpoints, over HTTPS, on kgen.testing's handler engine.

kube-apiserver serves ``pods/exec``, ``pods/attach`` and ``pods/portforward`` by checking the pod and
proxying the client's upgrade request, as it is, to the kubelet of the pod's node (the Node's first
address of a ``--kubelet-preferred-address-types`` type, port ``status.daemonEndpoints.kubeletEndpoint``),
authenticating with ``--kubelet-client-certificate``. This server answers there:

- ``/exec/{namespace}/{pod}/{container}`` and ``/attach/...`` (also with the pod's uid before the
  container), query ``command``, ``stdin``/``stdout``/``stderr``/``tty`` (or ``input``/``output``/``error``);
- ``/portForward/{namespace}/{pod}`` (WebSocket: query ``ports``);
- ``/healthz``.

It speaks what clients negotiate through the proxy: the WebSocket channel protocols (v5, v4 and older,
binary and base64; kgen's client) and SPDY/3.1 (kubectl 1.20). ``get_pod`` (optional) looks the pod up
as the kubelet knows it: unknown pods are 404, pods that are not Running have no container to exec in
(500 ``container not found``, the kubelet's answer, which kube-apiserver passes on).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from kgen.testing.http import HTTPServer, Reply, Request
from kgen.testing.connect import serve_connect
from kgen.testing.streaming import (
    CommandFailed,
    ExecCall,
    PortConnection,
    StreamHandlers,
)

__all__ = ["ECHO_PORT", "SOURCE_PORT", "FakeKubelet", "demo_handlers"]

PodLookup = Callable[[str, str], Awaitable[dict[str, Any] | None]]


SOURCE_PORT = 9000
ECHO_PORT = 9001
_BLOCK = b"\0" * (256 * 1024)


async def _shell(call: ExecCall) -> int:
    command = call.command
    if command in (["cat"], ["/bin/cat"]):
        while data := await call.read_stdin(256 * 1024):
            await call.write_stdout(data)
        return 0
    if command[:1] == ["echo"]:
        await call.write_stdout(" ".join(command[1:]).encode() + b"\n")
        return 0
    if command[:2] == ["sh", "-c"] and command[2:3] and command[2].startswith("exit "):
        command = command[2].split()
    if command[:1] == ["exit"] and len(command) == 2 and command[1].isdigit():
        await call.write_stderr(f"exiting with {command[1]}\n".encode())
        return int(command[1])
    if command == ["sleep"]:
        await asyncio.sleep(3600)
        return 0
    if command[:1] == ["flood"] and len(command) == 2 and command[1].isdigit():
        left = int(command[1])
        while left > 0:
            await call.write_stdout(_BLOCK[: min(left, len(_BLOCK))])
            left -= len(_BLOCK)
        return 0
    name = command[0] if command else ""
    raise CommandFailed(
        f"OCI runtime exec failed: exec failed: container_linux.go:370: starting container process "
        f'caused: exec: "{name}": executable file not found in $PATH: unknown'
    )


async def _attach(call: ExecCall) -> int:
    while data := await call.read_stdin(256 * 1024):
        await call.write_stdout(data)
    return 0


async def _source(conn: PortConnection) -> None:
    line = b""
    while not line.endswith(b"\n"):
        data = await conn.read(64)
        if not data:
            return
        line += data
    left = int(line.strip() or b"0")
    while left > 0:
        await conn.write(_BLOCK[: min(left, len(_BLOCK))])
        left -= len(_BLOCK)


async def _echo(conn: PortConnection) -> None:
    while data := await conn.read(256 * 1024):
        await conn.write(data)


def demo_handlers() -> StreamHandlers:
    """A busybox-like container: what the conformance tests and benchmarks/streams.py run.

    - exec: ``cat`` (stdin to stdout), ``echo ARGS...``, ``sh -c 'exit N'`` / ``exit N`` (a line on
      stderr, exit code N), ``sleep`` (forever), ``flood N`` (N bytes on stdout); anything else is
      "executable file not found";
    - attach: the container's process echoes stdin and exits 0 at its end;
    - port 9000 writes as many bytes as the number on the first line it reads, then closes;
      port 9001 echoes; nothing listens on the others.
    """
    handlers = StreamHandlers()
    handlers.on_exec(_shell)
    handlers.on_attach(_attach)
    handlers.on_port_forward(SOURCE_PORT, _source)
    handlers.on_port_forward(ECHO_PORT, _echo)
    return handlers


def _text(status: int, message: str) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8")], message.encode())


class FakeKubelet:
    """Serves the kubelet's streaming endpoints on ``host:port`` (0: a free port) until :meth:`close`.

    ``ssl_context`` is a server context (None: plain HTTP); make it require client certificates to
    check kube-apiserver's ``--kubelet-client-certificate``.
    """

    def __init__(
        self,
        handlers: StreamHandlers,
        *,
        get_pod: PodLookup | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.handlers = handlers
        self.get_pod = get_pod
        self.http = HTTPServer(self.app, host, port, ssl_context)
        self.requests: list[tuple[str, str, str]] = []  # (method, path, upgrade) seen, for tests

    @property
    def port(self) -> int:
        return self.http.port

    async def start(self) -> int:
        return await self.http.start()

    async def close(self) -> None:
        await self.http.close()

    async def app(self, request: Request) -> Reply:
        self.requests.append((request.method, request.path, request.headers.get("upgrade", "")))
        parts = request.path.strip("/").split("/")
        if parts == ["healthz"]:
            return _text(200, "ok")
        kind = parts[0] if parts else ""
        if kind in ("exec", "attach") and len(parts) in (4, 5):
            namespace, pod, container = parts[1], parts[2], parts[-1]
        elif kind == "portForward" and len(parts) in (3, 4):
            namespace, pod, container = parts[1], parts[2], ""
        else:
            return _text(404, "404 page not found")
        if request.method not in ("GET", "POST"):
            return _text(405, f"{request.method} not allowed")
        if self.get_pod is not None:
            found = await self.get_pod(namespace, pod)
            if found is None:
                return _text(404, f'pod "{namespace}/{pod}" does not exist')
            spec = found.get("spec") or {}
            names = [c.get("name") for c in spec.get("containers") or []]
            running = (found.get("status") or {}).get("phase") == "Running"
            if container and (not running or container not in names):
                return _text(500, f'container not found ("{container}")')
            if not running:
                return _text(404, "pod not found")
        if kind == "portForward":
            return serve_connect(request, self.handlers, "portforward", namespace, pod)
        return serve_connect(request, self.handlers, kind, namespace, pod, container)
