"""From HTTP requests to API calls: URL routing, authentication, faults, content negotiation, encoding.

Paths served (as kube-apiserver lays them out):

- ``/version``, ``/healthz``, ``/livez``, ``/readyz``, ``/api``, ``/apis``, ``/apis/{group}``,
  ``/openapi/v2``, ``/openapi/v3`` and ``/openapi/v3/{api/v1 | apis/{group}/{version}}``;
- ``/api/v1/...`` and ``/apis/{group}/{version}/...`` resources: ``[namespaces/{ns}/]{plural}[/{name}[/{sub}]]``,
  also under the legacy ``watch/`` prefix.

The router is one piece: every handler shares the same request decoding (media types, body limits,
the decoders' errors), negotiation and Status encoding, which a split would have to pass around.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import yaml

from kgen.testing import discovery, errors, jsonbody, openapi, subresources, tables, yamlbody
from kgen.testing.api import API
from kgen.testing.errors import StatusError
from kgen.testing.faults import FaultInjector
from kgen.testing.http import AbortStream, Reply, Request
from kgen.testing.jsonbody import DocumentError
from kgen.testing.limits import MAX_REQUEST_BODY_BYTES, request_entity_too_large
from kgen.testing.options import parse_delete_query, parse_list_query, parse_write_query
from kgen.testing.paths import ResourcePath, parse_resource_path, request_verb
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.store import StoreError
from kgen.testing.verbs.base import APPLY_PATCH, storage_error
from kgen.testing.verbs.decode import TYPE_META, json_kind
from kgen.testing.watch import WatchSession

__all__ = ["Auth", "Router"]

Handler = Callable[[], Awaitable[Reply]]

_JSON = "application/json"
# How a watch event of each type starts ({"type":...,"object": then the object).
_EVENT_TYPES = {
    kind: b'{"type":"' + kind.encode() + b'","object":' for kind in ("ADDED", "MODIFIED", "DELETED")
}
# What one chunk of a watch stream holds at most, of the events that are ready together.
_WATCH_CHUNK = 256 * 1024
_YAML = "application/yaml"
_PROTOBUF = "application/vnd.kubernetes.protobuf"
# What request bodies may be (kube-apiserver also reads protobuf, which kgen.testing does not).
_BODY_TYPES = [_JSON, _YAML, _PROTOBUF]
_AGGREGATED = "application/json;g=apidiscovery.k8s.io;v={v};as=APIGroupDiscoveryList"
_PUBLIC = ("/version", "/healthz", "/livez", "/readyz")
_HEALTH = ("healthz", "livez", "readyz")
_PATCH_TYPES = (
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    APPLY_PATCH,
)


@dataclass(slots=True)
class Auth:
    """Who may call: any bearer token (default), one ``token``, or a client certificate."""

    token: str | None = None
    client_cert: bool = False

    def allows(self, request: Request) -> bool | None:
        """True (allowed), False (401), None (anonymous)."""
        header = request.headers.get("authorization", "")
        if request.peer_cert is not None and self.client_cert:
            return True
        if header:
            scheme, _, value = header.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return False
            return self.token is None or value.strip() == self.token
        if self.token is None and not self.client_cert:
            return True
        return None


@dataclass(frozen=True, slots=True)
class _Target:
    """A resource path and the resource type it names."""

    rt: ResourceType
    path: ResourcePath

    @property
    def namespace(self) -> str | None:
        return self.path.namespace

    @property
    def name(self) -> str | None:
        return self.path.name

    @property
    def sub(self) -> str | None:
        return self.path.subresource


def _joined_list(body: dict[str, Any], items: list[bytes]) -> bytes:
    """A plain list's JSON from its items' JSON (byte for byte what encoding it whole writes):
    ``items`` is its last field."""
    head = jsonbody.dumps({**body, "items": []}, plain=True)
    if list(body)[-1] != "items" or not head.endswith(b'"items":[]}'):
        return jsonbody.dumps(body, plain=True)
    return b"".join((head[:-2], b",".join(items), b"]}"))


def _encode(value: Any, content_type: str) -> bytes:
    if content_type == _YAML:
        text = yaml.safe_dump(value, sort_keys=False)
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:  # never stored (the store refuses it), but never fail to answer
        return jsonbody.replace_surrogates(text).encode()


# A write of one object whose body is at most this big runs on the event loop when the API lock is
# free: a few milliseconds at most, against a trip to a worker thread and back (and a wait for the
# lock there) that cost more than the verb itself at controller request rates.
_INLINE_BODY = 64 * 1024


async def _off_loop(function: Callable[..., Reply], *args: Any) -> Reply:
    """Run the synchronous part of a request (decoding, the verb under the API lock, encoding) in a
    worker thread: the event loop goes on serving other connections, watches and discovery however
    long one request takes (a 3 MiB body of small fields costs seconds of Python)."""
    return await asyncio.to_thread(function, *args)


def _user_agent_manager(request: Request) -> str:
    agent = request.headers.get("user-agent", "")
    return agent.split("/")[0] if agent else ""


class Router:
    """The application served by :class:`~kgen.testing.http.HTTPServer`."""

    def __init__(self, api: API, faults: FaultInjector, auth: Auth, server_address: str) -> None:
        self.api = api
        self.faults = faults
        self.auth = auth
        self.server_address = server_address
        self.streams: set[WatchSession] = set()
        self._openapi_cache: tuple[int, dict[str, bytes], bytes] | None = None

    # --- entry --------------------------------------------------------------------------------------

    async def __call__(self, request: Request) -> Reply:
        verb = "unknown"
        try:
            allowed = self.auth.allows(request)
            if allowed is False or (allowed is None and not request.path.startswith(_PUBLIC)):
                raise errors.unauthorized()
            verb, handler = self._route(request)
            reply: Reply
            delay, fault = self.faults.before(verb, request.method, request.path)
            if delay:
                await asyncio.sleep(delay)
            if fault is not None:
                raise fault
            if request.oversized:
                # limitedReadBody: the handler reads at most MaxRequestBodyBytes.
                raise StatusError(
                    errors.status_object(
                        413,
                        "RequestEntityTooLarge",
                        request_entity_too_large(MAX_REQUEST_BODY_BYTES),
                    )
                )
            reply = await handler()
        except StatusError as exc:
            reply = self._status_reply(request, exc)
        except StoreError as exc:
            refused = storage_error(exc)
            if refused is None:
                refused = errors.internal(f"{type(exc).__name__}: {exc}")
            reply = self._status_reply(request, refused)
        except Exception as exc:  # noqa: BLE001 - a bug must not kill the connection
            reply = self._status_reply(request, errors.internal(f"{type(exc).__name__}: {exc}"))
        self.faults.note(request.method, request.path, request.raw_query, verb, reply.status)
        return reply

    def _accept(self, request: Request) -> str:
        accept = request.headers.get("accept", "")
        if not accept:
            return _JSON
        for part in accept.split(","):
            media = part.split(";")[0].strip().lower()
            if media in (_JSON, "*/*", "application/*", "application/json-seq"):
                return _JSON
            if media == _YAML:
                return _YAML
        if "application/vnd.kubernetes.protobuf" in accept and _JSON not in accept:
            raise errors.not_acceptable([_JSON, _YAML, "application/vnd.kubernetes.protobuf"])
        return _JSON

    def _status_reply(self, request: Request, exc: StatusError) -> Reply:
        headers = [("Content-Type", _JSON), ("Cache-Control", "no-cache, private"), *exc.headers]
        return Reply(exc.code, headers, _encode(exc.status, _JSON))

    def _reply(self, request: Request, response: Response, rt: ResourceType | None = None) -> Reply:
        headers = [("Cache-Control", "no-cache, private")]
        for warning in response.warnings:
            # net.NewWarningHeader: the text quoted, with " and \ escaped.
            quoted = warning.replace("\\", "\\\\").replace('"', '\\"')
            headers.append(("Warning", f'299 - "{quoted}"'))
        if response.content_type == "text/plain":
            headers.append(("Content-Type", "text/plain"))
            return Reply(response.code, headers, str(response.body).encode())
        body = response.body
        content_type = self._accept(request)
        shape, negotiated = tables.negotiate(request.headers.get("accept", ""))
        if shape is not None and rt is not None and isinstance(body, dict):
            body = self._reshape(rt, body, shape)
            content_type = negotiated
        headers.append(("Content-Type", content_type))
        if response.plain and body is response.body and content_type == _JSON:
            if response.items_json is not None:
                return Reply(response.code, headers, _joined_list(body, response.items_json))
            # A stored object (a get, a create) has its JSON in the store, encoded once.
            encoded = self.api.store.encoded(rt.gr, body) if rt is not None else None
            if encoded is None:
                encoded = jsonbody.dumps(body, plain=True)
            return Reply(response.code, headers, encoded)
        return Reply(response.code, headers, _encode(body, content_type))

    def _reshape(self, rt: ResourceType, body: dict[str, Any], shape: str) -> dict[str, Any]:
        """Metadata-only or Table representations of an object or a list."""
        is_list = "items" in body and body.get("kind", "").endswith("List")
        if body.get("kind") == "Status":
            return body
        if shape == "Table":
            items = body["items"] if is_list else [body]
            list_meta = body.get("metadata", {}) if is_list else {}
            return tables.table(rt, items, list_meta, self.api.now())
        if shape == "PartialObjectMetadataList" and is_list:
            return tables.partial_list(body)
        if shape == "PartialObjectMetadata" and not is_list:
            return tables.partial(body)
        raise errors.not_acceptable(
            ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
        )

    def _json_reply(self, value: Any, content_type: str = _JSON) -> Reply:
        return Reply(200, [("Content-Type", content_type)], _encode(value, _JSON))

    # --- routing ------------------------------------------------------------------------------------

    def _route(self, request: Request) -> tuple[str, Handler]:
        path = request.path.rstrip("/") or "/"
        parts = [p for p in path.split("/") if p]
        method = request.method

        async def plain(text: str) -> Reply:
            return Reply(200, [("Content-Type", "text/plain; charset=utf-8")], text.encode())

        if not parts:
            return "get", lambda: self._constant({"paths": self._root_paths()})
        if parts[0] not in ("api", "apis", "openapi", "version", *_HEALTH):

            async def page_not_found() -> Reply:
                return Reply(
                    404, [("Content-Type", "text/plain; charset=utf-8")], b"404 page not found\n"
                )

            return "get", page_not_found
        if parts and parts[0] in _HEALTH:
            return "get", lambda: plain("ok")
        if path == "/version":
            return "get", lambda: self._constant(discovery.version_info())
        if parts and parts[0] == "openapi":
            return "get", lambda: self._openapi(request, parts[1:])
        if path == "/api":
            return "get", lambda: self._discovery(request, legacy=True)
        if path == "/apis":
            return "get", lambda: self._discovery(request, legacy=False)
        if len(parts) == 2 and parts[0] == "apis":
            group_doc = discovery.api_group(self.api.registry, parts[1])
            if group_doc is None:
                raise errors.not_found_path()
            return "get", lambda: self._constant(group_doc)
        resource_path = parse_resource_path(request.path, self.namespace_subresources)
        if resource_path is None:
            raise errors.not_found_path()
        if resource_path.resource is None:
            group, version = resource_path.group, resource_path.version
            listing = discovery.resource_list(self.api.registry, group, version)
            if listing is None:
                raise errors.not_found_path()
            return "get", lambda: self._constant(listing)
        target = self._target(resource_path)
        return self._verb(request, method, target)

    def namespace_subresources(self, group: str, version: str) -> frozenset[str]:
        """The subresources of the namespaces served at ``group/version`` (``namespaces/x/finalize``
        is one, not a resource in namespace x)."""
        ns_type = self.api.registry.get(group, version, "namespaces")
        return frozenset(ns_type.subresources) if ns_type is not None else frozenset()

    def _target(self, path: ResourcePath) -> _Target:
        assert path.resource is not None
        rt = self.api.registry.get(path.group, path.version, path.resource)
        if rt is None:
            raise errors.not_found_path()
        if path.namespace is not None and not rt.namespaced:
            raise errors.not_found_path()
        if rt.namespaced and path.namespace is None and path.name is not None:
            raise errors.not_found_path()
        if path.subresource is not None and path.subresource not in rt.subresources:
            raise errors.not_found_path()
        return _Target(rt, path)

    def _verb(self, request: Request, method: str, target: _Target) -> tuple[str, Handler]:
        rt = target.rt
        verb = request_verb(method, target.path, request.param("watch"))
        if verb is None:
            raise _method_not_allowed()
        if target.sub is not None:
            return verb, lambda: self._subresource(request, target, verb)
        if verb in ("create", "deletecollection") and rt.namespaced and target.namespace is None:
            raise errors.not_found_path()
        handlers: dict[str, Callable[[Request, _Target], Awaitable[Reply]]] = {
            "get": self._get,
            "list": self._list,
            "watch": self._watch,
            "create": self._create,
            "update": self._update,
            "patch": self._patch,
            "delete": self._delete,
            "deletecollection": self._delete_collection,
        }
        handler = handlers[verb]
        return verb, lambda: handler(request, target)

    def _root_paths(self) -> list[str]:
        paths = {"/api", "/api/v1", "/apis", "/healthz", "/livez", "/readyz", "/version"}
        paths |= {"/openapi/v2", "/openapi/v3"}
        for group, versions in self.api.registry.group_versions().items():
            if group:
                paths.add(f"/apis/{group}")
                paths.update(f"/apis/{group}/{v}" for v in versions)
        return sorted(paths)

    # --- handlers -----------------------------------------------------------------------------------

    async def _constant(self, value: Any) -> Reply:
        return self._json_reply(value)

    async def _discovery(self, request: Request, *, legacy: bool) -> Reply:
        accept = request.headers.get("accept", "")
        for version in ("v2", "v2beta1"):
            if f"g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList" in accept.replace(
                " ", ""
            ):
                body = discovery.aggregated(self.api.registry, legacy=legacy, version=version)
                return self._json_reply(body, _AGGREGATED.format(v=version))
        if legacy:
            return self._json_reply(discovery.api_versions(self.server_address))
        return self._json_reply(discovery.api_group_list(self.api.registry))

    def _openapi_documents(self) -> tuple[dict[str, bytes], bytes]:
        revision = self.api.registry.revision
        if self._openapi_cache is None or self._openapi_cache[0] != revision:
            v3 = openapi.render_v3(self.api.registry)
            v2 = json.dumps(openapi.render_v2(self.api.registry), separators=(",", ":")).encode()
            self._openapi_cache = (revision, v3, v2)
        return self._openapi_cache[1], self._openapi_cache[2]

    async def _openapi(self, request: Request, parts: list[str]) -> Reply:
        v3, v2 = self._openapi_documents()
        if parts == ["v2"]:
            return Reply(200, [("Content-Type", _JSON)], v2)
        if parts == ["v3"]:
            return self._json_reply(openapi.v3_index(self.api.registry, v3))
        if parts and parts[0] == "v3":
            document = v3.get("/".join(parts[1:]))
            if document is not None:
                return Reply(200, [("Content-Type", _JSON)], document)
        raise errors.not_found_path()

    def _media(self, request: Request) -> str:
        """The media type of the body (JSON when none is given); 415 unless JSON or YAML."""
        media = request.headers.get("content-type", "").split(";")[0].strip().lower() or _JSON
        if media not in (_JSON, _YAML):
            raise errors.unsupported_media(_BODY_TYPES)
        return media

    def _document(self, request: Request) -> Any:
        """The body as JSON or YAML, as the apiserver's serializers decode it."""
        if self._media(request) == _YAML:
            return yamlbody.load(request.body)
        return jsonbody.loads(request.body)

    def _object(self, request: Request, kind: str) -> dict[str, Any]:
        """The object a create or an update sends (of ``kind``), decoded as its handler decodes it:
        what does not decode is a 400 with the serializer's error and the start of the body."""
        yaml_body = self._media(request) == _YAML
        summary = jsonbody.summarize(request.body)
        prefix = f"the object provided is unrecognized (must be of type {kind}): "
        try:
            value = self._document(request)
        except DocumentError as exc:
            detail = (
                exc.message
                if yaml_body
                else f"couldn't get version/kind; json parse error: {exc.message}"
            )
            raise errors.bad_request(f"{prefix}{detail} ({summary})") from None
        if value is None:
            return {}  # null (or an empty YAML document) decodes as an empty object
        if not isinstance(value, dict):
            raise errors.bad_request(
                f"{prefix}couldn't get version/kind; json parse error: json: cannot unmarshal "
                f"{json_kind(value)} into Go value of type {TYPE_META} ({summary})"
            )
        return value

    def _delete_body(self, request: Request) -> Any:
        """A DELETE's body (DeleteOptions), None without one."""
        if not request.body:
            return None
        try:
            return self._document(request)
        except DocumentError as exc:
            raise errors.bad_request(
                f"couldn't get version/kind; json parse error: {exc.message}"
            ) from None

    def _write_opts(self, request: Request, kind: str) -> Any:
        return parse_write_query(
            request.params(),
            request.query.get("dryRun", []),
            kind=kind,
            default_manager=_user_agent_manager(request),
        )

    async def _get(self, request: Request, target: _Target) -> Reply:
        rv = request.param("resourceVersion")
        await self._pre_wait(rv)
        assert target.name is not None
        name = target.name

        def get() -> Reply:
            response = self.api.get(
                target.rt, target.namespace, name, resource_version=rv, wait=False, shared=True
            )
            return self._reply(request, response, target.rt)

        if not target.rt.custom:
            # A built-in object is served as stored, its JSON encoded once: quicker than a trip to
            # a worker thread and back. (Custom resources get their schema's defaults, in a copy.)
            return get()
        return await _off_loop(get)

    async def _one_object(
        self, request: Request, target: _Target, function: Callable[..., Reply], *args: Any
    ) -> Reply:
        """Run a write of one object: on the loop when its body is small and nobody holds the API
        lock, else as :func:`_off_loop` does (a worker waits for the lock; the loop never does).

        Only writes whose work is bounded by their input run on the loop. Deletes never come here,
        and a write to an object being deleted (a finalizer removed) or an eviction goes to a
        worker: it can set off the garbage collector over every dependent, or a namespace's
        contents."""
        if (
            len(request.body) <= _INLINE_BODY
            and not self._being_deleted(target)
            and not (target.sub is not None and request.method == "POST")
            and self.api.lock_if_free()
        ):
            try:
                return function(*args)
            finally:
                self.api.unlock()
        return await _off_loop(function, *args)

    def _being_deleted(self, target: _Target) -> bool:
        """Whether the object has a deletionTimestamp: a write to it may finish its deletion."""
        if target.name is None:
            return False
        namespace = (target.namespace or "") if target.rt.namespaced else ""
        stored = self.api.store.get(target.rt.gr, namespace, target.name, shared=True)
        return stored is not None and "deletionTimestamp" in stored.get("metadata", {})

    async def _pre_wait(self, rv: str) -> None:
        """Wait (without blocking the loop) for a resourceVersion the store has not reached yet."""
        if rv in ("", "0") or not (rv.isascii() and rv.isdigit()) or len(rv) > 20:
            return
        wanted = int(rv)
        if wanted > self.api.store.resource_version:
            await self.api.store.wait_for_async(wanted, self.api.rv_wait)

    async def _list(self, request: Request, target: _Target) -> Reply:
        opts = parse_list_query(request.params(), watch=False)
        if not opts.continue_:
            await self._pre_wait(opts.resource_version)

        def list_() -> Reply:
            response = self.api.list(target.rt, target.namespace, opts, wait=False, shared=True)
            return self._reply(request, response, target.rt)

        return await _off_loop(list_)

    async def _create(self, request: Request, target: _Target) -> Reply:
        return await self._one_object(request, target, self._create_now, request, target)

    def _create_now(self, request: Request, target: _Target) -> Reply:
        opts = self._write_opts(request, "CreateOptions")
        body = self._object(request, target.rt.kind)
        response = self.api.create(target.rt, target.namespace, body, opts, shared=True)
        return self._reply(request, response, target.rt)

    async def _update(self, request: Request, target: _Target) -> Reply:
        return await self._one_object(request, target, self._update_now, request, target)

    def _update_now(self, request: Request, target: _Target) -> Reply:
        opts = self._write_opts(request, "UpdateOptions")
        assert target.name is not None
        body = self._object(request, target.rt.kind)
        response = self.api.update(target.rt, target.namespace, target.name, body, opts)
        return self._reply(request, response, target.rt)

    def _patch_type(self, request: Request, target: _Target) -> str:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        accepted = [
            t for t in _PATCH_TYPES if target.rt.strategic_merge_patch or "strategic" not in t
        ]
        if content_type not in accepted:
            raise errors.unsupported_media(accepted)
        return content_type

    async def _patch(self, request: Request, target: _Target) -> Reply:
        return await self._one_object(request, target, self._patch_now, request, target)

    def _patch_now(self, request: Request, target: _Target) -> Reply:
        patch_type = self._patch_type(request, target)
        opts = self._write_opts(request, "PatchOptions")
        assert target.name is not None
        response = self.api.patch(
            target.rt, target.namespace, target.name, patch_type, request.body, opts
        )
        return self._reply(request, response, target.rt)

    async def _delete(self, request: Request, target: _Target) -> Reply:
        return await _off_loop(self._delete_now, request, target)

    def _delete_now(self, request: Request, target: _Target) -> Reply:
        opts = parse_delete_query(
            self._delete_body(request), request.params(), request.query.get("dryRun", [])
        )
        assert target.name is not None
        response = self.api.delete(target.rt, target.namespace, target.name, opts)
        return self._reply(request, response, target.rt)

    async def _delete_collection(self, request: Request, target: _Target) -> Reply:
        return await _off_loop(self._delete_collection_now, request, target)

    def _delete_collection_now(self, request: Request, target: _Target) -> Reply:
        list_opts = parse_list_query(request.params(), watch=False)
        delete_opts = parse_delete_query(
            self._delete_body(request), request.params(), request.query.get("dryRun", [])
        )
        response = self.api.delete_collection(target.rt, target.namespace, list_opts, delete_opts)
        return self._reply(request, response, target.rt)

    async def _subresource(self, request: Request, target: _Target, verb: str) -> Reply:
        return await self._one_object(request, target, self._subresource_now, request, target, verb)

    def _subresource_now(self, request: Request, target: _Target, verb: str) -> Reply:
        rt, ns, name, sub = target.rt, target.namespace, target.name, target.sub
        assert name is not None and sub is not None
        served = rt.subresources[sub].kind
        kind = served[2] if served is not None else rt.kind
        if verb == "get":
            response = subresources.get_subresource(self.api, rt, ns, name, sub)
        elif verb == "update":
            opts = self._write_opts(request, "UpdateOptions")
            response = subresources.update_subresource(
                self.api, rt, ns, name, sub, self._object(request, kind), opts
            )
        elif verb == "patch":
            patch_type = self._patch_type(request, target)
            opts = self._write_opts(request, "PatchOptions")
            response = subresources.patch_subresource(
                self.api, rt, ns, name, sub, patch_type, request.body, opts
            )
        else:
            opts = self._write_opts(request, "CreateOptions")
            response = subresources.create_subresource(
                self.api, rt, ns, name, sub, self._object(request, kind), opts
            )
        return self._reply(request, response, target.rt)

    async def _watch(self, request: Request, target: _Target) -> Reply:
        opts = parse_list_query(request.params(), watch=True)
        if self._accept(request) == _YAML:
            # YAML has no stream framing: kube-apiserver refuses to watch in it.
            raise StatusError(
                errors.status_object(
                    406,
                    "NotAcceptable",
                    "only the following media types are accepted: application/json;stream=watch, "
                    "application/vnd.kubernetes.protobuf;stream=watch",
                )
            )
        name = target.name
        stream = self.api.watch(target.rt, target.namespace, opts, name=name)
        content_type = self._accept(request)
        shape, negotiated = tables.negotiate(request.headers.get("accept", ""))
        if shape is not None:
            content_type = negotiated
        limit = self.faults.watch_limit()
        self.streams.add(stream)
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", "no-cache, private"),
        ]
        return Reply(
            200, headers, stream=self._events(stream, content_type, limit, target.rt, shape)
        )

    async def _events(
        self,
        stream: WatchSession,
        content_type: str,
        limit: tuple[int, bool] | None,
        rt: ResourceType,
        shape: str | None,
    ) -> AsyncIterator[bytes]:
        sent = 0
        try:
            while True:
                if limit is not None and sent >= limit[0]:
                    if limit[1]:
                        raise AbortStream()
                    return
                event = await stream.next_async()
                if event is None:
                    return
                # The events ready now go out in one chunk (one write, one drain): a watch from
                # "0" or a burst of writes streams at the speed of encoding.
                chunk = [self._event_bytes(event, content_type, rt, shape)]
                sent += 1
                size = len(chunk[0])
                while size < _WATCH_CHUNK and (limit is None or sent < limit[0]):
                    ready = stream.next_ready()
                    if ready is None:
                        break
                    chunk.append(self._event_bytes(ready, content_type, rt, shape))
                    sent += 1
                    size += len(chunk[-1])
                yield b"".join(chunk)
        finally:
            stream.stop()
            self.streams.discard(stream)

    def _event_bytes(
        self, event: dict[str, Any], content_type: str, rt: ResourceType, shape: str | None
    ) -> bytes:
        if shape is not None and event["type"] in ("ADDED", "MODIFIED", "DELETED"):
            obj = event["object"]
            if shape == "Table":
                event = {
                    "type": event["type"],
                    "object": tables.table(rt, [obj], {}, self.api.now()),
                }
            else:
                event = {"type": event["type"], "object": tables.partial(obj)}
        if content_type == _YAML:
            return yaml.safe_dump(event, sort_keys=False).encode() + b"---\n"
        if shape is None and list(event) == ["type", "object"] and event["type"] in _EVENT_TYPES:
            # A stored object served as it is stored (as most events are): its JSON is the store's.
            encoded = self.api.store.encoded(rt.gr, event["object"])
            if encoded is not None:
                return b"".join((_EVENT_TYPES[event["type"]], encoded, b"}\n"))
        return _encode(event, _JSON) + b"\n"

    def stop_streams(self) -> None:
        for stream in list(self.streams):
            stream.stop()


def _method_not_allowed() -> StatusError:
    return StatusError(
        errors.status_object(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
        )
    )
