"""Fixtures of the controller tests: kgen.testing's server with the example package's API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import random

import pytest

from kgen.runtime import Backoff, BackoffManager, Config, ReflectorOptions, load_kubeconfig
from kgen.testing import APIServer


@pytest.fixture
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as server:
        yield server


@pytest.fixture
def config(server: APIServer, tmp_path: Path) -> Config:
    return load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))


FAST = {
    "reflector_options": ReflectorOptions(min_watch_timeout=5, watch_list=False),
    "backoff_factory": lambda: BackoffManager(
        Backoff(steps=2**31 - 1, duration=0.005, factor=2.0, jitter=0.5, cap=0.05),
        rng=random.Random(0),
    ),
    "handle_signals": False,
    "shutdown_timeout": 5.0,
}
