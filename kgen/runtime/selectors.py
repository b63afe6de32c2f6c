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

__all__ = ["Fields", "Labels", "SelectorLike", "selector_string"]

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


SelectorLike = Union[str, Labels, Fields, Mapping[str, str]]


def selector_string(selector: SelectorLike | None) -> str | None:
    if selector is None:
        return None
    if isinstance(selector, (Labels, Fields)):
        return str(selector)
    if isinstance(selector, Mapping):
        return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    return selector


def _value(value: str) -> str:
    if not _LABEL_VALUE.match(value) or len(value) > 63:
        raise ValueError(f"invalid label value {value!r}")
    return value


def _escape_field(value: str) -> str:
    # Field selector values escape backslash, comma and equals (fields.EscapeValue).
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")
