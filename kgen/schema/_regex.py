"""Regular expressions as Go's ``regexp`` reads them (RE2 syntax): what a schema's ``pattern`` means.

kube-apiserver compiles ``pattern`` with Go's ``regexp`` and validates with ``MatchString`` (a match
anywhere in the value). Python's ``re`` reads the same text differently, so patterns are never handed
to it as they are:

1. :func:`compile_pattern` first reads the pattern with Go's syntax rules (``regexp/syntax``) and refuses
   what Go refuses, with Go's message (``error parsing regexp: invalid or unsupported Perl syntax:
   `(?=```): lookarounds, backreferences, atomic groups, possessive and nested repetitions, repeat
   counts over 1000, unknown escapes, ``\\Z``.
2. Matching then uses RE2 itself, through the ``google-re2`` binding (``pip install 'kgen[re2]'``; it
   has wheels for CPython 3.10-3.13 on Linux glibc, macOS and Windows): the same automaton family as
   Go's, with the same syntax. ``\\C`` (a C++-only escape) is refused as Go refuses it.
3. Without the binding, the pattern is rewritten into an equivalent Python pattern, construct by
   construct, where the two languages differ: ``$`` is end of text (Python's ``$`` also matches before
   a final newline) and ``^`` start of text; ``\\d``, ``\\w``, ``\\s`` and ``\\b`` are ASCII-only (``\\s``
   without ``\\v``); ``.`` excludes ``\\n`` unless ``(?s)``; flags apply from where they stand to the end of
   their group; ``(?U)`` swaps greedy and lazy; POSIX classes (``[[:alpha:]]``), ``\\Q...\\E``, octal and
   ``\\x{...}`` escapes and Unicode general categories (``\\pL``, ``\\p{Lu}``) are spelled out. Only what
   cannot be spelled out (Unicode scripts such as ``\\p{Greek}``) is refused, naming the binding. Since
   validation asks only whether a match exists, the leftmost-first preference both engines share does
   not matter: equal languages give equal answers. tests/schema/test_regex.py checks the rewrite
   against RE2 on every pattern of the real CRD corpus.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from typing import Any

__all__ = ["PatternError", "compile_pattern", "has_re2"]

try:  # pragma: no cover - depends on the environment
    import re2 as _re2  # type: ignore[import-not-found, import-untyped, unused-ignore]
except ImportError:  # pragma: no cover
    _re2 = None

_MAX_REPEAT = 1000
_ASCII_WORD = "0-9A-Za-z_"
_PERL = {
    "d": "0-9",
    "s": "\\t\\n\\f\\r ",
    "w": _ASCII_WORD,
}
_POSIX = {
    "alnum": "0-9A-Za-z",
    "alpha": "A-Za-z",
    "ascii": "\\x00-\\x7f",
    "blank": "\\t ",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": "\\t\\n\\v\\f\\r ",
    "upper": "A-Z",
    "word": _ASCII_WORD,
    "xdigit": "0-9A-Fa-f",
}
_SIMPLE_ESCAPES = {"a": "\\x07", "f": "\\x0c", "t": "\\t", "n": "\\n", "r": "\\r", "v": "\\x0b"}


class PatternError(ValueError):
    """A pattern Go's regexp refuses; ``str()`` is Go's message (``error parsing regexp: ...``)."""


def has_re2() -> bool:
    """Whether the RE2 binding (google-re2) is installed."""
    return _re2 is not None


@functools.lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A function telling whether a string contains a match of ``pattern`` (Go's MatchString).

    Raises :class:`PatternError` with Go's message for a pattern Go refuses."""
    translated = _Translator(pattern).translate()
    if _re2 is not None:
        options = _re2.Options()
        options.log_errors = False
        try:
            compiled: Any = _re2.compile(pattern, options)
        except Exception:  # noqa: BLE001 - a construct RE2 refuses that Go's parser let pass
            compiled = re.compile(translated)
    else:
        compiled = re.compile(translated)
    search = compiled.search
    return lambda text: search(text) is not None


def _error(code: str, fragment: str) -> PatternError:
    return PatternError(f"error parsing regexp: {code}: `{fragment}`")


@functools.lru_cache(maxsize=64)
def _category_class(name: str, negate: bool) -> str:
    """The ranges of a Unicode general category (``L``, ``Lu``...) as class items."""
    ranges: list[tuple[int, int]] = []
    start = -1
    for code in range(0x110000):
        inside = unicodedata.category(chr(code)).startswith(name)
        if inside != negate:
            if start < 0:
                start = code
        elif start >= 0:
            ranges.append((start, code - 1))
            start = -1
    if start >= 0:
        ranges.append((start, 0x10FFFF))
    return "".join(
        _class_char(lo) if lo == hi else f"{_class_char(lo)}-{_class_char(hi)}" for lo, hi in ranges
    )


