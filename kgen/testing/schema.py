"""The server's side of :mod:`kgen.schema`: pruning, defaulting and validation of written objects.

kube-apiserver drops unknown fields of every kind (typed decoding for built-ins, pruning for custom
resources) and reports them for ``fieldValidation``. For custom resources it also drops ``null`` where
the schema is neither nullable nor defaulted, applies the schema's ``default`` values (when a request
is decoded, and when an object is read from storage), and validates the object after the registry's
PrepareForCreate/PrepareForUpdate: every value keyword with kube-openapi's messages, embedded resources,
``x-kubernetes-list-type`` uniqueness, and the ``x-kubernetes-validations`` CEL rules (transition rules
against the stored object on updates). One engine, :mod:`kgen.schema`, does all of it; this module
holds the compiled schemas of a server's model and speaks the server's :class:`FieldError`.

Entry points: :func:`process` (when a body is decoded), :func:`validate` (with the kind's own
validation), :func:`stored` (an object read from storage), :func:`crd_problems` (CRD admission).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kgen.apimodel.ir import APIModel
from kgen.runtime._violation import Violation
from kgen.schema import Mistyped, ModelSchemas, Schema
from kgen.testing.errors import FieldError

if TYPE_CHECKING:
    from kgen.testing.registry import ResourceType

__all__ = [
    "Mistyped",
    "Outcome",
    "crd_problems",
    "field_error",
    "process",
    "schemas",
    "stored",
    "validate",
]


@dataclass(slots=True)
class Outcome:
    """What processing one object found: unknown field paths (already dropped), validation errors
    (reported later, by :func:`validate`: always empty here), and values of the wrong JSON type
    (which typed decoding of a built-in kind rejects outright)."""

    unknown: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    mistyped: list[Mistyped] = field(default_factory=list)


class _Cache:
    """The ModelSchemas of the models servers serve (a model is served by one server, usually)."""

    def __init__(self, size: int = 32) -> None:
        self._by_model: OrderedDict[int, tuple[APIModel, ModelSchemas]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, model: APIModel) -> ModelSchemas:
        with self._lock:
            found = self._by_model.get(id(model))
            if found is not None and found[0] is model:
                self._by_model.move_to_end(id(model))
                return found[1]
            made = ModelSchemas(model)
            self._by_model[id(model)] = (model, made)
            while len(self._by_model) > self._size:
                self._by_model.popitem(last=False)
            return made


_CACHE = _Cache()


def schemas(model: APIModel) -> ModelSchemas:
    """The compiled schemas of ``model``'s kinds (compiled on first use, then kept)."""
    return _CACHE.get(model)


def _schema(model: APIModel, type_id: str | None) -> Schema | None:
    if type_id is None:
        return None
    return schemas(model).for_type(type_id)


def process(model: APIModel, type_id: str, obj: dict[str, Any], *, custom: bool) -> Outcome:
    """A decoded body: prune ``obj`` in place (for custom resources, drop the nulls the schema does
    not allow and apply its defaults too)."""
    schema = _schema(model, type_id)
    if schema is None:
        return Outcome()
    unknown, mistyped = schema.prune(obj)
    if custom:
        schema.default(obj)
    return Outcome(unknown, [], mistyped)


def field_error(violation: Violation) -> FieldError:
    """A :class:`~kgen.schema.Violation` as the server's FieldError."""
    return FieldError(
        violation.type, violation.field or "<nil>", violation.bad_value, violation.detail
    )


def validate(
    model: APIModel, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None
) -> list[FieldError]:
    """A custom resource about to be stored: every violation of its schema (CEL transition rules
    against ``old``, the stored object, on an update). Built-in kinds: nothing (their Go validation
    is the kind's strategy)."""
    if not rt.custom:
        return []
    schema = _schema(model, rt.type_id)
    if schema is None:
        return []
    return [field_error(v) for v in schema.validate(obj, old)]


