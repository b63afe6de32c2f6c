"""Label selectors as ``k8s.io/apimachinery/pkg/labels`` reads them: requirements, what they match, and
the parser (``labels.Parse``) with its error messages, word for word.

=================  ===========================================================
``k=v``, ``k==v``  the label is present with that value
``k!=v``           the label is absent, or has another value
``k in (a,b)``     the label is present with one of the values
``k notin (a,b)``  the label is absent, or has none of the values
``k``              the label is present
``!k``             the label is absent
``k>1``, ``k<1``   the label is present and its value, an integer, is greater / less
=================  ===========================================================

Requirements are joined by commas and must all hold; the empty selector matches everything. The forms
a caller gives a selector in (builders, mappings, a ``LabelSelector``) are in
:mod:`kgen.runtime._selectors`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from kgen.runtime._validation import label_value, qualified_name
from kgen.runtime._violation import go_q

__all__ = [
    "EXPRESSION_OPERATORS",
    "LabelRequirement",
    "Operator",
    "ParsedLabelSelector",
    "SelectorError",
    "new_requirement",
    "parse_labels",
]

#: The operators of a label requirement, spelled as apimachinery's ``selection.Operator``.
Operator = Literal["!", "=", "==", "!=", "in", "notin", "exists", "gt", "lt"]
#: metav1.LabelSelectorOperator (a ``matchExpressions`` entry's operator) as the selector operator it
#: becomes (metav1.LabelSelectorAsSelector).
EXPRESSION_OPERATORS: dict[str, Operator] = {
    "In": "in",
    "NotIn": "notin",
    "Exists": "exists",
    "DoesNotExist": "!",
}
_OPERATORS: tuple[Operator, ...] = ("in", "notin", "=", "==", "!=", "gt", "lt", "exists", "!")
_BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt"


class SelectorError(ValueError):
    """A selector that does not parse, or a requirement that is not valid.

    ``message`` is what kube-apiserver says (its 400 carries it word for word); ``str()`` adds the
    selector and where in it the parser stopped, when there is a text.
    """

    def __init__(
        self,
        message: str,
        *,
        selector: str | None = None,
        position: int | None = None,
        kind: str = "label",
    ) -> None:
        self.message = message
        self.selector = selector
        self.position = position
        if selector is None:
            text = message
        else:
            where = f" at position {position}" if position is not None else ""
            text = f"invalid {kind} selector {selector!r}{where}: {message}"
        super().__init__(text)


# --- apimachinery's field.Error and aggregate, for the messages ------------------------------------


def _invalid(path: str, value: str | Sequence[str], detail: str) -> str:
    """field.Invalid(path, value, detail).Error(): strings with %q, []string with %#v."""
    if isinstance(value, str):
        shown = go_q(value)
    else:
        shown = "[]string{" + ", ".join(go_q(v) for v in value) + "}"
    return f"{path}: Invalid value: {shown}: {detail}"


def _aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one message as is, several (deduplicated) in brackets."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


def _parse_int64(text: str) -> int | None:
    """strconv.ParseInt(text, 10, 64), or None where it fails."""
    if not re.fullmatch(r"[+-]?[0-9]+", text):
        return None
    number = int(text)
    return number if -(2**63) <= number < 2**63 else None


