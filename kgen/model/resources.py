"""Resources from the paths of an OpenAPI document: ``x-kubernetes-action`` and
``x-kubernetes-group-version-kind`` of each operation, the ``namespaces/{namespace}`` segment, the
subresource suffix, the legacy ``watch/`` paths, and the patch content types each accepts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kgen.apimodel.ir import APIModel, Origin, Resource, Subresource
from kgen.errors import pointer_join
from kgen.ingest import OpenAPIDocument
from kgen.ingest.names import group_problem, label_problem
from kgen.model.gvk import gvk_of

__all__ = ["add_path_resources"]

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


def add_path_resources(model: APIModel, doc: OpenAPIDocument) -> None:
    """The resources an OpenAPI document's paths serve, with their verbs, subresources and kinds."""
    kinds_by_gvk = {
        t.gvk: t.id for t in model.types.values() if t.gvk is not None and t.list_item is None
    }
    lists_by_item = {t.list_item: t.id for t in model.types.values() if t.list_item}
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
            gvk = gvk_of(gvk_raw)
            if gvk is None:
                raise doc.error("x-kubernetes-group-version-kind needs group, version, kind", where)
            if watch_prefix or action in ("watch", "watchlist"):
                watchable.add((group, version, plural))
                continue
            if action == "connect":
                # exec, attach, portforward and proxy need streaming protocols (WebSocket/SPDY).
                resource = _resource(model, group, version, plural, doc, where)
                if sub:
                    resource.subresources.setdefault(sub, Subresource(sub)).verbs.add("connect")
                continue
            resource = _resource(model, group, version, plural, doc, where)
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
    for (group, version), gv in model.group_versions.items():
        for resource in gv.resources.values():
            if (group, version, resource.plural) in watchable and "list" in resource.verbs:
                resource.verbs.add("watch")
            if not resource.kind:
                continue
            resource.type_id = kinds_by_gvk.get((group, version, resource.kind))
            if resource.list_type_id is None and resource.type_id is not None:
                resource.list_type_id = lists_by_item.get(resource.type_id)
            list_type = model.types.get(resource.list_type_id or "")
            if list_type is not None and list_type.gvk is not None:
                resource.list_kind = list_type.gvk[2]
            resource.singular = resource.singular or resource.kind.lower()
            for subresource in resource.subresources.values():
                if subresource.kind == (group, version, resource.kind):
                    subresource.kind = None  # the parent's own kind (status, resize...)


def _resource(
    model: APIModel, group: str, version: str, plural: str, doc: OpenAPIDocument, pointer: str
) -> Resource:
    gv = model.group_version(group, version)
    resource = gv.resources.get(plural)
    if resource is None:
        _check_names(doc, pointer, group, version, plural)
        resource = gv.resources[plural] = Resource(
            group=group,
            version=version,
            plural=plural,
            kind="",
            namespaced=False,
            origin=Origin(doc.file, pointer, doc.index),
        )
    return resource


def _check_names(doc: OpenAPIDocument, pointer: str, group: str, version: str, plural: str) -> None:
    """A path's group, version and resource must be names the apiserver could serve."""
    for what, value, problem in (
        ("group", group, group_problem(group, crd=False)),
        ("version", version, label_problem(version)),
        ("resource", plural, _resource_problem(plural)),
    ):
        if problem is not None:
            raise doc.error(f"the path's {what} {value!r} {problem}", pointer)


def _resource_problem(plural: str) -> str | None:
    # Resource names are paths segments (IsValidPathSegmentName) in lower case; kgen also makes
    # attributes of them, so they are held to DNS-1035 labels, as every real resource and CRD is.
    return label_problem(plural)


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
    if not segments or not segments[0] or segments[0].startswith("{"):
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
