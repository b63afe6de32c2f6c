"""Delete and deletecollection: preconditions, graceful deletion, finalizers (the garbage collector's
from the propagation policy), and a kind's own Delete."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from kgen.testing import errors
from kgen.testing.errors import StatusError
from kgen.testing.finalizers import deletion_finalizers
from kgen.testing.objects import meta, now_rfc3339
from kgen.testing.options import DeleteQuery, ListQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.store import KeyNotFound
from kgen.testing.verbs.base import serialized, storage_errors
from kgen.testing.verbs.read import ReadVerbs

__all__ = ["DeleteVerbs"]


class DeleteVerbs(ReadVerbs):
    @serialized
    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        opts: DeleteQuery | None = None,
    ) -> Response:
        opts = opts or DeleteQuery()
        if "delete" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "delete")
        existing = self.get_stored(rt, namespace, name)
        old_meta = meta(existing)
        if opts.preconditions_uid is not None and opts.preconditions_uid != old_meta.get("uid"):
            raise errors.conflict(
                rt.kind,
                rt.group,
                name,
                f"the UID in the precondition ({opts.preconditions_uid}) does not match the UID in "
                f"record ({old_meta.get('uid')}). The object might have been deleted and then "
                "recreated",
            )
        if opts.preconditions_rv is not None and opts.preconditions_rv != old_meta.get(
            "resourceVersion"
        ):
            raise errors.conflict(
                rt.kind,
                rt.group,
                name,
                f"the ResourceVersion in the precondition ({opts.preconditions_rv}) does not match "
                f"the ResourceVersion in record ({old_meta.get('resourceVersion')}). The object "
                "might have been modified",
            )
        strategy = self.strategy(rt)
        answer = strategy.delete(self, rt, existing, opts)  # type: ignore[arg-type]  # an API
        if answer is not None:
            return answer
        graceful = strategy.grace_period(rt, existing, opts)
        new = copy.deepcopy(existing)
        new_meta = meta(new)
        finalizers = deletion_finalizers(old_meta.get("finalizers") or [], opts)
        if finalizers != list(old_meta.get("finalizers") or []):
            new_meta["finalizers"] = finalizers
        if not finalizers:
            new_meta.pop("finalizers", None)
        if graceful:
            if not old_meta.get("deletionTimestamp"):
                when = self.now() + timedelta(seconds=graceful)
                new_meta["deletionTimestamp"] = now_rfc3339(when)
            new_meta["deletionGracePeriodSeconds"] = graceful
            return self.store_deleting(rt, existing, new, opts)
        if finalizers:
            if not old_meta.get("deletionTimestamp"):
                if old_meta.get("generation"):
                    new_meta["generation"] = int(old_meta["generation"]) + 1
                new_meta["deletionTimestamp"] = self.timestamp()
            new_meta["deletionGracePeriodSeconds"] = 0
            return self.store_deleting(rt, existing, new, opts)
        return self.delete_now(rt, existing, opts)

    def store_deleting(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        new: dict[str, Any],
        opts: DeleteQuery,
    ) -> Response:
        if opts.dry_run:
            return Response(200, self.present(rt, new))
        with storage_errors():
            stored, changed = self.store.update(rt.gr, new)
        if changed:
            self.after_write(rt, "update", existing, stored)
        code = 202 if opts.orphan_dependents is False else 200
        return Response(code, self.present(rt, stored))

    def delete_now(self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery) -> Response:
        old_meta = meta(existing)
        name = old_meta.get("name") or ""
        if opts.dry_run:
            deleted = existing
        else:
            try:
                deleted = self.store.delete(rt.gr, old_meta.get("namespace") or "", name)
            except KeyNotFound:
                raise errors.not_found(rt.plural, rt.group, name) from None
            self.after_write(rt, "delete", existing, None)
        if rt.returns_deleted_object:
            return Response(200, self.present(rt, deleted))
        details = {"name": name, "group": rt.group, "kind": rt.plural, "uid": old_meta.get("uid")}
        return Response(200, errors.success_status({k: v for k, v in details.items() if v}))

    @serialized
    def delete_collection(
        self,
        rt: ResourceType,
        namespace: str | None,
        list_opts: ListQuery,
        delete_opts: DeleteQuery | None = None,
    ) -> Response:
        if "deletecollection" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "deletecollection")
        listed = self.list(rt, namespace, list_opts).body
        for item in listed["items"]:
            item_meta = item.get("metadata") or {}
            try:
                self.delete(
                    rt, item_meta.get("namespace"), item_meta.get("name") or "", delete_opts
                )
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return Response(200, listed)
