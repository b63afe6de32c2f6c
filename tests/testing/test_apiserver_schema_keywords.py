"""Every value keyword a structural schema allows, enforced with kube-apiserver's own messages.

A CRD made at run time holds one property per keyword (minProperties, maxProperties, multipleOf on
integers and numbers, minimum/maximum with their exclusives, minLength/maxLength counted in runes,
pattern, enum, nullable, minItems/maxItems, list-type set and map, the formats the apiserver knows,
anyOf/allOf/not). The expected messages are the ones kube-apiserver 1.20 answered with (run through
scripts/conformance.py): its errors come in Go's map order, so they are compared as a sorted list.
uniqueItems is not a keyword a CRD may use: CRD creation refuses it, with the real message.
"""

from __future__ import annotations

import copy
import os
import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from kubehelp import assert_status, wait_for

pytestmark = pytest.mark.conformance

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _string(**keywords: Any) -> dict[str, Any]:
    return {"type": "string", **keywords}


PROPERTIES: dict[str, Any] = {
    "minProps": {"type": "object", "minProperties": 2, "additionalProperties": _string()},
    "maxProps": {"type": "object", "maxProperties": 1, "additionalProperties": _string()},
    "multipleInt": {"type": "integer", "multipleOf": 3},
    "multipleNum": {"type": "number", "multipleOf": 0.5},
    "min": {"type": "integer", "minimum": 1},
    "exclusiveMin": {"type": "integer", "minimum": 1, "exclusiveMinimum": True},
    "max": {"type": "number", "maximum": 10},
    "exclusiveMax": {"type": "number", "maximum": 10, "exclusiveMaximum": True},
    "minLength": _string(minLength=3),
    "maxLength": _string(maxLength=3),
    "pattern": _string(pattern="^[a-z]+$"),
    "enum": _string(enum=["a", "b"]),
    "notNullable": _string(),
    "nullable": _string(nullable=True),
    "minItems": {"type": "array", "minItems": 2, "items": _string()},
    "maxItems": {"type": "array", "maxItems": 1, "items": _string()},
    "set": {"type": "array", "x-kubernetes-list-type": "set", "items": _string()},
    "map": {
        "type": "array",
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": _string(), "v": {"type": "integer"}},
        },
    },
    "dateTime": _string(format="date-time"),
    "uuid": _string(format="uuid"),
    "ipv4": _string(format="ipv4"),
    "cidr": _string(format="cidr"),
    "byte": _string(format="byte"),
    "duration": _string(format="duration"),
    "email": _string(format="email"),
    "hostname": _string(format="hostname"),
    "mac": _string(format="mac"),
    "date": _string(format="date"),
    "anyOf": {"type": "integer", "anyOf": [{"minimum": 5}, {"maximum": 1}]},
    "allOf": {"type": "integer", "allOf": [{"minimum": 5}, {"maximum": 10}]},
    "not": _string(**{"not": {"enum": ["forbidden"]}}),
}

GOOD: dict[str, Any] = {
    "minProps": {"a": "x", "b": "y"},
    "maxProps": {"a": "x"},
    "multipleInt": 6,
    "multipleNum": 1.5,
    "min": 1,
    "exclusiveMin": 2,
    "max": 10,
    "exclusiveMax": 9.5,
    "minLength": "ééé",
    "maxLength": "ééé",
    "pattern": "abc",
    "enum": "a",
    "notNullable": None,
    "nullable": None,
    "minItems": ["a", "b"],
    "maxItems": ["a"],
    "set": ["a", "b"],
    "map": [{"name": "a"}, {"name": "b", "v": 1}],
    "dateTime": "2020-01-01T00:00:00Z",
    "uuid": "123e4567-e89b-12d3-a456-426614174000",
    "ipv4": "1.2.3.4",
    "cidr": "10.0.0.0/8",
    "byte": "aGk=",
    "duration": "1h",
    "email": "a@b.c",
    "hostname": "example.com",
    "mac": "00:11:22:33:44:55",
    "date": "2020-12-01",
    "anyOf": 6,
    "allOf": 7,
    "not": "fine",
}

