"""An OpenAPI structural schema as CEL sees it: the declared type of each node, with the size bounds
the cost estimator uses (k8s.io/apiserver/pkg/cel/common/schemas.go), property names as rules spell
them (escaping.go), and the JSON values of a node as CEL values (timestamps, durations, bytes, sets
and map lists). :mod:`kgen.cel.schema` compiles and runs the rules on these."""

from __future__ import annotations

import base64
import re
from typing import Any, Callable, Mapping

from kgen.cel._errors import EvalError
from kgen.cel._lexer import RESERVED
from kgen.cel._types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    INT,
    STRING,
    TIMESTAMP,
    Type,
    list_of,
    map_of,
    object_type,
)
from kgen.cel._values import MapList, SetList, parse_duration, parse_timestamp

__all__ = [
    "MAX_REQUEST_SIZE_BYTES",
    "Converter",
    "DeclType",
    "converter",
    "escape",
    "schema_decl_type",
    "size_estimator",
    "zero_if_negative",
]

# k8s.io/apiserver/pkg/cel/limits.go
MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024
_MAX_DURATION_SIZE_JSON = 32
_MAX_DATETIME_SIZE_JSON = 32
_MIN_DURATION_SIZE_JSON = 3
_JSON_DATE_SIZE = 12
_MIN_DATETIME_SIZE_JSON = 21
_MIN_STRING_SIZE = 2
_MIN_BOOL_SIZE = 4
_MIN_NUMBER_SIZE = 1

_RESERVED = RESERVED | {"true", "false", "null", "in"}
_ESCAPED = {".": "__dot__", "-": "__dash__", "/": "__slash__"}
_ESCAPABLE = re.compile(r"[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*")


def escape(name: str) -> str | None:
    """A property name as CEL sees it (k8s.io/apiserver/pkg/cel/escaping.go), or None when it
    cannot be expressed (the property is then invisible to rules)."""
    if name in _RESERVED:
        return f"__{name}__"
    if not _ESCAPABLE.fullmatch(name):
        return None
    out = []
    i = 0
    while i < len(name):
        c = name[i]
        if c == "_" and name.startswith("__", i):
            out.append("__underscores__")
            i += 2
            continue
        out.append(_ESCAPED.get(c, c))
        i += 1
    return "".join(out)


# -- schema → declared types ------------------------------------------------------------------


class DeclType:
    """kube-apiserver's DeclType: the CEL type of a schema node, with the size bounds the cost
    estimator uses."""

    __slots__ = ("cel", "fields", "elem", "key", "max_elements", "min_size")

    def __init__(self, cel: Type, max_elements: int, min_size: int) -> None:
        self.cel = cel
        self.fields: dict[str, DeclType] = {}
        self.elem: DeclType | None = None
        self.key: DeclType | None = None
        self.max_elements = max_elements
        self.min_size = min_size


def _is_int_or_string(s: Mapping[str, Any]) -> bool:
    return bool(s.get("x-kubernetes-int-or-string"))


def _max_string_length(s: Mapping[str, Any]) -> int:
    if _is_int_or_string(s):
        return MAX_REQUEST_SIZE_BYTES - 2
    fmt = s.get("format")
    if fmt == "duration":
        return _MAX_DURATION_SIZE_JSON
    if fmt == "date":
        return _JSON_DATE_SIZE
    if fmt == "date-time":
        return _MAX_DATETIME_SIZE_JSON
    return MAX_REQUEST_SIZE_BYTES - 2


def zero_if_negative(v: Any) -> int:
    return max(int(v), 0)


def _with_type_and_object_meta(s: Mapping[str, Any]) -> dict[str, Any]:
    props = dict(s.get("properties") or {})
    string = {"type": "string"}
    meta = dict(props.get("metadata") or {})
    if not (
        props.get("kind", {}).get("type") == "string"
        and props.get("apiVersion", {}).get("type") == "string"
        and meta.get("type") == "object"
        and (meta.get("properties") or {}).get("name", {}).get("type") == "string"
        and (meta.get("properties") or {}).get("generateName", {}).get("type") == "string"
    ):
        props["kind"] = string
        props["apiVersion"] = string
        props["metadata"] = {
            "type": "object",
            "properties": {"name": string, "generateName": string},
        }
    out = dict(s)
    out["properties"] = props
    return out


