"""Status conditions with apimachinery's ``meta.SetStatusCondition`` semantics.

    status.conditions = status.conditions or []
    changed = set_status_condition(
        status.conditions, new_condition("Ready", "True", "Applied", observed_generation=generation)
    )

The list is changed in place:

- a new type is appended;
- an existing type takes the new ``status``; its ``lastTransitionTime`` changes **only when the
  status changes** (to the new condition's); ``reason``, ``message`` and ``observedGeneration`` are
  always taken.

Each function returns whether anything changed, so a status write can be skipped when nothing did.
"""

from __future__ import annotations

from datetime import datetime, timezone

from kgen.runtime._meta import Condition

__all__ = [
    "find_status_condition",
    "new_condition",
    "is_status_condition_false",
    "is_status_condition_true",
    "remove_status_condition",
    "set_status_condition",
]


def _now() -> datetime:
    # metav1.Time has whole seconds on the wire.
    return datetime.now(timezone.utc).replace(microsecond=0)


def new_condition(
    type: str,
    status: str,
    reason: str,
    message: str = "",
    *,
    observed_generation: int | None = None,
) -> Condition:
    """A condition whose ``lastTransitionTime`` is now (whole seconds, as the API keeps it)."""
    return Condition(
        type=type,
        status=status,
        reason=reason,
        message=message,
        last_transition_time=_now(),
        observed_generation=observed_generation,
    )


def set_status_condition(conditions: list[Condition], new: Condition) -> bool:
    """Add or update the condition of ``new.type`` in ``conditions``; True if anything changed."""
    existing = find_status_condition(conditions, new.type)
    if existing is None:
        conditions.append(new)
        return True
    changed = False
    if existing.status != new.status:
        existing.status = new.status
        existing.last_transition_time = new.last_transition_time
        changed = True
    for field in ("reason", "message", "observed_generation"):
        value = getattr(new, field)
        if getattr(existing, field) != value:
            setattr(existing, field, value)
            changed = True
    return changed


def remove_status_condition(conditions: list[Condition], condition_type: str) -> bool:
    """Remove the condition of ``condition_type``; True if there was one."""
    for index, condition in enumerate(conditions):
        if condition.type == condition_type:
            del conditions[index]
            return True
    return False


def find_status_condition(
    conditions: list[Condition] | None, condition_type: str
) -> Condition | None:
    """The condition of ``condition_type``, or None."""
    for condition in conditions or ():
        if condition.type == condition_type:
            return condition
    return None


def is_status_condition_true(conditions: list[Condition] | None, condition_type: str) -> bool:
    condition = find_status_condition(conditions, condition_type)
    return condition is not None and condition.status == "True"


def is_status_condition_false(conditions: list[Condition] | None, condition_type: str) -> bool:
    condition = find_status_condition(conditions, condition_type)
    return condition is not None and condition.status == "False"
