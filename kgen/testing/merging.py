"""The seam between the REST handlers and the patch algorithms of :mod:`kgen.testing.merge`.

JSON patch, strategic merge patch, server-side apply and managedFields tracking live in
``kgen.testing.merge``; this module decodes patch bodies, calls those algorithms with the schema facts of
the resource, and turns their errors into the Status objects kube-apiserver answers with. The merge
package is imported like any other: a strategic merge patch is never quietly applied as a merge patch.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kgen.apimodel.ir import APIModel
from kgen.testing import errors, jsonbody, merge, yamlbody
from kgen.testing.errors import StatusError
from kgen.testing.jsonbody import DocumentError
from kgen.testing.registry import ResourceType

__all__ = [
    "json_patch",
    "parse_apply_body",
    "parse_json_body",
    "parse_merge_patch",
    "server_side_apply",
    "strategic_merge",
    "track_update",
]


def _patch_error(exc: merge.PatchError) -> StatusError:
    """A kgen.testing.merge PatchError as the apiserver's Status."""
    code = exc.code
    message = exc.status_message
    reason = exc.reason
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
    return StatusError(status)


def parse_json_body(body: bytes | str | Any) -> Any:
    """A JSON patch or strategic merge patch document (400 with Go's message if it does not
    decode)."""
    if not isinstance(body, (bytes, str)):
        return body
    try:
        return jsonbody.loads(body)
    except DocumentError as exc:
        raise errors.bad_request(exc.message) from None


def parse_merge_patch(body: bytes | str | Any) -> Any:
    """A JSON merge patch document: json-patch's MergePatch says only "Invalid JSON Patch"."""
    if not isinstance(body, (bytes, str)):
        return body
    try:
        return jsonbody.loads(body)
    except DocumentError:
        raise errors.bad_request("Invalid JSON Patch") from None


def parse_apply_body(body: bytes | str | Any) -> dict[str, Any]:
    """An apply configuration: YAML or JSON (JSON is YAML)."""
    if isinstance(body, (bytes, str)):
        try:
            document = yamlbody.load(body)
        except DocumentError as exc:
            raise errors.bad_request(
                f"error decoding YAML: error converting YAML to JSON: {exc.message}"
            ) from None
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
    try:
        return merge.apply_json_patch(current, operations)
    except merge.PatchError as exc:
        raise _patch_error(exc) from None


def _type_info(model: APIModel, rt: ResourceType) -> merge.FieldInfo:
    return merge.type_info(model, rt.type_id)


def _reset_fields(rt: ResourceType, subresource: str | None) -> tuple[str, ...]:
    """Fields a write through the main resource cannot change (status, with a status subresource)."""
    return ("status",) if rt.has_status and subresource is None else ()


def strategic_merge(model: APIModel, rt: ResourceType, current: dict[str, Any], patch: Any) -> Any:
    if not isinstance(patch, dict):
        raise errors.bad_request(
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        )
    try:
        return merge.apply_strategic_merge_patch(current, patch, _type_info(model, rt))
    except merge.PatchError as exc:
        raise _patch_error(exc) from None


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
    try:
        result: dict[str, Any] = merge.server_side_apply(
            live or {},
            config,
            manager=manager,
            force=force,
            info=_type_info(model, rt),
            api_version=rt.api_version,
            subresource=subresource,
            now=now,
            reset_fields=_reset_fields(rt, subresource),
        )
    except merge.ApplyConflict as exc:
        status = errors.status_object(409, "Conflict", exc.message, {"causes": exc.causes()})
        raise StatusError(status) from None
    except merge.PatchError as exc:
        raise _patch_error(exc) from None
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
    """``new`` with managedFields recording an Update by ``manager`` (unchanged without a manager)."""
    if not manager:
        return new
    result: dict[str, Any] = merge.track_update(
        old,
        new,
        manager=manager,
        info=_type_info(model, rt),
        api_version=rt.api_version,
        subresource=subresource,
        now=now,
        reset_fields=_reset_fields(rt, subresource),
    )
    return result
