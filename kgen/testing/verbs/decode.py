"""What a written body must be before anything else, as kube-apiserver's decoders check it: a JSON
object whose apiVersion and kind the scheme knows (built-in kinds, decoded into their Go types) or that
names the custom resource (unstructured), and values of the right JSON types for a typed decode.
"""

from __future__ import annotations

import json
import re
from typing import Any

from kgen.apimodel.ir import (
    Array,
    EnumType,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeDef,
    TypeRef,
)
from kgen.apimodel.shared import SHARED_TYPES
from kgen.testing import errors, jsonbody, schema
from kgen.testing.errors import FieldError, StatusError
from kgen.testing.limits import MAX_DEPTH
from kgen.testing.registry import Registry, ResourceType

__all__ = [
    "converter_error",
    "decode",
    "TYPE_META",
    "go_format",
    "json_kind",
    "patch_invalid",
    "type_at",
    "unmarshal_error",
    "unmarshal_error_of",
    "zero_nulls",
]

# What the serializer decodes first, to find the kind (json: cannot unmarshal ... into Go value of it).
TYPE_META = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
    'Kind string "json:\\"kind,omitempty\\"" }'
)


def json_kind(value: Any) -> str:
    """How encoding/json names a JSON value it cannot decode."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "null"


# The scheme named in "no kind is registered" errors (naming.GetNameFromCallsite of
# legacyscheme.Scheme: the path depends on how kube-apiserver was built; this is the -trimpath form).
LEGACY_SCHEME = "pkg/api/legacyscheme/scheme.go:30"


def decode(
    registry: Registry, rt: ResourceType, body: Any, *, expected_kind: str | None = None
) -> dict[str, Any]:
    """Check apiVersion and kind of a written object, as the apiserver's decoder does."""
    kind_wanted = expected_kind or rt.kind
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type {kind_wanted}): "
            "couldn't get version/kind; json parse error"
        )
    obj = jsonbody.copy_json(body)
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if expected_kind is not None:
        _check_expected_kind(rt, kind, api_version, expected_kind)
    elif rt.custom:
        _check_custom_kind(rt, obj, kind, api_version)
    else:
        _check_builtin_kind(registry, rt, kind, api_version)
    if expected_kind is None:
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
    if "metadata" in obj and not isinstance(obj["metadata"], dict):
        raise errors.bad_request(
            f'{kind_wanted} in version "{rt.version}" cannot be handled as a {kind_wanted}: '
            "metadata must be an object"
        )
    return obj


def _check_expected_kind(rt: ResourceType, kind: Any, api_version: Any, expected_kind: str) -> None:
    """A subresource body (Scale, Binding...): only its kind is checked."""
    if kind and kind != expected_kind:
        version = str(api_version or rt.api_version).rpartition("/")[2]
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {expected_kind}: '
            f'no kind "{kind}" is registered for version "{api_version or rt.api_version}"'
        )


def _check_builtin_kind(registry: Registry, rt: ResourceType, kind: Any, api_version: Any) -> None:
    """The typed decoder: the scheme must know the (defaulted) group/version/kind of the data,
    convert it to the internal type of the resource, and the group/version must be the URL's."""
    api_version = str(api_version or rt.api_version)
    kind = str(kind or rt.kind)
    group, _, version = api_version.rpartition("/")
    prefix = f'{kind} in version "{version}" cannot be handled as a {rt.kind}: '
    gv = registry.model.group_versions.get((group, version))
    registered = gv is not None and kind in gv.kinds
    if not registered and (group, kind) == (rt.group, rt.kind):
        # The scheme also holds the versions of a group that are no longer served (apps/v1beta1
        # Deployments), which the model does not list: those decode, then fail the version check.
        registered = re.fullmatch(r"v\d+(?:(?:alpha|beta)\d+)?", version) is not None
    if not registered:
        raise errors.bad_request(
            f'{prefix}no kind "{kind}" is registered for version "{api_version}" in scheme '
            f'"{LEGACY_SCHEME}"'
        )
    if kind != rt.kind:
        # Conversion goes to the resource's internal type, in its group's internal package.
        internal = "core" if rt.group in ("", "events.k8s.io") else rt.group.split(".")[0]
        raise errors.bad_request(
            f"{prefix}converting ({version}.{kind}) to ({internal}.{rt.kind}): "
            "unknown conversion"
        )
    if api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )


