"""Transforms applied to objects before they are cached: drop managedFields, intern repeated strings.

Informer caches hold every object of a resource for the life of the program, so what each object
carries matters (kubernetes/kubernetes#113305, cert-manager#4722: caches are the usual OOM). The
default transform, :func:`default_transform`, does two things in place on each freshly decoded object:

- drops ``metadata.managedFields``, which server-side apply makes one of the biggest parts of many
  objects, and which controllers reading a cache almost never need;
- *interns* the strings that repeat across objects (namespace, label keys and values, annotation
  keys, owner references, finalizers, generateName): equal strings become one object, through a
  bounded table (:class:`StringInterner`) rather than ``sys.intern``, so that a churn of unique values
  (pod-template hashes...) cannot grow memory without end.

A transform receives the decoded object (a model, or :class:`~kgen.runtime.unstructured.Unstructured`
for dynamic informers), may change it in place, and returns the object to cache. It must be idempotent:
the same object may go through it twice. Replace the default with ``transform=`` on an informer or
factory (``None`` caches objects as decoded), or build one with :func:`make_transform`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kgen.runtime.unstructured import Unstructured

__all__ = [
    "DEFAULT_INTERNER",
    "StringInterner",
    "Transform",
    "default_transform",
    "make_transform",
]

Transform = Callable[[Any], Any]


class StringInterner:
    """Returns one shared object for equal strings, remembering at most ``max_size`` of them.

    When full the table is emptied and refilled: strings already shared stay shared (the cached
    objects hold them), only later duplicates of forgotten strings are not folded. That bound is what
    ``sys.intern`` lacks (interned strings may live as long as the interpreter)."""

    def __init__(self, max_size: int = 65536) -> None:
        self.max_size = max_size
        self._table: dict[str, str] = {}

    def __call__(self, value: str) -> str:
        known = self._table.get(value)
        if known is not None:
            return known
        if len(self._table) >= self.max_size:
            self._table.clear()
        self._table[value] = value
        return value

    def __len__(self) -> int:
        return len(self._table)


#: The table the default transform shares across every informer: the same namespaces, label keys
#: and owner names show up in many resources.
DEFAULT_INTERNER = StringInterner()


def _strings(
    values: dict[str, str], intern: Callable[[str], str], values_too: bool
) -> dict[str, str]:
    if values_too:
        return {intern(k): intern(v) for k, v in values.items()}
    return {intern(k): v for k, v in values.items()}


def _typed(obj: Any, drop: bool, intern: Callable[[str], str] | None) -> None:
    meta = getattr(obj, "metadata", None)
    if meta is None:
        return
    if drop and getattr(meta, "managed_fields", None) is not None:
        meta.managed_fields = None
    if intern is None:
        return
    if meta.namespace:
        meta.namespace = intern(meta.namespace)
    if meta.generate_name:
        meta.generate_name = intern(meta.generate_name)
    if meta.labels:
        meta.labels = _strings(meta.labels, intern, True)
    if meta.annotations:
        # Annotation values are often big one-offs (last-applied-configuration): keys only.
        meta.annotations = _strings(meta.annotations, intern, False)
    if meta.finalizers:
        meta.finalizers = [intern(f) for f in meta.finalizers]
    for ref in meta.owner_references or ():
        ref.api_version = intern(ref.api_version)
        ref.kind = intern(ref.kind)
        ref.name = intern(ref.name)
        ref.uid = intern(ref.uid)


def _unstructured(body: dict[str, Any], drop: bool, intern: Callable[[str], str] | None) -> None:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        return
    if drop:
        meta.pop("managedFields", None)
    if intern is None:
        return
    for key in ("namespace", "generateName"):
        if isinstance(meta.get(key), str):
            meta[key] = intern(meta[key])
    if isinstance(meta.get("labels"), dict):
        meta["labels"] = _strings(meta["labels"], intern, True)
    if isinstance(meta.get("annotations"), dict):
        meta["annotations"] = _strings(meta["annotations"], intern, False)
    if isinstance(meta.get("finalizers"), list):
        meta["finalizers"] = [intern(f) if isinstance(f, str) else f for f in meta["finalizers"]]
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict):
            for key in ("apiVersion", "kind", "name", "uid"):
                if isinstance(ref.get(key), str):
                    ref[key] = intern(ref[key])


def make_transform(
    *, drop_managed_fields: bool = True, interner: Callable[[str], str] | None = DEFAULT_INTERNER
) -> Transform:
    """A transform that drops managedFields (or not) and interns with ``interner`` (None: no
    interning)."""

    def transform(obj: Any) -> Any:
        if isinstance(obj, Unstructured):
            _unstructured(obj.object, drop_managed_fields, interner)
        elif isinstance(obj, dict):
            _unstructured(obj, drop_managed_fields, interner)
        else:
            _typed(obj, drop_managed_fields, interner)
        return obj

    return transform


#: Drops managedFields and interns repeated strings with :data:`DEFAULT_INTERNER`.
default_transform: Transform = make_transform()
