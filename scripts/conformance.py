"""Run the API-semantics suite against kgen.testing AND against a real kube-apiserver (``nox -s conformance``).

    python scripts/conformance.py [pytest args]

1. builds kube-apiserver 1.20 once (scripts/realcluster/build.sh; cached outside the repository),
2. starts etcd, kube-apiserver and kube-controller-manager on loopback (scripts/realcluster/start.sh),
3. runs the suite against it (``KGEN_CONFORMANCE_URL`` & co. point the tests at it; tests of kgen-only
   features, and of features newer than 1.20, are skipped with their reason),
4. runs the same suite against kgen.testing,
5. stops the cluster by PID (scripts/realcluster/stop.sh), whatever happened.

Exits non-zero if any test failed on either server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REALCLUSTER = ROOT / "scripts" / "realcluster"
# The API-semantics suite (HTTP level), and the informer and controller tests that can run anywhere.
SUITE = [
    "tests/testing",
    "tests/runtime/cache",
    "tests/runtime/controller/test_conformance.py",
    "tests/runtime/manifests/test_apply_wait.py",
    "-m",
    "not slow",
]


def pytest(args: list[str], env: dict[str, str]) -> int:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *SUITE, *args]
    print("+", " ".join(command), flush=True)
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main(args: list[str]) -> int:
    subprocess.run(["bash", str(REALCLUSTER / "build.sh")], check=True, stdout=subprocess.DEVNULL)
    directory = Path(tempfile.mkdtemp(prefix="kgen-realcluster-"))
    results: dict[str, int] = {}
    try:
        started = subprocess.run(
            ["bash", str(REALCLUSTER / "start.sh"), str(directory)],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "KGEN_PYTHON": sys.executable},  # the fake kubelet's Python
        )
        url = started.stdout.strip().splitlines()[-1]
        real = {
            **os.environ,
            "KGEN_CONFORMANCE_URL": url,
            "KGEN_CONFORMANCE_TOKEN": (directory / "token").read_text().strip(),
            "KGEN_CONFORMANCE_CA": str(directory / "ca.crt"),
            "KGEN_CONFORMANCE_VERSION": "1.20",
            "KGEN_CONFORMANCE_KUBECONFIG": str(directory / "kubeconfig"),
        }
        print(f"\n== against kube-apiserver 1.20 at {url}", flush=True)
        results["kube-apiserver 1.20"] = pytest(args, real)
    finally:
        subprocess.run(["bash", str(REALCLUSTER / "stop.sh"), str(directory)], check=False)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KGEN_CONFORMANCE_")}
    print("\n== against kgen.testing", flush=True)
    results["kgen.testing"] = pytest(args, clean)
    for server, code in results.items():
        print(f"{server}: {'passed' if code == 0 else f'FAILED (pytest exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
