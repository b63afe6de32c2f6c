"""The strings extension's string.format (cel-go ext.Strings, %s %d %f %e %b %o %x %X)."""

from __future__ import annotations

import math
from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._values import Duration, Timestamp, TypeValue, cel_str, format_double

__all__ = ["cel_format"]


def _as_s(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_as_s(x) for x in v) + "]"
    if isinstance(v, dict):
        items = sorted(((_as_s(k), _as_s(x)) for k, x in v.items()))
        return "{" + ", ".join(f"{k}: {x}" for k, x in items) + "}"
    if v is None:
        return "null"
    if isinstance(v, TypeValue):
        return v.name
    if isinstance(v, float):
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return format_double(v)
    if isinstance(v, (Timestamp, Duration)):
        return cel_str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", errors="replace")
    return cel_str(v)


def _fixed(v: Any, prec: int, kind: str) -> str:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise EvalError(
            f"error during formatting: fixed-point clause can only be used on doubles, was given {type(v).__name__}"
        )
    f = float(v)
    if f != f:
        return "NaN"
    if math.isinf(f):
        return "Infinity" if f > 0 else "-Infinity"
    if kind == "e":
        return f"{f:.{prec}e}"
    return f"{f:.{prec}f}"


def cel_format(fmt: str, args: list[Any]) -> str:
    out: list[str] = []
    i = 0
    n = len(fmt)
    arg = 0
    while i < n:
        c = fmt[i]
        if c != "%":
            out.append(c)
            i += 1
            continue
        i += 1
        if i < n and fmt[i] == "%":
            out.append("%")
            i += 1
            continue
        prec = None
        if i < n and fmt[i] == ".":
            j = i + 1
            while j < n and fmt[j].isdigit():
                j += 1
            prec = int(fmt[i + 1 : j] or "0")
            i = j
        if i >= n:
            raise EvalError("error during formatting: unexpected end of string")
        verb = fmt[i]
        i += 1
        if arg >= len(args):
            raise EvalError(f"index {arg} out of range")
        v = args[arg]
        arg += 1
        if verb == "s":
            out.append(_as_s(v))
        elif verb == "d":
            if isinstance(v, bool) or not isinstance(v, int):
                if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
                    out.append(_fixed(v, 0, "f"))
                    continue
                raise EvalError(
                    "error during formatting: decimal clause can only be used on integers"
                )
            out.append(str(int(v)))
        elif verb == "f":
            out.append(_fixed(v, 6 if prec is None else prec, "f"))
        elif verb == "e":
            out.append(_fixed(v, 6 if prec is None else prec, "e"))
        elif verb in "xX":
            if isinstance(v, bool):
                raise EvalError(
                    "error during formatting: only integers, byte buffers, and strings can be formatted as hex"
                )
            if isinstance(v, int):
                s = format(int(v), "x")
            elif isinstance(v, str):
                s = v.encode("utf-8").hex()
            elif isinstance(v, bytes):
                s = v.hex()
            else:
                raise EvalError(
                    "error during formatting: only integers, byte buffers, and strings can be formatted as hex"
                )
            out.append(s.upper() if verb == "X" else s)
        elif verb == "o":
            if isinstance(v, bool) or not isinstance(v, int):
                raise EvalError(
                    "error during formatting: octal clause can only be used on integers"
                )
            out.append(format(int(v), "o"))
        elif verb == "b":
            if isinstance(v, bool):
                out.append("1" if v else "0")
            elif isinstance(v, int):
                out.append(format(int(v), "b"))
            else:
                raise EvalError(
                    "error during formatting: only integers and bools can be formatted as binary"
                )
        else:
            raise EvalError(
                f'could not parse formatting clause: unrecognized formatting clause "{verb}"'
            )
    if arg < len(args):
        raise EvalError(
            f"too many arguments supplied to string.format (expected {arg}, got {len(args)})"
        )
    return "".join(out)
