# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""exec, attach and port-forward over WebSocket: kgen's client against kgen.testing's handler engine.

The server is kgen.testing's API server with the pods' connect routes in front of its router
(``PodConnectRoutes``, as kgen.testing will serve them), so the upgrade goes through kgen's whole
transport over loopback.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from example_client.clients.core_v1 import PodClient
from example_client.clientset import Clientset
from example_client.models.core_v1 import Container, Pod, PodSpec, PodStatus

from kgen.runtime._sync.primitives import sleep
from kgen.runtime._channels import (
    STDERR,
    STDOUT,
    CommandError,
    NonZeroExitError,
    PortForwardError,
    StreamClosed,
    StreamProtocolError,
)
from kgen.runtime._errors import BadRequest, NotFound, ServerError
from kgen.runtime._meta import ObjectMeta
from kgen.runtime import ExecResult, KubernetesError, ResourceNotSupported
from kgen.testing import APIServer
from streaming_handlers import PROGRESS, handlers  # noqa: F401 - handlers: a fixture

pytestmark = pytest.mark.usefixtures("handlers")

BIG = 4 * 1024 * 1024


def running_pod(name: str, containers: tuple[str, ...] = ("main",), phase: str = "Running") -> Pod:
    return Pod(
        metadata=ObjectMeta(name=name),
        spec=PodSpec(
            containers=[Container(name=c, image="busybox") for c in containers], node_name="node-1"
        ),
        status=PodStatus(phase=phase),
    )


@pytest.fixture
def pod(cs: Clientset, namespace: str) -> str:
    name = f"p-{uuid.uuid4().hex[:6]}"
    start_pod(cs, namespace, running_pod(name))
    return name


def start_pod(cs: Clientset, namespace: str, pod: Pod) -> None:
    """Create ``pod`` and give it its status (create drops status, as kube-apiserver does)."""
    assert pod.metadata is not None and pod.metadata.name is not None and pod.status is not None
    pods = cs.core_v1.pods(namespace)
    pods.create(pod)
    pods.patch_status(pod.metadata.name, {"status": {"phase": pod.status.phase}})


@pytest.fixture
def pods(cs: Clientset, namespace: str) -> PodClient:
    """The generated pod client of the test's namespace: its connect methods are what is tested."""
    return cs.core_v1.pods(namespace)


