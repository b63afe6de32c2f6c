"""Schemas from the API model (``apimodel.json``): a node tree per kind, and a dict for CEL.

A custom resource kind built from a CRD carries its version's ``openAPIV3Schema`` (``TypeDef.schema``):
that is used as it is, exactly as the apiserver holds it. Other kinds (built-in kinds from OpenAPI, and
custom kinds of models written before the schema was kept) are read from the model's types: one node per
referenced type, shared, so recursive types stay finite. A Go struct's schema (``structural`` false)
treats null as an absent value, as a Go client sends nil slices and maps.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Extensions,
    Field,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
    UnionType,
)
from kgen.apimodel.shared import SHARED_TYPES
from kgen.schema._node import INT_OR_STRING, QUANTITY, Node, compile_node, object_meta_node

__all__ = ["ModelNodes", "render", "shared_node"]

_SHARED: dict[str, Node] = {}


def _shape_node(shape: str) -> Node:
    node = Node()
    node.lenient_nulls = True
    if shape.startswith("map:"):
        node.type = "object"
        node.additional = _shape_node(shape[4:])
    elif shape.startswith("array:"):
        node.type = "array"
        node.items = _shape_node(shape[6:])
    elif shape in ("string", "integer", "boolean"):
        node.type = shape
    elif shape == "time":
        node.type = "string"
    elif shape == "object":
        node.type = "object"
        node.preserve = True
    else:
        return shared_node(shape)
    return node


def shared_node(name: str) -> Node:
    """The node of a shared ``meta/v1`` type (ObjectMeta, Condition...)."""
    found = _SHARED.get(name)
    if found is not None:
        return found
    node = Node()
    node.lenient_nulls = True
    node.type = "object"
    _SHARED[name] = node
    shape = SHARED_TYPES.get(name)
    if shape is None:
        node.preserve = True
        return node
    node.properties = {key: _shape_node(sub) for key, sub in shape.properties.items()}
    node.required = tuple(sorted(shape.required))
    return node


_CONSTRAINT_ATTRS = {
    "minLength": "min_length",
    "maxLength": "max_length",
    "minimum": "minimum",
    "maximum": "maximum",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
    "multipleOf": "multiple_of",
    "minItems": "min_items",
    "maxItems": "max_items",
    "uniqueItems": "unique_items",
    "minProperties": "min_properties",
    "maxProperties": "max_properties",
}


class ModelNodes:
    """The node trees of one model's types, built on first use."""

    def __init__(self, model: APIModel) -> None:
        self.model = model
        self._refs: dict[str, Node] = {}

    def kind(self, type_id: str) -> Node:
        """The tree of a top-level kind (its root keeps apiVersion, kind and metadata)."""
        typedef = self.model.types[type_id]
        if typedef.schema is not None:
            return compile_node(typedef.schema, root=True)
        node = self.ref(type_id).copy()
        node.embedded = True
        node.meta = object_meta_node()
        return node

    def ref(self, type_id: str) -> Node:
        found = self._refs.get(type_id)
        if found is not None:
            return found
        node = Node()
        node.type = "object"
        self._refs[type_id] = node
        typedef = self.model.types.get(type_id)
        if typedef is None:
            node.preserve = True
            return node
        lenient = not typedef.structural
        node.lenient_nulls = lenient
        node.properties = {}
        for item in typedef.fields:
            node.properties[item.json_name] = self.field(item, lenient)
        node.required = tuple(f.json_name for f in typedef.fields if f.required)
        self._extensions(node, typedef.extensions)
        return node

    def field(self, item: Field, lenient: bool) -> Node:
        base = self.type_node(item.type, lenient)
        plain = (
            not item.nullable
            and not item.has_default
            and not item.constraints
            and item.extensions.is_empty()
        )
        if plain and base.lenient_nulls == lenient:
            return base
        node = base.copy()
        node.lenient_nulls = lenient
        node.nullable = item.nullable
        if item.has_default:
            node.default = item.default
        rules = item.constraints
        for key, attr in _CONSTRAINT_ATTRS.items():
            if key in rules:
                setattr(node, attr, rules[key])
        if isinstance(rules.get("pattern"), str):
            node.set_pattern(rules["pattern"])
        if isinstance(rules.get("format"), str) and rules["format"]:
            node.set_format(rules["format"])
        for key, attr in (("oneOf", "one_of"), ("anyOf", "any_of")):
            branches = rules.get(key)
            if isinstance(branches, list):
                setattr(node, attr, tuple(compile_node(b) for b in branches))
        self._extensions(node, item.extensions)
        return node

    def _extensions(self, node: Node, ext: Extensions) -> None:
        if ext.is_empty():
            return
        if ext.int_or_string:
            node.type = INT_OR_STRING
        if ext.preserve_unknown_fields:
            node.preserve = True
        if ext.embedded_resource:
            node.embedded = True
            node.meta = object_meta_node()
        if ext.list_type:
            node.list_type = ext.list_type
            node.map_keys = ext.list_map_keys
        if ext.map_type:
            node.map_type = ext.map_type

    def type_node(self, ref: TypeRef, lenient: bool) -> Node:
        if isinstance(ref, Ref):
            return self.ref(ref.type_id)
        if isinstance(ref, Shared):
            return shared_node(ref.name)
        node = Node()
        node.lenient_nulls = lenient
        if isinstance(ref, Primitive):
            node.type = ref.name
            if ref.format:
                node.set_format(ref.format)
        elif isinstance(ref, EnumType):
            node.type = ref.base.name
            node.enum = list(ref.values)
        elif isinstance(ref, Array):
            node.type = "array"
            node.items = self.type_node(ref.items, lenient)
        elif isinstance(ref, Map):
            node.type = "object"
            node.additional = self.type_node(ref.values, lenient)
        elif isinstance(ref, Special):
            if ref.name == "int-or-string":
                node.type = INT_OR_STRING
            elif ref.name == "quantity":
                node.type = QUANTITY
            elif ref.name in ("time", "micro-time"):
                node.type = "string"
                node.set_format("date-time")
            elif ref.name == "bytes":
                node.type = "string"
                node.set_format("byte")
            elif ref.name == "object":
                node.type = "object"
                node.preserve = True
            else:  # json: any value
                node.preserve = True
        elif isinstance(ref, UnionType):
            node.preserve = True
        return node


