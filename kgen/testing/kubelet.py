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

import ssl
from collections.abc import Awaitable, Callable
from typing import Any

from kgen.testing.http import HTTPServer, Reply, Request
from kgen.testing.spdy import (
    EXEC_SPDY_PROTOCOLS,
    PORT_FORWARD_SPDY_PROTOCOL,
    SPDYSession,
    is_spdy,
    serve_exec_spdy,
    serve_port_forward_spdy,
    spdy_reply,
)
from kgen.testing.streaming import StreamHandlers, exec_call_from, serve_connect

__all__ = ["FakeKubelet"]

PodLookup = Callable[[str, str], Awaitable[dict[str, Any] | None]]


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
            if is_spdy(request):

                async def forward(session: SPDYSession, _protocol: str) -> None:
                    await serve_port_forward_spdy(session, namespace, pod, self.handlers)

                return spdy_reply(request, (PORT_FORWARD_SPDY_PROTOCOL,), forward)
            return serve_connect(request, self.handlers, "portforward", namespace, pod)
        if is_spdy(request):
            call = exec_call_from(request, kind, namespace, pod, container)
            if call.tty:
                call.stderr = False

            async def execute(session: SPDYSession, protocol: str) -> None:
                await serve_exec_spdy(session, protocol, call, self.handlers)

            return spdy_reply(request, EXEC_SPDY_PROTOCOLS, execute)
        return serve_connect(request, self.handlers, kind, namespace, pod, container)
