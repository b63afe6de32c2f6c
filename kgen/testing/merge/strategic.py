"""Strategic merge patch, applied as kube-apiserver applies it (k8s.io/apimachinery strategicpatch).

A strategic merge patch is a JSON merge patch whose lists can merge: a list whose field has patch
strategy ``merge`` merges maps by their patch merge key and takes the union of scalars; other lists
are replaced. Directives refine it:

- ``"$patch": "replace"`` replaces a map (or, as an item, the whole list) with the patch's content,
  ``"$patch": "delete"`` empties a map or, as an item, deletes the items with its merge key;
- ``"$retainKeys": [...]`` drops the keys of a map that are not listed;
- ``"$deleteFromPrimitiveList/<field>": [...]`` removes scalars from a merged list;
- ``"$setElementOrder/<field>": [...]`` gives the order of the items of a merged list;
- ``null`` deletes a key.

Item order follows the apiserver: without ``$setElementOrder``, the patch's items come first in
patch order, and the items only in the live list are interleaved where the live order puts them (so
a new item is prepended: ``[a, b]`` patched with ``[c]`` is ``[c, a, b]``).

Errors carry the status code kube-apiserver answers with: 400 for the malformed directive lists it
recognises, 422 for lists of lists, and 500 (its answer to errors it does not classify, such as an
item without its merge key) for the rest, with the apiserver's message.
"""

from __future__ import annotations

import copy
from typing import Any

from kgen.testing.merge.json_patch import PatchError, json_equal
from kgen.testing.merge.schema import FieldInfo

__all__ = ["StrategicPatchError", "apply_strategic_merge_patch"]

_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_ORDER_PREFIX = "$setElementOrder"

_BAD_PRIMITIVE_LIST = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS = "invalid patch format of retainKeys"
_BAD_ORDER_LIST = "invalid patch format of setElementOrder list"
_NO_LIST_OF_LISTS = "lists of lists are not supported"


class StrategicPatchError(PatchError):
    """A strategic merge patch that kube-apiserver would refuse; ``code`` is its HTTP status."""

    def __init__(self, message: str, *, code: int = 500) -> None:
        super().__init__(message, code=code)


def apply_strategic_merge_patch(
    original: dict[str, Any], patch: dict[str, Any], info: FieldInfo
) -> dict[str, Any]:
    """Apply ``patch`` to a copy of ``original``; ``info`` describes the object's type."""
    if not isinstance(patch, dict):
        raise StrategicPatchError(
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type "
            "map[string]interface {}",
            code=400,
        )
    merged = _merge_map(copy.deepcopy(original), copy.deepcopy(patch), info)
    # Decoding into the Go type drops nulls and the directive keys left in values taken whole.
    cleaned: dict[str, Any] = _cleanup(merged)
    return cleaned


# --- maps --------------------------------------------------------------------------------------


def _merge_map(original: dict[str, Any] | None, patch: dict[str, Any], info: FieldInfo) -> Any:
    if _DIRECTIVE in patch:
        directive = patch.pop(_DIRECTIVE)
        if directive == "replace":
            return patch
        if directive == "delete":
            return {}
        patch[_DIRECTIVE] = directive
        raise StrategicPatchError(f"unknown patch type: {_go(directive)} in map: {_go(patch)}")
    if original is None:
        original = {}
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, info)
    for key, value in list(patch.items()):
        delete_list = key.startswith(_DELETE_PREFIX)
        if delete_list:
            key = _strip_prefix(key, _DELETE_PREFIX, _BAD_PRIMITIVE_LIST)
        if value is None:
            original.pop(key, None)
            continue
        if key not in original or _json_kind(original[key]) != _json_kind(value):
            if not delete_list:
                _take(original, key, value)
            continue
        current = original[key]
        child = info.child(key)
        strategy = _strategy(child)
        if isinstance(current, dict):
            original[key] = value if strategy == "replace" else _merge_map(current, value, child)
        elif isinstance(current, list):
            original[key] = _merge_list_field(current, value, child, strategy, delete_list)
        else:
            _take(original, key, value)
    return original


