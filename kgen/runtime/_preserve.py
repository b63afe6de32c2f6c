"""Keeping the fields a model does not know, so that a typed read-modify-write loses none of them.

A model generated from an older API lacks fields a newer server sends, and a typed ``update`` would
erase them on the server (kubernetes/kubernetes#111703, where client-go drops them too). So every typed
object decoded from the server carries what its model did not know, wherever it came from (``get``,
``list``, ``watch``, an informer's cache, ``Unstructured.to_typed``), and ``update``/``update_status``
put it back, at every depth, next to the model's own fields:

- a field the model knows is always what the object says now (set to None, it is removed);
- a key the model does not know is sent back as it came;
- list items are matched by ``name`` where they have one, else by position when the list kept its
  length, else to an item whose known fields are unchanged: an item added (or both moved and changed)
  carries only what the model knows.

How it costs nothing when there is nothing to keep: models forbid unknown fields, so msgspec's decoder
(in C, at full speed) says whether an object has any. Only an object that has some is decoded again,
here, as plain JSON split against its model: the known part becomes the model, and the unknown part,
pruned to what is unknown and the path to it, is kept on the object itself as compact JSON (the ``UNKNOWN_FIELDS``
attribute of a :class:`~kgen.runtime._meta.KubernetesObject`, which deep copies and pickles keep). There
is no table and no limit, and an object with nothing unknown holds nothing more.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._meta import UNKNOWN_FIELDS, KubernetesList, KubernetesObject

__all__ = [
    "convert_keeping_unknown",
    "decode_keeping_unknown",
    "encode_preserving",
    "is_unknown_field_error",
    "split_unknown",
    "unknown_fields",
]

T = TypeVar("T")

_UNKNOWN_FIELD = "Object contains unknown field"


def is_unknown_field_error(exc: msgspec.ValidationError) -> bool:
    """Whether msgspec refused an object only for a key its model does not know (so far)."""
    return str(exc).startswith(_UNKNOWN_FIELD)


def unknown_fields(obj: Any) -> Any:
    """What ``obj`` was decoded with that its model does not know (pruned JSON), or None."""
    if isinstance(obj, KubernetesObject):
        kept = obj.__dict__.get(UNKNOWN_FIELDS)
        if kept is not None:
            return msgspec.json.decode(kept)
    return None


# --- decoding ----------------------------------------------------------------------------------------


def decode_keeping_unknown(data: Any, tp: type[T]) -> T:
    """Decode JSON that has keys ``tp``'s models do not know: each object keeps its own."""
    if isinstance(tp, type) and issubclass(tp, KubernetesList):
        return typing.cast(T, _decode_list(data, tp))
    return convert_keeping_unknown(msgspec.json.decode(data), tp)


def convert_keeping_unknown(value: Any, tp: type[T]) -> T:
    """:func:`kgen.runtime._codec.from_builtins` for data with keys the models do not know."""
    if isinstance(tp, type) and issubclass(tp, KubernetesList) and isinstance(value, dict):
        items = value.get("items")
        if isinstance(items, list):
            item_type = _item_type(tp)
            rest = {**value, "items": []}
            converted = codec.from_builtins(rest, tp)
            kept = [_convert_item(item, item_type, index) for index, item in enumerate(items)]
            msgspec.structs.force_setattr(converted, "items", kept)
            return converted
    cleaned, unknown = split_unknown(value, tp)
    obj = msgspec.convert(cleaned, tp, dec_hook=codec.dec_hook)
    if unknown is not None and isinstance(obj, KubernetesObject):
        # Kept as compact JSON: a few bytes per object in an informer's cache, not a tree of dicts.
        obj.__dict__[UNKNOWN_FIELDS] = msgspec.json.encode(unknown)
    return obj


def _decode_list(data: Any, tp: type[KubernetesList[Any]]) -> KubernetesList[Any]:
    parts = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
    raw_items = parts.pop("items", None)
    rest = {key: msgspec.json.decode(value) for key, value in parts.items()}
    converted = codec.from_builtins({**rest, "items": []}, tp)
    item_type = _item_type(tp)
    decoder = codec.decoder_for(item_type)
    items = []
    raws = msgspec.json.decode(raw_items, type=list[msgspec.Raw] | None) if raw_items else None
    for index, raw in enumerate(raws or ()):
        try:
            items.append(decoder.decode(raw))
        except msgspec.ValidationError as exc:
            if not is_unknown_field_error(exc):
                raise _at_item(exc, index) from None
            items.append(_convert_item(msgspec.json.decode(raw), item_type, index))
    msgspec.structs.force_setattr(converted, "items", items)
    return converted


def _convert_item(value: Any, item_type: type[T], index: int) -> T:
    try:
        return convert_keeping_unknown(value, item_type)
    except msgspec.ValidationError as exc:
        raise _at_item(exc, index) from None


def _at_item(exc: msgspec.ValidationError, index: int) -> msgspec.ValidationError:
    """The error of one item, with the item in its JSON path (``$.items[3].spec``)."""
    return msgspec.ValidationError(str(exc).replace("`$", f"`$.items[{index}]", 1))


