"""OpenAPI schemas of the API model's types, as kube-apiserver publishes them: built-in kinds and their
parts as named definitions referenced with ``$ref``, the shared ``meta/v1`` types and the special
formats (Quantity, IntOrString, Time) under their Go names, custom resources inline under
``io.<reversed group>.<version>.<Kind>``. :func:`crd_schema` gives the inline schema of a kind, as a
CRD's ``openAPIV3Schema``; :mod:`kgen.testing.openapi` puts the definitions into documents.
"""

from __future__ import annotations

from typing import Any

from kgen.apimodel.ir import (
    QUANTITY_PATTERN_START,
    APIModel,
    Array,
    EnumType,
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
from kgen.apimodel.shared import SHARED_TYPES, shape_type

__all__ = ["Renderer", "crd_schema", "custom_id"]

_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_SHARED_IDS = {
    **{name: _META + name for name in SHARED_TYPES},
    "Scale": "io.k8s.api.autoscaling.v1.Scale",
    "ScaleSpec": "io.k8s.api.autoscaling.v1.ScaleSpec",
    "ScaleStatus": "io.k8s.api.autoscaling.v1.ScaleStatus",
    "VersionInfo": "io.k8s.apimachinery.pkg.version.Info",
}
_SPECIAL_IDS = {
    "int-or-string": "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    "quantity": "io.k8s.apimachinery.pkg.api.resource.Quantity",
    "time": _META + "Time",
    "micro-time": _META + "MicroTime",
}
_SPECIAL_SCHEMAS: dict[str, dict[str, Any]] = {
    "int-or-string": {"type": "string", "format": "int-or-string"},
    "quantity": {"type": "string"},
    "time": {"type": "string", "format": "date-time"},
    "micro-time": {"type": "string", "format": "date-time"},
}


def _escape(type_id: str) -> str:
    return type_id.replace("~", "~0").replace("/", "~1")


def custom_id(group: str, version: str, kind: str) -> str:
    """The definition name of a custom resource kind: ``io.kgen.example.v1.Widget``."""
    return ".".join([*reversed(group.split(".")), version, kind])


class Renderer:
    """Collects the definitions one document needs while rendering schemas."""

    def __init__(self, model: APIModel, v3: bool) -> None:
        self.model = model
        self.v3 = v3
        self.prefix = "#/components/schemas/" if v3 else "#/definitions/"
        self.definitions: dict[str, Any] = {}
        self._pending: list[tuple[str, Any]] = []

    def ref(self, name: str) -> dict[str, Any]:
        return {"$ref": self.prefix + _escape(name)}

    def need(self, name: str, build: Any) -> dict[str, Any]:
        if name not in self.definitions:
            self.definitions[name] = {}  # reserved: recursion ends here
            self.definitions[name] = build()
        return self.ref(name)

    # --- schemas ------------------------------------------------------------------------------------

    def type_schema(self, ref: TypeRef, *, inline: bool) -> dict[str, Any]:
        if isinstance(ref, Primitive):
            out: dict[str, Any] = {"type": ref.name}
            if ref.format:
                out["format"] = ref.format
            return out
        if isinstance(ref, EnumType):
            out = self.type_schema(ref.base, inline=inline)
            out["enum"] = list(ref.values)
            return out
        if isinstance(ref, Special):
            return self.special(ref.name, inline=inline)
        if isinstance(ref, Array):
            return {"type": "array", "items": self.type_schema(ref.items, inline=inline)}
        if isinstance(ref, Map):
            return {
                "type": "object",
                "additionalProperties": self.type_schema(ref.values, inline=inline),
            }
        if isinstance(ref, Ref):
            typedef = self.model.types.get(ref.type_id)
            if typedef is None:
                return {"type": "object"}
            if inline:
                return self.object_schema(typedef, inline=True)
            return self.need(ref.type_id, lambda: self.object_schema(typedef, inline=False))
        if isinstance(ref, Shared):
            return self.shared(ref.name, inline=inline)
        if isinstance(ref, UnionType):
            return {}
        raise TypeError(ref)

    def special(self, name: str, *, inline: bool) -> dict[str, Any]:
        if name in ("json", "object"):
            return {"type": "object"} if name == "object" else {}
        if name == "bytes":
            return {"type": "string", "format": "byte"}
        if inline:
            if name == "int-or-string":
                return {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                }
            if name == "quantity":
                return {
                    "x-kubernetes-int-or-string": True,
                    "anyOf": [{"type": "integer"}, {"type": "string"}],
                    "pattern": QUANTITY_PATTERN_START
                    + r"(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
                }
            return dict(_SPECIAL_SCHEMAS[name])
        return self.need(_SPECIAL_IDS[name], lambda: dict(_SPECIAL_SCHEMAS[name]))

    def shared(self, name: str, *, inline: bool) -> dict[str, Any]:
        shape = SHARED_TYPES[name]

        def build() -> dict[str, Any]:
            properties = {
                prop: self.type_schema(shape_type(sub), inline=inline)
                for prop, sub in sorted(shape.properties.items())
            }
            out: dict[str, Any] = {"type": "object", "properties": properties}
            if shape.required:
                out["required"] = sorted(shape.required)
            if shape.kind is not None:
                api_version, kind = shape.kind
                group, _, version = api_version.rpartition("/")
                out["x-kubernetes-group-version-kind"] = [
                    {"group": group, "version": version, "kind": kind}
                ]
            if name in ("ManagedFieldsEntry", "OwnerReference", "LabelSelector"):
                out["x-kubernetes-map-type"] = "atomic"
            return out

        if inline:
            return build()
        return self.need(_SHARED_IDS[name], build)

    def object_schema(self, typedef: TypeDef, *, inline: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "object"}
        if typedef.description:
            out["description"] = typedef.description
        properties = {
            item.json_name: self.field_schema(item, inline=inline) for item in typedef.fields
        }
        if properties:
            out["properties"] = properties
        required = [item.json_name for item in typedef.fields if item.required]
        if required:
            out["required"] = required
        out.update(typedef.extensions.openapi())
        if typedef.gvk is not None and not inline:
            group, version, kind = typedef.gvk
            out["x-kubernetes-group-version-kind"] = [
                {"group": group, "version": version, "kind": kind}
            ]
        return out

    def field_schema(self, item: Field, *, inline: bool) -> dict[str, Any]:
        base = self.type_schema(item.type, inline=inline)
        extra: dict[str, Any] = {}
        if item.description:
            extra["description"] = item.description
        if item.has_default:
            extra["default"] = item.default
        if item.nullable:
            extra["nullable"] = True
        extra.update(item.constraints)
        extra.update(item.extensions.openapi())
        if item.extensions.int_or_string and "anyOf" not in base and "$ref" not in base:
            base.pop("type", None)
            base["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        if not extra:
            return base
        if "$ref" in base:
            if self.v3:
                return {"allOf": [base], **extra}
            # Swagger 2.0 as the apiserver writes it: description and extensions beside the $ref.
            kept = {k: v for k, v in extra.items() if k.startswith("x-") or k == "description"}
            return {**base, **kept}
        return {**base, **extra}


def crd_schema(model: APIModel, type_id: str | None) -> dict[str, Any]:
    """The inline (structural) schema of a kind, as a CRD's ``openAPIV3Schema``."""
    typedef = model.types.get(type_id or "")
    if typedef is None:
        return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    schema = Renderer(model, v3=True).object_schema(typedef, inline=True)
    if "metadata" in schema.get("properties", {}):
        schema["properties"]["metadata"] = {"type": "object"}  # the apiserver owns its schema
    return schema
