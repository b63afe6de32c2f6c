"""The kubeconfig file model: the entries one file may hold, as parsed and type-checked, and
:class:`Node`, a mapping of the file that knows which file and field its errors name."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from typing import Any

import msgspec

from kgen.runtime._errors import ConfigError
from kgen.runtime._proxy import mask_url

__all__ = [
    "ClusterEntry",
    "ContextEntry",
    "ExecEntry",
    "KubeconfigFile",
    "Node",
    "UserEntry",
    "resolve_path",
    "type_name",
]


# The records are frozen msgspec Structs rather than dataclasses: each frozen dataclass costs a process
# about 5 M instructions to create (its methods are compiled from source), a Struct a few percent of that,
# and every program that loads a kubeconfig creates these on import.


class ClusterEntry(msgspec.Struct, frozen=True):
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
            f"{name}={mask_url(v) if name == 'proxy_url' and v else v!r}"
            for name in self.__struct_fields__
            for v in (getattr(self, name),)
        )
        return f"ClusterEntry({', '.join(fields)})"


class ExecEntry(msgspec.Struct, frozen=True):
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


class UserEntry(msgspec.Struct, frozen=True):
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
    impersonate_extra: Mapping[str, tuple[str, ...]] = msgspec.field(default_factory=dict)
    exec: ExecEntry | None = None
    auth_provider: str | None = None  # the auth-provider's name ("oidc"), "" if unnamed

    def __repr__(self) -> str:
        secret = {"token", "password", "client_key_data"}
        set_fields = [
            name
            for name in self.__struct_fields__
            if name not in ("name", "file", "field") and getattr(self, name) not in (None, (), {})
        ]
        shown = ", ".join(
            f"{name}=<redacted>" if name in secret else f"{name}=..." for name in set_fields
        )
        return f"UserEntry(name={self.name!r}, file={self.file!r}, {shown})"


class ContextEntry(msgspec.Struct, frozen=True):
    """A ``contexts[]`` entry."""

    name: str
    file: str
    field: str  # "contexts[name=x].context"
    cluster: str | None = None
    user: str | None = None
    namespace: str | None = None


class KubeconfigFile(msgspec.Struct, frozen=True):
    """One parsed kubeconfig file."""

    path: str
    clusters: Mapping[str, ClusterEntry]
    users: Mapping[str, UserEntry]
    contexts: Mapping[str, ContextEntry]
    current_context: str | None = None


class Node:
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
            raise self.error(key, f"must be a string, not {type_name(value)}")
        return value or None  # Go cannot tell "" from unset

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {type_name(value)}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        items = self.list(key)
        for index, item in enumerate(items):
            if not isinstance(item, str):
                raise self.error(f"{key}[{index}]", f"must be a string, not {type_name(item)}")
        return tuple(items)

    def list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, not {type_name(value)}")
        return value

    def mapping(self, key: str) -> Node | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error(key, f"must be a mapping, not {type_name(value)}")
        return Node(self.file, self.at(key), value)

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
        return None if value is None else resolve_path(value, self.file)


def type_name(value: object) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number"
    return names.get(type(value), type(value).__name__)


def resolve_path(path: str, file: str) -> str:
    if os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(os.path.dirname(file), path))
