"""Group-version-kind facts of the inputs: the ``x-kubernetes-group-version-kind`` of an OpenAPI schema
or operation, and how ``--include``/``--exclude`` name a group-version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["gv_selector", "gvk_of", "gvks_of"]


def gv_selector(group: str, version: str) -> str:
    """How --include/--exclude globs name a group-version: ``core/v1``, ``apps/v1``, ``cert-manager.io/v1``."""
    return f"{group or 'core'}/{version}"


def gvk_of(raw: Mapping[str, Any]) -> tuple[str, str, str] | None:
    group, version, kind = raw.get("group"), raw.get("version"), raw.get("kind")
    if (
        isinstance(group, str)
        and isinstance(version, str)
        and isinstance(kind, str)
        and version
        and kind
    ):
        return (group, version, kind)
    return None


def gvks_of(schema: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    raw = schema.get("x-kubernetes-group-version-kind")
    if not isinstance(raw, list):
        return []
    out = []
    for entry in raw:
        if isinstance(entry, Mapping):
            gvk = gvk_of(entry)
            if gvk is not None:
                out.append(gvk)
    return out
