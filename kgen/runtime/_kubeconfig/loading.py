"""Finding kubeconfig files, parsing each into a :class:`~.entries.KubeconfigFile`, and merging them
into one :class:`Kubeconfig` by kubectl's rules (see the package docstring)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import msgspec

import kgen.runtime._yamlblock as yamlblock
from kgen.runtime._errors import ConfigError
from kgen.runtime._kubeconfig.entries import (
    ClusterEntry,
    ContextEntry,
    ExecEntry,
    KubeconfigFile,
    Node,
    UserEntry,
    resolve_path,
    type_name,
)
from kgen.runtime._kubeconfig.resolution import ResolvedContext, resolve_context

if TYPE_CHECKING:
    import yaml

__all__ = ["Kubeconfig", "default_paths", "load", "load_file", "merge"]


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
    document = _parse(data, file)
    if document is None:
        document = {}  # an empty file is an empty configuration
    if not isinstance(document, dict):
        raise ConfigError(f"must be a mapping, not {type_name(document)}", file=file)
    root = Node(file, "", document)
    return KubeconfigFile(
        path=file,
        clusters={name: _cluster(name, node) for name, node in _named(root, "clusters", "cluster")},
        users={name: _user(name, node) for name, node in _named(root, "users", "user")},
        contexts={name: _context(name, node) for name, node in _named(root, "contexts", "context")},
        current_context=root.string("current-context"),
    )


def _parse(data: bytes, file: str) -> Any:
    try:
        return yamlblock.load(data)
    except yamlblock.Unsupported:
        pass
    # PyYAML only for what the block subset does not read: importing it costs more than the rest of
    # loading a kubeconfig.
    import yaml

    import kgen.runtime._yamlsafe as yamlsafe

    try:
        return yamlsafe.load(data)
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {_yaml_problem(exc)}", file=file) from None


def _yaml_problem(exc: yaml.YAMLError) -> str:
    # Only the problem and its position: str(exc) quotes the offending lines, which may hold a
    # token.
    problem = getattr(exc, "problem", None) or type(exc).__name__
    mark = getattr(exc, "problem_mark", None)
    if mark is not None:
        return f"{problem} (line {mark.line + 1}, column {mark.column + 1})"
    return str(problem)


def _named(root: Node, key: str, inner: str) -> list[tuple[str, Node]]:
    out: dict[str, Node] = {}
    for index, item in enumerate(root.list(key)):
        where = f"{key}[{index}]"
        if not isinstance(item, dict):
            raise root.error(where, f"must be a mapping, not {type_name(item)}")
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
                f"{key}[name={name}].{inner}", f"must be a mapping, not {type_name(body)}"
            )
        out[name] = Node(root.file, f"{key}[name={name}].{inner}", body)
    return list(out.items())


def _cluster(name: str, node: Node) -> ClusterEntry:
    exec_extension = None
    for index, item in enumerate(node.list("extensions")):
        # The exec plugin's module only when there is an extension to look at (most kubeconfigs).
        from kgen.runtime._execplugin import EXEC_CLUSTER_EXTENSION

        if not isinstance(item, dict):
            raise node.error(f"extensions[{index}]", f"must be a mapping, not {type_name(item)}")
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


def _user(name: str, node: Node) -> UserEntry:
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


def _exec(node: Node) -> ExecEntry:
    env: list[tuple[str, str]] = []
    for index, item in enumerate(node.list("env")):
        if not isinstance(item, dict):
            raise node.error(f"env[{index}]", f"must be a mapping, not {type_name(item)}")
        entry = Node(node.file, node.at(f"env[{index}]"), item)
        env.append((entry.string("name") or "", entry.string("value") or ""))
    command = node.string("command")
    if command is not None and (os.sep in command or (os.altsep and os.altsep in command)):
        command = resolve_path(command, node.file)  # a path, not a name looked up in PATH
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


def _context(name: str, node: Node) -> ContextEntry:
    return ContextEntry(
        name=name,
        file=node.file,
        field=node.field,
        cluster=node.string("cluster"),
        user=node.string("user"),
        namespace=node.string("namespace"),
    )


class Kubeconfig(msgspec.Struct, frozen=True):  # a Struct: see entries.py
    """The merged view of several kubeconfig files."""

    files: tuple[str, ...]  # the files that were loaded, in precedence order
    clusters: Mapping[str, ClusterEntry] = msgspec.field(default_factory=dict)
    users: Mapping[str, UserEntry] = msgspec.field(default_factory=dict)
    contexts: Mapping[str, ContextEntry] = msgspec.field(default_factory=dict)
    current_context: str | None = None
    current_context_file: str | None = None  # the file that set current-context
    searched: tuple[str, ...] = ()  # every path considered, for "nothing found" messages

    def is_empty(self) -> bool:
        """True when nothing is configured (client-go then falls back to in-cluster)."""
        return not (self.clusters or self.users or self.contexts or self.current_context)

    def resolve(self, context: str | None = None) -> ResolvedContext:
        """Check and materialise ``context`` (default: current-context), or raise ConfigError."""
        return resolve_context(self, context)


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
