"""CEL types as the checker sees them."""

from __future__ import annotations

from typing import Mapping

__all__ = [
    "ANY_LIST",
    "BOOL",
    "BYTES",
    "DOUBLE",
    "DURATION",
    "DYN",
    "ERROR",
    "INT",
    "NULL",
    "STRING",
    "TIMESTAMP",
    "Type",
    "UINT",
    "list_of",
    "map_of",
    "object_type",
    "opaque",
    "optional_of",
    "param",
    "type_of",
]


class Type:
    """A CEL type. ``kind`` is one of: int uint double bool string bytes null timestamp duration
    dyn error list map type object opaque param. Objects carry their fields (Kubernetes schema
    objects are object types); opaque types have a name and parameters (optional_type(T),
    net.IP, kubernetes.Quantity...)."""

    __slots__ = ("kind", "name", "params", "fields", "json_names", "_hash")

    def __init__(
        self,
        kind: str,
        name: str = "",
        params: tuple[Type, ...] = (),
        fields: Mapping[str, Type] | None = None,
    ) -> None:
        self.kind = kind
        self.name = name or kind
        self.params = params
        self.fields = fields
        self.json_names: Mapping[str, str] | None = None  # escaped field name → JSON property
        self._hash = hash((kind, self.name, params))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Type):
            return False
        if self is other:
            return True
        return self.kind == other.kind and self.name == other.name and self.params == other.params

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return self.format()

    def format(self) -> str:
        k = self.kind
        if k == "list":
            return f"list({self.params[0].format()})"
        if k == "map":
            return f"map({self.params[0].format()}, {self.params[1].format()})"
        if k == "type":
            return f"type({self.params[0].format()})" if self.params else "type"
        if k == "opaque" and self.params:
            return f"{self.name}({', '.join(p.format() for p in self.params)})"
        if k == "error":
            return "*error*"
        return self.name

    @property
    def is_dyn_like(self) -> bool:
        return self.kind in ("dyn", "error", "param")


INT = Type("int")
UINT = Type("uint")
DOUBLE = Type("double")
BOOL = Type("bool")
STRING = Type("string")
BYTES = Type("bytes")
NULL = Type("null", "null_type")
TIMESTAMP = Type("timestamp", "google.protobuf.Timestamp")
DURATION = Type("duration", "google.protobuf.Duration")
DYN = Type("dyn")
ERROR = Type("error")


def list_of(t: Type) -> Type:
    return Type("list", "list", (t,))


def map_of(k: Type, v: Type) -> Type:
    return Type("map", "map", (k, v))


def type_of(t: Type | None = None) -> Type:
    return Type("type", "type", (t,) if t is not None else ())


def param(name: str) -> Type:
    return Type("param", name)


def opaque(name: str, *params: Type) -> Type:
    return Type("opaque", name, params)


def optional_of(t: Type) -> Type:
    return Type("opaque", "optional_type", (t,))


def object_type(name: str, fields: Mapping[str, Type]) -> Type:
    return Type("object", name, (), fields)


ANY_LIST = list_of(DYN)
