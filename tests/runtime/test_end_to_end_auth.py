"""Authentication and TLS end to end: a clientset against kgen.testing's server with real certificates, an
exec plugin that is a real executable, and a token that is refused (401) until refreshed."""

from __future__ import annotations

import json
import os
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from example_client.clientset import AsyncClientset, Clientset

from kgen.runtime._config import load_kubeconfig
from kgen.runtime._errors import TransportError, Unauthorized
from kgen.testing import APIServer

PLUGIN = """#!{python}
import json, os, sys
count_file = {count!r}
count = int(open(count_file).read()) if os.path.exists(count_file) else 0
open(count_file, "w").write(str(count + 1))
tokens = {tokens!r}
token = tokens[min(count, len(tokens) - 1)]
info = json.loads(os.environ["KUBERNETES_EXEC_INFO"])
assert info["spec"]["interactive"] is False
print(json.dumps({{
    "apiVersion": "client.authentication.k8s.io/v1",
    "kind": "ExecCredential",
    "status": {{"token": token, "expirationTimestamp": "2099-01-01T00:00:00Z"}},
}}))
"""


def write_plugin(tmp: Path, tokens: list[str]) -> tuple[Path, Path]:
    count = tmp / "count"
    script = tmp / "plugin"
    script.write_text(PLUGIN.format(python=sys.executable, count=str(count), tokens=tokens))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, count


def kubeconfig(tmp: Path, server: APIServer, user: dict) -> Path:
    import base64

    assert server.ca_pem is not None
    path = tmp / "kubeconfig"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "c",
                        "cluster": {
                            "server": server.url,
                            "certificate-authority-data": base64.b64encode(server.ca_pem).decode(),
                        },
                    }
                ],
                "users": [{"name": "u", "user": user}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def tls_server() -> APIServer:
    with APIServer.from_package("example_client", tls=True, token="good-token") as server:
        yield server  # type: ignore[misc]


def test_tls_is_verified_and_an_exec_token_is_refreshed_on_401(
    tls_server: APIServer, tmp_path: Path
) -> None:
    # The plugin first hands out a token the server refuses, then the good one.
    script, count = write_plugin(tmp_path, ["stale-token", "good-token"])
    config = load_kubeconfig(
        kubeconfig(
            tmp_path,
            tls_server,
            {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": str(script),
                    "interactiveMode": "Never",
                }
            },
        )
    )
    with Clientset(config) as cs:
        assert cs.core_v1.namespaces().get("default").metadata.name == "default"  # type: ignore[union-attr]
        assert count.read_text() == "2"  # ran once, got a 401, ran again
        cs.core_v1.namespaces().list()
        cs.core_v1.configmaps("default").list()
        assert count.read_text() == "2"  # cached until it expires


async def test_async_clientset_over_tls(tls_server: APIServer, tmp_path: Path) -> None:
    config = load_kubeconfig(kubeconfig(tmp_path, tls_server, {"token": "good-token"}))
    async with AsyncClientset(config) as cs:
        assert (await cs.core_v1.namespaces().get("default")).metadata.name == "default"  # type: ignore[union-attr]


def test_a_wrong_ca_fails_and_a_wrong_token_is_unauthorized(
    tls_server: APIServer, tmp_path: Path
) -> None:
    import trustme

    other_ca = trustme.CA()
    config = load_kubeconfig(kubeconfig(tmp_path, tls_server, {"token": "good-token"}))
    config.ca_data = other_ca.cert_pem.bytes()
    with Clientset(config) as cs, pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
        cs.core_v1.namespaces().list()
    bad = load_kubeconfig(kubeconfig(tmp_path, tls_server, {"token": "bad-token"}))
    with Clientset(bad) as cs, pytest.raises(Unauthorized) as info:
        cs.core_v1.namespaces().list()
    assert info.value.code == 401
    assert "bad-token" not in str(info.value)  # secrets never appear in errors
    # A static token cannot change: the 401 is not answered by sending the same request again.
    assert tls_server.faults.record  # on by default
    tls_server.faults.requests.clear()
    with Clientset(bad) as cs, pytest.raises(Unauthorized):
        cs.core_v1.namespaces().get("default")
    assert [r.code for r in tls_server.faults.requests] == [401]


def test_client_certificate_authentication(tmp_path: Path) -> None:
    with APIServer.from_package("example_client", tls=True, client_cert=True) as server:
        path = server.kubeconfig(tmp_path / "kubeconfig")
        config = load_kubeconfig(path)
        assert config.client_cert_data is not None
        with Clientset(config) as cs:
            assert cs.core_v1.namespaces().get("default").metadata is not None
        config.client_cert_data = config.client_key_data = None
        with Clientset(config) as cs, pytest.raises((Unauthorized, TransportError)):
            cs.core_v1.namespaces().get("default")


def test_kgen_generate_from_cluster(tls_server: APIServer, tmp_path: Path) -> None:
    path = kubeconfig(tmp_path, tls_server, {"token": "good-token"})
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kgen.cli",
            "generate",
            "-q",
            "--from-cluster",
            "--kubeconfig",
            str(path),
            "--include",
            "example.kgen.io/*",
            "--output",
            str(tmp_path / "out"),
            "--package",
            "from_cluster",
        ],
        capture_output=True,
        text=True,
        env={**os.environ},
    )
    assert result.returncode == 0, result.stderr
    models = (tmp_path / "out" / "from_cluster" / "models" / "example_kgen_io_v1.py").read_text()
    assert "class Widget(KubernetesObject" in models and "class WidgetSpec(" in models
    assert "proxy_url_2" in models
    clients = (tmp_path / "out" / "from_cluster" / "clients" / "example_kgen_io_v1.py").read_text()
    assert "class WidgetClient(" in clients and "ScaleSubresource[Widget, WidgetList]" in clients
    init = (tmp_path / "out" / "from_cluster" / "__init__.py").read_text()
    assert "cluster:/openapi/v3/apis/example.kgen.io/v1" in init and "127.0.0.1" not in init
    assert ssl  # the cluster was reached over TLS with the CA from the kubeconfig
