"""Kubernetes' quantity library: quantity, isQuantity and the arithmetic and comparisons of
resource.Quantity. A quantity is read by the runtime's one reading of it
(:func:`kgen.runtime._types.quantity_value`, apimachinery's ParseQuantity, with its messages)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._library import Library, accepts, first_argument_cost
from kgen.cel._types import BOOL, DOUBLE, INT, STRING, opaque
from kgen.runtime._types import EXACT, quantity_value

__all__ = ["QUANTITY", "Quantity", "register"]

QUANTITY = opaque("kubernetes.Quantity")


class Quantity:
    cel_type_name = "kubernetes.Quantity"
    __slots__ = ("value", "text")

    def __init__(self, value: Decimal, text: str | None = None) -> None:
        self.value = value
        self.text = text  # None: the result of arithmetic, written as its exact fraction

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Quantity) and other.value == self.value

    def __hash__(self) -> int:
        return hash(self.value)

    def cel_string(self) -> str:
        return self.text if self.text is not None else str(Fraction(self.value))


def _parse_quantity(s: str) -> Quantity:
    try:
        return Quantity(quantity_value(s), s)
    except ValueError as err:
        raise EvalError(str(err)) from None


def _sign(q: Quantity) -> int:
    return (q.value > 0) - (q.value < 0)


def _is_integer(q: Quantity) -> bool:
    return q.value == q.value.to_integral_value() and -(2**63) <= q.value <= 2**63 - 1


def _as_integer(q: Quantity) -> int:
    if not _is_integer(q):
        raise EvalError("cannot convert value to integer")
    return int(q.value)


def _operand(other: Any) -> Decimal:
    return other.value if isinstance(other, Quantity) else Decimal(other)


def _add(q: Quantity, other: Any) -> Quantity:
    return Quantity(EXACT.add(q.value, _operand(other)))


def _sub(q: Quantity, other: Any) -> Quantity:
    return Quantity(EXACT.subtract(q.value, _operand(other)))


def register(lib: Library) -> None:
    lib.add(
        "quantity",
        "string_to_quantity",
        (STRING,),
        QUANTITY,
        _parse_quantity,
        cost=first_argument_cost,
    )
    lib.add(
        "isQuantity",
        "is_quantity_string",
        (STRING,),
        BOOL,
        accepts(_parse_quantity),
        cost=first_argument_cost,
    )
    lib.member("sign", "quantity_sign", (QUANTITY,), INT, _sign)
    lib.member("isInteger", "quantity_is_integer", (QUANTITY,), BOOL, _is_integer)
    lib.member("asInteger", "quantity_get_integer", (QUANTITY,), INT, _as_integer)
    lib.member(
        "asApproximateFloat", "quantity_get_float", (QUANTITY,), DOUBLE, lambda q: float(q.value)
    )
    lib.member("add", "quantity_add", (QUANTITY, QUANTITY), QUANTITY, _add)
    lib.member("add", "quantity_add_int", (QUANTITY, INT), QUANTITY, _add)
    lib.member("sub", "quantity_sub", (QUANTITY, QUANTITY), QUANTITY, _sub)
    lib.member("sub", "quantity_sub_int", (QUANTITY, INT), QUANTITY, _sub)
    lib.member(
        "isLessThan", "quantity_less", (QUANTITY, QUANTITY), BOOL, lambda a, b: a.value < b.value
    )
    lib.member(
        "isGreaterThan",
        "quantity_greater",
        (QUANTITY, QUANTITY),
        BOOL,
        lambda a, b: a.value > b.value,
    )
    lib.member(
        "compareTo",
        "quantity_compare_to",
        (QUANTITY, QUANTITY),
        INT,
        lambda a, b: (a.value > b.value) - (a.value < b.value),
    )