BAD: dict[str, Any] = {
    "minProps": {"a": "x"},
    "maxProps": {"a": "x", "b": "y"},
    "multipleInt": 4,
    "multipleNum": 0.7,
    "min": 0,
    "exclusiveMin": 1,
    "max": 11,
    "exclusiveMax": 10,
    "minLength": "éé",
    "maxLength": "éééé",
    "pattern": "A",
    "enum": "c",
    "minItems": ["a"],
    "maxItems": ["a", "b"],
    "set": ["a", "a"],
    "map": [{"name": "a"}, {"name": "a", "v": 1}],
    "dateTime": "yesterday",
    "uuid": "x",
    "ipv4": "1.2.3",
    "cidr": "1.2.3.4",
    "byte": "!!",
    "duration": "forever",
    "email": "nope",
    "hostname": "a.b",
    "mac": "zz",
    "date": "2020-13-01",
    "anyOf": 3,
    "allOf": 11,
    "not": "forbidden",
}


def _invalid(field: str, value: str, message: str) -> tuple[str, str, str]:
    return (field, "FieldValueInvalid", f"Invalid value: {value}: {message}")


def _format(name: str, value: str, fmt: str) -> tuple[str, str, str]:
    return _invalid(
        f"spec.{name}", f'"{value}"', f'spec.{name} in body must be of type {fmt}: "{value}"'
    )


# kube-apiserver 1.20's causes for BAD (field, reason, message), sorted.
EXPECTED = sorted(
    [
        _invalid("spec.minProps", "2", "spec.minProps in body should have at least 2 properties"),
        _invalid("spec.maxProps", "1", "spec.maxProps in body should have at most 1 properties"),
        _invalid("spec.multipleInt", "4", "spec.multipleInt in body should be a multiple of 3"),
        _invalid("spec.multipleNum", "0.7", "spec.multipleNum in body should be a multiple of 0.5"),
        _invalid("spec.min", "0", "spec.min in body should be greater than or equal to 1"),
        _invalid("spec.exclusiveMin", "1", "spec.exclusiveMin in body should be greater than 1"),
        _invalid("spec.max", "11", "spec.max in body should be less than or equal to 10"),
        _invalid("spec.exclusiveMax", "10", "spec.exclusiveMax in body should be less than 10"),
        _invalid(
            "spec.minLength", '"éé"', "spec.minLength in body should be at least 3 chars long"
        ),
        _invalid(
            "spec.maxLength", '"éééé"', "spec.maxLength in body should be at most 3 chars long"
        ),
        _invalid("spec.pattern", '"A"', "spec.pattern in body should match '^[a-z]+$'"),
        (
            "spec.enum",
            "FieldValueNotSupported",
            'Unsupported value: "c": supported values: "a", "b"',
        ),
        _invalid("spec.minItems", "1", "spec.minItems in body should have at least 2 items"),
        _invalid("spec.maxItems", "2", "spec.maxItems in body should have at most 1 items"),
        ("spec.set[1]", "FieldValueDuplicate", 'Duplicate value: "a"'),
        (
            "spec.map[1]",
            "FieldValueDuplicate",
            'Duplicate value: map[string]interface {}{"name":"a"}',
        ),
        _format("dateTime", "yesterday", "date-time"),
        _format("uuid", "x", "uuid"),
        _format("ipv4", "1.2.3", "ipv4"),
        _format("cidr", "1.2.3.4", "cidr"),
        _format("byte", "!!", "byte"),
        _format("duration", "forever", "duration"),
        _format("email", "nope", "email"),
        _format("hostname", "a.b", "hostname"),
        _format("mac", "zz", "mac"),
        _format("date", "2020-13-01", "date"),
        _invalid("<nil>", '""', '"spec.anyOf" must validate at least one schema (anyOf)'),
        _invalid("spec.anyOf", "3", "spec.anyOf in body should be greater than or equal to 5"),
        _invalid("<nil>", '""', '"spec.allOf" must validate all the schemas (allOf)'),
        _invalid("spec.allOf", "11", "spec.allOf in body should be less than or equal to 10"),
        _invalid("<nil>", '""', '"spec.not" must not validate the schema (not)'),
    ]
)


def _crd(group: str, spec_schema: dict[str, Any], plural: str = "keywords") -> dict[str, Any]:
    kind = plural[:-1].capitalize()
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {"plural": plural, "singular": plural[:-1], "kind": kind},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {"spec": spec_schema},
                        }
                    },
                }
            ],
        },
    }


def _verify() -> Any:
    """The real server's CA, if the suite runs against one (as apiserver_fixtures does)."""
    ca = os.environ.get("KGEN_CONFORMANCE_CA")
    if ca:
        import ssl

        return ssl.create_default_context(cafile=ca)
    return True


