"""The strings extension (cel-go ext.Strings, version 2, as Kubernetes enables it): charAt,
indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim, join, format
(:mod:`kgen.cel._format`) and strings.quote."""

from __future__ import annotations

from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._format import cel_format
from kgen.cel._library import Library, first_argument_cost
from kgen.cel._types import DYN, INT, STRING, list_of

__all__ = ["strings_library"]


def _char_at(s: str, i: int) -> str:
    if i < 0 or i > len(s):
        raise EvalError(f"index out of range: {i}")
    return s[i : i + 1]


def _index_of(s: str, sub: str, start: int = 0) -> int:
    if start < 0 or start > len(s):
        raise EvalError(f"index out of range: {start}")
    return s.find(sub, start)


def _last_index_of(s: str, sub: str, end: int | None = None) -> int:
    if end is None:
        return s.rfind(sub)
    if end < 0 or end > len(s):
        raise EvalError(f"index out of range: {end}")
    return s.rfind(sub, 0, end + len(sub))


def _lower_ascii(s: str) -> str:
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def _upper_ascii(s: str) -> str:
    return "".join(chr(ord(c) - 32) if "a" <= c <= "z" else c for c in s)


def _replace(s: str, old: str, new: str, n: int = -1) -> str:
    if n < 0:
        if old == "":
            return new + new.join(s) + new if s else new
        return s.replace(old, new)
    if old == "":
        parts = list(s)
        out = []
        count = 0
        for ch in parts:
            if count < n:
                out.append(new)
                count += 1
            out.append(ch)
        if count < n:
            out.append(new)
        return "".join(out)
    return s.replace(old, new, n)


def _split(s: str, sep: str, n: int = -1) -> list[str]:
    if n == 0:
        return []
    if sep == "":
        chars = list(s)
        if n < 0 or n >= len(chars):
            return chars
        return chars[: n - 1] + ["".join(chars[n - 1 :])]
    if n < 0:
        return s.split(sep)
    return s.split(sep, n - 1)


def _substring(s: str, start: int, end: int | None = None) -> str:
    if end is None:
        end = len(s)
    if start < 0 or start > len(s):
        raise EvalError(f"index out of range: {start}")
    if end < 0 or end > len(s):
        raise EvalError(f"index out of range: {end}")
    if start > end:
        raise EvalError(f"invalid substring range. start: {start}, end: {end}")
    return s[start:end]


_UNICODE_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


def _trim(s: str) -> str:
    return s.strip(_UNICODE_SPACE)


def _join(lst: list[Any], sep: str = "") -> str:
    for x in lst:
        if not isinstance(x, str):
            raise EvalError("join: list must contain strings")
    return sep.join(lst)


_QUOTED = {
    "\\": "\\\\",
    '"': '\\"',
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def _quote(s: str) -> str:
    out = ['"']
    for c in s:
        if c in _QUOTED:
            out.append(_QUOTED[c])
        elif 0xD800 <= ord(c) <= 0xDFFF:
            out.append("\ufffd")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def strings_library() -> Library:
    lib = Library()
    mem = lib.member
    mem("charAt", "string_char_at_int", (STRING, INT), STRING, _char_at)
    mem("indexOf", "string_index_of_string", (STRING, STRING), INT, _index_of)
    mem("indexOf", "string_index_of_string_int", (STRING, STRING, INT), INT, _index_of)
    mem("lastIndexOf", "string_last_index_of_string", (STRING, STRING), INT, _last_index_of)
    mem(
        "lastIndexOf", "string_last_index_of_string_int", (STRING, STRING, INT), INT, _last_index_of
    )
    mem("lowerAscii", "string_lower_ascii", (STRING,), STRING, _lower_ascii)
    mem("upperAscii", "string_upper_ascii", (STRING,), STRING, _upper_ascii)
    mem("replace", "string_replace_string_string", (STRING, STRING, STRING), STRING, _replace)
    mem(
        "replace",
        "string_replace_string_string_int",
        (STRING, STRING, STRING, INT),
        STRING,
        _replace,
    )
    mem("split", "string_split_string", (STRING, STRING), list_of(STRING), _split)
    mem("split", "string_split_string_int", (STRING, STRING, INT), list_of(STRING), _split)
    mem("substring", "string_substring_int", (STRING, INT), STRING, _substring)
    mem("substring", "string_substring_int_int", (STRING, INT, INT), STRING, _substring)
    mem("trim", "string_trim", (STRING,), STRING, _trim)
    mem("join", "list_join", (list_of(STRING),), STRING, _join)
    mem("join", "list_join_string", (list_of(STRING), STRING), STRING, _join)
    mem(
        "format",
        "string_format",
        (STRING, list_of(DYN)),
        STRING,
        cel_format,
        cost=first_argument_cost,
    )
    lib.add("strings.quote", "strings_quote", (STRING,), STRING, _quote, cost=first_argument_cost)
    return lib
