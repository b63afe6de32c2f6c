"""exec and port-forward, kgen against kubectl, through a real kube-apiserver 1.20 and the fake kubelet.

    python -m benchmarks.streams [DIR] [--megabytes N] [--rounds N]
    python -m benchmarks streams          # the same, as a group of ``nox -s bench``

DIR is a control plane started by scripts/realcluster/start.sh (with its fake kubelet); without it
one is started in a temporary directory and stopped at the end (scripts/realcluster/build.sh must have
built kube-apiserver and kubectl 1.20.2). Both clients go the same way: client → kube-apiserver (TLS,
token) → its kubelet proxy (TLS, client certificate) → the fake kubelet. kgen speaks WebSocket
(v5.channel.k8s.io for exec, v4.channel.k8s.io for port-forward), kubectl 1.20 SPDY/3.1.

- port-forward throughput: MB/s of N MiB read from pod port 9000 (which sends what it is asked for):
  kgen's stream API, kgen's local listening socket, kubectl port-forward's local socket; and the CPU
  seconds the client (kgen's process, the kubectl process) spent per 100 MB through the local socket,
  a figure that what else the machine runs disturbs less than MB/s;
- exec round trip: one whole ``exec echo`` (connect, upgrade, run, exit status): kgen's call against
  a ``kubectl exec`` process; and one line through an open ``cat`` session (interactive latency):
  kgen's ExecSession against ``kubectl exec -i``'s pipes (10 x ``--rounds`` lines).

kgen's and kubectl's figures are taken in turn, so that what else the machine runs weighs on both
alike. Throughput: the best of three (and the median); latency: the median (and the 90th percentile).
Without the binaries (or off Linux) it prints why and measures nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(
    os.environ.get("KGEN_REALCLUSTER_CACHE", Path.home() / ".cache/kgen/kubernetes-1.20.2")
)
KUBECTL = Path(os.environ.get("KGEN_KUBECTL", CACHE / "bin" / "kubectl"))
POD, NAMESPACE, SOURCE_PORT = "kgen-pod", "default", 9000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


_READER = """
import socket, sys, time
port, total = int(sys.argv[1]), int(sys.argv[2])
start = time.perf_counter()
with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
    sock.sendall(b"%d\\n" % total)
    got = 0
    while got < total:
        data = sock.recv(1 << 20)
        if not data:
            sys.exit(f"the forwarded connection ended after {got} of {total} bytes")
        got += len(data)