def stored(model: APIModel, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """A custom resource read from storage, with the defaults of its stored version's schema (a copy
    when any applies; the stored object itself is never changed)."""
    if not rt.custom:
        return obj
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    schema = None
    if isinstance(api_version, str) and isinstance(kind, str):
        schema = schemas(model).for_kind(api_version, kind)
    if schema is None or not schema.needs_defaults(obj):
        return obj
    import copy

    out = copy.deepcopy(obj)
    schema.default(out)
    return out


# --- CustomResourceDefinition admission -----------------------------------------------------------


def _walk(schema: Any, path: str, out: list[tuple[str, dict[str, Any]]]) -> None:
    if not isinstance(schema, dict):
        return
    out.append((path, schema))
    for name, sub in (schema.get("properties") or {}).items():
        _walk(sub, f"{path}.properties[{name}]", out)
    for key in ("additionalProperties", "items", "not"):
        _walk(schema.get(key), f"{path}.{key}", out)
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(schema.get(key) or []):
            _walk(sub, f"{path}.{key}[{i}]", out)


def _parse_cel_error(text: str) -> FieldError:
    """kgen.cel's ``<path>: Invalid value: "<rule>": <detail>`` / ``<path>: Forbidden: <detail>``."""
    import json

    where, _, body = text.partition(": ")
    if body.startswith("Forbidden: "):
        return FieldError.forbidden(where, body[len("Forbidden: ") :])
    if body.startswith("Invalid value: "):
        rest = body[len("Invalid value: ") :]
        try:
            value, end = json.JSONDecoder().raw_decode(rest)
        except ValueError:
            return FieldError.invalid(where, "", rest)
        return FieldError.invalid(where, value, rest[end:].removeprefix(": "))
    return FieldError.invalid(where, "", body)


def crd_problems(crd: dict[str, Any]) -> list[FieldError]:
    """What apiextensions' validation refuses in a CRD's schemas beyond their shape: patterns Go
    cannot compile, ``uniqueItems``, set items that are not atomic, and ``x-kubernetes-validations``
    rules that do not compile or exceed the cost limits (kube-apiserver 1.25 and later)."""
    versions = [v for v in (crd.get("spec") or {}).get("versions") or [] if isinstance(v, dict)]
    schemas_ = [((v.get("schema") or {}).get("openAPIV3Schema")) for v in versions]
    present = [(i, s) for i, s in enumerate(schemas_) if isinstance(s, dict)]
    if not present:
        return []
    # All versions alike: the internal CRD holds one top-level schema (spec.validation).
    same = len(present) == len(schemas_) and all(s == present[0][1] for _, s in present)
    targets = (
        [("spec.validation.openAPIV3Schema", present[0][1])]
        if same
        else [(f"spec.versions[{i}].schema.openAPIV3Schema", s) for i, s in present]
    )
    problems: list[FieldError] = []
    for prefix, raw in targets:
        nodes: list[tuple[str, dict[str, Any]]] = []
        _walk(raw, prefix, nodes)
        for path, node in nodes:
            pattern = node.get("pattern")
            if isinstance(pattern, str):
                from kgen.schema import PatternError, compile_pattern

                try:
                    compile_pattern(pattern)
                except PatternError as exc:
                    problems.append(
                        FieldError.invalid(
                            f"{path}.pattern",
                            pattern,
                            f"must be a valid regular expression, but isn't: {exc}",
                        )
                    )
            if node.get("uniqueItems") is True:
                problems.append(
                    FieldError.forbidden(
                        f"{path}.uniqueItems",
                        "uniqueItems cannot be set to true since the runtime complexity becomes "
                        "quadratic",
                    )
                )
            items = node.get("items")
            if node.get("x-kubernetes-list-type") == "set" and isinstance(items, dict):
                if items.get("type") == "object" and items.get("x-kubernetes-map-type") != "atomic":
                    problems.append(
                        FieldError.invalid(
                            f"{path}.items.x-kubernetes-map-type",
                            items.get("x-kubernetes-map-type") or "null",
                            "must be atomic as item of a list with x-kubernetes-list-type=set",
                        )
                    )
                if items.get("type") == "array" and items.get("x-kubernetes-list-type") != "atomic":
                    problems.append(
                        FieldError.invalid(
                            f"{path}.items.x-kubernetes-list-type",
                            items.get("x-kubernetes-list-type") or "null",
                            "must be atomic as item of a list with x-kubernetes-list-type=set",
                        )
                    )
        try:
            compiled = Schema(raw)
            errors = compiled.rule_errors
        except Exception:  # noqa: BLE001 - a shape crd_problem reports on its own
            continue
        for text in errors:
            if text.startswith("openAPIV3Schema"):
                text = prefix + text[len("openAPIV3Schema") :]
            problems.append(_parse_cel_error(text))
    return problems
