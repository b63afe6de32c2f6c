"""kgen-only: TLS, bearer tokens, client certificates and kubeconfig files."""

from __future__ import annotations

import base64
import ssl
import tempfile
from pathlib import Path

import httpx
import pytest
import yaml
from kubehelp import assert_status

from kgen.testing import APIServer


def _verify(server: APIServer) -> ssl.SSLContext:
    assert server.ca_pem is not None
    return ssl.create_default_context(cadata=server.ca_pem.decode())


def test_tls() -> None:
    with APIServer(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with httpx.Client(base_url=server.url, verify=_verify(server)) as client:
            assert client.get("/api/v1/namespaces/default").status_code == 200
        with httpx.Client(base_url=server.url) as untrusted:
            with pytest.raises(httpx.ConnectError):
                untrusted.get("/version")


def test_any_token_by_default() -> None:
    with APIServer() as server, httpx.Client(base_url=server.url) as client:
        assert (
            client.get(
                "/api/v1/namespaces", headers={"Authorization": "Bearer whatever"}
            ).status_code
            == 200
        )
        assert client.get("/api/v1/namespaces").status_code == 200


def test_required_token() -> None:
    with APIServer(token="s3cret") as server, httpx.Client(base_url=server.url) as client:
        wrong = client.get("/api/v1/namespaces", headers={"Authorization": "Bearer nope"})
        assert assert_status(wrong, 401, "Unauthorized", "Unauthorized")["code"] == 401
        missing = client.get("/api/v1/namespaces")
        assert_status(missing, 401, "Unauthorized", "Unauthorized")
        ok = client.get("/api/v1/namespaces", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        assert client.get("/healthz").status_code == 200  # public without credentials
        assert client.get("/version").status_code == 200


def test_client_certificate() -> None:
    with APIServer(client_cert=True, token="only-with-cert") as server:
        assert server.client_cert_pem and server.client_key_pem
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = Path(tmp, "c.pem"), Path(tmp, "k.pem")
            cert.write_bytes(server.client_cert_pem)
            key.write_bytes(server.client_key_pem)
            context = _verify(server)
            context.load_cert_chain(cert, key)
            with httpx.Client(base_url=server.url, verify=context) as client:
                assert client.get("/api/v1/namespaces").status_code == 200
        with httpx.Client(base_url=server.url, verify=_verify(server)) as anonymous:
            assert anonymous.get("/api/v1/namespaces").status_code == 401


def test_kubeconfig_with_token(tmp_path: Path) -> None:
    with APIServer(tls=True, token="t0k") as server:
        path = server.kubeconfig(tmp_path / "config")
        config = yaml.safe_load(path.read_text())
        cluster = config["clusters"][0]["cluster"]
        assert cluster["server"] == server.url
        assert base64.b64decode(cluster["certificate-authority-data"]) == server.ca_pem
        assert config["users"][0]["user"] == {"token": "t0k"}
        assert config["current-context"] == "kgen"

        from kgen.runtime._config import load_kubeconfig

        loaded = load_kubeconfig(path)
        assert loaded.server == server.url
        with httpx.Client(base_url=loaded.server, verify=loaded.ssl_context()) as client:
            response = client.get("/api/v1/namespaces", headers={"Authorization": "Bearer t0k"})
            assert response.status_code == 200


def test_kubeconfig_with_client_certificate(tmp_path: Path) -> None:
    with APIServer(client_cert=True) as server:
        config = yaml.safe_load(server.kubeconfig(tmp_path / "config").read_text())
        user = config["users"][0]["user"]
        assert base64.b64decode(user["client-certificate-data"]) == server.client_cert_pem
        assert base64.b64decode(user["client-key-data"]) == server.client_key_pem


async def test_async_context_manager() -> None:
    async with APIServer() as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            response = await client.get("/api/v1/namespaces/kube-system")
            assert response.status_code == 200


def test_start_is_quick_and_ports_differ() -> None:
    with APIServer() as one, APIServer() as two:
        assert one.url != two.url
