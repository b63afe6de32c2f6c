"""Label and field selector parsing and matching (k8s.io/apimachinery labels and fields), as the server
reads them: kgen.runtime's one implementation, with kube-apiserver's messages word for word (its 400s
carry them; test_apiserver_read checks the ones every version shares against a real server too)."""

from __future__ import annotations

import pytest

from kgen.runtime._labels import SelectorError, parse_labels
from kgen.runtime._selectors import parse_field_selector

_KEY = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_OPERATORS = "in, notin, =, ==, !=, gt, lt"
_REQ = "unable to parse requirement: "


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
        # "in" and "notin" are words only where an operator goes: elsewhere they are keys and values.
        ("in=notin", {"in": "notin"}, True),
        ("a in (in)", {"a": "in"}, True),
        ("a\r=b", {"a": "b"}, True),  # \r is white space, as \t and \n
        ("a>01", {"a": "2"}, True),
        # Gt and Lt compare integers as strconv.ParseInt reads them: "5_0" and "٥" are not numbers.
        ("a>1", {"a": "5_0"}, False),
        ("a<9", {"a": "\u0665"}, False),
        # Go's lexer stops at a NUL character where a token starts ("!a" is never read).
        ("a=b \x00,!a", {"a": "b"}, True),
    ],
)
def test_label_selector(text: str, labels: dict[str, str], matches: bool) -> None:
    assert parse_labels(text).matches(labels) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a in b", _REQ + "found 'b' expected: '('"),
        ("a in", _REQ + "found '' expected: '('"),
        ("a=(b)", _REQ + "found '(', expected: identifier"),
        ("=b", "found '=', expected: !, identifier, or 'end of string'"),
        ("a b", _REQ + f"found 'b', expected: {_OPERATORS}"),
        ("Bad_Key!x=1", _REQ + f"found '!', expected: {_OPERATORS}"),
        ("a in (b", _REQ + "found '', expected: ',' or ')'"),
        ("a in (b c)", _REQ + "found 'c', expected: ',' or ')'"),
        ("a in (b,,)", _REQ + "found ')', expected: ',', or identifier"),
        ("a in ((b)", _REQ + "found '(', expected: ',', ')' or identifier"),
        ("a=b c", "found 'c', expected: ',' or 'end of string'"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a==b==c", "found '==', expected: ',' or 'end of string'"),
        ("app=web,", "found '', expected: identifier after ','"),
        ("a,,b", "found ',', expected: identifier after ','"),
        ("a=b,(c)", "found '(', expected: identifier after ','"),
        ("!", _REQ + "found '', expected: identifier"),
        ("!!a", _REQ + "found '!', expected: identifier"),
        ("a>=1", _REQ + "found '=', expected: identifier"),
        ("-a=b", _REQ + f'<nil>: Invalid value: "-a": {_KEY}'),
        ("a/=1", _REQ + f'<nil>: Invalid value: "a/": name part must be non-empty; {_KEY}'),
        ("a=-x", _REQ + f'values[0][a]: Invalid value: "-x": {_VALUE}'),
        # Values are a sorted set: the index is the value's place in it.
        ("a in (b,-x)", _REQ + f'values[0][a]: Invalid value: "-x": {_VALUE}'),
        (
            "a in (-y,-x)",
            _REQ
            + f'[values[0][a]: Invalid value: "-x": {_VALUE}, '
            + f'values[1][a]: Invalid value: "-y": {_VALUE}]',
        ),
        (
            "a>b",
            _REQ
            + "values[0]: Invalid value: \"b\": for 'Gt', 'Lt' operators, the value must be an "
            "integer",
        ),
        (
            "a>99999999999999999999",
            _REQ + "values[0]: Invalid value: \"99999999999999999999\": for 'Gt', 'Lt' operators, "
            "the value must be an integer",
        ),
        (
            "a>-1",
            _REQ + f'values[0][a]: Invalid value: "-1": {_VALUE}',
        ),
    ],
)
def test_bad_label_selectors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse_labels(text)
    assert info.value.message == message
    # A client sees the selector and where the parser stopped, too.
    assert str(info.value).startswith(f"invalid label selector {text!r} at position ")
    assert str(info.value).endswith(message)


def test_str_is_apimachinery_string() -> None:
    selector = parse_labels("b notin (z,y),a>1,!c,d,e==f")
    assert str(selector) == "b notin (y,z),a>1,!c,d,e==f"
    assert parse_labels(str(selector)) == selector


@pytest.mark.parametrize(
    ("text", "fields", "matches"),
    [
        ("a=b", {"a": "b"}, True),
        ("a==b,c!=d", {"a": "b", "c": "e"}, True),
        ("a!=b", {}, True),
        ("a=", {}, True),
        (r"a=b\,c", {"a": "b,c"}, True),
        (r"a=x\=y", {"a": "x=y"}, True),
        (",", {}, True),
        # The field is taken as written (no escapes there): it splits at the first operator.
        (r"a\=b", {"a\\": "b"}, True),
    ],
)
def test_field_selector(text: str, fields: dict[str, str], matches: bool) -> None:
    assert parse_field_selector(text).matches(fields) is matches


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=b,c", "invalid selector: 'a=b,c'; can't understand 'c'"),
        # Terms are read sorted: the first bad one in that order is reported.
        ("z,a", "invalid selector: 'z,a'; can't understand 'a'"),
        (r"a=x\qy", r"invalid field selector: invalid escape sequence: \q"),
        ("a=x\\", "invalid field selector: invalid escape sequence: \\"),
        (r"a=x\!y", r"invalid field selector: invalid escape sequence: \!"),
        ("a=x=y", "invalid field selector: unescaped character in value: 61"),
        ("a==b==c", "invalid field selector: unescaped character in value: 61"),
    ],
)
def test_field_selector_errors(text: str, message: str) -> None:
    with pytest.raises(SelectorError) as info:
        parse_field_selector(text)
    assert info.value.message == message == str(info.value)


def test_single_value() -> None:
    assert parse_field_selector("metadata.name=x,b!=c").single_value("metadata.name") == "x"
