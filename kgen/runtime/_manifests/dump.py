"""Objects back to YAML, as ``kubectl get -o yaml`` prints them, and stable for diffs.

    print(dump_yaml(deployment))                        # one object
    print(dump_yaml(manifests, status=False))           # a set, as documents separated by ---

``apiVersion``, ``kind`` and ``metadata`` come first and ``status`` last; every other key is sorted, as
kubectl sorts them, so that the same object always prints the same. Nulls are left out (kubectl never
prints a field that is not set), ``metadata.managedFields`` too unless asked for, and ``status`` when
``status=False``. Text of several lines is written as a ``|`` block, as kubectl writes a ConfigMap's
data, and text that would read as another type (``"1"``, ``"true"``) in double quotes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

import kgen.runtime._codec as codec
from kgen.runtime._unstructured import Unstructured

__all__ = ["dump_yaml", "to_json_object"]

_FIRST = ("apiVersion", "kind", "metadata")


def to_json_object(obj: Any) -> dict[str, Any]:
    """The JSON form of a model, an Unstructured, a Manifest or a dict (a new dict for a model; the
    given one's contents otherwise, not copied)."""
    from kgen.runtime._manifests.load import Manifest

    if isinstance(obj, Manifest):
        obj = obj.object
    if isinstance(obj, Unstructured):
        return obj.object
    if isinstance(obj, dict):
        return obj
    data = codec.to_builtins(obj)
    if not isinstance(data, dict):
        raise TypeError(f"not a Kubernetes object: {type(obj).__name__}")
    return data


class _Dumper(yaml.SafeDumper):
    """kubectl's layout: lists not indented under their key, multi-line text as a literal block."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value and not any(c in value for c in "\r\t") and value == value.rstrip(" "):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    resolved = dumper.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    if resolved != "tag:yaml.org,2002:str":
        # Text that would read as a number, a boolean or null: quoted as kubectl quotes it ("1").
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _clean(value[k]) for k in sorted(value) if value[k] is not None}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _ordered(obj: Any, *, managed_fields: bool, status: bool) -> dict[str, Any]:
    data = dict(to_json_object(obj))
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and not managed_fields:
        data["metadata"] = {k: v for k, v in metadata.items() if k != "managedFields"}
    out = {key: _clean(data[key]) for key in _FIRST if data.get(key) is not None}
    for key in sorted(data):
        if key not in _FIRST and key != "status" and data[key] is not None:
            out[key] = _clean(data[key])
    if status and data.get("status") is not None:
        out["status"] = _clean(data["status"])
    return out


def dump_yaml(
    objects: Any | Iterable[Any], *, managed_fields: bool = False, status: bool = True
) -> str:
    """YAML of one object, or of several as documents separated by ``---`` (models, Unstructured
    objects, manifests or dicts)."""
    if isinstance(objects, (dict, Unstructured)) or hasattr(objects, "__struct_fields__"):
        items = [objects]
    elif isinstance(objects, Iterable):
        items = list(objects)
    else:
        items = [objects]
    documents = [
        yaml.dump(
            _ordered(obj, managed_fields=managed_fields, status=status),
            Dumper=_Dumper,
            sort_keys=False,
            default_flow_style=False,
            allow_unicode=True,
            width=1 << 30,
        )
        for obj in items
    ]
    return "---\n".join(documents)
