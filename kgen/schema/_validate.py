"""Every value validation of a structural schema, as kube-apiserver reports it.

The OpenAPI schema validator (k8s.io/kube-openapi's ``validate.SchemaValidator``, converted to field
   errors by apiextensions' ``ValidateCustomResource``): types, ``allOf``/``anyOf``/``oneOf``/``not``,
   string lengths counted in runes, ``pattern`` (Go's RE2 semantics), ``format``, ``multipleOf`` and
   ranges (an integer value compares with the limit truncated to an integer, as Go's
   ``MaximumNativeType`` does), item and property counts, ``enum``, ``required``;
2. embedded resources (``x-kubernetes-embedded-resource``): apiVersion, kind and metadata;
3. ``x-kubernetes-list-type`` set and map uniqueness (``Duplicate value``).

The messages are kube-apiserver 1.20's (checked by the conformance suite against a real 1.20), except
where later versions changed what kgen.testing emulates: type errors carry the reason
``FieldValueTypeInvalid`` (1.24) and paths into arrays carry the index (``spec.rules[0].name``, 1.24).
Go iterates maps in random order; properties are checked here in the schema's order.
"""

from __future__ import annotations

import json
import math
from typing import Any

from kgen.runtime._violation import GoLiteral, Violation, go_float, go_q, go_sharp_v
from kgen.schema._node import INT_OR_STRING, QUANTITY, Node

__all__ = ["bad_value", "go_json", "hashable", "json_type", "type_accepts", "validate_value"]

_MIN_INT64 = -(2**63)
_MAX_INT64 = 2**63 - 1


def json_type(value: Any) -> str:
    """The JSON type name kube-openapi reports for a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def is_integral(value: float) -> bool:
    """swag.IsFloat64AJSONInteger."""
    if math.isnan(value) or math.isinf(value):
        return False
    if value == int(value):
        return True
    diff = abs(value - round(value))
    return diff < 1e-9 * abs(round(value)) if round(value) else diff < 1e-9


def type_accepts(node_type: str, value: Any) -> bool:
    if not node_type:
        return True
    if isinstance(value, bool):
        return node_type == "boolean"
    if isinstance(value, int):
        return node_type in ("integer", "number", INT_OR_STRING, QUANTITY)
    if isinstance(value, float):
        if node_type in ("number", QUANTITY):
            return True
        return node_type == "integer" and is_integral(value)
    if isinstance(value, str):
        return node_type in ("string", INT_OR_STRING, QUANTITY)
    if isinstance(value, list):
        return node_type == "array"
    if isinstance(value, dict):
        return node_type == "object"
    return False


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def go_json(value: Any) -> str:
    """encoding/json.Marshal of a value decoded from a schema (numbers are float64)."""
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, (int, float)):
        number = float(value)
        if number.is_integer() and abs(number) < 1e21:
            return str(int(number))
        text = repr(number)
        if "e" in text:
            mantissa, exponent = text.split("e")
            sign = "-" if exponent.startswith("-") else "+"
            digits = exponent.lstrip("+-").lstrip("0") or "0"
            return f"{mantissa}e{sign}{digits.zfill(2)}"
        return text
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    if isinstance(value, dict):
        items = (
            f"{json.dumps(str(k), ensure_ascii=False)}:{go_json(value[k])}" for k in sorted(value)
        )
        return "{" + ",".join(items) + "}"
    return json.dumps(value)


def _deep_equal(data: Any, schema_value: Any) -> bool:
    """reflect.DeepEqual of decoded data with a decoded schema value (whose numbers are float64)."""
    if isinstance(data, bool) or isinstance(schema_value, bool):
        return type(data) is type(schema_value) and data == schema_value
    if isinstance(schema_value, (int, float)):
        return isinstance(data, float) and data == schema_value
    if isinstance(data, dict):
        return (
            isinstance(schema_value, dict)
            and data.keys() == schema_value.keys()
            and all(_deep_equal(data[k], schema_value[k]) for k in data)
        )
    if isinstance(data, list):
        return (
            isinstance(schema_value, list)
            and len(data) == len(schema_value)
            and all(_deep_equal(a, b) for a, b in zip(data, schema_value))
        )
    return type(data) is type(schema_value) and data == schema_value


def _enum_has(data: Any, values: list[Any]) -> bool:
    for allowed in values:
        if data is None:
            return False
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            # Enum converts the value to the enum value's type before comparing.
            if isinstance(allowed, (int, float)) and not isinstance(allowed, bool):
                if data == allowed:
                    return True
            continue
        if _deep_equal(data, allowed):
            return True
    return False


def _enum_text(value: Any) -> str:
    return value if isinstance(value, str) else go_json(value)


def bad_value(value: Any) -> Any:
    """A bad value as field.Error prints it: simple types as they are, others with %#v."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    return GoLiteral(go_sharp_v(value))


