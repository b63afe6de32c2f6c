"""``metadata.managedFields`` as the field manager keeps it: one entry per manager, keyed by
``(manager, operation, apiVersion, subresource)`` (an applier is one manager whatever version it
applies with), decoded from and encoded to the apiserver's JSON, sorted as it sorts them, with at most
ten ``Update`` managers (older ones merge into ``ancient-changes``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from kgen.testing.merge.fieldpath import FieldPathError, FieldSet

__all__ = [
    "ANCIENT_CHANGES_MANAGER",
    "CURRENT_OPERATION",
    "MAX_UPDATE_MANAGERS",
    "ManagerKey",
    "Managers",
    "Owned",
    "cap_update_managers",
    "decode_entries",
    "decode_managed_fields",
    "encode_entries",
    "seconds",
    "timestamp",
]

MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES_MANAGER = "ancient-changes"


@dataclass(frozen=True)
class ManagerKey:
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
class Owned:
    fields: FieldSet
    api_version: str
    time: str | None


Managers = dict[ManagerKey, Owned]
CURRENT_OPERATION = ManagerKey("current-operation", "Update", None, None)


def decode_managed_fields(entries: Any) -> dict[str, FieldSet]:
    """``metadata.managedFields`` as ``{manager identifier: fields}``, for inspection and tests.

    The identifier is the apiserver's (``{"manager":"m","operation":"Apply"}``). Raises
    :class:`~kgen.testing.merge.fieldpath.FieldPathError` for entries the apiserver cannot decode.
    """
    return {key.identifier(): owned.fields for key, owned in decode_entries(entries).items()}


def decode_entries(entries: Any) -> Managers:
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise FieldPathError("managedFields must be a list")
    managers: Managers = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise FieldPathError("a managedFields entry must be an object")
        operation = entry.get("operation") or ""
        if operation not in ("Apply", "Update"):
            raise FieldPathError(f"invalid operation {operation!r} in managedFields")
        if entry.get("fieldsType") != "FieldsV1":
            raise FieldPathError(f"invalid fieldsType {entry.get('fieldsType')!r} in managedFields")
        api_version = entry.get("apiVersion") or ""
        key = ManagerKey(
            entry.get("manager") or "",
            operation,
            None if operation == "Apply" else api_version,
            entry.get("subresource") or None,
        )
        time = entry.get("time")
        managers[key] = Owned(
            FieldSet.from_fieldsv1(entry.get("fieldsV1") or {}),
            api_version,
            time if isinstance(time, str) else None,
        )
    return managers


def encode_entries(managers: Managers) -> list[dict[str, Any]]:
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
            seconds(e.get("time")),
            e["manager"],
            e["apiVersion"],
            e.get("subresource", ""),
        )
    )
    return entries


def seconds(time: str | None) -> float:
    if not time:
        return 0.0
    try:
        return datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def timestamp(now: datetime) -> str:
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def cap_update_managers(managers: Managers) -> None:
    """Merge the oldest Update managers into one ``ancient-changes`` entry per API version."""
    updaters = [key for key in managers if key.operation == "Update"]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return
    updaters.sort(key=lambda k: (int(seconds(managers[k].time)), k.identifier()))
    first_of_version: dict[str, ManagerKey] = {}
    count = len(updaters)
    for key in updaters:
        if count <= MAX_UPDATE_MANAGERS:
            break
        owned = managers[key]
        bucket = ManagerKey(ANCIENT_CHANGES_MANAGER, "Update", owned.api_version, None)
        first = first_of_version.get(owned.api_version)
        if first is None:
            first_of_version[owned.api_version] = key
            continue
        if bucket not in managers:
            managers[bucket] = managers.pop(first)
        merged = owned.fields.union(managers[bucket].fields)
        managers[bucket] = Owned(merged, owned.api_version, owned.time)
        del managers[key]
        count -= 1
