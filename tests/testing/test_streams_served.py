"""kgen.testing serves exec, attach, port-forward and proxy itself: handlers registered on
``APIServer.streams``, reached by the generated clients' connect methods over loopback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import (
    Container,
    ContainerPort,
    Pod,
    PodSpec,
    Service,
    ServicePort,
    ServiceSpec,
)

from kgen.runtime import (
    APIError,
    CommandError,
    ExecResult,
    NotFound,
    ObjectMeta,
    PortForwardError,
    ServiceUnavailable,
    load_kubeconfig,
)
from kgen.testing import APIServer, CommandFailed, ExecCall, PortConnection


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = f"hello from {self.path}".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[::-1])

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def web() -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def cluster(
    web: int, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[APIServer, Clientset]]:
    tmp = tmp_path_factory.mktemp("kube")

    async def shell(call: ExecCall) -> int:
        if call.command[:1] == ["whoami"]:
            await call.write_stdout(f"{call.pod}/{call.container}\n".encode())
            return 0
        raise CommandFailed(f'exec: "{call.command[0]}": executable file not found in $PATH')

    async def raw_http(conn: PortConnection) -> None:
        request = await conn.read()
        assert request.startswith(b"GET /fn HTTP/1.1\r\n")
        await conn.write(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nfunction")

    with APIServer.from_package("example_client") as server:
        server.streams.on_exec(shell)
        server.streams.on_port_forward(8080, ("127.0.0.1", web))
        server.streams.on_port_forward(9090, raw_http)
        cs = Clientset(load_kubeconfig(server.kubeconfig(tmp / "config")))
        pods = cs.core_v1.pods("default")
        for name, labels, phase in (("web-1", {"app": "web"}, "Running"), ("idle", {}, "Pending")):
            pods.create(
                Pod(
                    metadata=ObjectMeta(name=name, labels=labels),
                    spec=PodSpec(
                        containers=[
                            Container(
                                name="main",
                                image="nginx",
                                ports=[ContainerPort(name="http", container_port=8080)],
                            )
                        ],
                        node_name="node-1",
                    ),
                )
            )
            pods.patch_status(name, {"status": {"phase": phase}})
        cs.core_v1.services("default").create(
            Service(
                metadata=ObjectMeta(name="web"),
                spec=ServiceSpec(
                    selector={"app": "web"},
                    ports=[ServicePort(name="http", port=80, target_port="http")],
                ),
            )
        )
        yield server, cs
        cs.close()


def test_handlers_registered_on_the_server_serve_exec(
    cluster: tuple[APIServer, Clientset],
) -> None:
    _, cs = cluster
    pods = cs.core_v1.pods("default")
    assert pods.exec("web-1", ["whoami"]) == ExecResult(b"web-1/main\n", b"", 0)
    with pytest.raises(CommandError, match="executable file not found"):
        pods.exec("web-1", ["nope"])
    with pytest.raises(NotFound):
        pods.exec("missing", ["whoami"])
    with pytest.raises(PortForwardError):
        with pods.port_forward("web-1").stream(7777) as stream:
            stream.read()


def test_pod_proxy_reaches_an_address_or_a_function(cluster: tuple[APIServer, Clientset]) -> None:
    _, cs = cluster
    pods = cs.core_v1.pods("default")
    answer = pods.proxy("web-1", "/index.html", port=8080, params=[("q", "1")])
    assert (answer.status_code, answer.body) == (200, b"hello from /index.html?q=1")
    assert pods.proxy("web-1", "status", port="http").body == b"hello from /status"
    posted = pods.proxy("web-1", "/echo", method="POST", port=8080, body=b"abc")
    assert (posted.status_code, posted.body) == (201, b"cba")
    assert pods.proxy("web-1", "/fn", port=9090).body == b"function"


def test_service_proxy_goes_to_a_running_pod_of_its_selector(
    cluster: tuple[APIServer, Clientset],
) -> None:
    _, cs = cluster
    services = cs.core_v1.services("default")
    answer = services.proxy("web", "/x", port="http")
    assert (answer.status_code, answer.body) == (200, b"hello from /x")
    with pytest.raises(NotFound):
        services.proxy("nope", "/")


def test_proxy_failures_are_typed_errors(cluster: tuple[APIServer, Clientset]) -> None:
    _, cs = cluster
    pods = cs.core_v1.pods("default")
    with pytest.raises(ServiceUnavailable, match="connection refused|Connection refused"):
        pods.proxy("web-1", "/", port=7777)  # nothing listening
    with pytest.raises(ServiceUnavailable, match="not running"):
        pods.proxy("idle", "/", port=8080)
    with pytest.raises(NotFound):
        pods.proxy("missing", "/", port=8080)
    with pytest.raises(APIError):
        pods.proxy("web-1", "/", port="no-such-port")
