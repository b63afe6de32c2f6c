"""kgen's clients through a misbehaving proxy (helpers/faultproxy.py) in front of kgen.testing's server:
cut streams, stalls, redirects, 429/5xx storms, garbage and partial lines (issue 10, "keep it so").

Every request goes over loopback HTTP through kgen's unmodified transport; only the proxy misbehaves.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from example_client.clientset import Clientset
from example_client.informers import SharedInformerFactory
from example_client.models.core_v1 import ConfigMap
from helpers.faultproxy import Fault, FaultProxy

from kgen.runtime import (
    Config,
    ObjectMeta,
    Redirected,
    ServerError,
    TransportError,
    TransportTimeout,
)
from kgen.testing import APIServer

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


@pytest.fixture(scope="module")
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as api:
        yield api


@pytest.fixture
def proxy(server: APIServer) -> Iterator[FaultProxy]:
    proxy = FaultProxy(server.url)
    yield proxy
    proxy.close()


@pytest.fixture
def direct(server: APIServer) -> Iterator[Clientset]:
    with Clientset(Config(server=server.url, qps=0)) as cs:
        yield cs


@pytest.fixture
def through(proxy: FaultProxy) -> Iterator[Clientset]:
    with Clientset(Config(server=proxy.url, qps=0, timeout=10)) as cs:
        yield cs


def configmap(name: str, **data: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="default"), data=data or None)


def eventually(predicate: Callable[[], bool], what: str, patience: float = 20.0) -> None:
    deadline = time.monotonic() + patience
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.02)


@pytest.fixture
def clean(direct: Clientset) -> Iterator[None]:
    direct.core_v1.configmaps("default").delete_collection()
    yield
    direct.core_v1.configmaps("default").delete_collection()


# --- request-response calls ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", [429, 503])
def test_a_storm_of_answers_with_retry_after_is_ridden_out(
    clean: None, proxy: FaultProxy, through: Clientset, direct: Clientset, code: int
) -> None:
    direct.core_v1.configmaps("default").create(configmap("a"))
    proxy.add(Fault.status(code, {"Retry-After": "0"}, path=CONFIGMAPS, times=5))
    names = [
        c.metadata.name for c in through.core_v1.configmaps("default").list().items if c.metadata
    ]
    assert names == ["a"]
    assert proxy.done("GET", CONFIGMAPS, "status") == 5
    assert proxy.done("GET", CONFIGMAPS, "forwarded") == 1


def test_a_5xx_without_retry_after_is_an_error_not_a_retry(
    clean: None, proxy: FaultProxy, through: Clientset
) -> None:
    proxy.add(Fault.status(500, body=b"upstream exploded", path=CONFIGMAPS))
    with pytest.raises(ServerError, match="upstream exploded"):
        through.core_v1.configmaps("default").list()
    assert proxy.done("GET", CONFIGMAPS) == 1


def test_a_redirect_is_an_error_and_is_not_followed(
    clean: None, proxy: FaultProxy, through: Clientset
) -> None:
    proxy.add(Fault.status(307, {"Location": "https://elsewhere.example/"}, path=CONFIGMAPS))
    with pytest.raises(Redirected, match="a redirect to https://elsewhere.example/"):
        through.core_v1.configmaps("default").get("a")
    assert proxy.done("GET", CONFIGMAPS) == 1


def test_a_stalled_answer_times_out(proxy: FaultProxy) -> None:
    proxy.add(Fault.stall(path=CONFIGMAPS, times=100))
    with Clientset(Config(server=proxy.url, timeout=0.5)) as cs, pytest.raises(TransportTimeout):
        cs.core_v1.configmaps("default").get("a")
    # A GET is safe to repeat, so a few attempts were made; each one was bounded.
    assert 1 <= proxy.done("GET", CONFIGMAPS, "stall") <= 5


def test_an_answer_cut_mid_body_is_a_transport_error(
    clean: None, proxy: FaultProxy, through: Clientset, direct: Clientset
) -> None:
    for name in "abc":
        direct.core_v1.configmaps("default").create(configmap(name, text="x" * 1000))
    # The list answer is one JSON document; cutting "after line 0" drops it at its first newline.
    proxy.add(Fault.cut_after(0, path=CONFIGMAPS))
    with pytest.raises(TransportError):
        through.core_v1.configmaps("default").list()


def test_a_large_object_in_tiny_fragments_decodes_the_same(
    clean: None, proxy: FaultProxy, through: Clientset, direct: Clientset
) -> None:
    big = direct.core_v1.configmaps("default").create(configmap("big", text="y" * 200_000))
    proxy.add(Fault.fragment(7, path=CONFIGMAPS + "/big"))
    assert through.core_v1.configmaps("default").get("big") == big


# --- watches and informers ----------------------------------------------------------------------------


def test_watch_events_in_tiny_fragments_arrive_whole(
    clean: None, proxy: FaultProxy, through: Clientset, direct: Clientset
) -> None:
    configmaps = direct.core_v1.configmaps("default")
    listed = through.core_v1.configmaps("default").list()
    proxy.add(Fault.fragment(3, path=CONFIGMAPS, watch=True))
    configmaps.create(configmap("a", text="z" * 5000))
    configmaps.create(configmap("b"))
    with through.core_v1.configmaps("default").watch(
        resource_version=listed.metadata.resource_version, timeout_seconds=5  # type: ignore[union-attr]
    ) as events:
        seen = []
        for event in events:
            seen.append((event.type, event.object.metadata.name))  # type: ignore[union-attr]
            if len(seen) == 2:
                break
    assert seen == [("ADDED", "a"), ("ADDED", "b")]


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(Fault.garbage_after(3, path=CONFIGMAPS, watch=True), id="garbage-line"),
        pytest.param(Fault.partial_after(3, path=CONFIGMAPS, watch=True), id="partial-line"),
        pytest.param(Fault.cut_after(3, path=CONFIGMAPS, watch=True), id="cut-stream"),
    ],
)
def test_an_informer_watches_again_after_a_broken_watch_without_listing(
    clean: None, proxy: FaultProxy, through: Clientset, direct: Clientset, fault: Fault
) -> None:
    configmaps = direct.core_v1.configmaps("default")
    configmaps.create(configmap("a"))
    proxy.add(fault)
    with SharedInformerFactory(through, namespace="default") as factory:
        informer = factory.core_v1.configmaps.informer()
        lister = factory.core_v1.configmaps.lister()
        factory.start()
        factory.wait_for_cache_sync(timeout=20)
        # The informer's streaming list goes on as its watch: "a", the bookmark that ends the
        # initial events, then "b" are its first three lines, and the fault strikes after them.
        configmaps.create(configmap("b"))
        eventually(lambda: proxy.done("GET", CONFIGMAPS, fault.kind) == 1, "the fault struck")
        configmaps.create(configmap("c"))  # must arrive through a new watch
        eventually(
            lambda: sorted(c.metadata.name or "" for c in lister.list() if c.metadata)
            == ["a", "b", "c"],
            "the cache holds a, b and c",
        )
        metrics = informer.metrics
        assert metrics.syncs == 1, f"the broken stream caused a relist: {metrics}"
        assert metrics.watches >= 1
