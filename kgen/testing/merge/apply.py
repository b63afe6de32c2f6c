"""Server-side apply and managedFields, as kube-apiserver's field manager keeps them.

This is structured-merge-diff's ``Updater`` with the apiserver's layers around it:

- **apply** merges the configuration into the live object by the schema (list-map items by their
  keys, set items by value, atomic lists and maps whole), makes the applier own exactly the fields
  of its configuration, removes the fields it applied last time and no longer applies unless
  another manager owns them, and refuses (409) to change a field another manager owns, unless
  forced: then the field changes hands;
- **update** (create, update, patch) records the fields a write changed under the writer's
  ``Update`` entry, and takes them away from every other manager;
- ``metadata.managedFields`` never records apiVersion, kind, ``metadata`` itself nor the
  server-managed metadata (name, namespace, uid, resourceVersion, generation, creationTimestamp...);
- managers are ``(manager, operation, apiVersion, subresource)``, except that an applier is one
  manager whatever version it applies with; entries are sorted as the apiserver sorts them, empty
  ones dropped, and at most ten ``Update`` managers are kept (older ones merge into
  ``ancient-changes``): :mod:`.managed`;
- the first apply to an object that has no managedFields first gives its existing fields to
  ``before-first-apply``, and an update of such an object does not start tracking;
- an update may rewrite managedFields (``[{}]`` clears them), an apply may not send them (400).

The walks over values and schema (merge, compare, remove) are :mod:`.walk`. Objects are plain JSON
dicts; :class:`~kgen.testing.merge.schema.FieldInfo` gives the schema.
Conversion between API versions is not done: every manager's fields are read in the current schema.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kgen.testing.merge.fieldpath import (
    FieldPathError,
    FieldSet,
    Path,
    PathElement,
    path_string,
    paths_of,
)
from kgen.testing.merge.json_patch import PatchError
from kgen.testing.merge.managed import (
    CURRENT_OPERATION,
    ManagerKey,
    Managers,
    Owned,
    cap_update_managers,
    decode_entries,
    encode_entries,
    timestamp,
)
from kgen.testing.merge.schema import FieldInfo
from kgen.testing.merge.walk import Comparison, compare, equal, merge_values, remove

__all__ = [
    "ApplyConflict",
    "ApplyError",
    "BEFORE_FIRST_APPLY_MANAGER",
    "FieldConflict",
    "server_side_apply",
    "track_update",
]

BEFORE_FIRST_APPLY_MANAGER = "before-first-apply"


def _path(*names: str) -> Path:
    return tuple(PathElement.field(name) for name in names)


# Never owned: the identity of the object and what the server maintains (stripMetaManager).
_SERVER_FIELDS = FieldSet(
    [
        _path("apiVersion"),
        _path("kind"),
        _path("metadata"),
        *(
            _path("metadata", name)
            for name in (
                "name",
                "namespace",
                "creationTimestamp",
                "selfLink",
                "uid",
                "clusterName",
                "generation",
                "managedFields",
                "resourceVersion",
            )
        ),
    ]
)


# --- errors --------------------------------------------------------------------------------------


class ApplyError(PatchError):
    """An apply configuration kube-apiserver refuses: 400 for a bad request, 500 (the default) for a
    value the schema cannot type (an item without its key fields, duplicate items...)."""

    def __init__(self, message: str, *, code: int = 500) -> None:
        super().__init__(message, code=code)


@dataclass(frozen=True)
class FieldConflict:
    """A field of the configuration that another manager owns with a different value."""

    manager: str
    path: str
    operation: str = "Apply"
    api_version: str | None = None
    subresource: str | None = None

    @property
    def message(self) -> str:
        """``conflict with "kubectl-edit" using apps/v1``, as in the apiserver's StatusCause."""
        who = _describe(self.manager, self.operation, self.api_version, self.subresource)
        return f"conflict with {who}"


class ApplyConflict(Exception):
    """The apply would change fields other managers own: kube-apiserver answers 409 Conflict."""

    code = 409
    reason = "Conflict"

    def __init__(self, conflicts: list[FieldConflict]) -> None:
        self.conflicts = conflicts
        self.message = _conflict_message(conflicts)
        super().__init__(self.message)

    @property
    def status_message(self) -> str:
        return self.message

    def causes(self) -> list[dict[str, str]]:
        """The Status ``details.causes``: one FieldManagerConflict per conflicting field."""
        return [
            {"reason": "FieldManagerConflict", "message": c.message, "field": c.path}
            for c in self.conflicts
        ]


def _describe(
    manager: str, operation: str, api_version: str | None, subresource: str | None
) -> str:
    # Go's %q: quoted, with printable non-ASCII characters kept.
    text = json.dumps(manager, ensure_ascii=False)
    if subresource:
        text += f" with subresource {json.dumps(subresource, ensure_ascii=False)}"
    if operation == "Update":
        text += f" using {api_version or ''}"
    return text


