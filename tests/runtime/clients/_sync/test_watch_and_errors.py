# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Watch streams, resumption, typed errors, retries and client-side rate limiting, over real HTTP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime._sync.transport import Transport
from kgen.runtime._config import Config, load_kubeconfig
from kgen.runtime._errors import (
    Expired,
    Forbidden,
    NotFound,
    ResourceNotServed,
    ServerError,
    TooManyRequests,
)
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._ratelimit import TokenBucket
from kgen.runtime._request import RequestSpec
from kgen.testing import APIServer


def configmap(name: str, value: str = "v") -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name), data={"k": value})


def test_watch_streams_typed_events_in_order(cs: Clientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    listed = configmaps.list()
    start = listed.metadata.resource_version  # type: ignore[union-attr]
    created = configmaps.create(configmap("a"))
    created.data = {"k": "changed"}
    configmaps.update(created)
    configmaps.delete("a")
    events = []
    with configmaps.watch(resource_version=start, timeout_seconds=2) as stream:
        for event in stream:
            if event.type != "BOOKMARK":
                events.append((event.type, event.object.metadata.name, (event.object.data or {}).get("k")))  # type: ignore[union-attr]
            if len(events) == 3:
                break
    assert events == [
        ("ADDED", "a", "v"),
        ("MODIFIED", "a", "changed"),
        ("DELETED", "a", "changed"),
    ]
    assert stream.resource_version is not None and int(stream.resource_version) > int(start)  # type: ignore[arg-type]


def test_watch_resumes_from_a_resource_version(cs: Clientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    first = configmaps.create(configmap("first"))
    resume_at = first.metadata.resource_version  # type: ignore[union-attr]
    configmaps.create(configmap("second"))
    configmaps.create(configmap("third"))
    seen = []
    with configmaps.watch(resource_version=resume_at, timeout_seconds=2) as stream:
        for event in stream:
            if event.type == "ADDED":
                seen.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(seen) == 2:
                break
    assert seen == ["second", "third"]  # only what happened after the resourceVersion


def test_watch_from_reconnects_when_the_server_ends_the_stream(
    cs: Clientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    start = (configmaps.list()).metadata.resource_version  # type: ignore[union-attr]
    for index in range(6):
        configmaps.create(configmap(f"cm-{index}"))
    api_server.faults.close_watches_after(2, count=2)
    try:
        names = []
        for event in configmaps.watch_from(start):  # type: ignore[arg-type]
            names.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(names) == 6:
                break
    finally:
        api_server.faults.clear()
    assert names == [f"cm-{index}" for index in range(6)]  # nothing lost, nothing repeated


def test_watch_from_retries_server_errors_and_raises_the_rest(
    cs: Clientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    start = (configmaps.list()).metadata.resource_version  # type: ignore[union-attr]
    for index in range(3):
        configmaps.create(configmap(f"cm-{index}"))
    # client-go's RetryWatcher retries 5xx answers; 403 and 410 are for the caller.
    api_server.faults.fail(1, code=500, verb="watch").fail(1, code=504, verb="watch")
    try:
        names = []
        for event in configmaps.watch_from(start, min_restart_delay=0.01):  # type: ignore[arg-type]
            names.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(names) == 3:
                break
        assert names == ["cm-0", "cm-1", "cm-2"]
        api_server.faults.fail(1, code=403, verb="watch")
        with pytest.raises(Forbidden):
            for _ in configmaps.watch_from(start, min_restart_delay=0.01):  # type: ignore[arg-type]
                pass
    finally:
        api_server.faults.clear()


def test_a_quiet_watch_outlives_the_request_timeout(config: Config, namespace: str) -> None:
    """Config.timeout bounds requests, not the silence between watch events."""
    with Clientset(dataclasses.replace(config, timeout=0.5)) as cs:
        configmaps = cs.core_v1.configmaps(namespace)
        start = (configmaps.list()).metadata.resource_version
        events = []
        with configmaps.watch(
            resource_version=start, timeout_seconds=2, allow_watch_bookmarks=False
        ) as stream:
            for event in stream:  # nothing happens: the server ends the watch after 2 s
                events.append(event)
        assert events == []


def test_a_too_old_resource_version_raises_expired(
    cs: Clientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    old = (configmaps.create(configmap("old"))).metadata.resource_version  # type: ignore[union-attr]
    configmaps.create(configmap("newer"))
    api_server.faults.compact()
    with pytest.raises(Expired) as info:
        with configmaps.watch(resource_version=old, timeout_seconds=2) as stream:
            for _ in stream:
                pass
    assert info.value.code == 410
    # Named like every other API error: the request it answered.
    assert info.value.method == "GET" and "watch=true" in str(info.value)


def test_bookmarks_and_streaming_initial_events(cs: Clientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    configmaps.create(configmap("x"))
    configmaps.create(configmap("y"))
    added = []
    with configmaps.watch(send_initial_events=True, timeout_seconds=5) as stream:
        for event in stream:
            if event.type == "ADDED":
                added.append(event.object.metadata.name)  # type: ignore[union-attr]
            if event.initial_events_end:
                break
    assert sorted(added) == ["x", "y"]


def test_retry_after_is_honoured_on_429_and_5xx(
    cs: Clientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    configmaps.create(configmap("a"))
    before = cs.transport.retries
    api_server.faults.throttle(2, retry_after=0, path=f"/namespaces/{namespace}/")
    api_server.faults.fail(1, code=503, retry_after=0, path=f"/namespaces/{namespace}/")
    try:
        got = configmaps.get("a")
    finally:
        api_server.faults.clear()
    assert got.metadata.name == "a"  # type: ignore[union-attr]
    assert cs.transport.retries - before == 3
    # A 500 without Retry-After is not retried: it surfaces as a typed error.
    api_server.faults.fail(1, code=500, path=f"/namespaces/{namespace}/")
    try:
        with pytest.raises(ServerError) as info:
            configmaps.get("a")
    finally:
        api_server.faults.clear()
    assert info.value.code == 500


def test_retries_are_bounded(config: Config, namespace: str, api_server: APIServer) -> None:
    from example_client.clientset import Clientset as Clientset

    with Clientset(config, max_retries=2) as cs:
        api_server.faults.throttle(10, retry_after=0, path=f"/namespaces/{namespace}/")
        try:
            with pytest.raises(TooManyRequests) as info:
                cs.core_v1.configmaps(namespace).list()
        finally:
            api_server.faults.clear()
        assert cs.transport.retries == 2
        assert info.value.retry_after == 0


def test_client_side_rate_limiting_by_counting(config: Config, namespace: str) -> None:
    now = [0.0]
    bucket = TokenBucket(qps=5, burst=10, clock=lambda: now[0])
    delays = [bucket.reserve() for _ in range(15)]
    assert delays[:10] == [0.0] * 10
    assert delays[10:] == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    now[0] = 100.0  # long idle: the bucket refills to the burst, not beyond
    assert [bucket.reserve() for _ in range(10)] == [0.0] * 10
    assert bucket.reserve() == pytest.approx(0.2)

    # Through a clientset: 12 requests on a frozen clock with burst 10 wait exactly twice.
    frozen = TokenBucket(qps=1000, burst=10, clock=lambda: 0.0)
    with Clientset(config, rate_limiter=frozen) as cs:
        for _ in range(12):
            cs.core_v1.configmaps(namespace).list()
    assert frozen.waits == 2
    assert TokenBucket(qps=0, burst=0).unlimited  # switched off
    with pytest.raises(ValueError):
        TokenBucket(qps=5, burst=0)


def test_impersonation_extra_keys_are_escaped_as_client_go_does(config: Config) -> None:
    config = dataclasses.replace(config, impersonate_extra={"example.org/scopes": ["a", "b"]})
    with Transport(config) as transport:
        # noqa: SLF001 - the header names are what is checked
        _, request = transport._build(RequestSpec("GET", "/version"), None)
    assert request.headers.get_list("Impersonate-Extra-example.org%2Fscopes") == ["a", "b"]


def test_user_agent_names_kgen_and_the_package(config: Config) -> None:
    with Transport(config, package="example_client") as transport:
        # noqa: SLF001 - the header is what is checked
        _, request = transport._build(RequestSpec("GET", "/version"), None)
    agent = request.headers["User-Agent"]
    assert agent.startswith("kgen/") and agent.endswith("example_client")


def test_a_resource_the_server_does_not_serve_is_resource_not_served(
    tmp_path: Path,
) -> None:
    """A missing CRD is not a missing object: ``except NotFound: create()`` then fails loudly."""
    with APIServer() as bare:  # serves namespaces only: no Widget CRD
        config = load_kubeconfig(bare.kubeconfig(tmp_path / "config"))
        with Clientset(config) as cs:
            widgets = cs.example_kgen_io_v1.widgets("default")
            with pytest.raises(ResourceNotServed) as caught:
                widgets.get("w")
            assert isinstance(caught.value, NotFound)
            assert "CustomResourceDefinition installed" in str(caught.value)
            with pytest.raises(ResourceNotServed):
                widgets.create(Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(color="red")))
        with Clientset(config) as cs:
            with pytest.raises(NotFound) as missing:
                cs.core_v1.namespaces().get("no-such-namespace")
            assert type(missing.value) is NotFound  # a missing object is a plain NotFound
