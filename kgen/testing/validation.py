"""Object metadata validation with kube-apiserver's messages (names, generateName, labels, annotations)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kgen.testing.errors import FieldError

__all__ = [
    "NameCheck",
    "dns1035_label",
    "dns1123_label",
    "dns1123_subdomain",
    "label_value",
    "name_check",
    "path_segment",
    "qualified_name",
    "validate_object_meta",
]

NameCheck = Callable[[str, bool], list[str]]

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = _LABEL + r"(\." + _LABEL + r")*"
_LABEL_1035 = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(" + _QUALIFIED + r")?"

_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    f"validation is '{_SUBDOMAIN}')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
    "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
    f"validation is '{_LABEL}')"
)
_LABEL_1035_MSG = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    f"regex used for validation is '{_LABEL_1035}')"
)
_QUALIFIED_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    f"validation is '{_QUALIFIED}')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    f"'12345', regex used for validation is '{_LABEL_VALUE}')"
)


def _full(pattern: str) -> re.Pattern[str]:
    return re.compile(f"^{pattern}$")


_SUBDOMAIN_RE = _full(_SUBDOMAIN)
_LABEL_RE = _full(_LABEL)
_LABEL_1035_RE = _full(_LABEL_1035)
_QUALIFIED_RE = _full(_QUALIFIED)
_LABEL_VALUE_RE = _full(_LABEL_VALUE)


def _max(length: int) -> str:
    return f"must be no more than {length} characters"


def _mask_trailing_dash(name: str) -> str:
    # A generateName prefix may end in '-': validate it as if a generated suffix followed.
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def dns1123_subdomain(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 253:
        errors.append(_max(253))
    if not _SUBDOMAIN_RE.match(name):
        errors.append(_SUBDOMAIN_MSG)
    return errors


def dns1123_label(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 63:
        errors.append(_max(63))
    if not _LABEL_RE.match(name):
        errors.append(_LABEL_MSG)
    return errors


def dns1035_label(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = _mask_trailing_dash(name)
    errors = []
    if len(name) > 63:
        errors.append(_max(63))
    if not _LABEL_1035_RE.match(name):
        errors.append(_LABEL_1035_MSG)
    return errors


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


def qualified_name(value: str) -> list[str]:
    """validation.IsQualifiedName: label and annotation keys."""
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
        prefix_errors: list[str] = []
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            prefix_errors = ["prefix part must be non-empty"]
        else:
            prefix_errors = [f"prefix part {m}" for m in dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + _QUALIFIED_MSG.replace("name part ", "", 1)
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    errors = list(prefix_errors)
    if not name:
        errors.append("name part must be non-empty")
    elif len(name) > 63:
        errors.append("name part " + _max(63))
    if name and not _QUALIFIED_RE.match(name):
        errors.append(_QUALIFIED_MSG)
    return errors


def label_value(value: str) -> list[str]:
    errors = []
    if len(value) > 63:
        errors.append(_max(63))
    if not _LABEL_VALUE_RE.match(value):
        errors.append(_LABEL_VALUE_MSG)
    return errors


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
