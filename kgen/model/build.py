"""Stage 2 of the pipeline: from checked inputs to one :class:`~kgen.apimodel.ir.APIModel`.

- OpenAPI definitions are merged across documents (a kube-apiserver repeats shared definitions in every
  /openapi/v3 document; copies must be identical) and placed in the group-version their Go package serves.
- Resources come from the paths (:mod:`.resources`): ``x-kubernetes-action``,
  ``x-kubernetes-group-version-kind``, the ``namespaces/{namespace}`` segment and the subresource suffix.
- CRDs give one kind per served version (:mod:`.crds`), from ``spec.names``, ``spec.scope`` and
  ``spec.versions``.
- Schemas become types (:mod:`.schemas`); every name is given at the end (:mod:`.naming`).
- ``--include``/``--exclude`` select the group-versions that get clients; types they need from other
  group-versions are kept, everything unreachable is dropped.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kgen.apimodel.ir import APIModel, Array, Map, Origin, Ref, TypeRef, UnionType
from kgen.errors import SpecError
from kgen.ingest import CRDDocument, Inputs, OpenAPIDocument
from kgen.model.crds import add_crd
from kgen.model.gvk import gv_selector, gvks_of
from kgen.model.naming import assign_names
from kgen.model.resources import add_path_resources
from kgen.model.schemas import Context, SchemaConverter, special_for_id

__all__ = ["build_model"]


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
            gvks = gvks_of(schema)
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
            add_path_resources(self.model, doc)
        self._current_doc = None

    def _placements(self) -> dict[str, tuple[str, str]]:
        """The group-version of every definition: its own GVK, else the one its Go package serves."""
        by_package: dict[str, Counter[tuple[str, str]]] = {}
        own: dict[str, tuple[str, str]] = {}
        for type_id, definition in self._definitions.items():
            gvks = gvks_of(definition.schema)
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

    # --- CRDs ---------------------------------------------------------------------------------------

    def add_crds(self, docs: list[CRDDocument]) -> None:
        def order(doc: CRDDocument) -> tuple[str, str]:
            spec = doc.crd["spec"]
            return (spec["group"], spec["names"]["kind"])

        self._current_doc = None  # a CRD's schema has no $refs
        for doc in sorted(docs, key=order):
            add_crd(self.model, self.converter, self._claim_kind, doc)


# --- helpers -----------------------------------------------------------------------------------------


def _package(type_id: str) -> str:
    return type_id.rsplit(".", 1)[0] if "." in type_id else type_id


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
