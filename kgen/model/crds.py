"""Custom resources from CustomResourceDefinitions: one kind (and its list kind) per served version,
from ``spec.names``, ``spec.scope`` and ``spec.versions``, with the structural schema's types, the
status and scale subresources, printer columns and selectable fields.

A CRD gives the models a cluster that serves it gives (from ``/openapi/v3``): the schema is read as
kube-apiserver publishes it (apiextensions-apiserver's controller/openapi/builder): ``apiVersion``,
``kind`` and ``metadata`` with the apiserver's types and descriptions at the top and in every embedded
resource (``x-kubernetes-embedded-resource``, where ``apiVersion`` and ``kind`` become required), and
the list kind as the apiserver builds it."""

from __future__ import annotations

import copy
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

__all__ = ["add_crd", "ensure_kind_fields", "published"]

_STRING: TypeRef = Primitive("string")
_CONVENTIONS = "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
# What kube-apiserver publishes for a custom resource's TypeMeta and metadata (meta/v1 TypeMeta and
# meta/v1beta1 PartialObjectMetadata(List) documentation), and for an embedded resource's.
API_VERSION_DOC = (
    "APIVersion defines the versioned schema of this representation of an object. Servers should "
    "convert recognized schemas to the latest internal value, and may reject unrecognized values. "
    f"More info: {_CONVENTIONS}#resources"
)
KIND_DOC = (
    "Kind is a string value representing the REST resource this object represents. Servers may "
    "infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. "
    f"More info: {_CONVENTIONS}#types-kinds"
)
METADATA_DOC = f"Standard object's metadata. More info: {_CONVENTIONS}#metadata"
LIST_METADATA_DOC = f"Standard list metadata. More info: {_CONVENTIONS}#types-kinds"
_EMBEDDED_API_VERSION_DOC = (
    "apiVersion defines the versioned schema of this representation of an object. "
    f"More info: {_CONVENTIONS}#resources"
)
_EMBEDDED_KIND_DOC = (
    "kind is a string value representing the type of this object. In CamelCase. "
    f"More info: {_CONVENTIONS}#types-kinds"
)


def add_crd(
    model: APIModel,
    converter: SchemaConverter,
    claim_kind: Callable[[tuple[str, str, str], Origin], None],
    doc: CRDDocument,
    selected: Callable[[str, str], bool] = lambda group, version: True,
) -> None:
    """The kind, list kind and resource of every served version of one CRD that ``selected``
    (``--include``/``--exclude``) keeps."""
    spec = doc.crd["spec"]
    group: str = spec["group"]
    names = spec["names"]
    kind: str = names["kind"]
    list_kind: str = names.get("listKind") or f"{kind}List"
    for position, version_spec in enumerate(spec["versions"]):
        version: str = version_spec["name"]
        if not version_spec["served"] or not selected(group, version):
            continue
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
        schema = published(version_spec["schema"]["openAPIV3Schema"])
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
            description=f"{list_kind} is a list of {kind}",
            fields=[
                Field("apiVersion", _STRING, description=API_VERSION_DOC),
                Field(
                    "items",
                    Array(Ref(type_id)),
                    required=True,
                    description=f"List of {names['plural']}. More info: {_CONVENTIONS}",
                ),
                Field("kind", _STRING, description=KIND_DOC),
                Field("metadata", Shared("ListMeta"), description=LIST_METADATA_DOC),
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
    (``metadata`` is usually a bare ``{type: object}``), as the apiserver publishes them: strings and
    ObjectMeta with the apiserver's descriptions, apiVersion and kind never required, metadata required
    where the schema says so. Added fields go where the apiserver's sorted properties put them."""
    ensure_kind_fields(typedef)
    for name, kind, doc in (
        ("apiVersion", _STRING, API_VERSION_DOC),
        ("kind", _STRING, KIND_DOC),
        ("metadata", Shared("ObjectMeta"), METADATA_DOC),
    ):
        existing = typedef.field_named(name)
        if existing is None:
            _insert(typedef.fields, Field(name, kind, description=doc))
        else:
            existing.type = kind
            existing.description = doc


def ensure_kind_fields(typedef: TypeDef) -> None:
    """What every top-level kind gets, read from a CRD or from an OpenAPI document: apiVersion and
    kind are never required (a client fills them), whatever the schema lists (the apiserver publishes
    a CRD's ``required`` as it is written)."""
    for name in ("apiVersion", "kind"):
        existing = typedef.field_named(name)
        if existing is not None:
            existing.type = _STRING
            existing.required = False


def _insert(fields: list[Field], new: Field) -> None:
    names = [f.json_name for f in fields]
    if names != sorted(names):  # the schema's own order: the apiserver's fields first, as before
        position = {"apiVersion": 0, "kind": 1, "metadata": 2}[new.json_name]
        fields.insert(min(position, len(fields)), new)
        return
    position = 0
    while position < len(fields) and fields[position].json_name < new.json_name:
        position += 1
    fields.insert(position, new)


def published(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A version's ``openAPIV3Schema`` as the apiserver publishes it in /openapi/v3: every embedded
    resource (``x-kubernetes-embedded-resource``) with ``apiVersion``, ``kind`` (both required) and
    ``metadata`` (addEmbeddedProperties). The CRD itself is not changed."""
    embedded = []
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        if node.get("x-kubernetes-embedded-resource") is True and node is not schema:
            embedded.append(node)
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            stack.extend(properties.values())
        stack.extend(node.get(key) for key in ("items", "additionalProperties"))
    if not embedded:
        return dict(schema)
    copied = copy.deepcopy(dict(schema))
    stack = [copied]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        properties = node.get("properties")
        if isinstance(properties, dict):
            stack.extend(properties.values())
        stack.extend(node.get(key) for key in ("items", "additionalProperties"))
        if node.get("x-kubernetes-embedded-resource") is True and node is not copied:
            _add_embedded_properties(node)
    return copied


def _add_embedded_properties(node: dict[str, Any]) -> None:
    properties = node.get("properties")
    properties = dict(properties) if isinstance(properties, Mapping) else {}
    was_sorted = list(properties) == sorted(properties)
    added = {
        "apiVersion": {"type": "string", "description": _EMBEDDED_API_VERSION_DOC},
        "kind": {"type": "string", "description": _EMBEDDED_KIND_DOC},
        "metadata": {"type": "object", "description": METADATA_DOC},
    }
    merged = {**added, **{k: v for k, v in properties.items() if k not in added}}
    node["properties"] = dict(sorted(merged.items())) if was_sorted else merged
    required = node.get("required")
    required = list(required) if isinstance(required, list) else []
    for name in ("kind", "apiVersion"):
        if name not in required:
            required.append(name)
    node["required"] = required


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
