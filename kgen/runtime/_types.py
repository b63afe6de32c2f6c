"""Wire types of the Kubernetes API that are not plain JSON scalars.

msgspec decodes most of them natively, which is what keeps decoding fast:

- ``IntOrString`` is ``int | str`` (a probe ``port: 8080`` or ``port: "http"``), the JSON type kept as sent.
- ``Quantity`` is ``str | int | float``: the server always sends a string, but people write ``cpu: 1``.
  ``parse_quantity`` gives its exact value.
- ``Time`` is a timezone-aware ``datetime``. It encodes with seconds, or with six fractional digits when
  the value has microseconds; Go's ``time.RFC3339`` parser accepts both.
- ``MicroTime`` is a ``datetime`` subclass because the server's parser *requires* six fractional digits
  (``2006-01-02T15:04:05.000000Z07:00``), which msgspec would drop for a whole second. It needs the hooks in
  :mod:`kgen.runtime._codec`, which every kgen decoder and encoder passes.
- byte fields (``format: byte``) are ``bytes``: base64 on the wire, raw bytes in Python, so a Secret that is
  not UTF-8 survives.
- free-form JSON (``FieldsV1``, ``RawExtension``, ``x-kubernetes-preserve-unknown-fields``) is ``dict`` or
  ``Any``, kept whole.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

__all__ = [
    "JSON",
    "FieldsV1",
    "IntOrString",
    "MicroTime",
    "Quantity",
    "RawExtension",
    "Time",
    "format_micro_time",
    "parse_quantity",
]

IntOrString: TypeAlias = int | str
Quantity: TypeAlias = str | int | float
Time: TypeAlias = datetime
JSON: TypeAlias = Any
FieldsV1: TypeAlias = dict[str, Any]
RawExtension: TypeAlias = dict[str, Any]


class MicroTime(datetime):
    """A timestamp that always goes on the wire with exactly six fractional digits."""

    @classmethod
    def parse(cls, text: str) -> MicroTime:
        value = _parse_rfc3339(text)
        return cls(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=value.tzinfo,
        )

    @classmethod
    def from_datetime(cls, value: datetime) -> MicroTime:
        if value.tzinfo is None:
            raise ValueError("MicroTime needs a timezone-aware datetime")
        return cls(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=value.tzinfo,
        )

    @classmethod
    def now_utc(cls) -> MicroTime:
        return cls.from_datetime(datetime.now(timezone.utc))

    def __str__(self) -> str:
        return format_micro_time(self)


def format_micro_time(value: datetime) -> str:
    """RFC 3339 with microseconds, ``Z`` for UTC: what metav1.MicroTime marshals to."""
    if value.tzinfo is None:
        raise ValueError("timestamps sent to Kubernetes must be timezone-aware")
    offset = value.utcoffset()
    base = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if offset == timedelta(0):
        return base + "Z"
    assert offset is not None
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{base}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z"
)


def _parse_rfc3339(text: str) -> datetime:
    match = _RFC3339.match(text)
    if match is None:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    if zulu:
        tz = timezone.utc
    else:
        delta = timedelta(hours=int(off_h), minutes=int(off_m))
        tz = timezone(-delta if sign == "-" else delta)
    return datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz
    )


_QUANTITY = re.compile(
    r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?\Z"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(value: str | int | float) -> Decimal:
    """The exact value of a resource.Quantity (``"500m"`` is 0.5, ``"1Gi"`` is 1073741824)."""
    if isinstance(value, bool):
        raise ValueError(f"not a quantity: {value!r}")
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    match = _QUANTITY.match(value.strip())
    if match is None:
        raise ValueError(f"not a quantity: {value!r}")
    number, suffix = match.group(1), match.group(2) or ""
    try:
        amount = Decimal(number)
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only decimals
        raise ValueError(f"not a quantity: {value!r}") from exc
    if suffix in _BINARY:
        return amount * _BINARY[suffix]
    if suffix in _DECIMAL:
        return amount.scaleb(_DECIMAL[suffix])
    return amount.scaleb(int(suffix[1:]))
