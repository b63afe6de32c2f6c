"""Stage 2 of the pipeline: from checked inputs to one :class:`~kgen.apimodel.ir.APIModel`.

- OpenAPI definitions are merged across documents (a kube-apiserver repeats shared definitions in every
  /openapi/v3 document; copies must be identical) and placed in the group-version their Go package serves.
- Resources come from the paths (:mod:`.resources`): ``x-kubernetes-action``,
  ``x-kubernetes-group-version-kind``, the ``namespaces/{namespace}`` segment and the subresource suffix.
- CRDs give one kind per served version (:mod:`.crds`), from ``spec.names``, ``spec.scope`` and
  ``spec.versions``.
- Schemas become types (:mod:`.schemas`); every name is given at the end (:mod:`.naming`).
- ``--include``/``--exclude`` select the group-versions that get clients; types they need from other
  group-versions are kept, everything unreachable is dropped. The selection comes first: kinds of
  group-versions it leaves out are never compared, nor CRD versions it leaves out built.
- A kind both a CRD file and an OpenAPI document (a cluster's, or a file) define comes from the CRD
  file, which is the source of what the cluster publishes (and says more than /openapi/v2 can); the
  notice says so. Two CRD files, or two OpenAPI documents, defining one kind is an error.
- Every top-level kind gets the same treatment whatever it is read from, so that a CRD gives one set
  of models read from its file or from a cluster: apiVersion and kind are never required, and a
  definition a cluster published for a CRD is read as the CRD's structural schema is.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kgen.apimodel.ir import APIModel, Array, Map, Origin, Ref, TypeRef, UnionType
from kgen.errors import SpecError, pointer_join
from kgen.ingest import CRDDocument, Inputs, OpenAPIDocument
from kgen.ingest.names import group_problem, kind_problem, label_problem
from kgen.model.crds import add_crd, ensure_kind_fields
from kgen.model.gvk import gv_selector, gvks_of
from kgen.model.naming import assign_names
from kgen.model.resources import add_path_resources
from kgen.model.schemas import Context, SchemaConverter, special_for_id

__all__ = ["build_model"]


def build_model(
    inputs: Inputs,
    *,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    notice: Callable[[str], None] | None = None,
) -> APIModel:
    """The API model of the inputs; ``notice`` hears what was decided between inputs (a CRD file
    taking over a kind an OpenAPI document defines)."""
    model = APIModel(sources=inputs.files)
    selected = Selection(list(include), list(exclude))
    builder = _Builder(model, selected, notice or (lambda message: None))
    builder.add_openapi(inputs.openapi)
    builder.add_crds(inputs.crds)
    _select(model, selected)
    _mark_strategic_merge(model)
    assign_names(model, builder.converter_hints())
    return model


@dataclass(frozen=True, slots=True)
class Selection:
    """``--include``/``--exclude``: whether a group-version gets clients."""

    include: list[str]
    exclude: list[str]

    def __call__(self, group: str, version: str) -> bool:
        name = gv_selector(group, version)
        wanted = not self.include or any(fnmatch.fnmatchcase(name, p) for p in self.include)
        return wanted and not any(fnmatch.fnmatchcase(name, p) for p in self.exclude)


@dataclass(slots=True)
class _Claim:
    """Who defines a kind: where, from which kind of input, as which type."""

    origin: Origin
    crd: bool
    type_id: str


@dataclass(slots=True)
class _Definition:
    schema: Mapping[str, Any]
    doc: OpenAPIDocument
    canonical: str


class _Builder:
    def __init__(self, model: APIModel, selected: Selection, notice: Callable[[str], None]) -> None:
        self.model = model
        self.selected = selected
        self.notice = notice
        self._definitions: dict[str, _Definition] = {}
        self._current_doc: OpenAPIDocument | None = None
        self.converter = SchemaConverter(model, self._resolve_ref)
        # (group, version, kind) -> who defines it, to report two inputs defining one kind.
        self._claims: dict[tuple[str, str, str], _Claim] = {}
        # Evicted OpenAPI kinds -> the CRD's type id; evicted list types -> their item's id.
        self._evicted: dict[str, str] = {}
        self._evicted_lists: dict[str, str] = {}

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
            gvks = gvks_of(schema)
            for position, gvk in enumerate(gvks):
                self._check_gvk(doc, gvk, type_id, position)
            if len(gvks) == 1 and _published_for_crd(type_id, schema):
                # A CRD as a cluster publishes it: read as its structural schema is (see .crds).
                ctx = Context(
                    group,
                    version,
                    doc.file,
                    doc.schema_pointer(type_id),
                    doc.index,
                    type_id,
                    type_id.rsplit(".", 1)[-1],
                    owner=type_id,
                    structural=True,
                )
            typedef = self.converter.definition(type_id, schema, ctx)
            if len(gvks) == 1 and typedef.field_named("apiVersion") and typedef.field_named("kind"):
                typedef.gvk = gvks[0]
                ensure_kind_fields(typedef)
                self._claim_kind(gvks[0], typedef.origin, type_id, crd=False)
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

    def _check_gvk(
        self, doc: OpenAPIDocument, gvk: tuple[str, str, str], type_id: str, position: int
    ) -> None:
        group, version, kind = gvk
        for what, problem in (
            ("group", group_problem(group, crd=False)),
            ("version", label_problem(version)),
            ("kind", kind_problem(kind)),
        ):
            if problem is not None:
                value = {"group": group, "version": version, "kind": kind}[what]
                raise doc.error(
                    f"{what} {value!r} {problem}",
                    pointer_join(
                        doc.schema_pointer(type_id),
                        "x-kubernetes-group-version-kind",
                        position,
                        what,
                    ),
                )

    def _claim_kind(
        self, gvk: tuple[str, str, str], origin: Origin, type_id: str, *, crd: bool
    ) -> None:
        """Record who defines a kind. Two inputs of one sort defining it is an error, where the
        selection keeps the kind (elsewhere the first one stays, unused); a CRD file takes a kind
        over from an OpenAPI document (:meth:`_evict`)."""
        group, version, kind = gvk
        known = self._claims.get(gvk)
        if known is None:
            self._claims[gvk] = _Claim(origin, crd, type_id)
            return
        if known.origin.file == origin.file or not self.selected(group, version):
            return  # the same file (its own checks report doubles); or a kind nobody asked for
        if crd and not known.crd:
            self._evict(gvk, known)
            self.notice(
                f"kind {kind} of {gv_selector(group, version)}: the CRD in {origin} is used, not "
                f"the definition in {known.origin}"
            )
            self._claims[gvk] = _Claim(origin, crd, type_id)
            return
        raise SpecError(
            f"kind {kind} of {gv_selector(group, version)} is also defined in {known.origin}",
            file=origin.file,
            pointer=origin.pointer,
            document=origin.document,
        )

    def _evict(self, gvk: tuple[str, str, str], claim: _Claim) -> None:
        """Drop an OpenAPI document's kind that a CRD file defines: its type and list type, their
        inline objects, its resources; references to them will reach the CRD's types."""
        group, version, kind = gvk
        gv = self.model.group_version(group, version)
        list_ids = [
            t.id for t in self.model.types.values() if t.list_item == claim.type_id and t.gvk
        ]
        gone = {claim.type_id, *list_ids}
        for type_id in list(gone):
            gone.update(self.converter.owned_by(type_id))
        for type_id in gone:
            typedef = self.model.types.pop(type_id, None)
            if typedef is not None and typedef.gvk is not None:
                gv.kinds.pop(typedef.gvk[2], None)
                self._claims.pop(typedef.gvk, None)
        for plural, resource in list(gv.resources.items()):
            if resource.type_id in gone or resource.kind == kind:
                del gv.resources[plural]
        self._evicted[claim.type_id] = f"{group}/{version}.{kind}"
        for list_id in list_ids:
            self._evicted_lists[list_id] = claim.type_id

    # --- CRDs ---------------------------------------------------------------------------------------

    def add_crds(self, docs: list[CRDDocument]) -> None:
        def order(doc: CRDDocument) -> tuple[str, str]:
            spec = doc.crd["spec"]
            return (spec["group"], spec["names"]["kind"])

        self._current_doc = None  # a CRD's schema has no $refs
        for doc in sorted(docs, key=order):
            add_crd(self.model, self.converter, self._claim_crd_kind, doc, self.selected)
        self._redirect_evicted()

    def _claim_crd_kind(self, gvk: tuple[str, str, str], origin: Origin) -> None:
        group, version, kind = gvk
        self._claim_kind(gvk, origin, f"{group}/{version}.{kind}", crd=True)

    def _redirect_evicted(self) -> None:
        """References to an evicted kind (or its list) reach the CRD's type instead."""
        if not self._evicted:
            return
        redirect = dict(self._evicted)
        for list_id, item_id in self._evicted_lists.items():
            crd_item = redirect[item_id]
            for typedef in self.model.types.values():
                if typedef.list_item == crd_item:
                    redirect[list_id] = typedef.id
        for typedef in self.model.types.values():
            for item in typedef.fields:
                item.type = _redirected(item.type, redirect)
        for gv in self.model.group_versions.values():
            for resource in gv.resources.values():
                if resource.list_type_id in redirect:
                    resource.list_type_id = redirect[resource.list_type_id]


