"""The schema engine's cost: one realistic custom object with 20 x-kubernetes-validations rules.

    python -m benchmarks.schema          (also run by ``python -m benchmarks schema`` / ``nox -s bench``)

1. validation per object with :mod:`kgen.schema` (pruning, defaults, every keyword and the 20 CEL
   rules; the schema compiled once), as ``kgen.runtime.validate`` and kgen.testing run it;
2. kgen.testing's create throughput for that kind, with the rules and with the same CRD without them,
   over HTTP on loopback (one client, sequential creates): the rules' share of a create's time,
   and the whole schema work's (1.) share of it. Goal: under 10%.

The object and rules are benchmarks/cel_rules.py's (quantities, CIDRs, URLs, durations, macros).
"""

from __future__ import annotations

import copy
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.cel_rules import OBJECT, SPEC_SCHEMA
from kgen.schema import Schema
from kgen.testing import APIServer

# kgen.testing serves the committed example package's model; the benchmark adds its CRDs at run time.
GENERATED = Path(__file__).resolve().parent.parent / "generated"
if str(GENERATED) not in sys.path:
    sys.path.append(str(GENERATED))

GROUP = "bench.kgen.io"
CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _root(rules: bool) -> dict[str, Any]:
    spec = copy.deepcopy(SPEC_SCHEMA)
    if not rules:
        del spec["x-kubernetes-validations"]
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"type": "object"},
            "spec": spec,
        },
    }


def _crd(plural: str, kind: str, rules: bool) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": plural[:-1], "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": _root(rules)},
                }
            ],
        },
    }


def validate_per_object(n: int = 2000) -> dict[str, float]:
    """Microseconds per object: the whole of kgen.schema's work, and its CEL rules alone."""
    t0 = time.perf_counter()
    schema = Schema(_root(True))
    assert schema.rule_errors == [], schema.rule_errors
    compile_ms = (time.perf_counter() - t0) * 1000

    def whole() -> None:
        obj = copy.deepcopy(OBJECT)
        schema.prune(obj)
        schema.default(obj)
        assert not schema.validate(obj)

    rules = schema.rules
    assert rules is not None

    def cel_only() -> None:
        rules.validate(OBJECT, None)

    def copy_only() -> None:
        copy.deepcopy(OBJECT)

    out = {"compile_ms": compile_ms}
    for name, fn in (("whole_us", whole), ("cel_us", cel_only), ("copy_us", copy_only)):
        for _ in range(100):
            fn()
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(n // 5):
                fn()
            best = min(best, (time.perf_counter() - t) / (n // 5))
        out[name] = best * 1e6
    return out


def create_throughput(n: int = 600, rounds: int = 5) -> dict[str, float]:
    """Microseconds per create, median of ``rounds`` interleaved rounds, with and without the rules."""
    with APIServer.from_package("example_client") as server:
        with httpx.Client(base_url=server.url, headers=server.headers()) as client:
            urls = {}
            for plural, kind, rules in (("ruled", "Ruled", True), ("plains", "Plain", False)):
                assert client.post(CRDS, json=_crd(plural, kind, rules)).status_code == 201
                urls[rules] = (f"/apis/{GROUP}/v1/namespaces/default/{plural}", kind)
            times: dict[bool, list[float]] = {True: [], False: []}
            count = 0
            for round_ in range(rounds + 1):
                for rules in (True, False) if round_ % 2 else (False, True):  # both go first
                    url, kind = urls[rules]
                    t = time.perf_counter()
                    for i in range(n):
                        body = copy.deepcopy(OBJECT)
                        body["apiVersion"], body["kind"] = f"{GROUP}/v1", kind
                        body["metadata"] = {"name": f"o-{round_}-{i}"}
                        answer = client.post(url, json=body)
                        assert answer.status_code == 201, answer.text
                        count += 1
                    if round_:  # the first round warms up
                        times[rules].append((time.perf_counter() - t) / n)
    with_rules = statistics.median(times[True]) * 1e6
    without = statistics.median(times[False]) * 1e6
    return {"create_with_rules_us": with_rules, "create_without_rules_us": without}


def measure() -> dict[str, float]:
    out = validate_per_object()
    out.update(create_throughput())
    out["rules_overhead_pct"] = (
        100
        * (out["create_with_rules_us"] - out["create_without_rules_us"])
        / out["create_without_rules_us"]
    )
    out["whole_schema_share_pct"] = 100 * out["whole_us"] / out["create_with_rules_us"]
    out["rules_share_pct"] = 100 * out["cel_us"] / out["create_with_rules_us"]
    return out


def report(r: dict[str, float]) -> None:
    print("\nSchema validation of one custom object with 20 CEL rules (kgen.schema):")
    print(f"  compile the schema once:            {r['compile_ms']:8.1f} ms")
    print(
        f"  per object, everything (prune, defaults, keywords, 20 rules): {r['whole_us']:6.0f} µs"
    )
    print(f"  per object, the 20 rules alone:     {r['cel_us']:8.0f} µs")
    print("kgen.testing creates over HTTP (sequential, median of 5 rounds):")
    print(f"  with the rules:    {r['create_with_rules_us']:8.0f} µs per create")
    print(f"  without the rules: {r['create_without_rules_us']:8.0f} µs per create")
    print(
        f"  difference: {r['rules_overhead_pct']:.1f}% (noisy on a loaded machine); measured alone, "
        f"the rules are {r['rules_share_pct']:.1f}% of a create and the whole schema work "
        f"{r['whole_schema_share_pct']:.1f}% (goal: under 10%)"
    )


if __name__ == "__main__":
    report(measure())
