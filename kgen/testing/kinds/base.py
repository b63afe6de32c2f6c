"""A kind's strategy: the hooks the generic store calls, with the generic store's behaviour as defaults."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgen.testing.errors import FieldError
from kgen.testing.options import DeleteQuery
from kgen.testing.registry import ResourceType
from kgen.testing.response import Response

if TYPE_CHECKING:
    from kgen.testing.api import API

__all__ = ["Strategy"]


class Strategy:
    """What a kind's registry does differently from the generic store (nothing, here)."""

    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        """PrepareForCreate: fields the server sets on a new object (its status, usually)."""

    def prepare_for_update(
        self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any]
    ) -> None:
        """PrepareForUpdate: what a write through the main resource may not change."""

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        """Validate (``old`` None) and ValidateUpdate: the kind's own checks, beyond object meta."""
        return []

    def grace_period(self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery) -> int:
        """CheckGracefulDelete: seconds a delete waits (0: the object goes at once)."""
        return 0

    def delete(
        self, api: API, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery
    ) -> Response | None:
        """A registry's own Delete, or None for the generic store's."""
        return None

    def should_delete_during_update(self, new: dict[str, Any], old: dict[str, Any]) -> bool:
        """ShouldDeleteDuringUpdate: the last finalizer of an object being deleted is gone."""
        new_meta, old_meta = new.get("metadata") or {}, old.get("metadata") or {}
        if new_meta.get("finalizers"):
            return False
        if not old_meta.get("deletionTimestamp"):
            return False
        return old_meta.get("deletionGracePeriodSeconds") in (None, 0)
