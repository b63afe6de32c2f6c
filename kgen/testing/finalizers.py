"""The garbage collector's finalizers on an object being deleted (``orphan``, ``foregroundDeletion``),
as the generic store sets them from DeleteOptions (deletionFinalizersForGarbageCollection)."""

from __future__ import annotations

from kgen.testing.options import DeleteQuery

__all__ = ["FOREGROUND", "ORPHAN", "deletion_finalizers"]

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"


def deletion_finalizers(finalizers: list[str], opts: DeleteQuery) -> list[str]:
    """``finalizers`` with orphan or foregroundDeletion as the options say."""
    orphan = ORPHAN in finalizers
    foreground = FOREGROUND in finalizers
    if opts.orphan_dependents is not None:
        orphan, foreground = opts.orphan_dependents, False
    elif opts.propagation_policy is not None:
        orphan = opts.propagation_policy == "Orphan"
        foreground = opts.propagation_policy == "Foreground"
    kept = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if orphan:
        kept.append(ORPHAN)
    if foreground:
        kept.append(FOREGROUND)
    if set(kept) == set(finalizers):
        return list(finalizers)
    return kept
