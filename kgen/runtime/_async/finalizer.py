"""Finalizers, as kube-rs's ``finalizer`` helper: an apply event while the object lives, one cleanup
event before it goes.

    widgets_finalizer = AsyncFinalizer("example.kgen.io/cleanup")

    async def reconcile(request: ReconcileRequest, widget: Widget | None) -> Outcome:
        if widget is None:
            return None
        client = cs.example_kgen_io_v1.widgets(request.namespace)
        return await widgets_finalizer.finalize(client, widget, apply=apply, cleanup=cleanup)

``finalize`` does one of four things:

====================================  =================================================================
the object                            what happens
====================================  =================================================================
lives, without the finalizer          the finalizer is added (a JSON patch that tests the
                                      resourceVersion: it applies only to the object read); the update
                                      it makes brings the object back, so ``apply`` runs next time
lives, with the finalizer             ``apply(obj)``, whose result is returned
is being deleted, with the finalizer  ``cleanup(obj)``, then the finalizer is removed (a JSON patch
                                      pinned to the resourceVersion too)
is being deleted, without it          nothing: the finalizer is gone, cleanup is done
====================================  =================================================================

``cleanup`` runs exactly once per object in this process: once it has returned, a removal that fails
(the object changed since it was read: the resourceVersion test fails; a 500) is retried later without
running ``cleanup`` again; once the finalizer is removed, a stale copy of the object that still shows
it (a cache whose watch is behind, or that relisted: the API server lets no finalizer be added to an
object being deleted, so any such copy is stale) is left alone. An exception from ``cleanup`` keeps the
finalizer, so cleanup runs again on the next reconcile. Across processes (a new leader), cleanup must
still be idempotent.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from kgen.runtime._controller.request import Outcome
from kgen.runtime._errors import NotFound
from kgen.runtime._request import PatchType

__all__ = ["AsyncFinalizer", "add_finalizer", "remove_finalizer"]

M = TypeVar("M")

#: Seconds a removed finalizer's uid is remembered, to tell stale copies of its object (longer than
#: any cache stays behind).
REMEMBER_REMOVED = 600.0


def _meta(obj: Any) -> Any:
    meta = getattr(obj, "metadata", None)
    if meta is None or not meta.name:
        raise ValueError(f"this {type(obj).__name__} has no metadata.name")
    return meta


async def add_finalizer(client: Any, obj: M, finalizer: str) -> M:
    """Add ``finalizer`` to ``obj`` with a JSON patch pinned to its resourceVersion (the server answers
    422 if the object changed since it was read); returns the object as patched."""
    meta = _meta(obj)
    if finalizer in (meta.finalizers or []):
        return obj
    ops: list[dict[str, Any]] = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": meta.resource_version},
    ]
    if meta.finalizers:
        ops.append({"op": "add", "path": "/metadata/finalizers/-", "value": finalizer})
    else:
        ops.append({"op": "add", "path": "/metadata/finalizers", "value": [finalizer]})
    patched: M = await client.patch(meta.name, ops, patch_type=PatchType.JSON)
    return patched


async def remove_finalizer(client: Any, obj: M, finalizer: str) -> M | None:
    """Remove ``finalizer`` from ``obj`` with a JSON patch pinned to its resourceVersion; returns the
    object as patched, or None if it is gone (the last finalizer removed let it be deleted)."""
    meta = _meta(obj)
    finalizers = list(meta.finalizers or [])
    if finalizer not in finalizers:
        return obj
    ops = [
        {"op": "test", "path": "/metadata/resourceVersion", "value": meta.resource_version},
        {"op": "remove", "path": f"/metadata/finalizers/{finalizers.index(finalizer)}"},
    ]
    try:
        patched: M = await client.patch(meta.name, ops, patch_type=PatchType.JSON)
    except NotFound:
        return None
    return patched


class AsyncFinalizer(Generic[M]):
    """One finalizer name and the apply/cleanup split; see the module docstring."""

    def __init__(self, name: str) -> None:
        if "/" not in name:
            raise ValueError(f"a finalizer is a qualified name (domain/name), not {name!r}")
        self.name = name
        # uids whose cleanup returned, and whose finalizer is still to be removed.
        self._cleaned: set[str] = set()
        # uids whose finalizer this process removed -> when (oldest first).
        self._removed: dict[str, float] = {}

    async def finalize(
        self,
        client: Any,
        obj: M,
        *,
        apply: Callable[[M], Awaitable[Outcome]],
        cleanup: Callable[[M], Awaitable[None]],
    ) -> Outcome:
        """Add the finalizer, run ``apply``, or run ``cleanup`` and remove the finalizer; ``client``
        is the typed client of ``obj``'s resource in its namespace (it needs ``patch``)."""
        meta = _meta(obj)
        present = self.name in (meta.finalizers or [])
        if meta.deletion_timestamp is None:
            if not present:
                await add_finalizer(client, obj, self.name)
                return None  # the patch's update event brings the object back
            return await apply(obj)
        uid = meta.uid or ""
        if not present:
            self._cleaned.discard(uid)
            self._removed.pop(uid, None)  # the cache has caught up
            return None
        if uid in self._removed:
            return None  # a stale copy: the finalizer is gone already
        if uid not in self._cleaned:
            await cleanup(obj)
            self._cleaned.add(uid)
        await remove_finalizer(client, obj, self.name)
        self._cleaned.discard(uid)
        self._remember_removed(uid)
        return None

    def _remember_removed(self, uid: str) -> None:
        now = time.monotonic()
        while self._removed:
            old, when = next(iter(self._removed.items()))
            if now - when < REMEMBER_REMOVED:
                break
            del self._removed[old]
        self._removed[uid] = now
