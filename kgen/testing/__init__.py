"""kgen.testing: a Kubernetes API server in pure Python, for tests.

Start here::

    from kgen.testing import APIServer

    with APIServer.from_package("example_client") as server:
        server.url            # http://127.0.0.1:<port>
        server.kubeconfig(path)
        server.store          # the storage engine: seed and inspect objects directly
        server.faults         # fault injection: 429s, 500s, delays, closed watches, compaction

The pieces stand alone: :class:`Store` (objects, resourceVersions, history, watchers) and :class:`API`
(kube-apiserver's REST semantics over a store, without HTTP) serve an in-process fake clientset as well.
The pytest plugin (``kgen.testing.pytest_plugin``) provides ``kube_apiserver`` and ``kube_kubeconfig``.
``python -m kgen.testing`` serves one until interrupted.

Layers, bottom up: ``store`` (etcd + watch cache), ``registry`` (what is served), ``schema``/``validation``
(pruning, defaulting, validation), ``kinds`` (each kind's own rules), ``verbs`` (the verbs; ``api``
composes them), ``controllers`` (garbage collector, namespace lifecycle), ``crds``
(CustomResourceDefinitions at run time, built through ``inputs``), ``subresources``, ``watch`` (watch
sessions), ``discovery``/``definitions``/``openapi``/``tables`` (documents), ``paths`` + ``routes`` +
``http`` (HTTP/1.1 on asyncio and h11), ``faults``, ``server`` (:class:`APIServer`).

Where it knowingly differs from kube-apiserver:

- no admission webhooks, RBAC or API priority and fairness; authentication is "any token" unless a token
  or client certificates are required; CEL rules (``x-kubernetes-validations``) are not evaluated;
- built-in kinds get only the defaulting and validation kgen knows (names, labels, namespaces, pod
  status and QoS class, namespace finalizers); their typed decoding is replaced by schema pruning;
- the garbage collector and namespace controller run inline after each write instead of in
  kube-controller-manager, so their effects are visible by the next request; pods bound to a node
  delete gracefully and stay (deletionTimestamp set) until deleted again with gracePeriodSeconds=0;
- BOOKMARK objects carry only apiVersion, kind and metadata.resourceVersion (plus the
  initial-events-end annotation); bookmarks come every ``bookmark_interval`` (1 s) instead of ~1 min;
- ``as=Table`` shows Name, the CRD's printer columns and Age (not the built-in printers' columns);
- generation is set for custom resources, CRDs and the built-in workload kinds (as in 1.20; pods have
  none); JSON only (no protobuf, no CBOR), HTTP/1.1 only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kgen.testing.api import API
    from kgen.testing.response import Response
    from kgen.testing.errors import StatusError
    from kgen.testing.faults import FaultInjector
    from kgen.testing.registry import Registry, ResourceType
    from kgen.testing.server import APIServer
    from kgen.testing.store import Store, Watcher
    from kgen.testing.streaming import CommandFailed, ExecCall, PortConnection, StreamHandlers
    from kgen.testing.watch import WatchSession

__all__ = [
    "API",
    "APIServer",
    "CommandFailed",
    "ExecCall",
    "FaultInjector",
    "PortConnection",
    "Registry",
    "ResourceType",
    "Response",
    "StatusError",
    "Store",
    "StreamHandlers",
    "WatchSession",
    "Watcher",
]

_HOMES = {
    "API": "kgen.testing.api",
    "Response": "kgen.testing.response",
    "StatusError": "kgen.testing.errors",
    "APIServer": "kgen.testing.server",
    "FaultInjector": "kgen.testing.faults",
    "Registry": "kgen.testing.registry",
    "ResourceType": "kgen.testing.registry",
    "Store": "kgen.testing.store",
    "Watcher": "kgen.testing.store",
    "WatchSession": "kgen.testing.watch",
    "CommandFailed": "kgen.testing.streaming",
    "ExecCall": "kgen.testing.streaming",
    "PortConnection": "kgen.testing.streaming",
    "StreamHandlers": "kgen.testing.streaming",
}


def __getattr__(name: str) -> Any:
    # Imported on first use: the pytest plugin imports this package in every pytest run.
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
