"""Watch streams, resumption, typed errors, retries and client-side rate limiting, over real HTTP."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime._async.transport import AsyncTransport
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


async def test_watch_streams_typed_events_in_order(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    listed = await configmaps.list()
    start = listed.metadata.resource_version  # type: ignore[union-attr]
    created = await configmaps.create(configmap("a"))
    created.data = {"k": "changed"}
    await configmaps.update(created)
    await configmaps.delete("a")
    events = []
    async with await configmaps.watch(resource_version=start, timeout_seconds=2) as stream:
        async for event in stream:
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


async def test_watch_resumes_from_a_resource_version(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    first = await configmaps.create(configmap("first"))
    resume_at = first.metadata.resource_version  # type: ignore[union-attr]
    await configmaps.create(configmap("second"))
    await configmaps.create(configmap("third"))
    seen = []
    async with await configmaps.watch(resource_version=resume_at, timeout_seconds=2) as stream:
        async for event in stream:
            if event.type == "ADDED":
                seen.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(seen) == 2:
                break
    assert seen == ["second", "third"]  # only what happened after the resourceVersion


async def test_watch_from_reconnects_when_the_server_ends_the_stream(
    cs: AsyncClientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    start = (await configmaps.list()).metadata.resource_version  # type: ignore[union-attr]
    for index in range(6):
        await configmaps.create(configmap(f"cm-{index}"))
    api_server.faults.close_watches_after(2, count=2)
    try:
        names = []
        async for event in configmaps.watch_from(start):  # type: ignore[arg-type]
            names.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(names) == 6:
                break
    finally:
        api_server.faults.clear()
    assert names == [f"cm-{index}" for index in range(6)]  # nothing lost, nothing repeated


async def test_watch_from_retries_server_errors_and_raises_the_rest(
    cs: AsyncClientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    start = (await configmaps.list()).metadata.resource_version  # type: ignore[union-attr]
    for index in range(3):
        await configmaps.create(configmap(f"cm-{index}"))
    # client-go's RetryWatcher retries 5xx answers; 403 and 410 are for the caller.
    api_server.faults.fail(1, code=500, verb="watch").fail(1, code=504, verb="watch")
    try:
        names = []
        async for event in configmaps.watch_from(start, min_restart_delay=0.01):  # type: ignore[arg-type]
            names.append(event.object.metadata.name)  # type: ignore[union-attr]
            if len(names) == 3:
                break
        assert names == ["cm-0", "cm-1", "cm-2"]
        api_server.faults.fail(1, code=403, verb="watch")
        with pytest.raises(Forbidden):
            async for _ in configmaps.watch_from(start, min_restart_delay=0.01):  # type: ignore[arg-type]
                pass
    finally:
        api_server.faults.clear()


async def test_a_quiet_watch_outlives_the_request_timeout(config: Config, namespace: str) -> None:
    """Config.timeout bounds requests, not the silence between watch events."""
    async with AsyncClientset(dataclasses.replace(config, timeout=0.5)) as cs:
        configmaps = cs.core_v1.configmaps(namespace)
        start = (await configmaps.list()).metadata.resource_version
        events = []
        async with await configmaps.watch(
            resource_version=start, timeout_seconds=2, allow_watch_bookmarks=False
        ) as stream:
            async for event in stream:  # nothing happens: the server ends the watch after 2 s
                events.append(event)
        assert events == []


async def test_a_too_old_resource_version_raises_expired(
    cs: AsyncClientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    old = (await configmaps.create(configmap("old"))).metadata.resource_version  # type: ignore[union-attr]
    await configmaps.create(configmap("newer"))
    api_server.faults.compact()
    with pytest.raises(Expired) as info:
        async with await configmaps.watch(resource_version=old, timeout_seconds=2) as stream:
            async for _ in stream:
                pass
    assert info.value.code == 410
    # Named like every other API error: the request it answered.
    assert info.value.method == "GET" and "watch=true" in str(info.value)


async def test_bookmarks_and_streaming_initial_events(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    await configmaps.create(configmap("x"))
    await configmaps.create(configmap("y"))
    added = []
    async with await configmaps.watch(send_initial_events=True, timeout_seconds=5) as stream:
        async for event in stream:
            if event.type == "ADDED":
                added.append(event.object.metadata.name)  # type: ignore[union-attr]
            if event.initial_events_end:
                break
    assert sorted(added) == ["x", "y"]


async def test_retry_after_is_honoured_on_429_and_5xx(
    cs: AsyncClientset, namespace: str, api_server: APIServer
) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    await configmaps.create(configmap("a"))
    before = cs.transport.retries
    api_server.faults.throttle(2, retry_after=0, path=f"/namespaces/{namespace}/")
    api_server.faults.fail(1, code=503, retry_after=0, path=f"/namespaces/{namespace}/")
    try:
        got = await configmaps.get("a")
    finally:
        api_server.faults.clear()
    assert got.metadata.name == "a"  # type: ignore[union-attr]
    assert cs.transport.retries - before == 3
    # A 500 without Retry-After is not retried: it surfaces as a typed error.
    api_server.faults.fail(1, code=500, path=f"/namespaces/{namespace}/")
    try:
        with pytest.raises(ServerError) as info:
            await configmaps.get("a")
    finally:
        api_server.faults.clear()
    assert info.value.code == 500


async def test_retries_are_bounded(config: Config, namespace: str, api_server: APIServer) -> None:
    from example_client.clientset import AsyncClientset as Clientset

    async with Clientset(config, max_retries=2) as cs:
        api_server.faults.throttle(10, retry_after=0, path=f"/namespaces/{namespace}/")
        try:
            with pytest.raises(TooManyRequests) as info:
                await cs.core_v1.configmaps(namespace).list()
        finally:
            api_server.faults.clear()
        assert cs.transport.retries == 2
        assert info.value.retry_after == 0


async def test_client_side_rate_limiting_by_counting(config: Config, namespace: str) -> None:
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
    async with AsyncClientset(config, rate_limiter=frozen) as cs:
        for _ in range(12):
            await cs.core_v1.configmaps(namespace).list()
    assert frozen.waits == 2
    assert TokenBucket(qps=0, burst=0).unlimited  # switched off
    with pytest.raises(ValueError):
        TokenBucket(qps=5, burst=0)


async def test_impersonation_extra_keys_are_escaped_as_client_go_does(config: Config) -> None:
    config = dataclasses.replace(config, impersonate_extra={"example.org/scopes": ["a", "b"]})
    async with AsyncTransport(config) as transport:
        # noqa: SLF001 - the header names are what is checked
        _, request = await transport._build(RequestSpec("GET", "/version"), None)
    assert request.headers.get_list("Impersonate-Extra-example.org%2Fscopes") == ["a", "b"]


async def test_user_agent_names_kgen_and_the_package(config: Config) -> None:
    async with AsyncTransport(config, package="example_client") as transport:
        # noqa: SLF001 - the header is what is checked
        _, request = await transport._build(RequestSpec("GET", "/version"), None)
    agent = request.headers["User-Agent"]
    assert agent.startswith("kgen/") and agent.endswith("example_client")


async def test_a_resource_the_server_does_not_serve_is_resource_not_served(
    tmp_path: Path,
) -> None:
    """A missing CRD is not a missing object: ``except NotFound: create()`` then fails loudly."""
    with APIServer() as bare:  # serves namespaces only: no Widget CRD
        config = load_kubeconfig(bare.kubeconfig(tmp_path / "config"))
        async with AsyncClientset(config) as cs:
            widgets = cs.example_kgen_io_v1.widgets("default")
            with pytest.raises(ResourceNotServed) as caught:
                await widgets.get("w")
            assert isinstance(caught.value, NotFound)
            assert "CustomResourceDefinition installed" in str(caught.value)
            with pytest.raises(ResourceNotServed):
                await widgets.create(
                    Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(color="red"))
                )
        async with AsyncClientset(config) as cs:
            with pytest.raises(NotFound) as missing:
                await cs.core_v1.namespaces().get("no-such-namespace")
            assert type(missing.value) is NotFound  # a missing object is a plain NotFound
