"""The CEL abstract syntax tree, shaped as cel-go's (macros are expanded into comprehensions).

Every node has an ``id`` unique in its expression; the checker keys types and overloads by it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ACCU",
    "Call",
    "Comprehension",
    "Const",
    "CreateList",
    "CreateMap",
    "CreateStruct",
    "Expr",
    "Ident",
    "Select",
]

# The accumulator variable of the macros (cel-go's parser.AccumulatorName).
ACCU = "@result"


class Expr:
    __slots__ = ("id", "offset")

    def __init__(self, id: int, offset: int) -> None:
        self.id = id
        self.offset = offset

    def children(self) -> list[Expr]:
        return []


class Const(Expr):
    __slots__ = ("value",)

    def __init__(self, id: int, offset: int, value: Any) -> None:
        super().__init__(id, offset)
        self.value = value


class Ident(Expr):
    __slots__ = ("name",)

    def __init__(self, id: int, offset: int, name: str) -> None:
        super().__init__(id, offset)
        self.name = name


class Select(Expr):
    __slots__ = ("operand", "field", "test_only")

    def __init__(self, id: int, offset: int, operand: Expr, field: str, test_only: bool) -> None:
        super().__init__(id, offset)
        self.operand = operand
        self.field = field
        self.test_only = test_only

    def children(self) -> list[Expr]:
        return [self.operand]


class Call(Expr):
    __slots__ = ("function", "target", "args")

    def __init__(
        self, id: int, offset: int, function: str, target: Expr | None, args: list[Expr]
    ) -> None:
        super().__init__(id, offset)
        self.function = function
        self.target = target
        self.args = args

    def children(self) -> list[Expr]:
        return ([self.target] if self.target is not None else []) + list(self.args)


class CreateList(Expr):
    __slots__ = ("elements", "optional_indices")

    def __init__(
        self, id: int, offset: int, elements: list[Expr], optional_indices: frozenset[int]
    ) -> None:
        super().__init__(id, offset)
        self.elements = elements
        self.optional_indices = optional_indices

    def children(self) -> list[Expr]:
        return list(self.elements)


class CreateMap(Expr):
    __slots__ = ("entries",)

    def __init__(self, id: int, offset: int, entries: list[tuple[Expr, Expr, bool]]) -> None:
        super().__init__(id, offset)
        self.entries = entries

    def children(self) -> list[Expr]:
        out: list[Expr] = []
        for k, v, _ in self.entries:
            out += [k, v]
        return out


class CreateStruct(Expr):
    __slots__ = ("type_name", "fields")

    def __init__(
        self, id: int, offset: int, type_name: str, fields: list[tuple[str, Expr, bool]]
    ) -> None:
        super().__init__(id, offset)
        self.type_name = type_name
        self.fields = fields

    def children(self) -> list[Expr]:
        return [v for _, v, _ in self.fields]


class Comprehension(Expr):
    __slots__ = (
        "iter_var",
        "iter_var2",
        "iter_range",
        "accu_var",
        "accu_init",
        "loop_cond",
        "loop_step",
        "result",
        "macro",
    )

    def __init__(
        self,
        id: int,
        offset: int,
        iter_var: str,
        iter_var2: str | None,
        iter_range: Expr,
        accu_var: str,
        accu_init: Expr,
        loop_cond: Expr,
        loop_step: Expr,
        result: Expr,
        macro: str,
    ) -> None:
        super().__init__(id, offset)
        self.iter_var = iter_var
        self.iter_var2 = iter_var2
        self.iter_range = iter_range
        self.accu_var = accu_var
        self.accu_init = accu_init
        self.loop_cond = loop_cond
        self.loop_step = loop_step
        self.result = result
        self.macro = macro

    def children(self) -> list[Expr]:
        return [
            self.iter_range,
            self.accu_init,
            self.loop_cond,
            self.loop_step,
            self.result,
        ]
