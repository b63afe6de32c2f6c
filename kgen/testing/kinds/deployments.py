"""Deployments (pkg/registry/apps/deployment): a new deployment starts with an empty status."""

from __future__ import annotations

from typing import Any

from kgen.testing.kinds.base import Strategy
from kgen.testing.registry import ResourceType

__all__ = ["DeploymentStrategy"]


class DeploymentStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        obj["status"] = {}
