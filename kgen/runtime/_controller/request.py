"""What a reconcile is asked (:class:`ReconcileRequest`) and what it answers (:class:`ReconcileResult`).

controller-runtime's ``reconcile.Request`` and ``reconcile.Result``: a reconcile returns ``None`` or
:data:`DONE` (success: the key's backoff is forgotten), :func:`requeue` (again, after the key's rate
limiter's delay: a failure without an error), or :func:`requeue_after` (again after exactly that delay,
the backoff forgotten: polling). Raising is a failure: the key is retried with per-item exponential
backoff and ``controller_runtime_reconcile_errors_total`` counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple, Optional

__all__ = ["DONE", "Outcome", "ReconcileRequest", "ReconcileResult", "requeue", "requeue_after"]


class ReconcileRequest(NamedTuple):
    """The object to reconcile: its namespace ("" for a cluster-scoped object) and name."""

    namespace: str
    name: str

    @property
    def key(self) -> str:
        """``namespace/name`` (``name`` when cluster-scoped): the informer cache's key."""
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class ReconcileResult:
    """What a reconcile asks for next: nothing, a rate-limited requeue, or a requeue after a delay."""

    requeue: bool = False
    requeue_after: float = 0.0

    def __post_init__(self) -> None:
        if self.requeue_after < 0:
            raise ValueError(f"requeue_after must not be negative, not {self.requeue_after}")


#: Success: nothing more to do until the object (or something it watches) changes.
DONE = ReconcileResult()


def requeue() -> ReconcileResult:
    """Reconcile again after the key's backoff delay (not counted as an error)."""
    return ReconcileResult(requeue=True)


def requeue_after(seconds: float) -> ReconcileResult:
    """Reconcile again after ``seconds``, whatever the backoff (which is reset)."""
    return ReconcileResult(requeue_after=seconds)


#: What a reconcile (or a finalizer's apply) returns: a result, or None for done.
Outcome = Optional[ReconcileResult]
