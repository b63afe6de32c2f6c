"""Label and field selectors: strings as the API takes them, or built from parts.

    Labels.eq("app", "web").in_("tier", ["front", "back"]).exists("canary")
    -> "app=web,tier in (back,front),canary"
    Fields.eq("metadata.name", "x").ne("status.phase", "Running")
    -> "metadata.name=x,status.phase!=Running"

Every call that takes a selector accepts a string, one of these builders, or a mapping (``{"app": "web"}``
means ``app=web``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Union

from kgen.runtime._meta import LabelSelector

__all__ = ["Fields", "Labels", "SelectorLike", "label_selector_string", "selector_string"]

# Label values and keys are restricted; refusing bad ones here gives a clearer error than the server's.
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


class Labels:
    """A label selector built from requirements (joined with AND)."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def _add(self, part: str) -> Labels:
        new = Labels()
        new._parts = [*self._parts, part]
        return new

    def eq(self, key: str, value: str) -> Labels:
        return self._add(f"{key}={_value(value)}")

    def ne(self, key: str, value: str) -> Labels:
        return self._add(f"{key}!={_value(value)}")

    def in_(self, key: str, values: Iterable[str]) -> Labels:
        return self._add(f"{key} in ({','.join(sorted(_value(v) for v in values))})")

    def not_in(self, key: str, values: Iterable[str]) -> Labels:
        return self._add(f"{key} notin ({','.join(sorted(_value(v) for v in values))})")

    def exists(self, key: str) -> Labels:
        return self._add(key)

    def not_exists(self, key: str) -> Labels:
        return self._add(f"!{key}")

    def __str__(self) -> str:
        return ",".join(self._parts)

    def __repr__(self) -> str:
        return f"Labels({str(self)!r})"


class Fields:
    """A field selector (``=``, ``==`` and ``!=`` only, as the API supports)."""

    def __init__(self) -> None:
        self._parts: list[str] = []

    def _add(self, part: str) -> Fields:
        new = Fields()
        new._parts = [*self._parts, part]
        return new

    def eq(self, field: str, value: str) -> Fields:
        return self._add(f"{field}={_escape_field(value)}")

    def ne(self, field: str, value: str) -> Fields:
        return self._add(f"{field}!={_escape_field(value)}")

    def __str__(self) -> str:
        return ",".join(self._parts)

    def __repr__(self) -> str:
        return f"Fields({str(self)!r})"


SelectorLike = Union[str, Labels, Fields, Mapping[str, str], LabelSelector]


def selector_string(selector: SelectorLike | None, *, field: bool = False) -> str | None:
    """The query string form of a selector. A dict is ``key=value`` pairs: escaped for a field
    selector, checked for a label selector (whose values cannot hold a comma). A ``LabelSelector``
    (``deployment.spec.selector``) is converted as client-go's ``LabelSelectorAsSelector`` does."""
    if selector is None:
        return None
    if isinstance(selector, (Labels, Fields)):
        return str(selector)
    if isinstance(selector, Mapping):
        if field:
            return ",".join(f"{k}={_escape_field(v)}" for k, v in sorted(selector.items()))
        return ",".join(f"{k}={_value(v)}" for k, v in sorted(selector.items()))
    if isinstance(selector, LabelSelector):
        if field:
            raise TypeError("a LabelSelector is a label selector, not a field selector")
        return label_selector_string(selector)
    if isinstance(selector, str):
        return selector
    raise TypeError(f"not a selector: {type(selector).__name__} (a str, dict, Labels or Fields)")


def label_selector_string(selector: LabelSelector) -> str:
    """A ``metav1.LabelSelector`` as a selector string (client-go's ``LabelSelectorAsSelector``); an
    empty one selects everything."""
    # Checked as client-go checks it: a selector may come from an object someone else wrote, and a
    # key or value holding "," or "(" would otherwise change what the query selects.
    parts = [f"{_key(k)}={_value(v)}" for k, v in sorted((selector.match_labels or {}).items())]
    for requirement in selector.match_expressions or []:
        key, operator = _key(requirement.key), requirement.operator
        values = sorted(requirement.values or [])
        if operator in ("In", "NotIn"):
            if not values:
                raise ValueError(f"{operator} needs at least one value (key {key!r})")
            word = "in" if operator == "In" else "notin"
            parts.append(f"{key} {word} ({','.join(_value(v) for v in values)})")
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                raise ValueError(f"{operator} takes no values (key {key!r})")
            parts.append(key if operator == "Exists" else f"!{key}")
        else:
            raise ValueError(f"{operator!r} is not a valid label selector operator")
    return ",".join(parts)


_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$"
)


def _key(key: str) -> str:
    name = key.rpartition("/")[2]
    if not _LABEL_KEY.match(key) or len(name) > 63 or len(key) > 253 + 1 + 63:
        raise ValueError(f"invalid label key {key!r}")
    return key


def _value(value: str) -> str:
    if not _LABEL_VALUE.match(value) or len(value) > 63:
        raise ValueError(f"invalid label value {value!r}")
    return value


def _escape_field(value: str) -> str:
    # Field selector values escape backslash, comma and equals (fields.EscapeValue).
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
