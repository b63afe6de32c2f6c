"""RE2 patterns (the syntax CEL's matches() and Kubernetes' find() use) on Python's re."""

from __future__ import annotations

import functools
import re

from kgen.cel._errors import EvalError

__all__ = ["compile_re2"]

_UNSUPPORTED = re.compile(r"\(\?[=!<]|\\[1-9]")
_CLASSES = {
    r"\pL": r"[^\W\d_]",
    r"\p{L}": r"[^\W\d_]",
    r"\pN": r"\d",
    r"\p{N}": r"\d",
    r"\p{Nd}": r"\d",
}


@functools.lru_cache(maxsize=512)
def compile_re2(pattern: str) -> re.Pattern[str]:
    if _UNSUPPORTED.search(pattern):
        raise EvalError(f"error parsing regexp: invalid or unsupported Perl syntax: {pattern}")
    translated = pattern.replace(r"\z", r"\Z")
    for k, v in _CLASSES.items():
        translated = translated.replace(k, v)
    try:
        return re.compile(translated)
    except re.error as err:
        raise EvalError(f"error parsing regexp: {err}: `{pattern}`") from None
