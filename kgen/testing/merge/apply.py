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
  ``ancient-changes``);
- the first apply to an object that has no managedFields first gives its existing fields to
  ``before-first-apply``, and an update of such an object does not start tracking;
- an update may rewrite managedFields (``[{}]`` clears them), an apply may not send them (400).

Objects are plain JSON dicts; :class:`~kgen.testing.merge.schema.FieldInfo` gives the schema.
Conversion between API versions is not done: every manager's fields are read in the current schema.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

from kgen.testing.merge.fieldpath import (
    FieldPathError,
    FieldSet,
    Path,
    PathElement,
    item_element,
    path_string,
    paths_of,
)
from kgen.testing.merge.json_patch import PatchError
from kgen.testing.merge.schema import FieldInfo

__all__ = [
    "ANCIENT_CHANGES_MANAGER",
    "ApplyConflict",
    "ApplyError",
    "BEFORE_FIRST_APPLY_MANAGER",
    "FieldConflict",
    "MAX_UPDATE_MANAGERS",
    "decode_managed_fields",
    "server_side_apply",
    "track_update",
]

MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES_MANAGER = "ancient-changes"
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


# --- managers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Key:
    """A manager: appliers are one manager whatever apiVersion they apply with."""

    manager: str
    operation: str
    api_version: str | None
    subresource: str | None

    def identifier(self) -> str:
        # The apiserver's manager identifier (BuildManagerIdentifier): conflicts sort by it.
        entry = {"manager": self.manager, "operation": self.operation}
        if self.api_version:
            entry["apiVersion"] = self.api_version
        if self.subresource:
            entry["subresource"] = self.subresource
        return json.dumps(
            {k: v for k, v in entry.items() if v}, separators=(",", ":"), ensure_ascii=False
        )


@dataclass
class _Owned:
    fields: FieldSet
    api_version: str
    time: str | None


_Managers = dict[_Key, _Owned]
_CURRENT_OPERATION = _Key("current-operation", "Update", None, None)


def decode_managed_fields(entries: Any) -> dict[str, FieldSet]:
    """``metadata.managedFields`` as ``{manager identifier: fields}``, for inspection and tests.

    The identifier is the apiserver's (``{"manager":"m","operation":"Apply"}``). Raises
    :class:`~kgen.testing.merge.fieldpath.FieldPathError` for entries the apiserver cannot decode.
    """
    return {key.identifier(): owned.fields for key, owned in _decode(entries).items()}


def _decode(entries: Any) -> _Managers:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise FieldPathError("managedFields must be a list")
    managers: _Managers = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise FieldPathError("a managedFields entry must be an object")
        operation = entry.get("operation") or ""
        if operation not in ("Apply", "Update"):
            raise FieldPathError(f"invalid operation {operation!r} in managedFields")
        if entry.get("fieldsType") != "FieldsV1":
            raise FieldPathError(f"invalid fieldsType {entry.get('fieldsType')!r} in managedFields")
        api_version = entry.get("apiVersion") or ""
        key = _Key(
            entry.get("manager") or "",
            operation,
            None if operation == "Apply" else api_version,
            entry.get("subresource") or None,
        )
        time = entry.get("time")
        managers[key] = _Owned(
            FieldSet.from_fieldsv1(entry.get("fieldsV1") or {}),
            api_version,
            time if isinstance(time, str) else None,
        )
    return managers


