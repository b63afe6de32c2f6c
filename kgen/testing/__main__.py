"""``python -m kgen.testing``: serve a test API server until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kgen.testing", description="Serve a Kubernetes API server for tests."
    )
    parser.add_argument("--package", help="serve the model embedded in this generated package")
    parser.add_argument("--spec", action="append", default=[], help="OpenAPI file or directory")
    parser.add_argument("--crd", action="append", default=[], help="CRD file or directory")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (the default)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a fresh CA")
    parser.add_argument("--token", help="require this bearer token")
    parser.add_argument("--history", type=int, default=1000, help="events kept for watches")
    parser.add_argument("--kubeconfig", type=Path, help="write a kubeconfig for the server here")
    parser.add_argument(
        "--seed",
        action="append",
        default=[],
        type=Path,
        help="objects to create at start (JSON or YAML: one object, a List, or a stream)",
    )
    args = parser.parse_args(argv)
    from kgen.apimodel.serialize import FormatError
    from kgen.testing.inputs import KgenError

    try:
        return _serve(parser, args)
    except (KgenError, FormatError) as exc:
        parser.exit(2, f"{parser.prog}: error: {exc}\n")


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from kgen.testing.server import APIServer

    options = dict(
        history=args.history, tls=args.tls, token=args.token, host=args.host, port=args.port
    )
    if args.package:
        if args.spec:
            parser.error("--package and --spec cannot be combined")
        from kgen.testing.inputs import read_crd_files

        crds = read_crd_files(args.crd)
        try:
            server = APIServer.from_package(args.package, crds=crds, **options)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (args.package + ".").startswith(exc.name + "."):
                raise
            parser.exit(
                2,
                f"{parser.prog}: error: cannot import the package {args.package!r}: put the directory "
                "that holds it on PYTHONPATH (the default output is `generated`)\n",
            )
    else:
        server = APIServer.from_inputs(specs=args.spec, crds=args.crd, **options)
    for path in args.seed:
        seeded = _seed(server, path)
        print(f"seeded {seeded} object(s) from {path}", flush=True)
    _tune_gc()
    server.start()
    print(f"kgen.testing API server listening on {server.url}", flush=True)
    if args.kubeconfig:
        server.kubeconfig(args.kubeconfig)
        print(f"kubeconfig written to {args.kubeconfig}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    server.stop()
    return 0


def _tune_gc() -> None:
    """The server process keeps what it has loaded (the API model, the seeded objects) for its
    whole life, and the objects it stores for long: the cycle collector need not walk them over
    and over. Frozen, they are out of its way; with a larger first generation, the collector runs
    less often while requests allocate (a full collection walks every stored object)."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


def _seed(server: object, path: Path) -> int:
    """Create the objects of a file through the API (namespaces are created as needed)."""
    import json

    import yaml

    import kgen.runtime._yamlsafe as yamlsafe
    from kgen.testing.inputs import KgenError
    from kgen.testing.errors import StatusError

    try:
        text = path.read_text(encoding="utf-8")
        documents = json.loads(text) if path.suffix == ".json" else list(yamlsafe.load_all(text))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise KgenError(f"--seed {path}: {exc}") from exc
    if isinstance(documents, dict):
        documents = (
            documents.get("items", [documents])
            if documents.get("kind", "").endswith("List")
            else [documents]
        )
    api, registry = server.api, server.registry  # type: ignore[attr-defined]
    namespaces = registry.get("", "v1", "namespaces")
    count = 0
    for index, body in enumerate(documents):
        if not body:
            continue
        where = f"--seed {path} (object {index})"
        if not isinstance(body, dict):
            raise KgenError(f"{where}: not a Kubernetes object")
        rt = registry.for_kind(body.get("apiVersion", ""), body.get("kind", ""))
        if rt is None:
            raise KgenError(
                f"{where}: this server does not serve {body.get('apiVersion')} {body.get('kind')}"
            )
        # Like kubectl create -f: a namespaced object without a namespace goes to "default".
        namespace = (
            ((body.get("metadata") or {}).get("namespace") or "default") if rt.namespaced else None
        )
        if namespace and namespaces is not None:
            try:
                api.create(
                    namespaces,
                    None,
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
                )
            except StatusError:
                pass  # exists
        try:
            api.create(rt, namespace, body)
        except StatusError as exc:
            raise KgenError(f"{where}: {exc}") from exc
        count += 1
    return count


if __name__ == "__main__":
    sys.exit(main())
