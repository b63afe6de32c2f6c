"""pytest fixtures for tests against kgen.testing (registered through the ``pytest11`` entry point).

Every pytest run of anyone who installs kgen imports this module, so it imports nothing heavy: the
server is imported when a fixture first runs.

- ``kgen_apiserver_options``: keyword arguments of :class:`~kgen.testing.APIServer`; override it to
  serve a package (``{"package": "my_client"}``, plus CRD files to install with ``"crds": [...]``),
  specs or CRD files (``{"specs": [...], "crds": [...]}``), or to change the history, TLS or token.
- ``kube_apiserver``: a running server, one per test.
- ``kube_kubeconfig``: the path of a kubeconfig file for it.
- ``kube_clientset``: the ``Clientset`` of the served package (``{"package": ...}`` in the options),
  connected to the server over HTTP.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kgen.testing.server import APIServer

__all__ = ["kgen_apiserver_options", "kube_apiserver", "kube_clientset", "kube_kubeconfig"]


@pytest.fixture
def kgen_apiserver_options() -> dict[str, Any]:
    """Options of the ``kube_apiserver`` fixture; override to choose what it serves."""
    return {}


@pytest.fixture
def kube_apiserver(kgen_apiserver_options: dict[str, Any]) -> Iterator[APIServer]:
    """A running kgen.testing API server."""
    from kgen.testing.server import APIServer

    options = dict(kgen_apiserver_options)
    package = options.pop("package", None)
    specs = options.pop("specs", ())
    crds = options.pop("crds", ())
    if package is not None:
        if specs:
            raise pytest.UsageError(
                "kgen_apiserver_options: give a package or specs, not both (a package serves its own "
                "API model; add CRD files with crds)"
            )
        # CRD files next to a package are installed as if created at run time (kubectl apply -f).
        from kgen.ingest import read_inputs

        installed = [doc.crd for doc in read_inputs(crds=[Path(p) for p in crds]).crds]
        server = APIServer.from_package(package, crds=installed, **options)
    elif specs or crds:
        server = APIServer.from_inputs(specs=specs, crds=crds, **options)
    else:
        server = APIServer(options.pop("model", None), **options)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def kube_kubeconfig(kube_apiserver: APIServer, tmp_path: Path) -> Path:
    """A kubeconfig file pointing at ``kube_apiserver``."""
    return kube_apiserver.kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def kube_clientset(
    kube_apiserver: APIServer, kube_kubeconfig: Path, kgen_apiserver_options: dict[str, Any]
) -> Iterator[Any]:
    """The generated package's ``Clientset``, connected to ``kube_apiserver`` (no rate limiting)."""
    import importlib

    from kgen.runtime._config import load_kubeconfig

    package = kgen_apiserver_options.get("package")
    if package is None:
        raise pytest.UsageError(
            "kube_clientset needs a generated package: override kgen_apiserver_options to return "
            '{"package": "<your package>"}'
        )
    clientset = importlib.import_module(f"{package}.clientset").Clientset
    config = load_kubeconfig(kube_kubeconfig)
    config.qps = 0  # tests are not throttled
    with clientset(config) as client:
        yield client
