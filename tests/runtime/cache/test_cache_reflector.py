"""The reflector's rules: list resourceVersions and paging, 410s, streaming lists and their fallbacks,
idle connections, 429s and 500s, a server whose history went back.

The list rules use a scripted ListerWatcher; the rest runs over real HTTP against kgen.testing with
fault injection (backoff and watch timeouts made fast).
"""

from __future__ import annotations

import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from example_client.models.core_v1 import ConfigMap
from test_cache_fixtures import (
    clientset_for,
    config_for,
    eventually,
    fast_backoff,
    fast_options,
    start_server,
)

from kgen.runtime import AsyncSharedIndexInformer, ReflectorOptions, TypedListerWatcher
from kgen.runtime._cache.listwatch import ListResult
import kgen.runtime._cache.intake as intake
import kgen.runtime._codec as codec
from kgen.runtime._cache.reflector import Reflector, VeryShortWatchError
from kgen.runtime._errors import Expired, ServerError
from kgen.runtime._meta import ObjectMeta, Status
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._watchevent import WatchEvent
from kgen.testing import APIServer

NS = "default"


def cm(name: str, version: int | str = 1) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace=NS, resource_version=str(version)))


# --- a scripted ListerWatcher -----------------------------------------------------------------------


class ScriptedStream:
    def __init__(self, events: list[WatchEvent[ConfigMap]], hang: bool) -> None:
        self._events = list(events)
        self._hang = hang
        self.closed = False

    def __aiter__(self) -> ScriptedStream:
        return self

    async def __anext__(self) -> WatchEvent[ConfigMap]:
        if self._events:
            return self._events.pop(0)
        if self._hang:
            await asyncio.Event().wait()
        raise StopAsyncIteration

    async def aclose(self) -> None:
        self.closed = True


class ScriptedListerWatcher:
    """Answers lists from ``pages`` (or raises what is there) and watches from ``watches``."""

    resource = GroupVersionResource("", "v1", "configmaps")
    namespace = NS

    def __init__(self) -> None:
        self.lists: list[dict[str, Any]] = []
        self.watches: list[dict[str, Any]] = []
        self.list_answers: list[ListResult[ConfigMap] | Exception] = []
        self.watch_answers: list[tuple[list[WatchEvent[ConfigMap]], bool]] = []

    async def list(self, **options: Any) -> ListResult[ConfigMap]:
        self.lists.append(options)
        answer = self.list_answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def watch(self, **options: Any) -> ScriptedStream:
        self.watches.append(options)
        if not self.watch_answers:
            return ScriptedStream([], hang=True)
        events, hang = self.watch_answers.pop(0)
        return ScriptedStream(events, hang)


class Store:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def add(self, obj: ConfigMap) -> None:
        self.calls.append(("add", obj.metadata.name))

    def update(self, obj: ConfigMap) -> None:
        self.calls.append(("update", obj.metadata.name))

    def delete(self, obj: ConfigMap) -> None:
        self.calls.append(("delete", obj.metadata.name))

    def replace(self, items: list[ConfigMap], resource_version: str) -> None:
        self.calls.append(("replace", (sorted(o.metadata.name for o in items), resource_version)))


def expired() -> Expired:
    return Expired(Status(code=410, reason="Expired", message="too old resource version"))


def too_large() -> ServerError:
    return ServerError(Status(code=504, message="Too large resource version: 9, current: 3"))


async def run_until(reflector: Reflector[ConfigMap], condition: Any) -> None:
    task = asyncio.ensure_future(reflector.run())
    try:
        await eventually(condition)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def reflector_for(lw: ScriptedListerWatcher, store: Store, **options: Any) -> Reflector[ConfigMap]:
    options.setdefault("watch_list", False)
    return Reflector(lw, store, options=ReflectorOptions(**options), backoff=fast_backoff())


class SwallowingListerWatcher(ScriptedListerWatcher):
    """A list that hangs and, when cancelled, fails with a connection error instead, as anyio does
    under httpcore when the cancellation lands mid-write."""

    async def list(self, **options: Any) -> ListResult[ConfigMap]:
        self.lists.append(options)
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            pass
        raise ConnectionResetError("connection aborted")


