"""Read-only lists and maps: what the default cache transform keeps of lists and maps of scalars, and
the table that shares equal ones (:class:`SharedValues`).

Objects read from an informer's cache are shared by every handler and lister, and the default
transform (:mod:`.transform`) also shares equal lists and maps between cached objects (the labels of
pods of one template are one map). A mutation of one of them would silently change many objects, so
they are :class:`FrozenList` and :class:`FrozenDict`: a ``list`` and a ``dict`` (equal to plain ones,
encoded as JSON lists and objects, ``isinstance`` checks hold) whose mutating methods raise
:class:`TypeError`. Copies are plain and mutable: ``copy.copy``, ``copy.deepcopy``, pickling,
``list(x)``, ``dict(x)``, ``x.copy()``, slicing, ``x + y`` and ``x | y``; a deep copy of a cached
object (:func:`~kgen.runtime._cache.objects.copy_object`) is fully mutable.
"""

from __future__ import annotations

import copy
import builtins
from typing import Any, NoReturn

__all__ = ["READ_ONLY", "FrozenDict", "FrozenList", "SharedValues"]

#: What a mutation of a frozen value raises with.
READ_ONLY = (
    "this {kind} belongs to an object of an informer's cache, which is read-only (equal values "
    "are shared between cached objects): copy the object first (kgen.runtime.copy_object, or "
    "copy.deepcopy) and change the copy"
)


def _refuse(kind: str) -> Any:
    def refused(self: Any, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(READ_ONLY.format(kind=kind))

    return refused


_list = _refuse("list")
_dict = _refuse("map")


class FrozenList(list[Any]):
    """A list whose mutating methods raise :class:`TypeError`; copies of it are plain lists."""

    __slots__ = ()

    __setitem__ = __delitem__ = __iadd__ = __imul__ = _list
    append = extend = insert = pop = remove = clear = sort = reverse = _list

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        result: list[Any] = []
        memo[id(self)] = result
        result += (copy.deepcopy(item, memo) for item in self)
        return result

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return (list, (list(self),))


class FrozenDict(dict[Any, Any]):
    """A dict whose mutating methods raise :class:`TypeError`; copies of it are plain dicts."""

    __slots__ = ()

    __setitem__ = __delitem__ = __ior__ = _dict
    update = setdefault = pop = popitem = clear = _dict

    def __copy__(self) -> dict[Any, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        memo[id(self)] = result
        for key, value in self.items():
            result[copy.deepcopy(key, memo)] = copy.deepcopy(value, memo)
        return result

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return (dict, (dict(self),))


# What shared values may hold: floats are not (0.0 and -0.0 are equal), nor other kinds (a tuple
# may hold either).
_SHAREABLE = frozenset({str, int, bool, type(None)})


class SharedValues:
    """Equal lists of scalars and equal maps of scalars (labels, annotations, resource requests and
    limits, selectors, commands and arguments...) of cached typed objects become one
    :class:`FrozenList` or :class:`FrozenDict`, shared by every object that has
    it: about 1.7 KB less per pod for pods of one template. Frozen, a shared value cannot be changed
    through one object behind the others' backs (cached objects are read-only by contract, as
    client-go's; copy them to change them).

    At most ``max_size`` lists and as many maps are remembered (the tables are emptied when full:
    values already shared stay shared). Values holding floats are frozen but never shared (``0.0``
    and ``-0.0`` are equal), nor are values holding items of other kinds than strings, ints, bools
    and None."""

    def __init__(self, max_size: int = 65536) -> None:
        self.max_size = max_size
        # items -> the shared list; (keys, values) -> the shared map; with their types too when not
        # all are strings (types are part of the key otherwise: 1 and True are equal values).
        self._lists: builtins.dict[tuple[Any, ...], FrozenList] = {}
        self._dicts: builtins.dict[tuple[Any, ...], FrozenDict] = {}

    def __len__(self) -> int:
        return len(self._lists) + len(self._dicts)

    def list(self, items: tuple[Any, ...]) -> FrozenList:
        """The shared frozen list of ``items`` (made when first seen)."""
        try:
            # Strings only (the usual case): the items are the key. Only such keys are tuples of
            # strings, and a tuple of strings equals no tuple holding another type: a hit is a list
            # of strings equal to this one.
            shared = self._lists.get(items)
        except TypeError:  # an item that is not a scalar (an object built by hand)
            return FrozenList(items)
        if shared is not None:
            return shared
        key: tuple[Any, ...] = items
        kinds = tuple(map(type, items))
        if kinds.count(str) != len(kinds):
            if not _SHAREABLE.issuperset(kinds):
                return FrozenList(items)
            key = (items, kinds)
            shared = self._lists.get(key)
            if shared is not None:
                return shared
        if len(self._lists) >= self.max_size:
            self._lists.clear()
        shared = self._lists[key] = FrozenList(items)
        return shared

    def dict(self, keys: tuple[Any, ...], values: tuple[Any, ...]) -> FrozenDict:
        """The shared frozen map of ``keys`` to ``values`` (made when first seen)."""
        key: tuple[Any, ...] = (keys, values)
        try:
            shared = self._dicts.get(key)  # strings only: as in list()
        except TypeError:
            return FrozenDict(zip(keys, values))
        if shared is not None:
            return shared
        kinds = (*map(type, keys), *map(type, values))
        if kinds.count(str) != len(kinds):
            if not _SHAREABLE.issuperset(kinds):
                return FrozenDict(zip(keys, values))
            key = (keys, values, kinds)
            shared = self._dicts.get(key)
            if shared is not None:
                return shared
        if len(self._dicts) >= self.max_size:
            self._dicts.clear()
        shared = self._dicts[key] = FrozenDict(zip(keys, values))
        return shared
