# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The connect subresources as mixins of the typed clients: ``pods/exec``, ``pods/attach``,
``pods/portforward`` and the ``proxy`` of pods, services and nodes.

This is the async source; ``kgen/runtime/_sync/connect.py`` is generated from it by
``scripts/unasync.py``.

A generated client names the mixins of the connect subresources its resource has, as it names
:class:`~kgen.runtime.LogSubresource` for ``pods/log``::

    class PodClient(AllVerbs[Pod, PodList], ExecSubresource[Pod, PodList], ...):

The behaviour is ``streams.py`` and ``portforward.py`` (one implementation, on the subresource's path);
these methods only name the path of ``name`` in the client's namespace.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from kgen.runtime._sync.resource import ResourceClient
from kgen.runtime._channels import EXEC_PROTOCOLS
from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._request import resource_path
from kgen.runtime._verbs import check_verb

# The streams (WebSocket framing, port-forward's local sockets, asyncio's) are imported by the first
# call of a connect method, not with every client of a group-version that has one: a program that
# lists pods does not pay for exec.
if TYPE_CHECKING:
    from kgen.runtime._sync.portforward import PortForward
    from kgen.runtime._sync.streams import ExecSession, ExecResult
    from kgen.runtime._request import Result

__all__ = [
    "AttachSubresource",
    "ExecSubresource",
    "PortForwardSubresource",
    "ProxySubresource",
]

M = TypeVar("M", bound=KubernetesObject)
LM = TypeVar("LM", bound=KubernetesList[Any])


def _connect_path(client: ResourceClient[Any, Any], name: str, subresource: str) -> str:
    """``.../{plural}/{name}/{subresource}`` in the client's namespace (which it must have)."""
    check_verb(client.resource, client.namespace, "connect", subresource)
    return resource_path(
        client.rest.group,
        client.rest.version,
        client.resource.plural,
        namespace=client.namespace,
        name=name,
        subresource=subresource,
    )


class ExecSubresource(ResourceClient[M, LM]):
    """The ``exec`` subresource (pods/exec): run a command in a container."""

    def exec_session(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bool = False,
        tty: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecSession:
        """Run ``command`` interactively: ``with pods.exec_session(name, ["sh"]) as s:``.

        The session writes stdin (``write_stdin``, ``close_stdin``), reads stdout and stderr as they
        come (``read``), resizes the terminal (``resize``, with ``tty=True``) and gives the exit code
        (``wait``). ``protocols``: the WebSocket subprotocols offered, newest first.
        """
        from kgen.runtime._sync.streams import _exec_session

        return _exec_session(
            self.rest,
            _connect_path(self, name, "exec"),
            command,
            container=container,
            stdin=stdin,
            tty=tty,
            read_timeout=read_timeout,
            protocols=protocols,
        )

    def exec(
        self,
        name: str,
        command: Sequence[str],
        *,
        container: str | None = None,
        stdin: bytes | None = None,
        tty: bool = False,
        check: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecResult:
        """Run ``command`` in the container of pod ``name``: its stdout, stderr and exit code.

        ``stdin`` is fed (and closed) while the output is read. A non-zero exit code is a result;
        ``check=True`` raises :class:`~kgen.runtime.NonZeroExitError` for it.
        :class:`~kgen.runtime.CommandError` when the command could not run; the typed
        :class:`~kgen.runtime.APIError` when the server refused (no such pod or container, a pod that
        is not running); :class:`~kgen.runtime.StreamClosed` when the connection was cut. With
        ``stdin``, a server without ``v5.channel.k8s.io`` (which alone can close stdin) is a
        :class:`~kgen.runtime.StreamProtocolError` at once: use :meth:`exec_session` there.
        """
        from kgen.runtime._sync.streams import _run

        session = self.exec_session(
            name,
            command,
            container=container,
            stdin=stdin is not None,
            tty=tty,
            read_timeout=read_timeout,
            protocols=protocols,
        )
        return _run(session, stdin, check)


class AttachSubresource(ResourceClient[M, LM]):
    """The ``attach`` subresource (pods/attach): the streams of a container's main process."""

    def attach_session(
        self,
        name: str,
        *,
        container: str | None = None,
        stdin: bool = False,
        tty: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecSession:
        """Attach interactively: ``with pods.attach_session(name) as session:`` (see
        ``exec_session``)."""
        from kgen.runtime._sync.streams import _exec_session

        return _exec_session(
            self.rest,
            _connect_path(self, name, "attach"),
            None,
            container=container,
            stdin=stdin,
            tty=tty,
            read_timeout=read_timeout,
            protocols=protocols,
        )

    def attach(
        self,
        name: str,
        *,
        container: str | None = None,
        stdin: bytes | None = None,
        tty: bool = False,
        check: bool = False,
        read_timeout: float | None = None,
        protocols: Sequence[str] = EXEC_PROTOCOLS,
    ) -> ExecResult:
        """Attach until the process ends: its output from now on and its exit code (errors as
        ``exec``'s)."""
        from kgen.runtime._sync.streams import _run

        session = self.attach_session(
            name,
            container=container,
            stdin=stdin is not None,
            tty=tty,
            read_timeout=read_timeout,
            protocols=protocols,
        )
        return _run(session, stdin, check)


class PortForwardSubresource(ResourceClient[M, LM]):
    """The ``portforward`` subresource (pods/portforward): connections to the pod's ports."""

    def port_forward(
        self, name: str, ports: Sequence[int] = (), *, read_timeout: float | None = None
    ) -> PortForward:
        """Forwarding to ports of pod ``name``: ``stream(port)`` is one connection (its own
        WebSocket: ``read``, ``write``); ``listen(port, local_port)`` a local listening socket, as
        ``kubectl port-forward`` gives. :class:`~kgen.runtime.PortForwardError` when the pod's port
        cannot be reached (nothing listening)."""
        from kgen.runtime._sync.portforward import PortForward

        path = _connect_path(self, name, "portforward")
        assert self.namespace is not None or not self.resource.namespaced
        return PortForward(
            self.rest, self.namespace or "", name, ports, read_timeout=read_timeout, path=path
        )


class ProxySubresource(ResourceClient[M, LM]):
    """The ``proxy`` subresource (pods, services, nodes): HTTP to the object through the API server."""

    def proxy(
        self,
        name: str,
        path: str = "",
        *,
        method: str = "GET",
        port: int | str | None = None,
        scheme: str | None = None,
        params: Sequence[tuple[str, str]] = (),
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
    ) -> Result:
        """``method`` ``path`` on ``name`` (``port``: a number or a port's name; ``scheme``: http or
        https) through the API server's proxy: the answer (``body``, ``headers``, ``status_code``),
        or the typed :class:`~kgen.runtime.APIError` for an error status."""
        from kgen.runtime._sync.streams import _proxy_request, _proxy_target

        target = _proxy_target(name, port, scheme)
        request = _proxy_request(
            self.rest,
            _connect_path(self, target, "proxy"),
            path,
            method=method,
            params=params,
            body=body,
            headers=headers,
            timeout=timeout,
        )
        return request.do()
