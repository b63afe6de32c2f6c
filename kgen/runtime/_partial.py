"""Partial decoding: the parts of an object a program reads are decoded, the rest when first read.

Decoding a 10,000-pod list spends most of its time building the ``spec`` of every pod, which a program
that looks at names, labels and status (a dashboard, a metadata-only informer, a garbage collector)
never reads. :func:`partial_type` derives from a generated model a *partial twin*: a subclass of the
model (so ``isinstance(pod, Pod)`` holds, and a type checker sees a ``Pod`` with ``spec:
PodSpec | None``) whose fields outside ``eager`` are decoded as :class:`msgspec.Raw`, the bytes of
that part of the JSON, skipped by msgspec's parser without building anything. Reading such a field
decodes it into its model, once, and keeps the result: the first ``pod.spec`` costs what decoding that
spec would have cost, later reads cost a property call.

The twin is made at run time with :func:`msgspec.defstruct` from the model's own fields and cached
per class and field set, so generated packages carry no second copy of their models. What stays the
same as a full decode:

- ``apiVersion``, ``kind`` and ``metadata`` are always decoded (an object's identity: caches and
  listers key on it), and so are fields of plain values (strings, numbers): only fields holding
  structures (objects, lists, maps) are deferred. The one part of ``metadata`` deferred is
  ``managedFields`` (server-side apply's records, a third of a pod's decoding, which informers
  drop), unless ``eager`` names ``"metadata.managed_fields"``: the metadata is then a twin of
  ObjectMeta too;
- a lazy part that does not fit its model raises :class:`~kgen.runtime._errors.DecodeError` when it
  is read, with the JSON path inside the object (``$.spec.containers[0].name``) and the object's
  name; nothing is checked in it before;
- fields a model does not know (a newer server) are kept (:mod:`kgen.runtime._preserve`): a part
  never read is sent back as it came (its bytes), a part read keeps them on the object as a full
  decode does, so ``update`` loses nothing; an update decodes every lazy part first;
- encoding, ``to_builtins``, copies, pickling and ``==`` (with the full model too) work on twins;
  an informer's default transform skips parts not yet decoded (their strings are not interned).

Memory: a :class:`msgspec.Raw` is a view into the buffer it was decoded from, and keeps all of it
alive: one pod of a 10,000-pod list would keep the whole 70 MB answer. So twins copy each lazy part
into bytes of its own as they are decoded (``share_buffer=False``, the default, a small cost); with
``share_buffer=True`` they keep views (the fastest decode), for a list read and dropped at once. The
bytes of a part are smaller than the objects it decodes into, so a cache of partly decoded objects
is also smaller than one of whole objects.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import DecodeError
from kgen.runtime._meta import UNKNOWN_FIELDS, KubernetesList, KubernetesObject

__all__ = ["decode_partial", "fully_decoded", "is_partial", "partial_type"]

T = TypeVar("T")

#: Fields every twin decodes at once: what an object is.
ALWAYS_EAGER = frozenset({"api_version", "kind", "metadata"})

_lock = threading.RLock()
#: What a twin does with each part it decodes, before keeping it (an informer interns its strings).
OnDecode = Callable[[Any], Any]

_twins: dict[tuple[type, frozenset[str], bool, str, OnDecode | None], type] = {}


class _PartialInfo:
    """What a twin class is: its model, the fields it defers (name -> slot, type, wire name)."""

    __slots__ = ("base", "eager", "lazy", "on_decode", "prefix", "share_buffer")

    def __init__(
        self,
        base: type,
        eager: frozenset[str],
        lazy: dict[str, tuple[Any, Any, str]],
        share_buffer: bool,
        prefix: str,
        on_decode: OnDecode | None,
    ) -> None:
        self.base = base
        self.eager = eager
        self.lazy = lazy
        self.share_buffer = share_buffer
        self.prefix = prefix
        self.on_decode = on_decode


_INFO = "_kgen_partial"


def _info(cls: type) -> _PartialInfo | None:
    return cast("_PartialInfo | None", cls.__dict__.get(_INFO))


def is_partial(obj: Any) -> bool:
    """Whether ``obj`` (an object or a class) is a partial twin, which may hold parts not decoded."""
    cls = obj if isinstance(obj, type) else type(obj)
    return _info(cls) is not None


def _holds_structure(tp: Any) -> bool:
    """Whether a field's type holds objects, lists or maps (what is worth deferring)."""
    options = typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, _UnionType) else (tp,)
    for option in options:
        origin = typing.get_origin(option) or option
        if origin in (list, dict, typing.Any) or (
            isinstance(origin, type) and issubclass(origin, msgspec.Struct)
        ):
            return True
    return False