def _check_custom_kind(rt: ResourceType, obj: dict[str, Any], kind: Any, api_version: Any) -> None:
    """The unstructured decoder wants a kind; then the version must be the URL's, and the
    custom resource validator wants the CRD's kind."""
    if not kind:
        raise errors.bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f"Object 'Kind' is missing in '{_compact(obj)}'"
        )
    if not api_version:
        raise errors.bad_request(f"Object 'apiVersion' is missing in '{_compact(obj)}'")
    if api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )
    if kind != rt.kind:
        name = str((obj.get("metadata") or {}).get("name") or "")
        raise errors.invalid(
            str(kind), rt.group, name, [FieldError.invalid("kind", kind, f"must be {rt.kind}")]
        )


def _compact(obj: dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"))


# Go's encoding/json names for JSON values and (roughly) for the Go types the schema's types become.
_JSON_VALUE_NAMES = {"string": "string", "integer": "number", "number": "number", "boolean": "bool"}
_GO_TYPE_NAMES = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "array": "[]interface {}",
    "object": "map[string]interface {}",
}


def unmarshal_error(rt: ResourceType, mistyped: schema.Mistyped) -> str:
    """json.UnmarshalTypeError's text for a value of the wrong type (the struct is approximated by
    the kind: the model does not say which Go struct holds each field)."""
    return unmarshal_error_of(rt.kind, mistyped)


def unmarshal_error_of(kind: str, mistyped: schema.Mistyped) -> str:
    """:func:`unmarshal_error` for a kind given by name."""
    if mistyped.expected == "bytes":
        return mistyped.actual  # base64's error (first_bad_bytes)
    value = _JSON_VALUE_NAMES.get(mistyped.actual, mistyped.actual)
    go_type = _GO_TYPE_NAMES.get(mistyped.expected, mistyped.expected)
    return (
        f"json: cannot unmarshal {value} into Go struct field {kind}.{mistyped.path} of type "
        f"{go_type}"
    )


# --- a patched object decoded into its Go type -------------------------------------------------

# The Go kinds of decoded JSON values, as the unstructured converter names them.
_GO_KINDS = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "array": "slice",
    "object": "map",
}


def patch_invalid(value: str, message: str) -> StatusError:
    """What a patch whose result does not decode into the kind's Go type gets: 422, the field
    ``patch``, no kind and no name (``errors.NewInvalid(schema.GroupKind{}, "", ...)``)."""
    return errors.invalid("", "", "", [FieldError.invalid("patch", value, message)])


