"""CRD creation refuses rules kube-apiserver refuses (1.25 and later): rules that do not compile and
rules whose estimated cost exceeds the limits, on kgen.testing's server and on the fake clientset.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from example_client.fake import FakeClientset

from kgen.runtime import Invalid, Unstructured
from kgen.testing import APIServer

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
PREFIX = "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule"


def _crd(properties: dict[str, Any], rule: str) -> dict[str, Any]:
    spec = {
        "type": "object",
        "properties": properties,
        "x-kubernetes-validations": [{"rule": rule}],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "things.rules.kgen.test"},
        "spec": {
            "group": "rules.kgen.test",
            "scope": "Namespaced",
            "names": {"plural": "things", "singular": "thing", "kind": "Thing"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec}}},
                }
            ],
        },
    }


NOT_COMPILING = _crd({"a": {"type": "integer"}}, "self.b > 0")
TOO_COSTLY = _crd(
    {"names": {"type": "array", "items": {"type": "string"}}},
    "self.names.all(x, self.names.exists_one(y, x == y))",
)
BOUNDED = _crd(
    {"names": {"type": "array", "maxItems": 50, "items": {"type": "string", "maxLength": 20}}},
    "self.names.all(x, self.names.exists_one(y, x == y))",
)


@pytest.fixture(scope="module")
def client() -> Any:
    with APIServer.from_package("example_client") as api:
        with httpx.Client(base_url=api.url, headers=api.headers()) as http:
            yield http


def test_a_rule_that_does_not_compile_is_refused(client: httpx.Client) -> None:
    answer = client.post(CRDS, json=NOT_COMPILING)
    assert answer.status_code == 422, answer.text
    causes = answer.json()["details"]["causes"]
    assert [(c["field"], c["reason"]) for c in causes] == [(PREFIX, "FieldValueInvalid")]
    assert causes[0]["message"] == (
        'Invalid value: "self.b > 0": compilation failed: ERROR: <input>:1:5: undefined field '
        "'b'\n | self.b > 0\n | ....^"
    )
    assert client.get(f"{CRDS}/things.rules.kgen.test").status_code == 404


def test_a_rule_over_the_cost_limit_is_refused_and_a_bounded_one_accepted(
    client: httpx.Client,
) -> None:
    answer = client.post(CRDS, json=TOO_COSTLY)
    assert answer.status_code == 422, answer.text
    causes = answer.json()["details"]["causes"]
    assert (causes[0]["field"], causes[0]["reason"]) == (PREFIX, "FieldValueForbidden")
    assert causes[0]["message"].startswith(
        "Forbidden: estimated rule cost exceeds budget by factor of more than 100x"
    )
    created = client.post(CRDS, json=BOUNDED)
    assert created.status_code == 201, created.text
    client.delete(f"{CRDS}/things.rules.kgen.test")


def test_the_fake_refuses_them_too() -> None:
    crds = FakeClientset().dynamic.resource("apiextensions.k8s.io/v1/customresourcedefinitions")
    with pytest.raises(Invalid, match="undefined field 'b'"):
        crds.create(Unstructured(NOT_COMPILING))
    with pytest.raises(Invalid, match="estimated rule cost exceeds budget"):
        crds.create(Unstructured(TOO_COSTLY))