@pytest.fixture(scope="module")
def keywords(base_url: str, headers: dict[str, str]) -> Iterator[tuple[httpx.Client, str]]:
    """A client and the collection URL of a CRD with one property per keyword."""
    group = f"k{secrets.token_hex(3)}.kgen.test"
    with httpx.Client(base_url=base_url, headers=headers, verify=_verify(), timeout=30) as client:
        crd = _crd(group, {"type": "object", "properties": PROPERTIES})
        assert client.post(CRDS, json=crd).status_code == 201
        url = f"/apis/{group}/v1/namespaces/default/keywords"
        wait_for(lambda: client.get(url).status_code == 200, timeout=60)
        try:
            yield client, url
        finally:
            client.delete(f"{CRDS}/keywords.{group}")


def _object(url: str, spec: dict[str, Any], name: str) -> dict[str, Any]:
    api_version = url.split("/apis/")[1].rsplit("/namespaces/", 1)[0]
    return {"apiVersion": api_version, "kind": "Keyword", "metadata": {"name": name}, "spec": spec}


def _causes(response: httpx.Response) -> list[tuple[str, str, str]]:
    status = assert_status(response, 422, "Invalid")
    return sorted((c["field"], c["reason"], c["message"]) for c in status["details"]["causes"])


def test_every_keyword_on_create(keywords: tuple[httpx.Client, str]) -> None:
    client, url = keywords
    name = f"bad-{secrets.token_hex(3)}"
    assert _causes(client.post(url, json=_object(url, copy.deepcopy(BAD), name))) == EXPECTED


def test_values_within_every_keyword_are_stored(keywords: tuple[httpx.Client, str]) -> None:
    client, url = keywords
    name = f"good-{secrets.token_hex(3)}"
    response = client.post(url, json=_object(url, copy.deepcopy(GOOD), name))
    assert response.status_code == 201, response.text
    stored = dict(GOOD)
    del stored["notNullable"]  # a null the schema does not allow is dropped; "nullable" keeps it
    assert response.json()["spec"] == stored


def test_every_keyword_on_update_and_merge_patch(keywords: tuple[httpx.Client, str]) -> None:
    client, url = keywords
    name = f"upd-{secrets.token_hex(3)}"
    created = client.post(url, json=_object(url, copy.deepcopy(GOOD), name))
    assert created.status_code == 201, created.text
    replaced = created.json()
    replaced["spec"] = copy.deepcopy(BAD)
    assert _causes(client.put(f"{url}/{name}", json=replaced)) == EXPECTED
    patch = {"spec": {"minProps": {"b": None}, "multipleInt": 5}}
    response = client.patch(
        f"{url}/{name}",
        content=httpx.Request("PATCH", "/", json=patch).content,
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert _causes(response) == [
        _invalid("spec.minProps", "2", "spec.minProps in body should have at least 2 properties"),
        _invalid("spec.multipleInt", "5", "spec.multipleInt in body should be a multiple of 3"),
    ]


def test_crd_with_unique_items_is_refused(client: httpx.Client) -> None:
    group = f"u{secrets.token_hex(3)}.kgen.test"
    schema = {
        "type": "object",
        "properties": {"list": {"type": "array", "uniqueItems": True, "items": _string()}},
    }
    response = client.post(CRDS, json=_crd(group, schema, plural="uniques"))
    status = assert_status(response, 422, "Invalid")
    assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
        (
            "spec.validation.openAPIV3Schema.properties[spec].properties[list].uniqueItems",
            "Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes "
            "quadratic",
        )
    ]


def test_crd_with_a_set_of_granular_objects_is_refused(client: httpx.Client) -> None:
    group = f"s{secrets.token_hex(3)}.kgen.test"
    item = {"type": "object", "properties": {"a": _string()}}
    schema = {
        "type": "object",
        "properties": {"list": {"type": "array", "x-kubernetes-list-type": "set", "items": item}},
    }
    response = client.post(CRDS, json=_crd(group, schema, plural="sets"))
    status = assert_status(response, 422, "Invalid")
    assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
        (
            "spec.validation.openAPIV3Schema.properties[spec].properties[list].items"
            ".x-kubernetes-map-type",
            'Invalid value: "null": must be atomic as item of a list with '
            "x-kubernetes-list-type=set",
        )
    ]
