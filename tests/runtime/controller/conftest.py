"""Fixtures of the controller tests: kgen.testing's server with the example package's API."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import random

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


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 20.0) -> Any:
    """Poll ``check`` until it returns something truthy without raising."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: BaseException | None = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            result = await check()
            if result:
                return result
        except Exception as exc:  # noqa: BLE001 - the last failure is reported
            last = exc
        await asyncio.sleep(0.05)
    raise AssertionError(f"condition not met in {timeout}s: {last!r}")
