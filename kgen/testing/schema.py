"""Structural-schema handling of written objects: pruning, defaulting and validation, from the API model.

kube-apiserver drops unknown fields of every kind (typed decoding for built-ins, pruning for custom
resources), reports them for ``fieldValidation``, and for custom resources also drops ``null`` where the
schema is not nullable, applies schema ``default`` values and validates types, enums, ``required`` and the
numeric and string constraints and ``oneOf``/``anyOf`` lists of required fields, with kube-openapi's
messages. CEL rules (``x-kubernetes-validations``) are
not evaluated.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from kgen.apimodel.ir import (
    APIModel,
    Array,
    EnumType,
    Field,
    Map,
    Primitive,
    Ref,
    Shared,
    Special,
    TypeRef,
    UnionType,
)
from kgen.apimodel.shared import SHARED_TYPES, shape_type
from kgen.runtime._validation import go_quote
from kgen.testing.errors import FieldError

__all__ = ["Mistyped", "Outcome", "process"]


@dataclass(frozen=True, slots=True)
class Mistyped:
    """A value whose JSON type is not the schema's: ``expected`` and ``actual`` are JSON type names."""

    path: str
    expected: str
    actual: str
    value: Any


@dataclass(slots=True)
class Outcome:
    """What processing one object found: unknown field paths (already dropped), validation errors, and
    values of the wrong JSON type (which typed decoding of a built-in kind rejects outright)."""

    unknown: list[str] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    mistyped: list[Mistyped] = field(default_factory=list)


def process(model: APIModel, type_id: str, obj: dict[str, Any], *, custom: bool) -> Outcome:
    """Prune ``obj`` in place (and for custom resources default and validate it)."""
    walker = _Walker(model, custom)
    typedef = model.types.get(type_id)
    if typedef is None:
        return walker.outcome
    walker.object_fields(typedef.fields, obj, "", preserve=False)
    return walker.outcome


_JSON_TYPES = {
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    dict: "object",
    list: "array",
    type(None): "null",
}


