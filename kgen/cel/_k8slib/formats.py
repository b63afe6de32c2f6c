"""Kubernetes' format library: ``format.named(name)``, ``format.<name>()`` and
``<format>.validate(value)``. The name formats are the runtime's one implementation of
apimachinery's name checks (:mod:`kgen.runtime._validation`), messages and all, as the apiserver's
library calls apimachinery's; the CRD formats (uri, uuid, byte, date, datetime) are strfmt's."""

from __future__ import annotations

import base64
import binascii
import datetime
import re
from typing import Callable

from kgen.cel._errors import EvalError
from kgen.cel._k8slib.urls import is_url
from kgen.cel._library import Library, traversal
from kgen.cel._types import STRING, list_of, opaque, optional_of
from kgen.cel._values import OPTIONAL_NONE, Optional, parse_timestamp
from kgen.runtime._validation import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    qualified_name,
)

__all__ = ["FORMAT", "NamedFormat", "register"]

FORMAT = opaque("kubernetes.NamedFormat")


def _uuid(v: str) -> list[str]:
    if re.fullmatch(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", v
    ):
        return []
    return ["does not match the UUID format"]


def _byte(v: str) -> list[str]:
    try:
        base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        return ["invalid base64"]
    return []


def _date(v: str) -> list[str]:
    try:
        datetime.date.fromisoformat(v)
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            raise ValueError
    except ValueError:
        return ["invalid date"]
    return []


def _datetime(v: str) -> list[str]:
    try:
        parse_timestamp(v)
    except EvalError:
        return ["invalid datetime"]
    return []


def _uri(v: str) -> list[str]:
    return [] if is_url(v) else ["invalid URI"]


_FORMATS: dict[str, Callable[[str], list[str]]] = {
    "dns1123Label": dns1123_label,
    "dns1123Subdomain": dns1123_subdomain,
    "dns1035Label": dns1035_label,
    "qualifiedName": qualified_name,
    "dns1123LabelPrefix": lambda v: dns1123_label(v, prefix=True),
    "dns1123SubdomainPrefix": lambda v: dns1123_subdomain(v, prefix=True),
    "dns1035LabelPrefix": lambda v: dns1035_label(v, prefix=True),
    "labelValue": label_value,
    "uri": _uri,
    "uuid": _uuid,
    "byte": _byte,
    "date": _date,
    "datetime": _datetime,
}


class NamedFormat:
    cel_type_name = "kubernetes.NamedFormat"
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NamedFormat) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)


def _validate(f: NamedFormat, value: str) -> Optional:
    errs = _FORMATS[f.name](value)
    return Optional(errs) if errs else OPTIONAL_NONE


def register(lib: Library) -> None:
    lib.add(
        "format.named",
        "format-named",
        (STRING,),
        optional_of(FORMAT),
        lambda n: Optional(NamedFormat(n)) if n in _FORMATS else OPTIONAL_NONE,
    )
    for name in _FORMATS:
        lib.add(f"format.{name}", f"format-{name}", (), FORMAT, (lambda n=name: NamedFormat(n)))
    lib.member(
        "validate",
        "format-validate",
        (FORMAT, STRING),
        optional_of(list_of(STRING)),
        _validate,
        cost=lambda a, r: traversal(a[1]),
    )
