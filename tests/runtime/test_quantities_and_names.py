"""The runtime's one reading of a resource.Quantity and of apimachinery's name checks: what the
Kubernetes sources do (k8s.io/apimachinery/pkg/api/resource/quantity.go, util/validation,
api/validation/generic.go), for clients, kgen.testing's server and kgen.cel alike."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kgen.runtime import parse_quantity
from kgen.runtime._validation import (
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    label_value,
    qualified_name,
)

FORMAT_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("1Gi", Decimal(2**30)),
        ("1.5Ki", Decimal(1536)),
        ("1e3", Decimal(1000)),
        ("1E", Decimal(10**18)),  # E is exa; an exponent needs digits
        ("1.G", Decimal(10**9)),
        (".5", Decimal("0.5")),
        # ParseQuantity reads a number with no digit as 0 where its int64 fast path takes it
        (".", Decimal(0)),
        ("+", Decimal(0)),
        ("+Ki", Decimal(0)),
        # below a nano, a value is rounded away from zero
        ("0.1n", Decimal("1e-9")),
        ("-0.1n", Decimal("-1e-9")),
        ("1e-10", Decimal("1e-9")),
        # a binary-suffixed value is capped at 2^63-1; a decimal one is not
        ("8Ei", Decimal(2**63 - 1)),
        ("-9Ei", -Decimal(2**63 - 1)),
        ("9E", Decimal(9 * 10**18)),
        ("123456789012345678901234567890", Decimal("123456789012345678901234567890")),
        # the exponent is kept as an int32, as Go keeps it
        ("1e4294967296", Decimal(1)),
    ],
)
def test_a_quantity_has_the_value_apimachinery_gives_it(text: str, value: Decimal) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", FORMAT_ERROR),
        ("1.3GiB", FORMAT_ERROR),
        ("1.2.3", FORMAT_ERROR),
        ("1e", "unable to parse quantity's suffix"),
        ("1ki", "unable to parse quantity's suffix"),
        ("1Ki3", "unable to parse quantity's suffix"),
        ("Ei", "unable to parse numeric part of quantity"),
        ("+Pi", "unable to parse numeric part of quantity"),
    ],
)
def test_a_quantity_that_is_not_one_says_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_quantity(text)
    assert str(err.value) == f"not a quantity: {text!r} ({reason})"


def test_a_quantity_is_read_as_json_decoding_reads_it() -> None:
    # Quantity.UnmarshalJSON trims white space; a JSON number is read as it is written.
    assert parse_quantity(" 1Gi\n") == Decimal(2**30)
    assert parse_quantity(2) == Decimal(2)
    assert parse_quantity(0.25) == Decimal("0.25")
    assert parse_quantity(1e-10) == Decimal("1e-9")
    for value in (True, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            parse_quantity(value)


def test_a_pattern_matches_the_whole_name() -> None:
    # Go's $ is the end of the text; Python's would also match before a final newline.
    for check in (dns1123_label, dns1123_subdomain, dns1035_label, label_value):
        assert check("abc") == []
        assert len(check("abc\n")) == 1
    assert len(qualified_name("abc\n")) == 1


def test_lengths_are_counted_in_bytes_as_go_counts_them() -> None:
    name = "é" * 32  # 32 characters, 64 bytes
    assert dns1123_label(name)[0] == "must be no more than 63 characters"
    assert label_value(name)[0] == "must be no more than 63 characters"
    assert qualified_name(name)[0] == "name part must be no more than 63 characters"


def test_a_generate_name_is_checked_as_apimachinery_masks_it() -> None:
    # maskTrailingDash: more than one character ending in '-' loses its last two and gains an 'a'
    assert dns1123_label("a" * 63 + "-", prefix=True) == []
    assert dns1123_label("a" * 64 + "-", prefix=True) == ["must be no more than 63 characters"]
    assert dns1123_subdomain("A-", prefix=True) == []
    assert dns1035_label("gen-", prefix=True) == []
    assert dns1123_label("-", prefix=True) == dns1123_label("-")
    assert len(dns1123_label("-", prefix=True)) == 1


def test_an_empty_name_part_also_fails_the_pattern() -> None:
    assert qualified_name("example.com/") == [
        "name part must be non-empty",
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
        "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]
