"""Transforms applied to objects before they are cached: drop managedFields, intern repeated strings,
freeze and share lists and maps.

Informer caches hold every object of a resource for the life of the program, so what each object
carries matters (kubernetes/kubernetes#113305, cert-manager#4722: caches are the usual OOM). The
default transform, :func:`default_transform`, does three things in place on each freshly decoded object:

- drops ``metadata.managedFields``, which server-side apply makes one of the biggest parts of many
  objects, and which controllers reading a cache almost never need;
- *interns* the strings that repeat across objects (namespace, label keys and values, annotation
  keys, owner references, finalizers, generateName, and for typed objects every short string of
  spec and status: images, names of containers, ports and volumes, phases...): equal strings become one object, through a
  bounded table (:class:`StringInterner`) rather than ``sys.intern``, so that a churn of unique values
  (pod-template hashes...) cannot grow memory without end;
- makes every list of scalars and map of scalars (labels, annotations, finalizers, commands and
  arguments, selectors, resource requests and limits...) a read-only :class:`~.frozen.FrozenList` or
  :class:`~.frozen.FrozenDict`, and equal ones one object, through a bounded table (pods of one
  template share their labels). Cached objects are read-only by contract (as client-go's); frozen,
  a value shared by many objects cannot be changed through one of them: a mutation raises
  :class:`TypeError`, and a copy (``copy_object``, ``copy.deepcopy``) is plain and mutable.

A transform receives the decoded object (a model, or :class:`~kgen.runtime._unstructured.Unstructured`
for dynamic informers), may change it in place, and returns the object to cache. It must be idempotent:
the same object may go through it twice. Replace the default with ``transform=`` on an informer or
factory (``None`` caches objects as decoded), or build one with :func:`make_transform`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, cast

import keyword
import threading
import types
import typing
from datetime import datetime, timezone

import msgspec

from kgen.runtime._cache.frozen import FrozenDict, FrozenList, SharedValues
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._unstructured import Unstructured

__all__ = [
    "DEFAULT_INTERNER",
    "StringInterner",
    "Transform",
    "default_transform",
    "make_transform",
]

Transform = Callable[[Any], Any]


class _Table(dict[Any, Any]):
    """A table of at most ``max_size`` values where looking up a value not in it adds it (after
    emptying the table if full): its ``__getitem__`` is the whole interning, a C call for a known
    value."""

    def __init__(self, max_size: int) -> None:
        super().__init__()
        self.max_size = max_size

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.max_size:
            self.clear()
        self[key] = key
        return key


#: Strings longer than this are not interned: long values rarely repeat (certificates, scripts).
MAX_INTERNED_LENGTH = 96


class _StringTable(_Table):
    """A :class:`_Table` that keeps only strings of at most :data:`MAX_INTERNED_LENGTH`: anything
    else is looked up as it is (not equal to any string) and given back, so walkers need no check
    before the lookup, and may look up a whole list at once (``map``)."""

    def __missing__(self, key: Any) -> Any:
        if type(key) is not str or len(key) > MAX_INTERNED_LENGTH:
            return key
        return super().__missing__(key)


class StringInterner:
    """Returns one shared object for equal strings, remembering at most ``max_size`` of them.

    When full the table is emptied and refilled: strings already shared stay shared (the cached
    objects hold them), only later duplicates of forgotten strings are not folded. That bound is what
    ``sys.intern`` lacks (interned strings may live as long as the interpreter). Strings longer than
    :data:`MAX_INTERNED_LENGTH` (and values that are not strings) are given back as they are."""

    def __init__(self, max_size: int = 65536) -> None:
        self._table = _StringTable(max_size)
        #: The interning as a plain lookup in the table (what transforms call for each string).
        self.lookup: Callable[[str], str] = self._table.__getitem__

    @property
    def max_size(self) -> int:
        return self._table.max_size

    @max_size.setter
    def max_size(self, value: int) -> None:
        self._table.max_size = value

    def __call__(self, value: str) -> str:
        return self._table[value]  # type: ignore[no-any-return]

    def __len__(self) -> int:
        return len(self._table)

    def table_for_one_object(self) -> Mapping[str, str]:
        """The table itself: looking a string up in it (``table[s]``) interns it, as :attr:`lookup`
        does (kept for callers written before :attr:`lookup`; the table now keeps its own bound)."""
        return cast(Mapping[str, str], self._table)


# The lists and maps every sharing transform shares (as DEFAULT_INTERNER's strings).
_SHARED_VALUES = SharedValues()

#: The table the default transform shares across every informer: the same namespaces, label keys
#: and owner names show up in many resources.
DEFAULT_INTERNER = StringInterner()


def _strings(
    values: dict[str, str], intern: Callable[[str], str], values_too: bool
) -> dict[str, str]:
    if values_too:
        return {intern(k): intern(v) for k, v in values.items()}
    return {intern(k): v for k, v in values.items()}


# Where an ObjectMeta's managedFields are: read there, a partly decoded object's (kgen.runtime._partial)
# are not decoded only to be dropped.
_MANAGED_FIELDS: Any = ObjectMeta.__dict__["managed_fields"]


def _managed_fields(meta: Any) -> Any:
    if isinstance(meta, ObjectMeta):
        return _MANAGED_FIELDS.__get__(meta)
    return getattr(meta, "managed_fields", None)


def _typed(
    obj: Any,
    drop: bool,
    intern: Callable[[str], str] | None,
    shared: SharedValues | None = None,
) -> None:
    meta = getattr(obj, "metadata", None)
    if drop and meta is not None and _managed_fields(meta) is not None:
        meta.managed_fields = None
    if shared is not None and isinstance(obj, msgspec.Struct):
        walker = _WALKERS.get((type(obj), True)) or _walker(type(obj), True)
        walker(obj, intern if intern is not None else _same, shared)
    elif intern is not None:
        _intern_tree(obj, intern)


def _same(value: str) -> str:
    return value


def _unstructured(
    body: dict[str, Any],
    drop: bool,
    intern: Callable[[str], str] | None,
    shared: SharedValues | None = None,
) -> None:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        return
    if drop:
        meta.pop("managedFields", None)
    if intern is None and shared is None:
        return
    lookup = intern if intern is not None else _same
    for key in ("namespace", "generateName"):
        if isinstance(meta.get(key), str):
            meta[key] = lookup(meta[key])
    for key, values_too in (("labels", True), ("annotations", False)):
        if isinstance(meta.get(key), dict):
            value = _strings(meta[key], lookup, values_too)
            if shared is not None:
                try:
                    value = shared.dict(tuple(value), tuple(value.values()))
                except TypeError:
                    value = FrozenDict(value)
            meta[key] = value
    if isinstance(meta.get("finalizers"), list):
        items = [lookup(f) if isinstance(f, str) else f for f in meta["finalizers"]]
        meta["finalizers"] = items if shared is None else shared.list(tuple(items))
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict):
            for key in ("apiVersion", "kind", "name", "uid"):
                if isinstance(ref.get(key), str):
                    ref[key] = lookup(ref[key])


# ObjectMeta fields that are unique per object: interning them would only fill the table.
_UNIQUE = frozenset({"name", "uid", "resource_version", "self_link"})

# Ints (not bools) and UTC datetimes are shared as strings are: each is an object of 28 to 48 bytes,
# several per pod, that repeats across objects (container ports, probe seconds, timestamps). Both are
# immutable: sharing them is invisible. (Equal datetimes of other zones are other values: their
# isoformat differs.)
_INTS = _Table(65536)
_TIMES = _Table(65536)

Walker = Callable[..., None]

# One function per model class, written from its fields' types: a walk that touches only the fields
# that can hold strings, ints or datetimes, calls the walker of each nested model directly and
# interns the items of typed lists and maps in one comprehension. A non-empty list is replaced by its
# copy: the decoder grows lists by appending (room for 4, 8, 16... items), a copy is allocated at its
# exact size, about 15 bytes less per list, some 18 lists per pod (every cached object goes through
# it, so its speed is most of the informer's sync time beyond the decoding). The functions share one
# namespace, where the walker of a nested class is first a stub that writes it on its first call
# (models may nest themselves).
# Keyed by (class, shares): a walker that also freezes and shares equal lists and maps of scalars takes
# the table (SharedValues) as a third argument.
_WALKERS: dict[tuple[type, bool], Walker] = {}
_NAMES: dict[tuple[type, bool], str] = {}
_lock = threading.RLock()


def _intern_struct(value: Any, intern: Callable[[str], str]) -> None:
    walker = _WALKERS.get((type(value), False))
    if walker is None:
        walker = _walker(type(value))
    walker(value, intern)


def _options(tp: Any) -> list[Any]:
    union = typing.get_origin(tp) in (typing.Union, types.UnionType)
    return [o for o in (typing.get_args(tp) if union else (tp,)) if o is not type(None)]


def _struct_class(tp: Any) -> type | None:
    return tp if isinstance(tp, type) and issubclass(tp, msgspec.Struct) else None


def _walker_name(cls: type, shares: bool = False) -> str:
    """The name of ``cls``'s walker in the generated namespace (a stub until first called)."""
    key = (cls, shares)
    name = _NAMES.get(key)
    if name is None:
        with _lock:
            name = _NAMES.get(key)
            if name is None:
                name = f"{'share' if shares else 'walk'}_{len(_NAMES)}"
                _NAMESPACE[f"cls_{name}"] = cls
                _NAMESPACE[name] = lambda value, *args: _walker(cls, shares)(value, *args)
                _NAMES[key] = name
    return name


