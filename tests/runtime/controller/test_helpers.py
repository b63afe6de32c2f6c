"""The pure helpers: status conditions (SetStatusCondition) and controller references."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from example_client.models.core_v1 import ConfigMap
from example_client.models.example_kgen_io_v1 import Gadget, Widget

from kgen.runtime import (
    AlreadyOwnedError,
    Condition,
    ObjectMeta,
    controller_of,
    find_status_condition,
    remove_status_condition,
    set_controller_reference,
    set_status_condition,
)

T1 = datetime(2024, 1, 1, tzinfo=timezone.utc)
T2 = datetime(2024, 1, 2, tzinfo=timezone.utc)


def condition(status: str, reason: str, when: datetime, generation: int = 1) -> Condition:
    return Condition(
        type="Ready",
        status=status,
        reason=reason,
        message="",
        last_transition_time=when,
        observed_generation=generation,
    )


def test_last_transition_time_changes_only_with_the_status() -> None:
    conditions: list[Condition] = []
    assert set_status_condition(conditions, condition("True", "A", T1))
    assert not set_status_condition(conditions, condition("True", "A", T2))
    assert conditions[0].last_transition_time == T1
    assert set_status_condition(conditions, condition("True", "B", T2, generation=2))
    assert (conditions[0].reason, conditions[0].observed_generation) == ("B", 2)
    assert conditions[0].last_transition_time == T1
    assert set_status_condition(conditions, condition("False", "B", T2, generation=2))
    assert conditions[0].last_transition_time == T2
    assert find_status_condition(conditions, "Ready") is conditions[0]
    assert remove_status_condition(conditions, "Ready") and conditions == []


def owner(kind: type, name: str, uid: str) -> object:
    return kind(metadata=ObjectMeta(name=name, namespace="default", uid=uid))


def test_set_controller_reference_refuses_a_second_controller() -> None:
    cm = ConfigMap(metadata=ObjectMeta(name="c", namespace="default"))
    set_controller_reference(owner(Widget, "w", "u1"), cm)
    ref = controller_of(cm)
    assert ref is not None
    assert (ref.api_version, ref.kind, ref.name, ref.uid) == (
        "example.kgen.io/v1",
        "Widget",
        "w",
        "u1",
    )
    assert ref.block_owner_deletion is True
    set_controller_reference(owner(Widget, "w", "u1"), cm)  # the same owner again: one reference
    assert len(cm.metadata.owner_references or []) == 1  # type: ignore[union-attr]
    with pytest.raises(AlreadyOwnedError):
        set_controller_reference(owner(Gadget, "g", "u2"), cm)
    elsewhere = ConfigMap(metadata=ObjectMeta(name="c", namespace="other"))
    with pytest.raises(ValueError):
        set_controller_reference(owner(Widget, "w", "u1"), elsewhere)