# --- a dict for kgen.cel (structural types only: they are trees) ----------------------------------


def _type_dict(model: APIModel, ref: TypeRef, seen: frozenset[str]) -> dict[str, Any]:
    if isinstance(ref, Ref):
        typedef = model.types.get(ref.type_id)
        if typedef is None or ref.type_id in seen:
            return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
        return _object_dict(model, typedef, seen | {ref.type_id})
    if isinstance(ref, Primitive):
        return {"type": ref.name, **({"format": ref.format} if ref.format else {})}
    if isinstance(ref, EnumType):
        return {"type": ref.base.name, "enum": list(ref.values)}
    if isinstance(ref, Array):
        return {"type": "array", "items": _type_dict(model, ref.items, seen)}
    if isinstance(ref, Map):
        return {"type": "object", "additionalProperties": _type_dict(model, ref.values, seen)}
    if isinstance(ref, Special):
        if ref.name in ("int-or-string", "quantity"):
            return {"x-kubernetes-int-or-string": True}
        if ref.name in ("time", "micro-time"):
            return {"type": "string", "format": "date-time"}
        if ref.name == "bytes":
            return {"type": "string", "format": "byte"}
    return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def _object_dict(model: APIModel, typedef: TypeDef, seen: frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    properties = {}
    for item in typedef.fields:
        schema = _type_dict(model, item.type, seen)
        if item.has_default:
            schema["default"] = item.default
        if item.nullable:
            schema["nullable"] = True
        schema.update(item.constraints)
        schema.update(item.extensions.openapi())
        properties[item.json_name] = schema
    if properties:
        out["properties"] = properties
    required = [f.json_name for f in typedef.fields if f.required]
    if required:
        out["required"] = required
    out.update(typedef.extensions.openapi())
    return out


def render(model: APIModel, type_id: str) -> Mapping[str, Any]:
    """A kind's schema as a dict: ``TypeDef.schema`` where the model has it, else rendered."""
    typedef = model.types[type_id]
    if typedef.schema is not None:
        return typedef.schema
    schema = _object_dict(model, typedef, frozenset({type_id}))
    if "metadata" in schema.get("properties", {}):
        schema["properties"]["metadata"] = {"type": "object"}
    return schema
