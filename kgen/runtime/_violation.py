"""One violation of a schema, as ``k8s.io/apimachinery/pkg/util/validation/field.Error`` prints it.

The schema engine (:mod:`kgen.schema`) reports every violation it finds as a :class:`Violation`: the
field path, the error type (the StatusCause ``reason``: ``FieldValueInvalid``, ``FieldValueRequired``...),
the bad value and the detail. ``str(violation)`` is the line kube-apiserver writes into an Invalid
Status message, and :meth:`Violation.cause` its StatusCause. Values are printed as Go prints them:
``%q`` for strings, ``%v`` for numbers (floats in Go's shortest form: ``1e+06``, ``0.5``) and ``%#v``
for maps and lists (``map[string]interface {}{"k":"a"}``). No I/O, no imports beyond the standard library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["GoLiteral", "Violation", "bad_value_text", "go_float", "go_q", "go_sharp_v", "go_v"]

# field.ErrorType: the reason of a StatusCause and how a message names it.
_TYPES = {
    "FieldValueNotFound": "Not found",
    "FieldValueRequired": "Required value",
    "FieldValueDuplicate": "Duplicate value",
    "FieldValueInvalid": "Invalid value",
    "FieldValueNotSupported": "Unsupported value",
    "FieldValueForbidden": "Forbidden",
    "FieldValueTooLong": "Too long",
    "FieldValueTooMany": "Too many",
    "InternalError": "Internal error",
    "FieldValueTypeInvalid": "Invalid value",
}
# Types whose message does not show the bad value (field.Error.ErrorBody).
_NO_VALUE = frozenset(
    {"FieldValueRequired", "FieldValueForbidden", "FieldValueTooLong", "InternalError"}
)
_NAMED_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


class GoLiteral(str):
    """A value already written as Go prints it (``[]string{"a"}``): shown as is, never quoted."""


def go_q(text: str) -> str:
    """Go's ``%q`` (strconv.Quote): printable runes as they are, the rest escaped."""
    out = ['"']
    for char in text:
        escaped = _NAMED_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char == " " or char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            if code < 0x80:
                out.append(f"\\x{code:02x}")
            elif code <= 0xFFFF:
                out.append(f"\\u{code:04x}")
            else:
                out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def go_float(value: float) -> str:
    """Go's ``%v`` of a float64: the shortest digits, in exponent form below 1e-4 and from 1e+06."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(str(d) for d in digit_tuple)
    point = len(digits) + exponent  # the decimal point's position in ``digits``
    minus = "-" if sign else ""
    x = point - 1
    if x < -4 or x >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{minus}{mantissa}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return minus + digits + "0" * (point - len(digits))
    return f"{minus}{digits[:point]}.{digits[point:]}"


def go_v(value: Any) -> str:
    """Go's ``%v`` of a JSON number or boolean (what field.Error prints for simple types)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def go_sharp_v(value: Any) -> str:
    """Go's ``%#v`` of a JSON value decoded into ``interface{}``."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, str):
        return go_q(value)
    if isinstance(value, (bool, int, float)):
        return go_v(value)
    if isinstance(value, dict):
        items = ", ".join(f"{go_q(str(k))}:{go_sharp_v(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + items + "}"
    if isinstance(value, (list, tuple)):
        return "[]interface {}{" + ", ".join(go_sharp_v(v) for v in value) + "}"
    return go_q(str(value))


def bad_value_text(value: Any) -> str:
    """How field.Error prints a bad value: ``%q`` for strings, ``%v`` for numbers and booleans, ``%#v``
    for the rest; nil is the string ``"null"``, quoted."""
    if isinstance(value, GoLiteral):
        return str(value)
    if value is None:
        return '"null"'
    if isinstance(value, str):
        return go_q(value)
    if isinstance(value, (bool, int, float)):
        return go_v(value)
    return go_sharp_v(value)


@dataclass(frozen=True, slots=True)
class Violation:
    """One field error: ``type`` is the StatusCause reason (``FieldValueInvalid``...), ``field`` the
    path (``spec.replicas``, ``spec.ports[0].name``; ``<nil>`` for a composite schema error),
    ``bad_value`` the value shown (absent for Required, Forbidden, TooLong) and ``detail`` the rest.
    """

    type: str
    field: str
    bad_value: Any = None
    detail: str = ""

    def body(self) -> str:
        """The message without the field: ``Invalid value: 7: must be less than 5``."""
        text = _TYPES.get(self.type, self.type)
        if self.type not in _NO_VALUE:
            text = f"{text}: {bad_value_text(self.bad_value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field or '<nil>'}: {self.body()}"

    def cause(self) -> dict[str, str]:
        """The StatusCause kube-apiserver sends for it."""
        return {"reason": self.type, "message": self.body(), "field": self.field or "<nil>"}
