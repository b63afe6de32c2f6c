"""Reading kubeconfig files as kubectl does: find, merge, resolve relative paths, pick a context.

This module knows the file format and clientcmd's rules (``tools/clientcmd/loader.go``,
``validation.go``); :mod:`kgen.runtime._config` turns the chosen context into a
:class:`~kgen.runtime._config.Config`.

- **Which files:** ``KUBECONFIG`` split on :data:`os.pathsep` (empty entries and duplicates
  dropped), else ``~/.kube/config``. Missing files are skipped; an explicit path must exist.
- **Merging:** the first file that defines a cluster, user or context name wins the *whole* entry
  (fields a later file sets for the same name are dropped); ``current-context`` comes from the first
  file that sets it.
- **Relative paths** (``certificate-authority``, ``client-certificate``, ``client-key``,
  ``tokenFile`` and an exec ``command`` containing a path separator) are relative to the directory
  of the file that defines them.
- **When:** every file is parsed and type-checked when loaded (a string where a list belongs is an
  error anywhere, as in kubectl); semantic checks and file reads happen only for the context in use.

Every error is a :class:`ConfigError` naming the file and the field, e.g.
``/home/u/.kube/config: contexts[name=dev].context.cluster: cluster "x" is not defined``. Messages
and reprs never contain tokens, passwords or key data.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from kgen.runtime._errors import ConfigError
import kgen.runtime._yamlsafe as yamlsafe
from kgen.runtime._proxy import mask_url
from kgen.runtime._credentials import (
    EXEC_API_VERSIONS,
    EXEC_CLUSTER_EXTENSION,
    EXEC_INTERACTIVE_MODES,
    CredentialError,
    ExecCluster,
    ExecConfig,
    read_token_file,
)

__all__ = [
    "ClusterEntry",
    "ConfigError",
    "ContextEntry",
    "ExecEntry",
    "Kubeconfig",
    "KubeconfigFile",
    "ResolvedContext",
    "UserEntry",
    "default_paths",
    "load",
    "load_file",
    "merge",
]

_V1BETA1 = "client.authentication.k8s.io/v1beta1"
_PROXY_SCHEMES = ("http", "https", "socks5")


# --- The entries of one file ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterEntry:
    """A ``clusters[]`` entry, type-checked, paths resolved, ``-data`` fields decoded."""

    name: str
    file: str
    field: str  # "clusters[name=x].cluster"
    server: str | None = None
    certificate_authority: str | None = None  # absolute path
    certificate_authority_data: bytes | None = None
    insecure_skip_tls_verify: bool = False
    tls_server_name: str | None = None
    proxy_url: str | None = None
    exec_extension: Any = None  # extensions[name=client.authentication.k8s.io/exec].extension

    def __repr__(self) -> str:
        fields = (
            f"{f.name}={mask_url(v) if f.name == 'proxy_url' and v else v!r}"
            for f in dataclasses.fields(self)
            for v in (getattr(self, f.name),)
        )
        return f"ClusterEntry({', '.join(fields)})"


@dataclass(frozen=True)
class ExecEntry:
    """A ``users[].user.exec`` stanza as written (validated only when its user is used)."""

    field: str
    command: str | None = None  # resolved against the file's directory if it contains a separator
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    api_version: str | None = None
    interactive_mode: str | None = None
    provide_cluster_info: bool = False
    install_hint: str | None = None

    def __repr__(self) -> str:
        env = ", ".join(f"{name}=..." for name, _ in self.env)
        return f"ExecEntry(command={self.command!r}, args={self.args!r}, env=[{env}])"


@dataclass(frozen=True, repr=False)
class UserEntry:
    """A ``users[]`` entry, type-checked, paths resolved, ``-data`` fields decoded."""

    name: str
    file: str
    field: str  # "users[name=x].user"
    token: str | None = None
    token_file: str | None = None
    client_certificate: str | None = None
    client_certificate_data: bytes | None = None
    client_key: str | None = None
    client_key_data: bytes | None = None
    username: str | None = None
    password: str | None = None
    impersonate: str | None = None
    impersonate_groups: tuple[str, ...] = ()
    impersonate_uid: str | None = None
    impersonate_extra: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    exec: ExecEntry | None = None
    auth_provider: str | None = None  # the auth-provider's name ("oidc"), "" if unnamed

    def __repr__(self) -> str:
        secret = {"token", "password", "client_key_data"}
        set_fields = [
            name
            for name in self.__dataclass_fields__
            if name not in ("name", "file", "field") and getattr(self, name) not in (None, (), {})
        ]
        shown = ", ".join(
            f"{name}=<redacted>" if name in secret else f"{name}=..." for name in set_fields
        )
        return f"UserEntry(name={self.name!r}, file={self.file!r}, {shown})"


@dataclass(frozen=True)
class ContextEntry:
    """A ``contexts[]`` entry."""

    name: str
    file: str
    field: str  # "contexts[name=x].context"
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None


@dataclass(frozen=True)
class KubeconfigFile:
    """One parsed kubeconfig file."""

    path: str
    clusters: Mapping[str, ClusterEntry]
    users: Mapping[str, UserEntry]
    contexts: Mapping[str, ContextEntry]
    current_context: str | None = None


# --- Field access with error locations ------------------------------------------------------------


class _Node:
    """A mapping from a kubeconfig file, with the file and field path that its errors name."""

    def __init__(self, file: str, field: str, data: Mapping[str, Any]) -> None:
        self.file = file
        self.field = field
        self.data = data

    def at(self, key: str) -> str:
        return f"{self.field}.{key}" if self.field else key

    def error(self, key: str | None, message: str) -> ConfigError:
        return ConfigError(message, file=self.file, field=self.at(key) if key else self.field)

    def string(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_type_name(value)}")
        return value or None  # Go cannot tell "" from unset

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {_type_name(value)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.list(key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.error(f"{key}[{index}]", f"must be a string, not {_type_name(item)}")
        return tuple(items)

    def list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, not {_type_name(value)}")
        return value

    def mapping(self, key: str) -> _Node | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"must be a mapping, not {_type_name(value)}")
        return _Node(self.file, self.at(key), value)

    def base64(self, key: str) -> bytes | None:
        text = self.string(key)
        if text is None:
            return None
        try:
            # Go's decoder skips newlines; YAML block scalars add them.
            return base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise self.error(key, "is not valid base64") from None

    def path(self, key: str) -> str | None:
        value = self.string(key)
        return None if value is None else _resolve(value, self.file)


def _type_name(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def _resolve(path: str, file: str) -> str:
    if os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(os.path.dirname(file), path))


# --- Loading --------------------------------------------------------------------------------------


def default_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """The files kubectl reads: ``KUBECONFIG``'s entries if it is non-empty, else ~/.kube/config."""
    env = os.environ if environ is None else environ
    value = env.get("KUBECONFIG", "")
    if value:
        paths: list[str] = []
        for entry in value.split(os.pathsep):
            if entry and os.path.abspath(entry) not in paths:
                paths.append(os.path.abspath(entry))
        return paths
    home = env.get("HOME") or os.path.expanduser("~")
    return [os.path.join(home, ".kube", "config")]


