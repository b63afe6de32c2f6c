"""pytest fixtures for tests against kgen.testing (registered through the ``pytest11`` entry point).

Every pytest run of anyone who installs kgen imports this module, so it imports nothing heavy: the
server is imported when a fixture first runs.

- ``kgen_apiserver_options``: keyword arguments of :class:`~kgen.testing.APIServer`; override it to
  serve a package (``{"package": "my_client"}``), specs or CRD files (``{"specs": [...], "crds":
  [...]}``), or to change the history, TLS or token.
- ``kube_apiserver``: a running server, one per test.
- ``kube_kubeconfig``: the path of a kubeconfig file for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from kgen.testing.server import APIServer

__all__ = ["kgen_apiserver_options", "kube_apiserver", "kube_kubeconfig"]


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
        server = APIServer.from_package(package, **options)
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


# The ``clientset`` fixture (a generated package's Clientset bound to ``kube_apiserver``) is added here
# by the lead once the runtime client exists.
