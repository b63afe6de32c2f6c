"""Checking the context in use, as kubectl does when it loads: its cluster and user must exist and make
sense, and the files they name are read now (certificates, a token file's first read)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from kgen.runtime._credentials import CredentialError, read_token_file
from kgen.runtime._errors import ConfigError
from kgen.runtime._kubeconfig.entries import ClusterEntry, ContextEntry, ExecEntry, Node, UserEntry
from kgen.runtime._proxy import mask_url

# The exec plugin's module is imported by ``_check_exec``, for the users that have one.
if TYPE_CHECKING:
    from kgen.runtime._execplugin import ExecConfig
    from kgen.runtime._kubeconfig.loading import Kubeconfig

__all__ = ["ResolvedContext", "resolve_context"]

_V1BETA1 = "client.authentication.k8s.io/v1beta1"
_PROXY_SCHEMES = ("http", "https", "socks5")


class ResolvedContext(msgspec.Struct, frozen=True):  # a Struct: see entries.py
    """A context with its cluster and user checked and their files read (a Config's input)."""

    name: str
    context: ContextEntry
    cluster: ClusterEntry
    user: UserEntry | None  # None: the context names no user (anonymous)
    server: str  # scheme added if missing, no trailing slash
    ca_data: bytes | None
    client_cert_data: bytes | None
    client_key_data: bytes | None
    exec: ExecConfig | None

    def __repr__(self) -> str:
        return f"ResolvedContext(name={self.name!r}, server={self.server!r})"


def resolve_context(kubeconfig: Kubeconfig, wanted: str | None) -> ResolvedContext:
    where = ", ".join(kubeconfig.files or kubeconfig.searched) or "kubeconfig"
    if not kubeconfig.files:
        raise ConfigError("no kubeconfig file was found", file=where)
    if wanted is not None:
        name = wanted
        if name not in kubeconfig.contexts:
            raise ConfigError(f'context "{name}" (the context argument) is not defined', file=where)
    else:
        if kubeconfig.current_context is None:
            raise ConfigError(
                "is not set, and no context was given", file=where, field="current-context"
            )
        name = kubeconfig.current_context
        if name not in kubeconfig.contexts:
            raise ConfigError(
                f'context "{name}" is not defined',
                file=kubeconfig.current_context_file,
                field="current-context",
            )
    ctx = kubeconfig.contexts[name]
    ctx_node = Node(ctx.file, ctx.field, {})
    if ctx.cluster is None:
        raise ctx_node.error("cluster", "no cluster is set")
    cluster = kubeconfig.clusters.get(ctx.cluster)
    if cluster is None:
        raise ctx_node.error("cluster", f'cluster "{ctx.cluster}" is not defined')
    user = None
    if ctx.user is not None:
        user = kubeconfig.users.get(ctx.user)
        if user is None:
            raise ctx_node.error("user", f'user "{ctx.user}" is not defined')
    server, ca_data = _check_cluster(cluster)
    cert, key, exec_config = _check_user(user, cluster, server, ca_data)
    return ResolvedContext(
        name=name,
        context=ctx,
        cluster=cluster,
        user=user,
        server=server,
        ca_data=ca_data,
        client_cert_data=cert,
        client_key_data=key,
        exec=exec_config,
    )


def _check_cluster(cluster: ClusterEntry) -> tuple[str, bytes | None]:
    node = Node(cluster.file, cluster.field, {})
    if cluster.server is None:
        raise node.error("server", "no server is set")
    server = _check_url(node, "server", cluster.server, ("http", "https"), default_scheme="https")
    if cluster.proxy_url is not None:
        _check_url(node, "proxy-url", cluster.proxy_url, _PROXY_SCHEMES)
    if cluster.certificate_authority and cluster.certificate_authority_data:
        raise node.error(
            "certificate-authority",
            "certificate-authority and certificate-authority-data are both set; set only one",
        )
    if cluster.insecure_skip_tls_verify and (
        cluster.certificate_authority or cluster.certificate_authority_data
    ):
        raise node.error(
            "insecure-skip-tls-verify",
            "a certificate authority together with insecure-skip-tls-verify is not allowed",
        )
    ca_data = cluster.certificate_authority_data
    if cluster.certificate_authority is not None:
        ca_data = _read(node, "certificate-authority", cluster.certificate_authority)
    return server, ca_data


def _check_url(
    node: Node, key: str, value: str, schemes: Sequence[str], *, default_scheme: str | None = None
) -> str:
    url = value
    shown = mask_url(value)  # a proxy URL may carry a password
    if "://" not in url and default_scheme is not None:
        url = f"{default_scheme}://{url}"  # client-go's DefaultServerURL: "host:port" means https
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise node.error(key, f"{shown!r} is not a valid URL ({exc})") from None
    if parts.scheme not in schemes:
        raise node.error(key, f"{shown!r} must use one of the schemes {', '.join(schemes)}")
    if not parts.hostname:
        raise node.error(key, f"{shown!r} has no host")
    return url.rstrip("/")


def _read(node: Node, key: str, path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise node.error(key, f"cannot read {path}: {exc.strerror}") from None


def _check_user(
    user: UserEntry | None, cluster: ClusterEntry, server: str, ca_data: bytes | None
) -> tuple[bytes | None, bytes | None, ExecConfig | None]:
    if user is None:
        return None, None, None
    node = Node(user.file, user.field, {})
    if user.auth_provider is not None:
        provider = f' "{user.auth_provider}"' if user.auth_provider else ""
        raise node.error(
            "auth-provider",
            f"auth-provider plugins{provider} are not supported; use an exec credential plugin "
            "(users[].user.exec) instead, e.g. kubelogin for OIDC",
        )
    if user.token and (user.username or user.password):
        raise node.error(
            "token",
            "more than one authentication method found (token and username/password); "
            "only one is allowed",
        )
    if user.token_file and not user.token:
        # client-go reads tokenFile when loading, so a missing file fails now rather than on a
        # request.
        try:
            read_token_file(user.token_file)
        except CredentialError as exc:
            raise node.error("tokenFile", str(exc)) from None
    if (user.impersonate_groups or user.impersonate_uid or user.impersonate_extra) and (
        not user.impersonate
    ):
        raise node.error(
            "as", "as-groups, as-uid and as-user-extra need a user to impersonate (as)"
        )
    cert, key = _client_certificate(node, user)
    exec_config = None
    if user.exec is not None:
        exec_config = _check_exec(user.exec, node, cluster, server, ca_data)
    return cert, key, exec_config


def _client_certificate(node: Node, user: UserEntry) -> tuple[bytes | None, bytes | None]:
    if user.client_certificate and user.client_certificate_data:
        raise node.error(
            "client-certificate",
            "client-certificate and client-certificate-data are both set; set only one",
        )
    if user.client_key and user.client_key_data:
        raise node.error("client-key", "client-key and client-key-data are both set; set only one")
    cert = user.client_certificate_data
    if user.client_certificate is not None:
        cert = _read(node, "client-certificate", user.client_certificate)
    key = user.client_key_data
    if user.client_key is not None:
        key = _read(node, "client-key", user.client_key)
    if cert and not key:
        raise node.error("client-key", "a client certificate is set but no client-key(-data)")
    if key and not cert:
        raise node.error(
            "client-certificate", "a client key is set but no client-certificate(-data)"
        )
    return cert or None, key or None


def _check_exec(
    entry: ExecEntry, user: Node, cluster: ClusterEntry, server: str, ca_data: bytes | None
) -> ExecConfig:
    from kgen.runtime._execplugin import (
        EXEC_API_VERSIONS,
        EXEC_INTERACTIVE_MODES,
        ExecCluster,
        ExecConfig,
    )

    node = Node(user.file, entry.field, {})
    if entry.command is None:
        raise node.error("command", "an exec plugin needs a command")
    if entry.api_version is None:
        raise node.error("apiVersion", f"must be set to one of {', '.join(EXEC_API_VERSIONS)}")
    if entry.api_version not in EXEC_API_VERSIONS:
        raise node.error(
            "apiVersion",
            f'"{entry.api_version}" is not supported; use one of {", ".join(EXEC_API_VERSIONS)}',
        )
    mode = entry.interactive_mode
    if mode is None:
        if entry.api_version != _V1BETA1:
            # v1 makes plugins declare it; v1beta1 defaults to IfAvailable (clientcmd
            # SetDefaults_ExecConfig)
            raise node.error(
                "interactiveMode",
                f"must be set for {entry.api_version} (one of {', '.join(EXEC_INTERACTIVE_MODES)})",
            )
        mode = "IfAvailable"
    if mode not in EXEC_INTERACTIVE_MODES:
        raise node.error(
            "interactiveMode",
            f'"{mode}" is not one of {", ".join(EXEC_INTERACTIVE_MODES)}',
        )
    for index, (name, _) in enumerate(entry.env):
        if not name:
            raise node.error(f"env[{index}].name", "an environment variable needs a name")
    exec_cluster = None
    if entry.provide_cluster_info:
        exec_cluster = ExecCluster(
            server=server,
            certificate_authority_data=ca_data,
            tls_server_name=cluster.tls_server_name,
            insecure_skip_tls_verify=cluster.insecure_skip_tls_verify,
            proxy_url=cluster.proxy_url,
            config=cluster.exec_extension,
        )
    return ExecConfig(
        command=entry.command,
        args=entry.args,
        env=entry.env,
        api_version=entry.api_version,
        interactive_mode=mode,
        provide_cluster_info=entry.provide_cluster_info,
        install_hint=entry.install_hint,
        cluster=exec_cluster,
    )