@pytest.mark.skipif(sys.version_info < (3, 11), reason="Task.cancelling() is new in Python 3.11")
async def test_a_cancellation_turned_into_an_error_still_stops_the_reflector() -> None:
    lw = SwallowingListerWatcher()
    task = asyncio.ensure_future(reflector_for(lw, Store()).run())
    await eventually(lambda: len(lw.lists) == 1)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=5)
    assert task in done and task.cancelled()
    assert len(lw.lists) == 1  # no retry after the cancellation


async def test_first_list_at_zero_then_watch_from_the_last_version() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([cm("a")], "10")]
    # The server ends the first watch after one event: watch again from that event's version.
    lw.watch_answers = [([WatchEvent("ADDED", cm("b", 11))], False)]
    reflector = reflector_for(lw, store)
    await run_until(reflector, lambda: len(lw.watches) >= 2)
    assert lw.lists == [{"resource_version": "0", "limit": 500}]
    assert [w["resource_version"] for w in lw.watches] == ["10", "11"]
    assert lw.watches[0]["allow_watch_bookmarks"] is True
    assert 300 <= lw.watches[0]["timeout_seconds"] <= 600  # client-go's 5-10 minutes
    assert store.calls == [("replace", (["a"], "10")), ("add", "b")]


async def test_a_relist_at_a_specific_version_is_not_paged() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([cm("a")], "10"), ListResult([cm("a")], "12")]
    reflector = reflector_for(lw, store)

    async def gone_stream(**options: Any) -> Any:
        lw.watches.append(options)
        if len(lw.watches) == 1:
            return ScriptedStream([WatchEvent("ADDED", cm("b", 11))], hang=False)
        if len(lw.watches) == 2:
            raise expired()
        return ScriptedStream([], hang=True)

    lw.watch = gone_stream  # type: ignore[method-assign]
    await run_until(reflector, lambda: len(lw.lists) >= 2 and len(lw.watches) >= 3)
    assert lw.lists[1] == {"resource_version": "11", "limit": None}
    assert reflector.metrics.expired == 1 and reflector.metrics.relists == 1


async def test_paging_when_the_first_list_was_paged_and_full_list_if_expired() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [
        ListResult([cm("a")], "10", "token-1"),  # a "0" list came back paged: no watch cache
        ListResult([cm("b")], "10"),
        # The relist at "11" is paged too; its second page expires: one full list at "11".
        ListResult([cm("a", 12)], "12", "token-2"),
        expired(),
        ListResult([cm("a", 12), cm("c", 12)], "12"),
    ]

    async def watch(**options: Any) -> Any:
        lw.watches.append(options)
        if len(lw.watches) == 1:
            return ScriptedStream([WatchEvent("BOOKMARK", cm("", 11))], hang=False)
        if len(lw.watches) == 2:
            raise expired()
        return ScriptedStream([], hang=True)

    lw.watch = watch  # type: ignore[method-assign]
    reflector = reflector_for(lw, store)
    await run_until(reflector, lambda: len(lw.watches) >= 3)
    assert lw.lists == [
        {"resource_version": "0", "limit": 500},
        {"limit": 500, "continue_": "token-1"},
        {"resource_version": "11", "limit": 500},
        {"limit": 500, "continue_": "token-2"},
        {"resource_version": "11"},
    ]
    replaces = [arg for call, arg in store.calls if call == "replace"]
    assert replaces == [(["a", "b"], "10"), (["a", "c"], "12")]
    assert reflector.metrics.full_lists_after_expired == 1


async def test_an_explicit_page_size_wins() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([cm("a")], "10")]
    reflector = reflector_for(lw, store, page_size=7)
    await run_until(reflector, lambda: len(lw.watches) >= 1)
    assert lw.lists == [{"resource_version": "0", "limit": 7}]


@pytest.mark.parametrize("failure", [expired, too_large])
async def test_a_list_at_a_lost_version_is_retried_at_quorum(failure: Any) -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([], "10"), failure(), ListResult([cm("a", 20)], "20")]

    async def watch(**options: Any) -> Any:
        lw.watches.append(options)
        if len(lw.watches) == 1:
            raise expired()
        return ScriptedStream([], hang=True)

    lw.watch = watch  # type: ignore[method-assign]
    reflector = reflector_for(lw, store)
    await run_until(reflector, lambda: len(lw.watches) >= 2)
    assert [options.get("resource_version") for options in lw.lists] == ["0", "10", ""]
    assert lw.watches[1]["resource_version"] == "20"


