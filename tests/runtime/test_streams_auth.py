"""The WebSocket upgrade is an ordinary request of kgen's transport: TLS and credentials as for any other.

A kgen.testing server over HTTPS that requires one token; the client's token file holds a stale one
until after the transport has read it, so the upgrade is answered 401, the file is read again and
the upgrade sent again — as for every other request.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from example_client.clientset import AsyncClientset

from kgen.runtime import AsyncTransport, Config
from kgen.runtime._credentials import StaticToken, TokenFile
from kgen.runtime._errors import TransportError, Unauthorized
from kgen.testing import APIServer
from kgen.testing.kubelet import demo_handlers
from kgen.testing.connect import serve_on


@pytest.fixture(scope="module")
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client", tls=True, token="fresh-token") as server:
        serve_on(server, demo_handlers())
        assert server.ca_pem is not None
        verify = ssl.create_default_context(cadata=server.ca_pem.decode())
        with httpx.Client(base_url=server.url, headers=server.headers(), verify=verify) as client:
            pod = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": "pod"},
                "spec": {"nodeName": "n", "containers": [{"name": "main", "image": "busybox"}]},
            }
            assert client.post("/api/v1/namespaces/default/pods", json=pod).status_code == 201
            running = client.patch(
                "/api/v1/namespaces/default/pods/pod/status",
                content=b'{"status": {"phase": "Running"}}',
                headers={"Content-Type": "application/merge-patch+json"},
            )
            assert running.status_code == 200, running.text
        yield server


def config(server: APIServer, token_file: Path, *, ca: bytes | None) -> Config:
    return Config(server=server.url, ca_data=ca, credentials=TokenFile(str(token_file)), qps=0)


async def test_a_401_on_the_upgrade_refreshes_the_token_and_upgrades(
    server: APIServer, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("stale-token")
    transport = AsyncTransport(config(server, token, ca=server.ca_pem))
    try:
        pods = AsyncClientset(transport=transport).core_v1.pods("default")
        with pytest.raises(Unauthorized):
            await pods.exec("pod", ["echo", "no"])  # the file still says stale
        token.write_text("fresh-token")  # rotated: the next 401 re-reads it
        result = await pods.exec("pod", ["echo", "over", "TLS"])
        assert (result.stdout, result.exit_code) == (b"over TLS\n", 0)
        async with pods.port_forward("pod").stream(9001) as stream:
            await stream.write(b"tls")
            assert await stream.read() == b"tls"
    finally:
        await transport.aclose()


async def test_the_servers_certificate_is_checked_as_for_any_request(
    server: APIServer, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text("fresh-token")
    transport = AsyncTransport(config(server, token, ca=None))  # the system store: not our CA
    try:
        pods = AsyncClientset(transport=transport).core_v1.pods("default")
        with pytest.raises(TransportError):
            await pods.exec("pod", ["echo", "no"])
    finally:
        await transport.aclose()


async def test_streams_go_through_the_configured_proxy(server: APIServer, tmp_path: Path) -> None:
    """A kubeconfig proxy-url: the upgrade is tunnelled (CONNECT) as every other request is, to a
    host name only the proxy resolves."""
    from test_proxy import HIDDEN_HOST, Proxy, hidden_config

    proxy = Proxy()
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        settings = hidden_config(tmp_path, server, **{"proxy-url": proxy.url})
        settings.credentials = StaticToken("fresh-token")
        settings.qps = 0
        async with AsyncTransport(settings) as transport:
            pods = AsyncClientset(transport=transport).core_v1.pods("default")
            result = await pods.exec("pod", ["echo", "proxied"])
            assert (result.stdout, result.exit_code) == (b"proxied\n", 0)
            async with pods.port_forward("pod").stream(9001) as stream:
                await stream.write(b"tunnelled")
                assert await stream.read() == b"tunnelled"
        port = server.url.rsplit(":", 1)[1]
        assert proxy.requests[:2] == [f"CONNECT {HIDDEN_HOST}:{port}"] * 2  # one per upgrade
    finally:
        proxy.shutdown()
        proxy.server_close()
