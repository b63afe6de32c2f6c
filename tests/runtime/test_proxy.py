"""Proxies as client-go uses them: a kubeconfig ``proxy-url`` for http and https servers, the
environment's HTTPS_PROXY/HTTP_PROXY/NO_PROXY otherwise, never a password in a repr or an error.

The end-to-end tests go through a real proxy on loopback (CONNECT tunnels for https, absolute-form
forwarding for http) to kgen.testing's server, under a host name only the proxy can resolve.
"""

from __future__ import annotations

import json
import select
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_client.clientset import Clientset

from kgen.runtime._config import Config, ConfigError, load_kubeconfig
from kgen.runtime._errors import TransportError
from kgen.runtime._proxy import mask_url, proxy_from_environment
from kgen.testing import APIServer

HIDDEN_HOST = "kgen-proxied.test"  # resolvable only through the proxy


# --- the rules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("server", "env", "expected"),
    [
        ("https://api.example.com", {"HTTPS_PROXY": "http://p:3128"}, "http://p:3128"),
        ("https://api.example.com", {"https_proxy": "p:3128"}, "http://p:3128"),
        (
            "https://api.example.com",
            {"HTTPS_PROXY": "http://a", "https_proxy": "http://b"},
            "http://a",
        ),
        ("https://api.example.com", {"HTTP_PROXY": "http://p"}, None),  # https takes HTTPS_PROXY
        ("http://api.example.com", {"HTTP_PROXY": "http://p"}, "http://p"),
        ("https://localhost:6443", {"HTTPS_PROXY": "http://p"}, None),  # loopback: never
        ("https://127.0.0.1:6443", {"HTTPS_PROXY": "http://p"}, None),
        ("https://[::1]:6443", {"HTTPS_PROXY": "http://p"}, None),
        ("https://api.example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "*"}, None),
        ("https://api.example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"}, None),
        ("https://example.com", {"HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"}, None),
        (
            "https://example.com",
            {"HTTPS_PROXY": "http://p", "NO_PROXY": ".example.com"},
            "http://p",
        ),
        ("https://a.example.com", {"HTTPS_PROXY": "http://p", "no_proxy": "*.example.com"}, None),
        (
            "https://notexample.com",
            {"HTTPS_PROXY": "http://p", "NO_PROXY": "example.com"},
            "http://p",
        ),
        ("https://10.1.2.3", {"HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"}, None),
        ("https://11.1.2.3", {"HTTPS_PROXY": "http://p", "NO_PROXY": "10.0.0.0/8"}, "http://p"),
        ("https://10.1.2.3", {"HTTPS_PROXY": "http://p", "NO_PROXY": "10.1.2.3"}, None),
        ("https://h.example:6443", {"HTTPS_PROXY": "http://p", "NO_PROXY": "h.example:6443"}, None),
        (
            "https://h.example:443",
            {"HTTPS_PROXY": "http://p", "NO_PROXY": "h.example:6443"},
            "http://p",
        ),
    ],
)
def test_the_environment_decides_as_go_does(server: str, env: dict, expected: str | None) -> None:
    assert proxy_from_environment(server, env) == expected


def test_passwords_are_masked() -> None:
    assert mask_url("http://alice:s3cret@proxy:3128/x") == "http://alice:***@proxy:3128/x"
    assert mask_url("socks5://bob@proxy:1080") == "socks5://bob@proxy:1080"
    assert mask_url("http://proxy:3128") == "http://proxy:3128"
    config = Config(server="https://k", proxy_url="http://alice:s3cret@proxy:3128")
    assert "s3cret" not in repr(config) and "alice:***@proxy" in repr(config)


def test_kubeconfig_errors_and_reprs_hide_the_proxy_password(tmp_path: Path) -> None:
    path = tmp_path / "config"
    cluster = {"server": "https://k", "proxy-url": "ftp://alice:s3cret@proxy"}
    path.write_text(json.dumps(kubeconfig_doc(cluster, {"token": "t"})))
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path)
    assert "s3cret" not in str(info.value) and "alice:***@proxy" in str(info.value)
    from kgen.runtime._kubeconfig.loading import load

    cluster["proxy-url"] = "http://alice:s3cret@proxy:3128"
    path.write_text(json.dumps(kubeconfig_doc(cluster, {"token": "t"})))
    assert "s3cret" not in repr(load(path))


def test_a_socks_proxy_without_socksio_names_the_extra(tmp_path: Path) -> None:
    pytest.importorskip("httpx")
    try:
        import socksio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("socksio is installed here: the missing-package error cannot happen")
    config = Config(server="https://203.0.113.1:6443", proxy_url="socks5://user:pw@proxy:1080")
    with pytest.raises(ConfigError) as info, Clientset(config) as cs:
        cs.core_v1.namespaces().list()
    message = str(info.value)
    assert "kgen[socks]" in message and "proxy-url" in message and "pw" not in message


# --- through a real proxy -------------------------------------------------------------------------


