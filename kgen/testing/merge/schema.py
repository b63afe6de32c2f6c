"""What the patch algorithms need to know about a position in an object: a :class:`FieldInfo` tree.

It is read from the API model (:mod:`kgen.apimodel.ir`) lazily, since types can be recursive. Two
readers use it: strategic merge patch looks at ``patch_strategy`` and ``patch_merge_key`` (from the
Go struct tags, published as ``x-kubernetes-patch-*``), server-side apply at ``list_type``,
``list_map_keys`` and ``map_type``. The SSA facts follow what kube-apiserver feeds
structured-merge-diff:

- a list with no ``x-kubernetes-list-type`` is atomic, unless it has patch strategy ``merge``: then
  it is a map list keyed by its patch merge key, or a set if it has no key (kube-openapi's
  schemaconv);
- maps and structs are granular unless ``x-kubernetes-map-type: atomic``;
- free-form values are "deduced": objects are granular maps of free-form values, lists are atomic. A
  ``type: object`` with no properties that does not preserve unknown fields (``FieldsV1``,
  ``RawExtension``) is a granular map of atomic values, and a value of any type is atomic.

The ``meta/v1`` types of :mod:`kgen.runtime._meta` carry their Kubernetes directives here
(ownerReferences is a map list keyed by uid, finalizers a set, LabelSelector and OwnerReference
atomic...). CRDs inline their own copies of these types, without those directives unless they
declare them, so a shared type reached from a CRD schema is plain (``ObjectMeta`` excepted: the
server always serves the real one).
"""

from __future__ import annotations

import threading

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from kgen.apimodel.ir import (
    NO_DEFAULT,
    APIModel,
    Array,
    EnumType,
    Extensions,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
)
from kgen.apimodel.shared import SHARED_TYPES

__all__ = ["ANY", "ANY_ATOMIC", "SCALAR", "FieldInfo", "Kind", "ListType", "MapType", "type_info"]

Kind: TypeAlias = Literal["scalar", "struct", "map", "list", "any"]
ListType: TypeAlias = Literal["atomic", "set", "map"]
MapType: TypeAlias = Literal["atomic", "granular"]


class _Children:
    """The children of a FieldInfo, built on first use (types may refer to themselves)."""

    def __init__(
        self,
        fields: Callable[[], dict[str, FieldInfo]] | None = None,
        items: Callable[[], FieldInfo] | None = None,
    ) -> None:
        self._fields_fn = fields
        self._items_fn = items
        self._fields: dict[str, FieldInfo] | None = None
        self._items: FieldInfo | None = None

    def fields(self) -> dict[str, FieldInfo]:
        if self._fields is None:
            self._fields = self._fields_fn() if self._fields_fn is not None else {}
        return self._fields

    def items(self) -> FieldInfo:
        if self._items is None:
            self._items = self._items_fn() if self._items_fn is not None else ANY
        return self._items


@dataclass(frozen=True)
class FieldInfo:
    """One position in an object: its kind and the merge directives that apply to it.

    ``list_type`` is the effective SSA list type of a list (never None for lists); ``key_defaults``
    are the schema defaults of the list-map keys, used for items that leave a key out.
    """

    kind: Kind
    list_type: ListType | None = None
    list_map_keys: tuple[str, ...] = ()
    patch_strategy: str | None = None
    patch_merge_key: str | None = None
    map_type: MapType | None = None
    key_defaults: tuple[tuple[str, Any], ...] = ()
    _children: _Children | None = field(default=None, compare=False, repr=False)

    def child(self, name: str) -> FieldInfo:
        """A struct field or a map value; anything unknown is free-form."""
        if self._children is None:
            return ANY_ATOMIC if self.is_atomic_any else ANY
        if self.kind == "struct":
            return self._children.fields().get(name, ANY)
        if self.kind in ("map", "any"):
            return self._children.items()
        return ANY

    def element(self) -> FieldInfo:
        """The items of a list."""
        if self._children is None or self.kind == "struct":
            return ANY_ATOMIC if self.is_atomic_any else ANY
        return self._children.items()

    def has_field(self, name: str) -> bool:
        """Whether ``name`` is a declared field of a struct (not a key of a map)."""
        return (
            self.kind == "struct"
            and self._children is not None
            and (name in self._children.fields())
        )

    @property
    def field_names(self) -> tuple[str, ...]:
        if self.kind != "struct" or self._children is None:
            return ()
        return tuple(self._children.fields())

    @property
    def is_atomic_any(self) -> bool:
        return self.kind == "any" and self.map_type == "atomic"

    @property
    def is_leaf(self) -> bool:
        """Whether server-side apply owns the value as one field (a scalar or an atomic value)."""
        if self.kind == "scalar":
            return True
        if self.kind == "list":
            return self.list_type == "atomic"
        return self.map_type == "atomic"


def _deduced() -> FieldInfo:
    return ANY