async def test_a_very_short_watch_is_an_error_and_relists() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([], "10"), ListResult([], "10")]
    lw.watch_answers = [([], False)]
    reflector = reflector_for(lw, store)
    errors: list[BaseException] = []
    reflector.on_error = lambda verb, error: errors.append(error)
    await run_until(reflector, lambda: len(lw.lists) >= 2 and len(lw.watches) >= 2)
    assert isinstance(errors[0], VeryShortWatchError)
    assert reflector.metrics.very_short_watches == 1


async def test_an_older_event_means_the_server_went_back() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.list_answers = [ListResult([cm("a", 100)], "100"), ListResult([cm("a", 5)], "7")]
    lw.watch_answers = [([WatchEvent("BOOKMARK", cm("", 7))], True)]
    reflector = reflector_for(lw, store)
    await run_until(reflector, lambda: len(lw.watches) >= 2)
    assert [options.get("resource_version") for options in lw.lists] == ["0", ""]
    assert reflector.metrics.rv_regressions == 1
    assert lw.watches[1]["resource_version"] == "7"


async def test_streaming_list_collects_then_replaces_and_keeps_the_stream() -> None:
    lw, store = ScriptedListerWatcher(), Store()
    end = cm("", 10)
    end.metadata.annotations = {"k8s.io/initial-events-end": "true"}
    lw.watch_answers = [
        (
            [
                WatchEvent("ADDED", cm("b", 3)),
                WatchEvent("ADDED", cm("a", 5)),
                WatchEvent("BOOKMARK", end),
                WatchEvent("MODIFIED", cm("a", 11)),
            ],
            True,
        )
    ]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: len(store.calls) >= 2)
    assert store.calls == [("replace", (["a", "b"], "10")), ("update", "a")]
    assert lw.lists == [] and len(lw.watches) == 1
    assert lw.watches[0]["send_initial_events"] is True
    assert lw.watches[0]["resource_version_match"] == "NotOlderThan"
    assert lw.watches[0]["resource_version"] == ""
    assert reflector.watch_list_supported is True


@pytest.mark.parametrize(
    ("events", "supported"),
    [
        ([WatchEvent("ADDED", cm("a")), WatchEvent("BOOKMARK", cm("", 4))], False),
        ([WatchEvent("ADDED", cm("a")), WatchEvent("MODIFIED", cm("a", 2))], False),
        ([WatchEvent("ADDED", cm("a"))], None),  # the stream ended early: try again next time
    ],
)
async def test_a_server_ignoring_streaming_lists_is_detected(
    events: list[WatchEvent[ConfigMap]], supported: bool | None
) -> None:
    lw, store = ScriptedListerWatcher(), Store()
    lw.watch_answers = [(events, False)]
    lw.list_answers = [ListResult([cm("a")], "10")]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: len(lw.watches) >= 2)
    assert store.calls == [("replace", (["a"], "10"))]
    assert reflector.watch_list_supported is supported
    assert reflector.metrics.watch_list_fallbacks == 1


class CollectorWatchingStream(ScriptedStream):
    """Records, for each event handed out, whether the cyclic collector was running; after the
    first event, waits on the event loop (``waits`` turns) as a stream waiting for data does."""

    def __init__(self, events: list[WatchEvent[ConfigMap]], waits: int) -> None:
        super().__init__(events, hang=True)
        self.waits = waits
        self.collector: list[bool] = []

    async def __anext__(self) -> WatchEvent[ConfigMap]:
        if self.collector:
            for _ in range(self.waits):
                await asyncio.sleep(0)
        self.collector.append(gc.isenabled())
        return await super().__anext__()


class CollectorWatchingStore(Store):
    def __init__(self) -> None:
        super().__init__()
        self.collector_at_replace: bool | None = None

    def replace(self, items: list[ConfigMap], resource_version: str) -> None:
        self.collector_at_replace = gc.isenabled()
        super().replace(items, resource_version)


def initial_events(count: int) -> list[WatchEvent[ConfigMap]]:
    end = cm("", 10)
    end.metadata.annotations = {"k8s.io/initial-events-end": "true"}
    return [WatchEvent("ADDED", cm(f"p{i}", 3)) for i in range(count)] + [
        WatchEvent("BOOKMARK", end)
    ]