def load_file(path: str | os.PathLike[str]) -> KubeconfigFile:
    """Parse one kubeconfig file, which must exist."""
    parsed = _load_file(path, must_exist=True)
    if parsed is None:  # pragma: no cover - _load_file raises instead
        raise ConfigError("the kubeconfig file does not exist", file=os.fspath(path))
    return parsed


def _load_file(path: str | os.PathLike[str], *, must_exist: bool) -> KubeconfigFile | None:
    file = os.path.abspath(os.fspath(path))
    try:
        with open(file, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        if must_exist:
            raise ConfigError("the kubeconfig file does not exist", file=file) from None
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read the kubeconfig file: {exc.strerror}", file=file) from None
    try:
        document = yamlsafe.load(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {_yaml_problem(exc)}", file=file) from None
    if document is None:
        document = {}  # an empty file is an empty configuration
    if not isinstance(document, dict):
        raise ConfigError(f"must be a mapping, not {_type_name(document)}", file=file)
    root = _Node(file, "", document)
    return KubeconfigFile(
        path=file,
        clusters={name: _cluster(name, node) for name, node in _named(root, "clusters", "cluster")},
        users={name: _user(name, node) for name, node in _named(root, "users", "user")},
        contexts={name: _context(name, node) for name, node in _named(root, "contexts", "context")},
        current_context=root.string("current-context"),
    )


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # Only the problem and its position: str(exc) quotes the offending lines, which may hold a
    # token.
    problem = getattr(exc, "problem", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)


def _named(root: _Node, key: str, inner: str) -> list[tuple[str, _Node]]:
    out: dict[str, _Node] = {}
    for index, item in enumerate(root.list(key)):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise root.error(where, f"must be a mapping, not {_type_name(item)}")
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise root.error(f"{where}.name", "must be a non-empty string")
        if name in out:
            raise root.error(f"{where}.name", f'duplicate name "{name}" in {key}')
        body = item.get(inner)
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise root.error(
                f"{key}[name={name}].{inner}", f"must be a mapping, not {_type_name(body)}"
            )
        out[name] = _Node(root.file, f"{key}[name={name}].{inner}", body)
    return list(out.items())


def _cluster(name: str, node: _Node) -> ClusterEntry:
    exec_extension = None
    for index, item in enumerate(node.list("extensions")):
        if not isinstance(item, dict):
            raise node.error(f"extensions[{index}]", f"must be a mapping, not {_type_name(item)}")
        if item.get("name") == EXEC_CLUSTER_EXTENSION:
            exec_extension = item.get("extension")
    return ClusterEntry(
        name=name,
        file=node.file,
        field=node.field,
        server=node.string("server"),
        certificate_authority=node.path("certificate-authority"),
        certificate_authority_data=node.base64("certificate-authority-data"),
        insecure_skip_tls_verify=node.boolean("insecure-skip-tls-verify"),
        tls_server_name=node.string("tls-server-name"),
        proxy_url=node.string("proxy-url"),
        exec_extension=exec_extension,
    )


def _user(name: str, node: _Node) -> UserEntry:
    extra: dict[str, tuple[str, ...]] = {}
    extra_node = node.mapping("as-user-extra")
    if extra_node is not None:
        for key in extra_node.data:
            if not isinstance(key, str):
                raise extra_node.error(None, "keys must be strings")
            extra[key] = extra_node.strings(key)
    provider = node.mapping("auth-provider")
    exec_node = node.mapping("exec")
    return UserEntry(
        name=name,
        file=node.file,
        field=node.field,
        token=node.string("token"),
        token_file=node.path("tokenFile"),
        client_certificate=node.path("client-certificate"),
        client_certificate_data=node.base64("client-certificate-data"),
        client_key=node.path("client-key"),
        client_key_data=node.base64("client-key-data"),
        username=node.string("username"),
        password=node.string("password"),
        impersonate=node.string("as"),
        impersonate_groups=node.strings("as-groups"),
        impersonate_uid=node.string("as-uid"),
        impersonate_extra=extra,
        exec=None if exec_node is None else _exec(exec_node),
        auth_provider=None if provider is None else (provider.string("name") or ""),
    )


def _exec(node: _Node) -> ExecEntry:
    env: list[tuple[str, str]] = []
    for index, item in enumerate(node.list("env")):
        if not isinstance(item, dict):
            raise node.error(f"env[{index}]", f"must be a mapping, not {_type_name(item)}")
        entry = _Node(node.file, node.at(f"env[{index}]"), item)
        env.append((entry.string("name") or "", entry.string("value") or ""))
    command = node.string("command")
    if command is not None and (os.sep in command or (os.altsep and os.altsep in command)):
        command = _resolve(command, node.file)  # a path, not a name looked up in PATH
    return ExecEntry(
        field=node.field,
        command=command,
        args=node.strings("args"),
        env=tuple(env),
        api_version=node.string("apiVersion"),
        interactive_mode=node.string("interactiveMode"),
        provide_cluster_info=node.boolean("provideClusterInfo"),
        install_hint=node.string("installHint"),
    )


def _context(name: str, node: _Node) -> ContextEntry:
    return ContextEntry(
        name=name,
        file=node.file,
        field=node.field,
        cluster=node.string("cluster"),
        user=node.string("user"),
        namespace=node.string("namespace"),
    )


# --- Merging --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResolvedContext:
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


@dataclass(frozen=True)
class Kubeconfig:
    """The merged view of several kubeconfig files."""

    files: tuple[str, ...]  # the files that were loaded, in precedence order
    clusters: Mapping[str, ClusterEntry] = dataclasses.field(default_factory=dict)
    users: Mapping[str, UserEntry] = dataclasses.field(default_factory=dict)
    contexts: Mapping[str, ContextEntry] = dataclasses.field(default_factory=dict)
    current_context: str | None = None
    current_context_file: str | None = None  # the file that set current-context
    searched: tuple[str, ...] = ()  # every path considered, for "nothing found" messages

    def is_empty(self) -> bool:
        """True when nothing is configured (client-go then falls back to in-cluster)."""
        return not (self.clusters or self.users or self.contexts or self.current_context)

    def resolve(self, context: str | None = None) -> ResolvedContext:
        """Check and materialise ``context`` (default: current-context), or raise ConfigError."""
        return _resolve_context(self, context)


def merge(files: Sequence[KubeconfigFile], *, searched: Sequence[str] = ()) -> Kubeconfig:
    """Merge by kubectl's rules: the first file to set a name, or current-context, wins."""
    clusters: dict[str, ClusterEntry] = {}
    users: dict[str, UserEntry] = {}
    contexts: dict[str, ContextEntry] = {}
    current_context = current_context_file = None
    for kubeconfig in files:
        for name, cluster in kubeconfig.clusters.items():
            clusters.setdefault(name, cluster)
        for name, user in kubeconfig.users.items():
            users.setdefault(name, user)
        for name, ctx in kubeconfig.contexts.items():
            contexts.setdefault(name, ctx)
        if current_context is None and kubeconfig.current_context:
            current_context, current_context_file = kubeconfig.current_context, kubeconfig.path
    return Kubeconfig(
        files=tuple(f.path for f in files),
        clusters=clusters,
        users=users,
        contexts=contexts,
        current_context=current_context,
        current_context_file=current_context_file,
        searched=tuple(searched) or tuple(f.path for f in files),
    )


def load(
    path: str | os.PathLike[str] | None = None, *, environ: Mapping[str, str] | None = None
) -> Kubeconfig:
    """Load ``path`` if given (it must exist), else merge the :func:`default_paths` that exist."""
    if path is not None:
        return merge([load_file(path)])
    paths = default_paths(environ)
    files = [f for p in paths if (f := _load_file(p, must_exist=False)) is not None]
    return merge(files, searched=paths)


# --- Checking the context in use ------------------------------------------------------------------


def _resolve_context(kubeconfig: Kubeconfig, wanted: str | None) -> ResolvedContext:
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
    ctx_node = _Node(ctx.file, ctx.field, {})
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
    node = _Node(cluster.file, cluster.field, {})
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
    node: _Node, key: str, value: str, schemes: Sequence[str], *, default_scheme: str | None = None
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


def _read(node: _Node, key: str, path: str) -> bytes:
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
    node = _Node(user.file, user.field, {})
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


def _client_certificate(node: _Node, user: UserEntry) -> tuple[bytes | None, bytes | None]:
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
    entry: ExecEntry, user: _Node, cluster: ClusterEntry, server: str, ca_data: bytes | None
) -> ExecConfig:
    node = _Node(user.file, entry.field, {})
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
