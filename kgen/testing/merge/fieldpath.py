"""Field sets: the fields a manager owns, and their ``FieldsV1`` form in ``metadata.managedFields``.

A path is a tuple of :class:`PathElement`: a field or map key (``f:name``), a list-map item by its
key fields (``k:{"name":"nginx"}``), a set item by its value (``v:"foo"``) or a list index (``i:0``,
for lists that are neither). Atomic lists and maps are single fields: nothing below them is tracked.

A :class:`FieldSet` is a tree, as in structured-merge-diff: each node has *members* (paths in the
set) and *children* (paths with something in the set below them). A node that is both shows
``".": {}`` in FieldsV1. Serialisation sorts path elements the way structured-merge-diff does
(fields, then keys, then values, then indexes; values by type then value) and encodes JSON like Go,
so the managedFields written here are byte-for-byte what kube-apiserver writes.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Literal, TypeAlias

from kgen.testing.merge.schema import FieldInfo

__all__ = [
    "FieldPathError",
    "FieldSet",
    "Path",
    "PathElement",
    "go_json",
    "item_element",
    "path_string",
    "paths_of",
]

ElementKind: TypeAlias = Literal["f", "k", "v", "i"]
_KIND_ORDER = {"f": 0, "k": 1, "v": 2, "i": 3}


class FieldPathError(ValueError):
    """A value with no path (an item without its key fields, a map in a set...), or bad FieldsV1."""


@dataclass(frozen=True)
class PathElement:
    """One step of a path. ``text`` is what follows ``f:``, ``k:``, ``v:`` or ``i:`` in FieldsV1."""

    kind: ElementKind
    text: str
    _order: tuple[Any, ...] = dataclass_field(default=(), compare=False, repr=False)

    @staticmethod
    def field(name: str) -> PathElement:
        element = _FIELD_ELEMENTS.get(name)
        if element is None:
            element = PathElement("f", name, (0, name))
            if len(_FIELD_ELEMENTS) < _CACHED_ELEMENTS:
                _FIELD_ELEMENTS[name] = element
        return element

    @staticmethod
    def key(fields: Iterable[tuple[str, Any]]) -> PathElement:
        items = sorted(fields, key=lambda item: item[0])
        # Elements are immutable and their values are scalars as a rule: made once per key.
        # True, 1 and 1.0 are equal keys of a dict, so the cache key holds each value's type.
        cache_key: tuple[Any, ...] | None = tuple(
            (name, type(v), v) for name, v in items if type(v) in _SCALAR_KEYS
        )
        if cache_key is not None and len(cache_key) != len(items):
            cache_key = None
        if cache_key is not None:
            cached = _KEY_ELEMENTS.get(cache_key)
            if cached is not None:
                return cached
        text = "{" + ",".join(f"{go_json(name)}:{go_json(v)}" for name, v in items) + "}"
        element = PathElement("k", text, (1, tuple((name, _value_order(v)) for name, v in items)))
        if cache_key is not None and len(_KEY_ELEMENTS) < _CACHED_ELEMENTS:
            _KEY_ELEMENTS[cache_key] = element
        return element

    @staticmethod
    def value(value: Any) -> PathElement:
        return PathElement("v", go_json(value), (2, _value_order(value)))

    @staticmethod
    def index(index: int) -> PathElement:
        return PathElement("i", str(index), (3, index))

    @staticmethod
    def parse(serialized: str) -> PathElement:
        """A FieldsV1 key (``f:name``, ``k:{...}``, ``v:...``, ``i:3``)."""
        kind, sep, text = serialized.partition(":")
        if not sep:
            raise FieldPathError(f"invalid path element {serialized!r}")
        try:
            if kind == "f":
                return PathElement.field(text)
            if kind == "k":
                fields = json.loads(text)
                if not isinstance(fields, dict):
                    raise FieldPathError(f"key of {serialized!r} is not an object")
                return PathElement.key(fields.items())
            if kind == "v":
                return PathElement.value(json.loads(text))
            if kind == "i":
                return PathElement.index(int(text))
        except ValueError as error:
            raise FieldPathError(f"invalid path element {serialized!r}: {error}") from None
        raise FieldPathError(f"unknown path element type in {serialized!r}")

    def __str__(self) -> str:
        return f"{self.kind}:{self.text}"

    def __lt__(self, other: PathElement) -> bool:
        return self._order < other._order

    def render(self) -> str:
        """How the apiserver prints the element: ``.name``, ``[name="a"]``, ``[="v"]``, ``[0]``."""
        if self.kind == "f":
            return "." + self.text
        if self.kind == "k":
            fields = json.loads(self.text)
            return "[" + ",".join(f"{name}={go_json(v)}" for name, v in fields.items()) + "]"
        if self.kind == "v":
            return f"[={self.text}]"
        return f"[{self.text}]"


Path: TypeAlias = tuple[PathElement, ...]

# Path elements made once (an object's walks make the same ones over and over), up to a bound.
_CACHED_ELEMENTS = 100_000
_FIELD_ELEMENTS: dict[str, PathElement] = {}
_KEY_ELEMENTS: dict[tuple[Any, ...], PathElement] = {}
_SCALAR_KEYS = frozenset({str, int, float, bool, type(None)})


def path_string(path: Path) -> str:
    """``.spec.containers[name="nginx"].image``, as in the apiserver's conflict messages."""
    return "".join(element.render() for element in path)


