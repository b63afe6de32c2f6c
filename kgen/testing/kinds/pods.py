"""Pods (pkg/registry/core/pod): a new pod is Pending with its QoS class; a pod bound to a node and not
finished deletes gracefully (it stays, with a deletionTimestamp, for its grace period)."""

from __future__ import annotations

from typing import Any

from kgen.testing.kinds.base import Strategy
from kgen.testing.options import DeleteQuery
from kgen.testing.registry import ResourceType

__all__ = ["PodStrategy", "qos_class"]


class PodStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj)}

    def grace_period(self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery) -> int:
        """Pods bound to a node (and not finished) delete gracefully; others at once."""
        spec, status = existing.get("spec") or {}, existing.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Failed", "Succeeded"):
            return 0
        grace = opts.grace_period_seconds
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        if grace is not None and grace < 0:
            grace = 1
        return int(grace or 0)


def qos_class(pod: dict[str, Any]) -> str:
    """The pod's QoS class from its containers' requests and limits."""
    containers = list((pod.get("spec") or {}).get("containers") or [])
    containers += list((pod.get("spec") or {}).get("initContainers") or [])
    requests_any = False
    guaranteed = bool(containers)
    for container in containers:
        resources = (container or {}).get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            requests_any = True
        for resource in ("cpu", "memory"):
            limit = limits.get(resource)
            request = requests.get(resource, limit)
            if limit is None or str(request) != str(limit):
                guaranteed = False
    if not requests_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"
