"""kubeconfig loading as kubectl does: fields, merging, relative paths, errors naming file+field."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

import pytest
import trustme
import yaml

from kgen.runtime._kubeconfig import loading as kc
from kgen.runtime._config import Config, ConfigError, load_kubeconfig
from kgen.runtime._credentials import StaticToken, TokenFile
from kgen.runtime._execplugin import ExecCredentialSource

TOKEN = "s3cr3t-t0ken-do-not-leak"
PASSWORD = "p4ssw0rd-do-not-leak"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def write(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return path


def kubeconfig(
    *,
    cluster: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    current: str | None = "dev",
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "c",
                "cluster": {"server": "https://127.0.0.1:6443"} if cluster is None else cluster,
            }
        ],
        "users": [{"name": "u", "user": user or {}}],
        "contexts": [
            {
                "name": "dev",
                "context": context if context is not None else {"cluster": "c", "user": "u"},
            }
        ],
    }
    if current is not None:
        doc["current-context"] = current
    return doc


def error_for(path: Path, **kwargs: Any) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_kubeconfig(path, **kwargs)
    return info.value


# --- fields ---------------------------------------------------------------------------------------


def test_minimal_context(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(user={"token": TOKEN}))
    config = load_kubeconfig(path)
    assert config.server == "https://127.0.0.1:6443"
    assert config.namespace == "default"
    assert config.ca_data is None
    assert config.insecure_skip_tls_verify is False
    assert config.source == f"kubeconfig {path}, context dev"
    assert isinstance(config.credentials, StaticToken)
    assert config.credentials.get().token == TOKEN
    assert (config.qps, config.burst, config.timeout, config.http2) == (5.0, 10, None, False)


def test_cluster_fields(tmp_path: Path, ca: trustme.CA) -> None:
    cluster = {
        "server": "https://api.example.com:6443/",
        "certificate-authority-data": b64(ca.cert_pem.bytes()),
        "tls-server-name": "kubernetes.default.svc",
        "proxy-url": "socks5://proxy.local:1080",
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(cluster=cluster)))
    assert config.server == "https://api.example.com:6443"  # trailing slash dropped
    assert config.ca_data == ca.cert_pem.bytes()
    assert config.tls_server_name == "kubernetes.default.svc"
    assert config.proxy_url == "socks5://proxy.local:1080"


def test_server_without_scheme_means_https(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(cluster={"server": "10.0.0.1:6443"}))
    assert load_kubeconfig(path).server == "https://10.0.0.1:6443"


def test_insecure_skip_tls_verify(tmp_path: Path) -> None:
    cluster = {"server": "https://10.0.0.1:6443", "insecure-skip-tls-verify": True}
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(cluster=cluster)))
    assert config.insecure_skip_tls_verify is True


def test_certificate_authority_file_is_relative_to_the_kubeconfig(
    tmp_path: Path, ca: trustme.CA, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kube" / "pki").mkdir(parents=True)
    ca.cert_pem.write_to_path(str(tmp_path / "kube" / "pki" / "ca.crt"))
    cluster = {"server": "https://10.0.0.1:6443", "certificate-authority": "pki/ca.crt"}
    path = write(tmp_path / "kube" / "config", kubeconfig(cluster=cluster))
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    assert load_kubeconfig(path).ca_data == ca.cert_pem.bytes()


def test_user_basic_auth_and_impersonation(tmp_path: Path) -> None:
    user = {
        "username": "admin",
        "password": PASSWORD,
        "as": "jane",
        "as-groups": ["devs", "ops"],
        "as-uid": "1234",
        "as-user-extra": {"scopes": ["view", "edit"]},
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    assert (config.username, config.password) == ("admin", PASSWORD)
    assert config.credentials is None
    assert config.impersonate_user == "jane"
    assert config.impersonate_groups == ("devs", "ops")
    assert config.impersonate_uid == "1234"
    assert config.impersonate_extra == {"scopes": ["view", "edit"]}


def test_client_certificate_data(tmp_path: Path, ca: trustme.CA) -> None:
    cert = ca.issue_cert("alice")
    user = {
        "client-certificate-data": b64(cert.cert_chain_pems[0].bytes()),
        "client-key-data": b64(cert.private_key_pem.bytes()),
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    assert config.client_cert_data == cert.cert_chain_pems[0].bytes()
    assert config.client_key_data == cert.private_key_pem.bytes()
    assert config.credentials is None


def test_client_certificate_files_are_relative(tmp_path: Path, ca: trustme.CA) -> None:
    cert = ca.issue_cert("alice")
    (tmp_path / "certs").mkdir()
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "certs" / "alice.crt"))
    cert.private_key_pem.write_to_path(str(tmp_path / "certs" / "alice.key"))
    user = {"client-certificate": "certs/alice.crt", "client-key": "certs/alice.key"}
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    assert config.client_cert_data == cert.cert_chain_pems[0].bytes()
    assert config.client_key_data == cert.private_key_pem.bytes()


def test_token_file_is_relative_and_rereadable(tmp_path: Path) -> None:
    write(tmp_path / "tokens" / "t", f"{TOKEN}\n")
    path = write(tmp_path / "config", kubeconfig(user={"tokenFile": "tokens/t"}))
    config = load_kubeconfig(path)
    assert isinstance(config.credentials, TokenFile)
    assert config.credentials.path == str(tmp_path / "tokens" / "t")
    assert config.credentials.get().token == TOKEN
    write(tmp_path / "tokens" / "t", "rotated")
    assert config.credentials.get(force_refresh=True).token == "rotated"


def test_token_file_wins_over_token_as_in_client_go(tmp_path: Path) -> None:
    write(tmp_path / "t", "from-file")
    path = write(tmp_path / "config", kubeconfig(user={"token": TOKEN, "tokenFile": "t"}))
    assert load_kubeconfig(path).credentials.get().token == "from-file"  # type: ignore[union-attr]
    # The static token is the fallback when the file cannot be read (client-go does the same).
    (tmp_path / "t").unlink()
    assert load_kubeconfig(path).credentials.get().token == TOKEN  # type: ignore[union-attr]


def test_exec_stanza(tmp_path: Path) -> None:
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "./bin/get-token",
            "args": ["--cluster", "dev"],
            "env": [{"name": "AWS_PROFILE", "value": "dev"}],
            "interactiveMode": "Never",
            "installHint": "install get-token",
        }
    }
    config = load_kubeconfig(write(tmp_path / "kube" / "config", kubeconfig(user=user)))
    assert isinstance(config.credentials, ExecCredentialSource)
    exec_config = config.credentials.config
    assert exec_config.command == str(tmp_path / "kube" / "bin" / "get-token")
    assert exec_config.args == ("--cluster", "dev")
    assert exec_config.env == (("AWS_PROFILE", "dev"),)
    assert exec_config.interactive_mode == "Never"
    assert exec_config.install_hint == "install get-token"
    assert exec_config.provide_cluster_info is False
    assert exec_config.cluster is None


def test_exec_command_without_separator_is_looked_up_in_path(tmp_path: Path) -> None:
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": "aws",
        }
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    assert isinstance(config.credentials, ExecCredentialSource)
    assert config.credentials.config.command == "aws"
    # v1beta1 defaults interactiveMode to IfAvailable; v1 requires it (see the error tests).
    assert config.credentials.config.interactive_mode == "IfAvailable"


def test_exec_cluster_info(tmp_path: Path, ca: trustme.CA) -> None:
    cluster = {
        "server": "https://10.0.0.1:6443",
        "certificate-authority-data": b64(ca.cert_pem.bytes()),
        "tls-server-name": "kubernetes.default.svc",
        "proxy-url": "http://proxy:3128",
        "extensions": [
            {"name": "other", "extension": {"x": 1}},
            {"name": "client.authentication.k8s.io/exec", "extension": {"audience": "dev"}},
        ],
    }
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "plugin",
            "interactiveMode": "Never",
            "provideClusterInfo": True,
        }
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(cluster=cluster, user=user)))
    assert isinstance(config.credentials, ExecCredentialSource)
    assert config.credentials.config.cluster is not None
    assert config.credentials.config.cluster.to_json() == {
        "server": "https://10.0.0.1:6443",
        "certificate-authority-data": b64(ca.cert_pem.bytes()),
        "tls-server-name": "kubernetes.default.svc",
        "proxy-url": "http://proxy:3128",
        "config": {"audience": "dev"},
    }


@pytest.mark.parametrize(
    "other",
    [{"token": TOKEN}, {"username": "a", "password": PASSWORD}],
    ids=["token", "basic"],
)
def test_exec_is_not_run_when_the_user_has_another_credential(
    tmp_path: Path, other: dict[str, str]
) -> None:
    user = {
        **other,
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1",
            "command": "plugin",
            "interactiveMode": "Never",
        },
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    assert not isinstance(config.credentials, ExecCredentialSource)


def test_context_namespace_explicit_context_and_namespace_override(tmp_path: Path) -> None:
    doc = kubeconfig(context={"cluster": "c", "user": "u", "namespace": "team-a"})
    doc["clusters"].append({"name": "prod", "cluster": {"server": "https://prod:443"}})
    doc["contexts"].append({"name": "prod", "context": {"cluster": "prod", "namespace": "web"}})
    path = write(tmp_path / "config", doc)
    assert load_kubeconfig(path).namespace == "team-a"
    prod = load_kubeconfig(path, context="prod")
    assert (prod.server, prod.namespace, prod.credentials) == ("https://prod:443", "web", None)
    assert prod.source.endswith("context prod")
    assert load_kubeconfig(path, context="prod", namespace="other").namespace == "other"


def test_context_without_user_is_anonymous(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(context={"cluster": "c"}))
    config = load_kubeconfig(path)
    assert (config.credentials, config.username, config.client_cert_data) == (None, None, None)


def test_empty_file_is_an_empty_configuration(tmp_path: Path) -> None:
    loaded = kc.load(write(tmp_path / "config", ""))
    assert loaded.is_empty()


# --- which files, and merging ---------------------------------------------------------------------


def test_default_is_home_kube_config(tmp_path: Path) -> None:
    write(tmp_path / "home" / ".kube" / "config", kubeconfig())
    assert (
        load_kubeconfig().source
        == f"kubeconfig {tmp_path / 'home' / '.kube' / 'config'}, context dev"
    )


def test_kubeconfig_env_merges_first_wins_per_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(
        tmp_path / "a",
        {
            "clusters": [{"name": "shared", "cluster": {"server": "https://first:1"}}],
            "users": [{"name": "shared", "user": {"token": "first-token"}}],
            "contexts": [{"name": "ctx", "context": {"cluster": "shared", "user": "shared"}}],
        },
    )
    second = write(
        tmp_path / "b",
        {
            "current-context": "ctx",
            "clusters": [
                # Same name: the whole entry from the first file wins, tls-server-name is NOT merged
                # in.
                {
                    "name": "shared",
                    "cluster": {"server": "https://second:2", "tls-server-name": "x"},
                },
                {"name": "only-second", "cluster": {"server": "https://only-second:3"}},
            ],
            "users": [{"name": "shared", "user": {"token": "second-token", "as": "bob"}}],
            "contexts": [
                {"name": "ctx", "context": {"cluster": "only-second", "namespace": "second"}},
                {"name": "other", "context": {"cluster": "only-second", "user": "shared"}},
            ],
        },
    )
    third = write(tmp_path / "c", {"current-context": "other"})
    missing = tmp_path / "does-not-exist"
    monkeypatch.setenv(
        "KUBECONFIG", os.pathsep.join([str(missing), str(first), "", str(second), str(third)])
    )

    config = load_kubeconfig()
    # current-context comes from the first file that sets it (b, not c); the context from a.
    assert config.source == f"kubeconfig {first}, context ctx"
    assert config.server == "https://first:1"
    assert config.tls_server_name is None
    assert config.namespace == "default"
    assert config.credentials.get().token == "first-token"  # type: ignore[union-attr]
    assert config.impersonate_user is None

    other = load_kubeconfig(context="other")
    assert other.server == "https://only-second:3"
    assert other.credentials.get().token == "first-token"  # type: ignore[union-attr]

    merged = kc.load()
    assert merged.files == (str(first), str(second), str(third))
    assert merged.current_context_file == str(second)


def test_kubeconfig_env_duplicates_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "a", kubeconfig())
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(path), str(path)]))
    assert kc.load().files == (str(path),)


def test_explicit_path_ignores_kubeconfig_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_file = write(tmp_path / "env", kubeconfig(cluster={"server": "https://from-env:1"}))
    explicit = write(tmp_path / "explicit", kubeconfig(cluster={"server": "https://explicit:1"}))
    monkeypatch.setenv("KUBECONFIG", str(env_file))
    assert load_kubeconfig(explicit).server == "https://explicit:1"


def test_explicit_path_must_exist(tmp_path: Path) -> None:
    error = error_for(tmp_path / "nope")
    assert error.file == str(tmp_path / "nope")
    assert "does not exist" in str(error)


def test_no_kubeconfig_found(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_kubeconfig()
    assert str(tmp_path / "home" / ".kube" / "config") in str(info.value)
    assert "no kubeconfig file was found" in str(info.value)


# --- errors name the file and the field -----------------------------------------------------------


def test_error_undefined_cluster(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(context={"cluster": "x", "user": "u"}))
    error = error_for(path)
    assert str(error) == f'{path}: contexts[name=dev].context.cluster: cluster "x" is not defined'
    assert (error.file, error.field) == (str(path), "contexts[name=dev].context.cluster")


def test_error_undefined_user(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(context={"cluster": "c", "user": "nobody"}))
    assert str(error_for(path)) == (
        f'{path}: contexts[name=dev].context.user: user "nobody" is not defined'
    )


def test_error_context_without_cluster(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(context={"user": "u"}))
    assert str(error_for(path)) == f"{path}: contexts[name=dev].context.cluster: no cluster is set"


def test_error_current_context_undefined_names_the_file_that_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = write(tmp_path / "a", kubeconfig(current=None))
    second = write(tmp_path / "b", {"current-context": "gone"})
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    with pytest.raises(ConfigError) as info:
        load_kubeconfig()
    assert str(info.value) == f'{second}: current-context: context "gone" is not defined'


def test_error_no_current_context(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig(current=None))
    assert str(error_for(path)) == f"{path}: current-context: is not set, and no context was given"


def test_error_unknown_context_argument(tmp_path: Path) -> None:
    path = write(tmp_path / "config", kubeconfig())
    assert str(error_for(path, context="nope")) == (
        f'{path}: context "nope" (the context argument) is not defined'
    )


def test_error_bad_yaml_does_not_quote_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "config",
        f"users:\n- name: u\n  user:\n    token: {TOKEN}\n   bad: indentation\n",
    )
    error = error_for(path)
    assert str(error).startswith(f"{path}: not valid YAML: ")
    assert "line 5" in str(error)
    assert TOKEN not in str(error)


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        ("- a list\n", None, "must be a mapping, not a list"),
        ({"clusters": {"c": {}}}, "clusters", "must be a list, not a mapping"),
        ({"clusters": ["c"]}, "clusters[0]", "must be a mapping, not a string"),
        ({"clusters": [{"cluster": {}}]}, "clusters[0].name", "must be a non-empty string"),
        (
            {"clusters": [{"name": "c", "cluster": {"server": 6443}}]},
            "clusters[name=c].cluster.server",
            "must be a string, not a number",
        ),
        (
            {"clusters": [{"name": "c", "cluster": {"insecure-skip-tls-verify": "yes"}}]},
            "clusters[name=c].cluster.insecure-skip-tls-verify",
            "must be true or false, not a string",
        ),
        (
            {"users": [{"name": "u", "user": {"as-groups": "devs"}}]},
            "users[name=u].user.as-groups",
            "must be a list, not a string",
        ),
        (
            {"users": [{"name": "u", "user": {"exec": {"args": [1]}}}]},
            "users[name=u].user.exec.args[0]",
            "must be a string, not a number",
        ),
        (
            {"users": [{"name": "u", "user": {"password": ["x"]}}]},
            "users[name=u].user.password",
            "must be a string, not a list",
        ),
        (
            {"users": [{"name": "u", "user": {"client-key-data": "%%%not base64"}}]},
            "users[name=u].user.client-key-data",
            "is not valid base64",
        ),
        (
            {"clusters": [{"name": "c", "cluster": {"certificate-authority-data": "a"}}]},
            "clusters[name=c].cluster.certificate-authority-data",
            "is not valid base64",
        ),
        (
            {"contexts": [{"name": "x", "context": {}}, {"name": "x", "context": {}}]},
            "contexts[1].name",
            'duplicate name "x" in contexts',
        ),
    ],
)
def test_type_errors_anywhere_in_the_file(
    tmp_path: Path, document: Any, field: str | None, message: str
) -> None:
    path = write(tmp_path / "config", document)
    error = error_for(path)
    assert (error.file, error.field, error.message) == (str(path), field, message)


@pytest.mark.parametrize(
    ("cluster", "field", "message"),
    [
        ({}, "server", "no server is set"),
        ({"server": "ftp://x"}, "server", "'ftp://x' must use one of the schemes http, https"),
        ({"server": "https://x:port"}, "server", None),
        (
            {"server": "https://x", "proxy-url": "ftp://proxy"},
            "proxy-url",
            "'ftp://proxy' must use one of the schemes http, https, socks5",
        ),
        (
            {"server": "https://x", "certificate-authority": "missing.crt"},
            "certificate-authority",
            None,
        ),
        (
            {
                "server": "https://x",
                "certificate-authority": "ca.crt",
                "certificate-authority-data": "YQ==",
            },
            "certificate-authority",
            "certificate-authority and certificate-authority-data are both set; set only one",
        ),
        (
            {
                "server": "https://x",
                "certificate-authority-data": "YQ==",
                "insecure-skip-tls-verify": True,
            },
            "insecure-skip-tls-verify",
            "a certificate authority together with insecure-skip-tls-verify is not allowed",
        ),
        (
            {"server": "https://x", "certificate-authority-data": b64(b"not a certificate")},
            "certificate-authority-data",
            None,
        ),
    ],
)
def test_cluster_errors(
    tmp_path: Path, cluster: dict[str, Any], field: str, message: str | None
) -> None:
    path = write(tmp_path / "config", kubeconfig(cluster=cluster))
    error = error_for(path)
    assert (error.file, error.field) == (str(path), f"clusters[name=c].cluster.{field}")
    if message is not None:
        assert error.message == message


def test_unreadable_ca_file_error(tmp_path: Path) -> None:
    cluster = {"server": "https://x", "certificate-authority": "missing.crt"}
    path = write(tmp_path / "config", kubeconfig(cluster=cluster))
    assert str(error_for(path)) == (
        f"{path}: clusters[name=c].cluster.certificate-authority: "
        f"cannot read {tmp_path / 'missing.crt'}: No such file or directory"
    )


def test_auth_provider_is_rejected_with_advice(tmp_path: Path) -> None:
    user = {"auth-provider": {"name": "oidc", "config": {"id-token": TOKEN}}}
    path = write(tmp_path / "config", kubeconfig(user=user))
    error = error_for(path)
    assert (error.file, error.field) == (str(path), "users[name=u].user.auth-provider")
    assert "not supported" in error.message and "exec" in error.message
    assert TOKEN not in str(error)


def test_auth_provider_on_an_unused_user_is_fine(tmp_path: Path) -> None:
    doc = kubeconfig()
    doc["users"].append({"name": "old", "user": {"auth-provider": {"name": "gcp"}}})
    assert load_kubeconfig(write(tmp_path / "config", doc)).server == "https://127.0.0.1:6443"


EXEC_V1 = {"apiVersion": "client.authentication.k8s.io/v1", "interactiveMode": "Never"}


@pytest.mark.parametrize(
    ("user", "field", "message"),
    [
        (
            {"token": TOKEN, "username": "a", "password": PASSWORD},
            "token",
            "more than one authentication method found (token and username/password); "
            "only one is allowed",
        ),
        (
            {"as-groups": ["g"]},
            "as",
            "as-groups, as-uid and as-user-extra need a user to impersonate (as)",
        ),
        (
            {"client-certificate-data": "YQ=="},
            "client-key",
            "a client certificate is set but no client-key(-data)",
        ),
        (
            {"client-key-data": "YQ=="},
            "client-certificate",
            "a client key is set but no client-certificate(-data)",
        ),
        (
            {"client-certificate": "a.crt", "client-certificate-data": "YQ==", "client-key": "k"},
            "client-certificate",
            "client-certificate and client-certificate-data are both set; set only one",
        ),
        ({"tokenFile": "missing-token"}, "tokenFile", None),
        ({"exec": {**EXEC_V1}}, "exec.command", "an exec plugin needs a command"),
        (
            {"exec": {"command": "p", "interactiveMode": "Never"}},
            "exec.apiVersion",
            "must be set to one of client.authentication.k8s.io/v1, "
            "client.authentication.k8s.io/v1beta1",
        ),
        (
            {
                "exec": {
                    **EXEC_V1,
                    "command": "p",
                    "apiVersion": "client.authentication.k8s.io/v1alpha1",
                }
            },
            "exec.apiVersion",
            '"client.authentication.k8s.io/v1alpha1" is not supported; use one of '
            "client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1",
        ),
        (
            {"exec": {"command": "p", "apiVersion": "client.authentication.k8s.io/v1"}},
            "exec.interactiveMode",
            "must be set for client.authentication.k8s.io/v1 (one of Never, IfAvailable, Always)",
        ),
        (
            {"exec": {**EXEC_V1, "command": "p", "interactiveMode": "Sometimes"}},
            "exec.interactiveMode",
            '"Sometimes" is not one of Never, IfAvailable, Always',
        ),
        (
            {"exec": {**EXEC_V1, "command": "p", "env": [{"value": "v"}]}},
            "exec.env[0].name",
            "an environment variable needs a name",
        ),
    ],
)
def test_user_errors(tmp_path: Path, user: dict[str, Any], field: str, message: str | None) -> None:
    path = write(tmp_path / "config", kubeconfig(user=user))
    error = error_for(path)
    assert (error.file, error.field) == (str(path), f"users[name=u].user.{field}")
    if message is not None:
        assert error.message == message
    assert TOKEN not in str(error) and PASSWORD not in str(error)


def test_mismatched_client_certificate_names_the_field(tmp_path: Path, ca: trustme.CA) -> None:
    alice, bob = ca.issue_cert("alice"), ca.issue_cert("bob")
    user = {
        "client-certificate-data": b64(alice.cert_chain_pems[0].bytes()),
        "client-key-data": b64(bob.private_key_pem.bytes()),
    }
    path = write(tmp_path / "config", kubeconfig(user=user))
    error = error_for(path)
    assert (error.file, error.field) == (str(path), "users[name=u].user.client-certificate-data")
    assert "not a matching PEM pair" in error.message
    assert bob.private_key_pem.bytes().decode() not in str(error)


def test_errors_in_the_second_file_name_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write(tmp_path / "a", {"contexts": [{"name": "dev", "context": {"cluster": "c"}}]})
    second = write(
        tmp_path / "b",
        {"current-context": "dev", "clusters": [{"name": "c", "cluster": {"server": "ftp://x"}}]},
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    with pytest.raises(ConfigError) as info:
        load_kubeconfig()
    assert (info.value.file, info.value.field) == (str(second), "clusters[name=c].cluster.server")


# --- secrets stay out of reprs --------------------------------------------------------------------


def test_secrets_never_appear_in_repr_or_str(tmp_path: Path, ca: trustme.CA) -> None:
    cert = ca.issue_cert("alice")
    key_pem = cert.private_key_pem.bytes()
    user = {
        "token": TOKEN,
        "client-certificate-data": b64(cert.cert_chain_pems[0].bytes()),
        "client-key-data": b64(key_pem),
    }
    config = load_kubeconfig(write(tmp_path / "config", kubeconfig(user=user)))
    basic = Config(server="https://x", username="admin", password=PASSWORD, client_key_data=key_pem)
    loaded = kc.load(tmp_path / "config")
    texts = [
        repr(config),
        str(config),
        repr(basic),
        repr(config.credentials),
        repr(config.credentials.get()),  # type: ignore[union-attr]
        repr(loaded.users["u"]),
        repr(loaded.resolve()),
    ]
    key_body = key_pem.decode().splitlines()[1]
    for text in texts:
        assert TOKEN not in text
        assert PASSWORD not in text
        assert key_body not in text
        assert b64(key_pem)[:40] not in text
    assert "<redacted>" in repr(basic)
    assert "client_key_data=<redacted>" in repr(config)
