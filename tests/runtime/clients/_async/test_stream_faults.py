"""Faults of exec and port-forward: typed errors, no hang, nothing left behind.

Each test here ends by checking that the process holds no more file descriptors (the client's sockets
and the test server's, which runs in this process), threads, client tasks or server tasks than before
it: a connection the server cuts, a reader that stops reading, a client that goes away mid-command and
the upgrades the server refuses all release what they took, on both sides.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from example_client.clients.core_v1 import AsyncPodClient
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import Container, Pod, PodSpec

from kgen.runtime._async.primitives import asleep
from kgen.runtime._channels import CommandError, PortForwardError, StreamClosed
from kgen.runtime._errors import BadRequest, NotFound, ServerError, TransportTimeout
from kgen.runtime._meta import ObjectMeta
from kgen.testing import APIServer
from streaming_handlers import (  # noqa: F401 - handlers: a fixture
    FLOOD_PORT,
    HANG_PORT,
    PROGRESS,
    client_tasks,
    handlers,
    open_fds,
    server_tasks,
)

pytestmark = pytest.mark.usefixtures("handlers")

#: What may sit in socket buffers and one read between a flooding pod and a reader that stopped.
BOUNDED = 32 * 1024 * 1024


async def start_pod(cs: AsyncClientset, namespace: str, phase: str = "Running") -> str:
    name = f"p-{uuid.uuid4().hex[:6]}"
    pods = cs.core_v1.pods(namespace)
    await pods.create(
        Pod(
            metadata=ObjectMeta(name=name),
            spec=PodSpec(containers=[Container(name="main", image="busybox")], node_name="n1"),
        )
    )
    await pods.patch_status(name, {"status": {"phase": phase}})
    return name


@pytest.fixture
async def pod(cs: AsyncClientset, namespace: str) -> str:
    return await start_pod(cs, namespace)


@pytest.fixture
def pods(cs: AsyncClientset, namespace: str) -> AsyncPodClient:
    """The generated pod client of the test's namespace: its connect methods are what is tested."""
    return cs.core_v1.pods(namespace)


async def receive(sock: socket.socket) -> bytes:
    """What ``sock`` has, or b"" at its end, without blocking the loop (the async twin's listener runs
    on it)."""
    sock.setblocking(False)
    deadline = time.monotonic() + 20
    while True:
        try:
            return sock.recv(65536)
        except BlockingIOError:
            assert time.monotonic() < deadline, "nothing came"
            await asleep(0.01)


def drop_connections(api_server: APIServer) -> None:
    """Cut every connection to the test server (as when an API server or a kubelet dies)."""
    http, loop = api_server._http, api_server._loop
    assert http is not None and loop is not None
    asyncio.run_coroutine_threadsafe(http.drop_connections(), loop).result(10)


def _held(api_server: APIServer) -> tuple[int, int, int, int]:
    return (open_fds(), threading.active_count(), client_tasks(), server_tasks(api_server))


@pytest.fixture
async def no_leaks(
    api_server: APIServer, pods: AsyncPodClient, namespace: str, pod: str
) -> AsyncIterator[None]:
    """After the test: no more fds, threads, client tasks or server tasks than before it (waiting a
    little for the other side of a closed connection to notice)."""
    before = _held(api_server)
    yield
    deadline = time.monotonic() + 20
    while True:
        now = _held(api_server)
        if all(n <= b for n, b in zip(now, before)):
            break
        assert (
            time.monotonic() < deadline
        ), f"left behind (fds, threads, client tasks, server tasks): {before} -> {now}"
        await asleep(0.05)


async def test_refused_streams_leave_nothing_open(
    cs: AsyncClientset, pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    pending = await start_pod(cs, namespace, phase="Pending")
    for _ in range(10):
        with pytest.raises(BadRequest, match="container nope is not valid"):
            await pods.exec(pod, ["echo"], container="nope")
        with pytest.raises(NotFound):
            await pods.exec("no-such-pod", ["echo"])
        with pytest.raises(ServerError, match="container not found"):
            await pods.exec(pending, ["echo"])
        with pytest.raises(CommandError, match="executable file not found"):
            await pods.exec(pod, ["no-such-command"])
        async with pods.port_forward(pod).stream(7777) as stream:
            with pytest.raises(PortForwardError, match="7777"):
                await stream.read()
        async with pods.port_forward(pod).listen(7777) as listener:
            with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as local:
                assert await receive(local) == b""  # closed: nothing listens in the pod
        assert isinstance(listener.errors[-1], PortForwardError)


async def test_streams_the_server_cuts_are_typed_errors(
    api_server: APIServer, pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    PROGRESS.started.clear()
    async with pods.port_forward(pod).stream(HANG_PORT) as stream:
        while not PROGRESS.started.is_set():
            await asleep(0.01)
        drop_connections(api_server)
        with pytest.raises(StreamClosed, match="without a close"):
            await stream.read()
        assert await stream.read() == b""
    PROGRESS.started.clear()
    async with pods.exec_session(pod, ["sleep"]) as session:
        while not PROGRESS.started.is_set():
            await asleep(0.01)
        drop_connections(api_server)
        with pytest.raises(StreamClosed):
            await session.wait()


async def test_a_slow_port_forward_reader_holds_the_pod_back(
    pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    async with pods.port_forward(pod).stream(FLOOD_PORT) as stream:
        got = len(await stream.read())
        await asleep(0.5)  # time for an unbounded server or client to run far ahead
        assert 0 < PROGRESS.forwarded - got < BOUNDED
        # What has arrived meanwhile comes in one read: several of the server's 32 KiB frames.
        more = len(await stream.read())
        assert more > 32 * 1024
        got += more
        for _ in range(64):
            got += len(await stream.read())
        await asleep(0.5)
        assert PROGRESS.forwarded - got < BOUNDED
    # Leaving while the pod still writes: its handler ends too (no_leaks).


async def test_a_local_socket_that_does_not_read_holds_the_pod_back(
    pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    PROGRESS.forwarded = 0
    async with pods.port_forward(pod).listen(FLOOD_PORT) as listener:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as local:
            while PROGRESS.forwarded == 0:
                await asleep(0.01)
            await asleep(0.5)
            # What the listener relays waits in socket buffers, not in the listener's memory.
            assert PROGRESS.forwarded < BOUNDED
            assert (await receive(local))[:1] == b"y"
        # The local peer left without reading the rest: the stream to the pod ends with it.


async def test_a_client_that_goes_away_ends_the_command_and_the_forward(
    pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    PROGRESS.started.clear()
    async with pods.exec_session(pod, ["sleep"], stdin=True) as session:
        await session.write_stdin(b"never read")
        while not PROGRESS.started.is_set():
            await asleep(0.01)
    PROGRESS.started.clear()
    async with pods.port_forward(pod).stream(HANG_PORT) as stream:
        await stream.write(b"never read")
        while not PROGRESS.started.is_set():
            await asleep(0.01)
    # The server's handlers for both are cancelled once the connections close (no_leaks).


async def test_a_read_timeout_ends_a_silent_stream(
    pods: AsyncPodClient, namespace: str, pod: str, no_leaks: None
) -> None:
    async with pods.exec_session(pod, ["sleep"], read_timeout=0.2) as session:
        with pytest.raises(TransportTimeout):
            await session.wait()
    forward = pods.port_forward(pod, read_timeout=0.2)
    async with forward.stream(HANG_PORT) as stream:
        with pytest.raises(TransportTimeout):
            await stream.read()