def _atomic() -> FieldInfo:
    return ANY_ATOMIC


def _node(
    kind: Kind,
    ext: Extensions,
    *,
    map_type: MapType | None = None,
    items: Callable[[], FieldInfo] | None = None,
) -> FieldInfo:
    return FieldInfo(
        kind,
        patch_strategy=ext.patch_strategy,
        patch_merge_key=ext.patch_merge_key,
        map_type=map_type,
        _children=None if items is None else _Children(items=items),
    )


SCALAR = FieldInfo("scalar")
# Free-form: objects are granular maps of free-form values, lists atomic (structured-merge-diff's
# "deduced" type).
ANY = FieldInfo("any", _children=_Children(items=_deduced))
# A value of any type owned as a whole.
ANY_ATOMIC = FieldInfo("any", map_type="atomic")


def type_info(model: APIModel | None, type_id: str | None) -> FieldInfo:
    """The FieldInfo of a kind's TypeDef, or the deduced one when there is no schema for it.

    Every write walks its kind's tree, so trees are kept, with the children the walks have built,
    per model and type. A built-in kind's (its type id has no "/", nor have the types it refers to)
    never changes. A custom resource's is a function of the TypeDefs it has looked up, which a CRD
    may replace: it is kept while each of them is still the model's, and built anew otherwise (a
    child built later looks its types up then, as a new tree would)."""
    if model is None or type_id is None or type_id not in model.types:
        return ANY
    typedef = model.types[type_id]
    builtin = "/" not in type_id
    with _TREES_LOCK:
        cached = _TREES.get(id(model))
        if cached is None or cached[0] is not model:
            cached = _TREES[id(model)] = (model, {})
            while len(_TREES) > 32:
                del _TREES[next(iter(_TREES))]
        found = cached[1].get(type_id)
        if found is not None and found[0] is typedef and (builtin or found[1].current()):
            return found[2]
        resolver = _Resolver(model, track=not builtin)
        info = resolver.typedef(typedef, Extensions(), builtin=builtin)
        cached[1][type_id] = (typedef, resolver, info)
        return info


class _Resolver:
    def __init__(self, model: APIModel, *, track: bool = False) -> None:
        self.model = model
        # With ``track``, the TypeDefs looked up so far, by type id (None: not in the model).
        self._seen: dict[str, TypeDef | None] | None = {} if track else None

    def _lookup(self, type_id: str) -> TypeDef | None:
        found = self.model.types.get(type_id)
        if self._seen is not None:
            self._seen.setdefault(type_id, found)  # the first: what the tree was built on
        return found

    def current(self) -> bool:
        """Whether each TypeDef looked up is still the model's: then the tree is what a new one
        would be."""
        types = self.model.types
        seen = tuple((self._seen or {}).items())  # a copy: other walks may be adding to it
        return all(types.get(type_id) is found for type_id, found in seen)

    def typedef(self, typedef: TypeDef, ext: Extensions, *, builtin: bool) -> FieldInfo:
        map_type = _map_type(ext.map_type or typedef.extensions.map_type)

        def fields() -> dict[str, FieldInfo]:
            return {
                f.json_name: self.ref(f.type, f.extensions, builtin=builtin) for f in typedef.fields
            }

        return FieldInfo(
            "struct",
            patch_strategy=ext.patch_strategy,
            patch_merge_key=ext.patch_merge_key,
            map_type=map_type,
            _children=_Children(fields=fields),
        )

    def ref(self, ref: TypeRef, ext: Extensions, *, builtin: bool) -> FieldInfo:
        if isinstance(ref, (Primitive, EnumType)):
            return _node("scalar", ext)
        if isinstance(ref, Special):
            if ref.name in ("object", "json") and ext.preserve_unknown_fields:
                return _node("any", ext, items=_deduced)
            if ref.name == "object":
                # type: object with nothing declared: a granular map of atomic values.
                return _node("map", ext, map_type=_map_type(ext.map_type), items=_atomic)
            if ref.name == "json":
                return _node("any", ext, map_type="atomic")
            return _node("scalar", ext)
        if isinstance(ref, Ref):
            target = self._lookup(ref.type_id)
            if target is None:
                return ANY
            return self.typedef(target, ext, builtin=builtin and "/" not in ref.type_id)
        if isinstance(ref, Shared):
            return _shared(ref.name, ext, metav1=builtin or ref.name == "ObjectMeta")
        if isinstance(ref, Array):
            items = ref.items
            return _list(
                ext,
                lambda: self.ref(items, Extensions(), builtin=builtin),
                self._key_defaults(items, ext),
            )
        if isinstance(ref, Map):
            values = ref.values
            return _node(
                "map",
                ext,
                map_type=_map_type(ext.map_type),
                items=lambda: self.ref(values, Extensions(), builtin=builtin),
            )
        # UnionType: JSON of more than one type.
        return _node("any", ext, items=_deduced)

    def _key_defaults(self, items: TypeRef, ext: Extensions) -> tuple[tuple[str, Any], ...]:
        keys = _list_keys(ext)
        if not keys or not isinstance(items, Ref):
            return ()
        typedef = self._lookup(items.type_id)
        if typedef is None:
            return ()
        defaults = []
        for key in keys:
            f = typedef.field_named(key)
            if f is None:
                continue
            if f.default is not NO_DEFAULT:
                defaults.append((key, f.default))
            elif key == "protocol" and "/" not in items.type_id:
                # Kubernetes' OpenAPI v3 defaults every port protocol key to TCP; Swagger 2.0
                # inputs leave the default out.
                defaults.append((key, "TCP"))
        return tuple(defaults)


