"""kgen.runtime over HTTP/2 (``Config(http2=True)``, httpx with h2) against a real kube-apiserver
(TLS, so HTTP/2 is negotiated with ALPN).

The server: the one ``scripts/conformance.py`` points the suite at (``KGEN_CONFORMANCE_KUBECONFIG``,
or ``KGEN_CONFORMANCE_URL`` with ``KGEN_CONFORMANCE_TOKEN`` and ``KGEN_CONFORMANCE_CA``), else
one started here with ``scripts/realcluster/start.sh`` from the binaries that
``scripts/realcluster/build.sh`` caches. Without those binaries the tests are skipped, saying so:
kgen.testing speaks HTTP/1.1 only.

The HTTP version is read from httpx itself: event hooks on the runtime's own httpx client record,
for every answer, ``response.http_version`` and the connection it came over (the ``network_stream``
and ``stream_id`` extensions httpcore gives HTTP/2 answers). Nothing of the runtime's HTTP layer is
replaced.

Watches and followed logs go over HTTP/1.1 even with ``http2=True`` (see AsyncTransport): through
httpcore 1.0, a watch over HTTP/2 that the client closes stays open on the server (encode/httpcore#943)
and quiet watches stall the other requests of the connection. The last two tests hold the transport to
that: they fail when watches share the HTTP/2 connection.
"""

from __future__ import annotations

import asyncio
import base64
import os
import secrets
import sys
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from example_client.clientset import AsyncClientset, Clientset
from example_client.models.core_v1 import ConfigMap, Namespace

from kgen.runtime._config import Config, load_kubeconfig
from kgen.runtime._errors import NotFound
from kgen.runtime._meta import ObjectMeta

pytestmark = pytest.mark.conformance

ROOT = Path(__file__).resolve().parents[2]
REALCLUSTER = ROOT / "scripts" / "realcluster"
CONFORMANCE_KUBECONFIG = os.environ.get("KGEN_CONFORMANCE_KUBECONFIG")
CONFORMANCE_URL = os.environ.get("KGEN_CONFORMANCE_URL")

WAIT = 30  # seconds: a deadline against hangs, never a timing assertion
CONCURRENT = 20  # requests sent at once


# --- the server -----------------------------------------------------------------------------------


def _binaries() -> list[Path]:
    """The programs start.sh runs (same defaults and overrides as start.sh)."""
    cache = Path(
        os.environ.get("KGEN_REALCLUSTER_CACHE")
        or Path.home() / ".cache" / "kgen" / "kubernetes-1.20.2"
    )
    return [
        Path(os.environ.get("KGEN_KUBE_APISERVER") or cache / "bin" / "kube-apiserver"),
        Path(
            os.environ.get("KGEN_KUBE_CONTROLLER_MANAGER")
            or cache / "bin" / "kube-controller-manager"
        ),
        Path(os.environ.get("KGEN_ETCD") or "/usr/bin/etcd"),
    ]


def _kubeconfig_from_variables(path: Path) -> Path:
    """A kubeconfig for KGEN_CONFORMANCE_URL/TOKEN/CA."""
    cluster: dict[str, Any] = {"server": CONFORMANCE_URL}
    ca = os.environ.get("KGEN_CONFORMANCE_CA")
    if ca:
        cluster["certificate-authority-data"] = base64.b64encode(Path(ca).read_bytes()).decode()
    token = os.environ.get("KGEN_CONFORMANCE_TOKEN")
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "target", "cluster": cluster}],
        "users": [{"name": "target", "user": {"token": token} if token else {}}],
        "contexts": [{"name": "target", "context": {"cluster": "target", "user": "target"}}],
        "current-context": "target",
    }
    path.write_text(yaml.safe_dump(document))
    return path


