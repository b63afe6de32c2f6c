"""Request bodies in JSON, read the way kube-apiserver's decoders (Go's encoding/json) read them.

- Invalid UTF-8 becomes U+FFFD, one for each bad byte, and so does a lone UTF-16 surrogate escape
  (``"\\ud800"``): Go's decoder replaces them. Python would keep the surrogate, which no response can
  encode: a server that stored it could never serve that resource again.
- ``NaN`` and ``Infinity`` are not JSON; a number beyond float64 (``1e400``) is an error; an integer
  beyond int64 is read as a float, as the apiserver's JSON utilities read it.
- Syntax errors carry encoding/json's messages (``unexpected end of JSON input``, ``invalid character
  'x' looking for beginning of value``...).
- Documents nest at most :data:`~kgen.testing.limits.MAX_DEPTH` levels.

:class:`DocumentError` carries the decoder's message; the caller wraps it as its handler does.
"""

from __future__ import annotations

import codecs
import copy
import json
import math
import re
import threading
from typing import Any, TypeVar, cast

import msgspec

from kgen.testing.limits import MAX_DEPTH

__all__ = [
    "DocumentError",
    "Unservable",
    "canonical",
    "canonical_plain",
    "check_tree",
    "copy_json",
    "dumps",
    "go_quote_char",
    "loads",
    "replace_surrogates",
    "summarize",
    "utf8",
]

_T = TypeVar("_T")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")
# A \u escape of a surrogate in the raw text: only then can a decoded string hold one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)