_UnionType = type(int | None)


#: The one field of ``metadata`` a twin defers unless ``eager`` names it: server-side apply's
#: bookkeeping, about half of a pod's metadata and most of its decoding (dicts of fieldsV1), which
#: programs seldom read and informers drop.
MANAGED_FIELDS = "metadata.managed_fields"


def partial_type(
    tp: type[T],
    eager: Iterable[str] = (),
    *,
    share_buffer: bool = False,
    on_decode: OnDecode | None = None,
) -> type[T]:
    """The partial twin of the model ``tp`` (a kind, or its ``...List``: then of its items), decoding
    ``eager`` fields (Python names) at once and the others when first read. ``metadata`` is always
    decoded, except its ``managed_fields`` unless ``eager`` names ``"metadata.managed_fields"``.
    ``on_decode(part)`` is kept instead of each part decoded later (informers intern its strings, as
    their transform does for what is decoded at once). Cached: the same arguments give the same
    class."""
    if not (isinstance(tp, type) and issubclass(tp, KubernetesObject)):
        raise TypeError(f"partial decoding is for kinds and their lists, not {tp!r}")
    if _info(tp) is not None:
        raise TypeError(f"{tp.__name__} is already a partial twin")
    return cast("type[T]", _twin(tp, frozenset(eager), share_buffer, "", on_decode))


def _twin(
    tp: type, eager: frozenset[str], share_buffer: bool, prefix: str, on_decode: OnDecode | None
) -> type:
    key = (tp, eager, share_buffer, prefix, on_decode)
    twin = _twins.get(key)
    if twin is None:
        with _lock:
            twin = _twins.get(key)
            if twin is None:
                twin = _twins[key] = _derive(tp, eager, share_buffer, prefix, on_decode)
    return twin


def _derive(
    tp: type, eager: frozenset[str], share_buffer: bool, prefix: str, on_decode: OnDecode | None
) -> type:
    fields = {field.name: field for field in msgspec.structs.fields(tp)}
    if issubclass(tp, KubernetesList):
        item_type = typing.get_args(fields["items"].type)[0]
        twin_item = partial_type(item_type, eager, share_buffer=share_buffer, on_decode=on_decode)
        items: Any = msgspec.field(name="items", default_factory=list)
        twin_list = msgspec.defstruct(
            tp.__name__,
            [("items", list[twin_item], items)],  # type: ignore[valid-type]
            bases=(tp,),
            kw_only=True,
            module=__name__,
        )
        return _finish(twin_list, tp, eager, {}, share_buffer, prefix, on_decode)
    kind = issubclass(tp, KubernetesObject)
    definitions: list[Any] = []
    if kind:
        unknown = sorted(eager - set(fields) - {MANAGED_FIELDS})
        if unknown:
            raise ValueError(
                f"{tp.__name__} has no field {', '.join(map(repr, unknown))}; "
                f"its fields: {', '.join(sorted(fields))}"
            )
        meta: type = getattr(tp, "_META")
        meta_names: tuple[str, ...] = getattr(meta, "__struct_fields__")
        if MANAGED_FIELDS not in eager and "managed_fields" in meta_names:
            meta_fields = frozenset(meta_names) - {"managed_fields"}
            meta_twin = _twin(meta, meta_fields, share_buffer, "metadata.", on_decode)
            definitions.append(("metadata", meta_twin | None, None))
    always = ALWAYS_EAGER if kind else frozenset()
    deferred = [
        field
        for name, field in fields.items()
        if name not in eager and name not in always and _holds_structure(field.type)
    ]
    for field in deferred:
        if field.required:
            definitions.append((field.name, msgspec.Raw, msgspec.field(name=field.encode_name)))
        else:
            definitions.append(
                (
                    field.name,
                    msgspec.Raw,
                    msgspec.field(name=field.encode_name, default=cast(Any, field.default)),
                )
            )
    slots = tuple(_slot(tp, field.name) for field in deferred)
    namespace: dict[str, Any] = {}
    if not share_buffer:
        base_post_init = getattr(tp, "__post_init__", None)

        def __post_init__(self: Any) -> None:
            if base_post_init is not None:
                base_post_init(self)
            # Each lazy part in bytes of its own: a view would keep the whole answer alive.
            for get, set_ in accessors:
                value = get(self)
                if type(value) is Raw:
                    set_(self, value.copy())

        accessors = tuple((slot.__get__, slot.__set__) for slot in slots)
        Raw = msgspec.Raw

        # msgspec reads __post_init__ when it makes the class: it is given, not set afterwards.
        namespace["__post_init__"] = __post_init__
    twin = msgspec.defstruct(
        tp.__name__, definitions, bases=(tp,), kw_only=True, module=__name__, namespace=namespace
    )
    lazy: dict[str, tuple[Any, Any, str]] = {}
    for field, slot in zip(deferred, slots):
        lazy[field.name] = (slot, field.type, field.encode_name)
        wire = prefix + field.encode_name
        setattr(twin, field.name, _lazy_property(slot, field.type, wire, on_decode))
    return _finish(twin, tp, eager, lazy, share_buffer, prefix, on_decode)