@pytest.fixture(scope="module")
def real_kubeconfig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The kubeconfig of a real kube-apiserver: the conformance run's, else one started here."""
    if CONFORMANCE_KUBECONFIG:
        yield Path(CONFORMANCE_KUBECONFIG)
        return
    if CONFORMANCE_URL:
        yield _kubeconfig_from_variables(tmp_path_factory.mktemp("http2") / "kubeconfig")
        return
    missing = [str(path) for path in _binaries() if not os.access(path, os.X_OK)]
    if missing:
        pytest.skip(
            f"real kube-apiserver not available ({', '.join(missing)} missing): build it once with "
            "scripts/realcluster/build.sh, or point KGEN_CONFORMANCE_KUBECONFIG at a cluster"
        )
    directory = tmp_path_factory.mktemp("realcluster")
    try:
        started = subprocess.run(
            ["bash", str(REALCLUSTER / "start.sh"), str(directory)],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "KGEN_PYTHON": sys.executable},  # the fake kubelet's Python
        )
        assert started.returncode == 0, f"start.sh failed:\n{started.stderr[-4000:]}"
        yield directory / "kubeconfig"
    finally:
        subprocess.run(["bash", str(REALCLUSTER / "stop.sh"), str(directory)], capture_output=True)


@pytest.fixture
def config(real_kubeconfig: Path) -> Config:
    config = load_kubeconfig(real_kubeconfig)
    assert config.server.startswith("https://"), f"HTTP/2 needs TLS here (ALPN): {config.server}"
    config.http2 = True
    config.qps, config.burst = 1000.0, 1000  # the tests send bursts on purpose
    return config


@pytest.fixture
def namespace(config: Config) -> Iterator[str]:
    name = f"h2-{secrets.token_hex(4)}"
    with Clientset(config) as cs:
        cs.core_v1.namespaces().create(Namespace(metadata=ObjectMeta(name=name)))
        try:
            yield name
        finally:
            cs.core_v1.namespaces().delete(name)


# --- what went over the wire ----------------------------------------------------------------------


@dataclass
class Answer:
    """One answer as httpx received it."""

    method: str
    target: str  # path and query
    http_version: str
    connection: object  # httpcore's network stream: one object per TCP connection
    stream_id: int | None  # the HTTP/2 stream


def _answer(response: httpx.Response) -> Answer:
    request = response.request
    return Answer(
        method=request.method,
        target=request.url.raw_path.decode(),
        http_version=response.http_version,
        connection=response.extensions.get("network_stream"),
        stream_id=response.extensions.get("stream_id"),
    )


@dataclass
class Wire:
    """What the hooks saw: the answers, and the most requests sent and not yet answered at once."""

    answers: list[Answer]
    in_flight: int = 0
    peak: int = 0

    def sent(self, request: httpx.Request) -> None:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)

    def answered(self, response: httpx.Response) -> None:
        self.in_flight -= 1
        self.answers.append(_answer(response))


def record(transport: Any) -> tuple[httpx.Client, Wire]:
    """Hook into the sync transport's own httpx client, created as the first request would create it
    (a token credential carries no client certificate, so the transport keeps this one)."""
    client: httpx.Client = transport._client_for(None)[0]  # HTTP/2: the httpx client carries it
    wire = Wire([])
    client.event_hooks = {"request": [wire.sent], "response": [wire.answered]}
    return client, wire


async def arecord(transport: Any) -> tuple[httpx.AsyncClient, Wire]:
    """The same for the async transport."""
    client: httpx.AsyncClient = (await transport._client_for(None))[0]
    wire = Wire([])

    async def sent(request: httpx.Request) -> None:
        wire.sent(request)

    async def answered(response: httpx.Response) -> None:
        wire.answered(response)

    client.event_hooks = {"request": [sent], "response": [answered]}
    return client, wire


def assert_one_http2_connection(answers: list[Answer]) -> None:
    assert answers, "no answer recorded"
    versions = {(a.method, a.target.split("?")[0], a.http_version) for a in answers}
    assert {a.http_version for a in answers} == {"HTTP/2"}, sorted(versions)
    connections = {id(a.connection) for a in answers}
    assert len(connections) == 1, f"{len(connections)} connections: {answers}"
    stream_ids = [a.stream_id for a in answers]
    assert len(set(stream_ids)) == len(stream_ids), f"a stream id used twice: {stream_ids}"


