"""kgen-only: the patch seam imports the merge package as any import: when it cannot, kgen.testing does
not start, instead of quietly serving a strategic merge patch as a merge patch (it used to fall back).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_PROGRAM = textwrap.dedent("""
    import sys

    sys.modules["kgen.testing.merge.strategic"] = None  # as if it failed to import
    try:
        from kgen.testing import APIServer

        server = APIServer.from_package("example_client")
    except ImportError as exc:
        print("ImportError", exc.name)
        raise SystemExit(0)
    pods = server.registry.get("", "v1", "pods")
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]},
    }
    server.api.create(pods, "default", pod)
    patch = b'{"spec": {"containers": [{"name": "b", "image": "b2"}]}}'
    patched = server.api.patch(
        pods, "default", "p", "application/strategic-merge-patch+json", patch
    ).body
    print("patched", [c["name"] for c in patched["spec"]["containers"]])
    """)


def test_a_broken_merge_package_fails_loudly() -> None:
    env_path = str(ROOT / "generated")
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": env_path, "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    # Not "patched ['b']": the containers list replaced, as a merge patch would.
    assert result.stdout.strip() == "ImportError kgen.testing.merge.strategic", result.stdout


def test_a_strategic_merge_patch_merges_lists_by_key() -> None:
    from kgen.testing import APIServer

    server = APIServer.from_package("example_client")
    pods = server.registry.get("", "v1", "pods")
    assert pods is not None
    containers = [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]
    server.api.create(
        pods,
        "default",
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p"},
            "spec": {"containers": containers},
        },
    )
    patch = b'{"spec": {"containers": [{"name": "b", "image": "b2"}]}}'
    patched = server.api.patch(
        pods, "default", "p", "application/strategic-merge-patch+json", patch
    ).body
    assert [(c["name"], c["image"]) for c in patched["spec"]["containers"]] == [
        ("a", "a"),
        ("b", "b2"),
    ]
