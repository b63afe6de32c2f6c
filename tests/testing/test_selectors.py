"""Label and field selector parsing and matching (k8s.io/apimachinery labels and fields)."""

from __future__ import annotations

import pytest

from kgen.testing.selectors import SelectorError, parse_field_selector, parse_label_selector


@pytest.mark.parametrize(
    ("text", "labels", "matches"),
    [
        ("a=b", {"a": "b"}, True),
        ("a = b", {"a": "b"}, True),
        ("a==b", {"a": "c"}, False),
        ("a!=b", {}, True),
        ("a in (b, c)", {"a": "c"}, True),
        ("a notin (b,c)", {"a": "d"}, True),
        ("a notin (b,c)", {}, True),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        ("a>5", {"a": "6"}, True),
        ("a<5", {"a": "6"}, False),
        ("example.com/a=b,c", {"example.com/a": "b", "c": "1"}, True),
        ("a=", {"a": ""}, True),
        ("a in (,b)", {"a": ""}, True),
    ],
)
def test_label_selector(text: str, labels: dict[str, str], matches: bool) -> None:
    assert parse_label_selector(text).matches(labels) is matches


@pytest.mark.parametrize(
    "text", ["a in b", "a=(b)", "=b", "a b", "a in (b", "-a=b", "a=b c", "a>b"]
)
def test_bad_label_selectors(text: str) -> None:
    with pytest.raises(SelectorError):
        parse_label_selector(text)


def test_bad_label_key_message() -> None:
    with pytest.raises(SelectorError) as info:
        parse_label_selector("Bad_Key!x=1")
    assert str(info.value).startswith("found")


@pytest.mark.parametrize(
    ("text", "fields", "matches"),
    [
        ("a=b", {"a": "b"}, True),
        ("a==b,c!=d", {"a": "b", "c": "e"}, True),
        ("a!=b", {}, True),
        ("a=", {}, True),
        (r"a=b\,c", {"a": "b,c"}, True),
        (r"a=x\=y", {"a": "x=y"}, True),
    ],
)
def test_field_selector(text: str, fields: dict[str, str], matches: bool) -> None:
    assert parse_field_selector(text).matches(fields) is matches


def test_field_selector_errors() -> None:
    with pytest.raises(SelectorError) as info:
        parse_field_selector("a=b,c")
    assert str(info.value) == "invalid selector: 'a=b,c'; can't understand 'c'"


def test_single_value() -> None:
    assert parse_field_selector("metadata.name=x,b!=c").single_value("metadata.name") == "x"
