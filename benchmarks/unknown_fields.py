"""What keeping unknown fields costs (issue 14.6): decoding a list whose objects carry fields their
model does not know (kgen keeps them on the object, as compact JSON) against the same list without
them, and the memory of each against the same objects as plain dicts.

    python -m benchmarks.unknown_fields [count]

Needs the committed example package (generated/ on the path, as `python -m benchmarks` sets it up).
"""

from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "generated"))


def pod_list(count: int, unknown: bool) -> bytes:
    items = []
    for i in range(count):
        container: dict[str, Any] = {
            "name": "c",
            "image": "nginx:1.25",
            "ports": [{"containerPort": 80}],
        }
        spec: dict[str, Any] = {"containers": [container], "nodeName": f"n{i % 50}"}
        if unknown:
            spec["newSpecField"] = {"a": i}
            container["newContainerField"] = True
        items.append(
            {
                "metadata": {
                    "name": f"p{i}",
                    "namespace": "default",
                    "uid": f"u{i}",
                    "resourceVersion": str(i),
                    "labels": {"app": "web"},
                },
                "spec": spec,
                "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}"},
            }
        )
    return json.dumps({"items": items}).encode()


def traced(build: Any) -> tuple[Any, int]:
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    value = build()
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return value, used


def main(count: int) -> None:
    from example_client.models.core_v1 import PodList

    import kgen.runtime._codec as codec  # what the clients decode with

    for unknown in (False, True):
        raw = pod_list(count, unknown)
        times = []
        for _ in range(5):
            started = time.perf_counter()
            codec.decode(raw, PodList)
            times.append(time.perf_counter() - started)
        typed, typed_bytes = traced(lambda: codec.decode(raw, PodList))
        dicts, dict_bytes = traced(lambda: json.loads(raw))
        print(
            f"unknown fields {'yes' if unknown else 'no ':3}: decode {count} pods, median of 5 "
            f"{statistics.median(times) * 1000:.0f} ms; {typed_bytes / count:.0f} B/pod typed vs "
            f"{dict_bytes / count:.0f} B/pod as dicts ({typed_bytes / dict_bytes:.2f}x)"
        )
        del typed, dicts


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
