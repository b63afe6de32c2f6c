"""Tombstones: objects that were deleted while the watch was down, seen missing from a relist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, Union

__all__ = ["DeletedFinalStateUnknown", "final_state"]

T = TypeVar("T")


@dataclass(frozen=True)
class DeletedFinalStateUnknown(Generic[T]):
    """What ``on_delete`` receives for an object that vanished while no watch was open.

    A relist found the object gone, so its deletion itself was never seen: ``obj`` is the last state the
    cache knew (always an object of the informer's type, never None) and ``key`` its cache key. Handlers
    therefore get either the deleted object or this wrapper; :func:`final_state` unwraps both.
    """

    key: str
    obj: T


def final_state(obj: Union[T, DeletedFinalStateUnknown[T]]) -> T:
    """The object of an ``on_delete`` call, whether it came with its deletion or as a tombstone."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.obj
    return obj
