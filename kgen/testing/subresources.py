"""Subresources: status, scale (autoscaling/v1 Scale), namespaces/finalize, pods/binding, pods/eviction,
pods/log, pods/ephemeralcontainers and serviceaccounts/token."""

from __future__ import annotations

import base64
import copy
import json
from datetime import timedelta
from typing import Any

from kgen.runtime._labels import LabelRequirement, Operator, ParsedLabelSelector
from kgen.runtime._patch import apply_merge_patch
from kgen.testing import errors, merging
from kgen.testing.api import API
from kgen.testing.errors import FieldError
from kgen.testing.objects import get_path, meta, now_rfc3339, set_path
from kgen.testing.options import DeleteQuery, WriteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.verbs.base import APPLY_PATCH, JSON_PATCH

__all__ = ["create_subresource", "get_subresource", "patch_subresource", "update_subresource"]

_SCALE = "autoscaling/v1"


def _check(rt: ResourceType, sub: str, verb: str) -> None:
    subresource = rt.subresources.get(sub)
    if subresource is None:
        raise errors.not_found_path()
    if verb not in subresource.verbs:
        raise errors.method_not_supported(f"{rt.plural}/{sub}", rt.group, verb)


# --- scale -----------------------------------------------------------------------------------------


_EXPRESSION_OPERATORS: dict[str, Operator] = {
    "In": "in",
    "NotIn": "notin",
    "Exists": "exists",
    "DoesNotExist": "!",
}


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
        operator = _EXPRESSION_OPERATORS.get(expression.get("operator"))
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


def _write_scale(
    api: API,
    rt: ResourceType,
    namespace: str | None,
    name: str,
    scale: Any,
    opts: WriteQuery,
) -> Response:
    scale = api.decode(rt, scale, expected_kind="Scale")
    if scale.get("apiVersion") not in (None, _SCALE):
        raise errors.bad_request(
            f"the API version in the data ({scale['apiVersion']}) does not match the expected API "
            f"version ({_SCALE})"
        )
    existing = api.get_stored(rt, namespace, name)
    scale_rv = meta(scale).get("resourceVersion")
    if scale_rv and scale_rv != meta(existing).get("resourceVersion"):
        raise errors.conflict(rt.plural, rt.group, name)
    replicas = (scale.get("spec") or {}).get("replicas", 0)
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
        stored, changed = api.store.update(rt.gr, new)
        if changed:
            api.after_write(rt, "update", existing, stored)
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
        else:
            # Scale has no lists: a strategic merge patch of it is a merge patch.
            patched = apply_merge_patch(current, merging.parse_json_body(patch))
        return _write_scale(api, rt, namespace, name, patched, opts)
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
    existing = api.get_stored(rt, namespace, name)
    created = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    if rt.gr == ("", "pods") and sub == "binding":
        target = (body or {}).get("target") or {}
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
            stored, changed = api.store.update(rt.gr, new)
            if changed:
                api.after_write(rt, "update", existing, stored)
        return Response(201, created)
    if rt.gr == ("", "pods") and sub == "eviction":
        options = (body or {}).get("deleteOptions") or {}
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
        request = copy.deepcopy(body) if isinstance(body, dict) else {}
        spec = request.setdefault("spec", {})
        seconds = int(spec.get("expirationSeconds") or 3600)
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
