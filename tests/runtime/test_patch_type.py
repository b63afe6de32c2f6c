"""Which patch type a body is sent as."""

from __future__ import annotations

import pytest

from kgen.runtime._request import PatchType, resolve_patch_type


def test_a_list_is_a_json_patch_and_anything_else_a_merge_patch() -> None:
    assert resolve_patch_type([{"op": "remove", "path": "/a"}], None) is PatchType.JSON
    assert resolve_patch_type({"a": None}, None) is PatchType.MERGE
    assert resolve_patch_type({"a": 1}, PatchType.STRATEGIC) is PatchType.STRATEGIC


def test_the_content_type_as_a_string_works_and_a_list_refuses_another_type() -> None:
    assert resolve_patch_type([], "application/json-patch+json") is PatchType.JSON  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a list of operations is a JSON patch"):
        resolve_patch_type([], "application/merge-patch+json")  # type: ignore[arg-type]
