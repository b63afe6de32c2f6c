"""The connect subresources of an API server: ``pods/exec``, ``pods/attach``, ``pods/portforward``,
and the ``proxy`` of pods and services.

:class:`PodConnectRoutes` makes the checks kube-apiserver makes (the pod exists, the container is one
of its, it is bound to a node), then the kubelet's (a pod that is not Running has no running container);
:func:`serve_connect` serves a checked request over WebSocket (:mod:`kgen.testing.wsserver`) or SPDY
(:mod:`kgen.testing.spdy`), whichever the client asked for. :func:`with_connect` puts the routes in front
of an API server's router, behind its authentication: :class:`~kgen.testing.APIServer` serves them with
the handlers of its ``streams`` attribute.

**proxy** (``pods/[scheme:]name[:port]/proxy/path``, ``services/...``): the HTTP request goes, as one
HTTP/1.1 exchange, to what the pod's port is in the handlers (a local address, or a function that reads
the request's bytes and writes the answer's); a service's port is resolved to its target port on the
first Running pod its selector matches, as kube-apiserver resolves it to an endpoint.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import h11

from kgen.runtime._channels import PORT_FORWARD_PROTOCOLS, ChannelProtocol
from kgen.testing import spdy
from kgen.testing.http import Reply, Request
from kgen.testing.streaming import PortConnection, StreamHandlers, exec_call_from, parse_ports
from kgen.testing.wsserver import (
    SERVED_EXEC_PROTOCOLS,
    ServerWebSocket,
    serve_exec_websocket,
    serve_port_forward_websocket,
    text_reply,
    websocket_reply,
)

__all__ = ["PodConnectRoutes", "serve_connect", "serve_on", "with_connect"]

#: How long a proxied request may take (a handler that never answers is a 503, not a hang).
PROXY_TIMEOUT = 30.0
#: The most a proxied answer may hold.
MAX_PROXY_ANSWER = 64 * 1024 * 1024
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
)


def _status(code: int, reason: str, message: str) -> Reply:
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return Reply(code, [("Content-Type", "application/json")], json.dumps(body).encode())


def serve_connect(
    request: Request,
    handlers: StreamHandlers,
    kind: str,
    namespace: str,
    pod: str,
    container: str = "",
) -> Reply:
    """Serve one exec, attach or portforward request that has been checked (the kubelet's part):
    over WebSocket, or over SPDY/3.1 as kubectl asks (:mod:`kgen.testing.spdy`)."""
    if spdy.is_spdy(request):
        return spdy.serve_spdy(request, handlers, kind, namespace, pod, container)
    if kind == "portforward":
        ports = parse_ports(request)
        if isinstance(ports, str):
            return text_reply(400, ports)
        port_list = ports

        async def forward(ws: ServerWebSocket, protocol: ChannelProtocol) -> None:
            await serve_port_forward_websocket(ws, protocol, namespace, pod, port_list, handlers)

        return websocket_reply(request, PORT_FORWARD_PROTOCOLS, forward)
    call = exec_call_from(request, kind, namespace, pod, container)
    if not (call.stdin or call.stdout or call.stderr):
        return text_reply(400, "you must specify at least 1 of stdin, stdout, stderr")
    if call.tty and call.stderr:
        call.stderr = False  # a terminal has no separate stderr (the kubelet's rule)

    async def execute(ws: ServerWebSocket, protocol: ChannelProtocol) -> None:
        await serve_exec_websocket(ws, protocol, call, handlers)

    return websocket_reply(request, SERVED_EXEC_PROTOCOLS, execute)


class PodConnectRoutes:
    """``pods/exec``, ``pods/attach`` and ``pods/portforward`` of an API server: the checks
    kube-apiserver makes (the pod exists, the container is one of its, it is bound to a node), then
    the kubelet's part (a pod that is not Running has no running container).

    ``get_pod(namespace, name)`` reads the pod (a dict) from the server's store. Call it with a
    request: a Reply for a connect path, None for anything else.
    """

    def __init__(
        self,
        handlers: StreamHandlers,
        get_pod: Callable[[str, str], dict[str, Any] | None],
        get_service: Callable[[str, str], dict[str, Any] | None] | None = None,
        list_pods: Callable[[str], list[dict[str, Any]]] | None = None,
    ) -> None:
        self.handlers = handlers
        self.get_pod = get_pod
        self.get_service = get_service
        self.list_pods = list_pods

    def proxy(self, request: Request) -> Awaitable[Reply] | None:
        """The answer to a pods or services proxy request; None for any other path."""
        parts = request.path.lstrip("/").split("/")
        if (
            len(parts) < 7
            or parts[:3] != ["api", "v1", "namespaces"]
            or parts[4] not in ("pods", "services")
            or parts[6] != "proxy"
        ):
            return None
        namespace, resource = parts[3], parts[4]
        scheme, name, port = _proxy_target(unquote(parts[5]))
        path = "/" + "/".join(parts[7:])
        if resource == "pods":
            return self._proxy_pod(request, namespace, name, port, path)
        return self._proxy_service(request, namespace, name, port, path)

    async def _proxy_pod(
        self, request: Request, namespace: str, name: str, port: str, path: str
    ) -> Reply:
        pod = self.get_pod(namespace, name)
        if pod is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        number = _container_port(pod, port) if port else 80
        if number is None:
            return _status(400, "BadRequest", f"no container port named {port!r} in pod {name}")
        if (pod.get("status") or {}).get("phase") != "Running":
            return _status(
                503, "ServiceUnavailable", f"pod {name} is not running: it has no address"
            )
        return await _proxy_http(self.handlers, request, namespace, name, number, path)

    async def _proxy_service(
        self, request: Request, namespace: str, name: str, port: str, path: str
    ) -> Reply:
        service = self.get_service(namespace, name) if self.get_service else None
        if service is None:
            return _status(404, "NotFound", f'services "{name}" not found')
        spec = service.get("spec") or {}
        chosen = None
        for entry in spec.get("ports") or []:
            if (port and (str(entry.get("port")) == port or entry.get("name") == port)) or (
                not port and not entry.get("name")
            ):
                chosen = entry
                break
        if chosen is None:
            return _status(
                503,
                "ServiceUnavailable",
                f'no endpoints available for service "{name}" (no port {port or "without a name"})',
            )
        target = chosen.get("targetPort", chosen.get("port"))
        selector = spec.get("selector") or {}
        pods = []
        if selector and self.list_pods is not None:
            for pod in self.list_pods(namespace):
                labels = (pod.get("metadata") or {}).get("labels") or {}
                running = (pod.get("status") or {}).get("phase") == "Running"
                if running and all(labels.get(k) == v for k, v in selector.items()):
                    pods.append(pod)
        pods.sort(key=lambda pod: (pod.get("metadata") or {}).get("name", ""))
        for pod in pods:
            number = _container_port(pod, str(target))
            if number is not None:
                pod_name = pod["metadata"]["name"]
                return await _proxy_http(self.handlers, request, namespace, pod_name, number, path)
        return _status(503, "ServiceUnavailable", f'no endpoints available for service "{name}"')

    def __call__(self, request: Request) -> Reply | None:
        parts = request.path.strip("/").split("/")
        if (
            len(parts) != 7
            or parts[:3] != ["api", "v1", "namespaces"]
            or parts[4] != "pods"
            or parts[6] not in ("exec", "attach", "portforward")
        ):
            return None
        namespace, name, kind = parts[3], parts[5], parts[6]
        if request.method not in ("GET", "POST"):
            return _status(
                405, "MethodNotAllowed", f"{request.method} is not allowed on pods/{kind}"
            )
        pod = self.get_pod(namespace, name)
        if pod is None:
            return _status(404, "NotFound", f'pods "{name}" not found')
        spec = pod.get("spec") or {}
        container = ""
        if kind != "portforward":
            names = [c.get("name", "") for c in spec.get("containers") or []]
            names += [c.get("name", "") for c in spec.get("initContainers") or []]
            names += [c.get("name", "") for c in spec.get("ephemeralContainers") or []]
            container = request.param("container")
            if not container:
                if len(spec.get("containers") or []) == 1:
                    container = names[0]
                elif not names:
                    return _status(
                        400, "BadRequest", f"a container name must be specified for pod {name}"
                    )
                else:
                    return _status(
                        400,
                        "BadRequest",
                        f"a container name must be specified for pod {name}, choose one of: "
                        f"[{' '.join(names)}]",
                    )
            elif container not in names:
                return _status(
                    400, "BadRequest", f"container {container} is not valid for pod {name}"
                )
        if not spec.get("nodeName"):
            return _status(400, "BadRequest", f"pod {name} does not have a host assigned")
        phase = (pod.get("status") or {}).get("phase")
        if phase != "Running":
            # What the kubelet answers (and kube-apiserver passes on) for a container that does not run.
            what = f'container not found ("{container}")' if container else "pod not found"
            return text_reply(500 if container else 404, what)
        return serve_connect(request, self.handlers, kind, namespace, name, container)


def with_connect(app: Any, store: Any, handlers: StreamHandlers) -> Any:
    """``app`` (an API server's router) with the connect subresources in front, served with
    ``handlers`` behind its authentication (a request the router would refuse goes to the router,
    which answers 401)."""

    def list_pods(namespace: str) -> list[dict[str, Any]]:
        pods: list[dict[str, Any]] = store.list(("", "pods"), namespace)[0]
        return pods

    routes = PodConnectRoutes(
        handlers,
        lambda ns, name: store.get(("", "pods"), ns, name),
        lambda ns, name: store.get(("", "services"), ns, name),
        list_pods,
    )

    async def connect_app(request: Request) -> Reply:
        if app.auth.allows(request) is True:
            reply = routes(request)
            if reply is not None:
                return reply
            proxied = routes.proxy(request)
            if proxied is not None:
                return await proxied
        result: Reply = await app(request)
        return result

    return connect_app


def serve_on(server: Any, handlers: StreamHandlers) -> Callable[[], None]:
    """Serve the connect subresources on a started :class:`~kgen.testing.APIServer` with
    ``handlers`` instead of its own ``streams``; returns the function that puts its own back."""
    http = server._http
    if http is None:
        raise RuntimeError("the server is not started")
    inner = http.app
    http.app = with_connect(server._router, server.store, handlers)

    def stop() -> None:
        http.app = inner

    return stop


# --- proxy ----------------------------------------------------------------------------------------


def _proxy_target(segment: str) -> tuple[str, str, str]:
    """``[scheme:]name[:port]`` as (scheme, name, port)."""
    parts = segment.split(":")
    if len(parts) == 1:
        return "", parts[0], ""
    if len(parts) == 2:
        if parts[0] in ("http", "https"):
            return parts[0], parts[1], ""
        return "", parts[0], parts[1]
    return parts[0], parts[1], ":".join(parts[2:])


def _container_port(pod: dict[str, Any], port: str) -> int | None:
    """A port number, or the number of the pod's container port named ``port``."""
    if port.isdigit():
        return int(port) if 0 < int(port) <= 0xFFFF else None
    for container in (pod.get("spec") or {}).get("containers") or []:
        for entry in container.get("ports") or []:
            if entry.get("name") == port and entry.get("containerPort"):
                return int(entry["containerPort"])
    return None


async def _proxy_http(
    handlers: StreamHandlers, request: Request, namespace: str, pod: str, port: int, path: str
) -> Reply:
    """One HTTP/1.1 exchange with the pod's port (its handler target), as the answer to ``request``."""
    client = h11.Connection(h11.CLIENT)
    headers = [
        (key, value)
        for key, value in request.headers.items()
        if key not in _HOP_BY_HOP and key not in ("host", "authorization")
    ]
    headers += [("host", f"{pod}:{port}"), ("connection", "close")]
    headers.append(("content-length", str(len(request.body))))
    target = path + (f"?{request.raw_query}" if request.raw_query else "")
    data = client.send(h11.Request(method=request.method, target=target, headers=headers))
    data += client.send(h11.Data(data=request.body)) if request.body else b""
    data += client.send(h11.EndOfMessage())
    conn = PortConnection(port, namespace, pod)
    answer = bytearray()

    async def collect(chunk: bytes) -> None:
        if len(answer) + len(chunk) > MAX_PROXY_ANSWER:
            raise ConnectionError("the proxied answer is too large")
        answer.extend(chunk)

    conn._send = collect  # noqa: SLF001 - the proxy is this connection's client
    await conn._input.put(data)  # noqa: SLF001
    await conn._input.put(None)  # noqa: SLF001
    try:
        error = await asyncio.wait_for(handlers.connect_port(conn), PROXY_TIMEOUT)
    except asyncio.TimeoutError:
        error = f"the pod's port {port} did not answer within {PROXY_TIMEOUT:.0f}s"
    except ConnectionError as exc:
        error = str(exc)
    if error is not None:
        return _status(503, "ServiceUnavailable", f"error trying to reach pod: {error}")
    client.receive_data(bytes(answer))
    client.receive_data(b"")
    status, reply_headers, body = 0, [], bytearray()
    try:
        while True:
            event = client.next_event()
            if isinstance(event, h11.Response):
                status = event.status_code
                reply_headers = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in event.headers
                    if k.decode("latin-1").lower() not in _HOP_BY_HOP
                ]
            elif isinstance(event, h11.Data):
                body += event.data
            else:
                break  # the end of the answer (or of the connection)
    except h11.RemoteProtocolError as exc:
        return _status(502, "InternalError", f"the pod's port {port} answered no HTTP: {exc}")
    if not status:
        return _status(502, "InternalError", f"the pod's port {port} closed without an answer")
    return Reply(status, reply_headers, bytes(body))