def _conflict_message(conflicts: list[FieldConflict]) -> str:
    if len(conflicts) == 1:
        return f"Apply failed with 1 conflict: {conflicts[0].message}: {conflicts[0].path}"
    lines: list[str] = []
    current = None
    for conflict in conflicts:
        who = conflict.message[len("conflict with ") :]
        if who != current:
            lines.append(f"conflicts with {who}:")
            current = who
        lines.append(f"- {conflict.path}")
    return f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)


# --- apply ---------------------------------------------------------------------------------------


def server_side_apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    *,
    manager: str,
    force: bool,
    info: FieldInfo,
    api_version: str,
    subresource: str | None = None,
    now: datetime,
    reset_fields: Collection[str] = (),
) -> dict[str, Any]:
    """Apply ``config`` to ``live`` (None: the object does not exist yet) as ``manager``.

    Returns the new object with ``metadata.managedFields`` updated. ``reset_fields`` are top-level
    fields this write cannot change and nobody owns through it (``("status",)`` for the main
    resource of a kind with a status subresource); on the ``status`` subresource only ``status`` is
    applied. Raises :class:`ApplyConflict` (409) or :class:`ApplyError` (400/500).
    """
    if not isinstance(config, dict):
        raise ApplyError("apply configuration must be a JSON object", code=400)
    metadata = config.get("metadata")
    if isinstance(metadata, dict) and metadata.get("managedFields") is not None:
        raise ApplyError("metadata.managedFields must be nil", code=400)
    if config.get("apiVersion") != api_version:
        raise ApplyError(
            "Incorrect version specified in apply patch. Specified patch version: "
            f"{config.get('apiVersion') or ''}, expected: {api_version}",
            code=400,
        )
    base = _without_managed_fields(live or {})
    try:
        managers = decode_entries(_managed_fields_of(live))
    except FieldPathError as error:
        raise ApplyError(f"failed to decode managed fields: {error}") from None
    applied = _restrict(config, subresource, reset_fields)
    ignored = FieldSet([_path(name) for name in reset_fields])
    stamp = timestamp(now)
    key = ManagerKey(manager, "Apply", None, subresource)
    try:
        if live is not None and not managers:
            before = ManagerKey(BEFORE_FIRST_APPLY_MANAGER, "Update", api_version, subresource)
            _record_update({}, base, managers, before, api_version, stamp, ignored, info)
            cap_update_managers(managers)
        merged = _apply(base, applied, managers, key, api_version, force, stamp, ignored, info)
    except FieldPathError as error:
        raise ApplyError(f"failed to create typed patch object: {error}") from None
    cap_update_managers(managers)
    return _with_managed_fields(_drop_nulls(merged), managers)


def _restrict(
    config: dict[str, Any], subresource: str | None, reset_fields: Collection[str]
) -> dict[str, Any]:
    if subresource == "status":
        # Only status is written through /status; the identity fields just name the object.
        applied: dict[str, Any] = {k: config[k] for k in ("apiVersion", "kind") if k in config}
        metadata = config.get("metadata")
        if isinstance(metadata, dict):
            applied["metadata"] = {k: metadata[k] for k in ("name", "namespace") if k in metadata}
        if "status" in config:
            applied["status"] = config["status"]
        return applied
    return {k: v for k, v in config.items() if k not in reset_fields}


def _apply(
    live: dict[str, Any],
    config: dict[str, Any],
    managers: Managers,
    key: ManagerKey,
    api_version: str,
    force: bool,
    stamp: str,
    ignored: FieldSet,
    info: FieldInfo,
) -> Any:
    merged = merge_values(live, config, info)
    last = managers.get(key)
    managers[key] = Owned(
        paths_of(config, info).recursive_difference(ignored),
        api_version,
        last.time if last is not None else None,
    )
    merged = _prune(merged, managers, last, info)
    _update(live, merged, managers, key, force, ignored, info)
    owned = managers[key].fields.difference(_SERVER_FIELDS)
    if owned.is_empty():
        del managers[key]
        return merged
    # A no-op apply leaves the applier's time alone (structured-merge-diff returns no object).
    unchanged = equal(live, merged)
    time = managers[key].time if unchanged and managers[key].time is not None else stamp
    managers[key] = Owned(owned, api_version, time)
    return merged


def _prune(merged: Any, managers: Managers, last: Owned | None, info: FieldInfo) -> Any:
    """Remove what the applier applied last time and no longer applies, unless someone owns it."""
    if last is None or last.fields.is_empty():
        return merged

    def named(fields: FieldSet) -> FieldSet:
        return fields.ensure_named_fields_are_members(info)

    pruned = remove(merged, named(last.fields), info)
    # Add back what other managers (or the applier's new configuration) own...
    managed = FieldSet()
    for owned in managers.values():
        managed = managed.union(owned.fields)
    merged_set = named(paths_of(merged, info))
    kept = named(paths_of(pruned, info)).union(named(managed))
    pruned = remove(merged, merged_set.difference(kept), info)
    # ... and only remove what the applier did own.
    removed = merged_set.difference(named(paths_of(pruned, info))).intersection(named(last.fields))
    return remove(merged, removed, info)


# --- update --------------------------------------------------------------------------------------


