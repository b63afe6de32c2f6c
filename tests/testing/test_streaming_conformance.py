"""exec, attach and port-forward: the same tests through kube-apiserver 1.20 and against kgen.testing.

Against kgen.testing the pods' connect routes (``PodConnectRoutes``) serve the busybox-like handlers of
``kgen.testing.kubelet.demo_handlers``. Against a real kube-apiserver (``scripts/conformance.py``) the
requests go through its kubelet proxy to the fake kubelet that ``scripts/realcluster/start.sh`` runs on
the same handlers (Node ``kgen-node``). kgen's client speaks WebSocket; kubectl 1.20 (built by
``scripts/realcluster/build.sh``; those tests are skipped without it) speaks SPDY/3.1 to both.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from example_client.clients.core_v1 import AsyncPodClient
from example_client.clientset import AsyncClientset, Clientset

from kgen.runtime import (
    AsyncProxySubresource,
    AsyncRESTClient,
    AsyncTransport,
    GroupVersionKind,
    KubernetesList,
    KubernetesObject,
    ResourceInfo,
    SubresourceInfo,
    Transport,
    load_kubeconfig,
)
from kgen.runtime._channels import CommandError, NonZeroExitError, PortForwardError
from kgen.runtime._errors import BadRequest, NotFound, ServerError
from kgen.testing import APIServer
from kgen.testing.kubelet import ECHO_PORT, SOURCE_PORT, demo_handlers
from kgen.testing.connect import serve_on

pytestmark = pytest.mark.conformance

TARGET_URL = os.environ.get("KGEN_CONFORMANCE_URL")
TARGET_CA = os.environ.get("KGEN_CONFORMANCE_CA")
NODE = "kgen-node"
CACHE = Path(
    os.environ.get("KGEN_REALCLUSTER_CACHE", Path.home() / ".cache/kgen/kubernetes-1.20.2")
)
KUBECTL = CACHE / "bin" / "kubectl"


@pytest.fixture(scope="session")
def stream_kubeconfig(
    shared_server: APIServer | None, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The kubeconfig of the server under test, whose pods' exec & co. are served."""
    if TARGET_URL:
        path = os.environ.get("KGEN_CONFORMANCE_KUBECONFIG")
        if not path:
            pytest.skip("KGEN_CONFORMANCE_KUBECONFIG is not set")
        return Path(path)
    assert shared_server is not None
    serve_on(shared_server, demo_handlers())
    return shared_server.kubeconfig(tmp_path_factory.mktemp("streams") / "kubeconfig")


@pytest.fixture(scope="session")
def node(client_session: httpx.Client) -> str:
    """The node the pods are bound to (the real one is the fake kubelet's, made by start.sh)."""
    # (kgen.testing's example package does not serve nodes: a pod's nodeName is all it looks at.)
    if TARGET_URL and client_session.get(f"/api/v1/nodes/{NODE}").status_code == 404:
        pytest.skip(f"no node {NODE}: was start.sh run with KGEN_REALCLUSTER_KUBELET=0?")
    return NODE


@pytest.fixture(scope="session")
def client_session(base_url: str, headers: dict[str, str]) -> Iterator[httpx.Client]:
    import ssl

    verify: Any = ssl.create_default_context(cafile=TARGET_CA) if TARGET_CA else True
    with httpx.Client(base_url=base_url, headers=headers, verify=verify, timeout=30) as c:
        yield c


