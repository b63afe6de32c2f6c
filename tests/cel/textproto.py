"""A reader for protobuf text format, enough for cel-spec's conformance files (SimpleTestFile).

A message is read as a list of (field name, value) pairs; a value is a nested message (a list), a
string (``bytes``, since text-format strings are byte strings), a number or an enum identifier.
"""

from __future__ import annotations

import re
from typing import Any, Union

__all__ = ["Message", "parse_textproto", "field", "fields"]

Message = list  # list[tuple[str, Any]]
Scalar = Union[bytes, int, float, str]

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<number>[-+]?(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)[fFuU]?|-?inf(?:inity)?\b|-?nan\b)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<ext>\[[A-Za-z0-9_./]+\])
  | (?P<punct>[:{}<>,;\[\]])
    """,
    re.VERBOSE,
)

_ESC = {
    "a": 7,
    "b": 8,
    "f": 12,
    "n": 10,
    "r": 13,
    "t": 9,
    "v": 11,
    "\\": 92,
    "'": 39,
    '"': 34,
    "?": 63,
}


def _unescape(body: str) -> bytes:
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.extend(c.encode("utf-8"))
            i += 1
            continue
        e = body[i + 1]
        if e in _ESC:
            out.append(_ESC[e])
            i += 2
        elif e in "xX":
            j = i + 2
            while j < len(body) and j < i + 4 and body[j] in "0123456789abcdefABCDEF":
                j += 1
            out.append(int(body[i + 2 : j], 16))
            i = j
        elif e in "01234567":
            j = i + 1
            while j < len(body) and j < i + 4 and body[j] in "01234567":
                j += 1
            out.append(int(body[i + 1 : j], 8) & 0xFF)
            i = j
        elif e == "u":
            out.extend(chr(int(body[i + 2 : i + 6], 16)).encode("utf-8"))
            i += 6
        elif e == "U":
            out.extend(chr(int(body[i + 2 : i + 10], 16)).encode("utf-8"))
            i += 10
        else:
            raise ValueError(f"bad escape \\{e}")
    return bytes(out)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise ValueError(f"textproto: unexpected {text[pos:pos + 20]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind != "ws":
            out.append((kind, m.group()))
        pos = m.end()
    return out


class _Reader:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        t = self.toks[self.i]
        self.i += 1
        return t

    def message(self, close: str | None) -> Message:
        msg: Message = []
        while True:
            t = self.peek()
            if t is None:
                if close is not None:
                    raise ValueError("textproto: unterminated message")
                return msg
            if t[0] == "punct" and t[1] == close:
                self.i += 1
                return msg
            if t[0] == "punct" and t[1] in ",;":
                self.i += 1
                continue
            kind, name = self.take()
            if kind not in ("ident", "ext"):
                raise ValueError(f"textproto: expected a field name, got {name!r}")
            nxt = self.peek()
            assert nxt is not None
            if nxt == ("punct", ":"):
                self.i += 1
                nxt = self.peek()
                assert nxt is not None
            if nxt[0] == "punct" and nxt[1] in "{<":
                self.i += 1
                msg.append((name, self.message("}" if nxt[1] == "{" else ">")))
            elif nxt == ("punct", "["):
                self.i += 1
                while self.peek() != ("punct", "]"):
                    if self.peek() == ("punct", ","):
                        self.i += 1
                        continue
                    v = self.peek()
                    assert v is not None
                    if v[0] == "punct" and v[1] in "{<":
                        self.i += 1
                        msg.append((name, self.message("}" if v[1] == "{" else ">")))
                    else:
                        msg.append((name, self.scalar()))
                self.i += 1
            else:
                msg.append((name, self.scalar()))

    def scalar(self) -> Scalar:
        kind, text = self.take()
        if kind == "string":
            value = _unescape(text[1:-1])
            while self.peek() is not None and self.peek()[0] == "string":  # type: ignore[index]
                value += _unescape(self.take()[1][1:-1])
            return value
        if kind == "number":
            if text.lower() in ("inf", "infinity", "-inf", "-infinity", "nan"):
                return float(text.lower())
            t = text.rstrip("fFuU") if not text.lower().startswith(("0x", "-0x")) else text
            low = t.lower()
            if low.startswith(("0x", "-0x")):
                return int(low, 16)
            if any(c in low for c in ".e") or text[-1] in "fF":
                return float(t)
            return int(t)
        if kind == "ident":
            return text
        raise ValueError(f"textproto: unexpected {text!r}")


def parse_textproto(text: str) -> Message:
    return _Reader(text).message(None)


def fields(msg: Message, name: str) -> list[Any]:
    return [v for k, v in msg if k == name]


def field(msg: Message, name: str, default: Any = None) -> Any:
    for k, v in msg:
        if k == name:
            return v
    return default
