"""kgen's WebSocket ends against an independent implementation (the websockets library), both ways.

kgen talking to itself would not notice a mistake both ends share (it did not notice a mistyped
RFC 6455 GUID): here the websockets client talks to the fake kubelet's engine, and kgen's client talks
to a websockets server that answers as kube-apiserver does.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from example_client.clients.core_v1 import AsyncPodClient
from example_client.clientset import AsyncClientset

from kgen.runtime._channels import CommandError, StreamClosed, StreamProtocolError
from kgen.runtime._config import Config
from kgen.testing.kubelet import ECHO_PORT, FakeKubelet, demo_handlers

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import ServerConnection, serve  # noqa: E402


@pytest.fixture
async def kubelet() -> AsyncIterator[FakeKubelet]:
    server = FakeKubelet(demo_handlers())
    await server.start()
    yield server
    await server.close()


async def test_a_websockets_client_execs_on_the_engine(kubelet: FakeKubelet) -> None:
    url = f"ws://127.0.0.1:{kubelet.port}/exec/ns/pod/main?command=cat&input=1&output=1&error=1"
    async with connect(url, subprotocols=["v4.channel.k8s.io"]) as ws:  # type: ignore[list-item]
        assert ws.subprotocol == "v4.channel.k8s.io"
        await ws.send(b"\x00hello")
        frames = []
        while True:
            frame = await ws.recv()
            if frame[:1] == b"\x01" and frame[1:]:
                frames.append(frame)
                break
        assert frames == [b"\x01hello"]
    # v4 has no stdin close: the command ends when the client goes away, nothing is left behind.


async def test_a_websockets_client_closes_stdin_with_v5(kubelet: FakeKubelet) -> None:
    url = f"ws://127.0.0.1:{kubelet.port}/exec/ns/pod/main?command=cat&input=1&output=1"
    async with connect(url, subprotocols=["v5.channel.k8s.io"]) as ws:  # type: ignore[list-item]
        await ws.send(b"\x00abc")
        await ws.send(b"\xff\x00")  # v5: close stdin
        received = []
        async for frame in ws:
            received.append(frame)
    data = [f[1:] for f in received if f[:1] == b"\x01"]
    status = json.loads(b"".join(f[1:] for f in received if f[:1] == b"\x03"))
    assert b"".join(data) == b"abc"
    assert status["status"] == "Success"


async def test_a_websockets_client_port_forwards_on_the_engine(kubelet: FakeKubelet) -> None:
    url = f"ws://127.0.0.1:{kubelet.port}/portForward/ns/pod?port={ECHO_PORT}"
    async with connect(url, subprotocols=["v4.channel.k8s.io"]) as ws:  # type: ignore[list-item]
        prefix = ECHO_PORT.to_bytes(2, "little")
        assert {await ws.recv(), await ws.recv()} == {b"\x00" + prefix, b"\x01" + prefix}
        await ws.send(b"\x00echo me")
        assert await ws.recv() == b"\x00echo me"


def _apiserver_exec(frames: list[bytes]) -> Any:
    """A websockets handler answering an exec as kube-apiserver + kubelet do: ``frames``, close."""

    async def handler(ws: ServerConnection) -> None:
        for frame in frames:
            await ws.send(frame)
        await ws.close()

    return handler


async def _client(port: int) -> AsyncPodClient:
    """The generated pod client of namespace "ns" on the server at ``port``."""
    config = Config(server=f"http://127.0.0.1:{port}", qps=0)
    return AsyncClientset(config).core_v1.pods("ns")


def _select(connection: ServerConnection, offered: list[str]) -> str | None:
    return "v4.channel.k8s.io" if "v4.channel.k8s.io" in offered else None


async def test_kgens_client_execs_against_a_websockets_server() -> None:
    status = {
        "metadata": {},
        "status": "Failure",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "7"}]},
    }
    frames = [b"\x01", b"\x01out", b"\x02err", b"\x03" + json.dumps(status).encode()]
    async with serve(_apiserver_exec(frames), "127.0.0.1", 0, select_subprotocol=_select) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        pods = await _client(port)
        try:
            result = await pods.exec("pod", ["anything"])
        finally:
            await pods.rest.transport.aclose()
    assert (result.stdout, result.stderr, result.exit_code) == (b"out", b"err", 7)


async def test_kgens_client_sees_a_cut_stream_from_a_websockets_server() -> None:
    async def handler(ws: ServerConnection) -> None:
        await ws.send(b"\x01partial")
        ws.transport.abort()  # no close frame, no status: the connection is cut
        await asyncio.sleep(0)

    async with serve(handler, "127.0.0.1", 0, select_subprotocol=_select) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        pods = await _client(port)
        try:
            with pytest.raises(StreamClosed):
                await pods.exec("pod", ["anything"])
        finally:
            await pods.rest.transport.aclose()


@pytest.mark.parametrize(
    ("chosen", "error"),
    [
        ("channel.k8s.io", b"command terminated with non-zero exit code: exit status 2"),
        ("v3.channel.k8s.io", b"command terminated with non-zero exit code: exit status 2"),
        (None, b"command terminated with non-zero exit code: exit status 2"),
    ],
)
async def test_kgens_client_takes_an_older_protocol_a_server_chooses(
    chosen: str | None, error: bytes
) -> None:
    """A server with nothing newer than v3 (or one that names no subprotocol: channel.k8s.io): the
    client reads its frames, and its text error channel."""

    def select(connection: ServerConnection, offered: list[str]) -> str | None:
        assert offered[:2] == ["v5.channel.k8s.io", "v4.channel.k8s.io"]  # newest first
        return chosen

    for frames, expected in (
        ([b"\x01", b"\x01old"], (b"old", b"", 0)),
        ([b"\x02bad", b"\x03" + error], None),
    ):
        async with serve(
            _apiserver_exec(frames), "127.0.0.1", 0, select_subprotocol=select
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            pods = await _client(port)
            try:
                session = pods.exec_session("pod", ["anything"])
                async with session:
                    assert session.protocol.name == (chosen or "channel.k8s.io")
                if expected is not None:
                    result = await pods.exec("pod", ["anything"])
                    assert (result.stdout, result.stderr, result.exit_code) == expected
                else:
                    with pytest.raises(CommandError, match="exit status 2"):
                        await pods.exec("pod", ["anything"])
            finally:
                await pods.rest.transport.aclose()


async def test_kgens_client_refuses_a_protocol_it_did_not_offer() -> None:
    def select(connection: ServerConnection, offered: list[str]) -> str | None:
        return "v9.channel.k8s.io"  # not one of the client's

    async with serve(_apiserver_exec([]), "127.0.0.1", 0, select_subprotocol=select) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        pods = await _client(port)
        try:
            with pytest.raises(StreamProtocolError, match="v9.channel.k8s.io"):
                await pods.exec("pod", ["anything"])
        finally:
            await pods.rest.transport.aclose()