def track_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    info: FieldInfo,
    api_version: str,
    subresource: str | None = None,
    now: datetime,
    operation: Literal["Update"] = "Update",
    reset_fields: Collection[str] = (),
) -> dict[str, Any]:
    """Record a create (``old`` None), update or patch by ``manager`` in ``new``'s managedFields.

    ``new`` is the object about to be stored. Like the apiserver, this never fails: if the fields
    cannot be worked out, ``new`` comes back without managedFields.
    """
    base_old = _without_managed_fields(old or {})
    base_new = _without_managed_fields(new)
    try:
        managers = _starting_managers(old, new, subresource)
    except FieldPathError:
        return base_new
    if not managers and old is not None:
        # The object has no managedFields (or they were just cleared): do not start tracking.
        return base_new
    key = ManagerKey(manager, operation, api_version, subresource)
    ignored = FieldSet([_path(name) for name in reset_fields])
    try:
        _record_update(
            base_old, base_new, managers, key, api_version, timestamp(now), ignored, info
        )
    except FieldPathError:
        return base_new
    cap_update_managers(managers)
    return _with_managed_fields(base_new, managers)


def _starting_managers(
    old: dict[str, Any] | None, new: dict[str, Any], subresource: str | None
) -> Managers:
    """The managers before this write: the ones the client sent, else the stored ones."""
    sent = _managed_fields_of(new)
    if subresource is None and isinstance(sent, list) and sent:
        if sent == [{}]:
            return {}  # the documented way to clear managedFields
        try:
            decoded = decode_entries(sent)
        except FieldPathError:
            decoded = {}
        if decoded:
            return decoded
    return decode_entries(_managed_fields_of(old))


def _record_update(
    old: Any,
    new: Any,
    managers: Managers,
    key: ManagerKey,
    api_version: str,
    stamp: str,
    ignored: FieldSet,
    info: FieldInfo,
) -> None:
    # The write is first computed as an anonymous manager, so that the writer's earlier entry
    # loses what this write removes or overwrites like any other manager's, then takes it all.
    comparison = _update(old, new, managers, CURRENT_OPERATION, True, ignored, info)
    changed = comparison.modified.union(comparison.added).difference(comparison.removed)
    changed = changed.recursive_difference(ignored).difference(_SERVER_FIELDS)
    if changed.is_empty():
        return
    previous = managers.get(key)
    if previous is not None:
        changed = changed.union(previous.fields)
    managers[key] = Owned(changed, api_version, stamp)


def _update(
    old: Any,
    new: Any,
    managers: Managers,
    writer: ManagerKey,
    force: bool,
    ignored: FieldSet,
    info: FieldInfo,
) -> Comparison:
    """Take the fields this write changes or removes away from the other managers."""
    comparison = compare(old, new, info)
    comparison = Comparison(
        comparison.added.recursive_difference(ignored),
        comparison.modified.recursive_difference(ignored),
        comparison.removed.recursive_difference(ignored),
    )
    changed = comparison.modified.union(comparison.added)
    conflicts: dict[ManagerKey, FieldSet] = {}
    for key, owned in managers.items():
        if key != writer:
            overlap = owned.fields.intersection(changed)
            if not overlap.is_empty():
                conflicts[key] = overlap
    if conflicts and not force:
        raise ApplyConflict(_conflicts(conflicts, managers))
    for key in list(managers):
        if key == writer:
            continue
        owned = managers[key]
        fields = owned.fields
        if key in conflicts:
            fields = fields.difference(conflicts[key])
        fields = fields.difference(comparison.removed)
        if fields.is_empty():
            del managers[key]
        else:
            managers[key] = Owned(fields, owned.api_version, owned.time)
    return comparison


def _conflicts(conflicts: dict[ManagerKey, FieldSet], managers: Managers) -> list[FieldConflict]:
    out = []
    for key in sorted(conflicts, key=lambda k: k.identifier()):
        # Only Update managers are told apart by version (and named with it).
        api_version = managers[key].api_version if key.operation == "Update" else None
        for path in conflicts[key]:
            out.append(
                FieldConflict(
                    key.manager, path_string(path), key.operation, api_version, key.subresource
                )
            )
    return out


# --- object plumbing -----------------------------------------------------------------------------


def _managed_fields_of(obj: dict[str, Any] | None) -> Any:
    if not isinstance(obj, dict):
        return None
    metadata = obj.get("metadata")
    return metadata.get("managedFields") if isinstance(metadata, dict) else None


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` without managedFields: a new top level and metadata (managedFields go in there),
    sharing the rest, which the walks only read (and the store stores a copy of)."""
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return dict(obj)
    return {**obj, "metadata": {k: v for k, v in metadata.items() if k != "managedFields"}}


def _with_managed_fields(obj: Any, managers: Managers) -> dict[str, Any]:
    out: dict[str, Any] = obj if isinstance(obj, dict) else {}
    entries = encode_entries(managers)
    metadata = out.get("metadata")
    if entries:
        if not isinstance(metadata, dict):
            metadata = out["metadata"] = {}
        metadata["managedFields"] = entries
    elif isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return out


def _drop_nulls(value: Any) -> Any:
    """What decoding into the Go types does to nulls: they are gone."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value