_SCALARS = {str, int, float, bool}


def _step(
    get: str, put: Callable[[str], str], tp: Any, required: bool, shares: bool = False
) -> list[str]:
    """The lines interning a field's value (read with ``get``, written back with ``put``); with
    ``shares``, lists and maps of scalars are also frozen and shared (``shared``, a
    :class:`SharedValues`)."""
    passed = "intern, shared" if shares else "intern"
    options = _options(tp)
    if not options:
        return []
    if len(options) == 1:
        option = options[0]
        origin = typing.get_origin(option) or option
        args = typing.get_args(option)
        if origin is msgspec.Raw:
            return []  # a part of a partly decoded object not read yet: left as it is
        if origin is str and required:
            return [put(f"intern({get})")]
        if origin is str:
            return [f"v = {get}", "if v is not None:", f"    {put('intern(v)')}"]
        if origin is int:
            return [f"v = {get}", "if type(v) is int:", f"    {put('_int(v)')}"]
        if origin is datetime:
            return [
                f"v = {get}",
                "if type(v) is datetime and v.tzinfo is utc:",
                f"    {put('_time(v)')}",
            ]
        if isinstance(origin, type) and issubclass(origin, (int, float, bool, bytes, datetime)):
            return []  # holds no strings
        struct = _struct_class(origin)
        if struct is not None:
            walker = _walker_name(struct, shares)
            return [
                f"v = {get}",
                "if v is not None:",
                f"    if type(v) is cls_{walker}: {walker}(v, {passed})",
                "    else: _intern_struct(v, intern)",
            ]
        if origin is list and args:
            item = _options(args[0])
            if shares and item and set(item) <= _SCALARS:
                # One tuple of the interned items (the loop in C) is the key of the shared frozen
                # list. An item that cannot be looked up (not a scalar: an object built by hand)
                # makes the generic walk take over. Empty lists are shared too.
                return [
                    f"v = {get}",
                    "if v is not None:",
                    f"    try: {put('shared.list(tuple(map(intern, v)))')}",
                    f"    except TypeError: {put('_frozen_list(v, intern)')}",
                ]
            if item == [str]:
                # map: the loop in C; in place, the list keeps its exact size. An item that
                # cannot be looked up (not a string: an object built by hand) makes the generic
                # walk take over.
                return [
                    f"v = {get}",
                    "if v:",
                    "    try: v[:] = map(intern, v)",
                    "    except TypeError: _intern_list(v, intern)",
                    f"    {put('v.copy()')}",
                ]
            struct = _struct_class(item[0]) if len(item) == 1 else None
            if struct is not None:
                walker = _walker_name(struct, shares)
                return [
                    f"v = {get}",
                    "if v:",
                    "    for x in v:",
                    f"        if type(x) is cls_{walker}: {walker}(x, {passed})",
                    "        else:",
                    "            _intern_list(v, intern)",
                    "            break",
                    f"    {put('v.copy()')}",
                ]
        if origin is list:
            return [
                f"v = {get}",
                "if v:",
                "    _intern_list(v, intern)",
                f"    if type(v) is list: {put('v.copy()')}",
            ]
        if origin is dict and args and set(_options(args[1])) <= _SCALARS:
            if shares:
                shared = "shared.dict(tuple(map(intern, v)), tuple(map(intern, v.values())))"
                return [
                    f"v = {get}",
                    "if v is not None:",
                    f"    try: {put(shared)}",
                    f"    except TypeError: {put('FrozenDict(_intern_dict(v, intern))')}",
                ]
            interned = "dict(zip(map(intern, v), map(intern, v.values())))"
            return [
                f"v = {get}",
                "if v:",
                f"    try: {put(interned)}",
                f"    except TypeError: {put('_intern_dict(v, intern)')}",
            ]
        if origin is dict:
            return [f"v = {get}", "if v:", f"    {put('_intern_dict(v, intern)')}"]
    if set(options) <= _SCALARS:  # such as IntOrString
        return [
            f"v = {get}",
            "if type(v) is str:",
            f"    {put('intern(v)')}",
            "elif type(v) is int:",
            f"    {put('_int(v)')}",
        ]
    return [f"v = {get}", "if v is not None:", f"    {put('_intern_tree(v, intern)')}"]


