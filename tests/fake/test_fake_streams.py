"""The fake clientsets reach the same exec, attach and port-forward handlers as kgen.testing's server.

The test registers handlers on ``cs.cluster.streams`` as on ``APIServer.streams``; the fake serves them
through the same routes (the pod must exist, be bound and Running; the container must be one of its)
and the same WebSocket engine, over an in-process socket pair.
"""

from __future__ import annotations

import socket
import threading

import pytest
from example_client.fake import AsyncFakeClientset, FakeClientset
from example_client.models.core_v1 import Container, Pod, PodSpec, PodStatus

from kgen.runtime import ExecResult
from kgen.runtime._channels import STDOUT, NonZeroExitError, PortForwardError
from kgen.runtime._errors import BadRequest, NotFound, ServerError, TransportTimeout
from kgen.runtime._meta import ObjectMeta
from kgen.testing.streaming import ExecCall, PortConnection


def pod(name: str, phase: str = "Running") -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name, namespace="default"),
        spec=PodSpec(containers=[Container(name="main", image="busybox")], node_name="n1"),
        status=PodStatus(phase=phase),
    )


async def shell(call: ExecCall) -> int:
    if call.command == ["cat"]:
        while data := await call.read_stdin():
            await call.write_stdout(data)
        return 0
    await call.write_stdout(f"{call.pod}/{call.container}: {' '.join(call.command)}\n".encode())
    return int(call.command[1]) if call.command[0] == "exit" else 0


async def greeter(conn: PortConnection) -> None:
    await conn.write(b"hello " + await conn.read())


def test_the_fake_clientset_execs_and_forwards_on_registered_handlers() -> None:
    cs = FakeClientset(pod("web"), pod("pending", phase="Pending"))
    cs.cluster.streams.on_exec(shell)
    cs.cluster.streams.on_port_forward(8080, greeter)
    threads = threading.active_count()
    pods = cs.core_v1.pods("default")
    assert pods.exec("web", ["echo", "hi"]) == ExecResult(b"web/main: echo hi\n", b"", 0)
    assert pods.exec("web", ["cat"], stdin=b"x" * 300_000).stdout == b"x" * 300_000
    with pytest.raises(NonZeroExitError) as caught:
        pods.exec("web", ["exit", "3"], check=True)
    assert caught.value.exit_code == 3
    with pods.exec_session("web", ["cat"], stdin=True) as session:
        session.write_stdin(b"one")
        assert session.read() == (STDOUT, b"one")
        session.close_stdin()
        assert session.wait().exit_code == 0
    with pods.port_forward("web").stream(8080) as stream:
        stream.write(b"fake")
        assert stream.read() == b"hello fake"
        assert stream.read() == b""
    with pods.port_forward("web").listen(8080) as listener:
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as local:
            local.sendall(b"local")
            assert local.recv(100) == b"hello local"
    with pods.port_forward("web").stream(7777) as stream:
        with pytest.raises(PortForwardError):
            stream.read()
    # The same checks as the API server's.
    with pytest.raises(NotFound):
        pods.exec("nope", ["echo"])
    with pytest.raises(BadRequest, match="container other is not valid"):
        pods.exec("web", ["echo"], container="other")
    with pytest.raises(ServerError, match="container not found"):
        pods.exec("pending", ["echo"])
    assert [a.subresource for a in cs.cluster.actions if a.name == "web"][:1] == ["exec"]
    assert threading.active_count() == threads  # stdin's feeder and the listener's threads ended
    cs.close()


async def test_the_async_fake_clientset_execs_and_forwards_on_registered_handlers() -> None:
    cs = AsyncFakeClientset(pod("web"))
    cs.cluster.streams.on_exec(shell)
    cs.cluster.streams.on_port_forward(8080, greeter)
    pods = cs.core_v1.pods("default")
    assert await pods.exec("web", ["echo", "hi"]) == ExecResult(b"web/main: echo hi\n", b"", 0)
    data = bytes(range(256)) * 4096
    assert (await pods.exec("web", ["cat"], stdin=data)).stdout == data
    async with pods.port_forward("web").stream(8080) as stream:
        await stream.write(b"async")
        assert await stream.read() == b"hello async"
    async with pods.exec_session("web", ["cat"], stdin=True, read_timeout=0.2) as session:
        with pytest.raises(TransportTimeout):
            await session.read()  # nothing written: nothing to read
    await cs.aclose()
