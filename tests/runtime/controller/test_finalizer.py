"""The finalizer helper (kube-rs's apply/cleanup split) against kgen.testing: cleanup runs exactly
once, also when a stale copy of the object, still showing the finalizer, comes after its removal."""

from __future__ import annotations

from example_client.clientset import AsyncClientset, Clientset
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec
import pytest

from kgen.runtime import AsyncFinalizer, Config, Finalizer, NotFound, ObjectMeta

NAME = "example.kgen.io/cleanup"


def widget(name: str) -> Widget:
    return Widget(metadata=ObjectMeta(name=name), spec=WidgetSpec(color="red", size=1))


async def test_a_stale_copy_after_the_removal_does_not_clean_up_again(config: Config) -> None:
    finalizer: AsyncFinalizer[Widget] = AsyncFinalizer(NAME)
    applied: list[str] = []
    cleaned: list[str] = []

    async def apply(obj: Widget) -> None:
        applied.append(obj.metadata.name or "")  # type: ignore[union-attr]

    async def cleanup(obj: Widget) -> None:
        cleaned.append(obj.metadata.name or "")  # type: ignore[union-attr]

    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        created = await widgets.create(widget("w"))
        assert await finalizer.finalize(widgets, created, apply=apply, cleanup=cleanup) is None
        assert applied == []  # first the finalizer is added
        current = await widgets.get("w")
        assert current.metadata is not None and current.metadata.finalizers == [NAME]
        await finalizer.finalize(widgets, current, apply=apply, cleanup=cleanup)
        assert applied == ["w"]

        await widgets.delete("w")
        deleting = await widgets.get("w")  # what a cache holds until the removal's event comes
        assert deleting.metadata is not None and deleting.metadata.deletion_timestamp is not None
        await finalizer.finalize(widgets, deleting, apply=apply, cleanup=cleanup)
        assert cleaned == ["w"]
        with pytest.raises(NotFound):
            await widgets.get("w")
        # The stale copy again (a reconcile enqueued by a child, a relist): no second cleanup, and
        # no removal that would fail.
        await finalizer.finalize(widgets, deleting, apply=apply, cleanup=cleanup)
        assert cleaned == ["w"]


async def test_a_failed_cleanup_keeps_the_finalizer_and_runs_again(config: Config) -> None:
    finalizer: AsyncFinalizer[Widget] = AsyncFinalizer(NAME)
    attempts: list[str] = []

    async def apply(obj: Widget) -> None:
        return None

    async def cleanup(obj: Widget) -> None:
        attempts.append(obj.metadata.name or "")  # type: ignore[union-attr]
        if len(attempts) == 1:
            raise RuntimeError("not yet")

    async with AsyncClientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        await finalizer.finalize(
            widgets, await widgets.create(widget("w")), apply=apply, cleanup=cleanup
        )
        await widgets.delete("w")
        deleting = await widgets.get("w")
        with pytest.raises(RuntimeError):
            await finalizer.finalize(widgets, deleting, apply=apply, cleanup=cleanup)
        assert (await widgets.get("w")).metadata.finalizers == [NAME]  # type: ignore[union-attr]
        await finalizer.finalize(widgets, deleting, apply=apply, cleanup=cleanup)
        assert attempts == ["w", "w"]
        with pytest.raises(NotFound):
            await widgets.get("w")


def test_the_sync_twin_leaves_a_stale_copy_alone(config: Config) -> None:
    finalizer: Finalizer[Widget] = Finalizer(NAME)
    cleaned: list[str] = []

    def cleanup(obj: Widget) -> None:
        cleaned.append(obj.metadata.name or "")  # type: ignore[union-attr]

    with Clientset(config) as cs:
        widgets = cs.example_kgen_io_v1.widgets("default")
        finalizer.finalize(
            widgets, widgets.create(widget("w")), apply=lambda o: None, cleanup=cleanup
        )
        widgets.delete("w")
        deleting = widgets.get("w")
        finalizer.finalize(widgets, deleting, apply=lambda o: None, cleanup=cleanup)
        finalizer.finalize(widgets, deleting, apply=lambda o: None, cleanup=cleanup)
        assert cleaned == ["w"]
        with pytest.raises(NotFound):
            widgets.get("w")
