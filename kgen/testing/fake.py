"""Fake clientsets: kgen.testing's API in the same process, without sockets.

A generated package's ``fake`` module builds on this::

    from example_client.fake import FakeClientset

    cs = FakeClientset(ConfigMap(metadata=ObjectMeta(name="seed", namespace="default")))
    cs.core_v1.configmaps("default").get("seed")
    cs.cluster.actions            # every call made, like client-go's fake.Actions()
    cs.cluster.prepend_reactor("create", "configmaps", lambda action: errors.conflict(...))

Requests go through an httpx transport straight into the test API server's router: the same storage
engine and REST semantics as :class:`~kgen.testing.APIServer` (resourceVersions, watch history, field
selectors, server-side apply, finalizers...), so a unit test with the fake and an integration test with the
server cannot disagree. Unlike client-go's fake, nothing is silently a no-op (deletecollection deletes) and
watches have no fixed buffer.

exec, attach and port-forward reach the handlers registered on ``cs.cluster.streams`` (a
:class:`~kgen.testing.streaming.StreamHandlers`, as ``APIServer.streams``), through the same routes and
engine as the API server's; their upgraded connection is an in-process socket pair.
"""

from __future__ import annotations

import asyncio
import math
import select
import socket
import threading
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import parse_qs

import httpx
import msgspec

import kgen.runtime._codec as codec
from kgen.runtime import AsyncClientsetBase, AsyncTransport, ClientsetBase, Transport
from kgen.runtime._config import Config
from kgen.runtime._errors import APIError
from kgen.testing.connect import with_connect
from kgen.testing.errors import StatusError
from kgen.testing.http import Reply, Request
from kgen.testing.paths import kube_namespace_subresources, parse_resource_path, request_verb
from kgen.testing.routes import Auth, Router
from kgen.testing.server import APIServer

__all__ = ["Action", "AsyncFakeClientsetBase", "FakeClientsetBase", "FakeCluster"]


@dataclass(slots=True)
class Action:
    """One call made to the fake, as client-go's ``testing.Action`` describes it."""

    verb: str  # get, list, watch, create, update, patch, delete, deletecollection
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    body: Any = None  # the decoded JSON body, if any


Reactor = Callable[[Action], Any]


def parse_action(
    method: str,
    path: str,
    params: dict[str, str],
    body: bytes,
    namespace_subresources: Callable[[str, str], Collection[str]] = kube_namespace_subresources,
) -> Action | None:
    """The Action of a resource request (None for discovery and other non-resource paths). The path
    is read as the router reads it (:mod:`kgen.testing.paths`); ``namespace_subresources`` are those
    of the served namespaces (kube-apiserver's, status and finalize, by default)."""
    target = parse_resource_path(path, namespace_subresources)
    if target is None or target.resource is None:
        return None
    verb = request_verb(method, target, params.get("watch")) or method.lower()
    decoded: Any = None
    if body:
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:  # a YAML apply body: reactors get the bytes
            decoded = body
    return Action(
        verb,
        target.group,
        target.version,
        target.resource,
        target.namespace,
        target.name,
        target.subresource,
        params,
        decoded,
    )


# A runtime error class raised by a reactor without a reason in its Status: the reason it stands for.
_REASONS = {"APIError": "Unknown", "ServerError": "InternalError"}


def _status_error(exc: APIError) -> StatusError:
    """The answer for a runtime error raised by a reactor: its Status, completed, with its code (an
    error, whatever it says: 500 if it says less than 400) and Retry-After."""
    status = codec.to_builtins(exc.status)
    # exc.code is the Status's code if it has one, else the class's (0 for the base class).
    status["code"] = exc.code if exc.code >= 400 else 500
    status.setdefault("reason", _REASONS.get(type(exc).__name__, type(exc).__name__))
    status.setdefault("kind", "Status")
    status.setdefault("apiVersion", "v1")
    status.setdefault("status", "Failure")
    headers: list[tuple[str, str]] = []
    if exc.retry_after is not None:
        seconds = math.ceil(exc.retry_after)
        headers.append(("Retry-After", str(seconds)))
        details = status.setdefault("details", {})
        details.setdefault("retryAfterSeconds", seconds)
    return StatusError(status, headers)


