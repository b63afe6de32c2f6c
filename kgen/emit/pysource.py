"""Turning untrusted text from specs into Python source that cannot break out of where it is put.

Every string from an input (descriptions, names, enum values, paths) reaches generated code through one of
these functions: as a ``repr()`` literal, or as a docstring whose quotes, backslashes and control characters
are escaped. ``tests/generator/test_untrusted.py`` feeds hostile names and descriptions through the whole
generator and checks that the output parses and says exactly what the spec said.
"""

from __future__ import annotations

from typing import Any

__all__ = ["docstring", "literal"]


def literal(value: Any) -> str:
    """A Python literal for a JSON-like value (str, int, float, bool, None, lists, tuples, dicts)."""
    if isinstance(value, (frozenset, set)):
        items = ", ".join(literal(v) for v in sorted(value, key=repr))
        return f"frozenset({{{items}}})" if value else "frozenset()"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (str, int, float, bool)) or value is None:
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def docstring(text: str, indent: int = 0) -> str:
    """A triple-quoted docstring literal holding exactly ``text`` (modulo black's whitespace cleanup),
    its later lines indented by ``indent`` spaces to sit where the literal goes (black re-indents most
    docstrings itself, but not all: not one that ends in a backslash)."""
    out = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        code = ord(char)
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n" or char == "\t":
            out.append(char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif 0xD800 <= code <= 0xDFFF:  # lone surrogates cannot be written as UTF-8
            out.append(f"\\u{code:04x}")
        elif char in ("\u2028", "\u2029", "\x85", "\x0c", "\x0b"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    body = "".join(out).strip()
    if "\n" in body:
        pad = " " * indent
        body = "\n".join(pad + line if line.strip() else "" for line in body.split("\n"))[indent:]
        return f'"""{body}\n{pad}"""'
    return f'"""{body}"""'