def schema_decl_type(s: Mapping[str, Any] | None, is_root: bool, name: str) -> DeclType | None:
    """SchemaDeclType of k8s.io/apiserver/pkg/cel/common/schemas.go."""
    if s is None:
        return None
    if _is_int_or_string(s):
        max_el = zero_if_negative(s["maxLength"]) * 4 if "maxLength" in s else _max_string_length(s)
        return DeclType(DYN, max_el, 1)
    if is_root:
        s = _with_type_and_object_meta(s)
    t = s.get("type")
    if t == "array":
        items = s.get("items")
        if not isinstance(items, Mapping):
            return None
        it = schema_decl_type(
            items, bool(items.get("x-kubernetes-embedded-resource")), name + ".@idx"
        )
        if it is None:
            return None
        if "maxItems" in s:
            max_items = zero_if_negative(s["maxItems"])
        else:
            max_items = (MAX_REQUEST_SIZE_BYTES - 2) // (it.min_size + 1)
        d = DeclType(list_of(it.cel), max_items, 2)
        d.elem = it
        return d
    if t == "object":
        ap = s.get("additionalProperties")
        if isinstance(ap, Mapping):
            vt = schema_decl_type(
                ap, bool(ap.get("x-kubernetes-embedded-resource")), name + ".@elem"
            )
            if vt is None:
                return None
            if "maxProperties" in s:
                max_props = zero_if_negative(s["maxProperties"])
            else:
                max_props = (MAX_REQUEST_SIZE_BYTES - 2) // (vt.min_size + 6)
            d = DeclType(map_of(STRING, vt.cel), max_props, 2)
            d.elem = vt
            # kube-apiserver's map key type is its shared StringType, whose MaxElements is 0
            d.key = DeclType(STRING, 0, _MIN_STRING_SIZE)
            return d
        required = set(s.get("required") or ())
        fields: dict[str, DeclType] = {}
        names: dict[str, str] = {}
        min_size = 2
        for pname, prop in (s.get("properties") or {}).items():
            if not isinstance(prop, Mapping):
                continue
            ft = schema_decl_type(
                prop, bool(prop.get("x-kubernetes-embedded-resource")), f"{name}.{pname}"
            )
            if ft is None:
                continue
            esc = escape(pname)
            if esc is not None:
                fields[esc] = ft
                names[esc] = pname
            if pname in required and "default" not in prop:
                min_size += len(pname) + ft.min_size + 4
        obj = object_type(name, {k: v.cel for k, v in fields.items()})
        if any(k != v for k, v in names.items()):
            obj.json_names = names
        d = DeclType(obj, len(fields), min_size)
        d.fields = fields
        return d
    if t == "string":
        fmt = s.get("format")
        if fmt == "byte":
            max_el = zero_if_negative(s["maxLength"]) if "maxLength" in s else _max_string_length(s)
            return DeclType(BYTES, max_el, _MIN_STRING_SIZE)
        if fmt == "duration":
            return DeclType(DURATION, _max_string_length(s), _MIN_DURATION_SIZE_JSON)
        if fmt == "date":
            return DeclType(TIMESTAMP, _max_string_length(s), _JSON_DATE_SIZE)
        if fmt == "date-time":
            return DeclType(TIMESTAMP, _max_string_length(s), _MIN_DATETIME_SIZE_JSON)
        if "maxLength" in s:
            max_el = zero_if_negative(s["maxLength"]) * 4
        elif s.get("enum"):
            max_el = max((len(v) for v in s["enum"] if isinstance(v, str)), default=0)
        else:
            max_el = _max_string_length(s)
        return DeclType(STRING, max_el, _MIN_STRING_SIZE)
    if t == "boolean":
        return DeclType(BOOL, 0, _MIN_BOOL_SIZE)
    if t == "number":
        return DeclType(DOUBLE, 0, _MIN_NUMBER_SIZE)
    if t == "integer":
        return DeclType(INT, 0, _MIN_NUMBER_SIZE)
    return None


def size_estimator(root: DeclType) -> Callable[[list[str]], tuple[int, int] | None]:
    def estimate(path: list[str]) -> tuple[int, int] | None:
        if not path:
            return None
        node: DeclType | None = root
        for name in path[1:]:
            assert node is not None
            if name in ("@items", "@values"):
                node = node.elem
            elif name == "@keys":
                node = node.key
            else:
                node = node.fields.get(name)
            if node is None:
                return None
        assert node is not None
        return (0, node.max_elements)

    return estimate


# -- JSON values → CEL values -----------------------------------------------------------------

Converter = Callable[[Any], Any]


def converter(s: Mapping[str, Any] | None) -> Converter | None:
    """A function that turns the JSON value of this schema node into its CEL value, or None
    when the JSON value is already the CEL value (the common case: no copying)."""
    if s is None or _is_int_or_string(s):
        return None
    t = s.get("type")
    if t == "number":
        return lambda v: float(v) if type(v) is int else v
    if t == "string":
        fmt = s.get("format")
        if fmt in ("date", "date-time"):

            def ts(v: Any) -> Any:
                if not isinstance(v, str):
                    return v
                try:
                    return parse_timestamp(v if fmt == "date-time" else v + "T00:00:00Z")
                except EvalError:
                    return v

            return ts
        if fmt == "duration":

            def dur(v: Any) -> Any:
                try:
                    return parse_duration(v) if isinstance(v, str) else v
                except EvalError:
                    return v

            return dur
        if fmt == "byte":

            def b64(v: Any) -> Any:
                try:
                    return base64.b64decode(v) if isinstance(v, str) else v
                except ValueError:
                    return v

            return b64
        return None
    if t == "array":
        items = s.get("items") if isinstance(s.get("items"), Mapping) else None
        item_conv = converter(items)
        list_type = s.get("x-kubernetes-list-type")
        if list_type == "set":
            return lambda v: (
                SetList(item_conv(x) for x in v)
                if item_conv and isinstance(v, list)
                else (SetList(v) if isinstance(v, list) else v)
            )
        if list_type == "map":
            keys = tuple(s.get("x-kubernetes-list-map-keys") or ())
            return lambda v: (
                MapList((item_conv(x) for x in v) if item_conv else v, keys)
                if isinstance(v, list)
                else v
            )
        if item_conv is None:
            return None
        return lambda v: [item_conv(x) for x in v] if isinstance(v, list) else v
    if t == "object":
        ap = s.get("additionalProperties")
        if isinstance(ap, Mapping):
            vc = converter(ap)
            if vc is None:
                return None
            return lambda v: {k: vc(x) for k, x in v.items()} if isinstance(v, dict) else v
        convs = {}
        for pname, prop in (s.get("properties") or {}).items():
            if isinstance(prop, Mapping):
                c = converter(prop)
                if c is not None:
                    convs[pname] = c
        if not convs:
            return None

        def obj(v: Any) -> Any:
            if not isinstance(v, dict):
                return v
            out = dict(v)
            for k, c in convs.items():
                x = out.get(k)
                if x is not None:
                    out[k] = c(x)
            return out

        return obj
    return None
