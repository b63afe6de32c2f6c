"""A typed informer's list, decoded item by item with its transform: what fits is transformed once,
in order; what does not fit is an Undecodable; fields a model does not know are kept."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from example_client.models.core_v1 import ConfigMap, ConfigMapList

from kgen.runtime import DecodeError, Undecodable
from kgen.runtime._cache.undecodable import TolerantCodec
from kgen.runtime._preserve import unknown_fields
from kgen.runtime._request import JSONSerializer, Result


def answer(body: Any) -> Result:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Result(httpx.Response(200, content=content), JSONSerializer())


def item(name: str, **extra: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": "default"}, **extra}


LIST = {
    "kind": "ConfigMapList",
    "apiVersion": "v1",
    "metadata": {"resourceVersion": "42", "continue": "next"},
    "items": [
        item("a", data={"k": "v"}),
        item("bad", data={"k": 1}),
        item("new", data={"k": "v"}, futureField={"x": 1}),
    ],
}


def test_items_are_transformed_as_they_are_decoded() -> None:
    transformed: list[str] = []

    def transform(obj: ConfigMap) -> ConfigMap:
        transformed.append(obj.metadata.name or "")
        return obj

    codec = TolerantCodec(ConfigMap, ConfigMapList, transform)
    page = codec.read_list(answer(LIST))
    assert codec.list_meta(page) == ("42", "next")
    items = codec.items(page)
    assert [type(o) for o in items] == [ConfigMap, Undecodable, ConfigMap]
    assert transformed == ["a", "new"]
    assert isinstance(items[1], Undecodable) and "$.data" in items[1].error
    assert items[1].key == "default/bad"
    assert unknown_fields(items[2]) == {"futureField": {"x": 1}}
    assert items[0] == ConfigMap(
        metadata=items[0].metadata, data={"k": "v"}, api_version="v1", kind="ConfigMap"
    )


def test_the_same_as_without_a_transform() -> None:
    for body in (LIST, {**LIST, "items": [LIST["items"][0], LIST["items"][2]]}):
        plain = TolerantCodec(ConfigMap, ConfigMapList).read_list(answer(body))
        each = TolerantCodec(ConfigMap, ConfigMapList, lambda obj: obj).read_list(answer(body))
        assert [type(o) for o in plain.items] == [type(o) for o in each.items]
        assert plain.items[0] == each.items[0] and plain.items[-1] == each.items[-1]
        assert unknown_fields(plain.items[-1]) == unknown_fields(each.items[-1])
        assert unknown_fields(each.items[-1]) == {"futureField": {"x": 1}}


def test_an_answer_that_is_not_a_list_says_why_as_before() -> None:
    codec = TolerantCodec(ConfigMap, ConfigMapList, lambda obj: obj)
    with pytest.raises(DecodeError, match="not valid JSON"):
        codec.read_list(answer(b'{"items": [{"metadata": '))
