"""Connection settings for one API server (client-go's ``rest.Config``) and the ways to load them.

- :func:`load_config` does what kubectl and client-go's ``DeferredLoadingClientConfig`` do: use the
  kubeconfig if one is found, else the in-cluster configuration when running in a pod.
- :func:`load_kubeconfig` reads kubeconfig files (see :mod:`kgen.runtime._kubeconfig` for the merge
  rules).
- :func:`load_incluster_config` reads the pod's service account.

Which credential a kubeconfig user gets follows client-go: ``token``/``tokenFile`` →
:class:`~kgen.runtime._credentials.StaticToken` / :class:`~kgen.runtime._credentials.TokenFile`;
``username``/``password`` → basic auth; a static client certificate → TLS only; otherwise ``exec`` →
:class:`~kgen.runtime._execplugin.ExecCredentialSource`. As in client-go, an exec plugin is not run
when the user also has a token, basic auth or a client certificate (those are what kubectl's
``--token`` & co. set).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import ssl
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import kgen.runtime._tls as tls
from kgen.runtime._credentials import (
    CredentialError,
    Credentials,
    CredentialSource,
    StaticToken,
    TokenFile,
)
from kgen.runtime._errors import ConfigError
from kgen.runtime._kubeconfig.loading import Kubeconfig
from kgen.runtime._kubeconfig.loading import load as _load_kubeconfig_files
from kgen.runtime._kubeconfig.resolution import ResolvedContext
from kgen.runtime._proxy import mask_url
from kgen.runtime._ratelimit import DEFAULT_BURST, DEFAULT_QPS

__all__ = [
    "DEFAULT_BURST",
    "DEFAULT_QPS",
    "DEFAULT_TIMEOUT",
    "SERVICE_ACCOUNT_DIR",
    "Config",
    "ConfigError",
    "config_from_kubeconfig",
    "load_config",
    "load_incluster_config",
    "load_kubeconfig",
]

logger = logging.getLogger(__name__)

#: Seconds a request may wait for the server to accept, send or answer (each, not in total), unless
#: ``Config.timeout`` says otherwise. client-go and kube-rs wait forever, so a server that accepts the
#: connection and never answers hangs a plain ``get()``. kube-apiserver ends a request that is not
#: long-running after 60 s (``--request-timeout``) with a 504; a silence longer than that means the
#: server or the network is gone. Watches, followed logs and streams wait for data without limit
#: (the reflector notices a dead watch by itself, and a watch with ``timeout_seconds`` waits that long
#: plus a margin); lists with ``timeout_seconds`` wait that long plus a margin.
DEFAULT_TIMEOUT = 65.0
#: Where Kubernetes mounts a pod's service account: ``token``, ``ca.crt`` and ``namespace``.
SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

_SECRET_FIELDS = frozenset({"password", "client_key_data"})


@dataclass(repr=False)
class Config:
    """Everything needed to talk to one API server.

    ``credentials`` supplies bearer tokens and exec-plugin client certificates per request; the
    static ``client_cert_data``/``client_key_data`` and ``username``/``password`` come straight from
    kubeconfig. The repr never shows secrets.
    """

    server: str  # "https://127.0.0.1:6443" (a trailing slash is removed)
    ca_data: bytes | None = None  # PEM; certificate-authority file contents are read into this
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    client_cert_data: bytes | None = None  # static client cert/key from kubeconfig (file or -data)
    client_key_data: bytes | None = None
    credentials: CredentialSource | None = None  # static token, tokenFile, exec plugin, in-cluster
    username: str | None = None  # basic auth
    password: str | None = None
    impersonate_user: str | None = None
    impersonate_groups: tuple[str, ...] = ()
    impersonate_uid: str | None = None
    impersonate_extra: dict[str, list[str]] = field(default_factory=dict)
    proxy_url: str | None = None
    namespace: str = "default"  # the context's namespace (or the in-cluster namespace file)
    qps: float = DEFAULT_QPS  # qps <= 0 disables rate limiting
    burst: int = DEFAULT_BURST
    #: Seconds each connect, send and read of a request may take (DEFAULT_TIMEOUT; None: no limit).
    timeout: float | None = DEFAULT_TIMEOUT
    user_agent: str | None = None
    http2: bool = False
    source: str = ""  # for errors, e.g. "kubeconfig /home/u/.kube/config, context kind-dev"

    def __post_init__(self) -> None:
        self.server = self.server.rstrip("/")
        server, username, password = _split_userinfo(self.server)
        if server != self.server:
            # https://user:password@host: Go's HTTP client sends the pair as basic auth unless the
            # request carries another Authorization. Keep it out of the URL, so that it is not in
            # this repr, in request URLs, in error messages or in logs.
            self.server = server
            if self.username is None and self.password is None:
                self.username, self.password = username, password

    def ssl_context(self, credentials: Credentials | None = None) -> ssl.SSLContext:
        """The TLS context for this server, cached per set of inputs (see :mod:`kgen.runtime._tls`).

        A client certificate in ``credentials`` (from an exec plugin) replaces the static one. When
        ``tls_server_name`` is set the context verifies the server against that name and sends it as
        SNI whatever ``server_hostname`` the HTTP client passes; passing it as httpx's
        ``sni_hostname`` request extension as well is harmless. Raises :class:`ConfigError` for
        unusable certificates.
        """
        cert, key = self.client_cert_data, self.client_key_data
        if credentials is not None and credentials.client_cert_pem is not None:
            cert, key = credentials.client_cert_pem, credentials.client_key_pem
        try:
            return tls.create_ssl_context(
                ca_data=self.ca_data,
                insecure_skip_tls_verify=self.insecure_skip_tls_verify,
                tls_server_name=self.tls_server_name,
                client_cert_pem=cert,
                client_key_pem=key,
                http2=self.http2,
            )
        except tls.TLSConfigError as exc:
            raise ConfigError(str(exc), file=self.source or self.server, field=exc.part) from None

    def __repr__(self) -> str:
        parts = []
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if value is not None and f.name in _SECRET_FIELDS:
                shown = "<redacted>"
            elif f.name == "proxy_url" and value is not None:
                shown = repr(mask_url(value))
            elif isinstance(value, bytes):
                shown = f"<{len(value)} bytes>"
            else:
                shown = repr(value)  # credential sources redact themselves
            parts.append(f"{f.name}={shown}")
        return f"Config({', '.join(parts)})"


def _split_userinfo(server: str) -> tuple[str, str | None, str | None]:
    """``server`` without ``user:password@``, and the (percent-decoded) pair it held."""
    scheme, sep, rest = server.partition("://")
    if not sep:
        return server, None, None
    authority, slash, path = rest.partition("/")
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return server, None, None
    username, colon, password = userinfo.partition(":")
    return (
        f"{scheme}://{host}{slash}{path}",
        urllib.parse.unquote(username),
        urllib.parse.unquote(password) if colon else None,
    )


# --- kubeconfig -----------------------------------------------------------------------------------


def load_kubeconfig(
    path: str | os.PathLike[str] | None = None,
    *,
    context: str | None = None,
    namespace: str | None = None,
) -> Config:
    """Load a Config from kubeconfig: ``path`` (must exist) or ``KUBECONFIG``/``~/.kube/config``.

    ``context`` overrides current-context and ``namespace`` the context's namespace.
    """
    return config_from_kubeconfig(
        _load_kubeconfig_files(path), context=context, namespace=namespace
    )


def config_from_kubeconfig(
    kubeconfig: Kubeconfig, *, context: str | None = None, namespace: str | None = None
) -> Config:
    """Build the Config for ``context`` (default: current-context) of a merged kubeconfig."""
    resolved = kubeconfig.resolve(context)
    cluster, user = resolved.cluster, resolved.user
    config = Config(
        server=resolved.server,
        ca_data=resolved.ca_data,
        insecure_skip_tls_verify=cluster.insecure_skip_tls_verify,
        tls_server_name=cluster.tls_server_name,
        client_cert_data=resolved.client_cert_data,
        client_key_data=resolved.client_key_data,
        credentials=_credential_source(resolved),
        proxy_url=cluster.proxy_url,
        namespace=namespace or resolved.context.namespace or "default",
        source=f"kubeconfig {resolved.context.file}, context {resolved.name}",
    )
    if user is not None:
        config.username = user.username
        config.password = user.password
        config.impersonate_user = user.impersonate
        config.impersonate_groups = user.impersonate_groups
        config.impersonate_uid = user.impersonate_uid
        config.impersonate_extra = {k: list(v) for k, v in user.impersonate_extra.items()}
    if config.server.startswith("https://"):
        _check_tls(config, resolved)
    return config


def _credential_source(resolved: ResolvedContext) -> CredentialSource | None:
    user = resolved.user
    if user is None:
        return None
    if user.token_file:
        return TokenFile(user.token_file, fallback_token=user.token)
    if user.token:
        return StaticToken(user.token)
    if user.username or user.password or resolved.client_cert_data:
        return None  # client-go skips the exec plugin when these are set
    if resolved.exec is not None:
        from kgen.runtime._execplugin import ExecCredentialSource  # only for an exec plugin's user

        return ExecCredentialSource.shared(resolved.exec)
    return None


def _check_tls(config: Config, resolved: ResolvedContext) -> None:
    # Build the context now (it is cached for the transport) so that bad PEM data is reported with
    # the kubeconfig field it came from, not on the first request.
    try:
        config.ssl_context()
    except ConfigError as exc:
        cluster, user = resolved.cluster, resolved.user
        if exc.field == "client-certificate" and user is not None:
            suffix = "-data" if user.client_certificate_data else ""
            file, where = user.file, f"{user.field}.client-certificate{suffix}"
        else:
            suffix = "-data" if cluster.certificate_authority_data else ""
            file, where = cluster.file, f"{cluster.field}.certificate-authority{suffix}"
        raise ConfigError(exc.message, file=file, field=where) from None


# --- in-cluster -----------------------------------------------------------------------------------


def load_incluster_config(
    *,
    directory: str | os.PathLike[str] = SERVICE_ACCOUNT_DIR,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Config:
    """The configuration of a pod: client-go's ``rest.InClusterConfig``.

    - server ``https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`` (IPv6 hosts bracketed);
    - the service-account token from ``directory/token``, re-read every minute and after a 401
      (:class:`~kgen.runtime._credentials.TokenFile`; ``clock`` is its monotonic clock);
    - the CA from ``directory/ca.crt``; like client-go, a missing or unusable CA is logged, not
      fatal (the system trust store is used);
    - the namespace from ``$POD_NAMESPACE``, else ``directory/namespace``, else ``default``
      (clientcmd's in-cluster rule).
    """
    env = os.environ if environ is None else environ
    where = "in-cluster configuration"
    host = env.get("KUBERNETES_SERVICE_HOST", "")
    port = env.get("KUBERNETES_SERVICE_PORT", "")
    if not host or not port:
        raise ConfigError(
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set "
            "(is this process running in a pod?)",
            file=where,
        )
    base = os.fspath(directory)
    token = TokenFile(os.path.join(base, "token"), clock=clock)
    try:
        token.get()  # client-go reads the token up front: fail now, not on the first request
    except CredentialError as exc:
        raise ConfigError(str(exc), file=where) from None
    server_host = f"[{host}]" if ":" in host else host
    return Config(
        server=f"https://{server_host}:{port}",
        ca_data=_incluster_ca(os.path.join(base, "ca.crt")),
        credentials=token,
        namespace=env.get("POD_NAMESPACE") or _incluster_namespace(base),
        source=f"in-cluster configuration ({base})",
    )


def _incluster_ca(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
        tls.create_ssl_context(ca_data=data)
    except (OSError, tls.TLSConfigError) as exc:
        logger.error("expected to load the root CA from %s, but got: %s", path, exc)
        return None
    return data


def _incluster_namespace(directory: str) -> str:
    try:
        with open(os.path.join(directory, "namespace"), encoding="utf-8") as f:
            return f.read().strip() or "default"
    except (OSError, UnicodeDecodeError):
        return "default"


def _incluster_possible(directory: str, environ: Mapping[str, str]) -> bool:
    # client-go's inClusterClientConfig.Possible(): the service env vars and the token file exist.
    return bool(
        environ.get("KUBERNETES_SERVICE_HOST")
        and environ.get("KUBERNETES_SERVICE_PORT")
        and os.path.isfile(os.path.join(directory, "token"))
    )


# --- automatic ------------------------------------------------------------------------------------


def load_config(
    *,
    context: str | None = None,
    namespace: str | None = None,
    service_account_dir: str | os.PathLike[str] = SERVICE_ACCOUNT_DIR,
) -> Config:
    """The configuration kubectl would use, falling back to in-cluster as client-go does.

    The rule (client-go's ``DeferredLoadingClientConfig``):

    1. Load the kubeconfig files: ``KUBECONFIG``'s entries if it is set, else ``~/.kube/config``;
       files that do not exist are skipped.
    2. If they configure anything (a cluster, user, context or current-context), use them with
       ``context``/``namespace``. Their errors are raised: a broken kubeconfig does not silently
       fall back.
    3. Otherwise, if running in a pod (``KUBERNETES_SERVICE_HOST`` and ``KUBERNETES_SERVICE_PORT``
       are set and ``service_account_dir/token`` is a file), use :func:`load_incluster_config`
       with ``namespace``. An explicit ``context`` is an error here (client-go would ignore it, but
       asking for a context that no kubeconfig defines is a mistake worth reporting).
    4. Otherwise raise :class:`ConfigError` naming what was tried.
    """
    kubeconfig = _load_kubeconfig_files()
    if not kubeconfig.is_empty() or context is not None:
        return config_from_kubeconfig(kubeconfig, context=context, namespace=namespace)
    directory = os.fspath(service_account_dir)
    if _incluster_possible(directory, os.environ):
        config = load_incluster_config(directory=directory)
        if namespace:
            config.namespace = namespace
        return config
    tried = (
        ", ".join(
            path if os.path.exists(path) else f"{path}: no such file"
            for path in kubeconfig.searched
        )
        or "no KUBECONFIG entries"
    )
    raise ConfigError(
        f"no configuration found: no kubeconfig ({tried}) defines anything, and this is not a pod "
        f"(KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT unset or no {directory}/token)",
    )