class FakeCluster:
    """An API server's storage engine and REST semantics behind in-process httpx transports."""

    def __init__(self, server: APIServer) -> None:
        self.server = server
        self.router = Router(server.api, server.faults, Auth(), "kgen.fake")
        # exec, attach, port-forward and proxy: the API server's routes, on its ``streams``
        self._app = with_connect(self.router, server.store, server.streams)
        self._upgraded: set[asyncio.Task[None]] = set()
        self.actions: list[Action] = []
        self._reactors: list[tuple[str, str, Reactor]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kgen-fake", daemon=True
        )
        self._thread.start()

    @classmethod
    def from_package(cls, package: str, objects: Iterable[Any] = ()) -> FakeCluster:
        cluster = cls(APIServer.from_package(package, bookmark_interval=3600.0))
        cluster.seed(*objects)
        return cluster

    @property
    def store(self) -> Any:
        return self.server.store

    @property
    def streams(self) -> Any:
        """What exec, attach, port-forward and proxy do: ``cs.cluster.streams.on_exec(shell)`` (see
        :class:`~kgen.testing.streaming.StreamHandlers`)."""
        return self.server.streams

    @property
    def faults(self) -> Any:
        return self.server.faults

    # --- seeding and reactors -----------------------------------------------------------------------

    def seed(self, *objects: Any) -> None:
        """Create objects through the API (models or dicts); their namespaces are created as needed, a
        namespaced object without a namespace goes to ``default`` (as ``kubectl create -f`` does),
        and a ``status`` is kept: it is written through the status subresource where there is one
        (a create ignores it there), so a test can start from an object that is already Ready."""
        for obj in objects:
            body = obj if isinstance(obj, dict) else codec.to_builtins(obj)
            rt = self._resource_type(body)
            namespace = (body.get("metadata") or {}).get("namespace") or "default"
            if rt.namespaced and self.server.registry.get("", "v1", "namespaces") is not None:
                self._ensure_namespace(namespace)
            key_ns = namespace if rt.namespaced else None
            created = self.server.api.create(rt, key_ns, body).body
            if rt.has_status and body.get("status") is not None:
                self.server.api.update(
                    rt,
                    key_ns,
                    created["metadata"]["name"],
                    {**created, "status": body["status"]},
                    subresource="status",
                )

    def _resource_type(self, body: dict[str, Any]) -> Any:
        api_version, kind = body.get("apiVersion", ""), body.get("kind", "")
        rt = self.server.registry.for_kind(api_version, kind)
        if rt is None:
            raise LookupError(f"the fake does not serve apiVersion={api_version!r}, kind={kind!r}")
        return rt

    def _ensure_namespace(self, name: str) -> None:
        namespaces = self.server.registry.get("", "v1", "namespaces")
        assert namespaces is not None
        try:
            self.server.api.create(
                namespaces,
                None,
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
            )
        except StatusError:
            pass  # it exists

    def prepend_reactor(self, verb: str, resource: str, reactor: Reactor) -> None:
        """Before the API handles a matching call (``"*"`` matches all), ``reactor(action)`` may answer
        it: return None to let the API handle it, return an object (model or dict) to answer 200 with
        it, or raise an error: one of :mod:`kgen.testing.errors` (``errors.conflict(...)``) or of
        :mod:`kgen.runtime._errors` (``Conflict(Status(message=...))``), which the client raises back.
        """
        with self._lock:
            self._reactors.insert(0, (verb, resource, reactor))

    def clear_actions(self) -> None:
        with self._lock:
            self.actions.clear()

    # --- dispatch -----------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Reply:
        action = parse_action(
            request.method,
            request.path,
            request.params(),
            request.body,
            self.router.namespace_subresources,
        )
        if action is not None:
            with self._lock:
                self.actions.append(action)
                reactors = list(self._reactors)
            for verb, resource, reactor in reactors:
                if verb in ("*", action.verb) and resource in ("*", action.resource):
                    try:
                        answer = reactor(action)
                    except StatusError as exc:
                        return self.router._status_reply(request, exc)  # noqa: SLF001
                    except APIError as exc:
                        # The client's own error classes (errors.Conflict(...), NotFound...) work
                        # too: the client sees the same class with the same Status.
                        return self.router._status_reply(  # noqa: SLF001
                            request, _status_error(exc)
                        )
                    if answer is not None:
                        body = (
                            answer
                            if isinstance(answer, (dict, list))
                            else codec.to_builtins(answer)
                        )
                        return Reply(
                            200, [("Content-Type", "application/json")], codec.encode(body)
                        )
        reply: Reply = await self._app(request)
        return reply

    def _upgrade(self, reply: Reply) -> socket.socket:
        """Run ``reply``'s upgrade (a WebSocket or SPDY session) on one end of a socket pair; the
        other end is the client's connection."""
        assert reply.upgrade is not None
        upgrade = reply.upgrade
        ours, theirs = socket.socketpair()

        async def serve() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._upgraded.add(task)
            try:
                reader, writer = await asyncio.open_connection(sock=theirs)
            except BaseException:
                theirs.close()
                self._upgraded.discard(task)
                raise
            try:
                await upgrade(reader, writer, b"")
            except (asyncio.CancelledError, ConnectionError, OSError):
                pass
            finally:
                self._upgraded.discard(task)
                writer.close()

        asyncio.run_coroutine_threadsafe(serve(), self._loop)
        return ours

    def _request(self, request: httpx.Request, body: bytes) -> Request:
        raw_query = request.url.query.decode()
        return Request(
            method=request.method,
            path=request.url.path,
            raw_query=raw_query,
            query=parse_qs(raw_query, keep_blank_values=True),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )

    def _run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def transport(self) -> httpx.BaseTransport:
        return _SyncTransport(self)

    def async_transport(self) -> httpx.AsyncBaseTransport:
        return _AsyncTransport(self)

    def config(self) -> Config:
        # No rate limiting in process: client-go's 5 QPS would only slow unit tests down.
        return Config(server="http://kgen.fake.invalid", qps=0, burst=0)

    def close(self) -> None:
        self.server.store.stop_watchers()
        self.router.stop_streams()

        async def cancel_upgraded() -> None:
            tasks = list(self._upgraded)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        self._run(cancel_upgraded())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class FakeClientsetBase(ClientsetBase):
    """The base of a generated package's ``FakeClientset``: the package's clientset over a
    :class:`FakeCluster` seeded with ``objects`` (or over ``cluster``), in process."""

    #: The generated package whose API model the fake cluster serves (its ``fake`` module sets it).
    MODEL_PACKAGE: ClassVar[str] = ""

    def __init__(
        self, *objects: Any, cluster: FakeCluster | None = None, validate_writes: bool = False
    ) -> None:
        """``validate_writes``: the client checks every write against its kind's schema before
        sending it, as a clientset made with it does (the fake cluster checks them anyway)."""
        self.cluster = cluster or FakeCluster.from_package(self.MODEL_PACKAGE, objects)
        super().__init__(
            transport=Transport(
                self.cluster.config(),
                transport=self.cluster.transport(),
                package=self.MODEL_PACKAGE or None,
                validate_writes=validate_writes,
            )
        )

    def new_async_transport(self, **options: Any) -> AsyncTransport:
        """An async transport to the same fake cluster (the threaded SharedInformerFactory's)."""
        options.setdefault("package", self.MODEL_PACKAGE or None)
        return AsyncTransport(
            self.cluster.config(), transport=self.cluster.async_transport(), **options
        )


