"""The CEL lexer: tokens of cel-spec's grammar (langdef.md), string and bytes literals unescaped,
with cel-go's syntax error messages."""

from __future__ import annotations

import re

__all__ = ["RESERVED", "ParseError", "Token", "tokenize"]

# Identifiers the grammar reserves (true, false, null and in are reserved as literals and operators).
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


class Token:
    __slots__ = ("kind", "text", "value", "offset")

    def __init__(self, kind: str, text: str, value: object, offset: int) -> None:
        self.kind = kind
        self.text = text
        self.value = value
        self.offset = offset


class ParseError(Exception):
    """A syntax error at ``offset``, worded as cel-go words it."""

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

    def emit_code(code: int) -> None:
        # \x and octal escapes: a byte in bytes, a code point in a string
        if is_bytes:
            out_bytes.append(code)
        else:
            out.append(chr(code))

    while i < n:
        c = body[i]
        if c != "\\":
            emit_char(c)
            i += 1
            continue
        if i + 1 >= n:
            raise ParseError(offset, "Syntax error: invalid escape sequence")
        e = body[i + 1]
        if e in _ESCAPES:
            emit_char(_ESCAPES[e])
            i += 2
        elif e in "xX":
            h = body[i + 2 : i + 4]
            if len(h) != 2 or not all(x in "0123456789abcdefABCDEF" for x in h):
                raise ParseError(offset, "Syntax error: invalid hex escape")
            emit_code(int(h, 16))
            i += 4
        elif e in "uU":
            width = 4 if e == "u" else 8
            h = body[i + 2 : i + 2 + width]
            if is_bytes or len(h) != width or not all(x in "0123456789abcdefABCDEF" for x in h):
                raise ParseError(offset, "Syntax error: invalid unicode escape")
            cp = int(h, 16)
            if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                raise ParseError(offset, "Syntax error: invalid unicode code point")
            out.append(chr(cp))
            i += 2 + width
        elif e in "0123":
            o = body[i + 1 : i + 4]
            if len(o) != 3 or not all(x in "01234567" for x in o):
                raise ParseError(offset, "Syntax error: invalid octal escape")
            emit_code(int(o, 8))
            i += 4
        else:
            raise ParseError(offset, f"Syntax error: invalid escape sequence '\\{e}'")
    return bytes(out_bytes) if is_bytes else "".join(out)


def tokenize(src: str) -> list[Token]:
    toks: list[Token] = []
    pos = 0
    n = len(src)
    while pos < n:
        m = _TOKEN.match(src, pos)
        if m is None:
            raise ParseError(pos, f"Syntax error: token recognition error at: '{src[pos]}'")
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
                    raise ParseError(
                        pos, "Syntax error: token recognition error at: " + repr(src[pos:])
                    )
            else:
                end = start
                while True:
                    if end >= n or src[end] in "\n\r":
                        raise ParseError(
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
                Token("bytes" if is_bytes else "string", src[pos : end + len(quote)], value, pos)
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
        toks.append(Token(kind, text, value, pos))
        pos = m.end()
    toks.append(Token("eof", "<EOF>", None, n))
    return toks


def _escaped(src: str, start: int, end: int) -> bool:
    count = 0
    i = end - 1
    while i >= start and src[i] == "\\":
        count += 1
        i -= 1
    return count % 2 == 1
