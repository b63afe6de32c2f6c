"""Unstructured objects: a dict with the accessors every Kubernetes object has.

The dynamic client returns these. Nothing is dropped: the dict is exactly what the server sent, so an
unstructured read-modify-write keeps fields no model knows about.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, TypeVar, overload

import kgen.runtime._codec as codec
from kgen.runtime._meta import OwnerReference

__all__ = ["Unstructured", "UnstructuredList"]

T = TypeVar("T")


class Unstructured(MutableMapping[str, Any]):
    """A Kubernetes object as a dict (``obj["spec"]["replicas"]``), with metadata accessors."""

    __slots__ = ("object",)

    def __init__(self, obj: dict[str, Any] | None = None, /, **fields: Any) -> None:
        # The dict is used as given (not copied): an Unstructured is a view of it.
        self.object: dict[str, Any] = obj if obj is not None else {}
        self.object.update(fields)

    # --- mapping ------------------------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self.object[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.object[key] = value

    def __delitem__(self, key: str) -> None:
        del self.object[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.object)

    def __len__(self) -> int:
        return len(self.object)

    def __repr__(self) -> str:
        return f"Unstructured({self.api_version}, {self.kind}, {self.namespace}/{self.name})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Unstructured):
            return self.object == other.object
        return self.object == other

    __hash__ = None  # type: ignore[assignment]

    # --- accessors ----------------------------------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] | None = self.object.get("metadata")
        if meta is None:
            meta = self.object["metadata"] = {}
        return meta

    def _meta_get(self, key: str) -> Any:
        return (self.object.get("metadata") or {}).get(key)

    def _meta_set(self, key: str, value: Any) -> None:
        if value is None:
            self.metadata.pop(key, None)
        else:
            self.metadata[key] = value

    @property
    def api_version(self) -> str | None:
        return self.object.get("apiVersion")

    @api_version.setter
    def api_version(self, value: str) -> None:
        self.object["apiVersion"] = value

    @property
    def kind(self) -> str | None:
        return self.object.get("kind")

    @kind.setter
    def kind(self, value: str) -> None:
        self.object["kind"] = value

    @property
    def name(self) -> str | None:
        return self._meta_get("name")  # type: ignore[no-any-return]

    @name.setter
    def name(self, value: str | None) -> None:
        self._meta_set("name", value)

    @property
    def namespace(self) -> str | None:
        return self._meta_get("namespace")  # type: ignore[no-any-return]

    @namespace.setter
    def namespace(self, value: str | None) -> None:
        self._meta_set("namespace", value)

    @property
    def uid(self) -> str | None:
        return self._meta_get("uid")  # type: ignore[no-any-return]

    @property
    def resource_version(self) -> str | None:
        return self._meta_get("resourceVersion")  # type: ignore[no-any-return]

    @resource_version.setter
    def resource_version(self, value: str | None) -> None:
        self._meta_set("resourceVersion", value)

    @property
    def generation(self) -> int | None:
        return self._meta_get("generation")  # type: ignore[no-any-return]

    @property
    def labels(self) -> dict[str, str]:
        """The labels, as a live dict (created on first use)."""
        return self.metadata.setdefault("labels", {})  # type: ignore[no-any-return]

    @labels.setter
    def labels(self, value: dict[str, str]) -> None:
        self._meta_set("labels", dict(value))

    @property
    def annotations(self) -> dict[str, str]:
        return self.metadata.setdefault("annotations", {})  # type: ignore[no-any-return]

    @annotations.setter
    def annotations(self, value: dict[str, str]) -> None:
        self._meta_set("annotations", dict(value))

    @property
    def finalizers(self) -> list[str]:
        return self.metadata.setdefault("finalizers", [])  # type: ignore[no-any-return]

    @property
    def deletion_timestamp(self) -> str | None:
        return self._meta_get("deletionTimestamp")  # type: ignore[no-any-return]

    @property
    def owner_references(self) -> list[OwnerReference]:
        refs = self._meta_get("ownerReferences") or []
        return [codec.from_builtins(ref, OwnerReference) for ref in refs]

    @owner_references.setter
    def owner_references(self, value: list[OwnerReference]) -> None:
        self._meta_set("ownerReferences", [codec.to_builtins(ref) for ref in value] or None)

    # --- conversion ---------------------------------------------------------------------------------

    @overload
    def to_typed(self, scheme: Any = None, tp: None = None) -> Any: ...

    @overload
    def to_typed(self, scheme: Any, tp: type[T]) -> T: ...

    @overload
    def to_typed(self, *, tp: type[T]) -> T: ...

    def to_typed(self, scheme: Any = None, tp: type[T] | None = None) -> Any:
        """The typed object: through ``scheme`` (a generated package's ``scheme`` module or a
        :class:`~kgen.runtime._scheme.Scheme`) by apiVersion and kind, or as ``tp``."""
        if tp is not None:
            return codec.from_builtins(self.object, tp)
        if scheme is None:
            raise ValueError("give a scheme (a generated package's scheme) or a type")
        return scheme.decode(self.object)

    @classmethod
    def from_typed(cls, obj: Any) -> Unstructured:
        return cls(codec.to_builtins(obj))


class UnstructuredList:
    """A list answer: ``items`` are Unstructured views of the answer's items.

    ``lst["metadata"]`` reads the answer as JSON, like an Unstructured; iterating and ``len`` go over
    the items, which is what a list is for."""

    __slots__ = ("object",)

    def __init__(self, obj: dict[str, Any]) -> None:
        self.object = obj

    def __repr__(self) -> str:
        return f"UnstructuredList({self.object.get('kind')}, {len(self.items)} items)"

    def __getitem__(self, key: str) -> Any:
        return self.object[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.object.get(key, default)

    def __iter__(self) -> Iterator[Unstructured]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.object.get("items") or [])

    @property
    def items(self) -> list[Unstructured]:
        return [Unstructured(item) for item in self.object.get("items") or []]

    @property
    def api_version(self) -> str | None:
        return self.object.get("apiVersion")

    @property
    def kind(self) -> str | None:
        return self.object.get("kind")

    @property
    def resource_version(self) -> str | None:
        return (self.object.get("metadata") or {}).get("resourceVersion")

    @property
    def continue_(self) -> str | None:
        return (self.object.get("metadata") or {}).get("continue")