class Proxy(socketserver.ThreadingTCPServer):
    """An HTTP proxy for tests: CONNECT tunnels and absolute-form forwarding (one request per
    connection), with ``HIDDEN_HOST`` resolved to loopback. Records what it was asked."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.requests: list[str] = []
        self.authorization: list[str | None] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class ProxyHandler(socketserver.StreamRequestHandler):
    server: Proxy

    def handle(self) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.connection.recv(65536)
            if not chunk:
                return
            head += chunk
        head, _, rest = head.partition(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ")
        self.server.requests.append(f"{method} {target}")
        headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
        self.server.authorization.append(headers.get("proxy-authorization"))
        if method == "CONNECT":
            upstream = self._connect(target)
            self.connection.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                upstream.sendall(rest)
            self._pipe(upstream, rewrite_response=False)
            return
        # Absolute form: "GET http://host:port/path HTTP/1.1" goes upstream as "GET /path".
        scheme_and_host, _, path = target.partition("://")[2].partition("/")
        upstream = self._connect(
            scheme_and_host if ":" in scheme_and_host else scheme_and_host + ":80"
        )
        kept = [h for h in header_lines if not h.lower().startswith(("connection:", "proxy-"))]
        forwarded = "\r\n".join([f"{method} /{path} {version}", *kept, "Connection: close"])
        upstream.sendall(forwarded.encode("latin-1") + b"\r\n\r\n" + rest)
        self._pipe(upstream, rewrite_response=True)

    def _connect(self, host_port: str) -> socket.socket:
        host, _, port = host_port.rpartition(":")
        if host == HIDDEN_HOST:
            host = "127.0.0.1"
        return socket.create_connection((host, int(port)))

    def _pipe(self, upstream: socket.socket, *, rewrite_response: bool) -> None:
        """Bytes both ways until either side closes. A forwarded answer is marked Connection: close,
        so that the client does not reuse a connection this proxy is about to close."""
        client = self.connection
        pending_head = b"" if rewrite_response else None
        try:
            while True:
                readable, _, _ = select.select([client, upstream], [], [], 30)
                if not readable:
                    return
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    if sock is client:
                        upstream.sendall(data)
                        continue
                    if pending_head is not None:
                        pending_head += data
                        if b"\r\n\r\n" not in pending_head:
                            continue
                        status, _, remainder = pending_head.partition(b"\r\n")
                        data = status + b"\r\nConnection: close\r\n" + remainder
                        pending_head = None
                    client.sendall(data)
        finally:
            upstream.close()


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    server = Proxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def kubeconfig_doc(cluster: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
        "current-context": "x",
    }


def hidden_config(tmp_path: Path, server: APIServer, **cluster: Any) -> Config:
    port = server.url.rsplit(":", 1)[1]
    scheme = "https" if server.tls else "http"
    entry: dict[str, Any] = {"server": f"{scheme}://{HIDDEN_HOST}:{port}", **cluster}
    if server.tls:
        import base64

        assert server.ca_pem is not None
        entry["certificate-authority-data"] = base64.b64encode(server.ca_pem).decode()
        entry["tls-server-name"] = "localhost"  # the certificate names loopback, not HIDDEN_HOST
    path = tmp_path / "config"
    path.write_text(json.dumps(kubeconfig_doc(entry, {"token": "kgen-test-token"})))
    return load_kubeconfig(path)


@pytest.fixture(scope="module")
def https_server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client", tls=True) as server:
        yield server


@pytest.fixture(scope="module")
def http_server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as server:
        yield server


def test_proxy_url_tunnels_to_an_https_server(
    tmp_path: Path, https_server: APIServer, proxy: Proxy
) -> None:
    proxy_url = proxy.url.replace("http://", "http://alice:s3cret@")
    config = hidden_config(tmp_path, https_server, **{"proxy-url": proxy_url})
    with Clientset(config) as cs:
        names = {ns.metadata.name for ns in cs.core_v1.namespaces().list().items}
    assert "default" in names
    assert proxy.requests[0] == f"CONNECT {HIDDEN_HOST}:{https_server.url.rsplit(':', 1)[1]}"
    assert proxy.authorization[0] is not None  # the proxy's own credentials, Basic, to the proxy


def test_proxy_url_is_used_for_an_http_server_too(
    tmp_path: Path, http_server: APIServer, proxy: Proxy
) -> None:
    config = hidden_config(tmp_path, http_server, **{"proxy-url": proxy.url})
    with Clientset(config) as cs:
        assert cs.core_v1.namespaces().get("default").metadata.name == "default"
    port = http_server.url.rsplit(":", 1)[1]
    assert proxy.requests == [f"GET http://{HIDDEN_HOST}:{port}/api/v1/namespaces/default"]


def test_https_proxy_from_the_environment_unless_no_proxy(
    tmp_path: Path, https_server: APIServer, proxy: Proxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    config = hidden_config(tmp_path, https_server)
    with Clientset(config) as cs:
        cs.core_v1.namespaces().get("default")
    assert len(proxy.requests) == 1 and proxy.requests[0].startswith(f"CONNECT {HIDDEN_HOST}:")

    monkeypatch.setenv("NO_PROXY", "localhost,.test")  # HIDDEN_HOST is under .test: direct
    with Clientset(hidden_config(tmp_path, https_server)) as cs, pytest.raises(TransportError):
        cs.core_v1.namespaces().get("default")  # ...and nothing resolves it without the proxy
    assert len(proxy.requests) == 1
