"""Reading the metadata of cached objects, typed models or unstructured, and copying them.

The cache holds generated models (msgspec Structs with ``.metadata``), :class:`Unstructured` objects (the
dynamic client's) or plain dicts; these accessors read all three so that key functions, indexers, listers
and transforms are written once.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, TypeVar

import msgspec

from kgen.runtime._unstructured import Unstructured

__all__ = [
    "annotations_of",
    "copy_object",
    "labels_of",
    "name_of",
    "namespace_of",
    "resource_version_of",
]

T = TypeVar("T")

_EMPTY: Mapping[str, str] = {}


def _field(obj: Any, attribute: str, key: str) -> Any:
    if isinstance(obj, msgspec.Struct):
        # A model, the usual case, first: Unstructured is an ABC, whose isinstance check costs more
        # than reading the field (keys, indexes and resourceVersions read several per object).
        return getattr(getattr(obj, "metadata", None), attribute, None)
    if isinstance(obj, Unstructured):
        obj = obj.object
    if isinstance(obj, dict):
        return (obj.get("metadata") or {}).get(key)
    return getattr(getattr(obj, "metadata", None), attribute, None)


def name_of(obj: Any) -> str | None:
    """``metadata.name``."""
    value = _field(obj, "name", "name")
    return value if isinstance(value, str) else None


def namespace_of(obj: Any) -> str | None:
    """``metadata.namespace`` (None or "" for cluster-scoped objects)."""
    value = _field(obj, "namespace", "namespace")
    return value if isinstance(value, str) else None


def resource_version_of(obj: Any) -> str | None:
    """``metadata.resourceVersion``."""
    value = _field(obj, "resource_version", "resourceVersion")
    return value if isinstance(value, str) else None


def labels_of(obj: Any) -> Mapping[str, str]:
    """``metadata.labels`` (empty when there are none); do not mutate it."""
    value = _field(obj, "labels", "labels")
    return value if isinstance(value, Mapping) else _EMPTY


def annotations_of(obj: Any) -> Mapping[str, str]:
    """``metadata.annotations`` (empty when there are none); do not mutate it."""
    value = _field(obj, "annotations", "annotations")
    return value if isinstance(value, Mapping) else _EMPTY


def copy_object(obj: T) -> T:
    """A deep copy, safe to mutate: cached objects are shared with every reader and handler."""
    if isinstance(obj, Unstructured):
        return Unstructured(copy.deepcopy(obj.object))  # type: ignore[return-value]
    return copy.deepcopy(obj)
