"""A kgen.testing API server serving the generated default package, shared by the client tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kgen.runtime._config import Config, load_kubeconfig
from kgen.testing import APIServer


@pytest.fixture(scope="session")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as server:
        yield server


@pytest.fixture(scope="session")
def kubeconfig_path(api_server: APIServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return api_server.kubeconfig(tmp_path_factory.mktemp("kube") / "config")


@pytest.fixture
def config(kubeconfig_path: Path) -> Config:
    # Tests make many calls: client-go's 5 QPS would only make them slow.
    config = load_kubeconfig(kubeconfig_path)
    config.qps, config.burst = 1000.0, 1000
    return config
