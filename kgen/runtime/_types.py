"""Wire types of the Kubernetes API that are not plain JSON scalars.

msgspec decodes most of them natively, which is what keeps decoding fast:

- ``IntOrString`` is ``int | str`` (a probe ``port: 8080`` or ``port: "http"``), the JSON type kept as sent.
- ``Quantity`` is ``str | int | float``: the server always sends a string, but people write ``cpu: 1``.
  ``parse_quantity`` gives its exact value, read as apimachinery's ``ParseQuantity`` reads it (the one
  reading of a quantity in kgen: kgen.cel's ``quantity()`` is this too).
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
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, ROUND_UP, Context, Decimal, InvalidOperation
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


# resource.Quantity, as apimachinery's ParseQuantity reads it (k8s.io/apimachinery/pkg/api/resource).
_QUANTITY_FORMAT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_FORMAT_ERROR = f"quantities must match the regular expression '{_QUANTITY_FORMAT}'"
_NUMERIC_ERROR = "unable to parse numeric part of quantity"
_SUFFIX_ERROR = "unable to parse quantity's suffix"
_QUANTITY_SCAN = re.compile(
    r"([+-]?)(0*)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*[-+]?[0-9]*)", re.ASCII
)
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_NANO = Decimal("1e-9")
_MAX_BINARY = Decimal(2**63 - 1)
# The context in which quantities are read and added: exact (Go's inf.Dec), whatever their size.
EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN, traps=[InvalidOperation])


def quantity_value(text: str) -> Decimal:
    """The value of ``text`` as ParseQuantity reads it, or ValueError with apimachinery's message.

    What Go accepts is accepted (``"1.G"`` is 1G; ``"."`` and ``"+Ki"`` are 0; ``e`` or ``E`` and an
    integer is a decimal exponent, kept as an int32), the value is rounded away from zero to a whole nano,
    and a binary-suffixed value is capped at 2^63-1, as in Go. No space is trimmed: JSON decoding does
    that (:func:`parse_quantity`)."""
    match = _QUANTITY_SCAN.fullmatch(text)
    if not text or match is None:
        raise ValueError(_FORMAT_ERROR)
    sign, zeros, whole, fraction, suffix = match.groups()
    if suffix in _DECIMAL:
        base, exponent = 10, _DECIMAL[suffix]
    elif suffix in _BINARY:
        base, exponent = 2, _BINARY[suffix]
    elif len(suffix) > 1 and suffix[0] in "eE" and re.fullmatch(r"[+-]?[0-9]+", suffix[1:]):
        exponent = int(suffix[1:])
        if not -(2**63) <= exponent < 2**63:  # strconv.ParseInt(..., 64)
            raise ValueError(_SUFFIX_ERROR)
        base, exponent = 10, (exponent + 2**31) % 2**32 - 2**31  # Go keeps it as an int32
    else:
        raise ValueError(_SUFFIX_ERROR)
    digits = (whole or "0") + (fraction or "")
    if not (zeros or whole or fraction) and not _fast_path(digits, fraction or "", base, exponent):
        # Go reads a number with no digit ("", "+", ".") from its digits only on its fast path; on
        # the other, the decimal parser refuses it.
        raise ValueError(_NUMERIC_ERROR)
    amount = Decimal(sign + (whole or "0") + ("." + fraction if fraction else ""))
    if base == 10:
        amount = amount.scaleb(exponent, context=EXACT)
    else:
        amount = EXACT.multiply(amount, 2**exponent)
    places = amount.as_tuple().exponent
    if isinstance(places, int) and places < -9:
        amount = amount.quantize(_NANO, rounding=ROUND_UP, context=EXACT)
    if base == 2 and abs(amount) > _MAX_BINARY:
        amount = _MAX_BINARY.copy_sign(amount)
    return amount if amount else Decimal(0)  # Go has no negative zero


def _fast_path(digits: str, fraction: str, base: int, exponent: int) -> bool:
    # ParseQuantity's int64 fast path: taken when the digits and the suffix fit an int64 exactly.
    if base == 2:
        return exponent >= 0 and not fraction and 15 - len(digits) - int(exponent * 3 / 10) - 1 >= 0
    return 18 - len(digits) >= 0 and exponent - len(fraction) >= -9


def parse_quantity(value: str | int | float) -> Decimal:
    """The exact value of a resource.Quantity (``"500m"`` is 0.5, ``"1Gi"`` is 1073741824), read as the
    API server reads it from JSON (surrounding white space is trimmed; a number is read as written).
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"not a quantity: {value!r}")
    try:
        return quantity_value(value.strip() if isinstance(value, str) else str(value))
    except ValueError as exc:
        raise ValueError(f"not a quantity: {value!r} ({exc})") from None