async def test_the_collector_is_paused_while_a_streaming_list_pours_in() -> None:
    # Decoding and caching thousands of objects with the collector on triggers full collections
    # that walk everything cached so far; it runs again once the store is replaced.
    assert gc.isenabled()
    lw, store = ScriptedListerWatcher(), CollectorWatchingStore()
    stream = CollectorWatchingStream(initial_events(3), waits=0)
    lw.watch = lambda **options: _answer(stream)  # type: ignore[method-assign]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: bool(store.calls))
    assert stream.collector[:4] == [False, False, False, False]
    assert store.collector_at_replace is False
    assert gc.isenabled()


async def test_a_slow_stream_does_not_keep_the_collector_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pause ends after GC_PAUSE_WINDOW even while the sync waits for data; the next object
    # starts another.
    monkeypatch.setattr(intake, "GC_PAUSE_WINDOW", 0.0)
    lw, store = ScriptedListerWatcher(), CollectorWatchingStore()
    stream = CollectorWatchingStream(initial_events(2), waits=3)
    lw.watch = lambda **options: _answer(stream)  # type: ignore[method-assign]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: bool(store.calls))
    assert stream.collector[0] is False
    assert stream.collector[1:3] == [True, True]
    assert store.calls == [("replace", (["p0", "p1"], "10"))]
    assert gc.isenabled()


async def test_a_failed_streaming_list_ends_the_pause() -> None:
    lw, store = ScriptedListerWatcher(), CollectorWatchingStore()
    lw.watch_answers = [([WatchEvent("ADDED", cm("a")), WatchEvent("MODIFIED", cm("a", 2))], False)]
    lw.list_answers = [ListResult([cm("a")], "10")]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: len(lw.watches) >= 2)
    assert reflector.metrics.watch_list_fallbacks == 1
    assert store.collector_at_replace is False  # the list's items are cached paused too
    assert gc.isenabled()


async def test_no_pause_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "GC_PAUSE_THRESHOLD", None)  # KGEN_GC_PAUSE=0
    lw, store = ScriptedListerWatcher(), CollectorWatchingStore()
    stream = CollectorWatchingStream(initial_events(2), waits=0)
    lw.watch = lambda **options: _answer(stream)  # type: ignore[method-assign]
    reflector = reflector_for(lw, store, watch_list=True)
    await run_until(reflector, lambda: bool(store.calls))
    assert stream.collector[:3] == [True, True, True]
    assert store.collector_at_replace is True


async def test_overlapping_syncs_let_the_collector_run_between_pauses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Many informers syncing at once: each pause is short, but together they could keep the
    # collector off for as long as the syncs last. Once it has been off a window's length, no new
    # pause begins until the current ones end.
    monkeypatch.setattr(intake, "GC_PAUSE_WINDOW", 3600.0)
    first, second = intake.CollectorPause(), intake.CollectorPause()
    first.hold()
    second.hold()
    assert not gc.isenabled()
    second.release()
    monkeypatch.setattr(codec, "gc_paused_for", lambda: 3601.0)  # the first has held it that long
    second.hold()
    first.release()
    assert gc.isenabled()  # the second did not pause again: the collector runs
    monkeypatch.setattr(codec, "gc_paused_for", lambda: 0.0)
    second.hold()
    assert not gc.isenabled()
    second.release()
    assert gc.isenabled()


def test_gc_paused_for_measures_one_unbroken_pause() -> None:
    assert codec.gc_paused_for() == 0.0
    with codec.gc_paused():
        assert codec.gc_paused_for() >= 0.0
        assert not gc.isenabled()
    assert codec.gc_paused_for() == 0.0 and gc.isenabled()


async def _answer(stream: ScriptedStream) -> ScriptedStream:
    return stream


# --- against the test server ------------------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[APIServer]:
    server = start_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def clientset(server: APIServer, tmp_path: Path) -> AsyncIterator[Any]:
    # No transport retries: the reflector's own handling of 429s and 5xx is under test.
    async with clientset_for(config_for(server, tmp_path), max_retries=0) as cs:
        yield cs


