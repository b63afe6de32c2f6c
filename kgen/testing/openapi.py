"""``/openapi/v2`` and ``/openapi/v3`` rendered from the API model, as kube-apiserver publishes them.

The schemas are :mod:`kgen.testing.definitions`' (built-in kinds as named definitions with ``$ref``\\ s,
custom resources inline, as the apiserver publishes CRD schemas). Paths carry
``x-kubernetes-action``, ``x-kubernetes-group-version-kind``, the list/watch query parameters and the
patch content types (strategic merge patch only for built-in kinds), so that ``kgen.ingest`` reading the
served documents builds an equivalent model.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from kgen.apimodel.ir import Ref
from kgen.testing.definitions import Renderer, crd_schema, custom_id
from kgen.testing.registry import Registry, ResourceType

__all__ = ["GIT_VERSION", "render_v2", "render_v3", "v3_document", "v3_index"]

_PATCH_TYPES = [
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
]
_LIST_PARAMS = [
    ("allowWatchBookmarks", "boolean"),
    ("continue", "string"),
    ("fieldSelector", "string"),
    ("labelSelector", "string"),
    ("limit", "integer"),
    ("resourceVersion", "string"),
    ("resourceVersionMatch", "string"),
    ("sendInitialEvents", "boolean"),
    ("timeoutSeconds", "integer"),
    ("watch", "boolean"),
]
GIT_VERSION = "v1.36.0-kgen"

# The connect subresources' methods and query parameters (k8s.io/api/core/v1: PodExecOptions...).
_PROXY_METHODS = ("delete", "get", "head", "options", "patch", "post", "put")
_CONNECT_QUERY: dict[str, tuple[tuple[str, str], ...]] = {
    "exec": (
        ("command", "string"),
        ("container", "string"),
        ("stderr", "boolean"),
        ("stdin", "boolean"),
        ("stdout", "boolean"),
        ("tty", "boolean"),
    ),
    "attach": (
        ("container", "string"),
        ("stderr", "boolean"),
        ("stdin", "boolean"),
        ("stdout", "boolean"),
        ("tty", "boolean"),
    ),
    "portforward": (("ports", "integer"),),
    "proxy": (("path", "string"),),
}


# --- paths -----------------------------------------------------------------------------------------


def _group_camel(group: str) -> str:
    if not group:
        return "Core"
    name = group.removesuffix(".k8s.io")
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", ".").split("."))


class _Document:
    """One OpenAPI document (v2 for everything, v3 for one group-version)."""

    def __init__(self, registry: Registry, v3: bool) -> None:
        self.registry = registry
        self.model = registry.model
        self.v3 = v3
        self.renderer = Renderer(self.model, v3)
        self.paths: dict[str, Any] = {}

    def kind_schema(self, rt: ResourceType) -> tuple[dict[str, Any], dict[str, Any]]:
        """References to the schemas of the kind and of its list."""
        r = self.renderer
        typedef = self.model.types.get(rt.type_id or "")
        if rt.custom:
            name = custom_id(rt.group, rt.version, rt.kind)
            list_name = custom_id(rt.group, rt.version, rt.list_kind)

            def build() -> dict[str, Any]:
                schema = crd_schema(self.model, rt.type_id)
                schema["x-kubernetes-group-version-kind"] = [
                    {"group": rt.group, "version": rt.version, "kind": rt.kind}
                ]
                if "properties" in schema:
                    schema["properties"]["metadata"] = self.renderer.shared(
                        "ObjectMeta", inline=False
                    )
                return schema

            item = r.need(name, build)

            def build_list() -> dict[str, Any]:
                return {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "apiVersion": {"type": "string"},
                        "items": {"type": "array", "items": r.ref(name)},
                        "kind": {"type": "string"},
                        "metadata": r.shared("ListMeta", inline=False),
                    },
                    "x-kubernetes-group-version-kind": [
                        {"group": rt.group, "version": rt.version, "kind": rt.list_kind}
                    ],
                }

            return item, r.need(list_name, build_list)
        if typedef is None:
            return {"type": "object"}, {"type": "object"}
        item = r.type_schema(Ref(typedef.id), inline=False)
        list_id = None
        gv = self.model.group_versions.get((rt.group, rt.version))
        if gv is not None:
            list_id = gv.kinds.get(rt.list_kind)
        model_resource = gv.resources.get(rt.plural) if gv is not None else None
        if model_resource is not None and model_resource.list_type_id:
            list_id = model_resource.list_type_id
        listed = (
            r.type_schema(Ref(list_id), inline=False)
            if list_id and list_id in self.model.types
            else {"type": "object"}
        )
        return item, listed

    def _params(self, names: list[tuple[str, str]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for name, kind in names:
            if self.v3:
                out.append(
                    {"name": name, "in": "query", "schema": {"type": kind, "uniqueItems": True}}
                )
            else:
                out.append({"name": name, "in": "query", "type": kind, "uniqueItems": True})
        return out

    def _path_param(self, name: str) -> dict[str, Any]:
        if self.v3:
            return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        return {"name": name, "in": "path", "required": True, "type": "string"}

    def _operation(
        self,
        op_id: str,
        action: str,
        gvk: tuple[str, str, str],
        response: dict[str, Any] | None,
        *,
        body: dict[str, Any] | None = None,
        consumes: list[str] | None = None,
        params: list[dict[str, Any]] | None = None,
        text: bool = False,
        codes: tuple[str, ...] = ("200",),
    ) -> dict[str, Any]:
        operation: dict[str, Any] = {
            "operationId": op_id,
            "tags": [gvk[0] or "core"],
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": {"group": gvk[0], "version": gvk[1], "kind": gvk[2]},
        }
        if params:
            operation["parameters"] = params
        responses: dict[str, Any] = {}
        for code in codes:
            entry: dict[str, Any] = {"description": "OK" if code == "200" else "Created"}
            if response is not None:
                media = ["text/plain"] if text else ["application/json", "application/yaml"]
                if self.v3:
                    entry["content"] = {m: {"schema": response} for m in media}
                else:
                    entry["schema"] = response
            responses[code] = entry
        responses["401"] = {"description": "Unauthorized"}
        operation["responses"] = responses
        if body is not None:
            types = consumes or ["*/*"]
            if self.v3:
                operation["requestBody"] = {
                    "content": {t: {"schema": body} for t in types},
                    "required": True,
                }
            else:
                operation["consumes"] = types
                operation.setdefault("parameters", []).append(
                    {"name": "body", "in": "body", "required": True, "schema": body}
                )
        if not self.v3:
            operation["produces"] = (
                ["text/plain"] if text else ["application/json", "application/yaml"]
            )
            operation["schemes"] = ["https"]
        return operation

    def add_resource(self, rt: ResourceType) -> None:
        item, listed = self.kind_schema(rt)
        status = self.renderer.shared("Status", inline=False)
        delete_options = self.renderer.shared("DeleteOptions", inline=False)
        patch_body: dict[str, Any] = {"type": "object"}
        base = f"/api/{rt.version}" if not rt.group else f"/apis/{rt.group}/{rt.version}"
        scope = "/namespaces/{namespace}" if rt.namespaced else ""
        ns_word = "Namespaced" if rt.namespaced else ""
        camel = _group_camel(rt.group) + rt.version[:1].upper() + rt.version[1:]
        gvk = (rt.group, rt.version, rt.kind)
        patch_types = [t for t in _PATCH_TYPES if rt.strategic_merge_patch or "strategic" not in t]
        path_params = [self._path_param("namespace")] if rt.namespaced else []
        collection: dict[str, Any] = {"parameters": path_params} if path_params else {}
        list_params = self._params(_LIST_PARAMS)
        if "list" in rt.verbs:
            collection["get"] = self._operation(
                f"list{camel}{ns_word}{rt.kind}", "list", gvk, listed, params=list_params
            )
        if "create" in rt.verbs:
            collection["post"] = self._operation(
                f"create{camel}{ns_word}{rt.kind}",
                "post",
                gvk,
                item,
                body=item,
                codes=("200", "201", "202"),
            )
        if "deletecollection" in rt.verbs:
            collection["delete"] = self._operation(
                f"deletecollection{camel}{ns_word}{rt.kind}",
                "deletecollection",
                gvk,
                status,
                params=list_params,
            )
        self.paths[f"{base}{scope}/{rt.plural}"] = collection
        named: dict[str, Any] = {"parameters": [self._path_param("name"), *path_params]}
        if "get" in rt.verbs:
            named["get"] = self._operation(f"read{camel}{ns_word}{rt.kind}", "get", gvk, item)
        if "update" in rt.verbs:
            named["put"] = self._operation(
                f"replace{camel}{ns_word}{rt.kind}",
                "put",
                gvk,
                item,
                body=item,
                codes=("200", "201"),
            )
        if "patch" in rt.verbs:
            named["patch"] = self._operation(
                f"patch{camel}{ns_word}{rt.kind}",
                "patch",
                gvk,
                item,
                body=patch_body,
                consumes=patch_types,
                codes=("200", "201"),
            )
        if "delete" in rt.verbs:
            named["delete"] = self._operation(
                f"delete{camel}{ns_word}{rt.kind}",
                "delete",
                gvk,
                status,
                body=delete_options,
                codes=("200", "202"),
            )
        self.paths[f"{base}{scope}/{rt.plural}/{{name}}"] = named
        if rt.namespaced and "list" in rt.verbs:
            self.paths[f"{base}/{rt.plural}"] = {
                "get": self._operation(
                    f"list{camel}{rt.kind}ForAllNamespaces", "list", gvk, listed, params=list_params
                )
            }
        if "watch" in rt.verbs:
            event = self.renderer.shared("WatchEvent", inline=False)
            self.paths[f"{base}/watch{scope}/{rt.plural}"] = {
                **({"parameters": path_params} if path_params else {}),
                "get": self._operation(
                    f"watch{camel}{ns_word}{rt.kind}List",
                    "watchlist",
                    gvk,
                    event,
                    params=list_params,
                ),
            }
        for sub in sorted(rt.subresources.values(), key=lambda s: s.name):
            self.add_subresource(rt, sub, base, scope, camel, ns_word, path_params, item)

    def add_subresource(
        self,
        rt: ResourceType,
        sub: Any,
        base: str,
        scope: str,
        camel: str,
        ns_word: str,
        path_params: list[dict[str, Any]],
        item: dict[str, Any],
    ) -> None:
        name = sub.name[:1].upper() + sub.name[1:]
        if "connect" in sub.verbs:
            self._add_connect(rt, sub.name, base, scope, camel, ns_word, path_params)
            return
        gvk = sub.kind or (rt.group, rt.version, rt.kind)
        if sub.kind is not None:
            group, version, kind = sub.kind
            if kind == "Scale" and group == "autoscaling":
                schema = self.renderer.shared("Scale", inline=False)
            else:
                schema = {"type": "object"}
                for type_id, typedef in self.model.types.items():
                    if typedef.gvk == sub.kind:
                        schema = self.renderer.type_schema(Ref(type_id), inline=False)
                        break
        else:
            schema = item
        entry: dict[str, Any] = {"parameters": [self._path_param("name"), *path_params]}
        op = f"{camel}{ns_word}{rt.kind}{name}"
        patch_types = [t for t in _PATCH_TYPES if rt.strategic_merge_patch or "strategic" not in t]
        if sub.streaming:
            entry["get"] = self._operation(f"read{op}", "get", gvk, {"type": "string"}, text=True)
        else:
            if "get" in sub.verbs:
                entry["get"] = self._operation(f"read{op}", "get", gvk, schema)
            if "update" in sub.verbs:
                entry["put"] = self._operation(
                    f"replace{op}", "put", gvk, schema, body=schema, codes=("200", "201")
                )
            if "patch" in sub.verbs:
                entry["patch"] = self._operation(
                    f"patch{op}",
                    "patch",
                    gvk,
                    schema,
                    body={"type": "object"},
                    consumes=patch_types,
                    codes=("200", "201"),
                )
            if "create" in sub.verbs:
                entry["post"] = self._operation(
                    f"create{op}", "post", gvk, schema, body=schema, codes=("200", "201", "202")
                )
        self.paths[f"{base}{scope}/{rt.plural}/{{name}}/{sub.name}"] = entry

    def _add_connect(
        self,
        rt: ResourceType,
        sub: str,
        base: str,
        scope: str,
        camel: str,
        ns_word: str,
        path_params: list[dict[str, Any]],
    ) -> None:
        # As kube-apiserver documents them: one operation per HTTP method it accepts, the options
        # kind as the GVK (PodExecOptions...), a string answer of any media type, and for proxy a
        # second path that carries the rest of the URL.
        name = "PortForward" if sub == "portforward" else sub[:1].upper() + sub[1:]
        gvk = (rt.group, rt.version, f"{rt.kind}{name}Options")
        methods = _PROXY_METHODS if sub == "proxy" else ("get", "post")
        query = self._params(list(_CONNECT_QUERY.get(sub, ())))
        path = f"{base}{scope}/{rt.plural}/{{name}}/{sub}"
        targets = [(path, "", [self._path_param("name"), *path_params])]
        if sub == "proxy":
            targets.append(
                (
                    f"{path}/{{path}}",
                    "WithPath",
                    [self._path_param("name"), *path_params, self._path_param("path")],
                )
            )
        for url, suffix, params in targets:
            entry: dict[str, Any] = {"parameters": [*params, *query]}
            for method in methods:
                verb = method[:1].upper() + method[1:]
                operation = self._operation(
                    f"connect{camel}{verb}{ns_word}{rt.kind}{name}{suffix}",
                    "connect",
                    gvk,
                    {"type": "string"},
                    text=True,
                )
                if not self.v3:
                    operation["consumes"] = ["*/*"]
                    operation["produces"] = ["*/*"]
                else:
                    content = operation["responses"]["200"]["content"]
                    operation["responses"]["200"]["content"] = {"*/*": content["text/plain"]}
                entry[method] = operation
            self.paths[url] = entry

    def render(self, title: str) -> dict[str, Any]:
        info = {"title": "Kubernetes", "version": GIT_VERSION.split("-")[0]}
        if self.v3:
            return {
                "openapi": "3.0.0",
                "info": info,
                "paths": dict(sorted(self.paths.items())),
                "components": {
                    "schemas": dict(sorted(self.renderer.definitions.items())),
                    "securitySchemes": {
                        "BearerToken": {
                            "type": "apiKey",
                            "description": "Bearer Token authentication",
                            "name": "authorization",
                            "in": "header",
                        }
                    },
                },
            }
        return {
            "swagger": "2.0",
            "info": info,
            "paths": dict(sorted(self.paths.items())),
            "definitions": dict(sorted(self.renderer.definitions.items())),
            "securityDefinitions": {
                "BearerToken": {
                    "type": "apiKey",
                    "description": "Bearer Token authentication",
                    "name": "authorization",
                    "in": "header",
                }
            },
            "security": [{"BearerToken": []}],
        }


def render_v2(registry: Registry) -> dict[str, Any]:
    """The whole API as one Swagger 2.0 document."""
    document = _Document(registry, v3=False)
    for rt in sorted(registry.all(), key=lambda r: (r.group, r.version, r.plural)):
        document.add_resource(rt)
    rendered = document.render("Kubernetes")
    rendered["definitions"] = {k: _v2_schema(v) for k, v in rendered["definitions"].items()}
    return rendered


def _v2_schema(schema: Any) -> Any:
    """Swagger 2.0 has no anyOf/oneOf/not/nullable: the apiserver drops them (nullable becomes
    x-nullable) when it publishes CRD schemas in /openapi/v2."""
    if isinstance(schema, list):
        return [_v2_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("anyOf", "oneOf", "not"):
            continue
        if key == "nullable":
            out["x-nullable"] = value
            continue
        if key in ("properties", "x-kubernetes-group-version-kind"):
            out[key] = (
                {k: _v2_schema(v) for k, v in value.items()} if isinstance(value, dict) else value
            )
            continue
        out[key] = _v2_schema(value) if key in ("items", "additionalProperties") else value
    return out


def v3_document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    """The OpenAPI 3.0 document of one group-version (None if it is not served)."""
    resources = registry.resources_in(group, version)
    if not resources:
        return None
    document = _Document(registry, v3=True)
    for rt in resources:
        document.add_resource(rt)
    return document.render("Kubernetes")


def v3_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def v3_index(registry: Registry, documents: dict[str, bytes]) -> dict[str, Any]:
    """``/openapi/v3``: every group-version with the hash of its document."""
    paths = {}
    for path in sorted(documents):
        digest = hashlib.sha512(documents[path]).hexdigest().upper()
        paths[path] = {"serverRelativeURL": f"/openapi/v3/{path}?hash={digest}"}
    return {"paths": paths}


def render_v3(registry: Registry) -> dict[str, bytes]:
    """Every group-version's v3 document, encoded, keyed by its path under /openapi/v3/."""
    out = {}
    for group, versions in registry.group_versions().items():
        for version in versions:
            document = v3_document(registry, group, version)
            if document is not None:
                out[v3_path(group, version)] = json.dumps(document, separators=(",", ":")).encode()
    return out