def make_pod(
    client: httpx.Client,
    namespace: str,
    node: str | None,
    phase: str = "Running",
    containers: tuple[str, ...] = ("main",),
) -> str:
    name = f"p-{uuid.uuid4().hex[:6]}"
    spec: dict[str, Any] = {
        "containers": [{"name": c, "image": "busybox"} for c in containers],
        "tolerations": [{"operator": "Exists"}],
    }
    if node is not None:
        spec["nodeName"] = node
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}
    created = client.post(f"/api/v1/namespaces/{namespace}/pods", json=body)
    assert created.status_code == 201, created.text
    patched = client.patch(
        f"/api/v1/namespaces/{namespace}/pods/{name}/status",
        content=b'{"status": {"phase": "%s"}}' % phase.encode(),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    return name


@pytest.fixture
def pod(client: httpx.Client, namespace: str, node: str, stream_kubeconfig: Path) -> str:
    return make_pod(client, namespace, node)


@pytest.fixture
async def transport(stream_kubeconfig: Path) -> AsyncIterator[AsyncTransport]:
    config = load_kubeconfig(stream_kubeconfig)
    config.qps = 0
    async with AsyncTransport(config) as transport:
        yield transport


@pytest.fixture
def pods(transport: AsyncTransport, namespace: str) -> AsyncPodClient:
    """The generated pod client of the test's namespace: its connect methods are what is tested."""
    return AsyncClientset(transport=transport).core_v1.pods(namespace)


class Node(KubernetesObject, kw_only=True):
    """What a package generated with nodes has (the example package has none): for nodes/proxy."""

    GVK = GroupVersionKind("", "v1", "Node")
    RESOURCE = ResourceInfo(
        group="",
        version="v1",
        kind="Node",
        plural="nodes",
        namespaced=False,
        verbs=frozenset({"get", "list"}),
        subresources=(SubresourceInfo(name="proxy", verbs=frozenset({"connect"})),),
    )


class NodeList(KubernetesList[Node], kw_only=True):
    pass


class AsyncNodeClient(AsyncProxySubresource[Node, NodeList]):
    """A generated node client's proxy (the connect mixin every generated client names)."""


@pytest.fixture
def nodes(transport: AsyncTransport) -> AsyncNodeClient:
    return AsyncNodeClient(AsyncRESTClient(transport), Node, NodeList)


async def test_exec_gives_output_and_exit_code(
    pods: AsyncPodClient, namespace: str, pod: str
) -> None:
    result = await pods.exec(pod, ["echo", "hello", "world"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"hello world\n", b"", 0)
    result = await pods.exec(pod, ["sh", "-c", "exit 3"])
    assert (result.stdout, result.stderr, result.exit_code) == (b"", b"exiting with 3\n", 3)
    with pytest.raises(NonZeroExitError) as caught:
        await pods.exec(pod, ["exit", "4"], check=True)
    assert caught.value.exit_code == 4


async def test_exec_feeds_stdin_and_closes_it(
    pods: AsyncPodClient, namespace: str, pod: str
) -> None:
    data = os.urandom(3 * 1024 * 1024)
    async with pods.exec_session(pod, ["cat"], stdin=True) as session:
        # Both servers speak v5 (the fake kubelet behind kube-apiserver 1.20 too: the apiserver
        # passes the upgrade on as it is), which is what lets stdin be closed.
        assert session.protocol.name == "v5.channel.k8s.io"
    result = await pods.exec(pod, ["cat"], stdin=data)
    assert result.exit_code == 0 and result.stdout == data


async def test_v4_is_what_a_1_20_kubelet_offers(
    pods: AsyncPodClient, namespace: str, pod: str
) -> None:
    session = pods.exec_session(
        pod, ["echo", "v4"], protocols=["v4.channel.k8s.io", "channel.k8s.io"]
    )
    async with session:
        assert session.protocol.name == "v4.channel.k8s.io"
        result = await session.wait()
    assert (result.stdout, result.exit_code) == (b"v4\n", 0)


async def test_attach_echoes_stdin(pods: AsyncPodClient, namespace: str, pod: str) -> None:
    result = await pods.attach(pod, stdin=b"attached\n")
    assert (result.stdout, result.exit_code) == (b"attached\n", 0)


async def test_exec_errors_are_typed(
    pods: AsyncPodClient, client: httpx.Client, namespace: str, node: str, pod: str
) -> None:
    with pytest.raises(CommandError, match="executable file not found"):
        await pods.exec(pod, ["no-such-command"])
    with pytest.raises(BadRequest, match=f"container nope is not valid for pod {pod}"):
        await pods.exec(pod, ["echo"], container="nope")
    with pytest.raises(NotFound):
        await pods.exec("no-such-pod", ["echo"])
    pending = make_pod(client, namespace, node, phase="Pending")
    with pytest.raises(ServerError, match='container not found \\("main"\\)'):
        await pods.exec(pending, ["echo"])
    unbound = make_pod(client, namespace, None, phase="Pending")
    with pytest.raises(BadRequest, match="does not have a host assigned"):
        await pods.exec(unbound, ["echo"])
    two = make_pod(client, namespace, node, containers=("a", "b"))
    with pytest.raises(BadRequest, match="a container name must be specified"):
        await pods.exec(two, ["echo"])


async def test_port_forward_streams(pods: AsyncPodClient, namespace: str, pod: str) -> None:
    forward = pods.port_forward(pod)
    async with forward.stream(ECHO_PORT) as stream:
        await stream.write(b"ping")
        assert await stream.read() == b"ping"
    total = 5 * 1024 * 1024
    async with forward.stream(SOURCE_PORT) as stream:
        await stream.write(b"%d\n" % total)
        got = 0
        while data := await stream.read():
            got += len(data)
    assert got == total
    async with forward.stream(7777) as stream:
        with pytest.raises(PortForwardError, match="7777") as caught:
            await stream.read()
    assert caught.value.port == 7777


def _talk(port: int, message: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(message)
        sock.shutdown(socket.SHUT_WR)
        out = b""
        while data := sock.recv(65536):
            out += data
        return out


async def test_port_forward_listens_on_a_local_socket(
    pods: AsyncPodClient, namespace: str, pod: str
) -> None:
    import asyncio

    async with pods.port_forward(pod).listen(SOURCE_PORT) as listener:
        answers = await asyncio.gather(
            *(asyncio.to_thread(_talk, listener.port, b"%d\n" % n) for n in (10, 100000, 3))
        )
        assert [len(a) for a in answers] == [10, 100000, 3]
    async with pods.port_forward(pod).listen(7777) as listener:
        assert await asyncio.to_thread(_talk, listener.port, b"x") == b""  # closed: nothing there
    assert isinstance(listener.errors[-1], PortForwardError)


def test_the_sync_client_runs_the_same(stream_kubeconfig: Path, namespace: str, pod: str) -> None:
    import threading

    config = load_kubeconfig(stream_kubeconfig)
    threads = threading.active_count()
    with Transport(config) as transport:
        pods = Clientset(transport=transport).core_v1.pods(namespace)
        assert pods.exec(pod, ["cat"], stdin=b"sync").stdout == b"sync"
        with pods.port_forward(pod).listen(ECHO_PORT) as listener:
            with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as sock:
                sock.sendall(b"through a local socket")
                assert sock.recv(100) == b"through a local socket"
            # a connection still open when the listener closes is closed with it
            idle = socket.create_connection(("127.0.0.1", listener.port), timeout=10)
            idle.sendall(b"x")
            assert idle.recv(100) == b"x"
        assert idle.recv(100) == b""
        idle.close()
    # stdin's feeder and the listener's threads are gone: nothing is left running
    assert threading.active_count() == threads


# --- kubectl 1.20 (SPDY/3.1) ------------------------------------------------------------------------


def kubectl(kubeconfig: Path, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    return subprocess.run([str(KUBECTL), *args], env=env, capture_output=True, timeout=60, **kwargs)


needs_kubectl = pytest.mark.skipif(
    not KUBECTL.exists(),
    reason=f"no {KUBECTL}: run scripts/realcluster/build.sh",
)


@needs_kubectl
def test_kubectl_exec(stream_kubeconfig: Path, namespace: str, pod: str) -> None:
    done = kubectl(stream_kubeconfig, "exec", "-n", namespace, pod, "--", "echo", "spdy")
    assert (done.returncode, done.stdout) == (0, b"spdy\n"), done.stderr
    done = kubectl(stream_kubeconfig, "exec", "-i", "-n", namespace, pod, "--", "cat", input=b"in")
    assert (done.returncode, done.stdout) == (0, b"in"), done.stderr
    done = kubectl(stream_kubeconfig, "exec", "-n", namespace, pod, "--", "exit", "5")
    assert done.returncode == 5 and b"exiting with 5" in done.stderr
    done = kubectl(stream_kubeconfig, "exec", "-n", namespace, pod, "--", "nosuch")
    assert done.returncode == 1 and b"executable file not found" in done.stderr


@needs_kubectl
def test_kubectl_port_forward(stream_kubeconfig: Path, namespace: str, pod: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "KUBECONFIG": str(stream_kubeconfig)}
    forward = subprocess.Popen(
        [
            str(KUBECTL),
            "port-forward",
            "-n",
            namespace,
            pod,
            f"{port}:{ECHO_PORT}",
            "--address=127.0.0.1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert forward.stdout is not None
        assert b"Forwarding from" in forward.stdout.readline()
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                    sock.sendall(b"over spdy")
                    assert sock.recv(100) == b"over spdy"
                    break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        forward.terminate()
        forward.wait(timeout=10)
        if forward.stdout is not None:
            forward.stdout.close()


async def test_proxy_requests_reach_the_node(nodes: AsyncNodeClient, node: str) -> None:
    if not TARGET_URL:
        pytest.skip(
            "kgen.testing does not serve nodes/proxy yet (the example package has no nodes)"
        )
    # kube-apiserver → the fake kubelet's /healthz, over its kubelet client certificate.
    result = await nodes.proxy(node, "healthz")
    assert (result.status_code, result.body) == (200, b"ok")
    with pytest.raises(NotFound):
        await nodes.proxy(node, "no/such/path")
