"""Config.ssl_context() against a real loopback HTTPS server, with certificates from trustme."""

from __future__ import annotations

import base64
import ssl
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import yaml
from helpers.https_server import HTTPSServer
from helpers.plugins import install_plugin, plugin_env

import kgen.runtime._tls as tls
from kgen.runtime._config import Config, ConfigError, load_kubeconfig
from kgen.runtime._credentials import Credentials
from kgen.runtime._execplugin import ExecConfig, ExecCredentialSource

SERVICE_NAME = "kubernetes.default.svc"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def serve() -> Iterator[Callable[[ssl.SSLContext], HTTPSServer]]:
    servers: list[HTTPSServer] = []

    def start(context: ssl.SSLContext) -> HTTPSServer:
        server = HTTPSServer(context).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def server_context(
    ca: trustme.CA, *names: str, client_ca: trustme.CA | None = None
) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(*names).configure_cert(context)
    if client_ca is not None:
        client_ca.configure_trust(context)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def get(
    config: Config, url: str, credentials: Credentials | None = None, **kwargs: Any
) -> dict[str, Any]:
    with httpx.Client(verify=config.ssl_context(credentials), trust_env=False) as client:
        response = client.get(url, **kwargs)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write_kubeconfig(path: Path, cluster: dict[str, Any], user: dict[str, Any]) -> Path:
    doc = {
        "current-context": "dev",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
    }
    path.write_text(yaml.safe_dump(doc))
    return path


# --- server verification --------------------------------------------------------------------------


def test_verification_is_on_by_default(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "127.0.0.1"))
    config = Config(server=server.url)
    context = config.ssl_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    # The system trust store does not know the trustme CA.
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(config, server.url)


def test_ca_data_is_trusted(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "127.0.0.1"))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes())
    assert get(config, server.url) == {"client_cn": None}


def test_ca_file_from_kubeconfig(ca: trustme.CA, serve: Any, tmp_path: Path) -> None:
    server = serve(server_context(ca, "127.0.0.1"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.crt"))
    path = write_kubeconfig(
        tmp_path / "config", {"server": server.url, "certificate-authority": "ca.crt"}, {}
    )
    assert get(load_kubeconfig(path), server.url) == {"client_cn": None}


def test_wrong_ca_fails(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "127.0.0.1"))
    config = Config(server=server.url, ca_data=trustme.CA().cert_pem.bytes())
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(config, server.url)


def test_insecure_skip_tls_verify(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "somewhere.else"))
    config = Config(server=server.url, insecure_skip_tls_verify=True)
    assert config.ssl_context().verify_mode == ssl.CERT_NONE
    assert get(config, server.url) == {"client_cn": None}


def test_insecure_with_a_ca_is_refused() -> None:
    config = Config(server="https://x", insecure_skip_tls_verify=True, ca_data=b"pem")
    with pytest.raises(ConfigError, match="insecure-skip-tls-verify is not allowed"):
        config.ssl_context()


def test_hostname_is_checked(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, SERVICE_NAME))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes())
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(config, server.url)


def test_tls_server_name(ca: trustme.CA, serve: Any) -> None:
    # The certificate is for kubernetes.default.svc, the server is reached at 127.0.0.1.
    server = serve(server_context(ca, SERVICE_NAME))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes(), tls_server_name=SERVICE_NAME)
    assert get(config, server.url) == {"client_cn": None}
    # The transport may also pass it as httpx's sni_hostname extension: same result.
    assert get(config, server.url, extensions={"sni_hostname": SERVICE_NAME}) == {"client_cn": None}
    assert server.sni_names == [SERVICE_NAME, SERVICE_NAME]


def test_sni_hostname_extension_alone_also_works(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, SERVICE_NAME))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes())
    assert get(config, server.url, extensions={"sni_hostname": SERVICE_NAME}) == {"client_cn": None}


def test_tls_server_name_must_match_the_certificate(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, SERVICE_NAME))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes(), tls_server_name="other.svc")
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        get(config, server.url)


async def test_tls_server_name_with_the_async_client(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, SERVICE_NAME))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes(), tls_server_name=SERVICE_NAME)
    async with httpx.AsyncClient(verify=config.ssl_context(), trust_env=False) as client:
        response = await client.get(server.url)
    assert response.json() == {"client_cn": None}
    assert server.sni_names == [SERVICE_NAME]


def test_tls_server_name_from_kubeconfig(ca: trustme.CA, serve: Any, tmp_path: Path) -> None:
    server = serve(server_context(ca, SERVICE_NAME))
    cluster = {
        "server": server.url,
        "certificate-authority-data": b64(ca.cert_pem.bytes()),
        "tls-server-name": SERVICE_NAME,
    }
    config = load_kubeconfig(write_kubeconfig(tmp_path / "config", cluster, {}))
    assert get(config, server.url) == {"client_cn": None}


# --- client certificates --------------------------------------------------------------------------


def test_client_certificate_from_kubeconfig_data(
    ca: trustme.CA, serve: Any, tmp_path: Path
) -> None:
    server = serve(server_context(ca, "127.0.0.1", client_ca=ca))
    alice = ca.issue_cert("alice@example.com", common_name="alice")
    user = {
        "client-certificate-data": b64(alice.cert_chain_pems[0].bytes()),
        "client-key-data": b64(alice.private_key_pem.bytes()),
    }
    cluster = {"server": server.url, "certificate-authority-data": b64(ca.cert_pem.bytes())}
    config = load_kubeconfig(write_kubeconfig(tmp_path / "config", cluster, user))
    assert get(config, server.url) == {"client_cn": "alice"}


