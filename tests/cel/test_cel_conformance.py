"""cel-spec's conformance suite on kgen.cel: every file a Kubernetes rule can reach, with the
pass count of each file asserted (a regression fails) and every known failure given a reason."""

from __future__ import annotations

import pytest
from conformance import KUBERNETES_FILES, NOT_REACHABLE_FILES, load_file, run_cases
from shared_specs import shared_path as specs_path
from kgen_runner import run_kgen

# file → (passed, failed, skipped) on kgen.cel. Skips carry their reason in conformance.py.
EXPECTED = {
    "basic": (43, 0, 0),
    "comparisons": (334, 0, 72),
    "conversions": (109, 0, 0),
    "dynamic": (0, 0, 226),
    "fields": (60, 0, 0),
    "fp_math": (30, 0, 0),
    "integer_math": (64, 0, 0),
    "lists": (39, 0, 0),
    "logic": (30, 0, 0),
    "macros": (44, 0, 0),
    "macros2": (46, 0, 0),
    "namespace": (3, 0, 11),
    "optionals": (59, 0, 11),
    "parse": (193, 0, 26),
    "plumbing": (5, 0, 0),
    "string": (51, 0, 0),
    "string_ext": (209, 1, 6),
    "timestamps": (77, 0, 1),
    "type_deduction": (17, 4, 26),
}

# Known failures, each with the reason it is not fixed.
KNOWN_FAILURES = {
    "string_ext": {
        "format/map support (all key types)": (
            "a map with both 1 and true as keys: kgen.cel's maps are Python dicts, where True == 1 "
            "is one key (no Kubernetes object has such a map: JSON object keys are strings)"
        ),
    },
    "type_deduction": {
        "flexible_type_parameter_assignment/list_parameter": (
            "the checker widens nested type parameters to dyn sooner than cel-go"
        ),
        "flexible_type_parameter_assignment/optional_none": (
            "optional.none() in a list literal keeps dyn instead of taking the other element's type"
        ),
        "flexible_type_parameter_assignment/optional_dyn_promotion": (
            "a list of optional(int) and optional(dyn) deduces optional(int), cel-go optional(dyn)"
        ),
        "legacy_nullable_types/null_assignable_to_abstract_parameter_candidate": (
            "null joined with optional(int) deduces dyn, cel-go optional(int)"
        ),
    },
}


@pytest.fixture(scope="module")
def results() -> dict[str, dict]:
    root = specs_path("cel-spec")
    out = {}
    for name in list(EXPECTED) + sorted(NOT_REACHABLE_FILES):
        path = root / f"{name}.textproto"
        out.update(run_cases(load_file(path), run_kgen))
    return out


@pytest.mark.parametrize("name", KUBERNETES_FILES)
def test_conformance_file(results: dict[str, dict], name: str) -> None:
    rec = results[name]
    counts = (rec["passed"], rec["failed"], rec["skipped"])
    print(f"{name}: {counts[0]} passed, {counts[1]} failed, {counts[2]} skipped")
    known = KNOWN_FAILURES.get(name, {})
    unexpected = [f for f in rec["failures"] if f.split(": ")[0] not in known]
    assert not unexpected, unexpected
    assert counts == EXPECTED[name]


def test_every_reachable_file_is_run() -> None:
    root = specs_path("cel-spec")
    names = {p.stem for p in root.glob("*.textproto")}
    assert names == set(KUBERNETES_FILES) | set(NOT_REACHABLE_FILES)


@pytest.mark.parametrize("name", sorted(NOT_REACHABLE_FILES))
def test_unreachable_files_are_skipped_with_a_reason(results: dict[str, dict], name: str) -> None:
    rec = results.get(name, {"passed": 0, "failed": 0, "skipped": 0})
    assert rec["passed"] == rec["failed"] == 0