def is_watch(answer: Answer) -> bool:
    return "watch=true" in answer.target


def configmap(name: str, **data: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name), data=data or None)


# --- sync -----------------------------------------------------------------------------------------


def test_sync_clientset_over_http2(config: Config, namespace: str) -> None:
    name = "settings"
    with Clientset(config) as cs:
        client, wire = record(cs.transport)
        configmaps = cs.core_v1.configmaps(namespace)

        assert cs.core_v1.namespaces().get(namespace).metadata.name == namespace
        listed = configmaps.list()
        assert listed.metadata is not None and listed.metadata.resource_version

        created = configmaps.create(configmap(name, a="1"))
        assert created.metadata.uid
        patched = configmaps.patch(name, {"data": {"b": "2"}})
        assert patched.data == {"a": "1", "b": "2"}
        assert configmaps.get(name).data == {"a": "1", "b": "2"}
        configmaps.delete(name, uid=created.metadata.uid)
        with pytest.raises(NotFound):
            configmaps.get(name)

        # A watch from the list's resourceVersion sees all three writes; the server ends it after
        # WAIT seconds at the latest, so a missing event fails the test instead of hanging it.
        events: list[tuple[str, str]] = []
        with configmaps.watch(
            resource_version=listed.metadata.resource_version,
            field_selector=f"metadata.name={name}",
            timeout_seconds=WAIT,
        ) as stream:
            for event in stream:
                if event.type == "BOOKMARK":
                    continue
                events.append((event.type, event.object.metadata.name))
                if event.type == "DELETED":
                    break
        assert events == [("ADDED", name), ("MODIFIED", name), ("DELETED", name)]

        assert cs.transport._client[0] is client, "the runtime replaced its httpx client"
    assert_one_http2_connection(wire.answers)
    assert {a.method for a in wire.answers} == {"GET", "POST", "PATCH", "DELETE"}
    # The watch streamed over HTTP/1.1, on a connection of its own (closing it ends the watch).
    assert [a.http_version for a in wire.answers if is_watch(a)] == []


# --- async ----------------------------------------------------------------------------------------


async def test_async_clientset_over_http2(config: Config, namespace: str) -> None:
    name = "settings"
    async with AsyncClientset(config) as cs:
        client, wire = await arecord(cs.transport)
        configmaps = cs.core_v1.configmaps(namespace)

        assert (await cs.core_v1.namespaces().get(namespace)).metadata.name == namespace
        listed = await configmaps.list()
        assert listed.metadata is not None and listed.metadata.resource_version

        created = await configmaps.create(configmap(name, a="1"))
        patched = await configmaps.patch(name, {"data": {"b": "2"}})
        assert patched.data == {"a": "1", "b": "2"}
        assert (await configmaps.get(name)).data == {"a": "1", "b": "2"}
        await configmaps.delete(name, uid=created.metadata.uid)
        with pytest.raises(NotFound):
            await configmaps.get(name)

        async def watched() -> list[tuple[str, str]]:
            events: list[tuple[str, str]] = []
            async with await configmaps.watch(
                resource_version=listed.metadata.resource_version,
                field_selector=f"metadata.name={name}",
                timeout_seconds=WAIT,
            ) as stream:
                async for event in stream:
                    if event.type == "BOOKMARK":
                        continue
                    events.append((event.type, event.object.metadata.name))
                    if event.type == "DELETED":
                        break
            return events

        events = await asyncio.wait_for(watched(), WAIT + 5)
        assert events == [("ADDED", name), ("MODIFIED", name), ("DELETED", name)]

        assert cs.transport._client[0] is client, "the runtime replaced its httpx client"
    assert_one_http2_connection(wire.answers)
    assert {a.method for a in wire.answers} == {"GET", "POST", "PATCH", "DELETE"}
    assert [a.http_version for a in wire.answers if is_watch(a)] == []