class FieldSet:
    """A set of paths. Operations return new sets; :meth:`insert` is for building one."""

    __slots__ = ("_members", "_children")

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self._members: set[PathElement] = set()
        self._children: dict[PathElement, FieldSet] = {}
        for path in paths:
            self.insert(path)

    # --- building and reading ----------------------------------------------------------------

    def insert(self, path: Path) -> None:
        # The empty path is the whole object, which nobody owns.
        if not path:
            return
        node = self
        for element in path[:-1]:
            child = node._children.get(element)
            if child is None:
                child = node._children[element] = FieldSet()
            node = child
        node._members.add(path[-1])

    def node(self, path: Path) -> FieldSet:
        """The set below ``path``, made part of this one (for building: what is added to it is
        added here, below ``path``)."""
        node = self
        for element in path:
            child = node._children.get(element)
            if child is None:
                child = node._children[element] = FieldSet()
            node = child
        return node

    def add(self, element: PathElement) -> None:
        """Insert the one-element path ``(element,)`` (for building)."""
        self._members.add(element)

    def has(self, path: Path) -> bool:
        if not path:
            return False
        node: FieldSet | None = self
        for element in path[:-1]:
            node = node._children.get(element) if node is not None else None
        return node is not None and path[-1] in node._members

    def with_prefix(self, element: PathElement) -> FieldSet:
        """The part of the set below ``element``."""
        return self._children.get(element) or FieldSet()

    def is_empty(self) -> bool:
        return not self._members and all(c.is_empty() for c in self._children.values())

    def __bool__(self) -> bool:
        return not self.is_empty()

    def __iter__(self) -> Iterator[Path]:
        """The paths in the set, in FieldsV1 order."""
        for element in sorted(self._members | set(self._children), key=_ORDER):
            if element in self._members:
                yield (element,)
            child = self._children.get(element)
            if child is not None:
                for rest in child:
                    yield (element, *rest)

    def leaves(self) -> Iterator[Path]:
        """The paths in the set that have nothing of the set below them."""
        for path in self:
            node = self
            for element in path:
                node = node.with_prefix(element)
            if node.is_empty():
                yield path

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"FieldSet({[path_string(p) for p in self]})"

    # --- set algebra -------------------------------------------------------------------------

    def union(self, other: FieldSet) -> FieldSet:
        # A part of one set only is shared, not copied (as difference shares): sets are not
        # changed once built.
        out = FieldSet()
        out._members = self._members | other._members
        for element, child in self._children.items():
            theirs = other._children.get(element)
            out._children[element] = child if theirs is None else child.union(theirs)
        for element, child in other._children.items():
            if element not in self._children:
                out._children[element] = child
        return out

    def intersection(self, other: FieldSet) -> FieldSet:
        out = FieldSet()
        out._members = self._members & other._members
        for element in set(self._children) & set(other._children):
            child = self._children[element].intersection(other._children[element])
            if not child.is_empty():
                out._children[element] = child
        return out

    def difference(self, other: FieldSet) -> FieldSet:
        """The paths of this set that are not in ``other`` (paths below them may stay)."""
        out = FieldSet()
        out._members = self._members - other._members
        for element, child in self._children.items():
            rest = (
                child.difference(other._children[element]) if element in other._children else child
            )
            if not rest.is_empty():
                out._children[element] = rest
        return out

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """The paths of this set that neither are in ``other`` nor lie below one of its paths."""
        out = FieldSet()
        out._members = self._members - other._members
        for element, child in self._children.items():
            if element in other._members:
                continue
            if element in other._children:
                child = child.recursive_difference(other._children[element])
            if not child.is_empty():
                out._children[element] = child
        return out

    def ensure_named_fields_are_members(self, info: FieldInfo) -> FieldSet:
        """Also own the struct fields that have owned paths below them (structured-merge-diff does
        this before removing fields, so that an emptied struct goes too)."""
        out = FieldSet()
        out._members = set(self._members)
        for element, child in self._children.items():
            if element.kind == "f" and info.has_field(element.text):
                out._members.add(element)
            out._children[element] = child.ensure_named_fields_are_members(
                _child_info(info, element)
            )
        return out

    # --- FieldsV1 ----------------------------------------------------------------------------

    @classmethod
    def from_fieldsv1(cls, fields: Any) -> FieldSet:
        if not isinstance(fields, dict):
            raise FieldPathError("FieldsV1 must be a JSON object")
        out = cls()
        for key, sub in fields.items():
            if key == ".":
                continue
            element = PathElement.parse(key)
            if not isinstance(sub, dict):
                raise FieldPathError(f"the value of {key!r} must be a JSON object")
            if not sub or "." in sub:
                out._members.add(element)
            child = cls.from_fieldsv1(sub)
            if not child.is_empty():
                out._children[element] = child
        return out

    def to_fieldsv1(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        members, children = self._members, self._children
        for element in sorted(members | children.keys(), key=_ORDER):
            child = children.get(element)
            name = f"{element.kind}:{element.text}"
            if child is None or child.is_empty():
                out[name] = {}
            elif element in members:
                out[name] = {".": {}, **child.to_fieldsv1()}
            else:
                out[name] = child.to_fieldsv1()
        return out


# The sort key of path elements (what PathElement.__lt__ compares), compared without calls.
_ORDER = operator.attrgetter("_order")


def _child_info(info: FieldInfo, element: PathElement) -> FieldInfo:
    return info.child(element.text) if element.kind == "f" else info.element()


# --- the fields an object sets -------------------------------------------------------------------


def item_element(info: FieldInfo, index: int, item: Any) -> PathElement:
    """The path element of the ``index``-th item of a list described by ``info``."""
    if info.list_type == "map" and info.list_map_keys:
        if item is None:
            raise FieldPathError("associative list with keys may not have a null element")
        if not isinstance(item, dict):
            raise FieldPathError("associative list with keys may not have non-map elements")
        defaults = dict(info.key_defaults)
        fields = []
        for key in info.list_map_keys:
            if key in item:
                fields.append((key, item[key]))
            elif key in defaults:
                fields.append((key, defaults[key]))
            else:
                raise FieldPathError(
                    f'associative list with keys has an element that omits key field "{key}" '
                    "(and doesn't have default value)"
                )
        return PathElement.key(fields)
    if info.list_type in ("set", "map"):
        if isinstance(item, dict):
            raise FieldPathError("associative list without keys has an element that's a map type")
        if isinstance(item, list):
            raise FieldPathError("not supported: associative list with lists as elements")
        if item is None:
            raise FieldPathError(
                "associative list without keys has an element that's an explicit null"
            )
        return PathElement.value(item)
    return PathElement.index(index)


def paths_of(obj: Any, info: FieldInfo) -> FieldSet:
    """The fields ``obj`` sets: what a manager owns when it applies ``obj``."""
    out = FieldSet()
    _collect(obj, info, (), out)
    return out


def _collect(value: Any, info: FieldInfo, path: Path, out: FieldSet) -> None:
    if info.is_leaf:
        out.insert(path)
    elif isinstance(value, dict) and info.kind in ("struct", "map", "any"):
        for key, child in value.items():
            child_path = (*path, PathElement.field(key))
            _collect(child, info.child(key), child_path, out)
            # An empty or null value is owned as such; a map key (not a struct field) always is.
            if child is None or child == {} or not info.has_field(key):
                out.insert(child_path)
    elif isinstance(value, list) and info.kind == "list":
        element = info.element()
        for index, item in enumerate(value):
            try:
                item_path = (*path, item_element(info, index, item))
            except FieldPathError as error:
                raise FieldPathError(f"{path_string(path)}: element {index}: {error}") from None
            _collect(item, element, item_path, out)
            out.insert(item_path)
    elif value is not None:
        # A scalar, a free-form list, or a value of the wrong shape: one field.
        out.insert(path)


# --- JSON as Go writes it ------------------------------------------------------------------------


def go_json(value: Any) -> str:
    """Compact JSON as Go's encoding/json writes it: HTML characters escaped, 1.0 written 1."""
    text = json.dumps(_go_numbers(value), separators=(",", ":"), ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _go_numbers(value: Any) -> Any:
    if (
        isinstance(value, float)
        and math.isfinite(value)
        and value.is_integer()
        and abs(value) < 1e21
    ):
        return int(value)
    if isinstance(value, dict):
        return {k: _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def _value_order(value: Any) -> tuple[Any, ...]:
    """structured-merge-diff's order of values: numbers, strings, booleans, lists, maps, null."""
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, (int, float)):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value)
    if isinstance(value, list):
        return (3, tuple(_value_order(v) for v in value))
    if isinstance(value, dict):
        return (4, tuple((k, _value_order(value[k])) for k in sorted(value)))
    return (5,)