class AsyncFakeClientsetBase(AsyncClientsetBase):
    """The base of a generated package's ``AsyncFakeClientset`` (see :class:`FakeClientsetBase`)."""

    MODEL_PACKAGE: ClassVar[str] = ""

    def __init__(
        self, *objects: Any, cluster: FakeCluster | None = None, validate_writes: bool = False
    ) -> None:
        self.cluster = cluster or FakeCluster.from_package(self.MODEL_PACKAGE, objects)
        super().__init__(transport=self.new_async_transport(validate_writes=validate_writes))

    def new_async_transport(self, **options: Any) -> AsyncTransport:
        """A new async transport to the same fake cluster."""
        options.setdefault("package", self.MODEL_PACKAGE or None)
        return AsyncTransport(
            self.cluster.config(), transport=self.cluster.async_transport(), **options
        )


class _SyncStream(httpx.SyncByteStream):
    def __init__(self, cluster: FakeCluster, stream: AsyncIterator[bytes]) -> None:
        self._cluster = cluster
        self._stream = stream

    async def _next(self) -> bytes:
        return await self._stream.__anext__()

    def __iter__(self) -> Iterator[bytes]:
        while True:
            try:
                yield self._cluster._run(self._next())  # noqa: SLF001
            except StopAsyncIteration:
                return

    def close(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            try:
                self._cluster._run(closer())  # noqa: SLF001
            except Exception:  # noqa: BLE001 - closing anyway
                pass


class _AsyncStream(httpx.AsyncByteStream):
    def __init__(self, cluster: FakeCluster, stream: AsyncIterator[bytes]) -> None:
        self._cluster = cluster
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async def next_chunk() -> bytes:
            return await self._stream.__anext__()

        while True:
            future = asyncio.run_coroutine_threadsafe(
                next_chunk(), self._cluster._loop
            )  # noqa: SLF001
            try:
                yield await asyncio.wrap_future(future)
            except StopAsyncIteration:
                return

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            future = asyncio.run_coroutine_threadsafe(closer(), self._cluster._loop)  # noqa: SLF001
            try:
                await asyncio.wrap_future(future)
            except Exception:  # noqa: BLE001 - closing anyway
                pass


class _SyncTransport(httpx.BaseTransport):
    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        reply: Reply = self._cluster._run(
            self._cluster._handle(self._cluster._request(request, body))
        )  # noqa: SLF001
        if reply.upgrade is not None:
            connection = _SyncSocketStream(self._cluster._upgrade(reply))  # noqa: SLF001
            return httpx.Response(
                reply.status,
                headers=reply.headers,
                stream=connection,
                extensions={"network_stream": connection},
            )
        if reply.stream is not None:
            return httpx.Response(
                reply.status, headers=reply.headers, stream=_SyncStream(self._cluster, reply.stream)
            )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)