def _walker(cls: type, shares: bool = False) -> Walker:
    with _lock:
        walker = _WALKERS.get((cls, shares))
        if walker is not None:
            return walker
        name = _walker_name(cls, shares)
        lines = [f"def {name}(o, {'intern, shared' if shares else 'intern'}):"]
        for info in msgspec.structs.fields(cls):
            if issubclass(cls, ObjectMeta) and info.name in _UNIQUE:
                continue
            field = info.name
            if field.isidentifier() and not keyword.iskeyword(field):
                get = f"o.{field}"

                def put(value: str, field: str = field) -> str:
                    return f"o.{field} = {value}"

            else:
                get = f"getattr(o, {field!r})"

                def put(value: str, field: str = field) -> str:
                    return f"setattr(o, {field!r}, {value})"

            required = info.required
            lines += ["    " + line for line in _step(get, put, info.type, required, shares)]
        lines.append("    return None")
        exec("\n".join(lines), _NAMESPACE)  # noqa: S102 - source made here, from field names
        compiled: Walker = _NAMESPACE[name]
        _WALKERS[(cls, shares)] = compiled
        return compiled


def _intern_list(items: list[Any], intern: Callable[[str], str]) -> None:
    if type(items) is FrozenList:
        return  # kept by a transform already: its items are interned
    for index, item in enumerate(items):
        if type(item) is str:
            items[index] = intern(item)
        elif isinstance(item, msgspec.Struct):
            _intern_struct(item, intern)
        elif isinstance(item, (list, dict)):
            items[index] = _intern_tree(item, intern)


