"""Label and field selectors: one parser and matcher with ``k8s.io/apimachinery``'s grammar, meaning and
messages, for everything in kgen that reads a selector (a lister filtering its cache, kgen.testing's
server answering a list or a watch), and the builders a client writes one with::

    Labels().eq("app", "web").in_("tier", ["front", "back"]).exists("canary")
    -> "app=web,tier in (back,front),canary"
    Fields().eq("metadata.name", "x").ne("status.phase", "Running")
    -> "metadata.name=x,status.phase!=Running"

Label selectors are read as ``labels.Parse`` reads them (:mod:`kgen.runtime._labels`: the grammar,
what each requirement matches, the messages). Field selectors (``fields.ParseSelector``) are ``f=v``,
``f==v`` and ``f!=v`` joined by commas; ``\\``, ``,`` and ``=`` in a value are escaped with a backslash.
A selector that does not parse raises :class:`~kgen.runtime._labels.SelectorError` (a ValueError), whose
``message`` is kube-apiserver's: its 400 says exactly that.

Every call that takes a selector accepts a string, one of the builders, or a mapping (``{"app": "web"}``
means ``app=web``); a label selector may also be a ``LabelSelector`` (a Deployment's ``spec.selector``),
converted as client-go's ``LabelSelectorAsSelector`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, Union

from kgen.runtime._labels import (
    EXPRESSION_OPERATORS,
    LabelRequirement,
    Operator,
    ParsedLabelSelector,
    SelectorError,
    new_requirement,
    parse_labels,
)
from kgen.runtime._meta import LabelSelector
from kgen.runtime._violation import go_q

__all__ = [
    "FieldRequirement",
    "Fields",
    "LabelSelectorLike",
    "Labels",
    "ParsedFieldSelector",
    "SelectorLike",
    "escape_field_value",
    "label_selector_string",
    "parse_field_selector",
    "parse_label_selector",
    "selector_string",
]

# --- label selectors of every form ----------------------------------------------------------------


def _from_set(labels: Mapping[str, str]) -> ParsedLabelSelector:
    """labels.ValidatedSelectorFromSet: ``key=value`` requirements, checked, sorted by key."""
    return ParsedLabelSelector(
        tuple(new_requirement(k, "=", [v]) for k, v in sorted(labels.items()))
    )


def _from_model(selector: LabelSelector) -> ParsedLabelSelector:
    """metav1.LabelSelectorAsSelector: matchLabels and matchExpressions, checked, sorted by key (an
    empty one selects everything)."""
    # Checked as client-go checks it: a selector may come from an object someone else wrote, and a
    # key or value holding "," or "(" would otherwise change what the query selects.
    requirements = [new_requirement(k, "=", [v]) for k, v in (selector.match_labels or {}).items()]
    for expression in selector.match_expressions or []:
        operator = EXPRESSION_OPERATORS.get(expression.operator)
        if operator is None:
            raise SelectorError(
                f"{go_q(expression.operator)} is not a valid label selector operator"
            )
        requirements.append(new_requirement(expression.key, operator, expression.values or []))
    return ParsedLabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


LabelSelectorLike = Union[
    str, Mapping[str, str], "Labels", LabelSelector, ParsedLabelSelector, None
]


def parse_label_selector(selector: LabelSelectorLike) -> ParsedLabelSelector:
    """A label selector of any form, parsed: a string (``labels.Parse``), a mapping, a :class:`Labels`
    builder, a ``LabelSelector``, a ParsedLabelSelector, or None (everything).

    Raises :class:`SelectorError` (a ValueError) for one that does not parse, TypeError for something
    that is not a label selector."""
    if selector is None:
        return ParsedLabelSelector()
    if isinstance(selector, ParsedLabelSelector):
        return selector
    if isinstance(selector, str):
        return parse_labels(selector)
    if isinstance(selector, Labels):
        return selector.selector()
    if isinstance(selector, LabelSelector):  # deployment.spec.selector, for instance
        return _from_model(selector)
    if isinstance(selector, Mapping):
        return _from_set(selector)
    raise TypeError(f"not a label selector: {type(selector).__name__}")


def label_selector_string(selector: LabelSelector) -> str:
    """A ``metav1.LabelSelector`` as a selector string (client-go's ``LabelSelectorAsSelector(...)
    .String()``); an empty one selects everything."""
    return str(_from_model(selector))


# --- field selectors (fields.ParseSelector) --------------------------------------------------------


def escape_field_value(value: str) -> str:
    """fields.EscapeValue: backslash, comma and equals escaped with a backslash."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def _unescape_field_value(value: str) -> str:
    """fields.UnescapeValue: only ``\\\\``, ``\\,`` and ``\\=`` are escapes; a bare ``,`` or ``=`` is
    an error."""
    out: list[str] = []
    escaped = False
    for char in value:
        if escaped:
            if char not in "\\,=":
                raise SelectorError(
                    f"invalid field selector: invalid escape sequence: \\{char}", kind="field"
                )
            out.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in ",=":
            raise SelectorError(
                f"invalid field selector: unescaped character in value: {ord(char)}", kind="field"
            )
        else:
            out.append(char)
    if escaped:
        raise SelectorError("invalid field selector: invalid escape sequence: \\", kind="field")
    return "".join(out)


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """``field=value`` (``==`` is the same) or ``field!=value``."""

    field: str
    operator: Literal["=", "!="]
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        have = fields.get(self.field, "")
        return have != self.value if self.operator == "!=" else have == self.value

    def __str__(self) -> str:
        return f"{self.field}{self.operator}{escape_field_value(self.value)}"


