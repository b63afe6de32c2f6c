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

from kgen.testing.api import API
from kgen.testing.finalizers import FOREGROUND, ORPHAN
from kgen.testing.errors import StatusError
from kgen.testing.options import DeleteQuery, WriteQuery
from kgen.testing.registry import ResourceType

__all__ = ["Controllers"]

_NAMESPACES = ("", "namespaces")


Key = tuple[tuple[str, str], str, str]  # (group/resource, namespace, name)


class Controllers:
    """Garbage collector and namespace controller for one :class:`API`; install with :meth:`attach`.

    The garbage collector works from indexes kept up to date by every write (owner uid -> dependents,
    uid -> object), so a write looks only at the objects it can affect: a cluster of ten thousand
    owned pods does not rescan ten thousand pods per write.
    """

    def __init__(self, api: API) -> None:
        self.api = api
        self._dirty = False
        self._running = False
        self.enabled = True
        self._by_uid: dict[str, Key] = {}
        self._dependents: dict[str, set[Key]] = {}
        self._check_dependents: set[Key] = set()  # dependents whose owners changed
        self._check_owners: set[Key] = set()  # owners that may finish orphan/foreground deletion
        self._namespaces_pending = False
        self._not_indexed: set[str] = set()  # uids looked for once and not found (or deleted)

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
        self._index(rt, old, new)
        if not self.enabled:
            return
        if rt.gr == _NAMESPACES or (verb == "delete" and rt.namespaced):
            self._namespaces_pending = True
            self._dirty = True
        for obj in (old, new):
            if obj is None:
                continue
            metadata = obj.get("metadata") or {}
            key = _key_of(rt, obj)
            uid = str(metadata.get("uid"))
            if new is not None and (new.get("metadata") or {}).get("ownerReferences"):
                self._check_dependents.add(_key_of(rt, new))
                self._dirty = True
            if verb == "delete" or metadata.get("deletionTimestamp") or _gc_finalizers(metadata):
                # An owner going (or gone): its dependents must be looked at, and it may finish.
                if self._dependents.get(uid):
                    self._check_dependents.update(self._dependents[uid])
                    self._dirty = True
                if new is not None and _gc_finalizers(new.get("metadata") or {}):
                    self._check_owners.add(key)
                    self._dirty = True
            if verb == "delete" or metadata.get("deletionTimestamp"):
                # A dependent going: an owner waiting on it (foreground) may finish.
                for ref in metadata.get("ownerReferences") or []:
                    owner = self._by_uid.get(str(ref.get("uid")))
                    if owner is not None:
                        self._check_owners.add(owner)
                        self._dirty = True
        if self._dirty:
            self.run()

    def _index(
        self, rt: ResourceType, old: dict[str, Any] | None, new: dict[str, Any] | None
    ) -> None:
        if old is not None:
            metadata = old.get("metadata") or {}
            key = _key_of(rt, old)
            for ref in metadata.get("ownerReferences") or []:
                self._dependents.get(str(ref.get("uid")), set()).discard(key)
            if new is None:
                self._by_uid.pop(str(metadata.get("uid")), None)
                self._not_indexed.add(str(metadata.get("uid")))  # gone: never worth a scan
        if new is not None:
            metadata = new.get("metadata") or {}
            key = _key_of(rt, new)
            self._by_uid[str(metadata.get("uid"))] = key
            for ref in metadata.get("ownerReferences") or []:
                self._dependents.setdefault(str(ref.get("uid")), set()).add(key)

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
                if self._namespaces_pending:
                    self._namespaces_pending = False
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

    def _get(self, key: Key) -> dict[str, Any] | None:
        """The stored object itself (read-only: changes are made to copies)."""
        gr, namespace, name = key
        return self.api.store.get(gr, namespace, name, shared=True)

    def _owner(self, uid: str) -> dict[str, Any] | None:
        key = self._by_uid.get(uid)
        if key is None:
            if uid in self._not_indexed:
                return None
            # Objects seeded straight into the store bypass the write hooks: look for them once.
            self._not_indexed.add(uid)
            for gr, stored in self.api.store.all_objects():
                metadata = stored.get("metadata") or {}
                if str(metadata.get("uid")) == uid:
                    key = (gr, metadata.get("namespace") or "", metadata.get("name") or "")
                    self._by_uid[uid] = key
                    self._not_indexed.discard(uid)
                    break
            else:
                return None
        obj = self._get(key)
        if obj is None or str((obj.get("metadata") or {}).get("uid")) != uid:
            return None
        return obj

    def _update(self, rt: ResourceType, existing: dict[str, Any], new: dict[str, Any]) -> None:
        try:
            self.api.write_update(rt, existing, new, WriteQuery(), [], [], subresource=None)
        except StatusError:
            self._dirty = True  # changed under us: look again
            self._check_dependents.add(_key_of(rt, existing))

    def _delete(self, rt: ResourceType, obj: dict[str, Any], policy: str) -> None:
        metadata = obj.get("metadata") or {}
        try:
            self.api.delete(
                rt,
                metadata.get("namespace"),
                metadata.get("name") or "",
                DeleteQuery(propagation_policy=policy, preconditions_uid=metadata.get("uid")),
            )
        except StatusError:
            pass

    # --- garbage collector --------------------------------------------------------------------------

    def _collect(self) -> None:
        while self._check_dependents:
            key = self._check_dependents.pop()
            obj = self._get(key)
            rt = self._type(key[0])
            if obj is None or rt is None:
                continue
            metadata = obj.get("metadata") or {}
            refs = metadata.get("ownerReferences") or []
            if not refs:
                continue
            solid, absent, waiting, orphaning = [], [], [], []
            for ref in refs:
                owner = self._owner(str(ref.get("uid")))
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
                self._set_refs(rt, obj, [r for r in refs if r not in orphaning])
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
        while self._check_owners:
            key = self._check_owners.pop()
            obj = self._get(key)
            rt = self._type(key[0])
            if obj is None or rt is None:
                continue
            metadata = obj.get("metadata") or {}
            finalizers = list(metadata.get("finalizers") or [])
            if not metadata.get("deletionTimestamp"):
                continue
            uid = str(metadata.get("uid"))
            mine = []
            for dependent_key in list(self._dependents.get(uid, ())):
                dependent = self._get(dependent_key)
                for ref in ((dependent or {}).get("metadata") or {}).get("ownerReferences") or []:
                    if str(ref.get("uid")) == uid:
                        mine.append((dependent, ref))
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
        self.api.after_write(ns_type, "update", namespace, stored)
        if not rest and not metadata.get("finalizers"):
            try:
                self.api.store.delete(ns_type.gr, "", metadata.get("name") or "")
            except Exception:  # noqa: BLE001
                return
            self.api.after_write(ns_type, "delete", stored, None)


def _gc_finalizers(metadata: dict[str, Any]) -> bool:
    finalizers = metadata.get("finalizers") or []
    return ORPHAN in finalizers or FOREGROUND in finalizers


def _key_of(rt: ResourceType, obj: dict[str, Any]) -> Key:
    metadata = obj.get("metadata") or {}
    return (rt.gr, metadata.get("namespace") or "", metadata.get("name") or "")
