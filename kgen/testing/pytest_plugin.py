"""pytest fixtures for tests against kgen.testing (registered through the ``pytest11`` entry point).

Every pytest run of anyone who installs kgen imports this module, so it imports nothing heavy: the
server is imported when a fixture first runs.

- ``kgen_apiserver_options``: keyword arguments of :class:`~kgen.testing.APIServer`; override it to
  serve a package (``{"package": "my_client"}``, plus CRD files to install with ``"crds": [...]``),
  specs or CRD files (``{"specs": [...], "crds": [...]}``), or to change the history, TLS or token.
- ``kube_apiserver``: a running server, one per test.
- ``kube_kubeconfig``: the path of a kubeconfig file for it.
- ``kube_config``: a :class:`kgen.runtime.Config` for it (not rate limited):
  ``async with AsyncClientset(kube_config) as cs`` in an async test.
- ``kube_connect``: a :class:`KubeConnect`; ``kube_connect(Clientset)`` is your package's
  ``Clientset`` connected to the server, typed as the class you give (closed after the test).
- ``kube_clientset``: the ``Clientset`` of the served package (``{"package": ...}`` in the options),
  connected to the server over HTTP; untyped, since the package is chosen at run time.

Typed, a test reads::

    from my_client.clientset import Clientset
    from kgen.testing.pytest_plugin import KubeConnect

    def test_it(kube_connect: KubeConnect) -> None:
        cs = kube_connect(Clientset)            # a my_client Clientset, for the type checker too
        cs.core_v1.configmaps("default").list()
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pytest

if TYPE_CHECKING:
    from kgen.runtime import ClientsetBase, Config
    from kgen.testing.server import APIServer

__all__ = [
    "KubeConnect",
    "kgen_apiserver_options",
    "kube_apiserver",
    "kube_clientset",
    "kube_config",
    "kube_connect",
    "kube_kubeconfig",
]

C = TypeVar("C", bound="ClientsetBase")


class KubeConnect:
    """Connects clientsets to ``kube_apiserver``: ``kube_connect(Clientset)`` gives an instance of the
    class given (a generated package's ``Clientset``), closed when the test ends.

    An ``AsyncClientset`` belongs to the test's event loop: build it in the test from ``kube_config``
    (``async with AsyncClientset(kube_config) as cs``)."""

    def __init__(self, config: Callable[[], Config]) -> None:
        self._config = config
        self._opened: list[ClientsetBase] = []

    def __call__(self, clientset: type[C]) -> C:
        client = clientset(self._config())
        self._opened.append(client)
        return client

    def close(self) -> None:
        while self._opened:
            self._opened.pop().close()


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


def _config_for(kubeconfig: Path) -> Config:
    from kgen.runtime import load_kubeconfig

    config = load_kubeconfig(kubeconfig)
    config.qps = 0  # tests are not throttled
    return config


@pytest.fixture
def kube_config(kube_kubeconfig: Path) -> Config:
    """A :class:`kgen.runtime.Config` for ``kube_apiserver`` (no rate limiting)."""
    return _config_for(kube_kubeconfig)


@pytest.fixture
def kube_connect(kube_kubeconfig: Path) -> Iterator[KubeConnect]:
    """``kube_connect(Clientset)``: your ``Clientset`` class, connected to ``kube_apiserver`` and typed."""
    connect = KubeConnect(lambda: _config_for(kube_kubeconfig))
    try:
        yield connect
    finally:
        connect.close()


@pytest.fixture
def kube_clientset(
    kube_apiserver: APIServer, kube_kubeconfig: Path, kgen_apiserver_options: dict[str, Any]
) -> Iterator[Any]:
    """The generated package's ``Clientset``, connected to ``kube_apiserver`` (no rate limiting).

    Typed as ``Any``: the package is named at run time. ``kube_connect(Clientset)`` is the typed way.
    """
    import importlib

    package = kgen_apiserver_options.get("package")
    if package is None:
        raise pytest.UsageError(
            "kube_clientset needs a generated package: override kgen_apiserver_options to return "
            '{"package": "<your package>"}'
        )
    clientset = importlib.import_module(f"{package}.clientset").Clientset
    with clientset(_config_for(kube_kubeconfig)) as client:
        yield client
