"""The order a set is applied in (and deleted in, reversed), and what a dry run's diff shows.

Namespaces go first, then CustomResourceDefinitions (the applier waits until each is Established before
objects of its kinds), then everything else in the order it was given, as kubectl and Helm do. A diff is
of the objects as kubectl prints them (:mod:`.dump`), without what the server changes on every write
(``resourceVersion``, ``generation``, ``managedFields``...), so that it shows only what would change.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable
from typing import Any

from kgen.runtime._manifests.dump import dump_yaml, to_json_object
from kgen.runtime._manifests.load import Manifest

__all__ = ["CRD_KIND", "apply_order", "delete_order", "diff_text", "without_volatile"]

CRD_KIND = ("apiextensions.k8s.io", "CustomResourceDefinition")
_TIERS = {("", "Namespace"): 0, CRD_KIND: 1}
# What the server sets on every write, or once: not what a manifest says, so not in a diff.
_VOLATILE = (
    "managedFields",
    "resourceVersion",
    "generation",
    "uid",
    "creationTimestamp",
    "selfLink",
)


def _tier(manifest: Manifest) -> int:
    return _TIERS.get((manifest.gvk.group, manifest.kind), 2)


def apply_order(manifests: Iterable[Manifest]) -> list[Manifest]:
    """Namespaces, then CustomResourceDefinitions, then the rest, each in the order given."""
    return sorted(manifests, key=_tier)


def delete_order(manifests: Iterable[Manifest]) -> list[Manifest]:
    """The apply order reversed: the rest, then CRDs, then Namespaces."""
    return list(reversed(apply_order(manifests)))


def without_volatile(obj: Any) -> dict[str, Any]:
    """A copy of an object's JSON without the metadata the server changes on its own."""
    data = copy.deepcopy(to_json_object(obj))
    metadata = data.get("metadata")
    if isinstance(metadata, dict):
        for key in _VOLATILE:
            metadata.pop(key, None)
    return data


def diff_text(live: Any | None, merged: Any | None, name: str) -> str:
    """A unified diff of an object as it is (``live``; None: it does not exist) and as it would be
    (``merged``; None: deleted), in kubectl's YAML; empty when nothing would change."""
    before = dump_yaml(without_volatile(live)) if live is not None else ""
    after = dump_yaml(without_volatile(merged)) if merged is not None else ""
    if before == after:
        return ""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"live/{name}",
        tofile=f"merged/{name}",
    )
    return "".join(lines)
