"""Services (pkg/registry/core/service): a new service starts with an empty load balancer status."""

from __future__ import annotations

from typing import Any

from kgen.testing.kinds.base import Strategy
from kgen.testing.registry import ResourceType

__all__ = ["ServiceStrategy"]


class ServiceStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        obj["status"] = {"loadBalancer": {}}
