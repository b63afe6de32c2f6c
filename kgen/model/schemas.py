"""From JSON Schema nodes (OpenAPI definitions and CRD schemas) to the API model's types.

The rules that make Kubernetes schemas come out right live here, once, for every input:

- ``$ref`` to a named definition becomes a :class:`Ref`; to a shared ``meta/v1`` type a :class:`Shared`; to
  Quantity, IntOrString, Time, MicroTime, RawExtension, FieldsV1 or JSON a :class:`Special`.
- A single-element ``allOf`` around a ``$ref`` (how OpenAPI 3 attaches a description or default to a
  reference) is unwrapped.
- ``x-kubernetes-int-or-string`` is IntOrString, unless the pattern is the one controller-gen writes for a
  ``resource.Quantity``, which is a Quantity.
- ``x-kubernetes-preserve-unknown-fields`` keeps a JSON object (or any value) whole, so nothing a server
  sends is dropped: it is never narrowed to a class that would ignore unknown keys.
- ``oneOf``/``anyOf`` branches that only list ``required`` are validation constraints, not unions.
- Inline objects become nested types named after their parent and field; identical ones within a
  group-version are generated once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kgen.apimodel.ir import (
    NO_DEFAULT,
    QUANTITY_PATTERN_START,
    APIModel,
    Array,
    EnumType,
    Extensions,
    Field,
    Map,
    Origin,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
    UnionType,
    Validation,
)
from kgen.apimodel.shared import SHARED_TYPES, match_shared
from kgen.errors import SpecError, pointer_join

__all__ = ["Context", "SchemaConverter", "special_for_id"]

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_APIEXT = (
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.",
    "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1beta1.",
)

_SPECIAL_IDS: dict[str, TypeRef] = {
    "io.k8s.apimachinery.pkg.api.resource.Quantity": Special("quantity"),
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": Special("int-or-string"),
    _META + "Time": Special("time"),
    _META + "MicroTime": Special("micro-time"),
    _META + "FieldsV1": Special("object"),
    _META + "Patch": Special("object"),
    "io.k8s.apimachinery.pkg.runtime.RawExtension": Special("object"),
}

_SHARED_IDS: dict[str, str] = {
    **{
        _META + name: name
        for name in SHARED_TYPES
        if name not in ("Scale", "ScaleSpec", "ScaleStatus", "VersionInfo")
    },
    "io.k8s.api.autoscaling.v1.Scale": "Scale",
    "io.k8s.api.autoscaling.v1.ScaleSpec": "ScaleSpec",
    "io.k8s.api.autoscaling.v1.ScaleStatus": "ScaleStatus",
    "io.k8s.apimachinery.pkg.version.Info": "VersionInfo",
}


def special_for_id(type_id: str) -> TypeRef | None:
    """The inline type a well-known definition id stands for, if it is one."""
    if type_id.endswith("_v2"):
        # kube-apiserver 1.15-1.23 publish copies of the meta types for CRDs in /openapi/v2
        # (ObjectMeta_v2, Status_v2, autoscaling Scale_v2...): the same types, for clients.
        base = special_for_id(type_id[: -len("_v2")])
        if base is not None:
            return base
    if type_id in _SPECIAL_IDS:
        return _SPECIAL_IDS[type_id]
    if type_id in _SHARED_IDS:
        return Shared(_SHARED_IDS[type_id])
    for prefix in _APIEXT:
        if type_id.startswith(prefix):
            props = Ref(prefix + "JSONSchemaProps")
            tail = type_id[len(prefix) :]
            if tail == "JSON":
                return Special("json")
            if tail == "JSONSchemaPropsOrArray":
                return UnionType((props, Array(props)))
            if tail == "JSONSchemaPropsOrBool":
                return UnionType((props, Primitive("boolean")))
            if tail == "JSONSchemaPropsOrStringArray":
                return UnionType((props, Array(Primitive("string"))))
    return None


@dataclass(frozen=True, slots=True)
class Context:
    """Where a schema node is: its group-version, its origin, and the names it suggests."""

    group: str
    version: str
    file: str
    pointer: str
    document: int | None
    id_hint: str  # a stable id for a nested type made here
    name_hint: str  # the class name suggested for a nested type made here
    # The top-level definition this node is inside. Identical inline objects share a class only within
    # one owner: shared across kinds, a class would be named after whichever kind came first, and
    # adding a CRD to the inputs would rename classes that user code imports.
    owner: str = ""
    # A CRD's schema: the apiserver prunes nulls it does not allow (not so for Go types, see TypeDef).
    structural: bool = False

    def at(self, *parts: str | int) -> Context:
        return Context(
            self.group,
            self.version,
            self.file,
            pointer_join(self.pointer, *parts),
            self.document,
            self.id_hint,
            self.name_hint,
            self.owner,
            self.structural,
        )

    def element(self, suffix: str, *parts: str | int) -> Context:
        """The context of an array item or map value: a new place, the same suggested class name
        (the items of ``rules`` are ``...Rules``, not ``...RulesItems``)."""
        return Context(
            self.group,
            self.version,
            self.file,
            pointer_join(self.pointer, *parts),
            self.document,
            f"{self.id_hint}.{suffix}",
            self.name_hint,
            self.owner,
            self.structural,
        )

    def nested(self, field_name: str, *parts: str | int) -> Context:
        return Context(
            self.group,
            self.version,
            self.file,
            pointer_join(self.pointer, *parts),
            self.document,
            f"{self.id_hint}.{field_name}",
            self.name_hint + upper_camel(field_name),
            self.owner,
            self.structural,
        )

    @property
    def origin(self) -> Origin:
        return Origin(self.file, self.pointer, self.document)

    def error(self, message: str) -> SpecError:
        return SpecError(message, file=self.file, pointer=self.pointer, document=self.document)


def upper_camel(name: str) -> str:
    """``spec`` -> ``Spec``, ``podIPs`` -> ``PodIPs``, ``x-kubernetes-list-type`` -> ``XKubernetesListType``."""
    parts = [part for part in _split_non_alnum(name) if part]
    return "".join(part[0].upper() + part[1:] for part in parts) or "Field"


def _split_non_alnum(name: str) -> list[str]:
    out, current = [], []
    for char in name:
        if char.isalnum() and char.isascii():
            current.append(char)
        else:
            out.append("".join(current))
            current = []
    out.append("".join(current))
    return out


class SchemaConverter:
    """Converts schema nodes, adding the object types it meets to ``model.types``."""

    def __init__(self, model: APIModel, resolve_ref: Callable[[str, Context], str]) -> None:
        self.model = model
        self._resolve_ref = resolve_ref
        # Structural key -> type id, per group-version, for inline objects.
        self._by_shape: dict[tuple[str, str, str, str], str] = {}
        # Type id -> the class name suggested where an inline object was first met.
        self._hints: dict[str, str] = {}
        # Type id of an inline object -> the top-level definition it was made for.
        self._owners: dict[str, str] = {}

    # --- definitions --------------------------------------------------------------------------------

    def definition(self, type_id: str, schema: Mapping[str, Any], ctx: Context) -> TypeDef:
        """A named definition (an OpenAPI component or a CRD kind) as a TypeDef."""
        schema = self._unwrap(schema, ctx)
        typedef = self._object(type_id, schema, ctx)
        self.model.types[type_id] = typedef
        return typedef

    # --- fields -------------------------------------------------------------------------------------

    def field(
        self, json_name: str, schema: Mapping[str, Any], required: bool, ctx: Context
    ) -> Field:
        if not isinstance(schema, Mapping):
            raise ctx.error("a property schema must be an object")
        schema = self._unwrap(schema, ctx)
        type_ref = self.type_of(schema, ctx)
        if "default" in schema and not _fits(type_ref, schema["default"], schema, self.model):
            shown = json.dumps(schema["default"], ensure_ascii=False, default=repr)
            shown = shown if len(shown) <= 60 else shown[:57] + "..."
            raise ctx.at("default").error(
                f"default {shown} is not a value of the field's type ({_type_name(type_ref)})"
            )
        return Field(
            json_name=json_name,
            type=type_ref,
            required=required,
            nullable=bool(schema.get("nullable")),
            description=_text(schema.get("description")),
            default=schema["default"] if "default" in schema else NO_DEFAULT,
            extensions=self._extensions(schema, ctx),
            constraints=_constraints(schema),
        )

    def type_of(self, schema: Mapping[str, Any], ctx: Context) -> TypeRef:
        schema = self._unwrap(schema, ctx)
        ref = schema.get("$ref")
        if ref is not None:
            type_id = self._resolve_ref(ref, ctx.at("$ref"))
            return special_for_id(type_id) or Ref(type_id)
        if schema.get("x-kubernetes-int-or-string") or schema.get("format") == "int-or-string":
            pattern = schema.get("pattern")
            if isinstance(pattern, str) and pattern.startswith(QUANTITY_PATTERN_START):
                return Special("quantity")
            return Special("int-or-string")
        kind = schema.get("type")
        preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        if kind is None:
            if "properties" in schema and not preserve:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                branch = self._typed_branches(schema, ctx)
                if branch is not None:
                    return branch
                return Special("object") if preserve and "properties" in schema else Special("json")
        if isinstance(kind, list):
            # OpenAPI 3.1 style type lists: keep the non-null one, or anything.
            kinds = [k for k in kind if k != "null"]
            if len(kinds) != 1:
                return Special("json")
            kind = kinds[0]
        if kind == "object":
            return self._object_ref(schema, ctx, preserve)
        if kind == "array":
            items = schema.get("items")
            if items is None:
                return Array(Special("json"))
            if isinstance(items, list):  # tuple validation: not used by Kubernetes
                return Array(Special("json"))
            return Array(self.type_of(items, ctx.element("[]", "items")))
        if kind == "string":
            fmt = schema.get("format")
            if fmt == "date-time":
                return Special("time")
            if fmt == "byte":
                return Special("bytes")
            return self._maybe_enum(Primitive("string", fmt), schema, ctx)
        if kind == "integer":
            return self._maybe_enum(Primitive("integer", schema.get("format")), schema, ctx)
        if kind == "number":
            return Primitive("number", schema.get("format"))
        if kind == "boolean":
            return Primitive("boolean")
        raise ctx.at("type").error(f"unknown type {kind!r}")

    # --- objects ------------------------------------------------------------------------------------

    def _object_ref(self, schema: Mapping[str, Any], ctx: Context, preserve: bool) -> TypeRef:
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if preserve:
            # Unknown keys must survive a round trip: a class would drop them.
            return Special("object")
        if not properties:
            if isinstance(additional, Mapping) and additional:
                return Map(self.type_of(additional, ctx.element("{}", "additionalProperties")))
            return Special("object")
        if additional not in (None, False):
            # Both named properties and arbitrary extra keys: a class would lose the extra keys.
            return Special("object")
        shared = match_shared(ctx.id_hint.rsplit(".", 1)[-1], schema)
        if shared is not None:
            return shared
        typedef = self._object(ctx.id_hint, schema, ctx)
        key = (ctx.group, ctx.version, ctx.owner, _shape_key(typedef))
        existing = self._by_shape.get(key)
        if existing is not None:
            return Ref(existing)
        type_id = typedef.id
        while type_id in self.model.types:  # an id hint reused by a different shape
            type_id += "_"
        typedef.id = type_id
        self._by_shape[key] = type_id
        self.model.types[type_id] = typedef
        self._hints[type_id] = ctx.name_hint
        self._owners[type_id] = ctx.owner
        return Ref(type_id)

    def owned_by(self, owner: str) -> list[str]:
        """The inline objects made for one top-level definition."""
        return [type_id for type_id, made_for in self._owners.items() if made_for == owner]

    def name_hint(self, type_id: str) -> str | None:
        """The class name suggested where an inline object was first met."""
        return self._hints.get(type_id)

    def _object(self, type_id: str, schema: Mapping[str, Any], ctx: Context) -> TypeDef:
        properties = schema.get("properties") or {}
        if not isinstance(properties, Mapping):
            raise ctx.at("properties").error("properties must be an object")
        required = schema.get("required") or []
        if not isinstance(required, list):
            raise ctx.at("required").error("required must be a list")
        fields = []
        for json_name, sub in properties.items():
            if not isinstance(json_name, str):
                raise ctx.at("properties").error(f"property name {json_name!r} is not a string")
            fields.append(
                self.field(
                    json_name,
                    sub,
                    json_name in required,
                    ctx.nested(json_name, "properties", json_name),
                )
            )
        if schema.get("x-kubernetes-embedded-resource"):
            # An embedded object's metadata is ObjectMeta even when its schema says only "object".
            for item in fields:
                if item.json_name == "metadata" and item.type == Special("object"):
                    item.type = Shared("ObjectMeta")
        return TypeDef(
            id=type_id,
            group=ctx.group,
            version=ctx.version,
            description=_text(schema.get("description")),
            fields=fields,
            origin=ctx.origin,
            extensions=self._extensions(schema, ctx),
            structural=ctx.structural,
        )

    # --- helpers ------------------------------------------------------------------------------------

    def _unwrap(self, schema: Mapping[str, Any], ctx: Context) -> Mapping[str, Any]:
        """A single-element allOf (OpenAPI 3's way to describe a $ref) merged into its parent."""
        if not isinstance(schema, Mapping):
            raise ctx.error("a schema must be an object")
        all_of = schema.get("allOf")
        if isinstance(all_of, list) and len(all_of) == 1 and isinstance(all_of[0], Mapping):
            merged = {k: v for k, v in schema.items() if k != "allOf"}
            for key, value in all_of[0].items():
                merged.setdefault(key, value)
            return merged
        return schema

    def _typed_branches(self, schema: Mapping[str, Any], ctx: Context) -> TypeRef | None:
        """oneOf/anyOf without a type: constraints if they only list ``required``, else one shape."""
        branches: list[Mapping[str, Any]] = []
        for key in ("oneOf", "anyOf"):
            value = schema.get(key)
            if isinstance(value, list):
                branches.extend(b for b in value if isinstance(b, Mapping))
        typed = [b for b in branches if set(b) - {"required", "description", "not"}]
        if not typed:
            return None
        kinds = {b.get("type") for b in typed}
        if kinds <= {"integer", "string"} and len(kinds) == 2:
            return Special("int-or-string")
        return None

    def _maybe_enum(self, base: Primitive, schema: Mapping[str, Any], ctx: Context) -> TypeRef:
        values = schema.get("enum")
        if not isinstance(values, list) or not values:
            return base
        wanted = str if base.name == "string" else int
        kept = tuple(v for v in values if isinstance(v, wanted) and not isinstance(v, bool))
        if not kept or len(kept) != len([v for v in values if v is not None]):
            return base  # mixed or odd values: keep the primitive rather than reject real data
        unique = tuple(dict.fromkeys(kept))
        return EnumType(base, unique)

    def _extensions(self, schema: Mapping[str, Any], ctx: Context) -> Extensions:
        validations = []
        raw = schema.get("x-kubernetes-validations")
        if isinstance(raw, list):
            for rule in raw:
                if isinstance(rule, Mapping) and isinstance(rule.get("rule"), str):
                    validations.append(
                        Validation(
                            rule=rule["rule"],
                            message=_text(rule.get("message")),
                            message_expression=_text(rule.get("messageExpression")),
                            reason=_text(rule.get("reason")),
                            field_path=_text(rule.get("fieldPath")),
                            optional_old_self=rule.get("optionalOldSelf"),
                        )
                    )
        keys = schema.get("x-kubernetes-list-map-keys")
        return Extensions(
            patch_strategy=_text(schema.get("x-kubernetes-patch-strategy")),
            patch_merge_key=_text(schema.get("x-kubernetes-patch-merge-key")),
            list_type=_text(schema.get("x-kubernetes-list-type")),
            list_map_keys=(
                tuple(k for k in keys if isinstance(k, str)) if isinstance(keys, list) else ()
            ),
            map_type=_text(schema.get("x-kubernetes-map-type")),
            int_or_string=bool(schema.get("x-kubernetes-int-or-string")),
            preserve_unknown_fields=bool(schema.get("x-kubernetes-preserve-unknown-fields")),
            embedded_resource=bool(schema.get("x-kubernetes-embedded-resource")),
            validations=tuple(validations),
        )


_CONSTRAINT_KEYS = (
    "format",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "minProperties",
    "maxProperties",
    "uniqueItems",
    "multipleOf",
)


def _constraints(schema: Mapping[str, Any]) -> dict[str, Any]:
    found = {key: schema[key] for key in _CONSTRAINT_KEYS if key in schema}
    # oneOf/anyOf whose branches only list required fields ("give exactly one of a, b") are rules on
    # the object, not types: kept for the test API server to enforce as the apiserver does.
    for key in ("oneOf", "anyOf"):
        branches = schema.get(key)
        if isinstance(branches, list) and branches and all(_required_only(b) for b in branches):
            found[key] = [{"required": list(b["required"])} for b in branches]
    return found


def _required_only(branch: Any) -> bool:
    return (
        isinstance(branch, Mapping)
        and set(branch) <= {"required", "description"}
        and isinstance(branch.get("required"), list)
        and all(isinstance(name, str) for name in branch["required"])
    )


def _fits(type_ref: TypeRef, value: Any, schema: Mapping[str, Any], model: APIModel) -> bool:
    """Whether a default is at least of the JSON type its field has (CRDs' defaults are checked in
    full by kgen.ingest.crd, as the apiserver checks them; this holds every input to the types)."""
    if value is None:
        return True  # "no default" as JSON says it; the field is optional or nullable anyway
    return _of_type(type_ref, value, model)


def _of_type(type_ref: TypeRef, value: Any, model: APIModel) -> bool:
    if isinstance(type_ref, EnumType):
        return value in type_ref.values and type(value) is not bool
    if isinstance(type_ref, Primitive):
        if type_ref.name == "string":
            return isinstance(value, str)
        if type_ref.name == "boolean":
            return isinstance(value, bool)
        if type_ref.name == "integer":
            return (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, float) and value.is_integer()
            )
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(type_ref, Array):
        return isinstance(value, list) and all(
            item is None or _of_type(type_ref.items, item, model) for item in value
        )
    if isinstance(type_ref, Map):
        return isinstance(value, dict) and all(
            item is None or _of_type(type_ref.values, item, model) for item in value.values()
        )
    if isinstance(type_ref, (Ref, Shared)):
        return isinstance(value, dict)
    if isinstance(type_ref, UnionType):
        return any(_of_type(option, value, model) for option in type_ref.options)
    if isinstance(type_ref, Special):
        name = type_ref.name
        if name in ("int-or-string", "quantity"):
            return isinstance(value, (str, int, float)) and not isinstance(value, bool)
        if name in ("time", "micro-time", "bytes"):
            return isinstance(value, str)
        if name == "object":
            return isinstance(value, dict)
    return True  # free-form JSON


def _type_name(type_ref: TypeRef) -> str:
    if isinstance(type_ref, Primitive):
        return type_ref.name
    if isinstance(type_ref, EnumType):
        return f"one of {', '.join(json.dumps(v) for v in type_ref.values[:5])}"
    if isinstance(type_ref, Array):
        return f"array of {_type_name(type_ref.items)}"
    if isinstance(type_ref, Map):
        return f"map of {_type_name(type_ref.values)}"
    if isinstance(type_ref, Special):
        return type_ref.name
    return "object"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _shape_key(typedef: TypeDef) -> str:
    """A digest of everything that makes two inline objects the same class."""
    payload = [
        typedef.description,
        repr(typedef.extensions),
        [
            (
                f.json_name,
                repr(f.type),
                f.required,
                f.nullable,
                f.description,
                json.dumps(f.default, sort_keys=True, default=repr) if f.has_default else None,
                repr(f.extensions),
                json.dumps(f.constraints, sort_keys=True, default=repr),
            )
            for f in typedef.fields
        ],
    ]
    return hashlib.sha256(json.dumps(payload, default=repr).encode()).hexdigest()
