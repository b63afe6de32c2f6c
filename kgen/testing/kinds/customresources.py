"""Custom resources (apiextensions-apiserver's customresource strategy): with a status subresource, a
create does not set the status (it is written through ``/status``)."""

from __future__ import annotations

from typing import Any

from kgen.testing.kinds.base import Strategy
from kgen.testing.registry import ResourceType

__all__ = ["CustomResourceStrategy"]


class CustomResourceStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        if rt.has_status:
            obj.pop("status", None)
