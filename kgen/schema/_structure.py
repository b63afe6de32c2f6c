"""The structural checks kube-apiserver makes after the OpenAPI validator, in its order.

- embedded resources (``x-kubernetes-embedded-resource``, apiextensions' ``objectmeta.Validate``):
  apiVersion and kind present and well formed, metadata as ObjectMeta validation checks it;
- ``x-kubernetes-list-type`` (``listtype.ValidateListSetsAndMaps``): a set's items, and a map list's
  keys, appear once (``Duplicate value``: the second occurrence, as the apiserver reports it).
"""

from __future__ import annotations

from typing import Any

from kgen.runtime._validation import dns1035_label, label_value, qualified_name
from kgen.runtime._violation import Violation
from kgen.schema._node import Node
from kgen.schema._validate import bad_value as _bad
from kgen.schema._validate import go_json as _go_json
from kgen.schema._validate import hashable as _hashable

__all__ = ["validate_embedded", "validate_list_types"]


# --- embedded resources (objectmeta.Validate) -----------------------------------------------------


def _field(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _key(path: str, key: str) -> str:
    return f"{path}[{key}]"


def _parse_group_version(text: str) -> str | None:
    if text.count("/") > 1:
        return f"unexpected GroupVersion string: {text}"
    return None


def _path_segment(name: str, prefix: bool) -> list[str]:
    if not prefix and name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in name]


def _embedded_meta(meta: Any, path: str, errs: list[Violation]) -> None:
    where = _field(path, "metadata")
    if not isinstance(meta, dict):
        errs.append(Violation("FieldValueInvalid", where, _bad(meta), "must be an object"))
        return
    generate = meta.get("generateName") or ""
    if isinstance(generate, str) and generate:
        for message in _path_segment(generate, True):
            errs.append(Violation("FieldValueInvalid", f"{where}.generateName", generate, message))
    name = meta.get("name") or "fakename"
    if isinstance(name, str):
        for message in _path_segment(name, False):
            errs.append(Violation("FieldValueInvalid", f"{where}.name", name, message))
    labels = meta.get("labels")
    if isinstance(labels, dict):
        for key, val in labels.items():
            for message in qualified_name(str(key)):
                errs.append(Violation("FieldValueInvalid", f"{where}.labels", key, message))
            for message in label_value(str(val)):
                errs.append(Violation("FieldValueInvalid", f"{where}.labels", val, message))
    annotations = meta.get("annotations")
    if isinstance(annotations, dict):
        for key in annotations:
            for message in qualified_name(str(key).lower()):
                errs.append(Violation("FieldValueInvalid", f"{where}.annotations", key, message))


def _embedded(value: dict[str, Any], path: str, errs: list[Violation]) -> None:
    if "apiVersion" not in value:
        errs.append(
            Violation("FieldValueRequired", _field(path, "apiVersion"), None, "must not be empty")
        )
    if "kind" not in value:
        errs.append(
            Violation("FieldValueRequired", _field(path, "kind"), None, "must not be empty")
        )
    for key, item in value.items():
        if key == "apiVersion":
            where = _field(path, key)
            if not isinstance(item, str):
                errs.append(Violation("FieldValueInvalid", where, _bad(item), "must be a string"))
            elif not item:
                errs.append(Violation("FieldValueInvalid", where, item, "must not be empty"))
            else:
                problem = _parse_group_version(item)
                if problem:
                    errs.append(Violation("FieldValueInvalid", where, item, problem))
        elif key == "kind":
            where = _field(path, key)
            if not isinstance(item, str):
                errs.append(Violation("FieldValueInvalid", where, _bad(item), "must be a string"))
            elif not item:
                errs.append(Violation("FieldValueInvalid", where, item, "must not be empty"))
            else:
                problems = dns1035_label(item.lower())
                if problems:
                    errs.append(
                        Violation(
                            "FieldValueInvalid",
                            where,
                            item,
                            "may have mixed case, but should otherwise match: "
                            + ",".join(problems),
                        )
                    )
        elif key == "metadata":
            _embedded_meta(item, path, errs)


def validate_embedded(node: Node, value: Any, path: str, errs: list[Violation]) -> None:
    """Pass 2: apiVersion, kind and metadata of every x-kubernetes-embedded-resource."""
    if isinstance(value, dict):
        if node.embedded and path:
            _embedded(value, path, errs)
        properties = node.properties or {}
        for key, item in value.items():
            child = properties.get(key)
            if child is not None:
                validate_embedded(child, item, _field(path, key), errs)
            elif node.additional is not None:
                validate_embedded(node.additional, item, _key(path, key), errs)
    elif isinstance(value, list) and node.items is not None:
        for i, item in enumerate(value):
            validate_embedded(node.items, item, f"{path}[{i}]", errs)


# --- list types (listtype.ValidateListSetsAndMaps) ------------------------------------------------


def validate_list_types(node: Node, value: Any, path: str, errs: list[Violation]) -> None:
    """Pass 3: duplicates in x-kubernetes-list-type set and map lists."""
    if isinstance(value, dict):
        properties = node.properties or {}
        for key, item in value.items():
            child = properties.get(key)
            if child is not None:
                validate_list_types(child, item, _field(path, key), errs)
            elif node.additional is not None:
                validate_list_types(node.additional, item, _key(path, key), errs)
        return
    if not isinstance(value, list):
        return
    if node.list_type == "set":
        seen: dict[Any, int] = {}
        for i, item in enumerate(value):
            key = (
                ("json", _go_json(item))
                if isinstance(item, (dict, list))
                else (type(item).__name__, item)
            )
            times = seen.get(key, 0)
            seen[key] = times + 1
            if times == 1:
                errs.append(Violation("FieldValueDuplicate", f"{path}[{i}]", _bad(item)))
    elif node.list_type == "map":
        _list_map(node, value, path, errs)
    if node.items is not None:
        for i, item in enumerate(value):
            validate_list_types(node.items, item, f"{path}[{i}]", errs)


def _list_map(node: Node, value: list[Any], path: str, errs: list[Violation]) -> None:
    for i, item in enumerate(value):
        if item is not None and not isinstance(item, dict):
            errs.append(
                Violation(
                    "FieldValueInvalid",
                    f"{path}[{i}]",
                    _bad(item),
                    "must be an object for an array of list-type map",
                )
            )
            return
    if len(value) <= 1:
        return
    seen: set[Any] = set()
    for i, item in enumerate(value):
        entry = item if isinstance(item, dict) else {}
        keys = {k: entry[k] for k in node.map_keys if k in entry}
        marker = tuple(_hashable(entry.get(k, _UNSET_KEY)) for k in node.map_keys)
        if marker in seen:
            errs.append(Violation("FieldValueDuplicate", f"{path}[{i}]", _bad(keys)))
        else:
            seen.add(marker)


_UNSET_KEY = ("unspecified",)
