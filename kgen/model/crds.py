"""Custom resources from CustomResourceDefinitions: one kind (and its list kind) per served version,
from ``spec.names``, ``spec.scope`` and ``spec.versions``, with the structural schema's types, the
status and scale subresources, printer columns and selectable fields."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kgen.apimodel.ir import (
    APIModel,
    Array,
    Field,
    Origin,
    Primitive,
    PrinterColumn,
    Ref,
    Resource,
    Shared,
    Subresource,
    TypeDef,
    TypeRef,
)
from kgen.errors import pointer_join
from kgen.ingest import CRDDocument
from kgen.model.gvk import gv_selector
from kgen.model.schemas import Context, SchemaConverter

__all__ = ["add_crd"]

_STRING: TypeRef = Primitive("string")


def add_crd(
    model: APIModel,
    converter: SchemaConverter,
    claim_kind: Callable[[tuple[str, str, str], Origin], None],
    doc: CRDDocument,
) -> None:
    """The kind, list kind and resource of every served version of one CRD."""
    spec = doc.crd["spec"]
    group: str = spec["group"]
    names = spec["names"]
    kind: str = names["kind"]
    list_kind: str = names.get("listKind") or f"{kind}List"
    for position, version_spec in enumerate(spec["versions"]):
        if not version_spec["served"]:
            continue
        version: str = version_spec["name"]
        where = pointer_join(doc.pointer, "spec", "versions", position)
        schema_where = pointer_join(where, "schema", "openAPIV3Schema")
        origin = Origin(doc.file, schema_where, doc.index)
        gvk = (group, version, kind)
        claim_kind(
            gvk, Origin(doc.file, pointer_join(doc.pointer, "spec", "names", "kind"), doc.index)
        )
        gv = model.group_version(group, version)
        if kind in gv.kinds:
            raise doc.error(
                f"kind {kind} of {gv_selector(group, version)} is defined twice",
                "spec",
                "names",
                "kind",
            )
        schema = dict(version_spec["schema"]["openAPIV3Schema"])
        type_id = f"{group}/{version}.{kind}"
        ctx = Context(
            group,
            version,
            doc.file,
            schema_where,
            doc.index,
            type_id,
            kind,
            owner=type_id,
            structural=True,
        )
        typedef = converter.definition(type_id, schema, ctx)
        typedef.gvk = gvk
        typedef.schema = _for_validation(schema)
        _ensure_top_level_fields(typedef, origin)
        gv.kinds[kind] = type_id
        list_id = f"{group}/{version}.{list_kind}"
        model.types[list_id] = TypeDef(
            id=list_id,
            group=group,
            version=version,
            description=f"{list_kind} is a list of {kind}.",
            fields=[
                Field("apiVersion", _STRING),
                Field("kind", _STRING),
                Field("metadata", Shared("ListMeta")),
                Field("items", Array(Ref(type_id)), required=True),
            ],
            origin=origin,
            gvk=(group, version, list_kind),
            list_item=type_id,
        )
        gv.kinds[list_kind] = list_id
        subresources: dict[str, Subresource] = {}
        declared = version_spec.get("subresources") or {}
        if "status" in declared:
            subresources["status"] = Subresource("status", {"get", "update", "patch", "apply"})
        if "scale" in declared:
            subresources["scale"] = Subresource(
                "scale",
                {"get", "update", "patch", "apply"},
                kind=("autoscaling", "v1", "Scale"),
            )
        gv.resources[names["plural"]] = Resource(
            group=group,
            version=version,
            plural=names["plural"],
            kind=kind,
            namespaced=spec["scope"] == "Namespaced",
            origin=Origin(doc.file, doc.pointer, doc.index),
            singular=names.get("singular") or kind.lower(),
            verbs={
                "get",
                "list",
                "watch",
                "create",
                "update",
                "patch",
                "apply",
                "delete",
                "deletecollection",
            },
            subresources=subresources,
            list_kind=list_kind,
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()),
            printer_columns=tuple(
                _printer_column(doc, column, (*_parts(where), "additionalPrinterColumns", i))
                for i, column in enumerate(version_spec.get("additionalPrinterColumns") or [])
            ),
            selectable_fields=tuple(
                _selectable_field(doc, item, (*_parts(where), "selectableFields", i))
                for i, item in enumerate(version_spec.get("selectableFields") or [])
            ),
            type_id=type_id,
            list_type_id=list_id,
        )


_DOCUMENTATION = frozenset({"description", "example", "externalDocs", "title"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions"})
_SCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf"})
_SCHEMAS = frozenset({"additionalProperties", "additionalItems", "not", "items"})


def _for_validation(schema: Any) -> Any:
    """A CRD schema without its documentation (what kgen.schema validates with; values such as
    ``default`` and ``enum`` are data and kept whole)."""
    if not isinstance(schema, Mapping):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DOCUMENTATION:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            out[key] = {name: _for_validation(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_for_validation(sub) for sub in value]
        elif key in _SCHEMAS:
            is_list = isinstance(value, list)
            out[key] = [_for_validation(v) for v in value] if is_list else _for_validation(value)
        else:
            out[key] = value
    return out


def _parts(pointer: str) -> tuple[str, ...]:
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])


def _ensure_top_level_fields(typedef: TypeDef, origin: Origin) -> None:
    """A custom resource always has apiVersion, kind and an ObjectMeta, whatever its schema spells out
    (``metadata`` is usually a bare ``{type: object}``)."""
    for name in ("apiVersion", "kind"):
        existing = typedef.field_named(name)
        if existing is None:
            typedef.fields.insert(0 if name == "apiVersion" else 1, Field(name, _STRING))
        else:
            existing.type = _STRING
            existing.required = False
    metadata = typedef.field_named("metadata")
    if metadata is None:
        typedef.fields.insert(2, Field("metadata", Shared("ObjectMeta")))
    else:
        metadata.type = Shared("ObjectMeta")
        metadata.required = False


def _printer_column(doc: CRDDocument, column: Any, where: tuple[str | int, ...]) -> PrinterColumn:
    if not isinstance(column, Mapping) or not all(
        isinstance(column.get(k), str) for k in ("name", "type", "jsonPath")
    ):
        raise doc.error("a printer column needs name, type and jsonPath", *where)
    priority = column.get("priority", 0)
    return PrinterColumn(
        name=column["name"],
        type=column["type"],
        json_path=column["jsonPath"],
        description=(
            column.get("description") if isinstance(column.get("description"), str) else None
        ),
        format=column.get("format") if isinstance(column.get("format"), str) else None,
        priority=priority if isinstance(priority, int) else 0,
    )


def _selectable_field(doc: CRDDocument, item: Any, where: tuple[str | int, ...]) -> str:
    if not isinstance(item, Mapping) or not isinstance(item.get("jsonPath"), str):
        raise doc.error("a selectable field needs a jsonPath", *where)
    path: str = item["jsonPath"]
    return path.lstrip(".")
