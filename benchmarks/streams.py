"""exec and port-forward, kgen against kubectl, through a real kube-apiserver 1.20 and the fake kubelet.

    python -m benchmarks.streams [DIR] [--megabytes N] [--rounds N]

DIR is a control plane started by scripts/realcluster/start.sh (with its fake kubelet); without it
one is started in a temporary directory and stopped at the end (scripts/realcluster/build.sh must have
built kube-apiserver and kubectl 1.20.2). Both clients go the same way: client → kube-apiserver (TLS,
token) → its kubelet proxy (TLS, client certificate) → the fake kubelet. kgen speaks WebSocket
(v5.channel.k8s.io, v4.channel.k8s.io for port-forward), kubectl 1.20 SPDY/3.1.

- port-forward throughput: MB/s of N MiB read from pod port 9000 (which sends what it is asked for):
  kgen's stream API, kgen's local listening socket, kubectl port-forward's local socket;
- exec round trip: one whole ``exec echo`` (connect, upgrade, run, exit status): kgen's call against
  a ``kubectl exec`` process; and one line through an open ``cat`` session (interactive latency):
  kgen's ExecSession against ``kubectl exec -i``'s pipes. Medians of ``--rounds``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("KGEN_REALCLUSTER_CACHE", Path.home() / ".cache/kgen/kubernetes-1.20.2"))
KUBECTL = Path(os.environ.get("KGEN_KUBECTL", CACHE / "bin" / "kubectl"))
POD, NAMESPACE, SOURCE_PORT = "kgen-pod", "default", 9000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def read_from_socket(port: int, total: int) -> float:
    """Seconds to receive ``total`` bytes from port 9000 through a local forwarded socket."""
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(f"{total}\n".encode())
        got = 0
        while got < total:
            data = sock.recv(1 << 20)
            if not data:
                raise RuntimeError(f"the forwarded connection ended after {got} of {total} bytes")
            got += len(data)
    return time.perf_counter() - start


async def kgen_results(kubeconfig: Path, total: int, rounds: int) -> dict[str, float]:
    from kgen.runtime import AsyncRESTClient, AsyncTransport, load_kubeconfig
    from kgen.runtime._async.streams import AsyncStreamClient

    config = load_kubeconfig(kubeconfig)
    config.qps, config.burst = 1000.0, 1000
    out: dict[str, float] = {}
    async with AsyncTransport(config) as transport:
        streams = AsyncStreamClient(AsyncRESTClient(transport))
        forward = streams.port_forward(NAMESPACE, POD)
        best = 0.0
        for _ in range(3):
            start = time.perf_counter()
            async with forward.stream(SOURCE_PORT) as stream:
                await stream.write(f"{total}\n".encode())
                got = 0
                while got < total:
                    data = await stream.read()
                    if not data:
                        raise RuntimeError("the stream ended early")
                    got += len(data)
            best = max(best, total / (time.perf_counter() - start) / 1e6)
        out["pf stream"] = best
        async with forward.listen(SOURCE_PORT) as listener:
            loop = asyncio.get_running_loop()
            times = [
                await loop.run_in_executor(None, read_from_socket, listener.port, total)
                for _ in range(3)
            ]
        out["pf socket"] = total / min(times) / 1e6
        whole = []
        for _ in range(rounds):
            start = time.perf_counter()
            result = await streams.exec(NAMESPACE, POD, ["echo", "x"])
            whole.append(time.perf_counter() - start)
            assert result.stdout == b"x\n"
        out["exec call ms"] = statistics.median(whole) * 1000
        lines = []
        async with streams.exec_session(NAMESPACE, POD, ["cat"], stdin=True) as session:
            for i in range(rounds):
                line = f"line {i}\n".encode()
                start = time.perf_counter()
                await session.write_stdin(line)
                got = b""
                while len(got) < len(line):
                    chunk = await session.read()
                    assert chunk is not None
                    got += chunk[1]
                lines.append(time.perf_counter() - start)
            await session.close_stdin()
            await session.wait()
        out["exec line ms"] = statistics.median(lines) * 1000
    return out


def kubectl_results(kubeconfig: Path, total: int, rounds: int) -> dict[str, float]:
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    out: dict[str, float] = {}
    port = free_port()
    forward = subprocess.Popen(
        [str(KUBECTL), "port-forward", f"pod/{POD}", f"{port}:{SOURCE_PORT}", "--address=127.0.0.1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert forward.stdout is not None
        forward.stdout.readline()  # "Forwarding from 127.0.0.1:PORT -> 9000"
        times = [read_from_socket(port, total) for _ in range(3)]
        out["pf socket"] = total / min(times) / 1e6
    finally:
        forward.terminate()
        forward.wait()
    whole = []
    for _ in range(rounds):
        start = time.perf_counter()
        done = subprocess.run(
            [str(KUBECTL), "exec", POD, "--", "echo", "x"], env=env, capture_output=True, check=True
        )
        whole.append(time.perf_counter() - start)
        assert done.stdout == b"x\n"
    out["exec call ms"] = statistics.median(whole) * 1000
    cat = subprocess.Popen(
        [str(KUBECTL), "exec", "-i", POD, "--", "cat"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=0,
    )
    assert cat.stdin is not None and cat.stdout is not None
    lines = []
    try:
        for i in range(rounds):
            line = f"line {i}\n".encode()
            start = time.perf_counter()
            cat.stdin.write(line)
            got = b""
            while len(got) < len(line):
                got += cat.stdout.read(65536)  # unbuffered: what is there
            lines.append(time.perf_counter() - start)
    finally:
        cat.stdin.close()
        cat.wait(timeout=30)
    out["exec line ms"] = statistics.median(lines) * 1000
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path)
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args(argv)
    if not KUBECTL.exists():
        print(f"{KUBECTL} not found: run scripts/realcluster/build.sh first", file=sys.stderr)
        return 2
    temporary = None
    directory = args.dir
    if directory is None:
        temporary = tempfile.mkdtemp(prefix="kgen-streams-")
        directory = Path(temporary)
        subprocess.run([str(ROOT / "scripts/realcluster/start.sh"), temporary], check=True)
    try:
        kubeconfig = directory / "kubeconfig"
        total = args.megabytes * 1024 * 1024
        kubectl = kubectl_results(kubeconfig, total, args.rounds)
        kgen = asyncio.run(kgen_results(kubeconfig, total, args.rounds))
    finally:
        if temporary is not None:
            subprocess.run([str(ROOT / "scripts/realcluster/stop.sh"), temporary], check=False)
    print(f"{'':<26}{'kgen':>10}{'kubectl':>10}")
    rows = [
        ("port-forward stream MB/s", "pf stream"),
        ("port-forward socket MB/s", "pf socket"),
        ("exec echo, whole call ms", "exec call ms"),
        ("exec cat, one line ms", "exec line ms"),
    ]
    for label, key in rows:
        ours = f"{kgen[key]:.1f}" if key in kgen else "-"
        theirs = f"{kubectl[key]:.1f}" if key in kubectl else "-"
        print(f"{label:<26}{ours:>10}{theirs:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
