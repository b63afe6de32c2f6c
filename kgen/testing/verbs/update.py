"""Update (the generic store's Update: preconditions, BeforeUpdate, the status split, generation,
delete on emptied finalizers)."""

from __future__ import annotations

import builtins
from typing import Any

from kgen.testing import errors, jsonbody, schema
from kgen.testing.errors import FieldError
from kgen.testing.objects import meta
from kgen.testing.options import WriteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response
from kgen.testing.store import KeyNotFound, VersionConflict
from kgen.testing.validation import name_check, validate_object_meta
from kgen.testing.verbs.base import VerbBase, serialized, storage_errors

__all__ = ["UpdateVerb"]


class UpdateVerb(VerbBase):
    @serialized
    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        opts: WriteQuery | None = None,
        *,
        subresource: str | None = None,
    ) -> Response:
        opts = opts or WriteQuery()
        if subresource is None and "update" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "update")
        obj = self.decode(rt, body)
        warnings, problems = self._schema(rt, obj, opts, typed_decode=True)
        metadata = meta(obj)
        if metadata.get("name") != name:
            raise errors.bad_request(
                f"the name of the object ({metadata.get('name') or ''}) does not match the name on "
                f"the URL ({name})"
            )
        key_ns = self._key_ns(rt, namespace)
        if rt.namespaced and metadata.get("namespace") and metadata["namespace"] != key_ns:
            raise errors.bad_request(
                f"the namespace of the object ({metadata['namespace']}) does not match the "
                f"namespace on the request ({key_ns})"
            )
        if rt.namespaced:
            metadata["namespace"] = key_ns
        else:
            metadata.pop("namespace", None)
        existing = self.get_stored(rt, namespace, name)
        self._check_uid_precondition(rt, existing, metadata.get("uid"))
        return self.write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource
        )

    def _check_uid_precondition(self, rt: ResourceType, existing: dict[str, Any], uid: Any) -> None:
        """An update's object carries its uid as a precondition (DefaultUpdatedObjectInfo), which the
        storage checks before anything else: another uid is a Conflict, not an immutable field."""
        old_meta = meta(existing)
        if not uid or uid == old_meta.get("uid"):
            return
        name = old_meta.get("name") or ""
        prefix = f"{rt.group}/{rt.plural}" if rt.custom else rt.plural
        key = "/".join(p for p in ("/registry", prefix, old_meta.get("namespace") or "", name) if p)
        raise errors.conflict(
            rt.plural,
            rt.group,
            name,
            f"StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, "
            f"AdditionalErrorMsg: Precondition failed: UID in precondition: {uid}, UID in object "
            f"meta: {old_meta.get('uid')}",
        )

    def write_update(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        obj: dict[str, Any],
        opts: WriteQuery,
        warnings: builtins.list[str],
        problems: builtins.list[FieldError],
        *,
        subresource: str | None,
        manager_op: str = "update",
    ) -> Response:
        """The generic store's Update: preconditions, BeforeUpdate, delete-on-emptied-finalizers."""
        name = meta(existing)["name"]
        old_meta = meta(existing)
        new_rv = meta(obj).get("resourceVersion") or ""
        if not new_rv and rt.custom:
            raise errors.invalid(
                rt.plural,
                rt.group,
                name,
                [
                    FieldError.invalid(
                        "metadata.resourceVersion", _GoHex(0), "must be specified for an update"
                    )
                ],
            )
        if new_rv and new_rv != old_meta.get("resourceVersion"):
            raise errors.conflict(rt.plural, rt.group, name)
        obj = self._before_update(rt, existing, obj, subresource)
        all_problems = list(problems)
        all_problems += _immutable_meta(meta(obj), old_meta)
        all_problems += validate_object_meta(
            meta(obj), namespaced=rt.namespaced, check=name_check(rt.name_rule)
        )
        all_problems += self.strategy(rt).validate(obj, existing)
        all_problems += schema.validate(self.registry.model, rt, obj, existing)
        if all_problems:
            raise self._invalid(rt, name, all_problems)
        if manager_op == "update":
            obj = self._managed(rt, existing, obj, opts.manager, subresource)
        if self.strategy(rt).should_delete_during_update(obj, existing):
            if opts.dry_run:
                return Response(200, self.present(rt, obj), warnings)
            try:
                self.store.delete(rt.gr, old_meta.get("namespace") or "", name)
            except KeyNotFound:
                pass
            self.after_write(rt, "delete", existing, None)
            return Response(200, self.present(rt, obj), warnings)
        if opts.dry_run:
            meta(obj)["resourceVersion"] = old_meta.get("resourceVersion")
            return Response(200, self.present(rt, obj), warnings)
        try:
            with storage_errors():
                stored, changed = self.store.update(
                    rt.gr, obj, expected_rv=old_meta.get("resourceVersion")
                )
        except (KeyNotFound, VersionConflict):
            raise errors.conflict(rt.plural, rt.group, name) from None
        if changed:
            self.after_write(rt, "update", existing, stored)
        return Response(200, self.present(rt, stored), warnings)

    def _before_update(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        obj: dict[str, Any],
        subresource: str | None,
    ) -> dict[str, Any]:
        """Status-subresource split, system fields kept, generation bumped on spec changes."""
        old_meta = meta(existing)
        if subresource == "status":
            # Only .status changes (and the managedFields tracking them).
            # (The stored status is not copied: it is replaced or dropped, in its place.)
            new = {k: v if k == "status" else jsonbody.copy_json(v) for k, v in existing.items()}
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            if "managedFields" in meta(obj):
                meta(new)["managedFields"] = meta(obj)["managedFields"]
            return new
        if rt.has_status and subresource is None:
            if "status" in existing:
                obj["status"] = jsonbody.copy_json(existing["status"])
            else:
                obj.pop("status", None)
        new_meta = meta(obj)
        new_meta.pop("selfLink", None)
        if old_meta.get("generation") is not None:
            new_meta["generation"] = old_meta["generation"]
        else:
            new_meta.pop("generation", None)
        if not new_meta.get("uid"):
            new_meta["uid"] = old_meta.get("uid")
        new_meta["creationTimestamp"] = old_meta.get("creationTimestamp")
        if old_meta.get("deletionTimestamp"):
            new_meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
        else:
            new_meta.pop("deletionTimestamp", None)
        if (
            old_meta.get("deletionGracePeriodSeconds") is not None
            and new_meta.get("deletionGracePeriodSeconds") is None
        ):
            new_meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
        if rt.sets_generation and _spec_of(obj) != _spec_of(existing):
            new_meta["generation"] = int(old_meta.get("generation") or 0) + 1
        self.strategy(rt).prepare_for_update(rt, obj, existing)
        return obj


class _GoHex(int):
    """A uint64 printed as Go's %#v does (0x0), for the 'must be specified for an update' error."""

    def __str__(self) -> str:
        return hex(self)


def _spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything generation tracks: the object without metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _immutable_meta(new: dict[str, Any], old: dict[str, Any]) -> builtins.list[FieldError]:
    """ValidateObjectMetaUpdate: what an update may not change."""
    problems = []
    for key in ("name", "namespace", "uid"):
        if (new.get(key) or "") != (old.get(key) or ""):
            problems.append(
                FieldError.invalid(f"metadata.{key}", new.get(key) or "", "field is immutable")
            )
    if old.get("deletionTimestamp"):
        # ValidateNoNewFinalizers: an object being deleted only loses finalizers.
        before = {str(f) for f in _list(old.get("finalizers"))}
        added = sorted({str(f) for f in _list(new.get("finalizers"))} - before)
        if added:
            problems.append(
                FieldError.forbidden(
                    "metadata.finalizers",
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers {errors.go_string_slice(added)}",
                )
            )
    return problems


def _list(value: Any) -> builtins.list[Any]:
    return value if isinstance(value, list) else []