def test_exec_returns_stdout_stderr_and_exit_code(
    pods: PodClient, namespace: str, pod: str
) -> None:
    result = pods.exec(pod, ["echo", "hi", "there"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"hi there\n", b"to stderr\n", 0)


def test_a_non_zero_exit_is_a_result_or_a_typed_error_when_asked(
    pods: PodClient, namespace: str, pod: str
) -> None:
    result = pods.exec(pod, ["exit", "3"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"", b"failing\n", 3)
    with pytest.raises(NonZeroExitError) as caught:
        pods.exec(pod, ["exit", "7"], check=True)
    assert (caught.value.exit_code, caught.value.stderr) == (7, b"failing\n")


def test_stdin_is_fed_while_output_is_read_and_closed_at_its_end(
    pods: PodClient, namespace: str, pod: str
) -> None:
    # More than every buffer on the way holds: writing it all before reading would dead-lock.
    data = os.urandom(BIG)
    result = pods.exec(pod, ["cat"], stdin=data)
    assert result.exit_code == 0
    assert result.stdout == data


def test_a_streaming_session_reads_output_as_it_comes(
    pods: PodClient, namespace: str, pod: str
) -> None:
    with pods.exec_session(pod, ["cat"], stdin=True) as session:
        assert session.protocol is not None and session.protocol.name == "v5.channel.k8s.io"
        session.write_stdin(b"one")
        assert session.read() == (STDOUT, b"one")
        session.write_stdin(b"two")
        assert session.read() == (STDOUT, b"two")
        session.close_stdin()
        result = session.wait()
    assert (result.stdout, result.exit_code) == (b"", 0)


def test_resize_reaches_the_terminal(pods: PodClient, namespace: str, pod: str) -> None:
    with pods.exec_session(pod, ["tty"], tty=True) as session:
        session.resize(80, 24)
        session.resize(132, 43)
        result = session.wait()
    assert (result.stdout, result.exit_code) == (b"132x43", 0)
    assert PROGRESS.sizes[-2:] == [(80, 24), (132, 43)]
    with pytest.raises(ValueError):
        with pods.exec_session(pod, ["cat"]) as session:
            session.resize(80, 24)


def test_a_v4_server_has_no_stdin_close(pods: PodClient, namespace: str, pod: str) -> None:
    session = pods.exec_session(pod, ["cat"], stdin=True, protocols=["v4.channel.k8s.io"])
    with session:
        assert session.protocol is not None and session.protocol.version == 4
        session.write_stdin(b"abc")
        assert session.read() == (STDOUT, b"abc")
        with pytest.raises(StreamProtocolError):
            session.close_stdin()
    # The one-call form says so at once rather than wait for a command that waits for its input.
    with pytest.raises(StreamProtocolError, match="cannot close stdin"):
        pods.exec(pod, ["cat"], stdin=b"never ends", protocols=["v4.channel.k8s.io"])


def test_the_base64_protocol_carries_the_same(pods: PodClient, namespace: str, pod: str) -> None:
    session = pods.exec_session(pod, ["echo", "b64"], protocols=["v4.base64.channel.k8s.io"])
    with session:
        result = session.wait()
    assert (result.stdout, result.stderr, result.exit_code) == (b"b64\n", b"to stderr\n", 0)


@pytest.mark.parametrize(
    "offered",
    [
        ["v3.channel.k8s.io"],
        ["v2.channel.k8s.io"],
        ["channel.k8s.io"],
        ["base64.channel.k8s.io"],
    ],
)
def test_the_older_protocols_when_the_client_offers_no_newer(
    pods: PodClient, namespace: str, pod: str, offered: list[str]
) -> None:
    session = pods.exec_session(pod, ["echo", "old"], protocols=offered)
    with session:
        assert session.protocol is not None and session.protocol.name == offered[0]
        result = session.wait()
    assert (result.stdout, result.stderr, result.exit_code) == (b"old\n", b"to stderr\n", 0)
    # Before v4 the error channel is text: a non-zero exit is an error without a code.
    with pytest.raises(CommandError, match="non-zero exit code: exit status 3"):
        pods.exec(pod, ["exit", "3"], protocols=offered)


def test_attach_reads_the_process(pods: PodClient, namespace: str, pod: str) -> None:
    # kgen.testing's attach handler is the same shell with no command: it cannot run.
    with pytest.raises(CommandError):
        pods.attach(pod)


def test_bad_input_gets_typed_errors(
    cs: Clientset, pods: PodClient, namespace: str, pod: str
) -> None:
    with pytest.raises(NotFound):
        pods.exec("no-such-pod", ["echo"])
    with pytest.raises(BadRequest, match="container nope is not valid"):
        pods.exec(pod, ["echo"], container="nope")
    with pytest.raises(CommandError, match="executable file not found") as caught:
        pods.exec(pod, ["no-such-command"])
    assert caught.value.reason == "InternalError"
    start_pod(cs, namespace, running_pod("done", phase="Succeeded"))
    with pytest.raises(ServerError, match="container not found"):
        pods.exec("done", ["echo"])
    start_pod(cs, namespace, running_pod("two", ("a", "b")))
    with pytest.raises(BadRequest, match="choose one of"):
        pods.exec("two", ["echo"])
    with pytest.raises(TypeError):
        pods.exec(pod, "echo hi")  # type: ignore[arg-type]


def test_a_stream_the_server_cuts_is_a_typed_error(
    api_server: APIServer, pods: PodClient, namespace: str, pod: str
) -> None:
    PROGRESS.started.clear()
    with pods.exec_session(pod, ["sleep"]) as session:
        while not PROGRESS.started.is_set():
            sleep(0.01)
        http = api_server._http
        assert http is not None and api_server._loop is not None
        asyncio.run_coroutine_threadsafe(http.drop_connections(), api_server._loop).result()
        with pytest.raises(StreamClosed):
            session.wait()


def test_a_slow_reader_holds_the_server_back(pods: PodClient, namespace: str, pod: str) -> None:
    with pods.exec_session(pod, ["flood"]) as session:
        first = session.read()
        assert first is not None
        got = len(first[1])
        sleep(0.5)  # time for an unbounded server to run far ahead
        # Socket buffers and one read's worth: far less than the 256 MiB it would write.
        assert PROGRESS.written - got < 32 * 1024 * 1024
        for _ in range(64):
            chunk = session.read()
            assert chunk is not None and chunk[0] == STDOUT
            got += len(chunk[1])
        assert PROGRESS.written - got < 32 * 1024 * 1024


def test_port_forward_streams_to_a_local_address_and_to_a_function(
    pods: PodClient, namespace: str, pod: str
) -> None:
    forward = pods.port_forward(pod)
    data = os.urandom(BIG)
    with forward.stream(8080) as stream:
        stream.write(data)
        echoed = bytearray()
        while len(echoed) < len(data):
            chunk = stream.read()
            assert chunk
            echoed += chunk
    assert bytes(echoed) == data
    with forward.stream(9090) as stream:
        stream.write(b"kgen")
        assert stream.read() == b"hello kgen"
        assert stream.read() == b""


def test_port_forward_to_a_port_with_nothing_listening(
    pods: PodClient, namespace: str, pod: str
) -> None:
    with pods.port_forward(pod).stream(7777) as stream:
        with pytest.raises(
            PortForwardError, match="connection refused|Connection refused"
        ) as caught:
            stream.read()
    assert caught.value.port == 7777


def test_stderr_and_stdout_arrive_on_their_channels(
    pods: PodClient, namespace: str, pod: str
) -> None:
    with pods.exec_session(pod, ["echo", "x"]) as session:
        chunks = []
        while (chunk := session.read()) is not None:
            chunks.append(chunk)
    assert sorted(chunks) == [(STDOUT, b"x\n"), (STDERR, b"to stderr\n")]
    assert session.exit_code == 0


# --- the generated clients' connect methods (kgen.runtime's connect mixins) ------------------------


def test_the_generated_pod_client_execs_attaches_and_forwards(
    cs: Clientset, namespace: str, pod: str
) -> None:
    pods = cs.core_v1.pods(namespace)
    result = pods.exec(pod, ["echo", "generated"])
    assert result == ExecResult(b"generated\n", b"to stderr\n", 0)
    with pytest.raises(NonZeroExitError) as caught:
        pods.exec(pod, ["exit", "5"], check=True)
    assert caught.value.exit_code == 5 and isinstance(caught.value, KubernetesError)
    with pods.exec_session(pod, ["cat"], stdin=True) as session:
        session.write_stdin(b"ping")
        assert session.read() == (STDOUT, b"ping")
        session.close_stdin()
        assert (session.wait()).exit_code == 0
    with pytest.raises(CommandError):
        pods.attach(pod)
    with pods.port_forward(pod).stream(9090) as stream:
        stream.write(b"mixin")
        assert stream.read() == b"hello mixin"


def test_connect_methods_need_a_namespace_and_a_list_of_arguments(cs: Clientset, pod: str) -> None:
    every = cs.core_v1.pods(None)
    with pytest.raises(ResourceNotSupported):
        every.exec_session(pod, ["echo"])
    with pytest.raises(ResourceNotSupported):
        every.port_forward(pod)
    with pytest.raises(TypeError):
        cs.core_v1.pods("default").exec_session(pod, "echo hi")  # type: ignore[arg-type]
