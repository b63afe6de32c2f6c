"""The client's side of the schema engine: validate and default objects as the apiserver would, before
anything is sent (opt in).

    violations = validate(widget)                 # every violation, with its path and message
    stored = with_defaults(widget)                # the object as the server would store it
    cs = Clientset(validate_writes=True)          # every create/update/patch/apply checked first

A generated package embeds its API model (``apimodel.json``), custom resource kinds with their CRD's
schema: it is read on first use, each kind's schema compiled once and kept. Built-in kinds are checked
against what their OpenAPI schema says (types, formats, enums, required fields, ranges); custom
resources against everything a kube-apiserver checks, ``x-kubernetes-validations`` CEL rules included.

The engine is :mod:`kgen.schema` (which imports the API model and kgen.cel): this module is the
runtime's only way to it, and imports it on first use, so programs that never validate never load it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import SchemaInvalid
from kgen.runtime._unstructured import Unstructured
from kgen.runtime._violation import Violation

if TYPE_CHECKING:
    from kgen.schema import Schema

__all__ = ["SchemaInvalid", "check_write", "validate", "with_defaults"]

T = TypeVar("T")

_APPLY = "application/apply-patch+yaml"
_MERGE = "application/merge-patch+json"


def _package_of(obj: Any) -> str | None:
    """The generated package a model class comes from (``<package>.models.<module>``)."""
    module = type(obj).__module__
    if ".models." in module:
        return module.rpartition(".models.")[0]
    return None


def _as_json(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Unstructured):
        return copy.deepcopy(obj.object)
    if isinstance(obj, Mapping):
        return copy.deepcopy(dict(obj))
    data = codec.to_builtins(obj)
    if not isinstance(data, dict):
        raise TypeError(f"not a Kubernetes object: {type(obj).__name__}")
    return data


def _schema(body: dict[str, Any], obj: Any, package: str | None) -> Schema | None:
    package = _package_of(obj) or package
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if package is None:
        raise ValueError(
            f"no generated package to take the schema of {kind or type(obj).__name__} from: "
            "pass package= (a generated package's name)"
        )
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise ValueError("the object names no apiVersion and kind")
    from kgen.schema import package_schemas

    return package_schemas(package).for_kind(api_version, kind)


def _unknown_kind(body: dict[str, Any], package: str | None) -> ValueError:
    return ValueError(
        f"{body.get('kind')} of {body.get('apiVersion')} is not a kind of "
        f"{package or 'its package'}: no schema to validate it with"
    )


def validate(obj: Any, old: Any = None, *, package: str | None = None) -> list[Violation]:
    """Every violation of its schema by ``obj`` (a model, an Unstructured or a dict), as the apiserver
    would report it on a create (on an update when ``old``, the stored object, is given: transition
    rules then run against it). The object is pruned and defaulted first, as the server does; it is
    not changed. ``package`` names the generated package whose schemas to use for a dict or
    Unstructured (a model knows its own)."""
    body = _as_json(obj)
    schema = _schema(body, obj, package)
    if schema is None:
        raise _unknown_kind(body, package)
    schema.prune(body)
    schema.default(body)
    before = schema.with_defaults(_as_json(old)) if old is not None else None
    return schema.validate(body, before)


def with_defaults(obj: T, *, package: str | None = None) -> T:
    """A copy of ``obj`` as the server would store it: fields its schema does not know dropped, nulls
    the schema does not allow dropped, and the schema's defaults filled in (``obj`` is not changed).
    Returns the same type: a model, an Unstructured or a dict."""
    body = _as_json(obj)
    schema = _schema(body, obj, package)
    if schema is None:
        raise _unknown_kind(body, package)
    schema.prune(body)
    schema.default(body)
    if isinstance(obj, Unstructured):
        return Unstructured(body)  # type: ignore[return-value]
    if isinstance(obj, Mapping):
        return body  # type: ignore[return-value]
    return codec.from_builtins(body, type(obj))


def _name_of(body: dict[str, Any]) -> str:
    metadata = body.get("metadata")
    if isinstance(metadata, dict):
        return str(metadata.get("name") or metadata.get("generateName") or "")
    return ""


def _body_of(value: Any) -> dict[str, Any] | None:
    """The JSON object a request body holds (None for anything else: a JSON patch, YAML...)."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        try:
            decoded = msgspec.json.decode(bytes(value))
        except msgspec.DecodeError:
            return None
        return decoded if isinstance(decoded, dict) else None
    if isinstance(value, (str, list, tuple)):
        return None
    try:
        return _as_json(value)
    except TypeError:
        return None


def check_write(
    method: str,
    content_type: str | None,
    value: Any,
    *,
    package: str | None,
    subresource: str | None = None,
) -> None:
    """What a clientset with ``validate_writes`` checks before sending a request body: a create or
    an update (the whole object), a patch with a model or an apply (what the values present say
    about themselves: a partial object cannot be held to ``required``, counts of properties and
    items, or rules about the whole). Raises :class:`SchemaInvalid` listing every violation; bodies
    that are not objects of a kind of the package (a JSON patch, a merge patch given as a dict, a
    DeleteOptions, a subresource's body) pass."""
    if method not in ("POST", "PUT", "PATCH") or value is None:
        return
    partial = method == "PATCH"
    if partial and content_type not in (_APPLY, _MERGE):
        return
    if partial and content_type == _MERGE and isinstance(value, (Mapping, bytes)):
        return  # a merge patch as JSON says what changes, not what the object is
    if subresource not in (None, "status"):
        return  # a scale, an eviction, a binding: not the resource's kind
    body = _body_of(value)
    if body is None:
        return
    package = _package_of(value) or package
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if package is None or not isinstance(api_version, str) or not isinstance(kind, str):
        return
    from kgen.schema import package_schemas

    try:
        schema = package_schemas(package).for_kind(api_version, kind)
    except (ImportError, ValueError):  # a package without a model: nothing to check against
        return
    if schema is None:
        return
    schema.prune(body)
    if partial:
        violations = schema.validate(body, partial=True)
    else:
        schema.default(body)
        violations = schema.validate(body)
    if violations:
        raise SchemaInvalid.of(kind, api_version, _name_of(body), violations)