# --- label requirements ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LabelRequirement:
    """One requirement (``labels.Requirement``): a key, an :data:`Operator` and its values, kept
    sorted and unique (a set, as apimachinery keeps them). Build checked ones with
    :func:`new_requirement`."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        op = self.operator
        if op in ("in", "=", "=="):
            return self.key in labels and labels[self.key] in self.values
        if op in ("notin", "!="):
            return self.key not in labels or labels[self.key] not in self.values
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        if op in ("gt", "lt"):
            if self.key not in labels or len(self.values) != 1:
                return False
            have, want = _parse_int64(labels[self.key]), _parse_int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == "gt" else have < want
        return False

    def __str__(self) -> str:
        """Requirement.String(): ``k=v``, ``k in (a,b)``, ``!k``..."""
        op = self.operator
        if op == "exists":
            return self.key
        if op == "!":
            return f"!{self.key}"
        values = ",".join(self.values)
        if op in ("in", "notin"):
            return f"{self.key} {op} ({values})"
        symbol = {"gt": ">", "lt": "<"}.get(op, op)
        return f"{self.key}{symbol}{values}"


def _requirement_problems(
    key: str, operator: str, values: Sequence[str], *, key_path: str
) -> list[str]:
    """NewRequirement's checks, in its order."""
    problems = []
    key_problems = qualified_name(key)
    if key_problems:
        problems.append(_invalid(key_path, key, "; ".join(key_problems)))
    if operator in ("in", "notin"):
        if not values:
            problems.append(
                _invalid("values", values, "for 'in', 'notin' operators, values set can't be empty")
            )
    elif operator in ("=", "==", "!="):
        if len(values) != 1:
            problems.append(
                _invalid("values", values, "exact-match compatibility requires one single value")
            )
    elif operator in ("exists", "!"):
        if values:
            problems.append(
                _invalid("values", values, "values set must be empty for exists and does not exist")
            )
    elif operator in ("gt", "lt"):
        if len(values) != 1:
            problems.append(
                _invalid(
                    "values", values, "for 'Gt', 'Lt' operators, exactly one value is required"
                )
            )
        for index, value in enumerate(values):
            if _parse_int64(value) is None:
                problems.append(
                    _invalid(
                        f"values[{index}]",
                        value,
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    else:
        supported = ", ".join(go_q(o) for o in _OPERATORS)
        problems.append(
            f"operator: Unsupported value: {go_q(operator)}: supported values: {supported}"
        )
    for index, value in enumerate(values):
        value_problems = label_value(value)
        if value_problems:
            problems.append(_invalid(f"values[{index}][{key}]", value, "; ".join(value_problems)))
    return problems


def new_requirement(key: str, operator: str, values: Iterable[str] = ()) -> LabelRequirement:
    """labels.NewRequirement: a requirement whose key, operator and values are checked (SelectorError
    with apimachinery's message otherwise). The values are a set: kept sorted and unique."""
    unique = tuple(sorted(set(values)))
    problems = _requirement_problems(key, operator, unique, key_path="key")
    if problems:
        raise SelectorError(_aggregate(problems))
    return LabelRequirement(key, operator, unique)  # type: ignore[arg-type]  # checked above


@dataclass(frozen=True, slots=True)
class ParsedLabelSelector:
    """Requirements that must all hold; ``ParsedLabelSelector()`` matches everything.

    A parsed string keeps its requirements in the order they were written (apimachinery sorts them by
    key, which changes nothing they match); one made from a mapping or a ``LabelSelector`` is sorted by
    key, so that ``str()`` is client-go's ``String()`` of it.
    """

    requirements: tuple[LabelRequirement, ...] = ()

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        have = labels or {}
        return all(r.matches(have) for r in self.requirements)

    @property
    def empty(self) -> bool:
        return not self.requirements

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


# --- the label selector parser (labels.Parse) -------------------------------------------------------

_WHITESPACE = frozenset(" \t\r\n")
_SPECIAL = frozenset("=!(),><")
_SYMBOLS = frozenset({")", ",", "!", "==", "=", ">", "<", "!=", "("})
_IDENTIFIER, _END = "identifier", "end"


def _lex(text: str) -> list[tuple[str, str, int]]:
    """(token, literal, position) as apimachinery's Lexer scans them; the token of a word is
    ``identifier``, ``in`` or ``notin``. As Go's lexer reads it, a NUL character where a token starts
    ends the text, and within a token ends the token."""
    tokens: list[tuple[str, str, int]] = []
    pos = 0

    def read() -> str:
        nonlocal pos
        if pos >= len(text):
            return "\x00"
        pos += 1
        return text[pos - 1]

    while True:
        char = read()
        while char in _WHITESPACE:
            char = read()
        if char == "\x00":
            tokens.append((_END, "", pos))
            return tokens
        start = pos - 1
        buffer = char
        if char in _SPECIAL:
            # The longest run of special characters that is still a symbol ("!=", not "!=(").
            while True:
                char = read()
                if char == "\x00":
                    break
                if char not in _SPECIAL or buffer + char not in _SYMBOLS:
                    pos -= 1
                    break
                buffer += char
            tokens.append((buffer, buffer, start))
            continue
        while True:
            char = read()
            if char == "\x00":
                break
            if char in _SPECIAL or char in _WHITESPACE:
                pos -= 1
                break
            buffer += char
        tokens.append((buffer if buffer in ("in", "notin") else _IDENTIFIER, buffer, start))


class _LabelParser:
    """apimachinery's Parser: ``values`` context reads the words ``in`` and ``notin`` as identifiers
    (``in in (in)`` is a requirement on the key "in")."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _lex(text)
        self.index = 0

    def _lookahead(self, values: bool = True) -> tuple[str, str]:
        token, literal, _ = self.tokens[self.index]
        if values and token in ("in", "notin"):
            token = _IDENTIFIER
        return token, literal

    def _consume(self, values: bool = True) -> tuple[str, str]:
        token = self._lookahead(values)
        self.index += 1
        return token

    def _error(self, message: str, at: int | None = None) -> SelectorError:
        index = min(self.index if at is None else at, len(self.tokens) - 1)
        return SelectorError(message, selector=self.text, position=self.tokens[index][2])

    def parse(self) -> ParsedLabelSelector:
        requirements: list[LabelRequirement] = []
        while True:
            token, literal = self._lookahead()
            if token == _END:
                return ParsedLabelSelector(tuple(requirements))
            if token not in (_IDENTIFIER, "!"):
                raise self._error(f"found '{literal}', expected: !, identifier, or 'end of string'")
            start = self.index
            try:
                requirements.append(self._requirement(start))
            except _RequirementError as exc:
                raise self._error(f"unable to parse requirement: {exc.message}", exc.at) from None
            token, literal = self._consume()
            if token == _END:
                return ParsedLabelSelector(tuple(requirements))
            if token != ",":
                raise self._error(
                    f"found '{literal}', expected: ',' or 'end of string'", self.index - 1
                )
            following, literal = self._lookahead()
            if following not in (_IDENTIFIER, "!"):
                raise self._error(f"found '{literal}', expected: identifier after ','")

    def _requirement(self, start: int) -> LabelRequirement:
        key, operator = self._key_and_inferred_operator()
        if operator is None:
            operator = self._operator()
            if operator in ("in", "notin"):
                values = self._values()
            else:
                values = self._exact_value()
        else:
            values = set()
        unique = tuple(sorted(values))
        problems = _requirement_problems(key, operator, unique, key_path="key")
        if problems:
            raise _RequirementError(_aggregate(problems), start)
        return LabelRequirement(key, operator, unique)

    def _key_and_inferred_operator(self) -> tuple[str, Operator | None]:
        operator: Operator | None = None
        token, literal = self._consume()
        if token == "!":
            operator = "!"
            token, literal = self._consume()
        if token != _IDENTIFIER:
            raise _RequirementError(f"found '{literal}', expected: identifier", self.index - 1)
        problems = qualified_name(literal)
        if problems:
            raise _RequirementError(_invalid("<nil>", literal, "; ".join(problems)), self.index - 1)
        if self._lookahead()[0] in (_END, ",") and operator is None:
            operator = "exists"
        return literal, operator

    def _operator(self) -> Operator:
        token, literal = self._consume(values=False)
        operators: dict[str, Operator] = {
            "in": "in",
            "notin": "notin",
            "=": "=",
            "==": "==",
            "!=": "!=",
            ">": "gt",
            "<": "lt",
        }
        if token not in operators:
            raise _RequirementError(
                f"found '{literal}', expected: {_BINARY_OPERATORS}", self.index - 1
            )
        return operators[token]

    def _values(self) -> set[str]:
        """``(a,b)``; ``()`` is the set of the empty value, and so is every empty item."""
        token, literal = self._consume()
        if token != "(":
            raise _RequirementError(f"found '{literal}' expected: '('", self.index - 1)
        token, literal = self._lookahead()
        if token in (_IDENTIFIER, ","):
            values = self._identifiers()
            if self._consume()[0] != ")":
                raise _RequirementError(f"found '{literal}', expected: ')'", self.index - 1)
            return values
        if token == ")":
            self._consume()
            return {""}
        raise _RequirementError(f"found '{literal}', expected: ',', ')' or identifier")

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self._consume()
            if token == _IDENTIFIER:
                values.add(literal)
                following, literal = self._lookahead()
                if following == ",":
                    continue
                if following == ")":
                    return values
                raise _RequirementError(f"found '{literal}', expected: ',' or ')'", self.index)
            if token == ",":
                if not values:
                    values.add("")  # "(,"
                following, _ = self._lookahead()
                if following == ")":
                    values.add("")  # ",)"
                    return values
                if following == ",":
                    self._consume()
                    values.add("")  # ",,"
                continue
            raise _RequirementError(
                f"found '{literal}', expected: ',', or identifier", self.index - 1
            )

    def _exact_value(self) -> set[str]:
        token, _ = self._lookahead()
        if token in (_END, ","):
            return {""}  # "k=" selects the empty value
        token, literal = self._consume()
        if token == _IDENTIFIER:
            return {literal}
        raise _RequirementError(f"found '{literal}', expected: identifier", self.index - 1)


class _RequirementError(Exception):
    def __init__(self, message: str, at: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.at = at


def parse_labels(text: str) -> ParsedLabelSelector:
    """labels.Parse: a selector string (the empty string selects everything); :class:`SelectorError`
    with kube-apiserver's message if it does not parse."""
    return _LabelParser(text).parse()
