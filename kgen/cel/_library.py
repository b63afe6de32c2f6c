"""Function declarations: overloads with their types, implementations and runtime costs."""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable

from kgen.cel._errors import EvalError
from kgen.cel._types import Type
from kgen.cel._values import Optional, Timestamp, TypeValue, Duration, UInt

__all__ = [
    "Library",
    "Overload",
    "accepts",
    "actual_size",
    "constant_cost",
    "first_argument_cost",
    "regex_cost",
    "runtime_matches",
    "traversal",
]

STRING_TRAVERSAL_COST_FACTOR = 0.1
REGEX_STRING_LENGTH_COST_FACTOR = 0.25

RuntimeCost = Callable[[list[Any], Any], "int | None"]


class Overload:
    """One overload of a function: ``params`` include the receiver of a member function."""

    __slots__ = ("id", "member", "params", "result", "impl", "cost", "strict")

    def __init__(
        self,
        id: str,
        member: bool,
        params: tuple[Type, ...],
        result: Type,
        impl: Callable[..., Any] | None,
        cost: RuntimeCost | None = None,
        strict: bool = True,
    ) -> None:
        self.id = id
        self.member = member
        self.params = params
        self.result = result
        self.impl = impl
        self.cost = cost
        self.strict = strict


class Library:
    """Function name → overloads."""

    def __init__(self) -> None:
        self.functions: dict[str, list[Overload]] = {}

    def add(
        self,
        name: str,
        id: str,
        params: Iterable[Type],
        result: Type,
        impl: Callable[..., Any] | None,
        *,
        member: bool = False,
        cost: RuntimeCost | None = None,
    ) -> None:
        self.functions.setdefault(name, []).append(
            Overload(id, member, tuple(params), result, impl, cost)
        )

    def member(
        self,
        name: str,
        id: str,
        params: Iterable[Type],
        result: Type,
        impl: Callable[..., Any] | None,
        *,
        cost: RuntimeCost | None = None,
    ) -> None:
        self.add(name, id, params, result, impl, member=True, cost=cost)

    def extend(self, other: Library) -> None:
        for name, ovs in other.functions.items():
            self.functions.setdefault(name, []).extend(ovs)


def accepts(parse: Callable[..., Any]) -> Callable[..., bool]:
    """The ``isX(s)`` of a conversion ``x(s)``: does ``parse`` take its arguments without an error?"""

    def predicate(*args: Any) -> bool:
        try:
            parse(*args)
        except EvalError:
            return False
        return True

    return predicate


def actual_size(v: Any) -> int:
    """cel-go's actualSize: the size of a sizer value (string, bytes, list, map), else 1."""
    if isinstance(v, str):
        return len(v)
    if isinstance(v, (bytes, list, dict)):
        return len(v)
    return 1


def traversal(v: Any, factor: float = STRING_TRAVERSAL_COST_FACTOR) -> int:
    return int(math.ceil(actual_size(v) * factor))


def first_argument_cost(args: list[Any], result: Any) -> int:
    """A traversal of the first argument (or receiver): a string read once."""
    return traversal(args[0])


def constant_cost(args: list[Any], result: Any) -> int:
    return 1


def regex_cost(args: list[Any], result: Any) -> int:
    """Matching a string against a pattern (matches, find, findAll): the string's traversal times
    the pattern's size."""
    str_cost = int(math.ceil((1.0 + actual_size(args[0])) * STRING_TRAVERSAL_COST_FACTOR))
    regex_cost = int(math.ceil(actual_size(args[1]) * REGEX_STRING_LENGTH_COST_FACTOR))
    return str_cost * regex_cost


def runtime_matches(t: Type, v: Any) -> bool:
    """Does the value ``v`` belong to the (checked) type ``t``? Used to pick an overload at run time."""
    k = t.kind
    tv = type(v)
    if k == "dyn" or k == "param" or k == "error":
        return True
    if k == "int":
        return tv is int
    if k == "string":
        return tv is str
    if k == "double":
        return tv is float
    if k == "bool":
        return tv is bool
    if k == "uint":
        return tv is UInt
    if k == "list":
        return isinstance(v, list)
    if k == "map" or k == "object":
        return isinstance(v, dict)
    if k == "bytes":
        return tv is bytes
    if k == "null":
        return v is None
    if k == "timestamp":
        return tv is Timestamp
    if k == "duration":
        return tv is Duration
    if k == "type":
        return tv is TypeValue
    if k == "opaque":
        if t.name == "optional_type":
            return tv is Optional
        return getattr(v, "cel_type_name", None) == t.name
    return False
