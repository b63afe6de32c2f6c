"""The connect subresources of an API server: ``pods/exec``, ``pods/attach``, ``pods/portforward``.

:class:`PodConnectRoutes` makes the checks kube-apiserver makes (the pod exists, the container is one
of its, it is bound to a node), then the kubelet's (a pod that is not Running has no running container);
:func:`serve_connect` serves a checked request over WebSocket (:mod:`kgen.testing.wsserver`) or SPDY
(:mod:`kgen.testing.spdy`), whichever the client asked for. :func:`serve_on` puts the routes on a running
:class:`~kgen.testing.APIServer` behind its authentication.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from kgen.runtime._channels import PORT_FORWARD_PROTOCOLS, ChannelProtocol
from kgen.testing import spdy
from kgen.testing.http import Reply, Request
from kgen.testing.streaming import StreamHandlers, exec_call_from, parse_ports
from kgen.testing.wsserver import (
    SERVED_EXEC_PROTOCOLS,
    ServerWebSocket,
    serve_exec_websocket,
    serve_port_forward_websocket,
    text_reply,
    websocket_reply,
)

__all__ = ["PodConnectRoutes", "serve_connect", "serve_on"]


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
    ) -> None:
        self.handlers = handlers
        self.get_pod = get_pod

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


def serve_on(server: Any, handlers: StreamHandlers) -> Callable[[], None]:
    """Serve the pods' connect subresources on a started :class:`~kgen.testing.APIServer` with
    ``handlers``, behind its authentication (a request its router would refuse goes to the router,
    which answers 401); returns the function that stops serving them.

    The stand-in until the API server serves them itself (a ``streams`` attribute and a route).
    """
    http = server._http
    if http is None:
        raise RuntimeError("the server is not started")
    inner = http.app
    store = server.store
    routes = PodConnectRoutes(handlers, lambda ns, name: store.get(("", "pods"), ns, name))

    async def app(request: Request) -> Reply:
        if inner.auth.allows(request) is True:
            reply = routes(request)
            if reply is not None:
                return reply
        result: Reply = await inner(request)
        return result

    http.app = app

    def stop() -> None:
        http.app = inner

    return stop