def _take(original: dict[str, Any], key: str, value: Any) -> None:
    """Set a value from the patch that is not merged: nulls and ``$patch`` maps in it go."""
    _discard_nulls(value)
    kept, keep = _remove_directives(value)
    if keep:
        original[key] = kept
    else:
        original.pop(key, None)


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise StrategicPatchError(_BAD_RETAIN_KEYS, code=400)
    keep = {key for key in retain if isinstance(key, str)}
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_PREFIX, _ORDER_PREFIX)):
            continue
        if key not in keep:
            raise StrategicPatchError(_BAD_RETAIN_KEYS, code=400)
    for key in [k for k in original if k not in keep]:
        del original[key]


def _strategy(info: FieldInfo) -> str:
    """The field's patch strategy without ``retainKeys`` (the patch carries ``$retainKeys``)."""
    strategies = [s for s in (info.patch_strategy or "").split(",") if s]
    if len(strategies) <= 1:
        single = strategies[0] if strategies else ""
        return "" if single == "retainKeys" else single
    if len(strategies) == 2 and "retainKeys" in strategies:
        return strategies[1] if strategies[0] == "retainKeys" else strategies[0]
    raise StrategicPatchError(f"unexpected patch strategy: {_go(strategies)}")


# --- lists -------------------------------------------------------------------------------------


def _merge_list_field(
    original: list[Any], patch: Any, info: FieldInfo, strategy: str, delete_list: bool
) -> Any:
    if not isinstance(patch, list):
        raise StrategicPatchError(f"expected a []interface {{}}, but received a {_go_type(patch)}")
    # Deletion lists work whatever the field's strategy.
    if strategy == "merge" or delete_list:
        return _merge_list(original, patch, info, delete_list)
    return patch


def _merge_list(original: list[Any], patch: list[Any], info: FieldInfo, delete_list: bool) -> Any:
    if not original and not patch:
        return original
    kind = _element_kind(original, patch)
    key = info.patch_merge_key or ""
    if kind != "object":
        if delete_list:
            return [item for item in original if not any(_same(item, d) for d in patch)]
        merged = _dedupe(original + patch)
    else:
        if not key:
            raise StrategicPatchError("cannot merge lists without merge key")
        original, patch = _special_items(original, patch, key)
        merged = _merge_items(original, patch, key, info.element())
    patch_items, server_only = _partition(merged, patch, key)
    return _order(patch_items, server_only, patch, original, key, kind)


