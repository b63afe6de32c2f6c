"""The structured-merge-diff walks over two values and their schema: merge a configuration into a live
object (list-map items by their keys, set items by value, atomic lists and maps whole), compare two
values field by field, and remove a set of fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from kgen.testing.merge.fieldpath import (
    FieldPathError,
    FieldSet,
    Path,
    PathElement,
    item_element,
    path_string,
)
from kgen.testing.merge.schema import FieldInfo

__all__ = ["Comparison", "compare", "equal", "merge_values", "remove"]


@dataclass
class Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet


class Missing:
    """An absent value (as opposed to ``null``)."""


_MISSING = Missing()


def shape_of(info: FieldInfo, *values: Any) -> Literal["leaf", "map", "list"]:
    """How to walk a position: as one value, or item by item.

    Empty or null containers are leaves, as are values of the wrong shape.
    """
    if info.is_leaf:
        return "leaf"
    present = [v for v in values if v is not _MISSING and v is not None]
    if info.kind in ("struct", "map", "any"):
        if present and all(isinstance(v, dict) for v in present) and any(present):
            return "map"
    elif info.kind == "list":
        if present and all(isinstance(v, list) for v in present) and any(present):
            return "list"
    return "leaf"


def items_of(info: FieldInfo, value: Any, path: Path, *, strict: bool) -> dict[PathElement, Any]:
    """The items of a granular list by path element (a config may not repeat one)."""
    items: dict[PathElement, Any] = {}
    if not isinstance(value, list):
        return items
    for index, item in enumerate(value):
        try:
            element = item_element(info, index, item)
        except FieldPathError as error:
            raise FieldPathError(f"{path_string(path)}: element {index}: {error}") from None
        if element in items:
            if strict:
                raise FieldPathError(
                    f"{path_string(path)}: duplicate entries for key {element.render()}"
                )
            continue
        items[element] = item
    return items


def keys_of(*mappings: dict[Any, Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for mapping in mappings:
        for key in mapping:
            seen.setdefault(key, None)
    return list(seen)


def compare(old: Any, new: Any, info: FieldInfo) -> Comparison:
    comparison = Comparison(FieldSet(), FieldSet(), FieldSet())
    _compare_at(old, new, info, (), comparison)
    return comparison


_ENCODE = msgspec.json.Encoder().encode


def _same(old: Any, new: Any) -> bool:
    """Whether two values are :func:`equal`, known at C speed in the common case of a write that
    leaves most of an object as it was: Python's ``==`` (for which ``1 == True`` too) confirmed
    by equal JSON encodings (where ``true`` and ``1`` differ). False when unsure (``1`` against
    ``1.0``, maps in another order): the walk then tells."""
    if type(old) is not type(new) or old != new:
        return False
    try:
        return _ENCODE(old) == _ENCODE(new)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        return False


def _compare_at(old: Any, new: Any, info: FieldInfo, path: Path, out: Comparison) -> None:
    if old is not _MISSING and new is not _MISSING and _same(old, new):
        return  # nothing added, modified or removed at or below ``path``
    if old is _MISSING and path:
        # All of it is new (as all of a created object is): added, down to its leaves.
        _add_all(new, info, path, out.added.node(path[:-1]))
        return
    shape = shape_of(info, old, new)
    if shape == "leaf":
        if old is _MISSING:
            out.added.insert(path)
        elif new is _MISSING:
            out.removed.insert(path)
        elif not equal(old, new):
            out.modified.insert(path)
        return
    if shape == "map":
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        for key in keys_of(old_map, new_map):
            child = (*path, PathElement.field(key))
            _compare_at(
                old_map.get(key, _MISSING), new_map.get(key, _MISSING), info.child(key), child, out
            )
    else:
        old_items = items_of(info, old, path, strict=False)
        new_items = items_of(info, new, path, strict=False)
        for element in keys_of(old_items, new_items):
            _compare_at(
                old_items.get(element, _MISSING),
                new_items.get(element, _MISSING),
                info.element(),
                (*path, element),
                out,
            )
    if old is _MISSING:
        out.added.insert(path)
    elif new is _MISSING:
        out.removed.insert(path)


def _add_all(value: Any, info: FieldInfo, path: Path, parent: FieldSet) -> None:
    """What :func:`_compare_at` records of a value where there was none, built straight into the
    set: the value's path (in ``parent``, the set at its parent's path) and every path below it,
    walked as :func:`shape_of` says."""
    parent.add(path[-1])
    if info.is_leaf:
        return
    if info.kind in ("struct", "map", "any"):
        if isinstance(value, dict) and value:
            node = parent.node(path[-1:])
            for key, child in value.items():
                element = PathElement.field(key)
                child_info = info.child(key)
                if child_info.is_leaf:
                    node.add(element)  # what the call would do, without the call
                else:
                    _add_all(child, child_info, (*path, element), node)
    elif info.kind == "list":
        if isinstance(value, list) and value:
            items = items_of(info, value, path, strict=False)
            node = parent.node(path[-1:])
            element_info = info.element()
            for element, item in items.items():
                _add_all(item, element_info, (*path, element), node)


def merge_values(live: Any, config: Any, info: FieldInfo, path: Path = ()) -> Any:
    """The configuration merged into the live value (configuration wins); _MISSING if neither."""
    shape = shape_of(info, live, config)
    if shape == "leaf":
        return config if config is not _MISSING else live
    if shape == "map":
        live_map = live if isinstance(live, dict) else {}
        config_map = config if isinstance(config, dict) else {}
        out = {}
        for key in keys_of(live_map, config_map):
            value = merge_values(
                live_map.get(key, _MISSING),
                config_map.get(key, _MISSING),
                info.child(key),
                (*path, PathElement.field(key)),
            )
            if value is not _MISSING:
                out[key] = value
        return out if out else _MISSING
    out_list = _merge_items(
        items_of(info, live, path, strict=False),
        items_of(info, config, path, strict=True),
        info.element(),
        path,
    )
    return out_list if out_list else _MISSING


def _merge_items(
    live: dict[PathElement, Any], config: dict[PathElement, Any], info: FieldInfo, path: Path
) -> list[Any]:
    """Merge list items, keeping the configuration's order and the live items around them where
    they were (structured-merge-diff's ordering)."""
    live_order, config_order = list(live), list(config)
    shared = [element for element in config_order if element in live]
    next_shared = shared.pop(0) if shared else None
    out: list[Any] = []
    done: set[PathElement] = set()

    def emit(element: PathElement) -> None:
        value = merge_values(
            live.get(element, _MISSING), config.get(element, _MISSING), info, (*path, element)
        )
        done.add(element)
        if value is not _MISSING:
            out.append(value)

    li = ci = 0
    while li < len(live_order) or ci < len(config_order):
        if li < len(live_order) and ci < len(config_order):
            element = live_order[li]
            if element == config_order[ci]:
                emit(element)
                li += 1
                ci += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in config and next_shared is not None and next_shared != element:
                li += 1  # a shared item the configuration wants later
                continue
        if li < len(live_order):
            element = live_order[li]
            if element not in config:
                emit(element)
                li += 1
                continue
            if element in done:
                li += 1
                continue
        if ci < len(config_order):
            element = config_order[ci]
            emit(element)
            ci += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop(0) if shared else None
        elif li < len(live_order):
            li += 1
    return out


def remove(value: Any, fields: FieldSet, info: FieldInfo) -> Any:
    """``value`` without the fields of ``fields``; an emptied map or list becomes null."""
    if fields.is_empty() or info.is_leaf:
        return value
    if isinstance(value, dict) and value and info.kind in ("struct", "map", "any"):
        out = {}
        for key, child in value.items():
            element = PathElement.field(key)
            if fields.has((element,)):
                continue
            below = fields.with_prefix(element)
            out[key] = child if below.is_empty() else remove(child, below, info.child(key))
        return out or None
    if isinstance(value, list) and value and info.kind == "list":
        out_list = []
        for index, item in enumerate(value):
            try:
                element = item_element(info, index, item)
            except FieldPathError:
                out_list.append(item)
                continue
            if fields.has((element,)):
                continue
            below = fields.with_prefix(element)
            out_list.append(item if below.is_empty() else remove(item, below, info.element()))
        return out_list or None
    return value


def equal(a: Any, b: Any) -> bool:
    """structured-merge-diff's value equality: numbers compare by value, maps ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b
