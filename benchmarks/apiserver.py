"""kgen.testing against a real kube-apiserver 1.20 + etcd: create, get, list and watch throughput with the
same client (httpx over HTTPS, one keep-alive connection, pre-encoded bodies) on the same machine.

    python -m benchmarks apiserver          # both servers when scripts/realcluster is built
    python -m benchmarks.apiserver KUBECONFIG [COUNT]   # one run against one server (prints JSON)

The pods are the realistic ones of benchmarks/podlist.py (without what the server owns: status,
resourceVersion, uid, creationTimestamp, managedFields, owner references). Each server gets the same
COUNT pods (2,000 by default; ``KGEN_BENCH_APISERVER_PODS``) in a fresh namespace; the list is then
decoded with kgen's codec in the same process, so "serving a list is not slower than decoding it" is
one ratio. The real control plane comes from scripts/realcluster (build.sh once; started and stopped
here in a temporary directory).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
REALCLUSTER = ROOT / "scripts" / "realcluster"
CACHE = Path(
    os.environ.get("KGEN_REALCLUSTER_CACHE", Path.home() / ".cache/kgen/kubernetes-1.20.2")
)


def _pods(count: int) -> list[dict[str, Any]]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.podlist import podlist

    items = json.loads(podlist(count))["items"]
    for item in items:
        item["apiVersion"], item["kind"] = "v1", "Pod"
        item.pop("status", None)
        # Bound to a node that does not exist, the real control plane's pod GC would delete them.
        item["spec"].pop("nodeName", None)
        for owned in (
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "ownerReferences",
            "managedFields",
            "namespace",
        ):
            item["metadata"].pop(owned, None)
    return items


def measure(kubeconfig: str, count: int) -> dict[str, Any]:
    """One run against one server: the seconds each phase took (the client in this process)."""
    import httpx
    import yaml

    config = yaml.safe_load(Path(kubeconfig).read_text())
    cluster = config["clusters"][0]["cluster"]
    user = config["users"][0]["user"]
    verify: Any = True
    ca_file = None
    if "certificate-authority-data" in cluster:
        import base64

        ca_file = tempfile.NamedTemporaryFile(suffix=".crt", delete=False)
        ca_file.write(base64.b64decode(cluster["certificate-authority-data"]))
        ca_file.close()
        verify = ca_file.name
    headers = {"Authorization": f"Bearer {user.get('token', 'bench')}"}
    namespace = f"bench-{os.getpid()}"
    bodies = [json.dumps(pod, separators=(",", ":")).encode() for pod in _pods(count)]
    names = [json.loads(body)["metadata"]["name"] for body in bodies]
    figures: dict[str, Any] = {}
    json_headers = {**headers, "Content-Type": "application/json"}
    with httpx.Client(base_url=cluster["server"], headers=headers, verify=verify, timeout=300) as c:
        created = c.post(
            "/api/v1/namespaces",
            content=json.dumps({"metadata": {"name": namespace}}),
            headers=json_headers,
        )
        assert created.status_code == 201, created.text
        # The pods run as the ServiceAccount "web", which the real control plane's admission requires.
        account = {"metadata": {"name": "web"}}
        response = c.post(
            f"/api/v1/namespaces/{namespace}/serviceaccounts",
            content=json.dumps(account),
            headers=json_headers,
        )
        assert response.status_code == 201, response.text
        path = f"/api/v1/namespaces/{namespace}/pods"
        # The real control plane's ServiceAccount admission refuses pods (500, "retry after the token
        # is automatically created") until the token controller has made the account's token: wait
        # for it with a dry run, which is not timed and stores nothing.
        deadline = time.monotonic() + 120
        while True:
            response = c.post(
                path, content=bodies[0], headers=json_headers, params={"dryRun": "All"}
            )
            if response.status_code == 201 or time.monotonic() > deadline:
                break
            assert response.status_code == 500, response.text
            time.sleep(0.5)
        assert response.status_code == 201, response.text
        start = time.perf_counter()
        for body in bodies:
            response = c.post(path, content=body, headers=json_headers)
            assert response.status_code == 201, response.text
        figures["create_s"] = time.perf_counter() - start
        start = time.perf_counter()
        for name in names:
            response = c.get(f"{path}/{name}")
            assert response.status_code == 200, response.text
        figures["get_s"] = time.perf_counter() - start
        lists = []
        for _ in range(3):
            start = time.perf_counter()
            response = c.get(path)
            raw = response.content
            lists.append(time.perf_counter() - start)
            assert response.status_code == 200
        figures["list_s"] = statistics.median(lists)
        figures["list_bytes"] = len(raw)
        # The watch cache's list (resourceVersion=0), as informers ask for it.
        lists = []
        for _ in range(3):
            start = time.perf_counter()
            response = c.get(path, params={"resourceVersion": "0"})
            lists.append(time.perf_counter() - start)
            assert response.status_code == 200
        figures["list_rv0_s"] = statistics.median(lists)
        watches = []
        for _ in range(3):
            start = time.perf_counter()
            events = 0
            with c.stream("GET", path, params={"watch": "true", "resourceVersion": "0"}) as stream:
                for line in stream.iter_lines():
                    if line:
                        events += 1
                    if events == count:
                        break
            watches.append(time.perf_counter() - start)
        figures["watch_s"] = statistics.median(watches)
    sys.path.insert(0, str(BENCH / "gen"))
    from k8s_bench.models.core_v1 import PodList

    import kgen.runtime._codec as codec

    assert len(codec.decode(raw, PodList).items) == count
    decodes = []
    for _ in range(3):
        start = time.perf_counter()
        decoded = codec.decode(raw, PodList)
        decodes.append(time.perf_counter() - start)
        del decoded
    figures["decode_s"] = statistics.median(decodes)
    figures["count"] = count
    if ca_file is not None:
        os.unlink(ca_file.name)
    return figures


def run_client(kubeconfig: Path, count: int) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.apiserver", str(kubeconfig), str(count)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def kgen_testing(swagger: Path, count: int) -> dict[str, Any]:
    """kgen.testing serving the whole v1.36 API over HTTPS in its own process."""
    kubeconfig = BENCH / "kubeconfig-apiserver"
    kubeconfig.unlink(missing_ok=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kgen.testing",
            "--spec",
            str(swagger),
            "--tls",
            "--history",
            str(max(1000, 3 * count)),
            "--kubeconfig",
            str(kubeconfig),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not kubeconfig.exists() or not kubeconfig.stat().st_size:
            if server.poll() is not None or time.monotonic() > deadline:
                return {"error": "kgen.testing did not start"}
            time.sleep(0.2)
        time.sleep(0.5)
        return run_client(kubeconfig, count)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def real_apiserver(count: int) -> dict[str, Any]:
    if not (CACHE / "bin" / "kube-apiserver").exists():
        return {"error": "no kube-apiserver: run scripts/realcluster/build.sh"}
    directory = tempfile.mkdtemp(prefix="kgen-bench-realcluster-")
    try:
        started = subprocess.run(
            ["bash", str(REALCLUSTER / "start.sh"), directory],
            capture_output=True,
            text=True,
            env={**os.environ, "KGEN_REALCLUSTER_KUBELET": "0"},
        )
        if started.returncode != 0:
            return {"error": "the real control plane did not start"}
        return run_client(Path(directory) / "kubeconfig", count)
    finally:
        subprocess.run(["bash", str(REALCLUSTER / "stop.sh"), directory], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def compare(swagger: Path, count: int | None = None) -> dict[str, Any]:
    count = count or int(os.environ.get("KGEN_BENCH_APISERVER_PODS", "2000"))
    return {"kgen.testing": kgen_testing(swagger, count), "kube-apiserver": real_apiserver(count)}


def report(rows: dict[str, Any]) -> None:
    ours, real = rows["kgen.testing"], rows["kube-apiserver"]
    if "error" in ours:
        print(f"\nkgen.testing benchmark failed: {ours['error']}")
        return
    count = ours["count"]
    print(
        f"\nkgen.testing against kube-apiserver 1.20 + etcd, {count} realistic pods, the same httpx "
        "client over HTTPS (one connection):"
    )
    if "error" in real:
        print(f"  (kube-apiserver: {real['error']})")
    print(f"  {'':<26}{'kgen.testing':>14}{'kube-apiserver':>16}{'ratio':>8}")

    def row(label: str, key: str, rate: bool) -> None:
        mine = count / ours[key] if rate else ours[key]
        theirs = (count / real[key] if rate else real[key]) if key in real else float("nan")
        ratio = mine / theirs if rate else theirs / mine
        unit = "/s" if rate else " s"
        print(f"  {label:<26}{mine:12,.2f}{unit}{theirs:14,.2f}{unit}{ratio:7.2f}x")

    row("create (per second)", "create_s", True)
    row("get (per second)", "get_s", True)
    row("list all", "list_s", False)
    row("list resourceVersion=0", "list_rv0_s", False)
    row("watch from 0 (events/s)", "watch_s", True)
    print(
        f"  list body {ours['list_bytes'] / 1e6:.1f} MB (real: {real.get('list_bytes', 0) / 1e6:.1f} MB);"
        f" kgen decodes it in {ours['decode_s']:.2f} s: serving/decoding "
        f"{ours['list_s'] / ours['decode_s']:.2f}x"
    )
    print(
        "  goal: every ratio >= 1 (kgen.testing at least as fast as the real server), serving <= decoding"
    )


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 2000)))
