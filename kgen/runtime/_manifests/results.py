"""What applying, deleting or pruning did to each object of a set (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from kgen.runtime._manifests.load import Manifest

__all__ = ["Action", "ApplyResult"]

#: What happened to an object: ``created``, ``configured`` (changed), ``unchanged``, ``deleted``,
#: ``pruned``, ``not found`` (nothing to delete), ``skipped`` (a dry run of an object whose kind its
#: own set defines), or ``failed`` (then ``error`` says why).
Action = Literal[
    "created", "configured", "unchanged", "deleted", "pruned", "not found", "skipped", "failed"
]


@dataclass
class ApplyResult:
    """One object's result. ``object`` is what the server answered (for a dry run, the object as it
    would be), ``diff`` what would change (a dry run's diff, in kubectl's YAML), ``error`` why it
    failed."""

    manifest: Manifest
    action: Action
    object: Any = None
    error: BaseException | None = None
    diff: str = ""
    dry_run: bool = False
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def describe(self) -> str:
        """``deployment.apps/web -n shop``, as kubectl names an object."""
        group = self.manifest.gvk.group
        kind = self.manifest.kind.lower() + (f".{group}" if group else "")
        namespace = self.manifest.namespace
        return f"{kind}/{self.manifest.name}" + (f" -n {namespace}" if namespace else "")

    def __str__(self) -> str:
        text = f"{self.describe()} {self.action}"
        if self.dry_run:
            text += " (server dry run)"
        if self.error is not None:
            text += f": {self.error}"
        elif self.note:
            text += f": {self.note}"
        return text
