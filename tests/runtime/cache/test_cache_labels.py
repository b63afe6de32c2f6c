"""Client-side label selectors: the API server's grammar and meaning (kgen.runtime._selectors, the one
implementation the cache's listers and kgen.testing's server share)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kgen.runtime._labels import LabelRequirement, ParsedLabelSelector
from kgen.runtime._selectors import Labels
from kgen.runtime._selectors import parse_label_selector as parse_selector

LABELS = {"app": "web", "tier": "front", "version": "3", "app.kubernetes.io/name": "shop"}


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ("", True),
        ("app=web", True),
        ("app==web", True),
        ("app=db", False),
        ("app!=db", True),
        ("app!=web", False),
        ("missing!=x", True),
        ("tier in (front,back)", True),
        ("tier in (back)", False),
        ("missing in (x)", False),
        ("tier notin (back)", True),
        ("tier notin (front, back)", False),
        ("missing notin (x)", True),
        ("app", True),
        ("missing", False),
        ("!missing", True),
        ("!app", False),
        ("version>2", True),
        ("version<3", False),
        ("app>2", False),
        ("app=web,tier=front", True),
        ("app=web, tier=back", False),
        ("app.kubernetes.io/name=shop", True),
        ("  app  =  web  ", True),
    ],
)
def test_grammar_and_meaning(selector: str, matches: bool) -> None:
    assert parse_selector(selector).matches(LABELS) is matches


@pytest.mark.parametrize(
    "selector",
    [
        "app=",
        "tier in (a,)",
        "app=web,",
        "app in ()",
        "=web",
        "app in a",
        "a b",
        "version>x",
        "app=!x",
    ],
)
def test_errors_say_where(selector: str) -> None:
    if selector in ("app=", "tier in (a,)", "app in ()"):
        parse_selector(selector)  # the empty value is legal
        return
    with pytest.raises(ValueError, match="label selector|label key|label value"):
        parse_selector(selector)


def test_the_empty_value() -> None:
    assert parse_selector("app=").matches({"app": ""})
    assert not parse_selector("app=").matches({"app": "web"})
    assert parse_selector("tier in (a,)").matches({"tier": ""})
    # "()" is {""} for the API server (apimachinery's parser): the cache reads it the same way.
    assert parse_selector("tier in ()").matches({"tier": ""})
    assert not parse_selector("tier in ()").matches({"tier": "a"})


def test_mappings_builders_and_selectors_are_accepted() -> None:
    assert parse_selector({"app": "web", "tier": "front"}).matches(LABELS)
    assert not parse_selector({"app": "db"}).matches(LABELS)
    built = Labels().eq("app", "web").in_("tier", ["front", "back"]).not_exists("canary")
    assert parse_selector(built).matches(LABELS)
    selector = parse_selector("app=web")
    assert parse_selector(selector) is selector
    assert parse_selector(None).empty
    with pytest.raises(ValueError):
        parse_selector({"bad key!": "x"})


def test_str_round_trips() -> None:
    text = "app=web,tier in (back,front),!canary,version>2,app!=db,x notin (a,b),y"
    selector = parse_selector(text)
    assert str(selector) == text
    assert parse_selector(str(selector)) == selector
    assert ParsedLabelSelector((LabelRequirement("a", "exists"),)).matches({"a": "1"})


keys = st.sampled_from(["a", "b", "c"])
values = st.sampled_from(["x", "y", "z"])


@given(
    st.dictionaries(keys, values),
    st.lists(
        st.one_of(
            st.builds(lambda k, v: f"{k}={v}", keys, values),
            st.builds(lambda k, v: f"{k}!={v}", keys, values),
            st.builds(
                lambda k, vs: f"{k} in ({','.join(sorted(vs))})", keys, st.sets(values, min_size=1)
            ),
            st.builds(
                lambda k, vs: f"{k} notin ({','.join(sorted(vs))})",
                keys,
                st.sets(values, min_size=1),
            ),
            keys,
            st.builds(lambda k: f"!{k}", keys),
        ),
        max_size=4,
    ),
)
def test_a_selector_is_the_and_of_its_requirements(
    labels: dict[str, str], parts: list[str]
) -> None:
    whole = parse_selector(",".join(parts)).matches(labels)
    assert whole == all(parse_selector(part).matches(labels) for part in parts)


def test_a_label_selector_model_is_accepted() -> None:
    from kgen.runtime._meta import LabelSelector, LabelSelectorRequirement

    selector = parse_selector(
        LabelSelector(
            match_labels={"app": "web"},
            match_expressions=[
                LabelSelectorRequirement(key="tier", operator="In", values=["a", "b"]),
                LabelSelectorRequirement(key="legacy", operator="DoesNotExist"),
            ],
        )
    )
    assert selector.matches({"app": "web", "tier": "a"})
    assert not selector.matches({"app": "web", "tier": "a", "legacy": "1"})
    assert parse_selector(LabelSelector()).matches({"anything": "x"})  # empty: everything
    with pytest.raises(TypeError):
        parse_selector(3.5)  # type: ignore[arg-type]


_IN_EMPTY = (
    "values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty"
)


@pytest.mark.parametrize(
    ("labels", "expressions", "message"),
    [
        ({"a,b": "c"}, [], 'key: Invalid value: "a,b": name part must consist of'),
        ({"a": "x,y"}, [], 'values[0][a]: Invalid value: "x,y": a valid label must be'),
        ({}, [("a", "In", [])], _IN_EMPTY),
        ({}, [("a", "NotIn", [])], _IN_EMPTY),
        (
            {},
            [("a", "Exists", ["x"])],
            'values: Invalid value: []string{"x"}: values set must be empty for exists and does '
            "not exist",
        ),
        ({}, [("a", "Near", ["x"])], '"Near" is not a valid label selector operator'),
        ({}, [("x notin (y),z", "Exists", [])], 'key: Invalid value: "x notin (y),z": '),
    ],
)
def test_a_label_selector_model_is_checked_as_client_go_checks_it(
    labels: dict[str, str], expressions: list[tuple[str, str, list[str]]], message: str
) -> None:
    from kgen.runtime._meta import LabelSelector, LabelSelectorRequirement

    selector = LabelSelector(
        match_labels=labels,
        match_expressions=[
            LabelSelectorRequirement(key=k, operator=o, values=v) for k, o, v in expressions
        ],
    )
    # client-go's LabelSelectorAsSelector: NewRequirement's messages, word for word.
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        parse_selector(selector)
