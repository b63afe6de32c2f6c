"""Alternative representations clients ask for in Accept: metadata only (``as=PartialObjectMetadata``,
``as=PartialObjectMetadataList``) and server-side printing (``as=Table``)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from kgen.testing.objects import get_path
from kgen.testing.registry import ResourceType

__all__ = ["negotiate", "partial", "partial_list", "table"]

_META_GV = "meta.k8s.io/v1"
_KINDS = ("Table", "PartialObjectMetadata", "PartialObjectMetadataList")


def negotiate(accept: str) -> tuple[str | None, str]:
    """(the ``as`` kind asked for or None, the content type to answer with) from an Accept header."""
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        params = dict(p.split("=", 1) for p in pieces[1:] if "=" in p)
        kind = params.get("as")
        if media not in ("application/json", "*/*", "application/*"):
            continue
        if kind is None:
            return None, "application/json"
        if (
            kind in _KINDS
            and params.get("g") == "meta.k8s.io"
            and params.get("v") in ("v1", "v1beta1")
        ):
            return kind, f"application/json;as={kind};v={params['v']};g=meta.k8s.io"
    return None, "application/json"


def partial(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": _META_GV,
        "metadata": obj.get("metadata", {}),
    }


def partial_list(listed: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadataList",
        "apiVersion": _META_GV,
        "metadata": listed.get("metadata", {}),
        "items": [partial(item) for item in listed.get("items", [])],
    }


def _age(timestamp: str | None, now: datetime) -> str:
    """duration.HumanDuration, as ``kubectl get`` shows ages."""
    if not timestamp:
        return "<unknown>"
    try:
        then = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return "<invalid>"
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return "<invalid>"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        rest = seconds % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def table(
    rt: ResourceType, items: list[dict[str, Any]], list_meta: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A meta.k8s.io/v1 Table: Name, the CRD's printer columns (if any), Age."""
    columns: list[dict[str, Any]] = [
        {
            "name": "Name",
            "type": "string",
            "format": "name",
            "description": "Name must be unique within a namespace.",
            "priority": 0,
        }
    ]
    printer = [c for c in rt.printer_columns if c.json_path != ".metadata.creationTimestamp"]
    for column in printer:
        columns.append(
            {
                "name": column.name,
                "type": column.type,
                "format": column.format or "",
                "description": column.description or "",
                "priority": column.priority,
            }
        )
    columns.append(
        {
            "name": "Age",
            "type": "date",
            "format": "",
            "description": "CreationTimestamp is a timestamp representing the server time when this "
            "object was created.",
            "priority": 0,
        }
    )
    rows = []
    for item in items:
        metadata = item.get("metadata") or {}
        cells: list[Any] = [metadata.get("name", "")]
        for column in printer:
            value = get_path(item, column.json_path)
            cells.append(value if value is not None else None)
        cells.append(_age(metadata.get("creationTimestamp"), now))
        rows.append({"cells": cells, "object": partial(item)})
    return {
        "kind": "Table",
        "apiVersion": _META_GV,
        "metadata": {k: v for k, v in list_meta.items() if k in ("resourceVersion", "continue")},
        "columnDefinitions": columns,
        "rows": rows,
    }
