"""kgen-only: the storage engine on its own (revisions, history, snapshots, watchers)."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

from kgen.testing import jsonbody
from kgen.testing.store import KeyExists, KeyNotFound, Store, TooOld, VersionConflict

GR = ("", "configmaps")


def obj(name: str, value: str = "v", namespace: str = "ns") -> dict:
    return {"metadata": {"name": name, "namespace": namespace}, "data": {"k": value}}


def test_revisions_are_global_and_increasing() -> None:
    store = Store()
    a = store.create(GR, obj("a"))
    b = store.create(("", "secrets"), obj("b"))
    assert (a["metadata"]["resourceVersion"], b["metadata"]["resourceVersion"]) == ("1", "2")
    assert store.resource_version == 2
    with pytest.raises(KeyExists):
        store.create(GR, obj("a"))


def test_update_compare_and_swap_and_no_op() -> None:
    store = Store()
    created = store.create(GR, obj("a"))
    same, changed = store.update(GR, created, expected_rv="1")
    assert not changed and same["metadata"]["resourceVersion"] == "1"
    assert store.resource_version == 1
    updated, changed = store.update(GR, obj("a", "w"), expected_rv="1")
    assert changed and updated["metadata"]["resourceVersion"] == "2"
    with pytest.raises(VersionConflict):
        store.update(GR, obj("a", "x"), expected_rv="1")
    with pytest.raises(KeyNotFound):
        store.update(GR, obj("zz"))


def test_delete_returns_last_state_with_new_revision() -> None:
    store = Store()
    store.create(GR, obj("a", "last"))
    deleted = store.delete(GR, "ns", "a")
    assert deleted["data"] == {"k": "last"}
    assert deleted["metadata"]["resourceVersion"] == "2"
    assert store.get(GR, "ns", "a") is None


def test_list_at_an_older_revision() -> None:
    store = Store()
    store.create(GR, obj("a", "1"))
    store.create(GR, obj("b"))
    store.update(GR, obj("a", "2"))
    store.delete(GR, "ns", "b")
    items, rv = store.list(GR, at=2)
    assert rv == 2
    assert [(i["metadata"]["name"], i["data"]["k"]) for i in items] == [("a", "1"), ("b", "v")]
    now, rv = store.list(GR)
    assert rv == 4 and [i["data"]["k"] for i in now] == ["2"]


def test_history_window() -> None:
    store = Store(history=3)
    for i in range(6):
        store.create(GR, obj(f"o{i}"))
    assert store.compacted_rv == 3
    with pytest.raises(TooOld) as info:
        store.watch(GR, since=2)
    assert str(info.value) == "too old resource version: 2 (3)"
    watcher = store.watch(GR, since=3)
    assert [watcher.next(0).object["metadata"]["name"] for _ in range(3)] == ["o3", "o4", "o5"]
    with pytest.raises(TooOld):
        store.list(GR, at=2)


def test_time_based_history() -> None:
    now = [1000.0]
    store = Store(history=None, history_seconds=10, clock=lambda: now[0])
    store.create(GR, obj("old"))
    now[0] += 20
    store.create(GR, obj("new"))
    assert store.compacted_rv == 1


def test_compact_and_restart() -> None:
    store = Store()
    store.create(GR, obj("a"))
    store.create(GR, obj("b"))
    assert store.compact() == 2
    with pytest.raises(TooOld):
        store.watch(GR, since=1)
    watcher = store.watch(GR)
    store.restart(reset_rv=100)
    assert watcher.closed
    assert store.get(GR, "ns", "a")["metadata"]["resourceVersion"] == "101"
    assert store.resource_version == 102


def test_watcher_filters_by_namespace_and_predicate() -> None:
    store = Store()
    watcher = store.watch(GR, "ns", predicate=lambda o: o["data"]["k"] == "yes")
    store.create(GR, obj("other-ns", "yes", namespace="elsewhere"))
    store.create(GR, obj("a", "no"))
    store.update(GR, obj("a", "yes"))
    store.update(GR, obj("a", "no"))
    events = [watcher.next(0) for _ in range(2)]
    assert [e.type for e in events] == ["ADDED", "DELETED"]
    assert events[1].object["data"]["k"] == "yes"  # the last state that matched
    assert events[1].object["metadata"]["resourceVersion"] == "4"
    assert watcher.next(0) is None


def test_watcher_across_threads() -> None:
    store = Store()
    watcher = store.watch(GR)
    received = []

    def consume() -> None:
        for event in watcher:
            received.append(event.object["metadata"]["name"])

    thread = threading.Thread(target=consume)
    thread.start()
    for i in range(100):
        store.create(GR, obj(f"o{i}"))
    watcher.stop()
    thread.join(10)
    assert received == [f"o{i}" for i in range(100)]


async def test_watcher_from_asyncio() -> None:
    store = Store()
    watcher = store.watch(GR)
    loop = asyncio.get_running_loop()
    loop.call_later(0.01, lambda: store.create(GR, obj("a")))
    threading.Timer(0.02, lambda: store.create(GR, obj("b"))).start()
    first = await watcher.next_async(timeout=10)
    second = await watcher.next_async(timeout=10)
    assert [first.object["metadata"]["name"], second.object["metadata"]["name"]] == ["a", "b"]
    assert await watcher.next_async(timeout=0.01) is None
    watcher.stop()
    assert await watcher.next_async() is None


def test_wait_for() -> None:
    store = Store()
    threading.Timer(0.01, lambda: store.create(GR, obj("a"))).start()
    assert store.wait_for(1, timeout=10)
    assert not store.wait_for(5, timeout=0.01)


def test_list_and_watch_misses_nothing() -> None:
    store = Store()
    store.create(GR, obj("a"))
    items, rv, watcher = store.list_and_watch(GR)
    store.delete(GR, "ns", "a")
    assert [i["metadata"]["name"] for i in items] == ["a"] and rv == 1
    event = watcher.next(0)
    assert event is not None and event.type == "DELETED"


# --- plain JSON: what may be written by msgspec, byte for byte as json.dumps ------------------------


def _json_dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"a": 0.5, "b": [1, -2, 2**63 - 1, 10**20], "c": None, "é": "\u2028<>&\x00\x7f"}, True),
        ({"a": 1e16, "b": 1.0, "c": 123.25}, True),  # whole floats are stored as integers
        ({"a": 1e-07}, False),
        ({"a": [1.5e300]}, False),
        ({"a": -2.5e-05}, False),
        ({"a": 1e21}, False),
    ],
)
def test_dumps_writes_json_dumps_bytes(value: dict, expected: bool) -> None:
    stored, plain = jsonbody.canonical_plain(value, max_depth=100)
    # A float Python writes in exponent notation is what makes a value not plain.
    assert plain is expected
    assert jsonbody.dumps(stored, plain=plain) == _json_dumps(stored)
    assert jsonbody.dumps(stored) == _json_dumps(stored)


def test_plain_tells_stored_objects_without_exponent_floats() -> None:
    store = Store()
    store.create(GR, obj("a"))
    store.create(GR, {**obj("b"), "data": {"k": "v"}, "x": 1e-07})
    items, _ = store.list(GR, shared=True)
    a, b = items
    assert store.plain(GR, [a]) and not store.plain(GR, [b]) and not store.plain(GR, items)
    # Copies, and objects no longer stored, are not known to be plain.
    assert not store.plain(GR, store.list(GR)[0][:1])
    store.update(GR, {**obj("a", "w"), "metadata": {"name": "a", "namespace": "ns"}})
    assert not store.plain(GR, [a])
    # An update that makes b plain.
    store.update(GR, obj("b"))
    assert store.plain(GR, store.list(GR, shared=True)[0])
    store.delete(GR, "ns", "b")
    store.create(GR, {**obj("b"), "x": 2.5e-05})
    assert not store.plain(GR, store.list(GR, shared=True)[0][1:])


def test_shared_lists_are_the_stored_objects() -> None:
    store = Store()
    store.create(GR, obj("a"))
    shared, _ = store.list(GR, shared=True)
    again, _ = store.list(GR, shared=True)
    copied, _ = store.list(GR)
    assert shared[0] is again[0]
    assert copied[0] == shared[0] and copied[0] is not shared[0]


def test_encoded_is_the_json_of_stored_objects_once() -> None:
    store = Store()
    store.create(GR, {"apiVersion": "v1", "kind": "ConfigMap", **obj("a", "<é>")})
    store.create(GR, {**obj("b"), "x": 1e-07})
    (a, b), _ = store.list(GR, shared=True)
    whole = store.encoded(GR, a)
    assert whole == _json_dumps(a)
    # Encoded once: every read gets the same bytes.
    assert store.encoded(GR, a) is whole
    # As a typed list's item: without apiVersion and kind.
    (item,) = store.encoded_items(GR, [a]) or []
    assert item == _json_dumps({k: v for k, v in a.items() if k not in ("apiVersion", "kind")})
    assert store.encoded_items(GR, [a]) == [item] and store.encoded(GR, a, item=True) is item
    # Only stored objects that are plain: not copies, not b, not a list holding b.
    assert store.encoded(GR, store.get(GR, "ns", "a") or {}) is None
    assert store.encoded(GR, b) is None and store.encoded_items(GR, [a, b]) is None
    assert store.get(GR, "ns", "a", shared=True) is a
    # A write makes a new object, with its own JSON; the old one is no longer served from it.
    store.update(GR, obj("a", "w"))
    assert store.encoded(GR, a) is None
    new = store.get(GR, "ns", "a", shared=True) or {}
    assert store.encoded(GR, new) == _json_dumps(new) and b'"w"' in _json_dumps(new)
    # Renumbered in place by a restart: encoded again, with the new resourceVersion.
    before = store.encoded(GR, new)
    store.restart(reset_rv=100)
    after = store.encoded(GR, new)
    assert after == _json_dumps(new) and after != before
    assert new["metadata"]["resourceVersion"] == "101"
    store.delete(GR, "ns", "a")
    assert store.encoded(GR, new) is None


def test_shared_create_is_the_stored_object() -> None:
    store = Store()
    created = store.create(GR, obj("a"), shared=True)
    assert store.list(GR, shared=True)[0][0] is created
    assert store.get(GR, "ns", "a", shared=True) is created
    assert store.get(GR, "ns", "a") == created and store.get(GR, "ns", "a") is not created
    copied = store.create(GR, obj("b"))
    assert store.get(GR, "ns", "b", shared=True) is not copied