def informer_of(clientset: Any, **options: Any) -> AsyncSharedIndexInformer[ConfigMap]:
    return AsyncSharedIndexInformer(
        TypedListerWatcher(clientset.core_v1.configmaps(NS)),
        reflector_options=fast_options(**options),
        backoff=fast_backoff(),
    )


def requests(server: APIServer, verb: str) -> list[dict[str, str]]:
    """The reflector's list or watch requests (the tests' own lists give no resourceVersion)."""
    queries = [
        {k: v[0] for k, v in parse_qs(r.query, keep_blank_values=True).items()}
        for r in server.faults.requests
        if r.verb == verb and "/configmaps" in r.path
    ]
    return [q for q in queries if "resourceVersion" in q or "continue" in q]


async def create(clientset: Any, *names: str) -> None:
    for name in names:
        await clientset.core_v1.configmaps(NS).create(
            ConfigMap(metadata=ObjectMeta(name=name), data={"n": name})
        )


def cached(informer: AsyncSharedIndexInformer[ConfigMap]) -> dict[str, str]:
    return {o.metadata.name: o.metadata.resource_version or "" for o in informer.lister().list()}


async def server_state(clientset: Any) -> dict[str, str]:
    page = await clientset.core_v1.configmaps(NS).list()
    return {o.metadata.name: o.metadata.resource_version for o in page.items}


async def converged(clientset: Any, informer: AsyncSharedIndexInformer[ConfigMap]) -> None:
    async def same() -> bool:
        return cached(informer) == await server_state(clientset)

    await eventually(same, "the cache matching the server")


async def test_list_then_watch_over_http(server: APIServer, clientset: Any) -> None:
    await create(clientset, "a", "b")
    informer = informer_of(clientset, watch_list=False)
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "c")
        await converged(clientset, informer)
    lists, watches = requests(server, "list"), requests(server, "watch")
    assert lists[0]["resourceVersion"] == "0"
    assert watches[0]["resourceVersion"] not in ("", "0")  # the list's
    assert watches[0]["allowWatchBookmarks"] == "true"
    assert 5 <= int(watches[0]["timeoutSeconds"]) <= 10


async def test_a_list_transforms_each_object_once_as_it_is_decoded(
    server: APIServer, clientset: Any
) -> None:
    # The typed lister-watcher decodes a page item by item and transforms each at once (while it
    # is in the CPU's caches); the reflector does not transform those items again.
    await create(clientset, "a", "b", "c")
    seen: list[str] = []

    def transform(obj: ConfigMap) -> ConfigMap:
        seen.append(obj.metadata.name or "")
        obj.metadata.labels = {"transformed": "yes"}
        return obj

    informer = AsyncSharedIndexInformer(
        TypedListerWatcher(clientset.core_v1.configmaps(NS)),
        reflector_options=fast_options(watch_list=False),
        backoff=fast_backoff(),
        transform=transform,
    )
    async with informer:
        await informer.wait_for_cache_sync(30)
        assert sorted(seen) == ["a", "b", "c"]
        cached = informer.lister().list()
        assert sorted(o.metadata.name for o in cached) == ["a", "b", "c"]
        assert all(type(o) is ConfigMap for o in cached)
        assert all(o.metadata.labels == {"transformed": "yes"} for o in cached)
    assert informer.metrics.lists == 1


class CountingListerWatcher(TypedListerWatcher[ConfigMap]):
    """A lister-watcher whose own list() takes only the protocol's options."""

    calls = 0

    async def list(self, **options: Any) -> ListResult[ConfigMap]:  # type: ignore[override]
        self.calls += 1
        return await super().list(**options)


async def test_a_lister_watcher_with_its_own_list_gets_the_transform_from_the_reflector(
    server: APIServer, clientset: Any
) -> None:
    await create(clientset, "a", "b")
    seen: list[str] = []

    def transform(obj: ConfigMap) -> ConfigMap:
        seen.append(obj.metadata.name or "")
        return obj

    lw = CountingListerWatcher(clientset.core_v1.configmaps(NS))
    informer = AsyncSharedIndexInformer(
        lw,
        reflector_options=fast_options(watch_list=False),
        backoff=fast_backoff(),
        transform=transform,
    )
    async with informer:
        await informer.wait_for_cache_sync(30)
    assert lw.calls >= 1 and sorted(seen) == ["a", "b"]


