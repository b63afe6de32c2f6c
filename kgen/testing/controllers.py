"""The controllers a cluster runs that API clients observe: garbage collector and namespace lifecycle.

They run inline, after each write, until nothing changes, so their effects are deterministic and
visible by the time the next request is answered (kube-controller-manager does the same work
asynchronously):

- garbage collection through ownerReferences: ``Background`` deletes dependents once their owners are
  gone; ``Foreground`` owners (finalizer ``foregroundDeletion``) are removed once no dependent with
  ``blockOwnerDeletion`` is left; ``Orphan`` owners (finalizer ``orphan``) have their references removed
  from dependents, then go; references to absent owners are dropped when another owner remains;
- namespace deletion: the contents of a Terminating namespace are deleted, then the ``kubernetes``
  finalizer (``spec.finalizers``) is removed and the namespace disappears.
"""

from __future__ import annotations

import copy
from typing import Any

from kgen.testing.api import API, FOREGROUND, ORPHAN
from kgen.testing.errors import APIError
from kgen.testing.options import DeleteOptions, WriteOptions
from kgen.testing.registry import ResourceType

__all__ = ["Controllers"]

_NAMESPACES = ("", "namespaces")


class Controllers:
    """Garbage collector and namespace controller for one :class:`API`; install with :meth:`attach`."""

    def __init__(self, api: API) -> None:
        self.api = api
        self._dirty = False
        self._running = False
        self.enabled = True

    def attach(self) -> Controllers:
        self.api.hooks.append(self._on_write)
        return self

    def _on_write(
        self,
        api: API,
        rt: ResourceType,
        verb: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
    ) -> None:
        if not self.enabled:
            return
        if verb == "delete" or rt.gr == _NAMESPACES or _interesting(new) or _interesting(old):
            self._dirty = True
            self.run()

    def run(self) -> None:
        """Work until nothing changes (re-entrant writes just mark another pass)."""
        if self._running:
            return
        self._running = True
        try:
            for _ in range(1000):
                if not self._dirty:
                    break
                self._dirty = False
                self._collect()
                self._namespaces()
        finally:
            self._running = False

    # --- helpers ------------------------------------------------------------------------------------

    def _type(self, gr: tuple[str, str]) -> ResourceType | None:
        versions = self.api.registry.versions_of(*gr)
        if not versions:
            return None
        storage = [r for r in versions if r.storage_version]
        return (storage or versions)[0]

    def _update(self, rt: ResourceType, existing: dict[str, Any], new: dict[str, Any]) -> None:
        try:
            self.api._write_update(rt, existing, new, WriteOptions(), [], [], subresource=None)
        except APIError:
            self._dirty = True  # changed under us: look again

    def _delete(self, rt: ResourceType, obj: dict[str, Any], policy: str) -> None:
        metadata = obj.get("metadata") or {}
        try:
            self.api.delete(
                rt,
                metadata.get("namespace"),
                metadata.get("name") or "",
                DeleteOptions(propagation_policy=policy, preconditions_uid=metadata.get("uid")),
            )
        except APIError:
            pass

    # --- garbage collector --------------------------------------------------------------------------

    def _collect(self) -> None:
        objects = self.api.store.all_objects()
        by_uid = {(obj.get("metadata") or {}).get("uid"): obj for _, obj in objects}
        for gr, obj in objects:
            rt = self._type(gr)
            metadata = obj.get("metadata") or {}
            refs = metadata.get("ownerReferences") or []
            if rt is None or not refs:
                continue
            solid, absent, waiting, orphaning = [], [], [], []
            for ref in refs:
                owner = by_uid.get(ref.get("uid"))
                owner_meta = (owner or {}).get("metadata") or {}
                deleting = bool(owner_meta.get("deletionTimestamp"))
                finalizers = owner_meta.get("finalizers") or []
                if owner is None:
                    absent.append(ref)
                elif deleting and ORPHAN in finalizers:
                    orphaning.append(ref)
                elif deleting and FOREGROUND in finalizers:
                    waiting.append(ref)
                else:
                    solid.append(ref)
            if orphaning:
                keep = [r for r in refs if r not in orphaning]
                self._set_refs(rt, obj, keep)
                continue
            if not absent and not waiting:
                continue
            if solid:
                if absent:
                    self._set_refs(rt, obj, [r for r in refs if r not in absent])
                continue
            if metadata.get("deletionTimestamp"):
                continue
            self._delete(rt, obj, "Foreground" if waiting else "Background")
        self._finish_owners()

    def _set_refs(self, rt: ResourceType, obj: dict[str, Any], refs: list[dict[str, Any]]) -> None:
        new = copy.deepcopy(obj)
        if refs:
            new["metadata"]["ownerReferences"] = refs
        else:
            new["metadata"].pop("ownerReferences", None)
        self._update(rt, obj, new)

    def _finish_owners(self) -> None:
        """Owners whose orphan or foreground work is done lose that finalizer (and may go)."""
        objects = self.api.store.all_objects()
        dependents: dict[Any, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
        for _, obj in objects:
            for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
                dependents.setdefault(ref.get("uid"), []).append((obj, ref))
        for gr, obj in objects:
            metadata = obj.get("metadata") or {}
            finalizers = list(metadata.get("finalizers") or [])
            if not metadata.get("deletionTimestamp"):
                continue
            rt = self._type(gr)
            if rt is None:
                continue
            mine = dependents.get(str(metadata.get("uid")), [])
            remove = None
            if ORPHAN in finalizers and not mine:
                remove = ORPHAN
            elif FOREGROUND in finalizers:
                blocking = [d for d, ref in mine if ref.get("blockOwnerDeletion")]
                if not blocking:
                    remove = FOREGROUND
            if remove is None:
                continue
            new = copy.deepcopy(obj)
            rest = [f for f in finalizers if f != remove]
            if rest:
                new["metadata"]["finalizers"] = rest
            else:
                new["metadata"].pop("finalizers", None)
            self._update(rt, obj, new)

    # --- namespaces ---------------------------------------------------------------------------------

    def _namespaces(self) -> None:
        ns_type = self._type(_NAMESPACES)
        if ns_type is None:
            return
        for namespace in self.api.store.list(_NAMESPACES)[0]:
            metadata = namespace.get("metadata") or {}
            spec_finalizers = (namespace.get("spec") or {}).get("finalizers") or []
            # A namespace finalized before it was deleted is left alone, as the real controller
            # does ("return if it is already finalized"): it stays Terminating until an update
            # (ShouldDeleteNamespaceDuringUpdate) removes it.
            if not metadata.get("deletionTimestamp") or "kubernetes" not in spec_finalizers:
                continue
            name = metadata.get("name") or ""
            remaining = 0
            for gr in self.api.store.resources():
                rt = self._type(gr)
                if rt is None or not rt.namespaced:
                    continue
                for obj in self.api.store.list(gr, name)[0]:
                    remaining += 1
                    if not (obj.get("metadata") or {}).get("deletionTimestamp"):
                        self._delete(rt, obj, "Background")
            if remaining and any(
                self.api.store.list(gr, name)[0] for gr in self.api.store.resources()
            ):
                continue
            self._finalize(ns_type, namespace)

    def _finalize(self, ns_type: ResourceType, namespace: dict[str, Any]) -> None:
        metadata = namespace.get("metadata") or {}
        new = copy.deepcopy(namespace)
        rest = [f for f in namespace["spec"]["finalizers"] if f != "kubernetes"]
        if rest:
            new["spec"]["finalizers"] = rest
        else:
            new["spec"].pop("finalizers", None)  # omitempty, as the finalize subresource stores it
        try:
            stored, changed = self.api.store.update(
                ns_type.gr, new, expected_rv=metadata.get("resourceVersion")
            )
        except Exception:  # noqa: BLE001 - changed meanwhile: the next pass sees it
            self._dirty = True
            return
        self.api._after_write(ns_type, "update", namespace, stored)
        if not rest and not metadata.get("finalizers"):
            try:
                self.api.store.delete(ns_type.gr, "", metadata.get("name") or "")
            except Exception:  # noqa: BLE001
                return
            self.api._after_write(ns_type, "delete", stored, None)


def _interesting(obj: dict[str, Any] | None) -> bool:
    if obj is None:
        return False
    metadata = obj.get("metadata") or {}
    return bool(
        metadata.get("ownerReferences")
        or metadata.get("deletionTimestamp")
        or ORPHAN in (metadata.get("finalizers") or [])
        or FOREGROUND in (metadata.get("finalizers") or [])
    )