def _intern_dict(values: dict[Any, Any], intern: Callable[[str], str]) -> dict[Any, Any]:
    return {
        (intern(key) if type(key) is str else key): (
            intern(item)
            if type(item) is str
            else (
                _intern_tree(item, intern)
                if isinstance(item, (msgspec.Struct, list, dict))
                else item
            )
        )
        for key, item in values.items()
    }


def _intern_tree(value: Any, intern: Callable[[str], str]) -> Any:
    """Intern every short string of a decoded model, in place (dict and list values included);
    returns the value to keep, which for a dict or a list is a new one (a list its exact size: see
    :func:`_walker`).

    Most string values of cached objects repeat across objects (images, container and volume names,
    ports' protocols, mount paths, phases, condition types, node names...): folding them is most of
    what a cache can save beyond dropping managedFields."""
    if isinstance(value, msgspec.Struct):
        _intern_struct(value, intern)
    elif isinstance(value, list):
        _intern_list(value, intern)
        if type(value) is list:
            return value.copy()
    elif isinstance(value, dict):
        return _intern_dict(value, intern)
    return value


def _frozen_list(items: list[Any], intern: Callable[[str], str]) -> FrozenList:
    copied = list(items)
    _intern_list(copied, intern)
    return FrozenList(copied)


_NAMESPACE: dict[str, Any] = {
    "datetime": datetime,
    "utc": timezone.utc,
    "_int": _INTS.__getitem__,
    "_time": _TIMES.__getitem__,
    "_intern_struct": _intern_struct,
    "_intern_list": _intern_list,
    "_intern_dict": _intern_dict,
    "_intern_tree": _intern_tree,
    "_frozen_list": _frozen_list,
    "FrozenDict": FrozenDict,
}


