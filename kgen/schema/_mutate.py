"""What kube-apiserver does to a custom object before validating it: pruning, nulls, defaults.

- :func:`prune` is apiextensions' ``pruning.Prune``: fields the schema does not name are dropped, except
  under ``x-kubernetes-preserve-unknown-fields``; ``apiVersion``, ``kind`` and ``metadata`` of the root
  and of embedded resources are kept (metadata is pruned to ObjectMeta's fields). It also notes values
  of the wrong JSON type, which a built-in kind's typed decoding refuses (and the walk does not enter).
- :func:`prune_nulls` is ``PruneNonNullableNullsWithoutDefaults``: a null where the schema is not
  ``nullable`` and has no ``default`` is dropped.
- :func:`default` is ``structuraldefaulting.Default``: a missing field with a ``default``, or a null one
  where the schema is not nullable, gets a copy of the default; nested defaults apply only under
  parents that are present (or were just defaulted); list items and map values that are null get the
  items' or values' default.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from kgen.schema._node import INT_OR_STRING, MISSING, QUANTITY, Node
from kgen.schema._validate import json_type, type_accepts

__all__ = ["Mistyped", "default", "mark_defaults", "needs_default", "prune", "prune_nulls"]

_META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})


@dataclass(frozen=True, slots=True)
class Mistyped:
    """A value whose JSON type is not the schema's: ``expected`` and ``actual`` are JSON type names."""

    path: str
    expected: str
    actual: str
    value: Any


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Pruner:
    def __init__(self, unknown: list[str], mistyped: list[Mistyped]) -> None:
        self.unknown = unknown
        self.mistyped = mistyped

    def typed(self, node: Node, value: Any, path: str) -> bool:
        """Whether ``value`` has the node's JSON type (a wrong one is noted and not entered)."""
        if value is None or type_accepts(node.type, value):
            return True
        expected = "integer" if node.type in (INT_OR_STRING, QUANTITY) else node.type
        self.mistyped.append(Mistyped(path, expected, json_type(value), value))
        return False

    def prune(self, node: Node | None, value: Any, path: str) -> None:
        if node is not None and node.preserve:
            self.skip_prune(node, value, path)
            return
        if node is not None and not self.typed(node, value, path):
            return
        if isinstance(value, dict):
            if node is None:
                for key in list(value):
                    self.unknown.append(_join(path, key))
                value.clear()
                return
            properties = node.properties or {}
            for key in list(value):
                if node.embedded and key in _META_FIELDS:
                    if key == "metadata" and node.meta is not None:
                        self.prune(node.meta, value[key], _join(path, key))
                    continue
                child = properties.get(key)
                if child is not None:
                    self.prune(child, value[key], _join(path, key))
                elif node.additional is not None:
                    self.prune(node.additional, value[key], _join(path, key))
                else:
                    self.unknown.append(_join(path, key))
                    del value[key]
        elif isinstance(value, list):
            items = node.items if node is not None else None
            for i, item in enumerate(value):
                self.prune(items, item, f"{path}[{i}]")

    def skip_prune(self, node: Node, value: Any, path: str) -> None:
        if not self.typed(node, value, path):
            return
        if isinstance(value, dict):
            properties = node.properties or {}
            for key in list(value):
                if node.embedded and key in _META_FIELDS:
                    if key == "metadata" and node.meta is not None:
                        self.prune(node.meta, value[key], _join(path, key))
                    continue
                child = properties.get(key)
                if child is not None:
                    self.prune(child, value[key], _join(path, key))
                elif node.additional is not None:
                    self.prune(node.additional, value[key], _join(path, key))
        elif isinstance(value, list) and node.items is not None:
            for i, item in enumerate(value):
                self.skip_prune(node.items, item, f"{path}[{i}]")


def prune(node: Node, obj: Any, *, path: str = "") -> tuple[list[str], list[Mistyped]]:
    """Drop unknown fields of ``obj`` in place; return their paths and the mistyped values."""
    unknown: list[str] = []
    mistyped: list[Mistyped] = []
    _Pruner(unknown, mistyped).prune(node, obj, path)
    return unknown, mistyped


def _schema_for(node: Node | None, key: str) -> Node | None:
    if node is None:
        return None
    if node.properties is not None:
        child = node.properties.get(key)
        if child is not None:
            return child
    return node.additional


def prune_nulls(node: Node | None, obj: Any) -> None:
    """Drop nulls the schema neither allows (``nullable``) nor defaults, in place."""
    if isinstance(obj, dict):
        for key in list(obj):
            child = _schema_for(node, key)
            value = obj[key]
            if (
                value is None
                and child is not None
                and not child.nullable
                and child.default is MISSING
            ):
                del obj[key]
            else:
                prune_nulls(child, value)
    elif isinstance(obj, list):
        items = node.items if node is not None else None
        for item in obj:
            prune_nulls(items, item)


def _non_nullable_null(value: Any, node: Node | None) -> bool:
    return value is None and node is not None and not node.nullable


def default(node: Node | None, obj: Any) -> None:
    """Apply the schema's defaults to ``obj`` in place."""
    if node is None or not node.defaults_below:
        return
    if isinstance(obj, dict):
        properties = node.properties or {}
        for key, child in properties.items():
            if child.default is MISSING:
                continue
            if key not in obj or _non_nullable_null(obj[key], child):
                obj[key] = copy.deepcopy(child.default)
        for key in obj:
            found = properties.get(key)
            if found is not None:
                default(found, obj[key])
            elif node.additional is not None:
                if _non_nullable_null(obj[key], node.additional):
                    value = node.additional.default
                    obj[key] = None if value is MISSING else copy.deepcopy(value)
                default(node.additional, obj[key])
    elif isinstance(obj, list):
        items = node.items
        for i in range(len(obj)):
            if _non_nullable_null(obj[i], items):
                assert items is not None
                obj[i] = None if items.default is MISSING else copy.deepcopy(items.default)
            default(items, obj[i])


def mark_defaults(node: Node) -> bool:
    """Set ``defaults_below`` on every node of the tree; whether the tree has any default."""
    state: dict[int, bool] = {}

    def visit(current: Node) -> bool:
        known = state.get(id(current))
        if known is not None:
            return known
        state[id(current)] = False  # a cycle back here adds nothing new
        children = list((current.properties or {}).values())
        children += [n for n in (current.additional, current.items) if n is not None]
        found = current.default is not MISSING
        for child in children:
            found = visit(child) or found
        state[id(current)] = found
        current.defaults_below = found
        return found

    return visit(node)


def needs_default(node: Node | None, obj: Any) -> bool:
    """Whether :func:`default` would change ``obj`` (without changing it)."""
    if node is None or not node.defaults_below:
        return False
    if isinstance(obj, dict):
        properties = node.properties or {}
        for key, child in properties.items():
            if child.default is not MISSING and (
                key not in obj or _non_nullable_null(obj[key], child)
            ):
                return True
        for key, value in obj.items():
            found = properties.get(key)
            if found is not None:
                if needs_default(found, value):
                    return True
            elif node.additional is not None:
                if (
                    _non_nullable_null(value, node.additional)
                    and node.additional.default is not MISSING
                ):
                    return True
                if needs_default(node.additional, value):
                    return True
    elif isinstance(obj, list):
        items = node.items
        for value in obj:
            if (
                _non_nullable_null(value, items)
                and items is not None
                and items.default is not MISSING
            ):
                return True
            if needs_default(items, value):
                return True
    return False
