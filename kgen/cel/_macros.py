"""cel-go's macros, expanded at parse time as cel-go expands them (so that cost estimation sees the
same tree): has, all, exists, exists_one, map, filter, the two-variable comprehensions (all,
exists, existsOne, transformList, transformMap, transformMapEntry) and the optional macros (optMap,
optFlatMap). ``Builder`` makes the nodes; the parser is one."""

from __future__ import annotations

from typing import Callable

from kgen.cel._ast import (
    ACCU,
    Call,
    Comprehension,
    Const,
    CreateList,
    CreateMap,
    Expr,
    Ident,
    Select,
)
from kgen.cel._lexer import ParseError

__all__ = ["MACROS", "Builder"]


class Builder:
    """Nodes of the AST, numbered in the order they are made."""

    def __init__(self) -> None:
        self.next_id = 1

    def new_id(self) -> int:
        nid = self.next_id
        self.next_id += 1
        return nid

    def ident(self, offset: int, name: str) -> Ident:
        return Ident(self.new_id(), offset, name)

    def call(self, offset: int, fn: str, *args: Expr) -> Call:
        return Call(self.new_id(), offset, fn, None, list(args))

    def var_name(self, e: Expr) -> str:
        if not isinstance(e, Ident) or e.name.startswith("."):
            raise ParseError(e.offset, "Syntax error: argument must be a simple name")
        return e.name

    def comprehension(
        self,
        offset: int,
        macro: str,
        target: Expr,
        v1: str,
        v2: str | None,
        init: Expr,
        cond: Expr,
        step: Expr,
        result: Expr,
    ) -> Comprehension:
        if v1 == ACCU or v2 == ACCU:
            raise ParseError(
                offset, "Syntax error: iteration variable overwrites accumulator variable"
            )
        if v2 is not None and v1 == v2:
            raise ParseError(offset, "Syntax error: duplicate variable name: " + v1)
        return Comprehension(
            self.new_id(), offset, v1, v2, target, ACCU, init, cond, step, result, macro
        )


# A macro expands a call (its offset, target and arguments) into the nodes it stands for.
Macro = Callable[[Builder, int, Expr | None, list[Expr]], Expr]


