"""Label selectors evaluated client-side: parse ``"app=web,tier in (a,b),!canary"`` and match labels.

The grammar and meaning are those of the API server (``k8s.io/apimachinery/pkg/labels``):

=================  ===========================================================
``k=v``, ``k==v``  the label is present with that value
``k!=v``           the label is absent, or has another value
``k in (a,b)``     the label is present with one of the values
``k notin (a,b)``  the label is absent, or has none of the values
``k``              the label is present
``!k``             the label is absent
``k>1``, ``k<1``   the label is present and its value, an integer, is greater / less
=================  ===========================================================

Requirements are joined by commas and must all hold; the empty selector matches everything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Union

from kgen.runtime._meta import LabelSelector
from kgen.runtime._selectors import Labels, label_selector_string

__all__ = ["LabelSelectorLike", "Requirement", "Selector", "parse_selector"]

LabelSelectorLike = Union[str, Mapping[str, str], Labels, LabelSelector, "Selector", None]

# Keys may have a DNS prefix ("app.kubernetes.io/name"); values are label values.
_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement: ``key``, an operator (``=``, ``!=``, ``in``, ``notin``, ``exists``, ``!``,
    ``>``, ``<``; ``==`` is read as ``=``) and its values."""

    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        value = labels.get(self.key)
        if op in ("=", "in"):
            return value is not None and value in self.values
        if op in ("!=", "notin"):
            return value is None or value not in self.values
        if value is None:
            return False
        try:
            number = int(value)
        except ValueError:
            return False
        (bound,) = self.values
        return number > int(bound) if op == ">" else number < int(bound)

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({','.join(sorted(self.values))})"
        return f"{self.key}{self.operator}{next(iter(self.values))}"


@dataclass(frozen=True, slots=True)
class Selector:
    """Requirements that must all hold; ``Selector(())`` matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


def parse_selector(selector: LabelSelectorLike) -> Selector:
    """A :class:`Selector` from a string, a mapping (``{"app": "web"}`` means ``app=web``), a
    :class:`~kgen.runtime._selectors.Labels` builder, a Selector, or None (everything).

    Raises ValueError, saying where, for a malformed selector."""
    if selector is None:
        return Selector()
    if isinstance(selector, Selector):
        return selector
    if isinstance(selector, Mapping):
        return Selector(
            tuple(
                Requirement(_check_key(k), "=", frozenset({_check_value(v)}))
                for k, v in sorted(selector.items())
            )
        )
    if isinstance(selector, LabelSelector):  # deployment.spec.selector, for instance
        return _Parser(label_selector_string(selector)).parse()
    if not isinstance(selector, (str, Labels)):
        raise TypeError(f"not a label selector: {type(selector).__name__}")
    return _Parser(str(selector)).parse()


def _check_key(key: str) -> str:
    if not key or len(key) > 317 or not _KEY.match(key):
        raise ValueError(f"invalid label key {key!r}")
    return key


def _check_value(value: str) -> str:
    if len(value) > 63 or not _VALUE.match(value):
        raise ValueError(f"invalid label value {value!r}")
    return value


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, int]] = []
        position = 0
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                if text[position:].strip():
                    raise self._error("unexpected character", position)
                break
            self.tokens.append((match.group(1), match.start(1)))
            position = match.end()
        self.index = 0

    def _error(self, what: str, position: int | None = None) -> ValueError:
        if position is None:
            position = (
                self.tokens[self.index][1] if self.index < len(self.tokens) else len(self.text)
            )
        return ValueError(f"invalid label selector {self.text!r}: {what} at position {position}")

    def _peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def _next(self) -> str:
        token = self._peek()
        if token is None:
            raise self._error("unexpected end")
        self.index += 1
        return token

    def parse(self) -> Selector:
        requirements: list[Requirement] = []
        if self._peek() is None:
            return Selector()
        while True:
            requirements.append(self._requirement())
            token = self._peek()
            if token is None:
                return Selector(tuple(requirements))
            if token != ",":
                raise self._error(f"expected ',' but found {token!r}")
            self.index += 1

    def _requirement(self) -> Requirement:
        token = self._next()
        if token == "!":
            return Requirement(self._key(self._next()), "!")
        key = self._key(token)
        op = self._peek()
        if op is None or op == ",":
            return Requirement(key, "exists")
        self.index += 1
        if op in ("=", "==", "!="):
            operator = "!=" if op == "!=" else "="
            value = self._peek()
            if value is None or value == ",":
                return Requirement(key, operator, frozenset({""}))  # "k=" selects the empty value
            self.index += 1
            return Requirement(key, operator, frozenset({self._value(value)}))
        if op in ("in", "notin"):
            return Requirement(key, op, self._set())
        if op in (">", "<"):
            value = self._next()
            try:
                int(value)
            except ValueError:
                raise self._error(f"{value!r} is not an integer") from None
            return Requirement(key, op, frozenset({value}))
        raise self._error(f"unknown operator {op!r}")

    def _key(self, token: str) -> str:
        if token in ("(", ")", ",", "=", "==", "!=", "!", ">", "<"):
            raise self._error(f"expected a label key but found {token!r}")
        try:
            return _check_key(token)
        except ValueError as exc:
            raise self._error(str(exc)) from None

    def _set(self) -> frozenset[str]:
        if self._next() != "(":
            raise self._error("expected '('")
        if self._peek() == ")":
            self._next()
            return frozenset({""})  # "()" is the set of the empty value, as apimachinery reads it
        values: set[str] = set()
        while True:
            token = self._next()
            if token in (",", ")"):
                values.add("")  # "(a,)" holds the empty value, as the API server reads it
            else:
                values.add(self._value(token))
                token = self._next()
            if token == ")":
                return frozenset(values)
            if token != ",":
                raise self._error(f"expected ',' or ')' but found {token!r}")

    def _value(self, token: str) -> str:
        try:
            return _check_value(token)
        except ValueError as exc:
            raise self._error(str(exc)) from None
