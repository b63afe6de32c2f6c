"""Transforms applied to objects before they are cached: drop managedFields, intern repeated strings.

Informer caches hold every object of a resource for the life of the program, so what each object
carries matters (kubernetes/kubernetes#113305, cert-manager#4722: caches are the usual OOM). The
default transform, :func:`default_transform`, does two things in place on each freshly decoded object:

- drops ``metadata.managedFields``, which server-side apply makes one of the biggest parts of many
  objects, and which controllers reading a cache almost never need;
- *interns* the strings that repeat across objects (namespace, label keys and values, annotation
  keys, owner references, finalizers, generateName, and for typed objects every short string of
  spec and status: images, names of containers, ports and volumes, phases...): equal strings become one object, through a
  bounded table (:class:`StringInterner`) rather than ``sys.intern``, so that a churn of unique values
  (pod-template hashes...) cannot grow memory without end.

A transform receives the decoded object (a model, or :class:`~kgen.runtime._unstructured.Unstructured`
for dynamic informers), may change it in place, and returns the object to cache. It must be idempotent:
the same object may go through it twice. Replace the default with ``transform=`` on an informer or
factory (``None`` caches objects as decoded), or build one with :func:`make_transform`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keyword
import types
import typing
from datetime import datetime, timezone

import msgspec

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


class _Table(dict[str, str]):
    """A string table where looking up a string not in it adds it."""

    def __missing__(self, key: str) -> str:
        self[key] = key
        return key


class StringInterner:
    """Returns one shared object for equal strings, remembering at most ``max_size`` of them.

    When full the table is emptied and refilled: strings already shared stay shared (the cached
    objects hold them), only later duplicates of forgotten strings are not folded. That bound is what
    ``sys.intern`` lacks (interned strings may live as long as the interpreter)."""

    def __init__(self, max_size: int = 65536) -> None:
        self.max_size = max_size
        self._table = _Table()

    def __call__(self, value: str) -> str:
        known = self._table.get(value)
        if known is not None:
            return known
        if len(self._table) >= self.max_size:
            self._table.clear()
        self._table[value] = value
        return value

    def __len__(self) -> int:
        return len(self._table)

    def table_for_one_object(self) -> _Table:
        """The table, emptied first if full: looking strings up in it interns them (those of one
        object may take it that many past ``max_size``)."""
        if len(self._table) >= self.max_size:
            self._table.clear()
        return self._table


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


def _typed(obj: Any, drop: bool, intern: Callable[[str], str] | None) -> None:
    meta = getattr(obj, "metadata", None)
    if drop and meta is not None and _managed_fields(meta) is not None:
        meta.managed_fields = None
    if intern is not None:
        _intern_tree(obj, intern)


def _unstructured(body: dict[str, Any], drop: bool, intern: Callable[[str], str] | None) -> None:
    meta = body.get("metadata")
    if not isinstance(meta, dict):
        return
    if drop:
        meta.pop("managedFields", None)
    if intern is None:
        return
    for key in ("namespace", "generateName"):
        if isinstance(meta.get(key), str):
            meta[key] = intern(meta[key])
    if isinstance(meta.get("labels"), dict):
        meta["labels"] = _strings(meta["labels"], intern, True)
    if isinstance(meta.get("annotations"), dict):
        meta["annotations"] = _strings(meta["annotations"], intern, False)
    if isinstance(meta.get("finalizers"), list):
        meta["finalizers"] = [intern(f) if isinstance(f, str) else f for f in meta["finalizers"]]
    for ref in meta.get("ownerReferences") or ():
        if isinstance(ref, dict):
            for key in ("apiVersion", "kind", "name", "uid"):
                if isinstance(ref.get(key), str):
                    ref[key] = intern(ref[key])


#: Strings longer than this are not interned: long values rarely repeat (certificates, scripts).
MAX_INTERNED_LENGTH = 96
# ObjectMeta fields that are unique per object: interning them would only fill the table.
_UNIQUE = frozenset({"name", "uid", "resource_version", "self_link"})


# How to walk each field of a model class, computed once per class from its type hints.
_STR, _STRUCT, _LIST, _DICT, _ANY, _VALUE = range(6)
_PLANS: dict[type, tuple[tuple[str, int], ...]] = {}


def _kind_of(tp: Any) -> int | None:
    options = [
        o
        for o in (
            typing.get_args(tp)
            if typing.get_origin(tp) in (typing.Union, types.UnionType)
            else (tp,)
        )
        if o is not type(None)
    ]
    if not options:
        return None
    if len(options) > 1:
        return _ANY
    option = options[0]
    origin = typing.get_origin(option) or option
    if origin is msgspec.Raw:
        return None  # a part of a partly decoded object not read yet: left as it is
    if origin is str:
        return _STR
    if origin is list:
        return _LIST
    if origin is dict:
        return _DICT
    if isinstance(origin, type) and issubclass(origin, msgspec.Struct):
        return _STRUCT
    if origin is int or origin is datetime:
        return _VALUE  # immutable, and repeated (ports, seconds, timestamps): shared as well
    if isinstance(origin, type) and issubclass(origin, (int, float, bool, bytes, datetime)):
        return None  # holds no strings
    return _ANY


def _plan(cls: type) -> tuple[tuple[str, int], ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        steps = []
        for info in msgspec.structs.fields(cls):
            kind = _kind_of(info.type)
            if kind is not None and not (issubclass(cls, ObjectMeta) and info.name in _UNIQUE):
                steps.append((info.name, kind))
        plan = _PLANS[cls] = tuple(steps)
    return plan


def _intern_struct(value: Any, intern: Callable[[str], str]) -> None:
    walker = _WALKERS.get(type(value))
    if walker is None:
        walker = _walker(type(value))
    walker(value, intern)


# One function per model class, written from its plan: a walk that does the plan's steps with no
# dispatch (every cached object goes through it, so its speed is the informer's sync time).
_WALKERS: dict[type, Callable[[Any, Callable[[str], str]], None]] = {}
_STEP = {
    _STR: "if len(v) <= {limit}: o.{name} = intern(v)",
    _STRUCT: "_intern_struct(v, intern)",
    _LIST: "if v: _intern_list(v, intern)",
    _DICT: "if v: o.{name} = _intern_dict(v, intern)",
    _VALUE: "o.{name} = _intern_value(v)",
    _ANY: "o.{name} = _intern_tree(v, intern)",
}


def _walker(cls: type) -> Callable[[Any, Callable[[str], str]], None]:
    lines = ["def walk(o, intern):"]
    for name, kind in _plan(cls):
        if not name.isidentifier() or keyword.iskeyword(name):
            return _generic_walker(cls)
        step = _STEP[kind].format(name=name, limit=MAX_INTERNED_LENGTH)
        lines += [f"    v = o.{name}", "    if v is not None:", f"        {step}"]
    lines.append("    return None")
    namespace: dict[str, Any] = {
        "_intern_struct": _intern_struct,
        "_intern_list": _intern_list,
        "_intern_dict": _intern_dict,
        "_intern_value": _intern_value,
        "_intern_tree": _intern_tree,
    }
    exec("\n".join(lines), namespace)  # noqa: S102 - source made here, from field names
    walker = _WALKERS[cls] = namespace["walk"]
    return walker  # type: ignore[no-any-return]


def _generic_walker(cls: type) -> Callable[[Any, Callable[[str], str]], None]:
    plan = _plan(cls)

    def walk(value: Any, intern: Callable[[str], str]) -> None:
        for name, kind in plan:
            item = getattr(value, name)
            if item is None:
                continue
            if kind == _STR:
                if len(item) <= MAX_INTERNED_LENGTH:
                    setattr(value, name, intern(item))
            elif kind == _STRUCT:
                _intern_struct(item, intern)
            elif kind == _LIST:
                _intern_list(item, intern)
            elif kind == _DICT:
                setattr(value, name, _intern_dict(item, intern))
            elif kind == _VALUE:
                setattr(value, name, _intern_value(item))
            else:
                setattr(value, name, _intern_tree(item, intern))

    _WALKERS[cls] = walk
    return walk


class _ValueInterner:
    """One shared object for equal ints (not bools) and UTC datetimes, remembering at most
    ``max_size``: each is an object of 28 to 48 bytes, several per pod, that repeats across objects
    (container ports, probe seconds, timestamps). Both are immutable: sharing them is invisible."""

    def __init__(self, max_size: int = 65536) -> None:
        self.max_size = max_size
        self._ints: dict[int, int] = {}
        self._times: dict[datetime, datetime] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is int:
            table: dict[Any, Any] = self._ints
        elif kind is datetime and value.tzinfo is timezone.utc:
            # Equal datetimes of other zones are other values (their isoformat differs).
            table = self._times
        else:
            return value
        known = table.get(value)
        if known is not None:
            return known
        if len(table) >= self.max_size:
            table.clear()
        table[value] = value
        return value


_intern_value = _ValueInterner()


def _intern_list(items: list[Any], intern: Callable[[str], str]) -> None:
    for index, item in enumerate(items):
        if type(item) is str:
            if len(item) <= MAX_INTERNED_LENGTH:
                items[index] = intern(item)
        elif isinstance(item, msgspec.Struct):
            _intern_struct(item, intern)
        elif isinstance(item, (list, dict)):
            items[index] = _intern_tree(item, intern)


def _intern_dict(values: dict[Any, Any], intern: Callable[[str], str]) -> dict[Any, Any]:
    return {
        (intern(key) if type(key) is str else key): (
            intern(item)
            if type(item) is str and len(item) <= MAX_INTERNED_LENGTH
            else (
                _intern_tree(item, intern)
                if isinstance(item, (msgspec.Struct, list, dict))
                else item
            )
        )
        for key, item in values.items()
    }


def _intern_tree(value: Any, intern: Callable[[str], str]) -> Any:
    """Intern every short string of a decoded model, in place (dict and list values included).

    Most string values of cached objects repeat across objects (images, container and volume names,
    ports' protocols, mount paths, phases, condition types, node names...): folding them is most of
    what a cache can save beyond dropping managedFields."""
    if isinstance(value, msgspec.Struct):
        _intern_struct(value, intern)
    elif isinstance(value, list):
        _intern_list(value, intern)
    elif isinstance(value, dict):
        return _intern_dict(value, intern)
    return value


def make_transform(
    *, drop_managed_fields: bool = True, interner: Callable[[str], str] | None = DEFAULT_INTERNER
) -> Transform:
    """A transform that drops managedFields (or not) and interns with ``interner`` (None: no
    interning)."""

    def transform(obj: Any) -> Any:
        if isinstance(obj, Unstructured):
            _unstructured(obj.object, drop_managed_fields, interner)
        elif isinstance(obj, dict):
            _unstructured(obj, drop_managed_fields, interner)
        elif isinstance(interner, StringInterner):
            # The table's lookup (a C call for a known string) rather than a method call per
            # string: the table's bound is kept before each object instead of before each string.
            _typed(obj, drop_managed_fields, interner.table_for_one_object().__getitem__)
        else:
            _typed(obj, drop_managed_fields, interner)
        return obj

    return transform


#: Drops managedFields and interns repeated strings with :data:`DEFAULT_INTERNER`.
default_transform: Transform = make_transform()


def intern_part(value: Any) -> Any:
    """What an informer keeps of a part of a partly decoded object (:mod:`kgen.runtime._partial`)
    decoded when first read: the part with its strings interned in :data:`DEFAULT_INTERNER`, as the
    default transform interns what is decoded at once (without it, a cache whose objects were all
    read would hold half as much again as a fully decoded one)."""
    return _intern_tree(value, DEFAULT_INTERNER.table_for_one_object().__getitem__)
