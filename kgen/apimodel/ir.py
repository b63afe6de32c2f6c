"""The API model: one intermediate representation of groups, versions, resources and types.

Every input (Swagger 2.0, OpenAPI 3, CRDs, a live cluster) is turned into this, and every emitter (models,
clientsets, listers and informers, the test API server) reads only this. By the time an
:class:`APIModel` is built, all names are final: Python module names, class names and attribute names are
decided once here, so that the model emitter and the client emitter cannot disagree.

Types are referenced by :data:`TypeRef` values. Objects with properties are :class:`TypeDef` records kept in
``APIModel.types`` and referenced by id; everything else (scalars, lists, maps, the special Kubernetes
formats, the shared ``meta/v1`` types of the runtime) is described inline.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "NO_DEFAULT",
    "QUANTITY_PATTERN_START",
    "APIModel",
    "Array",
    "EnumType",
    "Extensions",
    "Field",
    "GroupVersion",
    "Map",
    "Origin",
    "Primitive",
    "PrinterColumn",
    "Ref",
    "Resource",
    "Shared",
    "Special",
    "Subresource",
    "TypeDef",
    "TypeRef",
    "UnionType",
    "Validation",
]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something came from: an input file and a JSON pointer into it."""

    file: str
    pointer: str = ""
    document: int | None = None

    def __str__(self) -> str:
        where = self.file if self.document is None else f"{self.file} (document {self.document})"
        return f"{where}#{self.pointer}" if self.pointer else where


# --- type references -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Primitive:
    name: Literal["string", "integer", "number", "boolean"]
    format: str | None = None


SpecialName: TypeAlias = Literal[
    "int-or-string",  # int | str
    "quantity",  # str | int | float
    "time",  # datetime
    "micro-time",  # MicroTime
    "bytes",  # base64 on the wire
    "json",  # any JSON value
    "object",  # a JSON object of anything (FieldsV1, RawExtension, preserve-unknown-fields)
]


# How a "quantity" is told from a plain int-or-string in a CRD schema: the pattern controller-gen writes
# for resource.Quantity fields starts with this.
QUANTITY_PATTERN_START = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))"