def _redirected(type_ref: TypeRef, redirect: Mapping[str, str]) -> TypeRef:
    if isinstance(type_ref, Ref):
        return Ref(redirect[type_ref.type_id]) if type_ref.type_id in redirect else type_ref
    if isinstance(type_ref, Array):
        return Array(_redirected(type_ref.items, redirect))
    if isinstance(type_ref, Map):
        return Map(_redirected(type_ref.values, redirect))
    if isinstance(type_ref, UnionType):
        return UnionType(tuple(_redirected(o, redirect) for o in type_ref.options))
    return type_ref


# Definitions of Go types (built-in kinds and kube-aggregator's), which a CRD's never are.
_GO_PACKAGES = (
    "io.k8s.api.",
    "io.k8s.apimachinery.",
    "io.k8s.apiextensions-apiserver.",
    "io.k8s.kube-aggregator.",
)


def _published_for_crd(type_id: str, schema: Mapping[str, Any]) -> bool:
    """Whether a kind's definition is a CRD's as kube-apiserver publishes it: not a Go type's, and
    its schema all inline (a Go type refers to its structs by $ref), but for metadata's ObjectMeta.
    """
    if type_id.startswith(_GO_PACKAGES):
        return False
    stack: list[tuple[Any, bool]] = [(schema, False)]
    while stack:
        node, is_names = stack.pop()
        if isinstance(node, Mapping):
            if not is_names and "$ref" in node:
                return False
            for key, value in node.items():
                if isinstance(value, (Mapping, list)):
                    if node is schema and key == "properties" and isinstance(value, Mapping):
                        stack.extend(
                            (sub, False) for name, sub in value.items() if name != "metadata"
                        )
                        continue
                    stack.append((value, not is_names and key in ("properties",)))
        elif isinstance(node, list):
            stack.extend((item, False) for item in node)
    return True


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


def _select(model: APIModel, selected: Selection) -> None:
    """Mark the group-versions that get clients, and drop the types nothing selected needs."""
    for (group, version), gv in model.group_versions.items():
        gv.included = selected(group, version)
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