async def test_streaming_list_over_http(server: APIServer, clientset: Any) -> None:
    await create(clientset, "a", "b")
    informer = informer_of(clientset)
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "c")
        await converged(clientset, informer)
        assert informer.metrics.watch_list_syncs == 1
        assert informer.metrics.lists == 0 and informer.metrics.watches == 0
    watch = requests(server, "watch")[0]
    assert watch["sendInitialEvents"] == "true"
    assert watch["resourceVersionMatch"] == "NotOlderThan"
    assert requests(server, "list") == []


async def test_streaming_list_rejected_by_the_server_falls_back_for_good(
    server: APIServer, clientset: Any
) -> None:
    """A server before 1.27 rejects the parameters (422): list and watch, and do not ask again."""
    await create(clientset, "a")
    server.faults.fail(1, code=422, verb="watch")
    informer = informer_of(clientset, min_watch_timeout=1)
    async with informer:
        await informer.wait_for_cache_sync(30)
        server.faults.fail(1, code=410, verb="watch")  # the next watch forces a relist
        await eventually(lambda: informer.metrics.lists >= 2, "a relist")
        await create(clientset, "b")
        await converged(clientset, informer)
    assert informer.reflector.watch_list_supported is False
    assert informer.metrics.watch_lists == 1


async def test_streaming_list_ignored_by_the_server_is_detected(
    server: APIServer, clientset: Any
) -> None:
    """A server that ignores sendInitialEvents sends the initial ADDED events of a watch from ""
    and then ordinary bookmarks, never the end marker: detected, then list and watch."""
    await create(clientset, "a", "b")

    class Ignoring(TypedListerWatcher[ConfigMap]):
        async def watch(self, **options: Any) -> Any:
            options.pop("send_initial_events", None)
            options.pop("resource_version_match", None)
            return await super().watch(**options)

    informer = AsyncSharedIndexInformer(
        Ignoring(clientset.core_v1.configmaps(NS)),
        reflector_options=fast_options(),
        backoff=fast_backoff(),
    )
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, "c")
        await converged(clientset, informer)
    assert informer.reflector.watch_list_supported is False
    assert informer.metrics.watch_list_fallbacks == 1 and informer.metrics.lists == 1


async def test_410_relists_at_the_last_version_then_at_quorum(
    server: APIServer, clientset: Any
) -> None:
    await create(clientset, "a")
    informer = informer_of(clientset, watch_list=False, min_watch_timeout=1)
    async with informer:
        await informer.wait_for_cache_sync(30)
        # When the current watch times out: the next watch gets 410, the relist at the last
        # resourceVersion gets 410 too, and only then a list at "".
        server.faults.fail(1, code=410, verb="watch")
        server.faults.fail(1, code=410, verb="list")
        await eventually(lambda: informer.metrics.lists >= 2, "a relist")
        await create(clientset, "b")
        await converged(clientset, informer)
    versions = [r.get("resourceVersion") for r in requests(server, "list")]
    assert versions[0] == "0"
    assert versions[1] not in ("", "0", None)  # the last synced resourceVersion
    assert versions[2] == ""
    assert informer.metrics.expired == 2


async def test_a_watch_resumed_after_compaction_relists(server: APIServer, clientset: Any) -> None:
    """The real thing: while the client's next watch is held up, objects change and the server
    compacts its history; the watch then gets a 410 ERROR event and the reflector relists."""
    held, release = asyncio.Event(), asyncio.Event()

    class Held(TypedListerWatcher[ConfigMap]):
        calls = 0

        async def watch(self, **options: Any) -> Any:
            Held.calls += 1
            if Held.calls == 2:
                held.set()
                await release.wait()
            return await super().watch(**options)

    await create(clientset, "a")
    informer = AsyncSharedIndexInformer(
        Held(clientset.core_v1.configmaps(NS)),
        reflector_options=fast_options(watch_list=False, min_watch_timeout=1),
        backoff=fast_backoff(),
    )
    async with informer:
        await informer.wait_for_cache_sync(30)
        await held.wait()  # the first watch ended (its timeout); the second is held
        await create(clientset, "b", "c")
        server.faults.compact()
        release.set()
        await eventually(lambda: informer.metrics.expired >= 1, "a 410")
        await converged(clientset, informer)
    assert informer.metrics.lists == 2


