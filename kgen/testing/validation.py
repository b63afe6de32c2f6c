"""Object metadata validation with kube-apiserver's messages (names, generateName, labels, annotations).

The name checks themselves (DNS labels and subdomains, qualified names, label values) are apimachinery's
``util/validation``, in :mod:`kgen.runtime._validation`, shared with the label selectors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kgen.runtime._validation import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    qualified_name,
)
from kgen.testing.errors import FieldError

__all__ = ["NameCheck", "name_check", "path_segment", "validate_object_meta"]

NameCheck = Callable[[str, bool], list[str]]


def path_segment(name: str, prefix: bool = False) -> list[str]:
    """path.ValidatePathSegmentName: what custom resources allow."""
    if not prefix:
        if name in (".", ".."):
            return [f"may not be '{name}'"]
    errors = []
    for bad in ("/", "%"):
        if bad in name:
            errors.append(f"may not contain '{bad}'")
    return errors


def name_check(kind: str) -> NameCheck:
    """The name rule of a kind: ``subdomain`` (most built-ins), ``label``, ``label1035``, ``path``."""
    return {
        "subdomain": dns1123_subdomain,
        "label": dns1123_label,
        "label1035": dns1035_label,
        "path": path_segment,
    }[kind]


def validate_object_meta(
    meta: dict[str, Any], *, namespaced: bool, check: NameCheck
) -> list[FieldError]:
    """ValidateObjectMeta: name (or generateName), namespace presence, labels, annotations."""
    errors: list[FieldError] = []
    name = meta.get("name") or ""
    generate = meta.get("generateName") or ""
    if generate:
        for message in check(generate, True):
            errors.append(FieldError.invalid("metadata.generateName", generate, message))
    if not name:
        errors.append(FieldError.required("metadata.name", "name or generateName is required"))
    else:
        for message in check(name, False):
            errors.append(FieldError.invalid("metadata.name", name, message))
    if namespaced and not meta.get("namespace"):
        errors.append(FieldError.required("metadata.namespace"))
    if not namespaced and meta.get("namespace"):
        errors.append(FieldError.forbidden("metadata.namespace", "not allowed on this type"))
    generation = meta.get("generation")
    if isinstance(generation, int) and generation < 0:
        # Kinds without a generation of their own keep the client's value: it must still be >= 0.
        errors.append(
            FieldError.invalid(
                "metadata.generation", generation, "must be greater than or equal to 0"
            )
        )
    labels = meta.get("labels") or {}
    if isinstance(labels, dict):
        for key, value in labels.items():
            for message in qualified_name(str(key)):
                errors.append(FieldError.invalid("metadata.labels", key, message))
            for message in label_value(str(value)):
                errors.append(FieldError.invalid("metadata.labels", value, message))
    annotations = meta.get("annotations") or {}
    if isinstance(annotations, dict):
        for key in annotations:
            for message in qualified_name(str(key).lower()):
                errors.append(FieldError.invalid("metadata.annotations", key, message))
    where = "metadata.ownerReferences"
    for ref in meta.get("ownerReferences") or []:
        if not isinstance(ref, dict):
            continue
        version = str(ref.get("apiVersion") or "").rpartition("/")[2]
        checks = (
            ("apiVersion", version, "version must not be empty"),
            ("kind", ref.get("kind"), "kind must not be empty"),
            ("name", ref.get("name"), "name must not be empty"),
            ("uid", ref.get("uid"), "uid must not be empty"),
        )
        for key, value, message in checks:
            if not value:
                errors.append(FieldError.invalid(f"{where}.{key}", ref.get(key, ""), message))
    return errors
