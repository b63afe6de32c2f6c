"""Subresources: status, scale (autoscaling/v1 Scale), namespaces/finalize, pods/binding, pods/eviction,
pods/log, pods/ephemeralcontainers and serviceaccounts/token."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any

from kgen.runtime._labels import EXPRESSION_OPERATORS, LabelRequirement, ParsedLabelSelector
from kgen.runtime._patch import apply_merge_patch
from kgen.testing import errors, merging
from kgen.testing.api import API
from kgen.testing.errors import FieldError
from kgen.testing.objects import get_path, meta, now_rfc3339, set_path
from kgen.testing.errors import StatusError
from kgen.testing.options import DeleteQuery, WriteQuery, check_delete_options
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.verbs import decode as decoding
from kgen.testing.verbs.base import APPLY_PATCH, JSON_PATCH, MERGE_PATCH, storage_errors

__all__ = ["create_subresource", "get_subresource", "patch_subresource", "update_subresource"]

_SCALE = "autoscaling/v1"


def _check(rt: ResourceType, sub: str, verb: str) -> None:
    subresource = rt.subresources.get(sub)
    if subresource is None:
        raise errors.not_found_path()
    if verb not in subresource.verbs:
        raise errors.method_not_supported(f"{rt.plural}/{sub}", rt.group, verb)


# --- scale -----------------------------------------------------------------------------------------


def _selector_string(selector: Any) -> str:
    """metav1.LabelSelectorAsSelector(...).String() of a stored selector, taken as it is (a built-in
    object's selector is not validated here: an unknown operator is left out)."""
    if not isinstance(selector, dict):
        return ""
    requirements = [
        LabelRequirement(str(k), "=", (str(v),))
        for k, v in (selector.get("matchLabels") or {}).items()
    ]
    for expression in selector.get("matchExpressions") or []:
        operator = EXPRESSION_OPERATORS.get(expression.get("operator"))
        if operator is not None:
            values = tuple(sorted({str(v) for v in expression.get("values") or []}))
            requirements.append(LabelRequirement(str(expression.get("key")), operator, values))
    return str(ParsedLabelSelector(tuple(sorted(requirements, key=lambda r: r.key))))


def to_scale(rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    paths = rt.scale
    metadata = obj.get("metadata") or {}
    scale_meta = {
        k: metadata[k]
        for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if k in metadata
    }
    if rt.custom and paths is not None:
        replicas = get_path(obj, paths.spec_replicas)
        status_replicas = get_path(obj, paths.status_replicas) or 0
        selector = get_path(obj, paths.label_selector) if paths.label_selector else None
    else:
        replicas = (obj.get("spec") or {}).get("replicas", 1)
        status_replicas = (obj.get("status") or {}).get("replicas", 0)
        selector = _selector_string((obj.get("spec") or {}).get("selector"))
    spec: dict[str, Any] = {}
    if replicas:
        spec["replicas"] = replicas
    status: dict[str, Any] = {"replicas": status_replicas}
    if selector:
        status["selector"] = selector
    return {
        "kind": "Scale",
        "apiVersion": _SCALE,
        "metadata": scale_meta,
        "spec": spec,
        "status": status,
    }


def _typed_body(
    api: API,
    rt: ResourceType,
    sub: str,
    body: Any,
    *,
    patched: bool = False,
) -> dict[str, Any]:
    """A subresource's body decoded into its kind's Go type (Scale, Binding, Eviction,
    TokenRequest): a value of the wrong JSON type is a 400, or for a patched Scale the 422 of a
    patch whose result does not decode."""
    group, version, kind = rt.subresources[sub].kind or ("", "v1", rt.kind)
    obj = api.decode(rt, body, expected_kind=kind)
    ref = decoding.body_type(api.registry, group, version, kind)
    mistyped = decoding.first_mistyped(api.registry, ref, obj) if ref is not None else None
    if mistyped is not None:
        if patched:
            message = decoding.unmarshal_error_of(kind, mistyped)
            raise decoding.patch_invalid(json.dumps(body, separators=(",", ":")), message)
        raise decoding.cannot_handle(kind, version, mistyped)
    return obj


def _write_scale(
    api: API,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    scale: Any,
    opts: WriteQuery,
    *,
    patched: bool = False,
) -> Response:
    scale = _typed_body(api, rt, "scale", scale, patched=patched)
    if scale.get("apiVersion") not in (None, _SCALE):
        raise errors.bad_request(
            f"the API version in the data ({scale['apiVersion']}) does not match the expected API "
            f"version ({_SCALE})"
        )
    existing = api.get_stored(rt, namespace, name)
    scale_rv = meta(scale).get("resourceVersion")
    if scale_rv and scale_rv != meta(existing).get("resourceVersion"):
        raise errors.conflict(rt.plural, rt.group, name)
    replicas = (scale.get("spec") or {}).get("replicas") or 0
    if not isinstance(replicas, int) or replicas < 0:
        raise errors.invalid(
            "Scale",
            "autoscaling",
            name,
            [FieldError.invalid("spec.replicas", replicas, "must be greater than or equal to 0")],
        )
    new = copy.deepcopy(existing)
    path = rt.scale.spec_replicas if rt.custom and rt.scale else ".spec.replicas"
    set_path(new, path, replicas)
    response = api.write_update(rt, existing, new, opts, [], [], subresource="scale")
    return Response(response.code, to_scale(rt, response.body), response.warnings)


def _storage(api: API, rt: ResourceType, existing: dict[str, Any], new: dict[str, Any]) -> Any:
    """Store a subresource's write of ``new`` (refused as the storage refuses it)."""
    with storage_errors():
        stored, changed = api.store.update(rt.gr, new)
    if changed:
        api.after_write(rt, "update", existing, stored)
    return stored


# --- dispatch --------------------------------------------------------------------------------------


def get_subresource(
    api: API, rt: ResourceType, namespace: str | None, name: str, sub: str
) -> Response:
    _check(rt, sub, "get")
    obj = api.get_stored(rt, namespace, name)
    if sub == "scale":
        return Response(200, to_scale(rt, obj))
    if sub == "log":
        return Response(200, "", content_type="text/plain")
    return Response(200, api.present(rt, obj))


def update_subresource(
    api: API,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    sub: str,
    body: Any,
    opts: WriteQuery,
) -> Response:
    _check(rt, sub, "update")
    if sub == "scale":
        return _write_scale(api, rt, namespace, name, body, opts)
    if sub == "status":
        return api.update(rt, namespace, name, body, opts, subresource="status")
    existing = api.get_stored(rt, namespace, name)
    obj = api.decode(rt, body)
    api._schema(rt, copy.deepcopy(obj), opts, typed_decode=True)
    new = copy.deepcopy(existing)
    if sub == "finalize":
        finalizers = list((obj.get("spec") or {}).get("finalizers") or [])
        spec = new.setdefault("spec", {})
        if finalizers:
            spec["finalizers"] = finalizers
        else:
            spec.pop("finalizers", None)  # NamespaceSpec.finalizers is omitempty
        if meta(obj).get("resourceVersion") and meta(obj)["resourceVersion"] != meta(existing).get(
            "resourceVersion"
        ):
            raise errors.conflict(rt.plural, rt.group, name)
        if opts.dry_run:
            return Response(200, api.present(rt, new))
        stored = _storage(api, rt, existing, new)
        if (
            meta(stored).get("deletionTimestamp")
            and not stored["spec"].get("finalizers")
            and not meta(stored).get("finalizers")
        ):
            api.store.delete(rt.gr, "", name)
            api.after_write(rt, "delete", stored, None)
        return Response(200, api.present(rt, stored))
    if sub == "ephemeralcontainers":
        meta(new)["resourceVersion"] = meta(obj).get("resourceVersion") or meta(existing).get(
            "resourceVersion"
        )
        containers = (obj.get("spec") or {}).get("ephemeralContainers")
        spec = new.setdefault("spec", {})
        if containers is None:
            spec.pop("ephemeralContainers", None)
        else:
            spec["ephemeralContainers"] = containers
        return api.write_update(rt, existing, new, opts, [], [], subresource=sub)
    raise errors.method_not_supported(f"{rt.plural}/{sub}", rt.group, "update")


def patch_subresource(
    api: API,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    sub: str,
    patch_type: str,
    patch: Any,
    opts: WriteQuery,
) -> Response:
    _check(rt, sub, "patch")
    if sub == "scale":
        existing = api.get_stored(rt, namespace, name)
        current = to_scale(rt, existing)
        if patch_type == JSON_PATCH:
            patched = merging.json_patch(current, patch)
        elif patch_type == APPLY_PATCH:
            patched = apply_merge_patch(current, merging.parse_apply_body(patch))
        elif patch_type == MERGE_PATCH:
            document = merging.parse_merge_patch(patch)
            patched = (
                apply_merge_patch(current, document) if isinstance(document, dict) else document
            )
        else:
            # Scale has no lists: a strategic merge patch of it is a merge patch.
            document = merging.parse_json_body(patch)
            if not isinstance(document, dict):
                raise errors.bad_request(
                    f"json: cannot unmarshal {decoding.json_kind(document)} into Go value of type "
                    "map[string]interface {}"
                )
            patched = apply_merge_patch(current, document)
        if not isinstance(patched, dict):
            raise decoding.patch_invalid(
                json.dumps(patched, separators=(",", ":")),
                "couldn't get version/kind; json parse error: json: cannot unmarshal "
                f"{decoding.json_kind(patched)} into Go value of type {decoding.TYPE_META}",
            )
        return _write_scale(api, rt, namespace, name, patched, opts, patched=True)
    return api.patch(rt, namespace, name, patch_type, patch, opts, subresource=sub)


def create_subresource(
    api: API,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    sub: str,
    body: Any,
    opts: WriteQuery,
) -> Response:
    _check(rt, sub, "create")
    body = _typed_body(api, rt, sub, body if body is not None else {})
    existing = api.get_stored(rt, namespace, name)
    created = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    if rt.gr == ("", "pods") and sub == "binding":
        target = body.get("target") or {}
        node = (existing.get("spec") or {}).get("nodeName")
        if node:
            raise errors.conflict(
                rt.plural, rt.group, name, f'pod {name} is already assigned to node "{node}"'
            )
        new = copy.deepcopy(existing)
        new.setdefault("spec", {})["nodeName"] = target.get("name", "")
        conditions = [
            c
            for c in (new.get("status") or {}).get("conditions") or []
            if c.get("type") != "PodScheduled"
        ]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": api.timestamp(),
            }
        )
        new.setdefault("status", {})["conditions"] = conditions
        if not opts.dry_run:
            _storage(api, rt, existing, new)
        return Response(201, created)
    if rt.gr == ("", "pods") and sub == "eviction":
        options = body.get("deleteOptions") or {}
        try:
            check_delete_options(options, "Eviction.deleteOptions")
        except StatusError as exc:
            raise errors.bad_request(
                f'Eviction in version "v1" cannot be handled as a Eviction: {exc.status["message"]}'
            ) from None
        pre = options.get("preconditions") or {}
        api.delete(
            rt,
            namespace,
            name,
            DeleteQuery(
                grace_period_seconds=options.get("gracePeriodSeconds"),
                preconditions_uid=pre.get("uid"),
                preconditions_rv=pre.get("resourceVersion"),
                dry_run=opts.dry_run,
            ),
        )
        return Response(201, created)
    if rt.gr == ("", "serviceaccounts") and sub == "token":
        request = copy.deepcopy(body)
        spec = request.setdefault("spec", {})
        seconds = int(spec.get("expirationSeconds") or 3600)
        if not 600 <= seconds <= 2**32:
            detail = (
                "may not specify a duration less than 10 minutes"
                if seconds < 600
                else "may not specify a duration larger than 2^32 seconds"
            )
            raise errors.invalid(
                "TokenRequest",
                "authentication.k8s.io",
                name,
                [FieldError.invalid("spec.expirationSeconds", seconds, detail)],
            )
        spec["expirationSeconds"] = seconds
        spec.setdefault("audiences", ["https://kubernetes.default.svc.cluster.local"])
        expires = api.now() + timedelta(seconds=seconds)
        claims = {
            "aud": spec["audiences"],
            "exp": int(expires.timestamp()),
            "sub": f"system:serviceaccount:{namespace}:{name}",
            "kubernetes.io": {
                "namespace": namespace,
                "serviceaccount": {"name": name, "uid": meta(existing).get("uid")},
            },
        }
        request["apiVersion"] = "authentication.k8s.io/v1"
        request["kind"] = "TokenRequest"
        request.setdefault("metadata", {})
        request["metadata"].update({"name": name, "namespace": namespace})
        request["status"] = {
            "token": ".".join(
                [
                    _b64({"alg": "none", "typ": "JWT"}),
                    _b64(claims),
                    "kgen-test-signature",
                ]
            ),
            "expirationTimestamp": now_rfc3339(expires),
        }
        return Response(201, request)
    raise errors.method_not_supported(f"{rt.plural}/{sub}", rt.group, "create")


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")
