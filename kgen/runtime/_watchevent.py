"""Watch events and their decoding (no I/O: the sync and async watch streams share it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar, cast

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import APIError, DecodeError, decode_status, error_from_status
from kgen.runtime._meta import PartialObjectMetadata, Status

__all__ = ["EventType", "MalformedEvent", "WatchEvent", "WatchEventDecoder"]

T = TypeVar("T")
EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]

# The annotation a server puts on the BOOKMARK that ends the initial events of a streaming list.
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class WatchEvent(msgspec.Struct, Generic[T]):
    """One event. For a BOOKMARK, ``object`` only carries ``metadata.resourceVersion`` (and, for a kind
    with required top-level fields, is a :class:`~kgen.runtime._meta.PartialObjectMetadata`).

    A msgspec Struct, so that a watch stream's usual line decodes straight into it, in C."""

    type: EventType
    object: T

    @property
    def resource_version(self) -> str | None:
        # Objects are models or JSON objects (dicts, Unstructured): read metadata as each has it
        # (models first: Mapping is an ABC, slower to check than the fields are to read).
        if isinstance(self.object, msgspec.Struct):
            return getattr(getattr(self.object, "metadata", None), "resource_version", None)
        if isinstance(self.object, Mapping):
            return cast(str | None, (self.object.get("metadata") or {}).get("resourceVersion"))
        return getattr(getattr(self.object, "metadata", None), "resource_version", None)

    @property
    def initial_events_end(self) -> bool:
        """True for the BOOKMARK that ends a streaming list (``sendInitialEvents``)."""
        if self.type != "BOOKMARK":
            return False
        if isinstance(self.object, Mapping):
            annotations = (self.object.get("metadata") or {}).get("annotations") or {}
        else:
            metadata = getattr(self.object, "metadata", None)
            annotations = getattr(metadata, "annotations", None) or {}
        return annotations.get(INITIAL_EVENTS_END) == "true"


class _Envelope(msgspec.Struct):
    type: str
    object: msgspec.Raw


_envelope = msgspec.json.Decoder(_Envelope)
_TYPES = frozenset({"ADDED", "MODIFIED", "DELETED", "BOOKMARK"})


class MalformedEvent(DecodeError):
    """A line of a watch stream that is not a JSON event at all (garbage, or cut short).

    Unlike an event that does not fit the model, it says nothing about the object: the stream is
    broken, and the watch streams turn it into a :class:`~kgen.runtime._errors.TransportError` so
    that callers watch again from the last resourceVersion, as client-go does, instead of listing.
    """


class WatchEventDecoder(Generic[T]):
    """Decodes one line of a watch stream. ERROR events raise the typed error their Status describes.

    Objects are decoded as ``tp`` (a model), or with no ``tp`` as JSON objects passed to ``wrap`` (the
    dynamic client's :class:`~kgen.runtime._unstructured.Unstructured`)."""

    def __init__(
        self, tp: type[T] | None, *, wrap: Callable[[dict[str, Any]], T] | None = None
    ) -> None:
        self._tp = tp
        self._wrap = wrap
        self._decoder = codec.decoder_for(tp) if tp is not None else None
        # The usual event decodes in one pass, object included; anything else (an ERROR, a BOOKMARK
        # of a kind with required fields) goes through the envelope.
        # (The event type is checked in the same pass: an ERROR event does not fit it.)
        self._fast: msgspec.json.Decoder[WatchEvent[T]] | None = None
        if tp is not None:
            self._fast = msgspec.json.Decoder(WatchEvent[tp], dec_hook=codec.dec_hook)  # type: ignore[valid-type]

    def decode(self, line: bytes | str) -> WatchEvent[T]:
        if self._fast is not None:
            try:
                return self._fast.decode(line)
            except msgspec.MsgspecError:
                pass
        return self._decode_envelope(line)

    def _decode_envelope(self, line: bytes | str) -> WatchEvent[T]:
        try:
            envelope = _envelope.decode(line)
        except msgspec.DecodeError as exc:
            raise MalformedEvent(f"a watch event is not valid JSON: {exc}") from exc
        if envelope.type == "ERROR":
            raise self.error(envelope.object)
        if envelope.type not in _TYPES:
            raise DecodeError(f"unknown watch event type {envelope.type!r}")
        kind = cast(EventType, envelope.type)
        if self._decoder is None:
            value = msgspec.json.decode(envelope.object)
            return WatchEvent(kind, self._wrap(value) if self._wrap is not None else value)
        try:
            # Through the codec: an object with fields its model lacks keeps them.
            return WatchEvent(kind, codec.decode(envelope.object, cast(type[T], self._tp)))
        except msgspec.ValidationError as exc:
            if kind == "BOOKMARK":
                partial = codec.decode(envelope.object, PartialObjectMetadata)
                return WatchEvent(kind, cast(T, partial))
            raise DecodeError(f"a {kind} watch event does not fit {self._name()}: {exc}") from exc

    def error(self, raw: Any) -> APIError:
        try:
            status = decode_status(raw)
        except msgspec.DecodeError:
            status = Status(status="Failure", message=bytes(raw).decode("utf-8", "replace"))
        return error_from_status(status, code=status.code)

    def _name(self) -> str:
        return getattr(self._tp, "__name__", repr(self._tp))