def test_client_certificate_from_kubeconfig_files(
    ca: trustme.CA, serve: Any, tmp_path: Path
) -> None:
    server = serve(server_context(ca, "127.0.0.1", client_ca=ca))
    bob = ca.issue_cert("bob@example.com", common_name="bob")
    (tmp_path / "pki").mkdir()
    bob.cert_chain_pems[0].write_to_path(str(tmp_path / "pki" / "bob.crt"))
    bob.private_key_pem.write_to_path(str(tmp_path / "pki" / "bob.key"))
    ca.cert_pem.write_to_path(str(tmp_path / "pki" / "ca.crt"))
    user = {"client-certificate": "pki/bob.crt", "client-key": "pki/bob.key"}
    cluster = {"server": server.url, "certificate-authority": "pki/ca.crt"}
    config = load_kubeconfig(write_kubeconfig(tmp_path / "config", cluster, user))
    assert get(config, server.url) == {"client_cn": "bob"}


def test_server_rejects_a_client_without_certificate(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "127.0.0.1", client_ca=ca))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes())
    with pytest.raises(httpx.TransportError):
        get(config, server.url)


def test_client_certificate_from_an_exec_plugin(ca: trustme.CA, serve: Any, tmp_path: Path) -> None:
    server = serve(server_context(ca, "127.0.0.1", client_ca=ca))
    carol = ca.issue_cert("carol@example.com", common_name="carol")
    carol.cert_chain_pems[0].write_to_path(str(tmp_path / "carol.crt"))
    carol.private_key_pem.write_to_path(str(tmp_path / "carol.key"))
    plugin = install_plugin(tmp_path / "bin")
    env = plugin_env(
        plugin,
        mode="cert",
        cert_file=str(tmp_path / "carol.crt"),
        key_file=str(tmp_path / "carol.key"),
    )
    source = ExecCredentialSource(ExecConfig(command=str(plugin.path), env=env))
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes(), credentials=source)
    credentials = source.get()
    assert get(config, server.url, credentials) == {"client_cn": "carol"}


def test_exec_certificate_replaces_the_static_one(ca: trustme.CA, serve: Any) -> None:
    server = serve(server_context(ca, "127.0.0.1", client_ca=ca))
    static, rotated = ca.issue_cert("s", common_name="static"), ca.issue_cert(
        "r", common_name="new"
    )
    config = Config(
        server=server.url,
        ca_data=ca.cert_pem.bytes(),
        client_cert_data=static.cert_chain_pems[0].bytes(),
        client_key_data=static.private_key_pem.bytes(),
    )
    credentials = Credentials(
        client_cert_pem=rotated.cert_chain_pems[0].bytes(),
        client_key_pem=rotated.private_key_pem.bytes(),
    )
    assert get(config, server.url) == {"client_cn": "static"}
    assert get(config, server.url, credentials) == {"client_cn": "new"}
    assert get(config, server.url, Credentials(token="t")) == {"client_cn": "static"}


# --- caching and key handling ---------------------------------------------------------------------


def test_contexts_are_cached_per_inputs(ca: trustme.CA) -> None:
    one = Config(server="https://a", ca_data=ca.cert_pem.bytes())
    same = Config(server="https://b", ca_data=ca.cert_pem.bytes(), namespace="x")
    assert one.ssl_context() is one.ssl_context()
    assert one.ssl_context() is same.ssl_context()
    assert one.ssl_context() is not Config(server="https://a", http2=True).ssl_context()
    named = Config(server="https://a", ca_data=ca.cert_pem.bytes(), tls_server_name="n")
    assert named.ssl_context() is not one.ssl_context()


def test_http2_changes_the_alpn_offer(ca: trustme.CA, serve: Any) -> None:
    server_side = server_context(ca, "127.0.0.1")
    server_side.set_alpn_protocols(["h2", "http/1.1"])
    server = serve(server_side)
    config = Config(server=server.url, ca_data=ca.cert_pem.bytes())
    # Offering only http/1.1 keeps an HTTP/2-capable server on HTTP/1.1, which is what httpx speaks
    # here.
    with httpx.Client(verify=config.ssl_context(), trust_env=False) as client:
        assert client.get(server.url).http_version == "HTTP/1.1"


@pytest.mark.parametrize("in_memory", [True, False])
def test_client_keys_leave_no_files_behind(
    ca: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, in_memory: bool
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    cert = ca.issue_cert("dave")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    tls._load_cert_chain(
        context, cert.cert_chain_pems[0].bytes(), cert.private_key_pem.bytes(), in_memory=in_memory
    )
    assert list(tmp_path.iterdir()) == []


def test_bad_material_is_reported_without_key_data(ca: trustme.CA) -> None:
    key = ca.issue_cert("eve").private_key_pem.bytes()
    config = Config(
        server="https://x",
        client_cert_data=ca.issue_cert("mallory").cert_chain_pems[0].bytes(),
        client_key_data=key,
        source="test config",
    )
    with pytest.raises(ConfigError) as info:
        config.ssl_context()
    assert str(info.value).startswith("test config: client-certificate: ")
    assert key.decode().splitlines()[1] not in str(info.value)
    with pytest.raises(ConfigError, match="certificate-authority: not a PEM certificate bundle"):
        Config(server="https://x", ca_data=b"nope").ssl_context()