def _item_type(tp: type[KubernetesList[Any]]) -> Any:
    for item in msgspec.structs.fields(tp):
        if item.encode_name == "items":
            args = typing.get_args(item.type)
            if args:
                return args[0]
    return KubernetesObject


# How to split a value of each type, compiled once per type: the walk below runs for every key of
# every object that has something unknown, so it must not ask ``typing`` about its types each time
# (that cost 5x a full decode). ``None`` means nothing under the type can be unknown (a scalar, or a
# map or list of them): the value is taken as it is, without looking inside.
_Splitter = Callable[[Any], "tuple[Any, Any]"]
_SPLITTERS: dict[Any, _Splitter | None] = {}
_STRUCT_SPLITTERS: dict[type, _Splitter] = {}


def _options(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


def _struct_in(tp: Any) -> type | None:
    for option in _options(tp):
        if isinstance(option, type) and issubclass(option, msgspec.Struct):
            return option
    return None


def _container_in(tp: Any, origin: type) -> tuple[Any, ...] | None:
    for option in _options(tp):
        if typing.get_origin(option) is origin:
            return typing.get_args(option)
    return None


def _splitter(tp: Any) -> _Splitter | None:
    """How to split a value of type ``tp`` into what it knows and the rest (None: nothing to split)."""
    try:
        return _SPLITTERS[tp]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation: compiled each time, still correct
        return _compile(tp)
    compiled = _SPLITTERS[tp] = _compile(tp)
    return compiled


def _compile(tp: Any) -> _Splitter | None:
    if tp is msgspec.Raw:
        return _split_raw
    cls = _struct_in(tp)
    mapping = _container_in(tp, dict)
    sequence = _container_in(tp, list)
    struct = _struct_splitter(cls) if cls is not None else None
    values = _splitter(mapping[-1]) if mapping else None
    items = _splitter(sequence[0]) if sequence else None
    if struct is None and values is None and items is None:
        return None

    def split(value: Any) -> tuple[Any, Any]:
        if isinstance(value, dict):
            if struct is not None:
                return struct(value)
            if values is not None:
                return _split_map(value, values)
        elif isinstance(value, list) and items is not None:
            return _split_list(value, items)
        return value, None

    return split


def _struct_splitter(cls: type) -> _Splitter:
    splitter = _STRUCT_SPLITTERS.get(cls)
    if splitter is not None:
        return splitter
    # Registered before its fields are compiled: a model that contains itself (JSONSchemaProps) finds
    # this splitter, whose plan is complete by the time it runs.
    plan: dict[str, _Splitter | None] = {}

    def split(value: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        cleaned: dict[str, Any] = {}
        unknown: dict[str, Any] = {}
        for key, item in value.items():
            if key not in plan:
                unknown[key] = item
                continue
            field = plan[key]
            if field is None:
                cleaned[key] = item
                continue
            cleaned[key], rest = field(item)
            if rest is not None:
                unknown[key] = rest
        return cleaned, unknown or None

    _STRUCT_SPLITTERS[cls] = split
    for item in msgspec.structs.fields(cls):
        plan[item.encode_name] = _splitter(item.type)
    return split


def _split_map(value: dict[Any, Any], values: _Splitter) -> tuple[Any, Any]:
    cleaned: dict[Any, Any] = {}
    unknown: dict[Any, Any] = {}
    for key, item in value.items():
        cleaned[key], rest = values(item)
        if rest is not None:
            unknown[key] = rest
    return cleaned, unknown or None


def _split_list(value: list[Any], items: _Splitter) -> tuple[Any, Any]:
    known: list[Any] = []
    unknowns: list[Any] = []
    for item in value:
        part, rest = items(item)
        known.append(part)
        if rest is not None and isinstance(item, dict):
            name = item.get("name")
            # A named item is found again by its name; an unnamed one, if the list changed
            # length, by its known fields: it is kept whole.
            rest = {**rest, "name": name} if isinstance(name, str) else item
        unknowns.append(rest)
    return known, unknowns if any(u is not None for u in unknowns) else None


def _split_raw(value: Any) -> tuple[Any, Any]:
    # A part a partial twin decodes later (kgen.runtime._partial): kept whole, unknown keys
    # included, and split when it is read.
    return msgspec.Raw(msgspec.json.encode(value)), None


def split_unknown(value: Any, tp: Any) -> tuple[Any, Any]:
    """``value`` (plain JSON) as what ``tp`` knows, and the rest: the keys it does not know, with the
    keys that lead to them (None when there are none)."""
    splitter = _splitter(tp)
    return (value, None) if splitter is None else splitter(value)


# --- encoding ----------------------------------------------------------------------------------------


def encode_preserving(obj: Any) -> bytes:
    """JSON for ``obj``, with the keys its models do not know put back where they were read."""
    # A partly decoded object (kgen.runtime._partial): every part decoded first, so that the keys
    # its parts' models do not know are kept on it like the others.
    from kgen.runtime._partial import decode_parts

    decode_parts(obj)
    unknown = unknown_fields(obj)
    if unknown is None:
        return codec.encode(obj)
    return codec.encode(_merge(obj, unknown))


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
        return bool(convert_keeping_unknown(raw, type(value)) == value)
    except (msgspec.ValidationError, TypeError, ValueError):
        return False
