"""A recursive-descent CEL parser (the grammar of cel-spec's langdef.md) with cel-go's macros.

``parse(source)`` returns the root of an AST (``_ast``) with the standard macros (has, all,
exists, exists_one, map, filter), the two-variable comprehensions (all, exists, existsOne,
transformList, transformMap, transformMapEntry) and the optional macros (optMap, optFlatMap)
expanded into comprehensions as cel-go expands them, so that cost estimation sees the same tree.
"""

from __future__ import annotations

import re
from typing import Callable, NoReturn

from kgen.cel._ast import (
    ACCU,
    Call,
    Comprehension,
    Const,
    CreateList,
    CreateMap,
    CreateStruct,
    Expr,
    Ident,
    Select,
)
from kgen.cel._errors import CompileError, Issue
from kgen.cel._values import UInt

__all__ = ["parse", "RESERVED"]

MAX_RECURSION = 250
MAX_CODE_POINTS = 100_000

RESERVED = frozenset(
    (
        "as break const continue else for function if import let loop package namespace "
        "return var void while"
    ).split()
)

_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\n\r\f]+|//[^\n]*)
  | (?P<float>(?:[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+|\.[0-9]+(?:[eE][+-]?[0-9]+)?))
  | (?P<hexuint>0[xX][0-9a-fA-F]+[uU])
  | (?P<hex>0[xX][0-9a-fA-F]+)
  | (?P<uint>[0-9]+[uU])
  | (?P<int>[0-9]+)
  | (?P<string>(?:[rR][bB]?|[bB][rR]?)?(?:\"\"\"|'''|"|'))
  | (?P<ident>[_a-zA-Z][_a-zA-Z0-9]*)
  | (?P<quoted>`[^`\n]*`)
  | (?P<op>==|!=|<=|>=|&&|\|\||\.\?|[<>!+\-*/%?:.,\[\](){}])
  """,
    re.VERBOSE,
)

_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
    "?": "?",
}


class _Tok:
    __slots__ = ("kind", "text", "value", "offset")

    def __init__(self, kind: str, text: str, value: object, offset: int) -> None:
        self.kind = kind
        self.text = text
        self.value = value
        self.offset = offset


class _SyntaxError(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _unescape(body: str, raw: bool, is_bytes: bool, offset: int) -> str | bytes:
    if raw:
        return body.encode("utf-8") if is_bytes else body
    out_bytes = bytearray()
    out: list[str] = []
    i = 0
    n = len(body)

    def emit_char(ch: str) -> None:
        if is_bytes:
            out_bytes.extend(ch.encode("utf-8"))
        else:
            out.append(ch)

    while i < n:
        c = body[i]
        if c != "\\":
            emit_char(c)
            i += 1
            continue
        if i + 1 >= n:
            raise _SyntaxError(offset, "Syntax error: invalid escape sequence")
        e = body[i + 1]
        if e in _ESCAPES:
            emit_char(_ESCAPES[e])
            i += 2
        elif e in "xX":
            h = body[i + 2 : i + 4]
            if len(h) != 2 or not all(x in "0123456789abcdefABCDEF" for x in h):
                raise _SyntaxError(offset, "Syntax error: invalid hex escape")
            if is_bytes:
                out_bytes.append(int(h, 16))
            else:
                out.append(chr(int(h, 16)))
            i += 4
        elif e in "uU":
            width = 4 if e == "u" else 8
            h = body[i + 2 : i + 2 + width]
            if is_bytes or len(h) != width or not all(x in "0123456789abcdefABCDEF" for x in h):
                raise _SyntaxError(offset, "Syntax error: invalid unicode escape")
            cp = int(h, 16)
            if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                raise _SyntaxError(offset, "Syntax error: invalid unicode code point")
            out.append(chr(cp))
            i += 2 + width
        elif e in "0123":
            o = body[i + 1 : i + 4]
            if len(o) != 3 or not all(x in "01234567" for x in o):
                raise _SyntaxError(offset, "Syntax error: invalid octal escape")
            if is_bytes:
                out_bytes.append(int(o, 8))
            else:
                out.append(chr(int(o, 8)))
            i += 4
        else:
            raise _SyntaxError(offset, f"Syntax error: invalid escape sequence '\\{e}'")
    return bytes(out_bytes) if is_bytes else "".join(out)


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    n = len(src)
    while pos < n:
        m = _TOKEN.match(src, pos)
        if m is None:
            raise _SyntaxError(pos, f"Syntax error: token recognition error at: '{src[pos]}'")
        kind = m.lastgroup
        assert kind is not None
        text = m.group()
        if kind == "ws":
            pos = m.end()
            continue
        if kind == "string":
            prefix = text.rstrip("'\"")
            quote = text[len(prefix) :]
            raw = "r" in prefix.lower()
            is_bytes = "b" in prefix.lower()
            start = m.end()
            if len(quote) == 3:
                end = src.find(quote, start)
                while end != -1 and not raw and _escaped(src, start, end):
                    end = src.find(quote, end + 1)
                if end == -1:
                    raise _SyntaxError(
                        pos, "Syntax error: token recognition error at: " + repr(src[pos:])
                    )
            else:
                end = start
                while True:
                    if end >= n or src[end] in "\n\r":
                        raise _SyntaxError(
                            pos, "Syntax error: token recognition error at: " + repr(src[pos:end])
                        )
                    if src[end] == "\\" and not raw:
                        end += 2
                        continue
                    if src[end] == quote:
                        break
                    end += 1
            body = src[start:end]
            value: object = _unescape(body, raw, is_bytes, pos)
            toks.append(
                _Tok("bytes" if is_bytes else "string", src[pos : end + len(quote)], value, pos)
            )
            pos = end + len(quote)
            continue
        if kind == "float":
            value = float(text)
        elif kind == "hexuint":
            value = int(text[2:-1], 16)
        elif kind == "hex":
            value = int(text[2:], 16)
        elif kind == "uint":
            value = int(text[:-1])
        elif kind == "int":
            value = int(text)
        else:
            value = text
        toks.append(_Tok(kind, text, value, pos))
        pos = m.end()
    toks.append(_Tok("eof", "<EOF>", None, n))
    return toks


def _escaped(src: str, start: int, end: int) -> bool:
    count = 0
    i = end - 1
    while i >= start and src[i] == "\\":
        count += 1
        i -= 1
    return count % 2 == 1


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UINT64_MAX = 2**64 - 1


class _Parser:
    def __init__(self, src: str, macros: bool) -> None:
        self.src = src
        self.toks = _tokenize(src)
        self.i = 0
        self.next_id = 1
        self.depth = 0
        self.macros = macros

    # -- helpers
    def new_id(self) -> int:
        nid = self.next_id
        self.next_id += 1
        return nid

    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def peek(self, k: int = 1) -> _Tok:
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
        raise _SyntaxError(t.offset, msg)

    def expect(self, text: str) -> _Tok:
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
            raise _SyntaxError(
                t.offset, f"Syntax error: extraneous input '{t.text}' expecting <EOF>"
            )
        return e

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_RECURSION:
            raise _SyntaxError(
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
                raise _SyntaxError(t.offset, "Syntax error: invalid int literal")
            return Const(self.new_id(), t.offset, v)
        if k in ("uint", "hexuint"):
            self.i += 1
            v = t.value
            assert isinstance(v, int)
            if v > UINT64_MAX:
                raise _SyntaxError(t.offset, "Syntax error: invalid uint literal")
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
                raise _SyntaxError(t.offset, f"Syntax error: reserved identifier: {name}")
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
            expander = _MACROS.get(key)
            if expander is not None:
                return expander(self, offset, target, args)
        return Call(self.new_id(), offset, name, target, args)

    def ident(self, offset: int, name: str) -> Ident:
        return Ident(self.new_id(), offset, name)

    def call(self, offset: int, fn: str, *args: Expr) -> Call:
        return Call(self.new_id(), offset, fn, None, list(args))

    def var_name(self, e: Expr) -> str:
        if not isinstance(e, Ident) or e.name.startswith("."):
            raise _SyntaxError(e.offset, "Syntax error: argument must be a simple name")
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
            raise _SyntaxError(
                offset, "Syntax error: iteration variable overwrites accumulator variable"
            )
        if v2 is not None and v1 == v2:
            raise _SyntaxError(offset, "Syntax error: duplicate variable name: " + v1)
        return Comprehension(
            self.new_id(), offset, v1, v2, target, ACCU, init, cond, step, result, macro
        )


def _has(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
    arg = args[0]
    if not isinstance(arg, Select) or arg.test_only:
        raise _SyntaxError(arg.offset, "Syntax error: invalid argument to has() macro")
    return Select(p.new_id(), off, arg.operand, arg.field, True)


def _quantifier(kind: str, two: bool) -> Callable[[_Parser, int, Expr | None, list[Expr]], Expr]:
    def expand(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
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


def _map(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
    assert target is not None
    v = p.var_name(args[0])
    fn = args[-1]
    appended: Expr = p.call(
        off, "_+_", p.ident(off, ACCU), CreateList(p.new_id(), off, [fn], frozenset())
    )
    if len(args) == 3:
        appended = p.call(off, "_?_:_", args[1], appended, p.ident(off, ACCU))
    init = CreateList(p.new_id(), off, [], frozenset())
    return p.comprehension(
        off,
        "map",
        target,
        v,
        None,
        init,
        Const(p.new_id(), off, True),
        appended,
        p.ident(off, ACCU),
    )


def _filter(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
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


def _transform_list(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
    assert target is not None
    v1 = p.var_name(args[0])
    v2 = p.var_name(args[1])
    fn = args[-1]
    step: Expr = p.call(
        off, "_+_", p.ident(off, ACCU), CreateList(p.new_id(), off, [fn], frozenset())
    )
    if len(args) == 4:
        step = p.call(off, "_?_:_", args[2], step, p.ident(off, ACCU))
    init = CreateList(p.new_id(), off, [], frozenset())
    return p.comprehension(
        off,
        "transformList",
        target,
        v1,
        v2,
        init,
        Const(p.new_id(), off, True),
        step,
        p.ident(off, ACCU),
    )


def _transform_map(entry: bool) -> Callable[[_Parser, int, Expr | None, list[Expr]], Expr]:
    def expand(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
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


def _bind(p: _Parser, off: int, var: str, init: Expr, body: Expr) -> Expr:
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


def _opt_map(flat: bool) -> Callable[[_Parser, int, Expr | None, list[Expr]], Expr]:
    def expand(p: _Parser, off: int, target: Expr | None, args: list[Expr]) -> Expr:
        assert target is not None
        v = p.var_name(args[0])
        value = Call(p.new_id(), off, "value", target, [])
        bound = _bind(p, off, v, value, args[1])
        if not flat:
            bound = p.call(off, "optional.of", bound)
        has = Call(p.new_id(), off, "hasValue", target, [])
        return p.call(off, "_?_:_", has, bound, p.call(off, "optional.none"))

    return expand


_MACROS: dict[tuple[str, bool, int], Callable[[_Parser, int, Expr | None, list[Expr]], Expr]] = {
    ("has", False, 1): _has,
    ("all", True, 2): _quantifier("all", False),
    ("exists", True, 2): _quantifier("exists", False),
    ("exists_one", True, 2): _quantifier("exists_one", False),
    ("all", True, 3): _quantifier("all", True),
    ("exists", True, 3): _quantifier("exists", True),
    ("existsOne", True, 3): _quantifier("exists_one", True),
    ("map", True, 2): _map,
    ("map", True, 3): _map,
    ("filter", True, 2): _filter,
    ("transformList", True, 3): _transform_list,
    ("transformList", True, 4): _transform_list,
    ("transformMap", True, 3): _transform_map(False),
    ("transformMap", True, 4): _transform_map(False),
    ("transformMapEntry", True, 3): _transform_map(True),
    ("transformMapEntry", True, 4): _transform_map(True),
    ("optMap", True, 2): _opt_map(False),
    ("optFlatMap", True, 2): _opt_map(True),
}


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
    except _SyntaxError as err:
        raise CompileError(source, [Issue(err.offset, err.message)]) from None
    except RecursionError:
        raise CompileError(
            source,
            [Issue(0, f"Syntax error: expression recursion limit exceeded: {MAX_RECURSION}")],
        ) from None
    return e, p.next_id