def make_transform(
    *,
    drop_managed_fields: bool = True,
    interner: Callable[[str], str] | None = DEFAULT_INTERNER,
    share_values: bool = True,
) -> Transform:
    """A transform that drops managedFields (or not), interns with ``interner`` (None: no
    interning) and, with ``share_values`` (the default), makes the lists of scalars and maps of
    scalars of cached objects (labels, annotations, finalizers, commands, selectors, resource
    requests...) read-only :class:`~.frozen.FrozenList` and :class:`~.frozen.FrozenDict`, one
    shared by every object holding an equal value (through a bounded table shared by every such
    transform). ``share_values=False`` keeps them as decoded: mutable, one per object."""
    shared = _SHARED_VALUES if share_values else None

    def transform(obj: Any) -> Any:
        if isinstance(obj, Unstructured):
            _unstructured(obj.object, drop_managed_fields, interner, shared)
        elif isinstance(obj, dict):
            _unstructured(obj, drop_managed_fields, interner, shared)
        else:
            _typed(obj, drop_managed_fields, lookup, shared)
        return obj

    lookup: Callable[[str], str] | None = interner
    if isinstance(interner, StringInterner):
        # The table's lookup (a C call for a known string) rather than a method call per string.
        lookup = interner.lookup
    elif interner is not None:
        lookup = _short_strings_only(interner)
    return transform


def _short_strings_only(interner: Callable[[str], str]) -> Callable[[str], str]:
    """``interner`` for the values walkers look up: short strings, the rest given back as they are
    (as a :class:`StringInterner` does)."""

    def intern(value: str) -> str:
        if type(value) is str and len(value) <= MAX_INTERNED_LENGTH:
            return interner(value)
        return value

    return intern


#: Drops managedFields, interns repeated strings with :data:`DEFAULT_INTERNER`, freezes lists and
#: maps of scalars and shares equal ones.
default_transform: Transform = make_transform()


def intern_part(value: Any) -> Any:
    """What an informer keeps of a part of a partly decoded object (:mod:`kgen.runtime._partial`)
    decoded when first read: the part as the default transform keeps what is decoded at once, its
    strings interned in :data:`DEFAULT_INTERNER` and, for a model (``spec``, ``status``), its lists
    and maps of scalars frozen and shared (without it, a cache whose objects were all read would
    hold half as much again as a fully decoded one)."""
    if isinstance(value, msgspec.Struct):
        walker = _WALKERS.get((type(value), True)) or _walker(type(value), True)
        walker(value, DEFAULT_INTERNER.lookup, _SHARED_VALUES)
        return value
    return _intern_tree(value, DEFAULT_INTERNER.lookup)
