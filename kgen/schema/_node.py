"""A structural schema compiled once into a tree of :class:`Node` (what every walk of kgen.schema reads).

``compile_node(schema)`` reads an OpenAPI v3 schema as a CRD holds it (a dict with its ``x-kubernetes-*``
extensions); :mod:`kgen.schema._model` builds the same tree from the API model, sharing one node per
referenced type so that recursive built-in types (``JSONSchemaProps``) stay finite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kgen.schema._regex import PatternError, compile_pattern
from kgen.schema.formats import known_format

__all__ = ["MISSING", "Node", "compile_node", "object_meta_node"]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# The JSON types a node's ``type`` accepts, for the two spellings that are not JSON Schema types.
INT_OR_STRING = "integer,string"  # x-kubernetes-int-or-string (kube-openapi's type list)
QUANTITY = "quantity"  # a resource.Quantity of a built-in kind: a string or a number


class Node:
    """One schema node. ``type`` is "" when any JSON value is allowed."""

    __slots__ = (
        "type",
        "nullable",
        "default",
        "properties",
        "additional",
        "items",
        "required",
        "enum",
        "min_length",
        "max_length",
        "pattern",
        "matcher",
        "pattern_error",
        "format",
        "format_check",
        "minimum",
        "maximum",
        "exclusive_minimum",
        "exclusive_maximum",
        "multiple_of",
        "min_items",
        "max_items",
        "unique_items",
        "min_properties",
        "max_properties",
        "all_of",
        "any_of",
        "one_of",
        "not_",
        "preserve",
        "embedded",
        "list_type",
        "map_keys",
        "map_type",
        "meta",
        "lenient_nulls",
        "defaults_below",
    )

    def __init__(self) -> None:
        self.type = ""
        self.nullable = False
        self.default: Any = MISSING
        self.properties: dict[str, Node] | None = None
        self.additional: Node | None = None
        self.items: Node | None = None
        self.required: tuple[str, ...] = ()
        self.enum: list[Any] | None = None
        self.min_length: int | None = None
        self.max_length: int | None = None
        self.pattern: str | None = None
        self.matcher: Callable[[str], bool] | None = None
        self.pattern_error: str | None = None
        self.format: str | None = None
        self.format_check: Callable[[str], bool] | None = None
        self.minimum: float | None = None
        self.maximum: float | None = None
        self.exclusive_minimum = False
        self.exclusive_maximum = False
        self.multiple_of: float | None = None
        self.min_items: int | None = None
        self.max_items: int | None = None
        self.unique_items = False
        self.min_properties: int | None = None
        self.max_properties: int | None = None
        self.all_of: tuple[Node, ...] = ()
        self.any_of: tuple[Node, ...] = ()
        self.one_of: tuple[Node, ...] = ()
        self.not_: Node | None = None
        self.preserve = False
        self.embedded = False
        self.list_type: str | None = None
        self.map_keys: tuple[str, ...] = ()
        self.map_type: str | None = None
        # For the root and embedded resources: how ``metadata`` is pruned (ObjectMeta's fields).
        self.meta: Node | None = None
        # A Go struct's schema (built-in kinds): null stands for an absent value everywhere.
        self.lenient_nulls = False
        # Whether this node or one below it has a default (set by mark_defaults).
        self.defaults_below = True

    def copy(self) -> Node:
        out = Node()
        for name in Node.__slots__:
            setattr(out, name, getattr(self, name))
        return out

    def set_pattern(self, pattern: str) -> None:
        self.pattern = pattern
        try:
            self.matcher = compile_pattern(pattern)
        except PatternError as exc:
            self.pattern_error = str(exc)

    def set_format(self, name: str) -> None:
        self.format = name
        self.format_check = known_format(name)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value)


def compile_node(schema: Mapping[str, Any], *, root: bool = False) -> Node:
    """The tree of a structural schema (``root``: a resource's openAPIV3Schema)."""
    node = _compile(schema)
    if root:
        node.embedded = True  # pruning keeps apiVersion, kind and metadata at the root
        node.meta = object_meta_node()
    return node


def _compile(s: Mapping[str, Any]) -> Node:
    node = Node()
    if s.get("x-kubernetes-int-or-string"):
        node.type = INT_OR_STRING
    else:
        kind = s.get("type")
        node.type = kind if isinstance(kind, str) else ""
    node.nullable = bool(s.get("nullable"))
    if "default" in s:
        node.default = s["default"]
    props = s.get("properties")
    if isinstance(props, Mapping):
        node.properties = {str(k): _compile(v) for k, v in props.items() if isinstance(v, Mapping)}
    additional = s.get("additionalProperties")
    if isinstance(additional, Mapping):
        node.additional = _compile(additional)
    elif additional is True:
        node.additional = Node()
        node.additional.preserve = True
    items = s.get("items")
    if isinstance(items, Mapping):
        node.items = _compile(items)
    required = s.get("required")
    if isinstance(required, list):
        node.required = tuple(str(r) for r in required)
    enum = s.get("enum")
    if isinstance(enum, list):
        node.enum = enum
    node.min_length = _count(s.get("minLength"))
    node.max_length = _count(s.get("maxLength"))
    pattern = s.get("pattern")
    if isinstance(pattern, str):
        node.set_pattern(pattern)
    fmt = s.get("format")
    if isinstance(fmt, str) and fmt:
        node.set_format(fmt)
    node.minimum = _number(s.get("minimum"))
    node.maximum = _number(s.get("maximum"))
    node.exclusive_minimum = bool(s.get("exclusiveMinimum"))
    node.exclusive_maximum = bool(s.get("exclusiveMaximum"))
    node.multiple_of = _number(s.get("multipleOf"))
    node.min_items = _count(s.get("minItems"))
    node.max_items = _count(s.get("maxItems"))
    node.unique_items = bool(s.get("uniqueItems"))
    node.min_properties = _count(s.get("minProperties"))
    node.max_properties = _count(s.get("maxProperties"))
    for key, attr in (("allOf", "all_of"), ("anyOf", "any_of"), ("oneOf", "one_of")):
        branches = s.get(key)
        if isinstance(branches, list):
            setattr(node, attr, tuple(_compile(b) for b in branches if isinstance(b, Mapping)))
    not_ = s.get("not")
    if isinstance(not_, Mapping):
        node.not_ = _compile(not_)
    node.preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
    node.embedded = bool(s.get("x-kubernetes-embedded-resource"))
    if node.embedded:
        node.meta = object_meta_node()
    list_type = s.get("x-kubernetes-list-type")
    node.list_type = list_type if isinstance(list_type, str) else None
    keys = s.get("x-kubernetes-list-map-keys")
    if isinstance(keys, list):
        node.map_keys = tuple(str(k) for k in keys)
    map_type = s.get("x-kubernetes-map-type")
    node.map_type = map_type if isinstance(map_type, str) else None
    return node


_OBJECT_META: list[Node] = []


def object_meta_node() -> Node:
    """ObjectMeta's fields (kgen.apimodel.shared), for pruning the metadata of custom resources."""
    if not _OBJECT_META:
        from kgen.schema._model import shared_node

        _OBJECT_META.append(shared_node("ObjectMeta"))
    return _OBJECT_META[0]
