"""A scheme maps (apiVersion, kind) to a model class, and decodes any object to the right class.

Every generated package has one (``<package>.scheme``). Entries are registered as import paths and imported
on first use, so that a scheme covering the whole Kubernetes API costs nothing to import.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import DecodeError, UnknownKindError
from kgen.runtime._meta import KubernetesObject

__all__ = ["Scheme", "UnknownKindError"]

T = TypeVar("T", bound=KubernetesObject)

#: What :meth:`Scheme.decode` reads: JSON (bytes or text) or JSON already decoded.
Data = bytes | bytearray | memoryview | str | Mapping[str, Any]


class _TypeMeta(msgspec.Struct):
    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    kind: str | None = None


_type_meta = msgspec.json.Decoder(_TypeMeta)


class Scheme:
    """(apiVersion, kind) to class, for one or more generated packages."""

    def __init__(
        self, entries: Mapping[tuple[str, str], str] | None = None, *, package: str | None = None
    ) -> None:
        # Values are "module:ClassName" until first use, then the class itself. Module names starting
        # with a dot are relative to ``package``, so a vendored (renamed) package still resolves them.
        self._entries: dict[tuple[str, str], str | type[KubernetesObject]] = dict(entries or {})
        self._package = package

    def register(self, cls: type[KubernetesObject]) -> None:
        gvk = cls.GVK
        self._entries[(gvk.api_version, gvk.kind)] = cls

    def merge(self, other: Scheme) -> Scheme:
        """A new scheme with the entries of both (``other`` wins where both define a kind)."""
        merged = Scheme()
        merged._entries = {**self._resolved_entries(), **other._resolved_entries()}
        return merged

    def _resolved_entries(self) -> dict[tuple[str, str], str | type[KubernetesObject]]:
        # Relative entries only make sense with their own package: make them absolute.
        out: dict[tuple[str, str], str | type[KubernetesObject]] = {}
        for key, entry in self._entries.items():
            if isinstance(entry, str) and entry.startswith(".") and self._package:
                entry = self._package + entry
            out[key] = entry
        return out

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(sorted(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def kinds(self) -> Iterable[tuple[str, str]]:
        return sorted(self._entries)

    def type_for(self, api_version: str | None, kind: str | None) -> type[KubernetesObject]:
        if api_version is None or kind is None:
            raise UnknownKindError(api_version, kind)
        entry = self._entries.get((api_version, kind))
        if entry is None:
            raise UnknownKindError(api_version, kind)
        if isinstance(entry, str):
            module_name, _, class_name = entry.partition(":")
            entry = getattr(importlib.import_module(module_name, self._package), class_name)
            assert isinstance(entry, type)
            self._entries[(api_version, kind)] = entry
        return entry

    @overload
    def decode(self, data: Data) -> KubernetesObject: ...

    @overload
    def decode(self, data: Data, kind: type[T]) -> T: ...

    def decode(self, data: Data, kind: type[KubernetesObject] | None = None) -> KubernetesObject:
        """Decode JSON bytes, text or a dict to an object of the class its apiVersion and kind name.

        Name the class you expect (``scheme.decode(data, Pod)``) to have it typed as that class: an
        object of another kind is then a :class:`DecodeError`, and one that does not say its kind
        (a list's item) is read as ``kind``."""
        if isinstance(data, Mapping):
            cls = self._class_of(data.get("apiVersion"), data.get("kind"), kind)
            return codec.from_builtins(data, cls)
        meta = _type_meta.decode(data)
        cls = self._class_of(meta.api_version, meta.kind, kind)
        return codec.decode(data, cls)

    def _class_of(
        self, api_version: str | None, kind: str | None, expected: type[KubernetesObject] | None
    ) -> type[KubernetesObject]:
        if expected is None:
            return self.type_for(api_version, kind)
        if api_version is None and kind is None:
            return expected
        cls = self.type_for(api_version, kind)
        if not issubclass(cls, expected):
            raise DecodeError(f"the object is a {api_version} {kind}, not a {expected.__name__}")
        return cls

    @staticmethod
    def encode(obj: Any) -> bytes:
        """JSON bytes of an object; fields never set are left out."""
        return codec.encode(obj)