print(time.perf_counter() - start)
"""


def unavailable() -> str | None:
    """Why the benchmark cannot run here (None: it can)."""
    if not sys.platform.startswith("linux"):
        return "the real control plane runs on Linux only"
    for binary in (CACHE / "bin" / "kube-apiserver", KUBECTL, Path("/usr/bin/etcd")):
        if not binary.exists():
            return f"{binary} not found: run scripts/realcluster/build.sh first"
    return None


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system) of this process, or of process ``pid``."""
    if pid is None:
        times = os.times()
        return times.user + times.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_from_socket(port: int, total: int) -> float:
    """Seconds to receive ``total`` bytes from port 9000 through a local forwarded socket, read by
    another process (as a program using ``kubectl port-forward`` would; and not competing with the
    client under test for its interpreter)."""
    done = subprocess.run(
        [sys.executable, "-c", _READER, str(port), str(total)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


async def measure(kubeconfig: Path, total: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Every figure, kgen's and kubectl's taken in turn."""
    sys.path.insert(0, str(ROOT / "generated"))
    from example_client.clientset import AsyncClientset

    from kgen.runtime import load_kubeconfig

    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    config = load_kubeconfig(kubeconfig)
    config.qps, config.burst = 1000.0, 1000
    kgen: dict[str, list[float]] = {
        k: [] for k in ("pf stream", "pf socket", "pf cpu", "call", "line")
    }
    kubectl: dict[str, list[float]] = {k: [] for k in ("pf socket", "pf cpu", "call", "line")}
    loop = asyncio.get_running_loop()
    port = free_port()
    forward = subprocess.Popen(
        [
            str(KUBECTL),
            "port-forward",
            f"pod/{POD}",
            f"{port}:{SOURCE_PORT}",
            "--address=127.0.0.1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    cat = subprocess.Popen(
        [str(KUBECTL), "exec", "-i", POD, "--", "cat"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )
    assert forward.stdout is not None and cat.stdin is not None and cat.stdout is not None
    try:
        forward.stdout.readline()  # "Forwarding from 127.0.0.1:PORT -> 9000"
        async with AsyncClientset(config) as clientset:
            pods = clientset.core_v1.pods(NAMESPACE)  # the generated client's connect methods
            kgen_forward = pods.port_forward(POD)
            async with kgen_forward.listen(SOURCE_PORT) as listener:
                for _ in range(3):
                    start = time.perf_counter()
                    async with kgen_forward.stream(SOURCE_PORT) as stream:
                        await stream.write(f"{total}\n".encode())
                        got = 0
                        while got < total:
                            data = await stream.read()
                            if not data:
                                raise RuntimeError("the stream ended early")
                            got += len(data)
                    kgen["pf stream"].append(total / (time.perf_counter() - start) / 1e6)
                    cpu = cpu_seconds()
                    seconds = await loop.run_in_executor(
                        None, read_from_socket, listener.port, total
                    )
                    kgen["pf cpu"].append((cpu_seconds() - cpu) / total * 1e8)
                    kgen["pf socket"].append(total / seconds / 1e6)
                    cpu = cpu_seconds(forward.pid)
                    kubectl["pf socket"].append(total / read_from_socket(port, total) / 1e6)
                    kubectl["pf cpu"].append((cpu_seconds(forward.pid) - cpu) / total * 1e8)
            for _ in range(rounds):
                start = time.perf_counter()
                result = await pods.exec(POD, ["echo", "x"])
                kgen["call"].append((time.perf_counter() - start) * 1000)
                assert result.stdout == b"x\n"
                start = time.perf_counter()
                done = subprocess.run(
                    [str(KUBECTL), "exec", POD, "--", "echo", "x"],
                    env=env,
                    capture_output=True,
                    check=True,
                )
                kubectl["call"].append((time.perf_counter() - start) * 1000)
                assert done.stdout == b"x\n"
            async with pods.exec_session(POD, ["cat"], stdin=True) as session:
                for i in range(rounds * 10):
                    line = f"line {i}\n".encode()
                    start = time.perf_counter()
                    await session.write_stdin(line)
                    echoed = b""
                    while len(echoed) < len(line):
                        chunk = await session.read()
                        assert chunk is not None
                        echoed += chunk[1]
                    kgen["line"].append((time.perf_counter() - start) * 1000)
                    start = time.perf_counter()
                    cat.stdin.write(line)
                    echoed = b""
                    while len(echoed) < len(line):
                        echoed += cat.stdout.read(65536)  # unbuffered: what is there
                    kubectl["line"].append((time.perf_counter() - start) * 1000)
                await session.close_stdin()
                await session.wait()
    finally:
        forward.terminate()
        forward.wait()
        forward.stdout.close()
        cat.stdin.close()
        cat.wait(timeout=30)
        cat.stdout.close()
    return {"kgen": kgen, "kubectl": kubectl}


def run(directory: Path | None, megabytes: int, rounds: int) -> dict[str, dict[str, list[float]]]:
    """Every figure, through the control plane in ``directory`` (None: one started for the run)."""
    temporary = None
    if directory is None:
        temporary = tempfile.mkdtemp(prefix="kgen-streams-")
        directory = Path(temporary)
        subprocess.run(
            [str(ROOT / "scripts/realcluster/start.sh"), temporary],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "KGEN_PYTHON": sys.executable},
        )
    try:
        return asyncio.run(measure(directory / "kubeconfig", megabytes * 1024 * 1024, rounds))
    finally:
        if temporary is not None:
            subprocess.run([str(ROOT / "scripts/realcluster/stop.sh"), temporary], check=False)
            shutil.rmtree(temporary, ignore_errors=True)


ROWS = [
    ("port-forward, stream API, MB/s", "pf stream", "max"),
    ("port-forward, local socket, MB/s", "pf socket", "max"),
    ("port-forward, client CPU s/100MB", "pf cpu", "min"),
    ("exec echo, whole call, ms", "call", "median"),
    ("exec cat, one line, ms", "line", "median"),
]


def report(figures: dict[str, dict[str, list[float]]]) -> None:
    print(f"{'':<34}{'kgen':>18}{'kubectl':>18}")
    for label, key, best in ROWS:
        cells = []
        for client in ("kgen", "kubectl"):
            values = sorted(figures[client].get(key, []))
            if not values:
                cells.append("-")
            elif best == "max":
                cells.append(f"{values[-1]:.0f} (med {statistics.median(values):.0f})")
            elif best == "min":
                cells.append(f"{values[0]:.2f} (med {statistics.median(values):.2f})")
            else:
                p90 = values[int(len(values) * 0.9)]
                cells.append(f"{statistics.median(values):.2f} (p90 {p90:.1f})")
        print(f"{label:<34}{cells[0]:>18}{cells[1]:>18}")
    print(
        "(kubectl's whole exec call includes starting the kubectl process; port-forward CPU is the "
        "client's own: kgen's process, the kubectl process)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    reason = unavailable()
    if reason is not None:
        print(f"skipped: {reason}", file=sys.stderr)
        return 2
    report(run(args.dir, args.megabytes, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
