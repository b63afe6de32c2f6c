"""The check before sending: every object of a set against the schema it will meet, every problem at once.

    check_manifests(manifests)                        # raises ManifestError listing every problem
    problems = manifest_problems(manifests, package="example_client")

What is checked, per object: that it has a name (or a generateName), that the set does not hold it twice,
and, where a schema is known, every violation of it (:func:`kgen.runtime.validate`, kgen.schema's engine:
types, formats, enums, required fields, ranges, CEL rules of custom resources). A model of a generated
package knows its package's schemas; an unstructured object is checked against ``package``'s when that
package has its kind, and otherwise only by the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kgen.runtime._errors import ManifestError, ManifestProblem
from kgen.runtime._manifests.load import Manifest
from kgen.runtime._schemacheck import validate
from kgen.runtime._unstructured import Unstructured

__all__ = ["check_manifests", "manifest_problems"]


def manifest_problems(
    manifests: Iterable[Manifest | Any], *, package: str | None = None
) -> list[ManifestProblem]:
    """Every problem of every object (an empty list: the set may be sent)."""
    problems: list[ManifestProblem] = []
    seen: dict[tuple[str, str, str | None, str], Manifest] = {}
    for manifest in (Manifest.of(m) for m in manifests):
        body = manifest.body()
        metadata = body.get("metadata") or {}
        if not metadata.get("name") and not metadata.get("generateName"):
            problems.append(
                manifest.problem(
                    "metadata.name", "Required value: name or generateName is required"
                )
            )
        elif manifest.name:
            key = (manifest.gvk.group, manifest.kind, manifest.namespace, manifest.name)
            first = seen.setdefault(key, manifest)
            if first is not manifest:
                problems.append(
                    manifest.problem(
                        "metadata.name",
                        f"Duplicate value: {manifest.name!r} is also defined at {first.where}",
                    )
                )
        for violation in _violations(manifest.object, package):
            problems.append(manifest.problem(violation.field, violation.body()))
    return problems


def check_manifests(manifests: Iterable[Manifest | Any], *, package: str | None = None) -> None:
    """Raise :class:`~kgen.runtime._errors.ManifestError` listing every problem of the set."""
    problems = manifest_problems(manifests, package=package)
    if problems:
        raise ManifestError(problems)


def _violations(obj: Any, package: str | None) -> list[Any]:
    if isinstance(obj, Unstructured) and package is None:
        return []  # no package: no schema is known for it
    try:
        return validate(obj, package=package)
    except (ValueError, ImportError):
        return []  # a kind the package does not have: the server checks it