@dataclass(frozen=True, slots=True)
class Special:
    name: SpecialName


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference to a :class:`TypeDef` of the model."""

    type_id: str


@dataclass(frozen=True, slots=True)
class Shared:
    """A type of :mod:`kgen.runtime._meta` (ObjectMeta, Condition, LabelSelector, Scale...)."""

    name: str


@dataclass(frozen=True, slots=True)
class Array:
    items: TypeRef


@dataclass(frozen=True, slots=True)
class Map:
    values: TypeRef


@dataclass(frozen=True, slots=True)
class EnumType:
    """A closed set of values of a primitive type. ``name`` is the alias the models emitter declares."""

    base: Primitive
    values: tuple[str | int, ...]
    name: str = ""


@dataclass(frozen=True, slots=True)
class UnionType:
    """One of several shapes that differ in JSON type (``JSONSchemaProps | bool``)."""

    options: tuple[TypeRef, ...]


TypeRef: TypeAlias = Primitive | Special | Ref | Shared | Array | Map | EnumType | UnionType


# --- Kubernetes extensions -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Validation:
    """One ``x-kubernetes-validations`` (CEL) rule."""

    rule: str
    message: str | None = None
    message_expression: str | None = None
    reason: str | None = None
    field_path: str | None = None
    optional_old_self: bool | None = None


@dataclass(frozen=True, slots=True)
class Extensions:
    """The ``x-kubernetes-*`` facts of a schema node, kept for the emitters and the test API server."""

    patch_strategy: str | None = None  # "merge", "retainKeys", "merge,retainKeys", "replace"
    patch_merge_key: str | None = None
    list_type: str | None = None  # "atomic", "set", "map"
    list_map_keys: tuple[str, ...] = ()
    map_type: str | None = None  # "atomic", "granular"
    int_or_string: bool = False
    preserve_unknown_fields: bool = False
    embedded_resource: bool = False
    validations: tuple[Validation, ...] = ()

    def is_empty(self) -> bool:
        return self == _NO_EXTENSIONS

    def openapi(self) -> dict[str, Any]:
        """These facts as the ``x-kubernetes-*`` keywords of an OpenAPI schema (served documents, CRD
        schemas, the dicts kgen.cel compiles)."""
        out: dict[str, Any] = {}
        if self.patch_strategy:
            out["x-kubernetes-patch-strategy"] = self.patch_strategy
        if self.patch_merge_key:
            out["x-kubernetes-patch-merge-key"] = self.patch_merge_key
        if self.list_type:
            out["x-kubernetes-list-type"] = self.list_type
        if self.list_map_keys:
            out["x-kubernetes-list-map-keys"] = list(self.list_map_keys)
        if self.map_type:
            out["x-kubernetes-map-type"] = self.map_type
        if self.int_or_string:
            out["x-kubernetes-int-or-string"] = True
        if self.preserve_unknown_fields:
            out["x-kubernetes-preserve-unknown-fields"] = True
        if self.embedded_resource:
            out["x-kubernetes-embedded-resource"] = True
        if self.validations:
            out["x-kubernetes-validations"] = [
                {
                    k: v
                    for k, v in {
                        "rule": rule.rule,
                        "message": rule.message,
                        "messageExpression": rule.message_expression,
                        "reason": rule.reason,
                        "fieldPath": rule.field_path,
                        "optionalOldSelf": rule.optional_old_self,
                    }.items()
                    if v is not None
                }
                for rule in self.validations
            ]
        return out


_NO_EXTENSIONS = Extensions()


# --- types -----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Field:
    json_name: str
    type: TypeRef
    required: bool = False
    nullable: bool = False
    description: str | None = None
    default: Any = NO_DEFAULT
    extensions: Extensions = _NO_EXTENSIONS
    # Other JSON Schema keywords worth keeping (format, pattern, minimum, maxItems...), for documentation
    # and for the test API server's validation.
    constraints: dict[str, Any] = field(default_factory=dict)
    python_name: str = ""

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


@dataclass(slots=True)
class TypeDef:
    """An object type with named properties: one generated class."""

    id: str
    group: str
    version: str
    description: str | None
    fields: list[Field]
    origin: Origin
    extensions: Extensions = _NO_EXTENSIONS
    # Set on top-level kinds (apiVersion, kind and metadata): (group, version, kind).
    gvk: tuple[str, str, str] | None = None
    # For ...List kinds: the id of the item type.
    list_item: str | None = None
    # From a CRD's structural schema, where the apiserver prunes nulls the schema does not allow.
    # Otherwise the type is a Go struct's, whose nil slices and maps and zero times are sent as null
    # even where the schema says "required" (Event.eventTime, EndpointSlice.endpoints, Role.rules).
    structural: bool = False
    # A custom resource kind: its CRD version's openAPIV3Schema as the apiserver holds it (descriptions
    # left out). Validation, defaulting and pruning (kgen.schema) read this; the fields above are the
    # generated classes' view of it, which drops what a class cannot say (an item's maxLength...).
    schema: dict[str, Any] | None = None
    # Final names, set by the naming pass.
    name: str = ""
    module: str = ""

    @property
    def api_version(self) -> str | None:
        if self.gvk is None:
            return None
        group, version, _ = self.gvk
        return f"{group}/{version}" if group else version

    def field_named(self, json_name: str) -> Field | None:
        for item in self.fields:
            if item.json_name == json_name:
                return item
        return None


# --- resources -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Subresource:
    name: str
    verbs: set[str] = field(default_factory=set)
    # The kind sent (create/update) and returned, as (group, version, kind); None where it is the parent's.
    kind: tuple[str, str, str] | None = None
    streaming: bool = False


@dataclass(frozen=True, slots=True)
class PrinterColumn:
    name: str
    type: str
    json_path: str
    description: str | None = None
    format: str | None = None
    priority: int = 0


@dataclass(slots=True)
class Resource:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    origin: Origin
    singular: str = ""
    verbs: set[str] = field(default_factory=set)
    subresources: dict[str, Subresource] = field(default_factory=dict)
    list_kind: str = ""
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    printer_columns: tuple[PrinterColumn, ...] = ()
    selectable_fields: tuple[str, ...] = ()
    # Ids of the TypeDefs of the kind and its list (None when the input had no schema for them).
    type_id: str | None = None
    list_type_id: str | None = None
    # Whether the kind declares x-kubernetes-patch-strategy anywhere (built-in types accept
    # strategic merge patch; custom resources do not).
    strategic_merge_patch: bool = False
    # Final name of the client accessor (``pods``), set by the naming pass.
    python_name: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass(slots=True)
class GroupVersion:
    group: str
    version: str
    resources: dict[str, Resource] = field(default_factory=dict)
    # kind -> TypeDef id, for every top-level kind of this group-version.
    kinds: dict[str, str] = field(default_factory=dict)
    # Whether clients are generated (false for group-versions only pulled in for their types).
    included: bool = True
    # Final Python module name (``core_v1``, ``cert_manager_io_v1``), set by the naming pass.
    module: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        return (self.group, self.version)


@dataclass(slots=True)
class APIModel:
    group_versions: dict[tuple[str, str], GroupVersion] = field(default_factory=dict)
    types: dict[str, TypeDef] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def group_version(self, group: str, version: str) -> GroupVersion:
        key = (group, version)
        gv = self.group_versions.get(key)
        if gv is None:
            gv = self.group_versions[key] = GroupVersion(group, version)
        return gv

    def resources(self) -> Iterator[Resource]:
        for key in sorted(self.group_versions):
            gv = self.group_versions[key]
            for plural in sorted(gv.resources):
                yield gv.resources[plural]

    def resolve(self, ref: Ref) -> TypeDef:
        return self.types[ref.type_id]
