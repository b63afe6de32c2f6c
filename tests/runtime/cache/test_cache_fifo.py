"""RealFIFO: order, relist tombstones against the cache and the queue, resync, has_synced."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from example_client.models.core_v1 import ConfigMap
from hypothesis import given, settings
from hypothesis import strategies as st

from kgen.runtime import DeletedFinalStateUnknown, Indexer
from kgen.runtime._cache.fifo import Delta, DeltaType, FIFOClosed, RealFIFO
from kgen.runtime._cache.tombstone import final_state
from kgen.runtime._meta import ObjectMeta


def cm(name: str, version: int = 1) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, namespace="ns", resource_version=str(version)))


class Applier:
    """What an informer does with a popped delta: apply it to the indexer, note it."""

    def __init__(self, fifo: RealFIFO[ConfigMap], indexer: Indexer[ConfigMap]) -> None:
        self.fifo, self.indexer = fifo, indexer
        self.seen: list[Delta[ConfigMap]] = []

    def __call__(self, delta: Delta[ConfigMap]) -> None:
        self.seen.append(delta)
        if delta.type is DeltaType.DELETED:
            self.indexer.delete_key(delta.key)
        else:
            self.indexer.update(final_state(delta.object))

    async def drain(self) -> None:
        while len(self.fifo):
            await self.fifo.pop(self)


def setup() -> tuple[RealFIFO[ConfigMap], Indexer[ConfigMap], Applier]:
    indexer: Indexer[ConfigMap] = Indexer()
    fifo = RealFIFO(indexer)
    return fifo, indexer, Applier(fifo, indexer)


def summary(deltas: list[Delta[ConfigMap]]) -> list[tuple[str, str]]:
    return [(d.type.value, d.key) for d in deltas]


async def test_every_change_comes_out_in_order_unmerged() -> None:
    fifo, _, apply = setup()
    fifo.add(cm("a", 1))
    fifo.update(cm("a", 2))
    fifo.update(cm("a", 3))
    fifo.add(cm("b", 4))
    fifo.delete(cm("a", 5))
    await apply.drain()
    assert summary(apply.seen) == [
        ("Added", "ns/a"),
        ("Updated", "ns/a"),
        ("Updated", "ns/a"),
        ("Added", "ns/b"),
        ("Deleted", "ns/a"),
    ]
    assert [final_state(d.object).metadata.resource_version for d in apply.seen] == list("12345")


async def test_a_delete_of_an_unknown_key_is_ignored() -> None:
    fifo, _, apply = setup()
    fifo.delete(cm("ghost"))
    fifo.add(cm("a"))
    fifo.delete(cm("a"))
    fifo.delete(cm("a"))  # already deleted once it is processed
    await apply.drain()
    assert summary(apply.seen) == [("Added", "ns/a"), ("Deleted", "ns/a")]


async def test_replace_tombstones_what_the_cache_has_and_the_list_lacks() -> None:
    fifo, indexer, apply = setup()
    fifo.replace([cm("a", 1), cm("b", 2)], "2")
    await apply.drain()
    fifo.replace([cm("b", 3), cm("c", 4)], "4")
    await apply.drain()
    assert summary(apply.seen[2:]) == [
        ("Deleted", "ns/a"),
        ("Replaced", "ns/b"),
        ("Replaced", "ns/c"),
    ]
    tombstone = apply.seen[2].object
    assert isinstance(tombstone, DeletedFinalStateUnknown)
    assert tombstone.key == "ns/a" and tombstone.obj.metadata.resource_version == "1"
    assert sorted(indexer.list_keys()) == ["ns/b", "ns/c"]


async def test_replace_also_tombstones_objects_still_queued() -> None:
    """An object added but not yet processed, then missing from a relist, gets its tombstone:
    otherwise it would stay cached for ever (a phantom)."""
    fifo, indexer, apply = setup()
    fifo.replace([], "1")
    await apply.drain()
    fifo.add(cm("queued", 2))
    fifo.update(cm("queued", 3))
    fifo.replace([cm("other", 4)], "4")
    await apply.drain()
    tombstones = [d for d in apply.seen if d.type is DeltaType.DELETED]
    assert len(tombstones) == 1
    assert isinstance(tombstones[0].object, DeletedFinalStateUnknown)
    assert tombstones[0].object.obj.metadata.resource_version == "3"  # the newest queued state
    assert indexer.list_keys() == ["ns/other"]


async def test_replace_does_not_tombstone_what_a_queued_delete_removes() -> None:
    fifo, indexer, apply = setup()
    fifo.replace([cm("a")], "1")
    await apply.drain()
    fifo.delete(cm("a", 2))
    fifo.replace([], "2")
    await apply.drain()
    assert summary(apply.seen) == [("Replaced", "ns/a"), ("Deleted", "ns/a")]
    assert not isinstance(apply.seen[-1].object, DeletedFinalStateUnknown)


async def test_resync_replays_cached_objects_without_pending_changes() -> None:
    fifo, _, apply = setup()
    fifo.replace([cm("a"), cm("b")], "1")
    await apply.drain()
    fifo.update(cm("b", 2))
    assert fifo.resync(tag="handlers") == 1
    await apply.drain()
    assert summary(apply.seen[2:]) == [("Updated", "ns/b"), ("Sync", "ns/a")]
    assert apply.seen[-1].tag == "handlers"


async def test_has_synced_after_the_first_list_is_processed_and_not_before() -> None:
    fifo, _, apply = setup()
    assert not fifo.has_synced()
    fifo.replace([cm(f"o{i}") for i in range(10)], "1")
    fifo.add(cm("later"))
    assert not fifo.has_synced()
    # A batch stops at the end of the first list, so has_synced turns true exactly there.
    assert await fifo.pop(apply, max_batch=4) == 4
    assert not fifo.has_synced()
    await fifo.pop(apply, max_batch=100)
    assert fifo.has_synced() and len(apply.seen) == 10
    assert all(d.initial for d in apply.seen)
    await fifo.pop(apply)
    assert apply.seen[-1].key == "ns/later" and not apply.seen[-1].initial


async def test_a_drained_queue_gives_back_the_room_of_its_key_maps() -> None:
    """Emptied dicts keep the table of their largest size: once the queue is drained, the per-key
    maps are released (some 40 bytes per object of the first list, for the life of the informer)."""
    import sys

    fifo, indexer, apply = setup()
    empty = sys.getsizeof(fifo._pending) + sys.getsizeof(fifo._last)
    fifo.replace([cm(f"o{i}") for i in range(1000)], "1")
    await fifo.pop(apply, max_batch=600)
    assert sys.getsizeof(fifo._pending) + sys.getsizeof(fifo._last) > empty  # still queued
    await apply.drain()
    assert len(indexer) == 1000 and fifo.has_synced()
    assert sys.getsizeof(fifo._pending) + sys.getsizeof(fifo._last) == empty
    fifo.add(cm("later"))
    assert fifo._exists_after_queue("ns/later") and fifo._exists_after_queue("ns/o1")
    await apply.drain()
    assert apply.seen[-1].key == "ns/later"


async def test_an_empty_first_list_syncs_at_once() -> None:
    fifo, _, _ = setup()
    fifo.replace([], "1")
    assert fifo.has_synced()


async def test_close_wakes_a_waiting_pop() -> None:
    fifo, _, apply = setup()
    waiter = asyncio.ensure_future(fifo.pop(apply))
    await asyncio.sleep(0)
    fifo.close()
    with pytest.raises(FIFOClosed):
        await waiter


# --- a model check: any sequence of changes and relists ----------------------------------------------

operations = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.sampled_from("abcde")),
        st.tuples(st.just("delete"), st.sampled_from("abcde")),
        st.tuples(st.just("relist"), st.sets(st.sampled_from("abcde"))),
        st.tuples(st.just("pop"), st.integers(1, 5)),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_processing_always_ends_at_the_true_state(ops: list[tuple[str, Any]]) -> None:
    """Whatever the interleaving of changes, relists and partial processing, the cache ends equal
    to the true state, and each key's deltas form add, update..., delete sequences."""

    async def scenario() -> None:
        fifo, indexer, apply = setup()
        truth: dict[str, int] = {}
        version = 0
        fifo.replace([], "0")
        for op, arg in ops:
            version += 1
            if op == "set":
                (fifo.update if arg in truth else fifo.add)(cm(arg, version))
                truth[arg] = version
            elif op == "delete" and arg in truth:
                fifo.delete(cm(arg, version))
                del truth[arg]
            elif op == "relist":
                # The relist shows the listed keys at this version (those not listed are gone).
                truth = {key: version for key in arg}
                fifo.replace([cm(key, version) for key in sorted(arg)], str(version))
            elif op == "pop" and len(fifo):
                await fifo.pop(apply, max_batch=arg)
        await apply.drain()
        cached = {
            k.split("/")[1]: int(o.metadata.resource_version or 0)
            for k, o in ((key, indexer.get_by_key(key)) for key in indexer.list_keys())
            if o
        }
        assert cached == truth
        present: set[str] = set()
        for delta in apply.seen:
            if delta.type is DeltaType.DELETED:
                assert delta.key in present, "a delete without an add"
                present.discard(delta.key)
            else:
                present.add(delta.key)

    asyncio.run(scenario())


async def test_an_empty_first_list_wakes_the_consumer() -> None:
    fifo, _, apply = setup()
    waiter = asyncio.ensure_future(fifo.pop(apply))
    await asyncio.sleep(0)
    fifo.replace([], "1")
    assert await waiter == 0 and fifo.has_synced()
