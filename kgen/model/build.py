"""Stage 2 of the pipeline: from checked inputs to one :class:`~kgen.apimodel.ir.APIModel`.

- OpenAPI definitions are merged across documents (a kube-apiserver repeats shared definitions in every
  /openapi/v3 document; copies must be identical) and placed in the group-version their Go package serves.
- Resources come from the paths: ``x-kubernetes-action``, ``x-kubernetes-group-version-kind``, the
  ``namespaces/{namespace}`` segment and the subresource suffix.
- CRDs give one kind per served version, from ``spec.names``, ``spec.scope`` and ``spec.versions``.
- ``--include``/``--exclude`` select the group-versions that get clients; types they need from other
  group-versions are kept, everything unreachable is dropped.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kgen.errors import SpecError, pointer_join
from kgen.ingest import CRDDocument, Inputs, OpenAPIDocument
from kgen.apimodel.ir import (
    APIModel,
    Array,
    Field,
    Map,
    Origin,
    Primitive,
    PrinterColumn,
    Ref,
    Resource,
    Shared,
    Special,
    Subresource,
    TypeDef,
    TypeRef,
    UnionType,
)
from kgen.model.naming import assign_names
from kgen.model.schemas import Context, SchemaConverter, special_for_id

__all__ = ["build_model", "gv_selector"]

_HTTP_METHODS = ("get", "put", "post", "delete", "patch")
_ACTION_VERBS = {
    "get": "get",
    "list": "list",
    "put": "update",
    "patch": "patch",
    "delete": "delete",
    "deletecollection": "deletecollection",
}
_SUBRESOURCE_VERBS = {"get": "get", "put": "update", "patch": "patch", "post": "create"}
_APPLY = "application/apply-patch+yaml"
_STRATEGIC = "application/strategic-merge-patch+json"


def gv_selector(group: str, version: str) -> str:
    """How --include/--exclude globs name a group-version: ``core/v1``, ``apps/v1``, ``cert-manager.io/v1``."""
    return f"{group or 'core'}/{version}"


def build_model(
    inputs: Inputs, *, include: Iterable[str] = (), exclude: Iterable[str] = ()
) -> APIModel:
    model = APIModel(sources=inputs.files)
    builder = _Builder(model)
    builder.add_openapi(inputs.openapi)
    builder.add_crds(inputs.crds)
    _select(model, list(include), list(exclude))
    _mark_strategic_merge(model)
    assign_names(model, builder.converter_hints())
    return model


@dataclass(slots=True)
class _Definition:
    schema: Mapping[str, Any]
    doc: OpenAPIDocument
    canonical: str


class _Builder:
    def __init__(self, model: APIModel) -> None:
        self.model = model
        self._definitions: dict[str, _Definition] = {}
        self._current_doc: OpenAPIDocument | None = None
        self.converter = SchemaConverter(model, self._resolve_ref)
        # (group, version, kind) -> origin, to report two inputs defining one kind.
        self._kind_origins: dict[tuple[str, str, str], Origin] = {}

    def converter_hints(self) -> dict[str, str]:
        hints: dict[str, str] = {}
        for type_id in self.model.types:
            hint = self.converter.name_hint(type_id)
            if hint is not None:
                hints[type_id] = hint
        return hints

    # --- OpenAPI ------------------------------------------------------------------------------------

    def _resolve_ref(self, ref: Any, ctx: Context) -> str:
        doc = self._current_doc
        if not isinstance(ref, str):
            raise ctx.error(f"$ref must be a string, not {type(ref).__name__}")
        if doc is None:
            raise ctx.error(f"$ref {ref!r} is not allowed here")
        if not ref.startswith(doc.ref_prefix):
            raise ctx.error(f"$ref {ref!r} does not point into {doc.ref_prefix}")
        type_id = ref[len(doc.ref_prefix) :].replace("~1", "/").replace("~0", "~")
        if type_id not in doc.schemas:
            raise ctx.error(f"broken $ref: {ref!r} is not defined in this document")
        return type_id

    def add_openapi(self, docs: list[OpenAPIDocument]) -> None:
        if not docs:
            return
        for doc in docs:
            for type_id, schema in doc.schemas.items():
                if not isinstance(schema, Mapping):
                    raise doc.error("a schema must be an object", doc.schema_pointer(type_id))
                canonical = json.dumps(schema, sort_keys=True)
                known = self._definitions.get(type_id)
                if known is None:
                    self._definitions[type_id] = _Definition(schema, doc, canonical)
                elif known.canonical != canonical:
                    raise doc.error(
                        f"{type_id} is defined differently here and in "
                        f"{known.doc.file}#{known.doc.schema_pointer(type_id)}",
                        doc.schema_pointer(type_id),
                    )
        placement = self._placements()
        for type_id in sorted(self._definitions):
            if special_for_id(type_id) is not None:
                continue
            definition = self._definitions[type_id]
            group, version = placement[type_id]
            doc = definition.doc
            self._current_doc = doc
            ctx = Context(
                group,
                version,
                doc.file,
                doc.schema_pointer(type_id),
                doc.index,
                type_id,
                type_id.rsplit(".", 1)[-1],
                owner=type_id,
            )
            schema = definition.schema
            typedef = self.converter.definition(type_id, schema, ctx)
            gvks = _gvks(schema)
            if len(gvks) == 1 and typedef.field_named("apiVersion") and typedef.field_named("kind"):
                typedef.gvk = gvks[0]
                self._claim_kind(gvks[0], typedef.origin)
                self.model.group_version(*gvks[0][:2]).kinds[gvks[0][2]] = type_id
                items = typedef.field_named("items")
                if (
                    gvks[0][2].endswith("List")
                    and items is not None
                    and isinstance(items.type, Array)
                ):
                    item_type = items.type.items
                    if isinstance(item_type, Ref):
                        typedef.list_item = item_type.type_id
            else:
                self.model.group_version(group, version)
        for doc in docs:
            self._current_doc = doc
            self._resources_from_paths(doc)
        self._current_doc = None

    def _placements(self) -> dict[str, tuple[str, str]]:
        """The group-version of every definition: its own GVK, else the one its Go package serves."""
        by_package: dict[str, Counter[tuple[str, str]]] = {}
        own: dict[str, tuple[str, str]] = {}
        for type_id, definition in self._definitions.items():
            gvks = _gvks(definition.schema)
            if len(gvks) == 1:
                group, version, _ = gvks[0]
                own[type_id] = (group, version)
                by_package.setdefault(_package(type_id), Counter())[(group, version)] += 1
        placement: dict[str, tuple[str, str]] = {}
        for type_id in self._definitions:
            if type_id in own:
                placement[type_id] = own[type_id]
                continue
            counts = by_package.get(_package(type_id))
            if counts:
                best = max(counts.items(), key=lambda item: (item[1], item[0]))[0]
                placement[type_id] = best
            else:
                package = _package(type_id)
                head, _, tail = package.rpartition(".")
                placement[type_id] = (head or package, tail or "v1")
        return placement

    def _claim_kind(self, gvk: tuple[str, str, str], origin: Origin) -> None:
        known = self._kind_origins.get(gvk)
        if known is not None and known.file != origin.file:
            group, version, kind = gvk
            raise SpecError(
                f"kind {kind} of {gv_selector(group, version)} is also defined in {known}",
                file=origin.file,
                pointer=origin.pointer,
                document=origin.document,
            )
        self._kind_origins.setdefault(gvk, origin)

    def _resources_from_paths(self, doc: OpenAPIDocument) -> None:
        kinds_by_gvk = {
            t.gvk: t.id
            for t in self.model.types.values()
            if t.gvk is not None and t.list_item is None
        }
        lists_by_item = {t.list_item: t.id for t in self.model.types.values() if t.list_item}
        watchable: set[tuple[str, str, str]] = set()
        for path in sorted(doc.paths):
            item = doc.paths[path]
            if not isinstance(item, Mapping):
                raise doc.error("a path item must be an object", pointer_join("/paths", path))
            parsed = _parse_path(path)
            if parsed is None:
                continue
            group, version, namespaced, plural, named, sub, watch_prefix = parsed
            for method in _HTTP_METHODS:
                operation = item.get(method)
                if not isinstance(operation, Mapping):
                    continue
                where = pointer_join("/paths", path, method)
                action = operation.get("x-kubernetes-action")
                gvk_raw = operation.get("x-kubernetes-group-version-kind")
                if not isinstance(action, str) or not isinstance(gvk_raw, Mapping):
                    continue
                gvk = _gvk(gvk_raw)
                if gvk is None:
                    raise doc.error(
                        "x-kubernetes-group-version-kind needs group, version, kind", where
                    )
                if watch_prefix or action in ("watch", "watchlist"):
                    watchable.add((group, version, plural))
                    continue
                if action == "connect":
                    # exec, attach, portforward and proxy need streaming protocols (WebSocket/SPDY).
                    resource = self._resource(group, version, plural, doc, where)
                    if sub:
                        resource.subresources.setdefault(sub, Subresource(sub)).verbs.add("connect")
                    continue
                resource = self._resource(group, version, plural, doc, where)
                if sub is None:
                    if action in (
                        "get",
                        "list",
                        "post",
                        "put",
                        "patch",
                        "delete",
                        "deletecollection",
                    ):
                        if not resource.kind or action in ("get", "list"):
                            resource.kind = gvk[2]
                        resource.namespaced = resource.namespaced or namespaced
                    if action == "post" and not named:
                        resource.verbs.add("create")
                    elif action == "list" and _has_watch_param(operation, item):
                        resource.verbs.update({"list", "watch"})
                    elif action in _ACTION_VERBS:
                        resource.verbs.add(_ACTION_VERBS[action])
                    if action == "patch":
                        consumes = _consumes(operation, doc)
                        if _APPLY in consumes:
                            resource.verbs.add("apply")
                        if _STRATEGIC in consumes:
                            resource.strategic_merge_patch = True
                    if action == "list":
                        list_ref = _response_ref(operation, doc)
                        if list_ref is not None:
                            resource.list_type_id = list_ref
                else:
                    subresource = resource.subresources.setdefault(sub, Subresource(sub))
                    verb = _SUBRESOURCE_VERBS.get(action, action)
                    subresource.verbs.add(verb)
                    if action == "patch" and _APPLY in _consumes(operation, doc):
                        subresource.verbs.add("apply")
                    response_ref = _response_ref(operation, doc)
                    if response_ref is None and _response_is_text(operation, doc):
                        subresource.streaming = True
                    else:
                        subresource.kind = gvk
        for (group, version), gv in self.model.group_versions.items():
            for resource in gv.resources.values():
                if (group, version, resource.plural) in watchable and "list" in resource.verbs:
                    resource.verbs.add("watch")
                if not resource.kind:
                    continue
                resource.type_id = kinds_by_gvk.get((group, version, resource.kind))
                if resource.list_type_id is None and resource.type_id is not None:
                    resource.list_type_id = lists_by_item.get(resource.type_id)
                list_type = self.model.types.get(resource.list_type_id or "")
                if list_type is not None and list_type.gvk is not None:
                    resource.list_kind = list_type.gvk[2]
                resource.singular = resource.singular or resource.kind.lower()
                for subresource in resource.subresources.values():
                    if subresource.kind == (group, version, resource.kind):
                        subresource.kind = None  # the parent's own kind (status, resize...)

    def _resource(
        self, group: str, version: str, plural: str, doc: OpenAPIDocument, pointer: str
    ) -> Resource:
        gv = self.model.group_version(group, version)
        resource = gv.resources.get(plural)
        if resource is None:
            resource = gv.resources[plural] = Resource(
                group=group,
                version=version,
                plural=plural,
                kind="",
                namespaced=False,
                origin=Origin(doc.file, pointer, doc.index),
            )
        return resource

    # --- CRDs ---------------------------------------------------------------------------------------

    def add_crds(self, docs: list[CRDDocument]) -> None:
        def order(doc: CRDDocument) -> tuple[str, str]:
            spec = doc.crd["spec"]
            return (spec["group"], spec["names"]["kind"])

        for doc in sorted(docs, key=order):
            self._add_crd(doc)

    def _add_crd(self, doc: CRDDocument) -> None:
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
            self._claim_kind(
                gvk, Origin(doc.file, pointer_join(doc.pointer, "spec", "names", "kind"), doc.index)
            )
            gv = self.model.group_version(group, version)
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
            self._current_doc = None
            typedef = self.converter.definition(type_id, schema, ctx)
            typedef.gvk = gvk
            _ensure_top_level_fields(typedef, origin)
            gv.kinds[kind] = type_id
            list_id = f"{group}/{version}.{list_kind}"
            self.model.types[list_id] = TypeDef(
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


_STRING: TypeRef = Primitive("string")


# --- helpers -----------------------------------------------------------------------------------------


def _parts(pointer: str) -> tuple[str, ...]:
    return tuple(p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:])


def _gvk(raw: Mapping[str, Any]) -> tuple[str, str, str] | None:
    group, version, kind = raw.get("group"), raw.get("version"), raw.get("kind")
    if (
        isinstance(group, str)
        and isinstance(version, str)
        and isinstance(kind, str)
        and version
        and kind
    ):
        return (group, version, kind)
    return None


def _gvks(schema: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    raw = schema.get("x-kubernetes-group-version-kind")
    if not isinstance(raw, list):
        return []
    out = []
    for entry in raw:
        if isinstance(entry, Mapping):
            gvk = _gvk(entry)
            if gvk is not None:
                out.append(gvk)
    return out


def _package(type_id: str) -> str:
    return type_id.rsplit(".", 1)[0] if "." in type_id else type_id


_PATH = re.compile(
    r"^/(?:api/(?P<core>[^/]+)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))(?P<rest>/.*)?$"
)


def _parse_path(
    path: str,
) -> tuple[str, str, bool, str, bool, str | None, bool] | None:
    """(group, version, namespaced, plural, named, subresource, legacy watch prefix) of a resource path."""
    match = _PATH.match(path)
    if match is None or not match.group("rest"):
        return None
    group = match.group("group") or ""
    version = match.group("core") or match.group("version")
    segments = match.group("rest").strip("/").split("/")
    watch = False
    if segments and segments[0] == "watch":
        watch = True
        segments = segments[1:]
    namespaced = False
    if len(segments) >= 3 and segments[0] == "namespaces" and segments[1] == "{namespace}":
        namespaced = True
        segments = segments[2:]
    if not segments or segments[0].startswith("{"):
        return None
    plural = segments[0]
    if len(segments) == 1:
        return (group, version, namespaced, plural, False, None, watch)
    if not (segments[1].startswith("{") and segments[1].endswith("}")):
        return None
    if len(segments) == 2:
        return (group, version, namespaced, plural, True, None, watch)
    subresource = segments[2]
    if subresource.startswith("{"):
        return None
    return (group, version, namespaced, plural, True, subresource, watch)


def _has_watch_param(operation: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    for params in (operation.get("parameters"), item.get("parameters")):
        if isinstance(params, list):
            for param in params:
                if isinstance(param, Mapping) and param.get("name") == "watch":
                    return True
    return False


def _consumes(operation: Mapping[str, Any], doc: OpenAPIDocument) -> set[str]:
    if doc.openapi_version == 2:
        consumes = operation.get("consumes")
        return {c for c in consumes if isinstance(c, str)} if isinstance(consumes, list) else set()
    body = operation.get("requestBody")
    content = body.get("content") if isinstance(body, Mapping) else None
    return {c for c in content if isinstance(c, str)} if isinstance(content, Mapping) else set()


def _response_schema(
    operation: Mapping[str, Any], doc: OpenAPIDocument
) -> Mapping[str, Any] | None:
    responses = operation.get("responses")
    if not isinstance(responses, Mapping):
        return None
    ok = responses.get("200") or responses.get(200) or responses.get("201")
    if not isinstance(ok, Mapping):
        return None
    if doc.openapi_version == 2:
        schema = ok.get("schema")
        return schema if isinstance(schema, Mapping) else None
    content = ok.get("content")
    if not isinstance(content, Mapping):
        return None
    for media in ("application/json", "*/*", "text/plain"):
        entry = content.get(media)
        if isinstance(entry, Mapping) and isinstance(entry.get("schema"), Mapping):
            found: Mapping[str, Any] = entry["schema"]
            return found
    return None


def _response_ref(operation: Mapping[str, Any], doc: OpenAPIDocument) -> str | None:
    schema = _response_schema(operation, doc)
    if schema is None:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith(doc.ref_prefix):
        type_id = ref[len(doc.ref_prefix) :]
        return type_id if type_id in doc.schemas else None
    return None


def _response_is_text(operation: Mapping[str, Any], doc: OpenAPIDocument) -> bool:
    schema = _response_schema(operation, doc)
    return schema is not None and schema.get("type") == "string"


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


def _refs(type_ref: TypeRef) -> Iterable[str]:
    if isinstance(type_ref, Ref):
        yield type_ref.type_id
    elif isinstance(type_ref, Array):
        yield from _refs(type_ref.items)
    elif isinstance(type_ref, Map):
        yield from _refs(type_ref.values)
    elif isinstance(type_ref, UnionType):
        for option in type_ref.options:
            yield from _refs(option)


def _select(model: APIModel, include: list[str], exclude: list[str]) -> None:
    """Mark the group-versions that get clients, and drop the types nothing selected needs."""
    for (group, version), gv in model.group_versions.items():
        name = gv_selector(group, version)
        wanted = not include or any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
        unwanted = any(fnmatch.fnmatchcase(name, pattern) for pattern in exclude)
        gv.included = wanted and not unwanted
    keep: set[str] = set()
    pending = [
        t.id for t in model.types.values() if model.group_versions[(t.group, t.version)].included
    ]
    while pending:
        type_id = pending.pop()
        if type_id in keep or type_id not in model.types:
            continue
        keep.add(type_id)
        for item in model.types[type_id].fields:
            pending.extend(_refs(item.type))
    model.types = {type_id: t for type_id, t in model.types.items() if type_id in keep}
    for key in list(model.group_versions):
        gv = model.group_versions[key]
        if not gv.included:
            gv.resources.clear()
            gv.kinds = {k: v for k, v in gv.kinds.items() if v in keep}
            if not any((t.group, t.version) == key for t in model.types.values()):
                del model.group_versions[key]


def _mark_strategic_merge(model: APIModel) -> None:
    """CRDs never take strategic merge patch; OpenAPI resources say so in their patch content types."""
    for resource in model.resources():
        if resource.type_id is None:
            resource.strategic_merge_patch = False
