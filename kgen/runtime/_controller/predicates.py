"""Event filters of a controller: controller-runtime's ``predicate`` package.

A :class:`Predicate` says, per event of the watched kind, whether it enqueues a reconcile. Each of
``create``, ``update``, ``delete`` is optional (None lets every such event through); a controller with
several predicates enqueues only what all of them let through. The ready-made ones filter updates only,
as controller-runtime's do:

- :data:`GENERATION_CHANGED`: ``metadata.generation`` changed (a spec change: status writes do not
  enqueue);
- :data:`LABELS_CHANGED`, :data:`ANNOTATIONS_CHANGED`;
- ``any_of(p, q)``: either (``GENERATION_CHANGED | LABELS_CHANGED`` reads as it should).

A custom one: ``Predicate(update=lambda old, new: old.spec != new.spec)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kgen.runtime._cache.objects import annotations_of, labels_of

__all__ = [
    "ANNOTATIONS_CHANGED",
    "GENERATION_CHANGED",
    "LABELS_CHANGED",
    "Predicate",
    "any_of",
]


@dataclass(frozen=True)
class Predicate:
    """Whether an event of the watched kind enqueues a reconcile (None: always)."""

    create: Callable[[Any], bool] | None = None
    update: Callable[[Any, Any], bool] | None = None
    delete: Callable[[Any], bool] | None = None

    def on_create(self, obj: Any) -> bool:
        return self.create is None or bool(self.create(obj))

    def on_update(self, old: Any, new: Any) -> bool:
        return self.update is None or bool(self.update(old, new))

    def on_delete(self, obj: Any) -> bool:
        return self.delete is None or bool(self.delete(obj))

    def __or__(self, other: Predicate) -> Predicate:
        return any_of(self, other)


def any_of(*predicates: Predicate) -> Predicate:
    """A predicate that lets an event through when any of ``predicates`` does."""
    return Predicate(
        create=lambda obj: any(p.on_create(obj) for p in predicates),
        update=lambda old, new: any(p.on_update(old, new) for p in predicates),
        delete=lambda obj: any(p.on_delete(obj) for p in predicates),
    )


def _generation(obj: Any) -> Any:
    return getattr(getattr(obj, "metadata", None), "generation", None)


#: Updates that changed ``metadata.generation`` (controller-runtime's GenerationChangedPredicate).
GENERATION_CHANGED = Predicate(update=lambda old, new: _generation(old) != _generation(new))
#: Updates that changed ``metadata.labels``.
LABELS_CHANGED = Predicate(update=lambda old, new: dict(labels_of(old)) != dict(labels_of(new)))
#: Updates that changed ``metadata.annotations``.
ANNOTATIONS_CHANGED = Predicate(
    update=lambda old, new: dict(annotations_of(old)) != dict(annotations_of(new))
)