async def test_a_hung_watch_is_abandoned(server: APIServer, clientset: Any) -> None:
    """A watch request that never answers (a dead connection) is given up after timeoutSeconds +
    the idle margin, and a new watch opened."""
    await create(clientset, "a")
    informer = informer_of(clientset, watch_list=False, min_watch_timeout=1, idle_margin=0.5)
    async with informer:
        await informer.wait_for_cache_sync(30)
        server.faults.delay(10, count=1, verb="watch")
        await eventually(lambda: informer.metrics.idle_timeouts >= 1, "the idle timeout")
        await create(clientset, "b")
        await converged(clientset, informer)
    assert informer.metrics.lists == 1


async def test_broken_streams_resume_without_relisting(server: APIServer, clientset: Any) -> None:
    server.faults.close_watches_after(2, abrupt=True)
    informer = informer_of(clientset, watch_list=False)
    async with informer:
        await informer.wait_for_cache_sync(30)
        for i in range(10):
            await create(clientset, f"cm-{i}")
        await converged(clientset, informer)
        assert informer.metrics.watches >= 5
    assert informer.metrics.lists == 1


async def test_429_bursts_back_off_and_watch_again_without_relisting(
    server: APIServer, clientset: Any
) -> None:
    server.faults.throttle(3, verb="list", retry_after=0)
    informer = informer_of(clientset, watch_list=False, min_watch_timeout=1)
    async with informer:
        await informer.wait_for_cache_sync(30)
        assert informer.last_error is None  # cleared by the successful list
        server.faults.throttle(5, verb="watch", retry_after=0)
        await eventually(lambda: informer.metrics.throttled >= 5, "five 429s")
        await create(clientset, "a")
        await converged(clientset, informer)
    assert informer.metrics.lists == 1


async def test_500s_relist_after_backoff(server: APIServer, clientset: Any) -> None:
    server.faults.fail(2, code=500, verb="list")
    informer = informer_of(clientset, watch_list=False, min_watch_timeout=1)
    errors: list[tuple[str, int]] = []
    informer.set_watch_error_handler(lambda verb, error: errors.append((verb, error.code)))
    async with informer:
        await informer.wait_for_cache_sync(30)
        server.faults.fail(2, code=500, verb="watch")
        await create(clientset, "a")
        # Each failed watch is reported, then the reflector lists again after backoff.
        await eventually(lambda: informer.metrics.lists >= 3, "two relists")
        await converged(clientset, informer)
    assert errors[:4] == [("list", 500), ("list", 500), ("watch", 500), ("watch", 500)]


async def test_the_reflector_backs_off_at_least_the_servers_retry_after(
    server: APIServer, clientset: Any
) -> None:
    """A throttled list and a throttled watch: each round waits the backoff's next delay, or the
    429's Retry-After when that is longer (the sleeps are recorded, not slept)."""
    server.faults.throttle(1, verb="list", retry_after=7)
    server.faults.throttle(1, verb="watch", retry_after=3)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    store = Store()
    reflector: Reflector[ConfigMap] = Reflector(
        TypedListerWatcher(clientset.core_v1.configmaps(NS)),
        store,
        options=fast_options(watch_list=False),
        backoff=fast_backoff(),
        sleep=sleep,
    )
    await run_until(reflector, lambda: reflector.metrics.watches >= 2)
    assert slept == [7.0, 3.0]
    assert reflector.backoff.count == 2
    assert (reflector.metrics.lists, reflector.metrics.throttled) == (1, 1)


async def test_a_restored_server_with_older_versions_is_relisted(
    server: APIServer, clientset: Any
) -> None:
    """Storage restored from an older backup: every resourceVersion goes back. The reflector
    notices the first older bookmark or event and lists at "" instead of waiting for versions it
    already saw."""
    await create(clientset, "a", "b")
    informer = informer_of(clientset, watch_list=False)
    async with informer:
        await informer.wait_for_cache_sync(30)
        await create(clientset, *[f"more-{i}" for i in range(20)])
        await converged(clientset, informer)
        server.faults.restart(reset_rv=1)
        await eventually(lambda: informer.metrics.rv_regressions >= 1, "the regression")
        await converged(clientset, informer)
        await create(clientset, "after")
        await converged(clientset, informer)
