"""Validating one realistic custom object against 20 x-kubernetes-validations rules with kgen.cel.

python -m benchmarks.cel_rules   (the schema is compiled once; the figure is per object)
"""

from __future__ import annotations

import time
from typing import Any

from kgen.cel.schema import CompiledSchema

RULES = [
    "self.minReplicas <= self.maxReplicas",
    "self.replicas >= self.minReplicas && self.replicas <= self.maxReplicas",
    "self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$')",
    "self.containers.all(c, c.image != '')",
    "self.containers.exists(c, c.name == 'main')",
    "self.containers.map(c, c.name).size() == self.containers.size()",
    "self.ports.all(p, p.port > 0 && p.port < 65536)",
    "self.ports.filter(p, p.protocol == 'UDP').size() <= 2",
    "!has(self.strategy) || self.strategy in ['Recreate', 'RollingUpdate']",
    "self.labels.all(k, k.size() <= 63)",
    "'app' in self.labels",
    "quantity(self.resources.memory).isLessThan(quantity('64Gi'))",
    "quantity(self.resources.cpu).compareTo(quantity('100m')) >= 0",
    "isCIDR(self.network.cidr) && cidr(self.network.cidr).prefixLength() >= 16",
    "self.network.gateway == '' || cidr(self.network.cidr).containsIP(self.network.gateway)",
    "url(self.endpoint).getScheme() == 'https'",
    "self.timeout <= duration('10m')",
    "type(self.maxUnavailable) == int ? self.maxUnavailable >= 0 : self.maxUnavailable.endsWith('%')",
    "self.tolerations.all(t, t.effect in ['NoSchedule', 'PreferNoSchedule', 'NoExecute'])",
    "self.version.split('.').size() == 3",
]

SPEC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "x-kubernetes-validations": [{"rule": r} for r in RULES],
    "properties": {
        "name": {"type": "string", "maxLength": 63},
        "replicas": {"type": "integer"},
        "minReplicas": {"type": "integer"},
        "maxReplicas": {"type": "integer"},
        "strategy": {"type": "string", "enum": ["Recreate", "RollingUpdate"]},
        "maxUnavailable": {"x-kubernetes-int-or-string": True},
        "endpoint": {"type": "string", "maxLength": 256},
        "timeout": {"type": "string", "format": "duration"},
        "version": {"type": "string", "maxLength": 32},
        "labels": {
            "type": "object",
            "maxProperties": 64,
            "additionalProperties": {"type": "string", "maxLength": 63},
        },
        "resources": {
            "type": "object",
            "properties": {
                "cpu": {"type": "string", "maxLength": 16},
                "memory": {"type": "string", "maxLength": 16},
            },
        },
        "network": {
            "type": "object",
            "properties": {
                "cidr": {"type": "string", "maxLength": 64},
                "gateway": {"type": "string", "maxLength": 64},
            },
        },
        "containers": {
            "type": "array",
            "maxItems": 32,
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 63},
                    "image": {"type": "string", "maxLength": 256},
                },
            },
        },
        "ports": {
            "type": "array",
            "maxItems": 64,
            "items": {
                "type": "object",
                "properties": {
                    "port": {"type": "integer"},
                    "protocol": {"type": "string", "maxLength": 8},
                },
            },
        },
        "tolerations": {
            "type": "array",
            "maxItems": 16,
            "items": {
                "type": "object",
                "properties": {"effect": {"type": "string", "maxLength": 32}},
            },
        },
    },
}

SCHEMA = {"type": "object", "properties": {"spec": SPEC_SCHEMA}}

OBJECT = {
    "apiVersion": "example.com/v1",
    "kind": "Widget",
    "metadata": {"name": "w", "namespace": "default"},
    "spec": {
        "name": "widget-1",
        "replicas": 3,
        "minReplicas": 1,
        "maxReplicas": 5,
        "strategy": "RollingUpdate",
        "maxUnavailable": "25%",
        "endpoint": "https://widgets.example.com:8443/api",
        "timeout": "5m",
        "version": "1.2.3",
        "labels": {"app": "widget", "tier": "backend", "team": "platform"},
        "resources": {"cpu": "500m", "memory": "2Gi"},
        "network": {"cidr": "10.0.0.0/16", "gateway": "10.0.0.1"},
        "containers": [
            {"name": "main", "image": "example/widget:1"},
            {"name": "sidecar", "image": "example/proxy:2"},
        ],
        "ports": [
            {"port": 8080, "protocol": "TCP"},
            {"port": 9090, "protocol": "TCP"},
            {"port": 53, "protocol": "UDP"},
        ],
        "tolerations": [{"effect": "NoSchedule"}],
    },
}


def measure(n: int = 2000) -> dict[str, float]:
    t0 = time.perf_counter()
    compiled = CompiledSchema(SCHEMA)
    compile_s = time.perf_counter() - t0
    assert compiled.errors == [], compiled.errors
    assert compiled.validate(OBJECT) == []
    for _ in range(200):
        compiled.validate(OBJECT)
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n // 5):
            compiled.validate(OBJECT)
        best = min(best, (time.perf_counter() - t) / (n // 5))
    return {"compile_ms": compile_s * 1000, "validate_us": best * 1e6}


if __name__ == "__main__":
    r = measure()
    print(
        f"compile 20 rules once: {r['compile_ms']:.1f} ms; validate one object: {r['validate_us']:.0f} µs"
    )