def _finish(
    twin: type,
    base: type,
    eager: frozenset[str],
    lazy: dict[str, Any],
    share_buffer: bool,
    prefix: str,
    on_decode: OnDecode | None,
) -> type:
    twin.__qualname__ = base.__qualname__
    twin.__doc__ = base.__doc__
    setattr(twin, _INFO, _PartialInfo(base, eager, lazy, share_buffer, prefix, on_decode))
    twin.__eq__ = _eq  # type: ignore[method-assign,assignment]
    twin.__ne__ = _ne  # type: ignore[method-assign,assignment]
    twin.__reduce__ = _reduce  # type: ignore[method-assign,assignment]
    return twin


def _slot(cls: type, name: str) -> Any:
    """The member descriptor of a field of ``cls`` (where the value lives, whatever the twin's
    property does)."""
    for klass in cls.__mro__:
        member = klass.__dict__.get(name)
        if member is not None and type(member).__name__ == "member_descriptor":
            return member
    raise TypeError(f"{cls.__name__}.{name} is not a struct field")  # pragma: no cover


def _lazy_property(slot: Any, tp: Any, wire: str, on_decode: OnDecode | None) -> property:
    def get(self: Any) -> Any:
        value = slot.__get__(self)
        if type(value) is msgspec.Raw:
            return _decode_part(self, slot, value, tp, wire, on_decode)
        return value

    def set_(self: Any, value: Any) -> None:
        slot.__set__(self, value)

    return property(get, set_, doc=f"``{wire}``, decoded when first read.")


def _decode_part(
    obj: Any, slot: Any, raw: msgspec.Raw, tp: Any, wire: str, on_decode: OnDecode | None
) -> Any:
    with _lock:
        current = slot.__get__(obj)
        if current is not raw:  # another thread decoded it meanwhile
            return current
        try:
            value = codec.decoder_for(tp).decode(raw)
        except msgspec.ValidationError as exc:
            from kgen.runtime import _preserve

            if not _preserve.is_unknown_field_error(exc):
                raise _part_error(obj, wire, exc) from None
            if not isinstance(obj, KubernetesObject):
                # A part of metadata (managedFields) from a newer server: only a kind keeps what
                # its models do not know, so the bytes stay, to be sent back as they came, and
                # each read decodes them again.
                return _decode_keeping_unknown(obj, raw, tp, wire)
            value = _decode_keeping_unknown(obj, raw, tp, wire)
        except msgspec.DecodeError as exc:  # pragma: no cover - the server's JSON was parsed
            raise _part_error(obj, wire, exc) from None
        if on_decode is not None:
            value = on_decode(value)
        slot.__set__(obj, value)
        return value


def _decode_keeping_unknown(obj: Any, raw: msgspec.Raw, tp: Any, wire: str) -> Any:
    """A part with fields its model does not know: they go where a full decode keeps them."""
    from kgen.runtime import _preserve

    cleaned, unknown = _preserve.split_unknown(msgspec.json.decode(raw), tp)
    try:
        value = msgspec.convert(cleaned, tp, dec_hook=codec.dec_hook)
    except msgspec.ValidationError as exc:
        raise _part_error(obj, wire, exc) from None
    if unknown is not None and isinstance(obj, KubernetesObject):
        kept = _preserve.unknown_fields(obj) or {}
        kept[wire] = unknown
        obj.__dict__[UNKNOWN_FIELDS] = msgspec.json.encode(kept)
    return value


def _part_error(obj: Any, wire: str, exc: Exception) -> DecodeError:
    message = str(exc)
    if "`$" in message:
        message = message.replace("`$", f"`$.{wire}", 1)
    else:
        message = f"{message} - at `$.{wire}`"
    kind = isinstance(obj, KubernetesObject)
    meta = obj.metadata if kind else obj  # else a twin of the metadata itself
    name = getattr(meta, "name", None) or "?"
    namespace = getattr(meta, "namespace", None)
    what = type(obj).__name__ if kind else "the object"
    what = f"{what} {namespace}/{name}" if namespace else f"{what} {name}"
    return DecodeError(f"{what}: its {wire!r} does not fit the model: {message}")