@dataclass(frozen=True, slots=True)
class ParsedFieldSelector:
    """Requirements that must all hold, in apimachinery's order (sorted by their text)."""

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

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def _split_terms(text: str) -> list[str]:
    """Split at commas that are not escaped (the backslash stays in the term)."""
    terms, start, escaped = [], 0, False
    for i, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def parse_field_selector(text: str) -> ParsedFieldSelector:
    """fields.ParseSelector: terms sorted, each split at its first operator (the field is taken as
    written, the value unescaped). Raises :class:`SelectorError` with apimachinery's message."""
    if not text:
        return ParsedFieldSelector()
    requirements = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        found = next(
            (
                (i, op)
                for i in range(len(term))
                for op in ("!=", "==", "=")
                if term.startswith(op, i)
            ),
            None,
        )
        if found is None:
            raise SelectorError(
                f"invalid selector: '{text}'; can't understand '{term}'", kind="field"
            )
        i, op = found
        value = _unescape_field_value(term[i + len(op) :])
        requirements.append(FieldRequirement(term[:i], "!=" if op == "!=" else "=", value))
    return ParsedFieldSelector(tuple(requirements))


# --- builders -------------------------------------------------------------------------------------


class Labels:
    """A label selector built from requirements (joined with AND), each checked as apimachinery's
    ``NewRequirement`` checks it (:class:`SelectorError`, a ValueError, otherwise)."""

    def __init__(self) -> None:
        self._requirements: tuple[LabelRequirement, ...] = ()

    def _add(self, key: str, operator: Operator, values: Iterable[str] = ()) -> Labels:
        new = Labels()
        new._requirements = (*self._requirements, new_requirement(key, operator, values))
        return new

    def eq(self, key: str, value: str) -> Labels:
        return self._add(key, "=", [value])

    def ne(self, key: str, value: str) -> Labels:
        return self._add(key, "!=", [value])

    def in_(self, key: str, values: Iterable[str]) -> Labels:
        return self._add(key, "in", values)

    def not_in(self, key: str, values: Iterable[str]) -> Labels:
        return self._add(key, "notin", values)

    def exists(self, key: str) -> Labels:
        return self._add(key, "exists")

    def not_exists(self, key: str) -> Labels:
        return self._add(key, "!")

    def selector(self) -> ParsedLabelSelector:
        """What this selects, to match labels with."""
        return ParsedLabelSelector(self._requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        return f"Labels({str(self)!r})"


class Fields:
    """A field selector (``=`` and ``!=`` only, as the API supports); values are escaped."""

    def __init__(self) -> None:
        self._requirements: tuple[FieldRequirement, ...] = ()

    def _add(self, requirement: FieldRequirement) -> Fields:
        new = Fields()
        new._requirements = (*self._requirements, requirement)
        return new

    def eq(self, field: str, value: str) -> Fields:
        return self._add(FieldRequirement(field, "=", value))

    def ne(self, field: str, value: str) -> Fields:
        return self._add(FieldRequirement(field, "!=", value))

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        return f"Fields({str(self)!r})"


SelectorLike = Union[str, Labels, Fields, Mapping[str, str], LabelSelector]


def selector_string(selector: SelectorLike | None, *, field: bool = False) -> str | None:
    """The query string form of a selector. A dict is ``key=value`` pairs: escaped for a field
    selector, checked for a label selector (``labels.ValidatedSelectorFromSet``: a value cannot hold a
    comma). A ``LabelSelector`` (``deployment.spec.selector``) is converted as client-go's
    ``LabelSelectorAsSelector`` does."""
    if selector is None:
        return None
    if isinstance(selector, (Labels, Fields)):
        return str(selector)
    if isinstance(selector, Mapping):
        if field:
            return ",".join(f"{k}={escape_field_value(v)}" for k, v in sorted(selector.items()))
        return str(_from_set(selector))
    if isinstance(selector, LabelSelector):
        if field:
            raise TypeError("a LabelSelector is a label selector, not a field selector")
        return label_selector_string(selector)
    if isinstance(selector, str):
        return selector
    raise TypeError(f"not a selector: {type(selector).__name__} (a str, dict, Labels or Fields)")
