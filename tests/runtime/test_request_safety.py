"""Requests that cannot hang and URLs that cannot leak (issue 10.15, 10.16).

The servers here are raw sockets on loopback: one that accepts and never answers, one that records
what it was sent. Nothing of kgen's HTTP layer is replaced.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from example_client.clientset import Clientset

from kgen.runtime import (
    DEFAULT_TIMEOUT,
    KubernetesError,
    Redirected,
    Config,
    TransportError,
    TransportTimeout,
    load_incluster_config,
    load_kubeconfig,
)

PASSWORD = "pa@ss-w0rd-secret"


class RawServer:
    """Accepts connections on loopback; ``answer`` is sent (if any) after the request head arrives."""

    def __init__(self, answer: bytes | None) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            self.requests.append(data)
            if self.answer is not None:
                conn.sendall(self.answer)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def silent() -> Iterator[RawServer]:
    server = RawServer(answer=None)
    yield server
    server.close()


@pytest.fixture
def recording() -> Iterator[RawServer]:
    body = b'{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","namespace":"default"}}'
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    server = RawServer(answer=head % len(body) + body)
    yield server
    server.close()


def test_every_way_to_get_a_config_has_a_finite_timeout(tmp_path: Path) -> None:
    assert 0 < DEFAULT_TIMEOUT < float("inf")
    assert Config(server="https://example.invalid").timeout == DEFAULT_TIMEOUT
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:6443"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    assert load_kubeconfig(kubeconfig).timeout == DEFAULT_TIMEOUT
    sa = tmp_path / "sa"
    sa.mkdir()
    (sa / "token").write_text("t")
    (sa / "namespace").write_text("default")
    env = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    assert load_incluster_config(environ=env, directory=sa).timeout == DEFAULT_TIMEOUT


def test_a_server_that_never_answers_gives_a_timeout_not_a_hang(silent: RawServer) -> None:
    config = Config(server=f"http://127.0.0.1:{silent.port}", timeout=0.5)
    with Clientset(config) as cs, pytest.raises(TransportTimeout):
        cs.core_v1.configmaps("default").get("x")
    assert silent.requests, "the request reached the server"


def test_a_password_in_the_server_url_becomes_basic_auth_and_is_never_shown(
    recording: RawServer, caplog: pytest.LogCaptureFixture
) -> None:
    config = Config(server=f"http://admin:pa%40ss-w0rd-secret@127.0.0.1:{recording.port}/")
    assert config.server == f"http://127.0.0.1:{recording.port}"
    assert (config.username, config.password) == ("admin", PASSWORD)
    assert PASSWORD not in repr(config) and "pa%40ss" not in repr(config)

    caplog.set_level(logging.DEBUG)
    with Clientset(config) as cs:
        answer = cs.core_v1.configmaps("default").get("x")
    assert answer.metadata is not None and answer.metadata.name == "x"
    head = recording.requests[0].decode("latin-1")
    assert "Authorization: Basic YWRtaW46cGFAc3MtdzByZC1zZWNyZXQ=" in head.replace(
        "authorization", "Authorization"
    )
    assert PASSWORD not in caplog.text and "pa%40ss" not in caplog.text


def test_a_password_in_the_server_url_is_not_in_transport_errors(silent: RawServer) -> None:
    # A port nothing listens on: the connection is refused and the error names the URL.
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = Config(server=f"http://admin:{PASSWORD.replace('@', '%40')}@127.0.0.1:{port}")
    with Clientset(config) as cs, pytest.raises(TransportError) as info:
        cs.core_v1.configmaps("default").get("x")
    assert PASSWORD not in str(info.value) and "pa%40ss" not in str(info.value)


def test_basic_auth_set_explicitly_wins_over_the_url() -> None:
    config = Config(server="https://u:p@host:6443", username="kube", password="config")
    assert config.server == "https://host:6443"
    assert (config.username, config.password) == ("kube", "config")


@pytest.mark.parametrize("code", [301, 302, 307, 308])
def test_a_redirect_is_an_error_naming_the_status_and_where_it_points(code: int) -> None:
    answer = (
        f"HTTP/1.1 {code} Moved\r\nLocation: https://u:hunter2@elsewhere.example/api\r\n"
        "Content-Length: 0\r\n\r\n"
    ).encode()
    server = RawServer(answer=answer)
    try:
        config = Config(server=f"http://127.0.0.1:{server.port}", timeout=5)
        with Clientset(config) as cs, pytest.raises(Redirected) as info:
            cs.core_v1.configmaps("default").get("x")
    finally:
        server.close()
    error = info.value
    assert error.code == code and isinstance(error, KubernetesError)
    assert error.location == "https://u:***@elsewhere.example/api"
    assert f"answered {code}, a redirect to https://u:***@elsewhere.example/api" in str(error)
    assert "hunter2" not in str(error)
    assert len(server.requests) == 1  # not followed