def fully_decoded(obj: T) -> T:
    """Decode every part of ``obj`` not yet decoded (of a list: of its items), and return it.
    Does nothing to a fully decoded object. Raises DecodeError as reading the parts would."""
    if isinstance(obj, KubernetesList):
        # Many small decodes in a row: with the collector paused, as one big decode is (reading
        # every part of a 10,000-pod list attribute by attribute spends most of its time in
        # collections that each walk every object decoded so far).
        with codec.gc_paused(), _lock:
            left = _decode_in_bulk(obj.items)
            metas = _decode_in_bulk([item.metadata for item in obj.items])
            # What did not decode so, one by one (a part that does not fit, keys a model lacks).
            for item in left:
                fully_decoded(item)
            for meta in metas:
                decode_parts(meta)
        return obj
    decode_parts(obj)
    if isinstance(obj, KubernetesObject):
        decode_parts(obj.metadata)
    return obj


def _decode_in_bulk(objects: list[Any]) -> list[Any]:
    """The parts of many objects, in a tight loop per field (what reading them one by one costs
    besides the decoding: a property, the lock, the decoder's lookup, is paid once). A part that
    does not decode (it does not fit, or has keys its model lacks) is left to the reads one by one:
    the objects that have one are returned."""
    left: list[Any] = []
    pending: dict[tuple[type, str], list[tuple[Any, msgspec.Raw]]] = {}
    for obj in objects:
        info = _info(type(obj))
        if info is None:
            continue
        for name, (slot, _, _) in info.lazy.items():
            value = slot.__get__(obj)
            if type(value) is msgspec.Raw:
                pending.setdefault((type(obj), name), []).append((obj, value))
    for (cls, name), parts in pending.items():
        info = _info(cls)
        assert info is not None
        slot, tp, _ = info.lazy[name]
        decode = codec.decoder_for(tp).decode
        set_ = slot.__set__
        on_decode = info.on_decode
        for obj, raw in parts:
            try:
                value = decode(raw)
            except msgspec.MsgspecError:
                left.append(obj)
                continue
            set_(obj, value if on_decode is None else on_decode(value))
    return left


def decode_parts(obj: Any) -> None:
    """Decode the parts of ``obj`` not yet decoded, but not those of its metadata (an update sends
    a managedFields never read as it came)."""
    info = _info(type(obj))
    if info is not None:
        for name in info.lazy:
            getattr(obj, name)


def _eq(self: Any, other: Any) -> Any:
    info = _info(type(self))
    assert info is not None
    base = info.base
    if not isinstance(other, base):
        return NotImplemented
    other_info = _info(type(other))
    if (other_info.base if other_info is not None else type(other)) is not base:
        return False
    names: tuple[str, ...] = getattr(base, "__struct_fields__")
    return all(getattr(self, name) == getattr(other, name) for name in names)


def _ne(self: Any, other: Any) -> Any:
    equal = _eq(self, other)
    return equal if equal is NotImplemented else not equal


def _reduce(self: Any) -> Any:
    info = _info(type(self))
    assert info is not None
    # The fields as they are (msgspec reads the slots: a part not decoded stays bytes).
    base_reduce: Any = info.base.__reduce__
    rebuild, (_, state), *rest = base_reduce(self)
    return (
        _rebuild,
        (
            info.base,
            tuple(sorted(info.eager)),
            info.share_buffer,
            info.prefix,
            info.on_decode,
            rebuild,
            state,
        ),
        *rest,
    )


def _rebuild(
    base: type,
    eager: tuple[str, ...],
    share_buffer: bool,
    prefix: str,
    on_decode: OnDecode | None,
    rebuild: Any,
    state: Any,
) -> Any:
    return rebuild(_twin(base, frozenset(eager), share_buffer, prefix, on_decode), state)


def decode_partial(
    data: bytes | bytearray | memoryview | str,
    tp: type[T],
    eager: Iterable[str] = (),
    *,
    share_buffer: bool = False,
) -> T:
    """Decode JSON into the model ``tp`` (a kind or its list), decoding only ``eager`` fields (and
    ``apiVersion``, ``kind``, ``metadata``, plain values) now and each other part when first read.
    The result is a ``tp`` to a type checker and to ``isinstance``. Raises DecodeError as
    :meth:`Result.into <kgen.runtime.Result.into>` does for what is decoded now, and when a part read
    later does not fit."""
    from kgen.runtime._request import decode_answer

    twin = partial_type(tp, eager, share_buffer=share_buffer)
    return decode_answer(data, twin, name=tp.__name__)
