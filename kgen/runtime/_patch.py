"""JSON merge patch (RFC 7386): apply one, or compute the patch between two objects.

Merge patch is the safe way to change part of an object: fields the client does not know about are left
alone on the server. :func:`merge_patch_between` takes models or dicts and can pin ``metadata.uid`` and
``metadata.resourceVersion`` in the patch, so that it applies only to the very object that was read
(namespace and name are not unique across time; a resourceVersion also makes the patch fail with 409
Conflict if someone else wrote in between).
"""

from __future__ import annotations

import copy
from typing import Any

import kgen.runtime._codec as codec

__all__ = ["apply_merge_patch", "create_merge_patch", "merge_patch_between"]


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    # Each part of the result is copied once: from the target where the patch leaves it alone,
    # else from the patch (or merged a level down).
    result = {k: v if k in patch else copy.deepcopy(v) for k, v in target.items()}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            result[key] = apply_merge_patch(target.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def create_merge_patch(original: Any, modified: Any) -> dict[str, Any]:
    """The merge patch that turns ``original`` into ``modified`` (both JSON objects)."""
    if not isinstance(original, dict) or not isinstance(modified, dict):
        raise TypeError("a merge patch is computed between two JSON objects")
    patch: dict[str, Any] = {}
    for key in original.keys() - modified.keys():
        patch[key] = None
    for key, value in modified.items():
        if key not in original:
            patch[key] = copy.deepcopy(value)
            continue
        before = original[key]
        if isinstance(before, dict) and isinstance(value, dict):
            inner = create_merge_patch(before, value)
            if inner:
                patch[key] = inner
        elif before != value or type(before) is not type(value):
            # Lists are replaced whole by a merge patch; nulls in value cannot be expressed and mean delete.
            patch[key] = copy.deepcopy(value)
    return patch


def merge_patch_between(
    original: Any, modified: Any, *, pin_uid: bool = False, pin_resource_version: bool = False
) -> dict[str, Any]:
    """The merge patch from ``original`` to ``modified`` (models or dicts).

    With ``pin_uid`` the patch carries ``metadata.uid`` of the original, so the server rejects it (409)
    if the object was deleted and re-created under the same name. With ``pin_resource_version`` it carries
    ``metadata.resourceVersion`` too, which makes it an optimistic-concurrency write.
    """
    before = original if isinstance(original, dict) else codec.to_builtins(original)
    after = modified if isinstance(modified, dict) else codec.to_builtins(modified)
    patch = create_merge_patch(before, after)
    metadata = before.get("metadata") or {}
    pins: dict[str, Any] = {}
    if pin_uid:
        if not metadata.get("uid"):
            raise ValueError("cannot pin the uid: the original object has no metadata.uid")
        pins["uid"] = metadata["uid"]
    if pin_resource_version:
        if not metadata.get("resourceVersion"):
            raise ValueError("cannot pin the resourceVersion: the original has none")
        pins["resourceVersion"] = metadata["resourceVersion"]
    if pins:
        patch.setdefault("metadata", {}).update(pins)
    return patch
