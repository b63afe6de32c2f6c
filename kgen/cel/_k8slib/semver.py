"""Kubernetes' semver library: semver, isSemver and the comparisons of semantic versions (2.0.0;
``normalize`` reads a leading 'v', missing minor and patch and leading zeros as Kubernetes does)."""

from __future__ import annotations

import re
from typing import Any

from kgen.cel._errors import EvalError
from kgen.cel._library import Library, accepts, first_argument_cost
from kgen.cel._types import BOOL, INT, STRING, opaque

__all__ = ["SEMVER", "Semver", "register"]

SEMVER = opaque("kubernetes.Semver")

_SEMVER_RE = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class Semver:
    cel_type_name = "kubernetes.Semver"
    __slots__ = ("major", "minor", "patch", "pre", "text")

    def __init__(self, major: int, minor: int, patch: int, pre: tuple[str, ...], text: str) -> None:
        self.major = major
        self.minor = minor
        self.patch = patch
        self.pre = pre
        self.text = text

    def key(self) -> tuple[Any, ...]:
        pre: tuple[Any, ...] = tuple(
            (0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre
        )
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Semver) and other.key() == self.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def cel_string(self) -> str:
        return self.text


def _normalize_semver(s: str) -> str:
    s = s[1:] if s.startswith("v") else s
    core, sep, rest = s, "", ""
    for ch in "-+":
        if ch in s:
            i = s.index(ch)
            if not sep or i < len(core):
                core, sep, rest = s[:i], s[i], s[i + 1 :]
    parts = core.split(".")
    while len(parts) < 3:
        parts.append("0")
    parts = [p.lstrip("0") or "0" if p.isdigit() else p for p in parts]
    return ".".join(parts) + (sep + rest if sep else "")


def _parse_semver(s: str, normalize: bool = False) -> Semver:
    text = _normalize_semver(s) if normalize else s
    m = _SEMVER_RE.match(text)
    if m is None:
        raise EvalError(f"Invalid semver: {s}")
    pre = tuple(m.group(4).split(".")) if m.group(4) else ()
    return Semver(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre, text)


def register(lib: Library) -> None:
    lib.add(
        "semver", "string_to_semver", (STRING,), SEMVER, _parse_semver, cost=first_argument_cost
    )
    lib.add(
        "semver",
        "string_bool_to_semver",
        (STRING, BOOL),
        SEMVER,
        _parse_semver,
        cost=first_argument_cost,
    )
    lib.add(
        "isSemver",
        "is_semver_string",
        (STRING,),
        BOOL,
        accepts(_parse_semver),
        cost=first_argument_cost,
    )
    lib.add(
        "isSemver",
        "is_semver_string_bool",
        (STRING, BOOL),
        BOOL,
        accepts(_parse_semver),
        cost=first_argument_cost,
    )
    lib.member("major", "semver_major", (SEMVER,), INT, lambda v: v.major)
    lib.member("minor", "semver_minor", (SEMVER,), INT, lambda v: v.minor)
    lib.member("patch", "semver_patch", (SEMVER,), INT, lambda v: v.patch)
    lib.member("isLessThan", "semver_less", (SEMVER, SEMVER), BOOL, lambda a, b: a.key() < b.key())
    lib.member(
        "isGreaterThan", "semver_greater", (SEMVER, SEMVER), BOOL, lambda a, b: a.key() > b.key()
    )
    lib.member(
        "compareTo",
        "semver_compare_to",
        (SEMVER, SEMVER),
        INT,
        lambda a, b: (a.key() > b.key()) - (a.key() < b.key()),
    )