_CATEGORIES = frozenset(
    "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps "
    "S Sc Sk Sm So Z Zl Zp Zs".split()
)


def _class_char(code: int) -> str:
    return f"\\U{code:08x}"


class _Translator:
    """Go's regexp/syntax parser, reduced to checking and rewriting (one pass, no tree)."""

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        # Per open group: [flags, number of scoped-flag groups opened inside it, start of its text].
        self.stack: list[list[Any]] = []
        self.flags = {"i": False, "m": False, "s": False, "U": False}
        self.scoped = 0
        # What the last item was: "none" (nothing to repeat), "atom", or "repeat".
        self.last = "none"
        self.last_repeat_start = 0

    def translate(self) -> str:
        p = self.p
        while self.i < len(p):
            c = p[self.i]
            if c == "\\":
                self.escape()
            elif c == "[":
                self.char_class()
            elif c == "(":
                self.open_group()
            elif c == ")":
                self.close_group()
            elif c == "|":
                # Flags set in this group hold across its alternatives: close and reopen their scope.
                self.out.append(")" * self.scoped + "|")
                if self.scoped:
                    self.out.append("(?i:" if self.flags["i"] else "(?-i:")
                    self.scoped = 1
                self.i += 1
                self.last = "none"
            elif c in "*+?":
                self.repeat(1)
            elif c == "{" and self.repeat_spec() is not None:
                spec = self.repeat_spec()
                assert spec is not None
                self.repeat(spec[0], spec[1])
            elif c == "^":
                self.atom("(?:(?<=\\n)|\\A)" if self.flags["m"] else "\\A", 1, anchor=True)
            elif c == "$":
                self.atom("(?=\\n|\\Z)" if self.flags["m"] else "\\Z", 1, anchor=True)
            elif c == ".":
                self.atom("[\\s\\S]" if self.flags["s"] else "[^\\n]", 1)
            else:
                self.atom(re.escape(c), 1)
        if self.stack:
            raise _error("missing closing )", p)
        self.out.append(")" * self.scoped)
        return "".join(self.out)

    # --- atoms -------------------------------------------------------------------------------------

    def atom(self, text: str, width: int, *, anchor: bool = False) -> None:
        self.out.append(f"(?:{text})" if len(text) > 1 else text)
        self.last_repeat_start = self.i
        self.i += width
        self.last = "atom"

    def escape(self) -> None:
        p, i = self.p, self.i
        if i + 1 >= len(p):
            raise _error("trailing backslash at end of expression", "")
        c = p[i + 1]
        if c == "A":
            self.atom("\\A", 2, anchor=True)
        elif c == "z":
            self.atom("\\Z", 2, anchor=True)
        elif c in "bB":
            word = f"[{_ASCII_WORD}]"
            at = f"(?:(?<={word})(?!{word})|(?<!{word})(?={word}))"
            notat = f"(?:(?<={word})(?={word})|(?<!{word})(?!{word}))"
            self.atom(at if c == "b" else notat, 2, anchor=True)
        elif c == "Q":
            end = p.find("\\E", i + 2)
            literal = p[i + 2 :] if end < 0 else p[i + 2 : end]
            width = len(p) - i if end < 0 else end + 2 - i
            if not literal:
                self.i += width
                return
            start = self.i
            for char in literal[:-1]:
                self.out.append(re.escape(char))
            self.i += width
            # Only the last character is what a following repetition applies to.
            self.out.append(re.escape(literal[-1]))
            self.last = "atom"
            self.last_repeat_start = start
        else:
            item, width = self.class_escape(i)
            self.atom(f"[{item}]", width)

    def class_escape(self, i: int) -> tuple[str, int]:
        """An escape usable in and out of a class, as class items; and its width in the pattern."""
        p = self.p
        if i + 1 >= len(p):
            raise _error("trailing backslash at end of expression", "")
        c = p[i + 1]
        if c in "dsw":
            return _PERL[c], 2
        if c in "DSW":
            return (
                f"^{_PERL[c.lower()]}",
                2,
            )  # marked negated: only valid alone or handled by caller
        if c in "pP":
            return self.unicode_class(i)
        if c in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[c], 2
        if c == "x":
            return self.hex_escape(i)
        if c in "01234567":
            digits = c
            j = i + 2
            if c != "0" and (j >= len(p) or p[j] not in "01234567"):
                raise _error("invalid escape sequence", p[i : i + 2])
            while j < len(p) and len(digits) < 3 and p[j] in "01234567":
                digits += p[j]
                j += 1
            return _class_char(int(digits, 8)), j - i
        if not c.isascii() or c.isalnum():
            # Go escapes only ASCII punctuation (so \C, \Z and \é are errors).
            raise _error("invalid escape sequence", p[i : i + 2])
        return re.escape(c), 2

    def hex_escape(self, i: int) -> tuple[str, int]:
        p = self.p
        j = i + 2
        if j < len(p) and p[j] == "{":
            end = p.find("}", j)
            digits = p[j + 1 : end] if end > 0 else ""
            if end < 0 or not digits or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
                raise _error("invalid escape sequence", p[i : (end + 1 if end > 0 else len(p))])
            value = int(digits, 16)
            if value > 0x10FFFF:
                raise _error("invalid escape sequence", p[i : end + 1])
            return _class_char(value), end + 1 - i
        digits = p[j : j + 2]
        if len(digits) < 2 or not all(ch in "0123456789abcdefABCDEF" for ch in digits):
            raise _error("invalid escape sequence", p[i : j + len(digits)])
        return _class_char(int(digits, 16)), 4

    def unicode_class(self, i: int) -> tuple[str, int]:
        p = self.p
        negate = p[i + 1] == "P"
        j = i + 2
        if j >= len(p):
            raise _error("invalid character class range", p[i:])
        if p[j] == "{":
            end = p.find("}", j)
            if end < 0:
                raise _error("invalid character class range", p[i:])
            name = p[j + 1 : end]
            width = end + 1 - i
        else:
            name = p[j]
            width = 3
        if name.startswith("^"):
            negate, name = not negate, name[1:]
        if name == "Any":
            return ("" if negate else "\\s\\S"), width
        if name not in _CATEGORIES:
            if _re2 is None:
                raise PatternError(
                    f"the Unicode class {p[i:i + width]} needs RE2: pip install 'kgen[re2]'"
                )
            return "\\s\\S", width  # matched by RE2 itself; the rewrite is never used
        return _category_class(name, negate), width

    # --- classes -----------------------------------------------------------------------------------

    def char_class(self) -> None:
        p = self.p
        start = self.i
        j = start + 1
        negate = j < len(p) and p[j] == "^"
        if negate:
            j += 1
        items: list[str] = []
        negated_parts: list[str] = []
        first = True
        while True:
            if j >= len(p):
                raise _error("missing closing ]", p[start:])
            c = p[j]
            if c == "]" and not first:
                j += 1
                break
            first = False
            if c == "[" and p.startswith("[:", j):
                end = p.find(":]", j + 2)
                name = p[j + 2 : end] if end > 0 else ""
                neg = name.startswith("^")
                if end > 0 and name.lstrip("^") in _POSIX:
                    body = _POSIX[name.lstrip("^")]
                    (negated_parts if neg else items).append(body)
                    j = end + 2
                    continue
            lo_start = j
            lo, j, lo_item = self.class_atom(j, start)
            if lo_item is not None:
                if lo_item.startswith("^"):
                    negated_parts.append(lo_item[1:])
                else:
                    items.append(lo_item)
                continue
            if j + 1 < len(p) and p[j] == "-" and p[j + 1] != "]":
                hi, k, hi_item = self.class_atom(j + 1, start)
                if hi_item is not None:
                    raise _error("invalid character class range", p[j - 1 : k])
                if hi < lo:
                    raise _error("invalid character class range", p[lo_start:k])
                items.append(f"{_class_char(lo)}-{_class_char(hi)}")
                j = k
            else:
                items.append(_class_char(lo))
        self._emit_class(items, negated_parts, negate, start, j)

    def class_atom(self, j: int, start: int) -> tuple[int, int, str | None]:
        """One class member: (code point, next index, None), or (0, next, class items) for
        an escape that is itself a class (``\\d``, ``\\pL``)."""
        p = self.p
        c = p[j]
        if c == "\\":
            if j + 1 >= len(p):
                raise _error("missing closing ]", p[start:])
            e = p[j + 1]
            if e in "dswDSWpP":
                item, width = self.class_escape(j)
                return 0, j + width, item
            item, width = self.class_escape(j)
            if item.startswith("\\U"):
                return int(item[2:], 16), j + width, None
            if item.startswith("\\x"):
                return int(item[2:], 16), j + width, None
            if item.startswith("\\") and len(item) == 2:
                return ord({"t": "\t", "n": "\n", "r": "\r"}.get(item[1], item[1])), j + width, None
            return ord(item[-1]), j + width, None
        return ord(c), j + 1, None

    def _emit_class(
        self, items: list[str], negated_parts: list[str], negate: bool, start: int, end: int
    ) -> None:
        positive = "".join(items)
        if negated_parts:
            # [\D] or [a\W]: a union with a complement, written as an alternation of classes.
            alternatives = [f"[{positive}]"] if positive else []
            alternatives += [f"[^{part}]" for part in negated_parts]
            union = "|".join(alternatives)
            text = f"(?:(?!(?:{union}))[\\s\\S])" if negate else f"(?:{union})"
        elif not positive:
            text = "[\\s\\S]" if negate else "(?!)"
        else:
            text = f"[{'^' if negate else ''}{positive}]"
        self.out.append(text)
        self.last = "atom"
        self.last_repeat_start = start
        self.i = end

    # --- groups ------------------------------------------------------------------------------------

    def open_group(self) -> None:
        p, i = self.p, self.i
        if p.startswith("(?", i):
            if p.startswith("(?P<", i) or p.startswith("(?<", i) and not p.startswith("(?<=", i):
                if p.startswith("(?<!", i):
                    raise _error("invalid or unsupported Perl syntax", "(?<")
                begin = i + (4 if p[i + 2] == "P" else 3)
                end = p.find(">", begin)
                name = p[begin:end] if end > 0 else ""
                if end < 0 or not re.fullmatch(r"[A-Za-z0-9_]+", name):
                    raise _error("invalid named capture", p[i : (end + 1 if end > 0 else len(p))])
                self.push(end + 1)
                return
            j = i + 2
            flags = dict(self.flags)
            sign = True
            seen = False
            while j < len(p) and p[j] not in ":)":
                c = p[j]
                if c == "-":
                    if not sign:
                        raise _error("invalid or unsupported Perl syntax", p[i : j + 1])
                    sign = False
                    seen = False
                elif c in "imsU":
                    flags[c] = sign
                    seen = True
                else:
                    raise _error("invalid or unsupported Perl syntax", p[i : j + 1])
                j += 1
            if j >= len(p) or (not sign and not seen):
                raise _error(
                    "invalid or unsupported Perl syntax", p[i : j + 1 if j < len(p) else j]
                )
            if j == i + 2:  # "(?)" or "(?:" handled below
                if p[j] == ")":
                    raise _error("missing argument to repetition operator", "?")
            if p[j] == ")":
                # Flags for the rest of the current group.
                self.set_flags(flags)
                self.i = j + 1
                return
            self.push(j + 1, flags)
            return
        self.push(i + 1)

    def set_flags(self, flags: dict[str, bool]) -> None:
        if flags["i"] != self.flags["i"]:
            self.out.append("(?i:" if flags["i"] else "(?-i:")
            self.scoped += 1
        self.flags = flags

    def push(self, after: int, flags: dict[str, bool] | None = None) -> None:
        self.stack.append([dict(self.flags), self.scoped, self.i])
        self.out.append("(?:")
        self.scoped = 0
        if flags is not None:
            self.set_flags(flags)
        self.i = after
        self.last = "none"

    def close_group(self) -> None:
        if not self.stack:
            raise _error("unexpected )", self.p)
        saved_flags, saved_scoped, start = self.stack.pop()
        self.out.append(")" * self.scoped + ")")
        self.flags = saved_flags
        self.scoped = saved_scoped
        self.i += 1
        self.last = "atom"
        self.last_repeat_start = start

    # --- repetition --------------------------------------------------------------------------------

    def repeat_spec(self) -> tuple[int, int | None, int] | None:
        """``{n}``, ``{n,}`` or ``{n,m}`` at the cursor: (min, max, width), or None (a literal ``{``)."""
        m = re.match(r"\{(\d+)(,(\d*))?\}", self.p[self.i :])
        if m is None:
            return None
        low = int(m.group(1))
        high: int | None = low if m.group(2) is None else (int(m.group(3)) if m.group(3) else None)
        return low, high, m.end()

    def repeat(self, low: int, high: int | None = -1) -> None:
        p, i = self.p, self.i
        if p[i] == "{":
            spec = self.repeat_spec()
            assert spec is not None
            low, high, width = spec
            op = p[i : i + width]
            if low > _MAX_REPEAT or (high is not None and (high > _MAX_REPEAT or high < low)):
                raise _error("invalid repeat count", op)
            text = f"{{{low},{'' if high is None else high}}}" if low != high else f"{{{low}}}"
        else:
            width = 1
            op = p[i]
            text = op
        lazy = i + width < len(p) and p[i + width] == "?"
        if lazy:
            width += 1
        if self.last == "none":
            raise _error("missing argument to repetition operator", p[i : i + width])
        if self.last == "repeat":
            raise _error("invalid nested repetition operator", p[self.last_op : i + width])
        if lazy != self.flags["U"]:
            text += "?"
        self.out.append(text)
        self.last = "repeat"
        self.last_op = i
        self.i = i + width

    last_op = 0
