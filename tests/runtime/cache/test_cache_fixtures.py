"""Helpers of the cache tests: servers, clientsets, fast backoff, a consistency-checking recorder.

Imported by the other test modules (``from test_cache_fixtures import ...``). The server can be swapped
for a real kube-apiserver in the tests that take ``cache_kubeconfig``: set ``KGEN_CONFORMANCE_KUBECONFIG``
(a kubeconfig path) or ``KGEN_CONFORMANCE_URL`` (with ``KGEN_CONFORMANCE_TOKEN``, ``KGEN_CONFORMANCE_CA``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from kgen.runtime import (
    Backoff,
    BackoffManager,
    DeletedFinalStateUnknown,
    ReflectorOptions,
    meta_namespace_key,
)
from kgen.runtime._cache.objects import resource_version_of
from kgen.runtime._cache.tombstone import final_state
from kgen.runtime._config import Config, load_kubeconfig
from kgen.testing import APIServer

CONFORMANCE_KUBECONFIG = os.environ.get("KGEN_CONFORMANCE_KUBECONFIG")
CONFORMANCE_URL = os.environ.get("KGEN_CONFORMANCE_URL")
REAL_SERVER = bool(CONFORMANCE_KUBECONFIG or CONFORMANCE_URL)

# Generous: these are deadlines for waiting on real behaviour, never timing assertions.
WAIT = 30.0


def start_server(**options: Any) -> APIServer:
    """A kgen.testing server for the example package; bookmarks and RV waits made fast."""
    options.setdefault("bookmark_interval", 0.05)
    options.setdefault("rv_wait", 0.05)
    return APIServer.from_package("example_client", **options).start()


def config_for(server: APIServer, directory: Path) -> Config:
    config = load_kubeconfig(server.kubeconfig(directory / f"kubeconfig-{secrets.token_hex(4)}"))
    config.qps, config.burst = 1000.0, 1000
    return config


def clientset_for(config: Config, **transport_options: Any) -> Any:
    from example_client.clientset import AsyncClientset

    return AsyncClientset(config, **transport_options)


def fast_backoff(seed: int = 0) -> BackoffManager:
    schedule = Backoff(steps=2**31 - 1, duration=0.005, factor=2.0, jitter=0.5, cap=0.05)
    return BackoffManager(schedule, rng=random.Random(seed))


def fast_options(**overrides: Any) -> ReflectorOptions:
    values: dict[str, Any] = {"min_watch_timeout": 5.0, "idle_margin": 2.0}
    values.update(overrides)
    return ReflectorOptions(**values)


async def eventually(
    condition: Callable[[], bool | Awaitable[bool]],
    what: str = "the condition",
    timeout: float = WAIT,
) -> None:
    """Wait until ``condition()`` holds (a deadline against hangs, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout}s")
        await asyncio.sleep(0.01)


def rv(obj: Any) -> int:
    return int(resource_version_of(final_state(obj)) or 0)


class Recorder:
    """A handler that records every notification and checks, as it goes, that the sequence per key
    is consistent: no add of a present key, no update or delete of an absent one, ``old`` is what
    this handler last saw, and resourceVersions never go back (unless ``allow_rv_reset``)."""

    def __init__(self, name: str = "recorder") -> None:
        self.name = name
        self.events: list[tuple[str, str, int, bool]] = []  # (kind, key, rv, initial/tombstone)
        self.state: dict[str, int] = {}
        self.violations: list[str] = []
        self.allow_rv_reset = False

    def _violation(self, text: str) -> None:
        if len(self.violations) < 50:
            self.violations.append(text)

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        key = meta_namespace_key(obj)
        if key in self.state:
            self._violation(f"add of {key} which is present")
        self.state[key] = rv(obj)
        self.events.append(("add", key, rv(obj), is_in_initial_list))

    def on_update(self, old: Any, new: Any) -> None:
        key = meta_namespace_key(new)
        seen = self.state.get(key)
        if seen is None:
            self._violation(f"update of {key} which is absent")
        else:
            if rv(old) != seen:
                self._violation(f"update of {key}: old at {rv(old)}, last seen {seen}")
            if rv(new) < seen and not self.allow_rv_reset:
                self._violation(f"update of {key} went back from {seen} to {rv(new)}")
        self.state[key] = rv(new)
        self.events.append(("update", key, rv(new), False))

    def on_delete(self, obj: Any) -> None:
        tombstone = isinstance(obj, DeletedFinalStateUnknown)
        key = obj.key if tombstone else meta_namespace_key(obj)
        if key not in self.state:
            self._violation(f"delete of {key} which is absent")
        self.state.pop(key, None)
        self.events.append(("delete", key, rv(obj), tombstone))

    def kinds(self) -> list[str]:
        return [kind for kind, *_ in self.events]


class AsyncRecorder(Recorder):
    """The same, with coroutine methods (handlers may be either)."""

    async def on_add(self, obj: Any, is_in_initial_list: bool) -> None:  # type: ignore[override]
        super().on_add(obj, is_in_initial_list)

    async def on_update(self, old: Any, new: Any) -> None:  # type: ignore[override]
        super().on_update(old, new)

    async def on_delete(self, obj: Any) -> None:  # type: ignore[override]
        super().on_delete(obj)


def write_conformance_kubeconfig(path: Path) -> Path:
    """A kubeconfig for KGEN_CONFORMANCE_URL/TOKEN/CA (the API tests' variables)."""
    cluster: dict[str, Any] = {"server": CONFORMANCE_URL}
    ca = os.environ.get("KGEN_CONFORMANCE_CA")
    if ca:
        cluster["certificate-authority-data"] = base64.b64encode(Path(ca).read_bytes()).decode()
    user: dict[str, Any] = {}
    token = os.environ.get("KGEN_CONFORMANCE_TOKEN")
    if token:
        user["token"] = token
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "target", "cluster": cluster}],
        "users": [{"name": "target", "user": user}],
        "contexts": [{"name": "target", "context": {"cluster": "target", "user": "target"}}],
        "current-context": "target",
    }
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture
def cache_kubeconfig(tmp_path: Path) -> Iterator[Path]:
    """A kubeconfig: a real server's when the conformance variables say so, else kgen.testing's."""
    if CONFORMANCE_KUBECONFIG:
        yield Path(CONFORMANCE_KUBECONFIG)
        return
    if CONFORMANCE_URL:
        yield write_conformance_kubeconfig(tmp_path / "kubeconfig")
        return
    server = start_server()
    try:
        yield server.kubeconfig(tmp_path / "kubeconfig")
    finally:
        server.stop()


@contextlib.asynccontextmanager
async def running(*informers: Any) -> AsyncIterator[None]:
    """Start informers and stop them whatever happens."""
    for informer in informers:
        informer.start()
    try:
        yield
    finally:
        for informer in informers:
            await informer.stop()
