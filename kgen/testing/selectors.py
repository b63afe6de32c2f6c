"""Label and field selectors as kube-apiserver parses and evaluates them (k8s.io/apimachinery labels, fields).

Label selectors: ``a=b``, ``a==b``, ``a!=b``, ``a in (x,y)``, ``a notin (x)``, ``a``, ``!a``, ``a>1``, ``a<1``.
Field selectors: ``f=v``, ``f==v``, ``f!=v``, comma-separated, with ``\\`` escapes. Parse errors raise
:class:`SelectorError` carrying the apiserver's message; the handlers turn it into a 400 BadRequest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kgen.testing.errors import go_quote
from kgen.testing.validation import label_value, qualified_name

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "LabelRequirement",
    "LabelSelector",
    "SelectorError",
    "parse_field_selector",
    "parse_label_selector",
]


class SelectorError(ValueError):
    """A selector that does not parse; the message is the apiserver's."""


# --- labels ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelRequirement:
    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in ("=", "==", "in"):
            return self.key in labels and labels[self.key] in self.values
        if op in ("!=", "notin"):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("gt", "lt"):
            if self.key not in labels:
                return False
            try:
                have = int(labels[self.key])
            except ValueError:
                return False
            want = int(self.values[0])
            return have > want if op == "gt" else have < want
        raise AssertionError(op)


@dataclass(frozen=True, slots=True)
class LabelSelector:
    requirements: tuple[LabelRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements


_SPECIAL = set("!=(),<> \t\n")


def _tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: id, op ('!', '=', '==', '!=', '<', '>'), '(', ')', ','."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t\n":
            i += 1
            continue
        if char in "(),":
            out.append((char, char))
            i += 1
            continue
        if char in "!=<>":
            two = text[i : i + 2]
            if two in ("==", "!="):
                out.append(("op", two))
                i += 2
            else:
                out.append(("op", char))
                i += 1
            continue
        start = i
        while i < len(text) and text[i] not in _SPECIAL:
            i += 1
        word = text[start:i]
        out.append(("in" if word == "in" else "notin" if word == "notin" else "id", word))
    out.append(("end", ""))
    return out


def _check_key(key: str) -> None:
    problems = qualified_name(key)
    if problems:
        raise SelectorError(
            f"unable to parse requirement: <nil>: Invalid value: {go_quote(key)}: "
            + "; ".join(problems)
        )


def _check_value(key: str, position: int, value: str) -> None:
    problems = label_value(value)
    if problems:
        raise SelectorError(
            f"unable to parse requirement: values[{position}][{key}]: Invalid value: "
            f"{go_quote(value)}: " + "; ".join(problems)
        )


def parse_label_selector(text: str) -> LabelSelector:
    """labels.Parse: a comma-separated list of requirements (an empty string selects everything)."""
    tokens = _tokens(text)
    pos = 0
    requirements: list[LabelRequirement] = []

    def peek() -> tuple[str, str]:
        return tokens[pos]

    def take() -> tuple[str, str]:
        nonlocal pos
        token = tokens[pos]
        pos += 1
        return token

    if peek()[0] == "end":
        return LabelSelector()
    while True:
        kind, word = take()
        if kind == "op" and word == "!":
            kind, key = take()
            if kind != "id":
                raise SelectorError(f"found '{key}', expected: identifier after '!'")
            _check_key(key)
            requirements.append(LabelRequirement(key, "!"))
        elif kind == "id":
            key = word
            _check_key(key)
            kind, op = peek()
            if kind in (",", "end"):
                requirements.append(LabelRequirement(key, "exists"))
            elif kind == "op" and op in ("=", "==", "!="):
                take()
                kind, value = peek()
                if kind == "id":
                    take()
                elif kind in (",", "end"):
                    value = ""
                else:
                    raise SelectorError(f"found '{value}', expected: identifier")
                _check_value(key, 0, value)
                requirements.append(LabelRequirement(key, "!=" if op == "!=" else "=", (value,)))
            elif kind == "op" and op in ("<", ">"):
                take()
                kind, value = take()
                try:
                    int(value)
                except ValueError:
                    raise SelectorError(
                        f"unable to parse requirement: for 'Gt', 'Lt' operators, the value must be "
                        f"an integer"
                    ) from None
                requirements.append(LabelRequirement(key, "gt" if op == ">" else "lt", (value,)))
            elif kind in ("in", "notin"):
                set_op = kind
                take()
                if take()[0] != "(":
                    raise SelectorError("found '', expected: '('")
                values: list[str] = []
                while True:
                    kind, value = take()
                    if kind == "id":
                        values.append(value)
                        kind, value = take()
                    elif kind in (",", ")"):
                        values.append("")
                    if kind == ")":
                        break
                    if kind != ",":
                        raise SelectorError(f"found '{value}', expected: ',' or ')'")
                for position, value in enumerate(values):
                    _check_value(key, position, value)
                requirements.append(LabelRequirement(key, set_op, tuple(values)))
            else:
                raise SelectorError(f"found '{op}', expected: in, notin, =, ==, !=, gt, lt")
        else:
            raise SelectorError(f"found '{word}', expected: !, identifier, or 'end of string'")
        kind, word = take()
        if kind == "end":
            break
        if kind != ",":
            raise SelectorError(f"found '{word}', expected: ',' or 'end of string'")
    return LabelSelector(tuple(requirements))


# --- fields ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    field: str
    operator: str  # "=" or "!="
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.field, "")
        return have == self.value if self.operator == "=" else have != self.value


@dataclass(frozen=True, slots=True)
class FieldSelector:
    requirements: tuple[FieldRequirement, ...] = ()

    def matches(self, fields: Mapping[str, str]) -> bool:
        return all(r.matches(fields) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def single_value(self, field: str) -> str | None:
        """The value ``field`` must equal, when the selector pins it (``metadata.name=x``)."""
        for requirement in self.requirements:
            if requirement.field == field and requirement.operator == "=":
                return requirement.value
        return None


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, i = [], [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    parts.append("".join(current))
    return parts


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text) or text[i + 1] not in "\\,=!":
                raise SelectorError(f"invalid field selector: invalid escape sequence in {text!r}")
            out.append(text[i + 1])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _split_term(term: str) -> tuple[str, str, str] | None:
    i = 0
    while i < len(term):
        if term[i] == "\\":
            i += 2
            continue
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op) :]
        i += 1
    return None


def parse_field_selector(text: str) -> FieldSelector:
    """fields.ParseSelector."""
    if not text:
        return FieldSelector()
    requirements = []
    for term in _split_unescaped(text, ","):
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        lhs, op, rhs = split
        requirements.append(
            FieldRequirement(_unescape(lhs), "!=" if op == "!=" else "=", _unescape(rhs))
        )
    return FieldSelector(tuple(requirements))