def _has(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
    arg = args[0]
    if not isinstance(arg, Select) or arg.test_only:
        raise ParseError(arg.offset, "Syntax error: invalid argument to has() macro")
    return Select(p.new_id(), off, arg.operand, arg.field, True)


def _quantifier(kind: str, two: bool) -> Macro:
    def expand(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
        assert target is not None
        v1 = p.var_name(args[0])
        v2 = p.var_name(args[1]) if two else None
        pred = args[-1]
        if kind == "all":
            init: Expr = Const(p.new_id(), off, True)
            cond: Expr = p.call(off, "@not_strictly_false", p.ident(off, ACCU))
            step: Expr = p.call(off, "_&&_", p.ident(off, ACCU), pred)
            result: Expr = p.ident(off, ACCU)
        elif kind == "exists":
            init = Const(p.new_id(), off, False)
            cond = p.call(off, "@not_strictly_false", p.call(off, "!_", p.ident(off, ACCU)))
            step = p.call(off, "_||_", p.ident(off, ACCU), pred)
            result = p.ident(off, ACCU)
        else:  # exists_one
            init = Const(p.new_id(), off, 0)
            cond = Const(p.new_id(), off, True)
            step = p.call(
                off,
                "_?_:_",
                pred,
                p.call(off, "_+_", p.ident(off, ACCU), Const(p.new_id(), off, 1)),
                p.ident(off, ACCU),
            )
            result = p.call(off, "_==_", p.ident(off, ACCU), Const(p.new_id(), off, 1))
        return p.comprehension(off, kind, target, v1, v2, init, cond, step, result)

    return expand


def _map_list(two: bool) -> Macro:
    """map (one variable) and transformList (two): fn of each element, of those the filter keeps."""
    name = "transformList" if two else "map"

    def expand(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
        assert target is not None
        v1 = p.var_name(args[0])
        v2 = p.var_name(args[1]) if two else None
        fn = args[-1]
        step: Expr = p.call(
            off, "_+_", p.ident(off, ACCU), CreateList(p.new_id(), off, [fn], frozenset())
        )
        if len(args) == (4 if two else 3):
            step = p.call(off, "_?_:_", args[-2], step, p.ident(off, ACCU))
        init = CreateList(p.new_id(), off, [], frozenset())
        return p.comprehension(
            off, name, target, v1, v2, init, Const(p.new_id(), off, True), step, p.ident(off, ACCU)
        )

    return expand


def _filter(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
    assert target is not None
    v = p.var_name(args[0])
    appended = p.call(
        off,
        "_+_",
        p.ident(off, ACCU),
        CreateList(p.new_id(), off, [p.ident(off, v)], frozenset()),
    )
    step = p.call(off, "_?_:_", args[1], appended, p.ident(off, ACCU))
    init = CreateList(p.new_id(), off, [], frozenset())
    return p.comprehension(
        off, "filter", target, v, None, init, Const(p.new_id(), off, True), step, p.ident(off, ACCU)
    )


def _transform_map(entry: bool) -> Macro:
    def expand(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
        assert target is not None
        v1 = p.var_name(args[0])
        v2 = p.var_name(args[1])
        fn = args[-1]
        if entry:
            step: Expr = p.call(off, "cel.@mapInsert", p.ident(off, ACCU), fn)
        else:
            step = p.call(off, "cel.@mapInsert", p.ident(off, ACCU), p.ident(off, v1), fn)
        if len(args) == 4:
            step = p.call(off, "_?_:_", args[2], step, p.ident(off, ACCU))
        init = CreateMap(p.new_id(), off, [])
        name = "transformMapEntry" if entry else "transformMap"
        return p.comprehension(
            off, name, target, v1, v2, init, Const(p.new_id(), off, True), step, p.ident(off, ACCU)
        )

    return expand


def _bind(p: Builder, off: int, var: str, init: Expr, body: Expr) -> Expr:
    return Comprehension(
        p.new_id(),
        off,
        "#unused",
        None,
        CreateList(p.new_id(), off, [], frozenset()),
        var,
        init,
        Const(p.new_id(), off, False),
        p.ident(off, var),
        body,
        "bind",
    )


def _opt_map(flat: bool) -> Macro:
    def expand(p: Builder, off: int, target: Expr | None, args: list[Expr]) -> Expr:
        assert target is not None
        v = p.var_name(args[0])
        value = Call(p.new_id(), off, "value", target, [])
        bound = _bind(p, off, v, value, args[1])
        if not flat:
            bound = p.call(off, "optional.of", bound)
        has = Call(p.new_id(), off, "hasValue", target, [])
        return p.call(off, "_?_:_", has, bound, p.call(off, "optional.none"))

    return expand


MACROS: dict[tuple[str, bool, int], Macro] = {
    ("has", False, 1): _has,
    ("all", True, 2): _quantifier("all", False),
    ("exists", True, 2): _quantifier("exists", False),
    ("exists_one", True, 2): _quantifier("exists_one", False),
    ("all", True, 3): _quantifier("all", True),
    ("exists", True, 3): _quantifier("exists", True),
    ("existsOne", True, 3): _quantifier("exists_one", True),
    ("map", True, 2): _map_list(False),
    ("map", True, 3): _map_list(False),
    ("filter", True, 2): _filter,
    ("transformList", True, 3): _map_list(True),
    ("transformList", True, 4): _map_list(True),
    ("transformMap", True, 3): _transform_map(False),
    ("transformMap", True, 4): _transform_map(False),
    ("transformMapEntry", True, 3): _transform_map(True),
    ("transformMapEntry", True, 4): _transform_map(True),
    ("optMap", True, 2): _opt_map(False),
    ("optFlatMap", True, 2): _opt_map(True),
}