def _special_items(original: list[Any], patch: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Handle the ``$patch`` items: deletions by merge key, and ``replace`` of the whole list."""
    plain = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            plain.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if key not in item:
                raise StrategicPatchError(_no_merge_key(item, key))
            original = [o for o in original if not _matches(o, key, item[key])]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise StrategicPatchError("merging lists cannot yet be specified in the patch")
        else:
            raise StrategicPatchError(f"unknown patch type: {_go(directive)} in map: {_go(item)}")
    if replace:
        return plain, []
    return original, plain


def _merge_items(original: list[Any], patch: list[Any], key: str, info: FieldInfo) -> list[Any]:
    merged = list(original)
    for item in patch:
        if key not in item:
            raise StrategicPatchError(_no_merge_key(item, key))
        for index, existing in enumerate(merged):
            if _matches(existing, key, item[key]):
                merged[index] = _merge_map(existing, item, info)
                break
        else:
            merged.append(item)
    return merged


def _matches(item: Any, key: str, value: Any) -> bool:
    if not isinstance(item, dict):
        raise StrategicPatchError("value for key is not a map")
    return key in item and _same(item[key], value)


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(_same(item, seen) for seen in out):
            out.append(item)
    return out


def _partition(merged: list[Any], by: list[Any], key: str) -> tuple[list[Any], list[Any]]:
    """Split ``merged`` into the items present in ``by`` and the others."""
    present: list[Any] = []
    others: list[Any] = []
    for item in merged:
        if key:
            _check_item(item, key)
            found = any(isinstance(b, dict) and _matches(b, key, item[key]) for b in by)
        else:
            found = any(_same(item, b) for b in by)
        (present if found else others).append(item)
    return present, others


def _order(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    key: str,
    kind: str,
) -> list[Any]:
    """Patch items in patch order, live-only items in live order, interleaved by the live order."""
    patch_items = _sort_by(patch_items, patch_order, key, kind)
    server_only = _sort_by(server_only, server_order, key, kind)
    out: list[Any] = []
    i = j = 0
    while i < len(server_only) and j < len(patch_items):
        left = _index(server_order, server_only[i], key, kind)
        right = _index(server_order, patch_items[j], key, kind)
        # A live item goes first only if both are live items and it comes first there; a new item
        # (not in the live list) therefore goes before the live items that follow.
        if left >= 0 and right >= 0 and left < right:
            out.append(server_only[i])
            i += 1
        else:
            out.append(patch_items[j])
            j += 1
    return out + server_only[i:] + patch_items[j:]


def _sort_by(items: list[Any], order: list[Any], key: str, kind: str) -> list[Any]:
    deleted: list[Any] = []
    if kind == "object":
        for item in items + order:
            _check_item(item, key)
        deleted = [i for i in items if i.get(_DIRECTIVE) == "delete"]
        items = [i for i in items if i.get(_DIRECTIVE) != "delete"]
    ordered = sorted(items, key=lambda item: _index(order, item, key, kind))
    return ordered + deleted


def _index(items: list[Any], value: Any, key: str, kind: str) -> int:
    def identity(item: Any) -> Any:
        if kind == "object":
            return item.get(key) if isinstance(item, dict) else None
        return item

    wanted = identity(value)
    for index, item in enumerate(items):
        if _same(identity(item), wanted):
            return index
    return -1


def _check_item(item: Any, key: str) -> None:
    if not isinstance(item, dict):
        raise StrategicPatchError(
            f"expected a map[string]interface {{}}, but received a {_go_type(item)}"
        )
    if key not in item:
        raise StrategicPatchError(_no_merge_key(item, key))


def _element_kind(*lists: list[Any]) -> str:
    """The one JSON kind of the items of ``lists``; lists of lists and mixed lists are errors."""
    kind: str | None = None
    for items in lists:
        for item in items:
            current = _json_kind(item)
            if kind is None:
                if current == "array":
                    raise StrategicPatchError(_NO_LIST_OF_LISTS, code=422)
                kind = current
            elif current != kind:
                raise StrategicPatchError(
                    f"list element types are not identical: {_go(list(lists))}"
                )
    if kind is None:
        raise StrategicPatchError("no elements in any of the given slices")
    return kind


# --- $setElementOrder --------------------------------------------------------------------------


def _merge_ordered_lists(original: dict[str, Any], patch: dict[str, Any], info: FieldInfo) -> None:
    """Merge the lists that come with a ``$setElementOrder`` list, and put them in that order."""
    for directive in [k for k in patch if k.startswith(_ORDER_PREFIX)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise StrategicPatchError(
                f"expected a []interface {{}}, but received a {_go_type(order)}"
            )
        name = _strip_prefix(directive, _ORDER_PREFIX, _BAD_ORDER_LIST)
        in_original, in_patch = name in original, name in patch
        original_list = _as_list(original.get(name)) if in_original else []
        patch_list = _as_list(patch.get(name)) if in_patch else []
        child = info.child(name)
        strategy = _strategy(child)
        key = child.patch_merge_key or ""
        _check_order(patch_list, order, key)
        if in_original and not in_patch:
            merged = original_list
        elif in_patch and not in_original:
            merged, _ = _remove_directives(patch_list)
        elif in_original and in_patch:
            merged = _merge_list_field(original_list, patch_list, child, strategy, False)
        else:
            continue
        patch_items, server_only = _partition(merged, order, key)
        kind = _element_kind(original_list, patch_list)
        original[name] = _order(patch_items, server_only, order, original_list, key, kind)
        patch.pop(name, None)


def _check_order(patch_list: list[Any], order: list[Any], key: str) -> None:
    """The patch's items must appear in the ``$setElementOrder`` list, in the same order."""
    if not order or not patch_list:
        return
    items = patch_list
    if key:
        for item in patch_list:
            if not isinstance(item, dict):
                raise StrategicPatchError(
                    f"expected a map[string]interface {{}}, but received a {_go_type(item)}"
                )
        items = [i for i in patch_list if i.get(_DIRECTIVE) != "delete"]
    p = o = 0
    while p < len(items) and o < len(order):
        if isinstance(items[p], dict) and _DIRECTIVE in items[p]:
            p += 1
            continue
        if _key_equal(items[p], order[o], key):
            p += 1
        o += 1
    if p < len(items) and o >= len(order):
        raise StrategicPatchError(
            f"the order in patch list:\n{_go(patch_list)}\n doesn't match {_ORDER_PREFIX} "
            f"list:\n{_go(order)}"
        )


def _key_equal(left: Any, right: Any, key: str) -> bool:
    if not key:
        return _same(left, right)
    for item in (left, right):
        _check_item(item, key)
    return _same(left[key], right[key])


def _as_list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise StrategicPatchError(f"expected a []interface {{}}, but received a {_go_type(value)}")
    return value


# --- helpers -----------------------------------------------------------------------------------


def _strip_prefix(key: str, prefix: str, error: str) -> str:
    head, sep, rest = key.partition("/")
    if not sep or head != prefix:
        raise StrategicPatchError(error, code=400)
    return rest


def _remove_directives(value: Any) -> tuple[Any, bool]:
    """Drop the maps that carry ``$patch`` from a value taken whole; False: drop it all."""
    if isinstance(value, dict):
        if _DIRECTIVE in value:
            return None, False
        for key in list(value):
            kept, keep = _remove_directives(value[key])
            if keep:
                value[key] = kept
            else:
                del value[key]
        return value, True
    if isinstance(value, list):
        out = []
        for item in value:
            kept, keep = _remove_directives(item)
            if keep:
                out.append(kept)
        return out, True
    return value, True


def _discard_nulls(value: Any) -> None:
    if isinstance(value, dict):
        for key in list(value):
            if value[key] is None:
                del value[key]
            else:
                _discard_nulls(value[key])
    elif isinstance(value, list):
        for item in value:
            _discard_nulls(item)


def _cleanup(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: _cleanup(v)
            for k, v in value.items()
            if v is not None
            and k != _DIRECTIVE
            and k != _RETAIN_KEYS
            and not k.startswith((_DELETE_PREFIX + "/", _ORDER_PREFIX + "/"))
        }
    if isinstance(value, list):
        return [_cleanup(item) for item in value]
    return value


def _same(a: Any, b: Any) -> bool:
    """Go's ``==`` on decoded JSON: same type and value (``1`` is not ``1.0``, nor ``true``)."""
    return json_equal(a, b)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    return "null"


def _no_merge_key(item: Any, key: str) -> str:
    return f"map: {_go(item)} does not contain declared merge key: {key}"


def _go_type(value: Any) -> str:
    """How Go's reflect names the type of a decoded JSON value."""
    return {
        "object": "map[string]interface {}",
        "array": "[]interface {}",
        "string": "string",
        "bool": "bool",
        "int": "int64",
        "number": "float64",
        "null": "<nil>",
    }[_json_kind(value)]


def _go(value: Any) -> str:
    """Go's ``%v`` of a decoded JSON value, as the apiserver's messages print them."""
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)
