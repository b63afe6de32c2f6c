"""Keeping fields the models do not know through a typed read-modify-write.

A model generated from an older API drops fields a newer server sends (msgspec ignores unknown keys), and a
typed ``update`` would then erase them on the server (kubernetes/kubernetes#111703). So the typed clients
remember the JSON each single object came from (``get``, ``create``, ``update``, ``patch``, ``apply``), and
``update``/``update_status`` put the unknown keys back, at every depth, next to the model's own fields:

- a field the model knows is always what the object says now (set to None, it is removed);
- a key the model does not know is sent back as it came;
- list items are matched by ``name`` where they have one, else by position when the list kept its
  length, else to an item whose known fields are unchanged: an item added (or both moved and changed)
  carries only what the model knows.

The JSON is remembered by the object's uid and resourceVersion (which name exactly one state of one
object on the server), in a bounded least-recently-used table: models are ``gc=False`` structs, which cannot
have weak references, and keying by identity could confuse a freed object with a new one. Objects from
lists and watches (informer caches) are not remembered: write those with a patch or with server-side
apply, which never send fields they do not set.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

import msgspec

import kgen.runtime._codec as codec

__all__ = ["encode_preserving", "remember"]

logger = logging.getLogger(__name__)

#: How many read objects are remembered (the JSON of each, typically a few KB).
CAPACITY = 1024
_raw: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_lock = threading.Lock()


def _key(obj: Any) -> tuple[str, str] | None:
    metadata = getattr(obj, "metadata", None)
    uid = getattr(metadata, "uid", None)
    version = getattr(metadata, "resource_version", None)
    if isinstance(uid, str) and uid and isinstance(version, str) and version:
        return (uid, version)
    return None


def _describe(obj: Any) -> str:
    metadata = getattr(obj, "metadata", None)
    name = getattr(metadata, "name", None)
    namespace = getattr(metadata, "namespace", None)
    return f"{type(obj).__name__} {namespace + '/' if namespace else ''}{name}"


def remember(obj: Any, raw: bytes) -> None:
    """Keep ``raw``, the JSON ``obj`` was decoded from, under the object's uid and resourceVersion."""
    key = _key(obj)
    if key is None:
        return
    with _lock:
        _raw[key] = raw
        _raw.move_to_end(key)
        while len(_raw) > CAPACITY:
            _raw.popitem(last=False)


def original(obj: Any) -> bytes | None:
    key = _key(obj)
    if key is None:
        return None
    with _lock:
        raw = _raw.get(key)
        if raw is not None:
            _raw.move_to_end(key)
        return raw


def encode_preserving(obj: Any) -> bytes:
    """JSON for ``obj``, with the keys its models do not know taken from the JSON it was read from."""
    raw = original(obj)
    if raw is None:
        # From a list, a watch or a cache, or evicted from the table: only the model's fields go.
        logger.debug("no remembered JSON for %s: unknown fields cannot be kept", _describe(obj))
        return codec.encode(obj)
    try:
        source = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return codec.encode(obj)
    return codec.encode(_merge(obj, source))


def _merge(value: Any, raw: Any) -> Any:
    if isinstance(value, msgspec.Struct):
        if not isinstance(raw, dict):
            return codec.to_builtins(value)
        out: dict[str, Any] = {}
        known = set()
        for item in msgspec.structs.fields(value):
            known.add(item.encode_name)
            current = getattr(value, item.name)
            if current is None and item.default is None:
                continue  # omitted on encode (omit_defaults): the field is unset
            out[item.encode_name] = _merge(current, raw.get(item.encode_name))
        for key, extra in raw.items():
            if key not in known:
                out[key] = extra
        return out
    if isinstance(value, list) and isinstance(raw, list):
        return _merge_list(value, raw)
    if isinstance(value, dict) and isinstance(raw, dict):
        return {k: _merge(v, raw.get(k)) for k, v in value.items()}
    return codec.to_builtins(value)


def _merge_list(values: list[Any], raws: list[Any]) -> list[Any]:
    """Each item takes the unknown keys of the item it was read as: the one with the same ``name``
    (containers, volumes, ports...); for unnamed items, the one at the same position when the list
    kept its length, else one whose known fields are unchanged. An item with no counterpart (new, or
    unnamed and both moved and changed) carries only what the model knows."""
    unused = list(range(len(raws)))
    out = []
    for index, value in enumerate(values):
        match = None
        name = getattr(value, "name", None) if isinstance(value, msgspec.Struct) else None
        if isinstance(name, str):
            match = next(
                (i for i in unused if isinstance(raws[i], dict) and raws[i].get("name") == name),
                None,
            )
        elif len(values) == len(raws):
            match = index
        elif isinstance(value, msgspec.Struct):
            match = next((i for i in unused if _unchanged(value, raws[i])), None)
        if match is None:
            out.append(codec.to_builtins(value))
        else:
            if match in unused:
                unused.remove(match)
            out.append(_merge(value, raws[match]))
    return out


def _unchanged(value: msgspec.Struct, raw: Any) -> bool:
    """Whether ``raw`` read as ``value``'s type (unknown keys ignored) equals ``value``."""
    if not isinstance(raw, dict):
        return False
    try:
        return bool(codec.from_builtins(raw, type(value)) == value)
    except (msgspec.ValidationError, TypeError, ValueError):
        return False
