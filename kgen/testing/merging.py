"""The seam between the REST handlers and the patch algorithms of :mod:`kgen.testing.merge`.

JSON patch, strategic merge patch, server-side apply and managedFields tracking live in
``kgen.testing.merge``; this module decodes patch bodies, calls those algorithms with the schema facts of
the resource, and turns their errors into the Status objects kube-apiserver answers with. Parts of the
merge package that are not installed yet fall back to simpler behaviour (strategic merge as a JSON merge
patch, apply as a merge without ownership, no managedFields), so the rest of the server keeps working.
"""

from __future__ import annotations

import importlib
import json
from datetime import datetime
from types import ModuleType
from typing import Any

from kgen.apimodel.ir import APIModel
from kgen.runtime._patch import apply_merge_patch
from kgen.testing import errors, yamlbody
from kgen.testing.errors import APIError
from kgen.testing.registry import ResourceType

__all__ = [
    "json_patch",
    "parse_apply_body",
    "parse_json_body",
    "server_side_apply",
    "strategic_merge",
    "track_update",
]


def _merge_module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"kgen.testing.merge.{name}")
    except ImportError:
        return None


def _patch_error(exc: Exception) -> APIError:
    """A kgen.testing.merge PatchError as the apiserver's Status."""
    code = int(getattr(exc, "code", 422))
    message = str(getattr(exc, "status_message", str(exc)))
    reason = str(getattr(exc, "reason", ""))
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
    }
    if reason:
        status["reason"] = reason
    if code == 422:
        status["details"] = {}  # NewGenericServerResponse sets an empty StatusDetails
    status["code"] = code
    return APIError(status)


def parse_json_body(body: bytes | str | Any) -> Any:
    if not isinstance(body, (bytes, str)):
        return body
    try:
        return json.loads(body)
    except ValueError as exc:
        raise errors.bad_request(f"error decoding patch: {exc}") from None


def parse_apply_body(body: bytes | str | Any) -> dict[str, Any]:
    """An apply configuration: YAML or JSON (JSON is YAML)."""
    if isinstance(body, (bytes, str)):
        try:
            document = yamlbody.load(body)
        except Exception as exc:  # noqa: BLE001 - any YAML error is the client's
            raise errors.bad_request(f"error decoding YAML: {exc}") from None
    else:
        document = body
    if not isinstance(document, dict):
        raise errors.bad_request(
            "error decoding patch: couldn't get version/kind; json parse error: "
            "the apply configuration must be an object"
        )
    return document


def json_patch(current: dict[str, Any], body: bytes | str | Any) -> Any:
    operations = parse_json_body(body)
    module = _merge_module("json_patch")
    if module is None:
        raise errors.internal("JSON patch is not available (kgen.testing.merge is not installed)")
    try:
        return module.apply_json_patch(current, operations)
    except module.PatchError as exc:
        raise _patch_error(exc) from None


def _type_info(model: APIModel, rt: ResourceType) -> Any:
    module = _merge_module("schema")
    if module is None:
        return None
    return module.type_info(model, rt.type_id)


def _reset_fields(rt: ResourceType, subresource: str | None) -> tuple[str, ...]:
    """Fields a write through the main resource cannot change (status, with a status subresource)."""
    return ("status",) if rt.has_status and subresource is None else ()


def strategic_merge(model: APIModel, rt: ResourceType, current: dict[str, Any], patch: Any) -> Any:
    if not isinstance(patch, dict):
        raise errors.bad_request(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    module = _merge_module("strategic")
    info = _type_info(model, rt)
    if module is None or info is None:
        return apply_merge_patch(current, patch)
    try:
        return module.apply_strategic_merge_patch(current, patch, info)
    except Exception as exc:  # the merge package's PatchError
        if hasattr(exc, "code"):
            raise _patch_error(exc) from None
        raise


def server_side_apply(
    model: APIModel,
    rt: ResourceType,
    live: dict[str, Any] | None,
    config: dict[str, Any],
    *,
    manager: str,
    force: bool,
    subresource: str | None,
    now: datetime,
) -> dict[str, Any]:
    module = _merge_module("apply")
    info = _type_info(model, rt)
    if module is None or info is None:
        merged = apply_merge_patch(live or {}, config)
        return merged if isinstance(merged, dict) else {}
    try:
        result: dict[str, Any] = module.server_side_apply(
            live or {},
            config,
            manager=manager,
            force=force,
            info=info,
            api_version=rt.api_version,
            subresource=subresource,
            now=now,
            reset_fields=_reset_fields(rt, subresource),
        )
    except module.ApplyConflict as exc:
        status = errors.status_object(409, "Conflict", exc.message, {"causes": exc.causes()})
        raise APIError(status) from None
    except Exception as exc:
        if hasattr(exc, "code"):
            raise _patch_error(exc) from None
        raise
    return result


def track_update(
    model: APIModel,
    rt: ResourceType,
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    subresource: str | None,
    now: datetime,
) -> dict[str, Any]:
    """``new`` with managedFields recording an Update by ``manager`` (unchanged without the module)."""
    module = _merge_module("apply")
    info = _type_info(model, rt)
    if module is None or info is None or not manager:
        return new
    result: dict[str, Any] = module.track_update(
        old,
        new,
        manager=manager,
        info=info,
        api_version=rt.api_version,
        subresource=subresource,
        now=now,
        reset_fields=_reset_fields(rt, subresource),
    )
    return result
