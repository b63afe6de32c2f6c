"""What a written body must be before anything else, as kube-apiserver's decoders check it: a JSON
object whose apiVersion and kind the scheme knows (built-in kinds, decoded into their Go types) or that
names the custom resource (unstructured), and values of the right JSON types for a typed decode.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from kgen.testing import errors, schema
from kgen.testing.errors import FieldError
from kgen.testing.registry import Registry, ResourceType

__all__ = ["decode", "unmarshal_error"]

# The scheme named in "no kind is registered" errors (naming.GetNameFromCallsite of
# legacyscheme.Scheme: the path depends on how kube-apiserver was built; this is the -trimpath form).
LEGACY_SCHEME = "pkg/api/legacyscheme/scheme.go:30"


def decode(
    registry: Registry, rt: ResourceType, body: Any, *, expected_kind: str | None = None
) -> dict[str, Any]:
    """Check apiVersion and kind of a written object, as the apiserver's decoder does."""
    kind_wanted = expected_kind or rt.kind
    if not isinstance(body, dict):
        raise errors.bad_request(
            f"the object provided is unrecognized (must be of type {kind_wanted}): "
            "couldn't get version/kind; json parse error"
        )
    obj = copy.deepcopy(body)
    api_version = obj.get("apiVersion")
    kind = obj.get("kind")
    if expected_kind is not None:
        _check_expected_kind(rt, kind, api_version, expected_kind)
    elif rt.custom:
        _check_custom_kind(rt, obj, kind, api_version)
    else:
        _check_builtin_kind(registry, rt, kind, api_version)
    if expected_kind is None:
        obj["apiVersion"] = rt.api_version
        obj["kind"] = rt.kind
    if "metadata" in obj and not isinstance(obj["metadata"], dict):
        raise errors.bad_request(
            f'{kind_wanted} in version "{rt.version}" cannot be handled as a {kind_wanted}: '
            "metadata must be an object"
        )
    return obj


def _check_expected_kind(rt: ResourceType, kind: Any, api_version: Any, expected_kind: str) -> None:
    """A subresource body (Scale, Binding...): only its kind is checked."""
    if kind and kind != expected_kind:
        version = str(api_version or rt.api_version).rpartition("/")[2]
        raise errors.bad_request(
            f'{kind} in version "{version}" cannot be handled as a {expected_kind}: '
            f'no kind "{kind}" is registered for version "{api_version or rt.api_version}"'
        )


def _check_builtin_kind(registry: Registry, rt: ResourceType, kind: Any, api_version: Any) -> None:
    """The typed decoder: the scheme must know the (defaulted) group/version/kind of the data,
    convert it to the internal type of the resource, and the group/version must be the URL's."""
    api_version = str(api_version or rt.api_version)
    kind = str(kind or rt.kind)
    group, _, version = api_version.rpartition("/")
    prefix = f'{kind} in version "{version}" cannot be handled as a {rt.kind}: '
    gv = registry.model.group_versions.get((group, version))
    registered = gv is not None and kind in gv.kinds
    if not registered and (group, kind) == (rt.group, rt.kind):
        # The scheme also holds the versions of a group that are no longer served (apps/v1beta1
        # Deployments), which the model does not list: those decode, then fail the version check.
        registered = re.fullmatch(r"v\d+(?:(?:alpha|beta)\d+)?", version) is not None
    if not registered:
        raise errors.bad_request(
            f'{prefix}no kind "{kind}" is registered for version "{api_version}" in scheme '
            f'"{LEGACY_SCHEME}"'
        )
    if kind != rt.kind:
        # Conversion goes to the resource's internal type, in its group's internal package.
        internal = "core" if rt.group in ("", "events.k8s.io") else rt.group.split(".")[0]
        raise errors.bad_request(
            f"{prefix}converting ({version}.{kind}) to ({internal}.{rt.kind}): "
            "unknown conversion"
        )
    if api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )


def _check_custom_kind(rt: ResourceType, obj: dict[str, Any], kind: Any, api_version: Any) -> None:
    """The unstructured decoder wants a kind; then the version must be the URL's, and the
    custom resource validator wants the CRD's kind."""
    text = json.dumps(obj, separators=(",", ":"))
    if not kind:
        raise errors.bad_request(
            f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
            f"Object 'Kind' is missing in '{text}'"
        )
    if not api_version:
        raise errors.bad_request(f"Object 'apiVersion' is missing in '{text}'")
    if api_version != rt.api_version:
        raise errors.bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({rt.api_version})"
        )
    if kind != rt.kind:
        name = str((obj.get("metadata") or {}).get("name") or "")
        raise errors.invalid(
            str(kind), rt.group, name, [FieldError.invalid("kind", kind, f"must be {rt.kind}")]
        )


# Go's encoding/json names for JSON values and (roughly) for the Go types the schema's types become.
_JSON_VALUE_NAMES = {"string": "string", "integer": "number", "number": "number", "boolean": "bool"}
_GO_TYPE_NAMES = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "array": "[]interface {}",
    "object": "map[string]interface {}",
}


def _unmarshal_error(rt: ResourceType, mistyped: schema.Mistyped) -> str:
    """json.UnmarshalTypeError's text for a value of the wrong type (the struct is approximated by
    the kind: the model does not say which Go struct holds each field)."""
    value = _JSON_VALUE_NAMES.get(mistyped.actual, mistyped.actual)
    go_type = _GO_TYPE_NAMES.get(mistyped.expected, mistyped.expected)
    return (
        f"json: cannot unmarshal {value} into Go struct field {rt.kind}.{mistyped.path} of type "
        f"{go_type}"
    )


def unmarshal_error(rt: ResourceType, mistyped: schema.Mistyped) -> str:
    """json.UnmarshalTypeError's text for a value of the wrong type (the struct is approximated by
    the kind: the model does not say which Go struct holds each field)."""
    value = _JSON_VALUE_NAMES.get(mistyped.actual, mistyped.actual)
    go_type = _GO_TYPE_NAMES.get(mistyped.expected, mistyped.expected)
    return (
        f"json: cannot unmarshal {value} into Go struct field {rt.kind}.{mistyped.path} of type "
        f"{go_type}"
    )