class _AsyncTransport(httpx.AsyncBaseTransport):
    def __init__(self, cluster: FakeCluster) -> None:
        self._cluster = cluster

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        coro = self._cluster._handle(self._cluster._request(request, body))  # noqa: SLF001
        future = asyncio.run_coroutine_threadsafe(coro, self._cluster._loop)  # noqa: SLF001
        reply: Reply = await asyncio.wrap_future(future)
        if reply.upgrade is not None:
            connection = _AsyncSocketStream(self._cluster._upgrade(reply))  # noqa: SLF001
            return httpx.Response(
                reply.status,
                headers=reply.headers,
                stream=connection,
                extensions={"network_stream": connection},
            )
        if reply.stream is not None:
            return httpx.Response(
                reply.status,
                headers=reply.headers,
                stream=_AsyncStream(self._cluster, reply.stream),
            )
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)


# --- upgraded connections (exec, attach, port-forward) ----------------------------------------------


class _SyncSocketStream(httpx.SyncByteStream):
    """The client's end of an upgraded connection: what httpcore's network stream offers the
    WebSocket client (``read``, ``write``, ``get_extra_info``); closing the response closes it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if timeout is not None:
            readable, _, _ = select.select([self._sock], [], [], timeout)
            if not readable:
                raise TimeoutError("timed out")
        return self._sock.recv(max_bytes)

    def write(self, data: bytes, timeout: float | None = None) -> None:
        self._sock.sendall(data)

    def get_extra_info(self, name: str) -> Any:
        return self._sock if name == "socket" else None

    def __iter__(self) -> Iterator[bytes]:
        return iter(())  # a 101 has no body

    def close(self) -> None:
        self._sock.close()


class _AsyncSocketStream(httpx.AsyncByteStream):
    """The async client's end of an upgraded connection (see :class:`_SyncSocketStream`)."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self._sock = sock

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        loop = asyncio.get_running_loop()
        return await asyncio.wait_for(loop.sock_recv(self._sock, max_bytes), timeout)

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        await asyncio.get_running_loop().sock_sendall(self._sock, data)

    def get_extra_info(self, name: str) -> Any:
        return self._sock if name == "socket" else None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        return
        yield  # a 101 has no body

    async def aclose(self) -> None:
        self._sock.close()
