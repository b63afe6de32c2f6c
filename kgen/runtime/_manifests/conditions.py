"""What a wait waits for: a check of an object's state (None when it does not exist).

    await async_wait_for(deployments, "web", deployment_rolled_out(), timeout=120)
    await async_wait_for(jobs, "migrate", job_complete())
    await async_wait_for(widgets, "w", status_condition("Ready"))
    await async_wait_for(namespaces, "shop", namespace_gone())
    await async_wait_for(pods, "p", lambda pod: pod is not None and pod.status.phase == "Running")

A condition is any callable that takes the object (a model from a typed client, an Unstructured from the
dynamic client, None when there is no such object) and answers whether the wait is over. A
:class:`WaitCondition` adds a description for messages and a ``failed`` check for states the condition
cannot follow from (a Job that failed): the wait then ends at once with
:class:`~kgen.runtime._errors.WaitError`. The ready-made checks read the object's JSON form, so they work
on models, Unstructured objects and dicts alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kgen.runtime._manifests.dump import to_json_object

__all__ = [
    "ConditionLike",
    "WaitCondition",
    "crd_established",
    "object_deleted",
    "deployment_rolled_out",
    "object_exists",
    "job_complete",
    "namespace_gone",
    "status_condition",
]


@dataclass(frozen=True)
class WaitCondition:
    """A named check: ``check(obj)`` is True when the wait is over; ``failed(obj)``, when given, returns
    why the condition can no longer hold (or None)."""

    description: str
    check: Callable[[Any], bool]
    failed: Callable[[Any], str | None] | None = None

    def __call__(self, obj: Any) -> bool:
        return self.check(obj)

    def __str__(self) -> str:
        return self.description


#: What :func:`async_wait_for` takes: a :class:`WaitCondition` or any predicate on the object.
ConditionLike = WaitCondition | Callable[[Any], bool]


def describe(condition: ConditionLike) -> str:
    if isinstance(condition, WaitCondition):
        return condition.description
    return getattr(condition, "__name__", None) or repr(condition)


def failure(condition: ConditionLike, obj: Any) -> str | None:
    if isinstance(condition, WaitCondition) and condition.failed is not None:
        return condition.failed(obj)
    return None


def _conditions(obj: Any) -> list[dict[str, Any]]:
    status = to_json_object(obj).get("status") or {}
    found = status.get("conditions") if isinstance(status, dict) else None
    return [c for c in found or [] if isinstance(c, dict)]


def _condition(obj: Any, type_: str) -> dict[str, Any] | None:
    for condition in _conditions(obj):
        if condition.get("type") == type_:
            return condition
    return None


def _generation_observed(data: dict[str, Any]) -> bool:
    generation = (data.get("metadata") or {}).get("generation")
    observed = (data.get("status") or {}).get("observedGeneration")
    return generation is None or (observed is not None and observed >= generation)


def status_condition(type_: str, status: str = "True") -> WaitCondition:
    """The object's ``status.conditions`` has ``type_`` with ``status`` ("True" by default), reported
    for its current generation when the condition says which it observed."""

    def check(obj: Any) -> bool:
        if obj is None:
            return False
        found = _condition(obj, type_)
        if found is None or found.get("status") != status:
            return False
        generation = (to_json_object(obj).get("metadata") or {}).get("generation")
        observed = found.get("observedGeneration")
        return observed is None or generation is None or observed >= generation

    return WaitCondition(f"condition {type_}={status}", check)


def object_deleted() -> WaitCondition:
    """There is no such object (any more)."""
    return WaitCondition("deleted", lambda obj: obj is None)


def object_exists() -> WaitCondition:
    """The object exists."""
    return WaitCondition("exists", lambda obj: obj is not None)


def namespace_gone() -> WaitCondition:
    """The namespace is deleted, its contents with it (it stays Terminating until they are)."""
    return WaitCondition("namespace gone", lambda obj: obj is None)


def crd_established() -> WaitCondition:
    """A CustomResourceDefinition is Established: its resources are served."""

    def failed(obj: Any) -> str | None:
        names = _condition(obj, "NamesAccepted") if obj is not None else None
        if names is not None and names.get("status") == "False":
            return f"its names were not accepted: {names.get('message') or names.get('reason')}"
        return None

    return WaitCondition("CRD established", status_condition("Established").check, failed)


def job_complete() -> WaitCondition:
    """A Job has completed (condition Complete); one that has failed (Failed) ends the wait."""

    def failed(obj: Any) -> str | None:
        found = _condition(obj, "Failed") if obj is not None else None
        if found is not None and found.get("status") == "True":
            return f"the Job failed: {found.get('reason')}: {found.get('message') or ''}".rstrip(
                ": "
            )
        return None

    return WaitCondition("Job complete", status_condition("Complete").check, failed)


def deployment_rolled_out() -> WaitCondition:
    """A Deployment is rolled out, as ``kubectl rollout status`` says: the controller has seen its
    latest generation, every replica is updated and available, and no old replica is left. A rollout
    past its progress deadline ends the wait."""

    def check(obj: Any) -> bool:
        if obj is None:
            return False
        data = to_json_object(obj)
        if not _generation_observed(data):
            return False
        spec, status = data.get("spec") or {}, data.get("status") or {}
        wanted = spec.get("replicas", 1)
        updated = status.get("updatedReplicas") or 0
        return bool(
            updated >= wanted
            and (status.get("replicas") or 0) <= updated
            and (status.get("availableReplicas") or 0) >= updated
        )

    def failed(obj: Any) -> str | None:
        found = _condition(obj, "Progressing") if obj is not None else None
        if found is not None and found.get("reason") == "ProgressDeadlineExceeded":
            return f"the rollout exceeded its progress deadline: {found.get('message') or ''}"
        return None

    return WaitCondition("Deployment rolled out", check, failed)