def go_format(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value (``map[a:1 b:[x y]]``)."""
    if isinstance(value, dict):
        inner = " ".join(f"{key}:{go_format(value[key])}" for key in sorted(value))
        return f"map[{inner}]"
    if isinstance(value, list):
        return "[" + " ".join(go_format(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        return repr(value)
    return str(value)


def type_at(registry: Registry, rt: ResourceType, path: str) -> TypeRef | None:
    """The model's type of the field at ``path`` (``spec.containers[0].image``) of ``rt``'s objects."""
    model = registry.model
    current: TypeRef | None = Ref(rt.type_id) if rt.type_id else None
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if current is None:
            return None
        if isinstance(current, Array):
            current = current.items if part.startswith("[") else None
        elif isinstance(current, Map):
            current = current.values
        elif isinstance(current, Ref):
            typedef = model.types.get(current.type_id)
            field = (
                next((f for f in typedef.fields if f.json_name == part), None) if typedef else None
            )
            current = field.type if field else None
        elif isinstance(current, Shared):
            shape = SHARED_TYPES.get(current.name)
            sub = shape.properties.get(part) if shape is not None else None
            current = _shared_type(sub) if sub is not None else None
        else:
            return None
    return current


def converter_error(registry: Registry, rt: ResourceType, mistyped: schema.Mistyped) -> str:
    """The unstructured converter's error (FromUnstructured) for a value of the wrong type: what a
    strategic merge patch of a built-in kind fails with."""
    if mistyped.expected == "bytes":
        return f"error decoding from json: {mistyped.actual}"
    source = _GO_KINDS.get(mistyped.actual, mistyped.actual)
    if isinstance(mistyped.value, float) and mistyped.value.is_integer():
        source = "int64"
    target = type_at(registry, rt, mistyped.path)
    if isinstance(target, EnumType):
        target = target.base
    if isinstance(target, Primitive):
        dest = {"string": "string", "boolean": "bool", "number": "float64"}.get(target.name)
        if target.name == "integer":
            dest = "int32" if target.format == "int32" else "int64"
        if dest == "string" and source == "int64":
            return "cannot convert int64 to string"
        if dest in ("int32", "int64") and source == "float64":
            return f"cannot convert float64 to {dest}"
        return f"unrecognized type: {dest or 'string'}"
    if isinstance(target, Map):
        return f"cannot restore map from {source}"
    if isinstance(target, Array):
        return f"cannot restore slice from {source}"
    if mistyped.expected == "array":
        return f"cannot restore slice from {source}"
    if mistyped.expected == "object":
        return f"cannot restore struct from: {source}"
    return f"unrecognized type: {_GO_KINDS.get(mistyped.expected, mistyped.expected)}"


def _shared_type(shape: str) -> TypeRef:
    """The type of a property of a shared meta/v1 shape (``map:string``, ``array:Condition``...)."""
    if shape.startswith("map:"):
        return Map(_shared_type(shape[4:]))
    if shape.startswith("array:"):
        return Array(_shared_type(shape[6:]))
    if shape in ("string", "integer", "boolean"):
        return Primitive(shape)  # type: ignore[arg-type]
    if shape in ("time", "object"):
        return Special(shape)  # type: ignore[arg-type]
    return Shared(shape)


# The fields of built-in types by JSON name, made once per TypeDef (keyed by its identity and that
# of its fields, which a changed model replaces): the walks below look them up at every object.
_FIELDS: dict[int, tuple[TypeDef, list[Any], int, dict[str, TypeRef]]] = {}


def _fields_of(typedef: TypeDef) -> dict[str, TypeRef]:
    entry = _FIELDS.get(id(typedef))
    if (
        entry is None
        or entry[0] is not typedef
        or entry[1] is not typedef.fields
        or entry[2] != len(typedef.fields)
    ):
        if len(_FIELDS) > 10_000:
            _FIELDS.clear()
        fields = {f.json_name: f.type for f in typedef.fields}
        entry = _FIELDS[id(typedef)] = (typedef, typedef.fields, len(typedef.fields), fields)
    return entry[3]


def zero_nulls(registry: Registry, rt: ResourceType, obj: dict[str, Any]) -> None:
    """Go's typed decoding of a built-in kind's nulls, in place: a null field is no field (a nil
    pointer, omitted), a null in a map or list the zero value of its type (``""``, ``0``, ``false``,
    an empty struct), as kube-apiserver stores ``{"data": {"k": null}}`` as ``{"data": {"k": ""}}``.
    """
    if rt.custom or rt.type_id is None or rt.type_id not in registry.model.types:
        return
    _zero_nulls(registry, Ref(rt.type_id), obj, 0)


def _zero_nulls(registry: Registry, ref: TypeRef, value: Any, depth: int) -> None:
    if depth > 4 * MAX_DEPTH:
        return
    if isinstance(value, dict):
        fields: dict[str, TypeRef] | None = None
        if isinstance(ref, Ref):
            typedef = registry.model.types.get(ref.type_id)
            if typedef is not None:
                fields = _fields_of(typedef)
        elif isinstance(ref, Shared):
            shape = SHARED_TYPES.get(ref.name)
            if shape is not None:
                fields = {k: _shared_type(v) for k, v in shape.properties.items()}
        elif isinstance(ref, Map):
            for key, item in value.items():
                if item is None:
                    value[key] = _zero(ref.values)
                else:
                    _zero_nulls(registry, ref.values, item, depth + 1)
            return
        if fields is None:
            return
        for key in [k for k, v in value.items() if v is None and k in fields]:
            del value[key]
        for key, item in value.items():
            field_type = fields.get(key)
            if field_type is not None:
                _zero_nulls(registry, field_type, item, depth + 1)
    elif isinstance(value, list) and isinstance(ref, Array):
        for index, item in enumerate(value):
            if item is None:
                value[index] = _zero(ref.items)
            else:
                _zero_nulls(registry, ref.items, item, depth + 1)


def _zero(ref: TypeRef) -> Any:
    """The JSON of a Go zero value (None where Go writes null: nil maps, slices and times)."""
    if isinstance(ref, EnumType):
        ref = ref.base
    if isinstance(ref, Primitive):
        return {"string": "", "integer": 0, "number": 0, "boolean": False}[ref.name]
    if isinstance(ref, (Ref, Shared)):
        return {}
    if isinstance(ref, Special):
        return {"int-or-string": 0, "quantity": "0"}.get(ref.name)
    return None


_SPECIAL_JSON = {
    "int-or-string": ("integer", "string"),
    "quantity": ("integer", "number", "string"),
    "time": ("string",),
    "micro-time": ("string",),
    "bytes": ("string",),
}


def first_mistyped(registry: Registry, ref: TypeRef, value: Any, path: str = "") -> Any:
    """The first value of ``value`` (a subresource's body: Scale, Binding...) whose JSON type is not
    its Go field's, as a :class:`schema.Mistyped`, or None. Nulls decode as zero values."""
    stack: list[tuple[TypeRef, Any, str]] = [(ref, value, path)]
    while stack:
        current, item, where = stack.pop()
        if item is None:
            continue
        actual = _JSON_NAMES.get(type(item), "object")
        if isinstance(current, EnumType):
            current = current.base
        if isinstance(current, Primitive):
            expected = current.name
            if actual == expected or (expected == "number" and actual == "integer"):
                continue
            if expected == "integer" and isinstance(item, float) and item.is_integer():
                continue
            return schema.Mistyped(where, expected, actual, item)
        if isinstance(current, Special):
            allowed = _SPECIAL_JSON.get(current.name)
            if allowed is not None and actual not in allowed:
                return schema.Mistyped(where, allowed[-1], actual, item)
            continue
        if isinstance(current, Array):
            if not isinstance(item, list):
                return schema.Mistyped(where, "array", actual, item)
            stack.extend((current.items, x, f"{where}[{i}]") for i, x in enumerate(item))
        elif isinstance(current, Map):
            if not isinstance(item, dict):
                return schema.Mistyped(where, "object", actual, item)
            stack.extend((current.values, v, _dotted(where, k)) for k, v in item.items())
        elif isinstance(current, (Ref, Shared)):
            if not isinstance(item, dict):
                return schema.Mistyped(where, "object", actual, item)
            fields: dict[str, TypeRef] = {}
            if isinstance(current, Ref):
                typedef = registry.model.types.get(current.type_id)
                if typedef is not None:
                    fields = _fields_of(typedef)
            else:
                shape = SHARED_TYPES.get(current.name)
                if shape is not None:
                    fields = {k: _shared_type(v) for k, v in shape.properties.items()}
            stack.extend(
                (fields[k], v, _dotted(where, k)) for k, v in reversed(item.items()) if k in fields
            )
    return None


_JSON_NAMES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _dotted(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def cannot_handle(kind: str, version: str, mistyped: schema.Mistyped) -> StatusError:
    """The 400 a body whose value has the wrong JSON type gets (``Scale in version "v1" cannot be
    handled as a Scale: json: cannot unmarshal string into Go struct field ...``)."""
    return errors.bad_request(
        f'{kind} in version "{version}" cannot be handled as a {kind}: '
        + unmarshal_error_of(kind, mistyped)
    )


def body_type(registry: Registry, group: str, version: str, kind: str) -> TypeRef | None:
    """The model's type of a subresource's kind (autoscaling/v1 Scale is a shared type)."""
    shared = SHARED_TYPES.get(kind)
    if shared is not None and shared.kind is not None:
        return Shared(kind)
    gv = registry.model.group_versions.get((group, version))
    type_id = gv.kinds.get(kind) if gv is not None else None
    return Ref(type_id) if type_id and type_id in registry.model.types else None


_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


def base64_error(text: str) -> str | None:
    """encoding/base64's error for ``text`` as StdEncoding decodes a []byte field, or None."""
    stripped = text.replace("\r", "").replace("\n", "")
    match = _BASE64.match(stripped)
    bad = match.end() if match else 0
    if bad < len(stripped):
        return f"illegal base64 data at input byte {bad}"
    pad = stripped.find("=")
    body_length = len(stripped) if pad < 0 else pad
    if pad >= 0 and (stripped[pad:].strip("=") or len(stripped) % 4):
        return f"illegal base64 data at input byte {pad}"
    if pad < 0 and body_length % 4:
        return f"illegal base64 data at input byte {body_length - body_length % 4}"
    return None


def first_bad_bytes(registry: Registry, rt: ResourceType, obj: Any) -> schema.Mistyped | None:
    """The first []byte field (format: byte) of a built-in object that is not base64, as a
    Mistyped whose ``expected`` is ``bytes`` and whose ``actual`` is the decoder's error."""
    if rt.custom or rt.type_id is None:
        return None
    stack: list[tuple[TypeRef, Any, str]] = [(Ref(rt.type_id), obj, "")]
    seen = 0
    while stack and seen < 100_000:
        seen += 1
        current, item, where = stack.pop()
        if isinstance(current, Special):
            if current.name == "bytes" and isinstance(item, str):
                problem = base64_error(item)
                if problem is not None:
                    return schema.Mistyped(where, "bytes", problem, item)
        elif isinstance(current, Array) and isinstance(item, list):
            stack.extend((current.items, x, f"{where}[{i}]") for i, x in enumerate(item))
        elif isinstance(current, Map) and isinstance(item, dict):
            stack.extend((current.values, v, _dotted(where, k)) for k, v in item.items())
        elif isinstance(current, Ref) and isinstance(item, dict):
            typedef = registry.model.types.get(current.type_id)
            if typedef is not None:
                fields = _fields_of(typedef)
                stack.extend(
                    (fields[k], v, _dotted(where, k)) for k, v in item.items() if k in fields
                )
    return None
