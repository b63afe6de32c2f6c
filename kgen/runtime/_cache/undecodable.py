"""Objects that do not fit their model, kept out of the cache without stopping it.

An object written before a schema change (a field now required, of another type) would fail the whole
list it comes in, and with it every object of the resource: the reflector would list again and again.
Informers over typed clients decode instead with :class:`TolerantCodec`: a list that does not decode
is decoded item by item, and a watch event whose object does not fit is kept as an
:class:`Undecodable` (its metadata, the error with its JSON path). The reflector leaves those out of
the store, reports each (a log line with the key and the path, the informer's
``set_undecodable_handler`` callback, a metric of a manager), and takes the object in again when a
later version decodes. A deletion of an undecodable object still deletes the cached version.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import DecodeError
from kgen.runtime._meta import KubernetesObject, ListMeta, ObjectMeta
from kgen.runtime._request import Result
from kgen.runtime._verbs import TypedCodec
from kgen.runtime._watchevent import EventType, MalformedEvent, WatchEvent, WatchEventDecoder

__all__ = ["TolerantCodec", "Undecodable"]


class Undecodable:
    """An object of the API that does not fit its model: its metadata and why."""

    __slots__ = ("error", "kind", "metadata")

    def __init__(self, metadata: ObjectMeta | None, error: str, kind: str) -> None:
        self.metadata = metadata
        self.error = error
        self.kind = kind

    @property
    def key(self) -> str:
        meta = self.metadata
        name = (meta.name if meta else None) or "?"
        return f"{meta.namespace}/{name}" if meta and meta.namespace else name

    def __repr__(self) -> str:
        return f"Undecodable({self.kind} {self.key}: {self.error})"


class _RawList(msgspec.Struct):
    metadata: ListMeta | None = None
    items: list[msgspec.Raw] = msgspec.field(default_factory=list)


class _Page(msgspec.Struct):
    metadata: ListMeta | None
    items: list[Any]


class _MetadataOnly(msgspec.Struct):
    # Not PartialObjectMetadata: models refuse fields they do not know (to keep them, issue 14.6),
    # and here every field but metadata is one.
    metadata: ObjectMeta | None = None


_raw_list = msgspec.json.Decoder(_RawList, dec_hook=codec.dec_hook)
_partial = msgspec.json.Decoder(_MetadataOnly, dec_hook=codec.dec_hook)


def _undecodable(raw: bytes | msgspec.Raw, error: Exception, kind: str) -> Undecodable:
    try:
        meta = _partial.decode(raw).metadata
    except msgspec.MsgspecError:
        meta = None
    return Undecodable(meta, str(error), kind)


class _TolerantDecoder(WatchEventDecoder[Any]):
    def __init__(self, tp: type[Any]) -> None:
        super().__init__(tp)
        self._kind = tp.__name__

    def _decode_envelope(self, line: bytes | str) -> WatchEvent[Any]:
        try:
            return super()._decode_envelope(line)
        except MalformedEvent:
            raise  # a broken stream, not an object that does not fit
        except DecodeError as exc:
            try:
                envelope = msgspec.json.decode(line)
            except msgspec.MsgspecError:
                raise exc from None
            kind = envelope.get("type") if isinstance(envelope, dict) else None
            if kind not in ("ADDED", "MODIFIED", "DELETED"):
                raise
            raw = msgspec.json.encode(envelope.get("object"))
            cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
            event_type: EventType = kind
            return WatchEvent(event_type, _undecodable(raw, cause, self._kind))


class TolerantCodec(TypedCodec[Any, Any]):
    """A typed codec whose lists and watch events may carry :class:`Undecodable` objects.

    With ``item_transform`` (an informer's transform), a list's items are decoded one by one and
    each goes through the transform at once, while it is still in the CPU's caches: transforming
    a 10,000-pod list after decoding all of it reads every pod back from memory, which costs about
    as much again as the transform itself."""

    def __init__(
        self,
        kind: type[Any],
        list_kind: type[Any],
        item_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        super().__init__(kind, list_kind)
        self.item_transform = item_transform

    def read_list(self, result: Result) -> Any:
        if self.item_transform is not None:
            transformed = self._read_list_item_by_item(result, self.item_transform)
            if transformed is not None:
                return transformed
        try:
            return super().read_list(result)
        except DecodeError as exc:
            try:
                page = _raw_list.decode(result.body)
            except msgspec.MsgspecError:
                raise exc from None
        # What items() and list_meta() read of a list (the list class may be a generic alias).
        return _Page(metadata=page.metadata, items=self._items(page.items, None))

    def _read_list_item_by_item(
        self, result: Result, transform: Callable[[Any], Any]
    ) -> _Page | None:
        """The list's items decoded and transformed one by one; None if the answer is not a JSON
        list at all (the usual read then says why)."""
        body = result.body
        big = codec.GC_PAUSE_THRESHOLD is not None and len(body) >= codec.GC_PAUSE_THRESHOLD
        # A big answer is decoded with the collector paused, as codec.decode does for one body.
        with codec.gc_paused() if big else contextlib.nullcontext():
            try:
                page = _raw_list.decode(body)
            except msgspec.MsgspecError:
                return None
            return _Page(metadata=page.metadata, items=self._items(page.items, transform))

    def _items(
        self, raws: list[msgspec.Raw], transform: Callable[[Any], Any] | None
    ) -> list[KubernetesObject | Undecodable]:
        """Each item decoded (keeping the fields its model does not know) and transformed, or an
        :class:`Undecodable` if it does not fit."""
        kind = self.kind
        decode = codec.decoder_for(kind).decode
        items: list[KubernetesObject | Undecodable] = []
        for raw in raws:
            try:
                obj = decode(raw)
            except msgspec.ValidationError:
                try:
                    obj = codec.decode(raw, kind)  # fields the model does not know are kept
                except msgspec.ValidationError as exc:
                    items.append(_undecodable(raw, exc, kind.__name__))
                    continue
            items.append(obj if transform is None else transform(obj))
        return items

    def watch_decoder(self) -> WatchEventDecoder[Any]:
        return _TolerantDecoder(self.kind)