async def test_async_concurrent_requests_share_one_http2_connection(
    config: Config, namespace: str
) -> None:
    """Bursts of CONCURRENT requests at once: over HTTP/1.1 each request in flight needs a
    connection of its own; over HTTP/2 they are concurrent streams of one connection."""
    async with AsyncClientset(config) as cs:
        _, wire = await arecord(cs.transport)
        configmaps = cs.core_v1.configmaps(namespace)
        await configmaps.list()  # the connection is up before the bursts
        names = [f"cm-{i}" for i in range(CONCURRENT)]

        created = await asyncio.gather(*(configmaps.create(configmap(n, v="0")) for n in names))
        assert [c.metadata.name for c in created] == names
        patched = await asyncio.gather(*(configmaps.patch(n, {"data": {"v": "1"}}) for n in names))
        assert {p.data["v"] for p in patched if p.data} == {"1"} and len(patched) == CONCURRENT
        got = await asyncio.gather(
            *(configmaps.get(n) for n in names),
            *(configmaps.list() for _ in range(CONCURRENT // 4)),
            *(cs.core_v1.namespaces().get(namespace) for _ in range(CONCURRENT // 4)),
        )
        assert [g.metadata.name for g in got[:CONCURRENT]] == names
        await asyncio.gather(*(configmaps.delete(n) for n in names))
        remaining = await configmaps.list()
        assert not {item.metadata.name for item in remaining.items} & set(names)

    assert_one_http2_connection(wire.answers)
    assert len(wire.answers) == 2 + 4 * CONCURRENT + 2 * (CONCURRENT // 4)
    assert wire.peak > 1, f"never more than {wire.peak} request in flight"


# --- watches beside HTTP/2 requests ---------------------------------------------------------------

# More than kube-apiserver's SETTINGS_MAX_CONCURRENT_STREAMS (250 in 1.20: Go's default).
LEAKED = 300


async def test_async_watches_closed_by_the_client_do_not_use_up_the_connection(
    config: Config, namespace: str
) -> None:
    async with AsyncClientset(config) as cs:
        configmaps = cs.core_v1.configmaps(namespace)
        await configmaps.create(configmap("present"))
        for _ in range(LEAKED):
            # Without a resourceVersion the watch starts with an ADDED event for "present": read it,
            # then close the watch as a caller that found what it waited for does.
            stream = await configmaps.watch(timeout_seconds=WAIT)
            async with stream:
                event = await asyncio.wait_for(stream.__anext__(), WAIT)
                assert event.type == "ADDED"
        got = await asyncio.wait_for(configmaps.get("present"), WAIT)
        assert got.metadata.name == "present"


IDLE_WATCHES = 5  # quiet watches on the connection (3 are enough to see it)
STUCK = 10  # seconds: a request on loopback answers in milliseconds


async def test_async_requests_are_answered_while_watches_are_quiet(
    config: Config, namespace: str
) -> None:
    async with AsyncClientset(config) as cs:
        configmaps = cs.core_v1.configmaps(namespace)
        listed = await configmaps.list()
        assert listed.metadata is not None
        opened = [asyncio.Event() for _ in range(IDLE_WATCHES)]

        async def watch(index: int) -> None:
            # From before "marker" was created: the one event is its ADDED, then nothing.
            async with await configmaps.watch(
                resource_version=listed.metadata.resource_version, timeout_seconds=WAIT
            ) as stream:
                async for _ in stream:
                    opened[index].set()

        watchers = [asyncio.create_task(watch(i)) for i in range(IDLE_WATCHES)]
        try:
            await configmaps.create(configmap("marker"))
            try:
                await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), STUCK)
            except asyncio.TimeoutError:
                raise AssertionError(f"the watches' first event not read within {STUCK}s") from None
            # Every watch is open and has nothing more to send: once their readers are back on
            # the socket, plain requests.
            await asyncio.sleep(0.5)
            for attempt in range(3):
                try:
                    got = await asyncio.wait_for(cs.core_v1.namespaces().get(namespace), STUCK)
                except asyncio.TimeoutError:
                    raise AssertionError(
                        f"GET #{attempt + 1} not answered within {STUCK}s with {IDLE_WATCHES} "
                        "quiet watches open"
                    ) from None
                assert got.metadata.name == namespace
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