# The kinds' trees, by model (the few models a process serves) and type id: the root TypeDef, the
# resolver that built the tree (it knows which TypeDefs the tree stands on) and the tree.
_TREES: dict[int, tuple[APIModel, dict[str, tuple[TypeDef, _Resolver, FieldInfo]]]] = {}
_TREES_LOCK = threading.Lock()


def _map_type(value: str | None) -> MapType | None:
    if value == "atomic":
        return "atomic"
    if value == "granular":
        return "granular"
    return None


def _strategies(ext: Extensions) -> list[str]:
    return [s.strip() for s in (ext.patch_strategy or "").split(",") if s.strip()]


def _list_type(ext: Extensions) -> ListType:
    if ext.list_type == "set":
        return "set"
    if ext.list_type == "map":
        return "map"
    if ext.list_type is None and "merge" in _strategies(ext):
        return "map" if ext.patch_merge_key else "set"
    return "atomic"


def _list_keys(ext: Extensions) -> tuple[str, ...]:
    if ext.list_type == "map":
        return ext.list_map_keys
    if ext.list_type is None and "merge" in _strategies(ext) and ext.patch_merge_key:
        return (ext.patch_merge_key,)
    return ()


def _list(
    ext: Extensions, items: Callable[[], FieldInfo], key_defaults: tuple[tuple[str, Any], ...] = ()
) -> FieldInfo:
    return FieldInfo(
        "list",
        list_type=_list_type(ext),
        list_map_keys=_list_keys(ext),
        patch_strategy=ext.patch_strategy,
        patch_merge_key=ext.patch_merge_key,
        key_defaults=key_defaults,
        _children=_Children(items=items),
    )


# --- meta/v1 -----------------------------------------------------------------------------------

# The Kubernetes directives of the meta/v1 types, as the Kubernetes OpenAPI publishes them.
_META_FIELDS: dict[str, dict[str, Extensions]] = {
    "ObjectMeta": {
        "finalizers": Extensions(patch_strategy="merge", list_type="set"),
        "managedFields": Extensions(list_type="atomic"),
        "ownerReferences": Extensions(
            patch_strategy="merge", patch_merge_key="uid", list_type="map", list_map_keys=("uid",)
        ),
    },
    "LabelSelector": {"matchExpressions": Extensions(list_type="atomic")},
    "LabelSelectorRequirement": {"values": Extensions(list_type="atomic")},
}
_META_ATOMIC = frozenset({"LabelSelector", "OwnerReference"})


def _shared(name: str, ext: Extensions, *, metav1: bool) -> FieldInfo:
    shape = SHARED_TYPES.get(name)
    if shape is None:
        return ANY
    directives = _META_FIELDS.get(name, {}) if metav1 else {}
    map_type = _map_type(ext.map_type) or ("atomic" if metav1 and name in _META_ATOMIC else None)

    def fields() -> dict[str, FieldInfo]:
        return {
            prop: _shape(kind, directives.get(prop, Extensions()), metav1=metav1)
            for prop, kind in shape.properties.items()
        }

    return FieldInfo(
        "struct",
        patch_strategy=ext.patch_strategy,
        patch_merge_key=ext.patch_merge_key,
        map_type=map_type,
        _children=_Children(fields=fields),
    )


def _shape(kind: str, ext: Extensions, *, metav1: bool) -> FieldInfo:
    """A FieldInfo from the shape notation of kgen.apimodel.shared ("map:string", "array:X", "X")."""
    if kind.startswith("array:"):
        items = kind[len("array:") :]
        return _list(ext, lambda: _shape(items, Extensions(), metav1=metav1))
    if kind.startswith("map:"):
        values = kind[len("map:") :]
        return _node(
            "map",
            ext,
            map_type=_map_type(ext.map_type),
            items=lambda: _shape(values, Extensions(), metav1=metav1),
        )
    if kind == "object":  # FieldsV1 and the like
        return _node("map", ext, items=_atomic)
    if kind in SHARED_TYPES:
        return _shared(kind, ext, metav1=metav1)
    return SCALAR
