"""Services (pkg/registry/core/service): a new service starts with an empty load balancer status;
its ports are numbers between 1 and 65535."""

from __future__ import annotations

from typing import Any

from kgen.testing.errors import FieldError
from kgen.testing.kinds.base import Strategy
from kgen.testing.registry import ResourceType

__all__ = ["ServiceStrategy"]


class ServiceStrategy(Strategy):
    def prepare_for_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        obj["status"] = {"loadBalancer": {}}

    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        """ValidateService's ports: a port number, and a numeric target port (which defaults to the
        port), between 1 and 65535. An unset port is Go's zero, refused the same way."""
        problems = []
        spec = obj.get("spec")
        ports = spec.get("ports") if isinstance(spec, dict) else None
        for index, port in enumerate(ports if isinstance(ports, list) else []):
            if not isinstance(port, dict):
                continue
            path = f"spec.ports[{index}]"
            number = port.get("port") or 0
            if isinstance(number, int) and not 1 <= number <= 65535:
                problems.append(FieldError.invalid(f"{path}.port", number, _PORT_RANGE))
            target = port.get("targetPort") or number
            if isinstance(target, int) and not 1 <= target <= 65535:
                problems.append(FieldError.invalid(f"{path}.targetPort", target, _PORT_RANGE))
        return problems


_PORT_RANGE = "must be between 1 and 65535, inclusive"
