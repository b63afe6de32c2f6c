"""A recursive-descent CEL parser (the grammar of cel-spec's langdef.md) with cel-go's macros.

``parse(source)`` returns the root of an AST (``_ast``): the tokens come from :mod:`kgen.cel._lexer`,
and calls of a macro (has, all, exists, map, filter, the two-variable comprehensions, optMap...) are
expanded into comprehensions by :mod:`kgen.cel._macros`, as cel-go expands them.
"""

from __future__ import annotations

from typing import NoReturn

from kgen.cel._ast import (
    Call,
    Const,
    CreateList,
    CreateMap,
    CreateStruct,
    Expr,
    Ident,
    Select,
)
from kgen.cel._errors import CompileError, Issue
from kgen.cel._lexer import RESERVED, ParseError, Token, tokenize
from kgen.cel._macros import MACROS, Builder
from kgen.cel._values import INT64_MAX, INT64_MIN, UINT64_MAX, UInt

__all__ = ["parse"]

MAX_RECURSION = 250
MAX_CODE_POINTS = 100_000


class _Parser(Builder):
    def __init__(self, src: str, macros: bool) -> None:
        super().__init__()
        self.src = src
        self.toks = tokenize(src)
        self.i = 0
        self.depth = 0
        self.macros = macros

    # -- helpers
    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> Token:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def is_op(self, text: str) -> bool:
        t = self.toks[self.i]
        return t.kind == "op" and t.text == text

    def accept(self, text: str) -> bool:
        if self.is_op(text):
            self.i += 1
            return True
        return False

    def fail(self, expecting: str | None = None) -> NoReturn:
        t = self.tok
        if t.kind == "eof":
            msg = "Syntax error: mismatched input '<EOF>'"
        else:
            msg = f"Syntax error: mismatched input '{t.text}'"
        if expecting:
            msg += f" expecting {expecting}"
        raise ParseError(t.offset, msg)

    def expect(self, text: str) -> Token:
        if not self.is_op(text):
            self.fail(f"'{text}'")
        t = self.tok
        self.i += 1
        return t

    # -- grammar
    def parse(self) -> Expr:
        e = self.expr()
        if self.tok.kind != "eof":
            t = self.tok
            raise ParseError(t.offset, f"Syntax error: extraneous input '{t.text}' expecting <EOF>")
        return e

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_RECURSION:
            raise ParseError(
                self.tok.offset,
                f"Syntax error: expression recursion limit exceeded: {MAX_RECURSION}",
            )
        try:
            cond = self.or_()
            if self.is_op("?"):
                off = self.tok.offset
                self.i += 1
                t = self.or_()
                self.expect(":")
                f = self.expr()
                return Call(self.new_id(), off, "_?_:_", None, [cond, t, f])
            return cond
        finally:
            self.depth -= 1

    def or_(self) -> Expr:
        e = self.and_()
        while self.is_op("||"):
            off = self.tok.offset
            self.i += 1
            r = self.and_()
            e = Call(self.new_id(), off, "_||_", None, [e, r])
        return e

    def and_(self) -> Expr:
        e = self.relation()
        while self.is_op("&&"):
            off = self.tok.offset
            self.i += 1
            r = self.relation()
            e = Call(self.new_id(), off, "_&&_", None, [e, r])
        return e

    _REL = {"<": "_<_", "<=": "_<=_", ">": "_>_", ">=": "_>=_", "==": "_==_", "!=": "_!=_"}

    def relation(self) -> Expr:
        e = self.addition()
        while True:
            t = self.tok
            if t.kind == "op" and t.text in self._REL:
                fn = self._REL[t.text]
            elif t.kind == "ident" and t.text == "in":
                fn = "@in"
            else:
                return e
            self.i += 1
            r = self.addition()
            e = Call(self.new_id(), t.offset, fn, None, [e, r])

    def addition(self) -> Expr:
        e = self.multiplication()
        while self.is_op("+") or self.is_op("-"):
            t = self.tok
            self.i += 1
            r = self.multiplication()
            e = Call(self.new_id(), t.offset, "_+_" if t.text == "+" else "_-_", None, [e, r])
        return e

    _MUL = {"*": "_*_", "/": "_/_", "%": "_%_"}

    def multiplication(self) -> Expr:
        e = self.unary()
        while self.tok.kind == "op" and self.tok.text in self._MUL:
            t = self.tok
            self.i += 1
            r = self.unary()
            e = Call(self.new_id(), t.offset, self._MUL[t.text], None, [e, r])
        return e

    def unary(self) -> Expr:
        t = self.tok
        if self.is_op("!"):
            count = 0
            while self.is_op("!"):
                count += 1
                self.i += 1
            e = self.member()
            if count % 2 == 0:
                return e
            return Call(self.new_id(), t.offset, "!_", None, [e])
        if self.is_op("-"):
            count = 0
            while self.is_op("-"):
                count += 1
                self.i += 1
            nxt = self.tok
            if nxt.kind in ("int", "hex", "float") and count >= 1:
                # A negative literal: '-' NUM is one literal in the grammar.
                count -= 1
                e = self.member(negate_literal=True)
            else:
                e = self.member()
            if count % 2 == 0:
                return e
            return Call(self.new_id(), t.offset, "-_", None, [e])
        return self.member()

    def member(self, negate_literal: bool = False) -> Expr:
        e = self.primary(negate_literal)
        while True:
            t = self.tok
            if self.is_op(".") or self.is_op(".?"):
                optional = t.text == ".?"
                self.i += 1
                name_tok = self.tok
                if name_tok.kind == "quoted":
                    self.i += 1
                    name = name_tok.text[1:-1]
                    if optional:
                        e = Call(
                            self.new_id(),
                            t.offset,
                            "_?._",
                            None,
                            [e, Const(self.new_id(), name_tok.offset, name)],
                        )
                    else:
                        e = Select(self.new_id(), t.offset, e, name, False)
                    continue
                if name_tok.kind != "ident":
                    self.fail("IDENTIFIER")
                self.i += 1
                name = name_tok.text
                if not optional and self.is_op("("):
                    self.i += 1
                    args = self.args(")")
                    e = self.make_call(name_tok.offset, name, e, args)
                elif optional:
                    e = Call(
                        self.new_id(),
                        t.offset,
                        "_?._",
                        None,
                        [e, Const(self.new_id(), name_tok.offset, name)],
                    )
                else:
                    e = Select(self.new_id(), t.offset, e, name, False)
            elif self.is_op("["):
                self.i += 1
                optional = self.accept("?")
                idx = self.expr()
                self.expect("]")
                e = Call(self.new_id(), t.offset, "_[?_]" if optional else "_[_]", None, [e, idx])
            elif self.is_op("{") and self.is_type_name(e):
                e = self.struct(e)
            else:
                return e

    @staticmethod
    def is_type_name(e: Expr) -> bool:
        while isinstance(e, Select) and not e.test_only:
            e = e.operand
        return isinstance(e, Ident)

    def struct(self, e: Expr) -> Expr:
        parts: list[str] = []
        node = e
        while isinstance(node, Select):
            parts.append(node.field)
            node = node.operand
        assert isinstance(node, Ident)
        parts.append(node.name)
        name = ".".join(reversed(parts))
        off = self.tok.offset
        self.expect("{")
        fields: list[tuple[str, Expr, bool]] = []
        while not self.is_op("}"):
            optional = self.accept("?")
            ft = self.tok
            if ft.kind != "ident":
                self.fail("IDENTIFIER")
            self.i += 1
            self.expect(":")
            fields.append((ft.text, self.expr(), optional))
            if not self.accept(","):
                break
        self.expect("}")
        return CreateStruct(self.new_id(), off, name, fields)

    def args(self, close: str) -> list[Expr]:
        out: list[Expr] = []
        if self.accept(close):
            return out
        while True:
            out.append(self.expr())
            if self.accept(","):
                if self.accept(close):
                    return out
                continue
            self.expect(close)
            return out

    def primary(self, negate_literal: bool = False) -> Expr:
        t = self.tok
        k = t.kind
        if k in ("int", "hex"):
            self.i += 1
            v = -t.value if negate_literal else t.value  # type: ignore[operator]
            assert isinstance(v, int)
            if v < INT64_MIN or v > INT64_MAX:
                raise ParseError(t.offset, "Syntax error: invalid int literal")
            return Const(self.new_id(), t.offset, v)
        if k in ("uint", "hexuint"):
            self.i += 1
            v = t.value
            assert isinstance(v, int)
            if v > UINT64_MAX:
                raise ParseError(t.offset, "Syntax error: invalid uint literal")
            return Const(self.new_id(), t.offset, UInt(v))
        if k == "float":
            self.i += 1
            f = t.value
            assert isinstance(f, float)
            return Const(self.new_id(), t.offset, -f if negate_literal else f)
        if k in ("string", "bytes"):
            self.i += 1
            return Const(self.new_id(), t.offset, t.value)
        if k == "ident":
            name = t.text
            if name == "true" or name == "false":
                self.i += 1
                return Const(self.new_id(), t.offset, name == "true")
            if name == "null":
                self.i += 1
                return Const(self.new_id(), t.offset, None)
            if name in RESERVED or name == "in":
                raise ParseError(t.offset, f"Syntax error: reserved identifier: {name}")
            self.i += 1
            if self.is_op("("):
                self.i += 1
                args = self.args(")")
                return self.make_call(t.offset, name, None, args)
            return Ident(self.new_id(), t.offset, name)
        if k == "op":
            if t.text == ".":
                # a leading dot: an absolute name
                self.i += 1
                nt = self.tok
                if nt.kind != "ident":
                    self.fail("IDENTIFIER")
                self.i += 1
                if self.is_op("("):
                    self.i += 1
                    args = self.args(")")
                    return self.make_call(nt.offset, "." + nt.text, None, args)
                return Ident(self.new_id(), nt.offset, "." + nt.text)
            if t.text == "(":
                self.i += 1
                e = self.expr()
                self.expect(")")
                return e
            if t.text == "[":
                self.i += 1
                elems: list[Expr] = []
                opt: set[int] = set()
                while not self.is_op("]"):
                    if self.accept("?"):
                        opt.add(len(elems))
                    elems.append(self.expr())
                    if not self.accept(","):
                        break
                self.expect("]")
                return CreateList(self.new_id(), t.offset, elems, frozenset(opt))
            if t.text == "{":
                self.i += 1
                entries: list[tuple[Expr, Expr, bool]] = []
                while not self.is_op("}"):
                    optional = self.accept("?")
                    key = self.expr()
                    self.expect(":")
                    val = self.expr()
                    entries.append((key, val, optional))
                    if not self.accept(","):
                        break
                self.expect("}")
                return CreateMap(self.new_id(), t.offset, entries)
        self.fail()

    # -- macros
    def make_call(self, offset: int, name: str, target: Expr | None, args: list[Expr]) -> Expr:
        if self.macros:
            key = (name, target is not None, len(args))
            expander = MACROS.get(key)
            if expander is not None:
                return expander(self, offset, target, args)
        return Call(self.new_id(), offset, name, target, args)


def parse(source: str, macros: bool = True) -> tuple[Expr, int]:
    """Parse ``source``; return the AST and the next free node id. Raises CompileError."""
    if len(source) > MAX_CODE_POINTS:
        raise CompileError(
            source,
            [
                Issue(
                    0,
                    f"expression code point size exceeds limit: size: {len(source)}, limit {MAX_CODE_POINTS}",
                )
            ],
        )
    try:
        p = _Parser(source, macros)
        e = p.parse()
    except ParseError as err:
        raise CompileError(source, [Issue(err.offset, err.message)]) from None
    except RecursionError:
        raise CompileError(
            source,
            [Issue(0, f"Syntax error: expression recursion limit exceeded: {MAX_RECURSION}")],
        ) from None
    return e, p.next_id