def _encode(managers: _Managers) -> list[dict[str, Any]]:
    entries = []
    for key, owned in managers.items():
        entry: dict[str, Any] = {
            "manager": key.manager,
            "operation": key.operation,
            "apiVersion": owned.api_version,
        }
        if owned.time is not None:
            entry["time"] = owned.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = owned.fields.to_fieldsv1()
        if key.subresource:
            entry["subresource"] = key.subresource
        entries.append(entry)
    entries.sort(
        key=lambda e: (
            e["operation"],
            _seconds(e.get("time")),
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


def _seconds(time: str | None) -> float:
    if not time:
        return 0.0
    try:
        return datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _timestamp(now: datetime) -> str:
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cap_update_managers(managers: _Managers) -> None:
    """Merge the oldest Update managers into one ``ancient-changes`` entry per API version."""
    updaters = [key for key in managers if key.operation == "Update"]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda k: (int(_seconds(managers[k].time)), k.identifier()))
    first_of_version: dict[str, _Key] = {}
    count = len(updaters)
    for key in updaters:
        if count <= MAX_UPDATE_MANAGERS:
            break
        owned = managers[key]
        bucket = _Key(ANCIENT_CHANGES_MANAGER, "Update", owned.api_version, None)
        first = first_of_version.get(owned.api_version)
        if first is None:
            first_of_version[owned.api_version] = key
            continue
        if bucket not in managers:
            managers[bucket] = managers.pop(first)
        merged = owned.fields.union(managers[bucket].fields)
        managers[bucket] = _Owned(merged, owned.api_version, owned.time)
        del managers[key]
        count -= 1


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
        managers = _decode(_managed_fields_of(live))
    except FieldPathError as error:
        raise ApplyError(f"failed to decode managed fields: {error}") from None
    applied = _restrict(config, subresource, reset_fields)
    ignored = FieldSet([_path(name) for name in reset_fields])
    stamp = _timestamp(now)
    key = _Key(manager, "Apply", None, subresource)
    try:
        if live is not None and not managers:
            before = _Key(BEFORE_FIRST_APPLY_MANAGER, "Update", api_version, subresource)
            _record_update({}, base, managers, before, api_version, stamp, ignored, info)
            _cap_update_managers(managers)
        merged = _apply(base, applied, managers, key, api_version, force, stamp, ignored, info)
    except FieldPathError as error:
        raise ApplyError(f"failed to create typed patch object: {error}") from None
    _cap_update_managers(managers)
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
    managers: _Managers,
    key: _Key,
    api_version: str,
    force: bool,
    stamp: str,
    ignored: FieldSet,
    info: FieldInfo,
) -> Any:
    merged = _merge(live, config, info)
    last = managers.get(key)
    managers[key] = _Owned(
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
    unchanged = _equal(live, merged)
    time = managers[key].time if unchanged and managers[key].time is not None else stamp
    managers[key] = _Owned(owned, api_version, time)
    return merged


def _prune(merged: Any, managers: _Managers, last: _Owned | None, info: FieldInfo) -> Any:
    """Remove what the applier applied last time and no longer applies, unless someone owns it."""
    if last is None or last.fields.is_empty():
        return merged

    def named(fields: FieldSet) -> FieldSet:
        return fields.ensure_named_fields_are_members(info)

    pruned = _remove(merged, named(last.fields), info)
    # Add back what other managers (or the applier's new configuration) own...
    managed = FieldSet()
    for owned in managers.values():
        managed = managed.union(owned.fields)
    merged_set = named(paths_of(merged, info))
    kept = named(paths_of(pruned, info)).union(named(managed))
    pruned = _remove(merged, merged_set.difference(kept), info)
    # ... and only remove what the applier did own.
    removed = merged_set.difference(named(paths_of(pruned, info))).intersection(named(last.fields))
    return _remove(merged, removed, info)


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
    key = _Key(manager, operation, api_version, subresource)
    ignored = FieldSet([_path(name) for name in reset_fields])
    try:
        _record_update(
            base_old, base_new, managers, key, api_version, _timestamp(now), ignored, info
        )
    except FieldPathError:
        return base_new
    _cap_update_managers(managers)
    return _with_managed_fields(base_new, managers)


def _starting_managers(
    old: dict[str, Any] | None, new: dict[str, Any], subresource: str | None
) -> _Managers:
    """The managers before this write: the ones the client sent, else the stored ones."""
    sent = _managed_fields_of(new)
    if subresource is None and isinstance(sent, list) and sent:
        if sent == [{}]:
            return {}  # the documented way to clear managedFields
        try:
            decoded = _decode(sent)
        except FieldPathError:
            decoded = {}
        if decoded:
            return decoded
    return _decode(_managed_fields_of(old))


def _record_update(
    old: Any,
    new: Any,
    managers: _Managers,
    key: _Key,
    api_version: str,
    stamp: str,
    ignored: FieldSet,
    info: FieldInfo,
) -> None:
    # The write is first computed as an anonymous manager, so that the writer's earlier entry
    # loses what this write removes or overwrites like any other manager's, then takes it all.
    comparison = _update(old, new, managers, _CURRENT_OPERATION, True, ignored, info)
    changed = comparison.modified.union(comparison.added).difference(comparison.removed)
    changed = changed.recursive_difference(ignored).difference(_SERVER_FIELDS)
    if changed.is_empty():
        return
    previous = managers.get(key)
    if previous is not None:
        changed = changed.union(previous.fields)
    managers[key] = _Owned(changed, api_version, stamp)


@dataclass
class _Comparison:
    added: FieldSet
    modified: FieldSet
    removed: FieldSet


def _update(
    old: Any,
    new: Any,
    managers: _Managers,
    writer: _Key,
    force: bool,
    ignored: FieldSet,
    info: FieldInfo,
) -> _Comparison:
    """Take the fields this write changes or removes away from the other managers."""
    comparison = _compare(old, new, info)
    comparison = _Comparison(
        comparison.added.recursive_difference(ignored),
        comparison.modified.recursive_difference(ignored),
        comparison.removed.recursive_difference(ignored),
    )
    changed = comparison.modified.union(comparison.added)
    conflicts: dict[_Key, FieldSet] = {}
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
            managers[key] = _Owned(fields, owned.api_version, owned.time)
    return comparison


def _conflicts(conflicts: dict[_Key, FieldSet], managers: _Managers) -> list[FieldConflict]:
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


# --- the structured-merge-diff walks -------------------------------------------------------------


class _Missing:
    """An absent value (as opposed to ``null``)."""


_MISSING = _Missing()


def _shape(info: FieldInfo, *values: Any) -> Literal["leaf", "map", "list"]:
    """How to walk a position: as one value, or item by item.

    Empty or null containers are leaves, as are values of the wrong shape.
    """
    if info.is_leaf:
        return "leaf"
    present = [v for v in values if v is not _MISSING and v is not None]
    if info.kind in ("struct", "map", "any"):
        if present and all(isinstance(v, dict) for v in present) and any(present):
            return "map"
    elif info.kind == "list":
        if present and all(isinstance(v, list) for v in present) and any(present):
            return "list"
    return "leaf"


def _items(info: FieldInfo, value: Any, path: Path, *, strict: bool) -> dict[PathElement, Any]:
    """The items of a granular list by path element (a config may not repeat one)."""
    items: dict[PathElement, Any] = {}
    if not isinstance(value, list):
        return items
    for index, item in enumerate(value):
        try:
            element = item_element(info, index, item)
        except FieldPathError as error:
            raise FieldPathError(f"{path_string(path)}: element {index}: {error}") from None
        if element in items:
            if strict:
                raise FieldPathError(
                    f"{path_string(path)}: duplicate entries for key {element.render()}"
                )
            continue
        items[element] = item
    return items


def _keys(*mappings: dict[Any, Any]) -> list[Any]:
    seen: dict[Any, None] = {}
    for mapping in mappings:
        for key in mapping:
            seen.setdefault(key, None)
    return list(seen)


def _compare(old: Any, new: Any, info: FieldInfo) -> _Comparison:
    comparison = _Comparison(FieldSet(), FieldSet(), FieldSet())
    _compare_at(old, new, info, (), comparison)
    return comparison


def _compare_at(old: Any, new: Any, info: FieldInfo, path: Path, out: _Comparison) -> None:
    shape = _shape(info, old, new)
    if shape == "leaf":
        if old is _MISSING:
            out.added.insert(path)
        elif new is _MISSING:
            out.removed.insert(path)
        elif not _equal(old, new):
            out.modified.insert(path)
        return
    if shape == "map":
        old_map = old if isinstance(old, dict) else {}
        new_map = new if isinstance(new, dict) else {}
        for key in _keys(old_map, new_map):
            child = (*path, PathElement.field(key))
            _compare_at(
                old_map.get(key, _MISSING), new_map.get(key, _MISSING), info.child(key), child, out
            )
    else:
        old_items = _items(info, old, path, strict=False)
        new_items = _items(info, new, path, strict=False)
        for element in _keys(old_items, new_items):
            _compare_at(
                old_items.get(element, _MISSING),
                new_items.get(element, _MISSING),
                info.element(),
                (*path, element),
                out,
            )
    if old is _MISSING:
        out.added.insert(path)
    elif new is _MISSING:
        out.removed.insert(path)


def _merge(live: Any, config: Any, info: FieldInfo, path: Path = ()) -> Any:
    """The configuration merged into the live value (configuration wins); _MISSING if neither."""
    shape = _shape(info, live, config)
    if shape == "leaf":
        return config if config is not _MISSING else live
    if shape == "map":
        live_map = live if isinstance(live, dict) else {}
        config_map = config if isinstance(config, dict) else {}
        out = {}
        for key in _keys(live_map, config_map):
            value = _merge(
                live_map.get(key, _MISSING),
                config_map.get(key, _MISSING),
                info.child(key),
                (*path, PathElement.field(key)),
            )
            if value is not _MISSING:
                out[key] = value
        return out if out else _MISSING
    out_list = _merge_items(
        _items(info, live, path, strict=False),
        _items(info, config, path, strict=True),
        info.element(),
        path,
    )
    return out_list if out_list else _MISSING


def _merge_items(
    live: dict[PathElement, Any], config: dict[PathElement, Any], info: FieldInfo, path: Path
) -> list[Any]:
    """Merge list items, keeping the configuration's order and the live items around them where
    they were (structured-merge-diff's ordering)."""
    live_order, config_order = list(live), list(config)
    shared = [element for element in config_order if element in live]
    next_shared = shared.pop(0) if shared else None
    out: list[Any] = []
    done: set[PathElement] = set()

    def emit(element: PathElement) -> None:
        value = _merge(
            live.get(element, _MISSING), config.get(element, _MISSING), info, (*path, element)
        )
        done.add(element)
        if value is not _MISSING:
            out.append(value)

    li = ci = 0
    while li < len(live_order) or ci < len(config_order):
        if li < len(live_order) and ci < len(config_order):
            element = live_order[li]
            if element == config_order[ci]:
                emit(element)
                li += 1
                ci += 1
                next_shared = shared.pop(0) if shared else None
                continue
            if element in config and next_shared is not None and next_shared != element:
                li += 1  # a shared item the configuration wants later
                continue
        if li < len(live_order):
            element = live_order[li]
            if element not in config:
                emit(element)
                li += 1
                continue
            if element in done:
                li += 1
                continue
        if ci < len(config_order):
            element = config_order[ci]
            emit(element)
            ci += 1
            if next_shared is not None and next_shared == element:
                next_shared = shared.pop(0) if shared else None
        elif li < len(live_order):
            li += 1
    return out


def _remove(value: Any, fields: FieldSet, info: FieldInfo) -> Any:
    """``value`` without the fields of ``fields``; an emptied map or list becomes null."""
    if fields.is_empty() or info.is_leaf:
        return value
    if isinstance(value, dict) and value and info.kind in ("struct", "map", "any"):
        out = {}
        for key, child in value.items():
            element = PathElement.field(key)
            if fields.has((element,)):
                continue
            below = fields.with_prefix(element)
            out[key] = child if below.is_empty() else _remove(child, below, info.child(key))
        return out or None
    if isinstance(value, list) and value and info.kind == "list":
        out_list = []
        for index, item in enumerate(value):
            try:
                element = item_element(info, index, item)
            except FieldPathError:
                out_list.append(item)
                continue
            if fields.has((element,)):
                continue
            below = fields.with_prefix(element)
            out_list.append(item if below.is_empty() else _remove(item, below, info.element()))
        return out_list or None
    return value


def _equal(a: Any, b: Any) -> bool:
    """structured-merge-diff's value equality: numbers compare by value, maps ignore key order."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# --- object plumbing -----------------------------------------------------------------------------


def _managed_fields_of(obj: dict[str, Any] | None) -> Any:
    if not isinstance(obj, dict):
        return None
    metadata = obj.get("metadata")
    return metadata.get("managedFields") if isinstance(metadata, dict) else None


def _without_managed_fields(obj: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    metadata = out.get("metadata")
    if isinstance(metadata, dict):
        metadata.pop("managedFields", None)
    return out


def _with_managed_fields(obj: Any, managers: _Managers) -> dict[str, Any]:
    out: dict[str, Any] = obj if isinstance(obj, dict) else {}
    entries = _encode(managers)
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
