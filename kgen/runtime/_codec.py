"""JSON encoding and decoding of models: one encoder, one cached decoder per type.

Everything in kgen goes through here so that the hooks for :class:`~kgen.runtime._types.MicroTime` are always
passed, so that a decoder (which msgspec builds from the type hints, costly the first time) is built once
per type, and so that fields a model does not know are kept (:mod:`kgen.runtime._preserve`: models forbid
unknown fields, and what msgspec refuses for that alone is decoded again, keeping them). An object's
``metadata`` left empty is not encoded.
"""

from __future__ import annotations

import copy
import gc
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import msgspec

from kgen.runtime._meta import KubernetesList, KubernetesObject, ListMeta, ObjectMeta
from kgen.runtime._types import MicroTime, format_micro_time

__all__ = [
    "decode",
    "decoder_for",
    "encode",
    "from_builtins",
    "gc_paused",
    "gc_paused_for",
    "kind_of",
    "pause_gc",
    "resume_gc",
    "to_builtins",
]

T = TypeVar("T")


def enc_hook(value: Any) -> Any:
    if isinstance(value, MicroTime):
        return format_micro_time(value)
    if isinstance(value, msgspec.Raw):
        # A part of a partly decoded object kept as it came (kgen.runtime._partial: managedFields
        # with keys the model lacks): encoded as those bytes, so to_builtins gives the same JSON.
        return msgspec.json.decode(value)
    raise NotImplementedError(f"kgen cannot encode {type(value).__name__}")


def dec_hook(tp: type, value: Any) -> Any:
    if tp is MicroTime:
        if isinstance(value, str):
            return MicroTime.parse(value)
        if isinstance(value, datetime):
            return MicroTime.from_datetime(value)
        # A TypeError becomes msgspec's ValidationError with the JSON path (then kgen's DecodeError).
        raise TypeError(f"Expected a MicroTime string, got {type(value).__name__}")
    raise TypeError(f"kgen cannot decode {tp!r}")


_encoder = msgspec.json.Encoder(enc_hook=enc_hook)
_decoders: dict[Any, msgspec.json.Decoder[Any]] = {}
_lock = threading.Lock()


def decoder_for(tp: type[T]) -> msgspec.json.Decoder[T]:
    """The cached JSON decoder for ``tp``."""
    decoder = _decoders.get(tp)
    if decoder is None:
        with _lock:
            decoder = _decoders.get(tp)
            if decoder is None:
                decoder = msgspec.json.Decoder(tp, dec_hook=dec_hook)
                _decoders[tp] = decoder
    return decoder


#: Bodies at least this big are decoded with the cyclic garbage collector paused (None: never).
#: Decoding a big list allocates hundreds of thousands of dicts and lists, and on CPython the collections
#: that allocation triggers (each walking everything tracked so far) are most of the decode time: a
#: 10,000-pod list decodes about 4x faster without them. Models are ``gc=False`` trees, so nothing is
#: deferred but the collector's walk. ``KGEN_GC_PAUSE=0`` turns this off.
GC_PAUSE_THRESHOLD: int | None = None if os.environ.get("KGEN_GC_PAUSE") == "0" else 256 * 1024
_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False
_gc_paused_at = 0.0


def pause_gc() -> None:
    """Pause the cyclic GC until the matching :func:`resume_gc`; nested and concurrent pauses keep it
    off until the last ends (what :func:`gc_paused` does for a block)."""
    global _gc_pausers, _gc_was_enabled, _gc_paused_at
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            _gc_paused_at = time.monotonic()
            gc.disable()
        _gc_pausers += 1


def gc_paused_for() -> float:
    """How long (seconds) the collector has been paused without a break by :func:`pause_gc` and
    :func:`gc_paused`, whoever paused it; 0 when it is not."""
    with _gc_lock:
        return time.monotonic() - _gc_paused_at if _gc_pausers else 0.0


def resume_gc() -> None:
    """End a :func:`pause_gc`: the collector runs again once every pause has ended (if it ran before
    the first)."""
    global _gc_pausers
    with _gc_lock:
        _gc_pausers -= 1
        if _gc_pausers == 0 and _gc_was_enabled:
            gc.enable()


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC for the block; nested and concurrent uses keep it off until the last ends."""
    pause_gc()
    try:
        yield
    finally:
        resume_gc()


def decode(data: bytes | bytearray | memoryview | str, tp: type[T]) -> T:
    """Decode JSON into ``tp``, raising ``msgspec.ValidationError`` with the JSON path on a mismatch.
    Objects keep the fields their models do not know (:mod:`kgen.runtime._preserve`)."""
    if GC_PAUSE_THRESHOLD is not None and len(data) >= GC_PAUSE_THRESHOLD:
        with gc_paused():
            return _decode(data, tp)
    return _decode(data, tp)


def _decode(data: bytes | bytearray | memoryview | str, tp: type[T]) -> T:
    try:
        return decoder_for(tp).decode(data)
    except msgspec.ValidationError as exc:
        from kgen.runtime import _preserve

        if not _preserve.is_unknown_field_error(exc):
            raise
        return _preserve.decode_keeping_unknown(data, tp)


class _Kind(msgspec.Struct):
    kind: str | None = None


_kind_decoder = msgspec.json.Decoder(_Kind)


def kind_of(data: bytes) -> str | None:
    """The ``kind`` of a JSON object, without decoding the rest into Python objects."""
    try:
        return _kind_decoder.decode(data).kind
    except msgspec.DecodeError:
        return None


_EMPTY_META: dict[type, Any] = {ObjectMeta: ObjectMeta(), ListMeta: ListMeta()}


def _bare(value: Any) -> Any:
    """An object whose metadata is empty, without it: objects always have a ``metadata`` (the types
    say so), yet one never set is not sent."""
    if isinstance(value, KubernetesObject):
        bare = value
        if isinstance(value, KubernetesList) and any(
            _EMPTY_META.get(type(item.metadata)) == item.metadata for item in value.items
        ):
            bare = copy.copy(value)
            msgspec.structs.force_setattr(bare, "items", [_bare(item) for item in value.items])
        meta = value.metadata
        empty = _EMPTY_META.get(type(meta))
        if empty is not None and meta == empty:
            if bare is value:
                bare = copy.copy(value)
            # After the copy: copying runs __post_init__, which would set an empty metadata again.
            msgspec.structs.force_setattr(bare, "metadata", None)
        return bare
    return value


def encode(value: Any) -> bytes:
    """Encode a model (or any JSON-able value) to JSON bytes; fields never set are left out."""
    return _encoder.encode(_bare(value))


def to_builtins(value: Any) -> Any:
    """A model as plain dicts and lists, with wire names, exactly as it would be encoded. A partly
    decoded object (:mod:`kgen.runtime._partial`) is decoded whole first, so that it gives what the
    whole object gives (patches are computed between two of these)."""
    if isinstance(value, KubernetesObject):
        from kgen.runtime import _partial

        if _partial.is_partial(value):
            _partial.fully_decoded(value)
    return msgspec.to_builtins(_bare(value), enc_hook=enc_hook)


def from_builtins(data: Any, tp: type[T]) -> T:
    """Build ``tp`` from plain dicts (YAML-loaded manifests, dynamic objects); objects keep the fields
    their models do not know."""
    try:
        return msgspec.convert(data, tp, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        from kgen.runtime import _preserve

        if not _preserve.is_unknown_field_error(exc):
            raise
        return _preserve.convert_keeping_unknown(data, tp)
