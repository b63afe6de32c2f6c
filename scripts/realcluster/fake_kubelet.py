"""A fake kubelet for the real control plane: exec, attach and port-forward through kube-apiserver.

    python scripts/realcluster/fake_kubelet.py DIR [--port PORT] [--node NAME] [--pod NS/NAME ...]

DIR is a directory start.sh set up. The kubelet serves HTTPS on 127.0.0.1:PORT with DIR's server
certificate (its SAN is 127.0.0.1) and requires a client certificate from DIR's CA: kube-apiserver's
``--kubelet-client-certificate`` (start.sh passes it, with ``--kubelet-certificate-authority`` and
``--kubelet-preferred-address-types=InternalIP``). Once listening it creates (or replaces) the Node
NAME (default ``kgen-node``: address 127.0.0.1, kubelet port PORT, Ready) and the pods (default
``default/kgen-pod``, one container ``main``), bound to it and Running, then writes DIR/kubelet.port
and serves until SIGTERM.

What the pods do: :func:`kgen.testing.kubelet.demo_handlers` (cat, echo, exit N...; port 9000 sends
what it is asked for, 9001 echoes, nothing listens on the others).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
from pathlib import Path
from typing import Any

from kgen.runtime import AsyncRESTClient, AsyncTransport, load_kubeconfig
from kgen.runtime import NotFound
from kgen.testing.kubelet import SOURCE_PORT, FakeKubelet, demo_handlers


def server_context(directory: Path) -> ssl.SSLContext:
    pki = directory / "pki"
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "apiserver.crt", pki / "apiserver.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED  # kube-apiserver's --kubelet-client-certificate
    return context


def node_object(name: str, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": port}},
            "conditions": [
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "fake"}
            ],
        },
    }


def pod_object(namespace: str, name: str, node: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "nodeName": node,
            "containers": [
                {"name": "main", "image": "kgen/fake", "ports": [{"containerPort": SOURCE_PORT}]}
            ],
            "tolerations": [{"operator": "Exists"}],  # no eviction from a node without heartbeats
        },
    }


async def _replace(rest: AsyncRESTClient, path: str, body: dict[str, Any]) -> None:
    try:
        await rest.delete().abs_path(path).param("gracePeriodSeconds", "0").do()
    except NotFound:
        pass
    collection = path.rsplit("/", 1)[0]
    for _ in range(100):  # a pod being deleted still exists for a moment
        try:
            await rest.get().abs_path(path).do()
        except NotFound:
            break
        await asyncio.sleep(0.1)
    await rest.post().abs_path(collection).body(body).do()


async def register(rest: AsyncRESTClient, node: str, port: int, pods: list[str]) -> None:
    """The Node (address 127.0.0.1, kubelet port ``port``) and ``pods`` bound to it, Running."""
    await _replace(rest, f"/api/v1/nodes/{node}", node_object(node, port))
    status = node_object(node, port)["status"]
    await rest.patch_raw(f"/api/v1/nodes/{node}/status", {"status": status})
    for ref in pods:
        namespace, name = ref.split("/", 1)
        path = f"/api/v1/namespaces/{namespace}/pods/{name}"
        await _replace(rest, path, pod_object(namespace, name, node))
        running = {
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        }
        await rest.patch_raw(f"{path}/status", running)


class _REST(AsyncRESTClient):
    async def patch_raw(self, path: str, body: dict[str, Any]) -> None:
        request = self.verb("PATCH").abs_path(path).content_type("application/merge-patch+json")
        request._body = json.dumps(body).encode()
        await request.do()


async def serve(directory: Path, port: int, node: str, pods: list[str]) -> None:
    config = load_kubeconfig(directory / "kubeconfig")
    config.qps, config.burst = 100.0, 100
    async with AsyncTransport(config, package="fake-kubelet") as transport:
        rest = _REST(transport)

        async def get_pod(namespace: str, name: str) -> dict[str, Any] | None:
            try:
                result = await rest.get().namespace(namespace).resource("pods").name(name).do()
            except NotFound:
                return None
            found: dict[str, Any] = json.loads(result.body)
            return found

        kubelet = FakeKubelet(
            demo_handlers(), get_pod=get_pod, port=port, ssl_context=server_context(directory)
        )
        await kubelet.start()
        try:
            await register(rest, node, kubelet.port, pods)
            (directory / "kubelet.port").write_text(f"{kubelet.port}\n")
            print(f"fake kubelet on https://127.0.0.1:{kubelet.port}, node {node}", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            await kubelet.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--node", default="kgen-node")
    parser.add_argument("--pod", action="append", dest="pods")
    args = parser.parse_args(argv)
    if os.environ.get("KGEN_KUBELET_DEBUG"):
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(args.dir.resolve(), args.port, args.node, args.pods or ["default/kgen-pod"]))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.fspath(Path(__file__).resolve().parents[2]))
    sys.exit(main(sys.argv[1:]))