def _json_type(value: Any) -> str:
    return _JSON_TYPES.get(type(value), "object")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Walker:
    def __init__(self, model: APIModel, custom: bool) -> None:
        self.model = model
        self.custom = custom
        self.outcome = Outcome()

    def error(self, item: FieldError) -> None:
        self.outcome.errors.append(item)

    def object_fields(
        self, fields: list[Field], obj: dict[str, Any], path: str, *, preserve: bool
    ) -> None:
        known = {f.json_name: f for f in fields}
        for key in list(obj):
            if key not in known:
                if preserve:
                    continue
                self.outcome.unknown.append(_join(path, key))
                del obj[key]
        for item in fields:
            where = _join(path, item.json_name)
            if item.json_name in obj and obj[item.json_name] is None and self.custom:
                if not item.nullable:
                    del obj[item.json_name]  # nulls are pruned where the schema is not nullable
            if self.custom and item.json_name not in obj and item.has_default:
                obj[item.json_name] = copy.deepcopy(item.default)
            if item.json_name not in obj:
                if self.custom and item.required:
                    self.error(FieldError.required(where))
                continue
            value = obj[item.json_name]
            if value is None:
                continue
            self.check_constraints(item, value, where)
            obj[item.json_name] = self.value(
                item.type, value, where, preserve=item.extensions.preserve_unknown_fields
            )

    def value(self, ref: TypeRef, value: Any, path: str, *, preserve: bool = False) -> Any:
        if isinstance(ref, Ref):
            typedef = self.model.types.get(ref.type_id)
            if typedef is None:
                return value
            if not isinstance(value, dict):
                self.type_error(path, value, "object")
                return value
            self.object_fields(
                typedef.fields,
                value,
                path,
                preserve=preserve or typedef.extensions.preserve_unknown_fields,
            )
            return value
        if isinstance(ref, Shared):
            shape = SHARED_TYPES.get(ref.name)
            if shape is None:
                return value
            if not isinstance(value, dict):
                self.type_error(path, value, "object")
                return value
            fields = [Field(name, shape_type(sub)) for name, sub in shape.properties.items()]
            self.object_fields(fields, value, path, preserve=preserve)
            return value
        if isinstance(ref, Array):
            if not isinstance(value, list):
                self.type_error(path, value, "array")
                return value
            return [
                self.value(ref.items, item, f"{path}[{i}]", preserve=preserve)
                for i, item in enumerate(value)
            ]
        if isinstance(ref, Map):
            if not isinstance(value, dict):
                self.type_error(path, value, "object")
                return value
            return {
                key: self.value(ref.values, item, _join(path, key), preserve=preserve)
                for key, item in value.items()
            }
        if isinstance(ref, EnumType):
            self.primitive(ref.base, value, path)
            if self.custom and value not in ref.values and _json_type(value) != "null":
                self.error(FieldError.not_supported(path, value, ref.values))
            return value
        if isinstance(ref, Primitive):
            self.primitive(ref, value, path)
            return value
        if isinstance(ref, Special):
            self.special(ref, value, path)
            return value
        if isinstance(ref, UnionType):
            return value
        return value

    def type_error(self, path: str, value: Any, expected: str) -> None:
        actual = _json_type(value)
        self.outcome.mistyped.append(Mistyped(path, expected, actual, value))
        if not self.custom:
            return
        detail = f'{path} in body must be of type {expected}: "{actual}"'
        # kube-openapi's InvalidType error carries the actual type name as its value.
        self.error(FieldError.type_invalid(path, actual, detail))

    def primitive(self, ref: Primitive, value: Any, path: str) -> None:
        actual = _json_type(value)
        expected = ref.name
        if expected == "number" and actual == "integer":
            return
        if expected == "integer" and isinstance(value, float) and value.is_integer():
            return
        if actual != expected:
            self.type_error(path, value, expected)

    def special(self, ref: Special, value: Any, path: str) -> None:
        actual = _json_type(value)
        allowed = {
            "int-or-string": ("integer", "string"),
            "quantity": ("integer", "number", "string"),
            "time": ("string",),
            "micro-time": ("string",),
            "bytes": ("string",),
        }.get(ref.name)
        if allowed is not None and actual not in allowed:
            self.type_error(path, value, allowed[-1] if len(allowed) == 1 else allowed[0])

    def check_constraints(self, item: Field, value: Any, path: str) -> None:
        if not self.custom or not item.constraints:
            return
        rules = item.constraints
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if "maximum" in rules and value > rules["maximum"]:
                self.error(
                    FieldError.invalid(
                        path,
                        value,
                        f"{path} in body should be less than or equal to {rules['maximum']}",
                    )
                )
            if "minimum" in rules and value < rules["minimum"]:
                self.error(
                    FieldError.invalid(
                        path,
                        value,
                        f"{path} in body should be greater than or equal to {rules['minimum']}",
                    )
                )
        if isinstance(value, str):
            if "maxLength" in rules and len(value) > rules["maxLength"]:
                self.error(
                    FieldError(
                        "FieldValueTooLong",
                        path,
                        value,
                        f"may not be more than {rules['maxLength']} bytes",
                    )
                )
            if "minLength" in rules and len(value) < rules["minLength"]:
                self.error(
                    FieldError.invalid(
                        path,
                        value,
                        f"{path} in body should be at least {rules['minLength']} chars long",
                    )
                )
            pattern = rules.get("pattern")
            if isinstance(pattern, str) and _pattern(pattern) is not None:
                compiled = _pattern(pattern)
                if compiled is not None and compiled.search(value) is None:
                    self.error(
                        FieldError.invalid(path, value, f"{path} in body should match '{pattern}'")
                    )
        if isinstance(value, dict):
            self.check_required_branches(rules, value, path)
        if isinstance(value, list):
            if "maxItems" in rules and len(value) > rules["maxItems"]:
                self.error(
                    FieldError(
                        "FieldValueTooMany",
                        path,
                        len(value),
                        f"must have at most {rules['maxItems']} items",
                    )
                )
            if "minItems" in rules and len(value) < rules["minItems"]:
                self.error(
                    FieldError.invalid(
                        path,
                        len(value),
                        f"{path} in body should have at least {rules['minItems']} items",
                    )
                )

    def check_required_branches(
        self, rules: dict[str, Any], value: dict[str, Any], path: str
    ) -> None:
        """oneOf/anyOf branches that only list required fields, as kube-apiserver reports them: the
        composite error has no field path (``<nil>``) and quotes the schema's path; when no branch
        holds, the errors of the closest branch (fewest missing fields, the first on a tie) follow.
        """
        for key, wanted in (("oneOf", "one and only one"), ("anyOf", "at least one")):
            branches = rules.get(key)
            if not branches:
                continue
            missing = [[n for n in b["required"] if n not in value] for b in branches]
            valid = sum(1 for names in missing if not names)
            if valid == 1 or (key == "anyOf" and valid > 1):
                continue
            detail = f"{go_quote(path)} must validate {wanted} schema ({key})"
            if key == "oneOf":
                detail += (
                    ". Found none valid" if valid == 0 else f". Found {valid} valid alternatives"
                )
            self.error(FieldError.invalid("<nil>", "", detail))
            if valid == 0:
                closest = min(missing, key=len)
                for name in closest:
                    self.error(FieldError.required(_join(path, name)))


_PATTERNS: dict[str, re.Pattern[str] | None] = {}


def _pattern(text: str) -> re.Pattern[str] | None:
    if text not in _PATTERNS:
        try:
            _PATTERNS[text] = re.compile(text)
        except re.error:
            _PATTERNS[text] = None  # an RE2 construct Python lacks: not checked
    return _PATTERNS[text]