class DocumentError(ValueError):
    """A request document that does not decode: ``message`` is what Go's decoder says."""

    def __init__(self, message: str, *, depth: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.depth = depth  # nested too deeply


def _go_replace(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    # Go replaces each byte of an invalid sequence (utf8.DecodeRune's RuneError, width 1).
    return "\ufffd" * (error.end - error.start), error.end


codecs.register_error("kgen-go-replace", _go_replace)


def utf8(data: bytes | str) -> str:
    """Bytes as Go reads them as text: invalid UTF-8 becomes U+FFFD, byte by byte."""
    if isinstance(data, str):
        return data
    return data.decode("utf-8", "kgen-go-replace")


def replace_surrogates(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text)


def go_quote_char(char: str) -> str:
    """encoding/json's quoteChar of the first byte of ``char``."""
    byte = char.encode("utf-8", "surrogatepass")[0] if char else 0
    if byte == 0x27:
        return "'\\''"
    if byte == 0x22:
        return "'\"'"
    return "'" + _go_quote_rune(chr(byte)) + "'"


_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES["\v"] = "\\v"
_GO_ESCAPES["\\"] = "\\\\"


def _go_quote_rune(char: str) -> str:
    if char in _GO_ESCAPES:
        return _GO_ESCAPES[char]
    code = ord(char)
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if 0x80 <= code < 0xA0:
        return f"\\u{code:04x}"
    return char


def summarize(data: bytes, limit: int = 30) -> str:
    """The apiserver's summarizeData: the start of a body that failed to decode."""
    if not data:
        return "<empty>"
    if data[:1] == b"{":
        text = utf8(data[:limit])
        return text + " ..." if len(data) > limit else text
    if len(data) > limit:
        return data[:limit].hex() + " ..."
    return data.hex()


def _no_constant(name: str) -> Any:
    raise DocumentError(f"invalid character {go_quote_char(name)} looking for beginning of value")


def _int(text: str) -> Any:
    value = int(text)
    if _INT64_MIN <= value <= _INT64_MAX:
        return value
    return _float(text)


def _float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise DocumentError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


# Made once (json.loads with hooks makes a decoder per call); shared, as json.loads shares its own.
_DECODER = json.JSONDecoder(parse_constant=_no_constant, parse_int=_int, parse_float=_float)


def loads(data: bytes | str, *, check: bool = True) -> Any:
    """One JSON document as Go decodes it; :class:`DocumentError` if it does not decode."""
    text = utf8(data)
    try:
        if text.startswith("\ufeff"):  # as json.loads refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        value = _DECODER.decode(text)
    except DocumentError:
        raise
    except RecursionError:
        raise DocumentError(f"invalid character {_deep_char(text)} exceeded max depth", depth=True)
    except json.JSONDecodeError as exc:
        raise DocumentError(_go_syntax_error(exc, text)) from None
    except ValueError as exc:  # an integer of more digits than Python converts
        raise DocumentError(f"json: cannot unmarshal number into Go value: {exc}") from None
    if check:
        check_tree(value, surrogates=_SURROGATE_ESCAPE.search(text) is not None)
    return value


def _deep_char(text: str) -> str:
    stripped = _STRINGS.sub("", text)
    depth = 0
    for char in stripped:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return go_quote_char(char)
        elif char in "]}":
            depth -= 1
    return "'['"


def check_tree(value: Any, *, surrogates: bool = True, max_depth: int = MAX_DEPTH) -> Any:
    """Refuse a decoded document nested deeper than ``max_depth`` (as encoding/json's scanner does);
    with ``surrogates``, replace lone surrogates in its strings and keys by U+FFFD (in place)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            if depth > max_depth:
                raise DocumentError("invalid character '{' exceeded max depth", depth=True)
            if surrogates:
                _fix_keys(node)
            for key, item in node.items():
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
                elif surrogates and isinstance(item, str) and _SURROGATE.search(item):
                    node[key] = replace_surrogates(item)
        elif isinstance(node, list):
            if depth > max_depth:
                raise DocumentError("invalid character '[' exceeded max depth", depth=True)
            for index, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    stack.append((item, depth + 1))
                elif surrogates and isinstance(item, str) and _SURROGATE.search(item):
                    node[index] = replace_surrogates(item)
    if surrogates and isinstance(value, str):
        return replace_surrogates(value)
    return value


def _fix_keys(node: dict[str, Any]) -> None:
    if not any(_SURROGATE.search(key) for key in node):
        return
    items = list(node.items())
    node.clear()
    for key, item in items:
        node[replace_surrogates(key)] = item  # a later duplicate wins, as in Go


# --- syntax errors as encoding/json reports them -----------------------------------------------


def _go_syntax_error(exc: json.JSONDecodeError, text: str) -> str:
    pos = exc.pos
    problem = exc.msg
    if problem.startswith("Unterminated string") or pos >= len(text.rstrip(" \t\r\n")):
        return "unexpected end of JSON input"
    char = text[pos]
    quoted = go_quote_char(char)
    if problem == "Extra data":
        return f"invalid character {quoted} after top-level value"
    if problem.startswith("Expecting property name"):
        return f"invalid character {quoted} looking for beginning of object key string"
    if problem.startswith("Expecting ':'"):
        return f"invalid character {quoted} after object key"
    if problem.startswith("Expecting ','"):
        if _innermost(text, pos) == "{":
            return f"invalid character {quoted} after object key:value pair"
        return f"invalid character {quoted} after array element"
    if problem.startswith("Invalid control character"):
        return f"invalid character {quoted} in string literal"
    if problem.startswith("Invalid \\uXXXX"):
        bad = next((c for c in text[pos + 2 : pos + 6] if c not in "0123456789abcdefABCDEF"), char)
        return f"invalid character {go_quote_char(bad)} in \\u hexadecimal character escape"
    if problem.startswith("Invalid \\escape"):
        return f"invalid character {go_quote_char(text[pos + 1 : pos + 2])} in string escape code"
    if problem.startswith("Unexpected UTF-8 BOM"):
        return f"invalid character {quoted} looking for beginning of value"
    return f"invalid character {quoted} looking for beginning of value"


def _innermost(text: str, pos: int) -> str:
    """The innermost container open at ``pos`` (only computed for an error)."""
    stripped = _STRINGS.sub('""', text[:pos])
    opened: list[str] = []
    for char in stripped:
        if char in "[{":
            opened.append(char)
        elif char in "]}" and opened:
            opened.pop()
    return opened[-1] if opened else ""


_ENCODER = msgspec.json.Encoder()


def dumps(value: Any, *, plain: bool = False) -> bytes:
    """``json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()``, byte for byte.

    ``plain=True`` promises a value as the store holds it (:func:`canonical`: dicts with string keys,
    lists, strings without lone surrogates, int64s, finite floats) with no float that Python writes
    in exponent notation (:func:`canonical_plain` tells): msgspec then writes it, about ten times
    faster, and the bytes are the same (the two differ only on such floats: "1e-07" against "1e-7").
    """
    if plain:
        return _ENCODER.encode(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def copy_json(value: _T) -> _T:
    """A deep copy of a JSON value (dicts, lists and immutable scalars), several times faster than
    :func:`copy.deepcopy`, which a large object would otherwise pay for at each of its copies.
    Anything else is shared, not copied; shared sub-values become separate copies."""
    return cast(_T, _copy(value))


def _copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _SCALARS:
        return value
    return copy.deepcopy(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})


# --- values as the apiserver stores and serves them --------------------------------------------


class Unservable(ValueError):
    """A value that is not JSON (or nests too deeply): storing it would poison every later read."""


_STATE = threading.local()


def canonical_plain(value: Any, *, max_depth: int) -> tuple[Any, bool]:
    """:func:`canonical`, and whether the copy is plain: no float in it is one that Python writes in
    exponent notation (``1e-07``, ``1.5e+300``), so :func:`dumps` may write it with ``plain=True``.
    """
    _STATE.exponent = False
    try:
        return _canonical(value, max_depth), not _STATE.exponent
    finally:
        _STATE.exponent = False


def canonical(value: Any, *, max_depth: int) -> Any:
    """A copy of a JSON value as kube-apiserver would store and serve it: numbers as Go prints them
    (a whole float is written without a fraction, ``1.0`` as ``1``; an integer beyond int64 is a
    float), lone surrogates replaced, tuples as lists. :class:`Unservable` for what is not JSON
    (NaN, infinities, sets, bytes, keys that are not strings...) or nests deeper than ``max_depth``.
    """
    return _canonical(value, max_depth)


def _has_surrogate(text: str) -> bool:
    # isascii() reads a flag of the string: most strings are ASCII, and need no search.
    return not text.isascii() and _SURROGATE.search(text) is not None


def _canonical(value: Any, budget: int) -> Any:
    kind = type(value)
    if kind is str:
        return replace_surrogates(value) if _has_surrogate(value) else value
    if kind is dict:
        if budget <= 0:
            raise Unservable("the object nests too deeply")
        out = {}
        for key, item in value.items():
            if type(key) is not str:
                raise Unservable(f"a key that is not a string: {key!r}")
            if _has_surrogate(key):
                key = replace_surrogates(key)
            out[key] = _canonical(item, budget - 1)
        return out
    if kind is list or kind is tuple:
        if budget <= 0:
            raise Unservable("the object nests too deeply")
        return [_canonical(item, budget - 1) for item in value]
    if value is None or kind is bool:
        return value
    if kind is int:
        if _INT64_MIN <= value <= _INT64_MAX:
            return value
        try:
            return _canonical_float(float(value))
        except OverflowError:
            raise Unservable("a number beyond float64") from None
    if kind is float:
        return _canonical_float(value)
    if isinstance(value, str):
        return _canonical(str(value), budget)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return _canonical(int(value), budget)
    if isinstance(value, float):
        return _canonical_float(float(value))
    if isinstance(value, dict):
        return _canonical(dict(value), budget)
    raise Unservable(f"not a JSON value: {type(value).__name__}")


def _canonical_float(value: float) -> Any:
    if math.isnan(value) or math.isinf(value):
        raise Unservable(f"json: unsupported value: {value}")
    if value.is_integer() and abs(value) < 1e21:
        return _go_integral(value)
    if "e" in repr(value):
        _STATE.exponent = True
    return value


def _go_integral(value: float) -> int:
    """The integer Go prints for a whole float64 below 1e21 (strconv 'f' format, shortest digits)."""
    if abs(value) < 2**53:
        return int(value)
    text = repr(value)
    if "e" not in text:
        return int(value)
    mantissa, _, exponent = text.partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    whole, _, fraction = mantissa.lstrip("-").partition(".")
    digits = whole + fraction
    point = len(whole) + int(exponent)
    return int(sign + digits + "0" * max(0, point - len(digits)))