class _Validator:
    """kube-openapi's SchemaValidator. ``partial``: the object is a patch or an apply configuration,
    whose values are checked for what they say about themselves only (no ``required``, no counts of
    properties or items, no composition, nulls skipped)."""

    def __init__(self, partial: bool = False) -> None:
        self.partial = partial

    def validate(self, node: Node, value: Any, path: str, errs: list[Violation]) -> int:
        """Append the violations of ``value`` to ``errs``; return kube-openapi's match count."""
        if value is None:
            if self.partial:
                return 1
            if node.type and not node.nullable and not node.lenient_nulls:
                self.type_error(node, value, path, errs)
            if node.enum is not None and not node.lenient_nulls:
                self.enum_error(node, value, path, errs)
            return 1
        count = 0
        node_type = node.type
        if node_type:
            count += 1
            if not type_accepts(node_type, value):
                self.type_error(node, value, path, errs)
        if not self.partial and (
            node.all_of or node.any_of or node.one_of or node.not_ is not None
        ):
            count += self.schema_props(node, value, path, errs)
        if isinstance(value, str):
            count += 2
            self.string(node, value, path, errs)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            count += 1
            self.number(node, value, path, errs)
        elif isinstance(value, list):
            count += 1 + self.array(node, value, path, errs)
        if node.enum is not None:
            count += 1
            if not _enum_has(value, node.enum):
                self.enum_error(node, value, path, errs)
        if isinstance(value, dict):
            count += 1 + self.object(node, value, path, errs)
        return count

    # --- errors -------------------------------------------------------------------------------------

    def type_error(self, node: Node, value: Any, path: str, errs: list[Violation]) -> None:
        actual = json_type(value)
        expected = "integer,string" if node.type == QUANTITY else node.type
        errs.append(
            Violation(
                "FieldValueTypeInvalid",
                path,
                actual,
                f"{path} in body must be of type {expected}: {go_q(actual)}",
            )
        )

    def enum_error(self, node: Node, value: Any, path: str, errs: list[Violation]) -> None:
        assert node.enum is not None
        supported = ", ".join(go_q(_enum_text(v)) for v in node.enum)
        errs.append(
            Violation(
                "FieldValueNotSupported",
                path,
                "null" if value is None else bad_value(value),
                f"supported values: {supported}",
            )
        )

    def invalid(self, path: str, value: Any, detail: str, errs: list[Violation]) -> None:
        errs.append(Violation("FieldValueInvalid", path, bad_value(value), detail))

    # --- validators ---------------------------------------------------------------------------------

    def schema_props(self, node: Node, value: Any, path: str, errs: list[Violation]) -> int:
        count = 1
        quoted = go_q(path)
        if node.any_of:
            best: tuple[int, list[Violation]] | None = None
            succeeded = False
            for branch in node.any_of:
                branch_errs: list[Violation] = []
                matched = self.validate(branch, value, path, branch_errs)
                if not branch_errs:
                    succeeded = True
                    best = None
                    count += matched
                    break
                if best is None or matched > best[0]:
                    best = (matched, branch_errs)
            if not succeeded:
                errs.append(
                    Violation(
                        "FieldValueInvalid",
                        "",
                        "",
                        f"{quoted} must validate at least one schema (anyOf)",
                    )
                )
            if best is not None:
                errs.extend(best[1])
                count += best[0]
        if node.one_of:
            best = None
            first_success = 0
            valid = 0
            for branch in node.one_of:
                branch_errs = []
                matched = self.validate(branch, value, path, branch_errs)
                if not branch_errs:
                    valid += 1
                    best = None
                    if valid == 1:
                        first_success = matched
                    continue
                if valid == 0 and (best is None or matched > best[0]):
                    best = (matched, branch_errs)
            if valid != 1:
                found = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
                errs.append(
                    Violation(
                        "FieldValueInvalid",
                        "",
                        "",
                        f"{quoted} must validate one and only one schema (oneOf). {found}",
                    )
                )
                if best is not None:
                    errs.extend(best[1])
                    count += best[0]
            else:
                count += first_success
        if node.all_of:
            valid = 0
            for branch in node.all_of:
                branch_errs = []
                count += self.validate(branch, value, path, branch_errs)
                if not branch_errs:
                    valid += 1
                errs.extend(branch_errs)
            if valid != len(node.all_of):
                none = ". None validated" if valid == 0 else ""
                errs.append(
                    Violation(
                        "FieldValueInvalid",
                        "",
                        "",
                        f"{quoted} must validate all the schemas (allOf){none}",
                    )
                )
        if node.not_ is not None:
            branch_errs = []
            self.validate(node.not_, value, path, branch_errs)
            if not branch_errs:
                errs.append(
                    Violation(
                        "FieldValueInvalid", "", "", f"{quoted} must not validate the schema (not)"
                    )
                )
        return count

    def string(self, node: Node, value: str, path: str, errs: list[Violation]) -> None:
        if node.max_length is not None and len(value) > node.max_length:
            self.invalid(
                path, value, f"{path} in body should be at most {node.max_length} chars long", errs
            )
        if node.min_length is not None and len(value) < node.min_length:
            self.invalid(
                path, value, f"{path} in body should be at least {node.min_length} chars long", errs
            )
        if node.pattern is not None:
            if node.matcher is None:
                self.invalid(
                    path,
                    value,
                    f"{path} in body should match '{node.pattern}, but pattern is invalid: "
                    f"{node.pattern_error}'",
                    errs,
                )
            elif not node.matcher(value):
                self.invalid(path, value, f"{path} in body should match '{node.pattern}'", errs)
        if node.format_check is not None and not node.format_check(value):
            self.invalid(
                path, value, f"{path} in body must be of type {node.format}: {go_q(value)}", errs
            )

    def number(self, node: Node, value: float, path: str, errs: list[Violation]) -> None:
        integer = isinstance(value, int) and _MIN_INT64 <= value <= _MAX_INT64
        if node.multiple_of is not None:
            factor = node.multiple_of
            if integer and int(factor) != 0:
                if value % int(factor) != 0:
                    detail = f"{path} in body should be a multiple of {int(factor)}"
                    self.invalid(path, value, detail, errs)
            elif factor > 0:
                mult = (1 / factor * value) if factor < 1 else (value / factor)
                if not is_integral(mult):
                    self.invalid(
                        path,
                        value,
                        f"{path} in body should be a multiple of {go_float(factor)}",
                        errs,
                    )
        if node.minimum is not None:
            limit = node.minimum
            exclusive = node.exclusive_minimum
            shown = str(int(limit)) if integer else go_float(float(limit))
            bound = int(limit) if integer else limit
            if (value <= bound) if exclusive else (value < bound):
                word = "greater than" if exclusive else "greater than or equal to"
                self.invalid(path, value, f"{path} in body should be {word} {shown}", errs)
        if node.maximum is not None:
            limit = node.maximum
            exclusive = node.exclusive_maximum
            shown = str(int(limit)) if integer else go_float(float(limit))
            bound = int(limit) if integer else limit
            if (value >= bound) if exclusive else (value > bound):
                word = "less than" if exclusive else "less than or equal to"
                self.invalid(path, value, f"{path} in body should be {word} {shown}", errs)

    def array(self, node: Node, value: list[Any], path: str, errs: list[Violation]) -> int:
        size = len(value)
        if self.partial:
            size = -1  # an apply merges lists: the counts are the merged list's
        if node.min_items is not None and 0 <= size < node.min_items:
            self.invalid(
                path, size, f"{path} in body should have at least {node.min_items} items", errs
            )
        if node.max_items is not None and size > node.max_items:
            self.invalid(
                path, size, f"{path} in body should have at most {node.max_items} items", errs
            )
        if node.unique_items and size >= 0 and not _unique(value):
            self.invalid(path, "", f"{path} in body shouldn't contain duplicates", errs)
        count = 0
        if node.items is not None:
            for i, item in enumerate(value):
                count += self.validate(node.items, item, f"{path}[{i}]", errs)
        return count

    def object(self, node: Node, value: dict[str, Any], path: str, errs: list[Violation]) -> int:
        size = -1 if self.partial else len(value)
        if node.min_properties is not None and 0 <= size < node.min_properties:
            self.invalid(
                path,
                node.min_properties,
                f"{path} in body should have at least {node.min_properties} properties",
                errs,
            )
            return 0
        if node.max_properties is not None and size > node.max_properties:
            self.invalid(
                path,
                node.max_properties,
                f"{path} in body should have at most {node.max_properties} properties",
                errs,
            )
            return 0
        count = 0
        properties = node.properties or {}
        if node.additional is not None:
            for key, item in value.items():
                if key not in properties:
                    count += self.validate(node.additional, item, _child(path, key), errs)
        for name, child in properties.items():
            if name in value:
                item = value[name]
                if item is None and child.lenient_nulls:
                    continue
                count += self.validate(child, item, _child(path, name), errs)
        for name in () if self.partial else node.required:
            if name not in value or (value[name] is None and node.lenient_nulls):
                errs.append(Violation("FieldValueRequired", _child(path, name)))
        return count


def hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return ("o", tuple(sorted((k, hashable(v)) for k, v in value.items())))
    if isinstance(value, list):
        return ("a", tuple(hashable(v) for v in value))
    return (type(value).__name__, value)


def _unique(values: list[Any]) -> bool:
    seen = set()
    for value in values:
        key = hashable(value)
        if key in seen:
            return False
        seen.add(key)
    return True


_FULL = _Validator()
_PARTIAL = _Validator(partial=True)


def validate_value(
    node: Node, value: Any, path: str = "", *, partial: bool = False
) -> list[Violation]:
    """The OpenAPI validator's violations of ``value`` (``partial``: of a patch's values)."""
    errs: list[Violation] = []
    (_PARTIAL if partial else _FULL).validate(node, value, path, errs)
    return errs
