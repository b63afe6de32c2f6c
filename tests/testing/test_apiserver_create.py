"""Create: system fields, generateName, names, namespaces, conflicts, schema handling of custom resources."""

from __future__ import annotations

import re

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import CM, DEPLOYMENTS, WIDGETS, assert_status, configmap, deployment, widget

pytestmark = pytest.mark.conformance

SUBDOMAIN_MESSAGE = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
    "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)


def test_create_sets_system_fields(client: httpx.Client, namespace: str) -> None:
    first = client.post(CM.format(ns=namespace), json=configmap("one"))
    second = client.post(CM.format(ns=namespace), json=configmap("two"))
    assert first.status_code == 201 and second.status_code == 201
    meta = first.json()["metadata"]
    assert meta["name"] == "one" and meta["namespace"] == namespace
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", meta["uid"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["resourceVersion"].isdigit()
    assert int(second.json()["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    assert "generation" not in meta  # ConfigMaps have no generation
    assert first.json()["data"] == {"k": "v"}


def test_server_owned_fields_are_replaced(client: httpx.Client, namespace: str) -> None:
    body = configmap("x", uid="mine", creationTimestamp="2000-01-01T00:00:00Z", generation=7)
    created = client.post(CM.format(ns=namespace), json=body).json()
    meta = created["metadata"]
    assert meta["uid"] != "mine"
    assert meta["creationTimestamp"] != "2000-01-01T00:00:00Z"
    # Only registries that track generation own it; BeforeCreate keeps a ConfigMap's as sent...
    assert meta["generation"] == 7
    # ...but an update cannot change it (BeforeUpdate restores the stored one).
    created["metadata"]["generation"] = 9
    created["data"] = {"k": "changed"}
    updated = client.put(CM.format(ns=namespace) + "/x", json=created)
    assert updated.status_code == 200, updated.text
    assert updated.json()["metadata"]["generation"] == 7


def test_negative_generation(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), json=configmap("x", generation=-1))
    body = assert_status(
        response,
        422,
        "Invalid",
        'ConfigMap "x" is invalid: metadata.generation: Invalid value: -1: must be greater than or '
        "equal to 0",
    )
    assert body["details"]["causes"][0]["field"] == "metadata.generation"


def test_generate_name(client: httpx.Client, namespace: str) -> None:
    body = configmap("")
    body["metadata"] = {"generateName": "gen-"}
    names = {
        client.post(CM.format(ns=namespace), json=body).json()["metadata"]["name"] for _ in range(5)
    }
    assert len(names) == 5
    for name in names:
        assert re.fullmatch(r"gen-[bcdfghjklmnpqrstvwxz2456789]{5}", name)


def test_already_exists(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("dup"))
    response = client.post(CM.format(ns=namespace), json=configmap("dup"))
    body = assert_status(response, 409, "AlreadyExists", 'configmaps "dup" already exists')
    assert body["details"] == {"name": "dup", "kind": "configmaps"}


def test_already_exists_in_a_group(client: httpx.Client, namespace: str) -> None:
    client.post(DEPLOYMENTS.format(ns=namespace), json=deployment("d"))
    response = client.post(DEPLOYMENTS.format(ns=namespace), json=deployment("d"))
    body = assert_status(response, 409, "AlreadyExists", 'deployments.apps "d" already exists')
    assert body["details"] == {"name": "d", "group": "apps", "kind": "deployments"}


def test_invalid_name(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), json=configmap("Bad_Name"))
    body = assert_status(
        response,
        422,
        "Invalid",
        f'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": {SUBDOMAIN_MESSAGE}',
    )
    assert body["details"] == {
        "name": "Bad_Name",
        "kind": "ConfigMap",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": f'Invalid value: "Bad_Name": {SUBDOMAIN_MESSAGE}',
                "field": "metadata.name",
            }
        ],
    }


def test_custom_resource_names_are_dns_subdomains(client: httpx.Client, namespace: str) -> None:
    # apiextensions-apiserver validates custom resources' names with NameIsDNSSubdomain.
    for bad in ("Bad_Name", "UPPER", "a..b", "x" * 254):
        response = client.post(WIDGETS.format(ns=namespace), json=widget(bad))
        status = assert_status(response, 422, "Invalid")
        assert [c["field"] for c in status["details"]["causes"]] == ["metadata.name"], status
    assert client.post(WIDGETS.format(ns=namespace), json=widget("good.name-1")).status_code == 201


def test_name_required(client: httpx.Client, namespace: str) -> None:
    body = configmap("")
    body["metadata"] = {}
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(
        response,
        422,
        "Invalid",
        'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "message": "Required value: name or generateName is required",
            "field": "metadata.name",
        }
    ]


def test_namespace_names_are_dns_labels(client: httpx.Client) -> None:
    response = client.post(
        "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}},
    )
    body = assert_status(response, 422, "Invalid")
    assert body["message"].startswith(
        'Namespace "a.b" is invalid: metadata.name: Invalid value: "a.b": a lowercase RFC 1123 label'
    )


# Namespaces are labelled with their name since 1.21 (KEP-2161: NamespaceDefaultLabelName, beta and on
# by default in 1.21, GA in 1.22).
@since("1.21")
def test_namespace_name_label(client: httpx.Client, namespace: str) -> None:
    labels = client.get(f"/api/v1/namespaces/{namespace}").json()["metadata"]["labels"]
    assert labels["kubernetes.io/metadata.name"] == namespace


def test_namespace_mismatch(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), json=configmap("x", namespace="other"))
    assert_status(
        response,
        400,
        "BadRequest",
        "the namespace of the provided object does not match the namespace sent on the request",
    )


def test_missing_namespace(client: httpx.Client) -> None:
    response = client.post(CM.format(ns="no-such-ns"), json=configmap("x"))
    body = assert_status(response, 404, "NotFound", 'namespaces "no-such-ns" not found')
    assert body["details"] == {"name": "no-such-ns", "kind": "namespaces"}


def test_api_version_mismatch(client: httpx.Client, namespace: str) -> None:
    # The typed decoder looks the data's group/version/kind up in the scheme first: apps/v1 has no
    # ConfigMap. (The scheme's name after "in scheme" depends on how kube-apiserver was built.)
    body = configmap("x")
    body["apiVersion"] = "apps/v1"
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: no kind "ConfigMap" is '
        'registered for version "apps/v1" in scheme "'
    ), status
    # A kind the scheme knows in another version of the group decodes, then fails the version check.
    custom = widget("w")
    custom["apiVersion"] = "example.kgen.io/v1alpha1"
    response = client.post(WIDGETS.format(ns=namespace), json=custom)
    assert_status(
        response,
        400,
        "BadRequest",
        "the API version in the data (example.kgen.io/v1alpha1) does not match the expected API "
        "version (example.kgen.io/v1)",
    )


def test_kind_mismatch(client: httpx.Client, namespace: str) -> None:
    body = configmap("x")
    body["kind"] = "Secret"
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith('Secret in version "v1" cannot be handled as a ConfigMap')
    # A kind the scheme knows converts to the internal type of another kind: no such conversion.
    body = configmap("x")
    body["kind"] = "Pod"
    response = client.post(CM.format(ns=namespace), json=body)
    assert_status(
        response,
        400,
        "BadRequest",
        'Pod in version "v1" cannot be handled as a ConfigMap: converting (v1.Pod) to '
        "(core.ConfigMap): unknown conversion",
    )
    # A kind the scheme does not know at all.
    body["kind"] = "Nothing"
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        'Nothing in version "v1" cannot be handled as a ConfigMap: no kind "Nothing" is '
        'registered for version "v1" in scheme "'
    ), status


def test_custom_resource_kind_mismatch(client: httpx.Client, namespace: str) -> None:
    # Unstructured decoding takes any kind; the custom resource validator then refuses it.
    body = widget("w")
    body["kind"] = "Gadget"
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    status = assert_status(
        response,
        422,
        "Invalid",
        'Gadget.example.kgen.io "w" is invalid: kind: Invalid value: "Gadget": must be Widget',
    )
    assert status["details"] == {
        "name": "w",
        "group": "example.kgen.io",
        "kind": "Gadget",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": 'Invalid value: "Gadget": must be Widget',
                "field": "kind",
            }
        ],
    }


def test_kind_and_api_version_default_to_the_resource(client: httpx.Client, namespace: str) -> None:
    for name, missing in (("no-kind", "kind"), ("no-version", "apiVersion")):
        body = configmap(name)
        del body[missing]
        response = client.post(CM.format(ns=namespace), json=body)
        assert response.status_code == 201, response.text
        assert (response.json()["kind"], response.json()["apiVersion"]) == ("ConfigMap", "v1")


def test_wrong_json_type(client: httpx.Client, namespace: str) -> None:
    # Typed decoding refuses a value of the wrong JSON type before anything else (the rest of the
    # message is the JSON library's, and differs between releases).
    body = configmap("x")
    body["data"] = {"k": 1}
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    )
    body = configmap("x")
    body["metadata"]["name"] = True
    response = client.post(CM.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    )


def test_custom_resource_metadata_of_the_wrong_json_type(
    client: httpx.Client, namespace: str
) -> None:
    # apiextensions decodes a custom object's metadata into metav1.ObjectMeta: a 400, never a 500
    # (kgen.testing answered a name of 1 with an internal error until the fuzzer found it).
    for field, value in (("name", 1), ("labels", ["a"]), ("generateName", {"a": "b"})):
        body = widget("x")
        body["metadata"][field] = value
        response = client.post(WIDGETS.format(ns=namespace), json=body)
        status = assert_status(response, 400, "BadRequest")
        assert status["message"].startswith(
            'Widget in version "v1" cannot be handled as a Widget: '
        ), status


def test_resource_version_on_create(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), json=configmap("x", resourceVersion="5"))
    assert response.status_code == 500
    assert (
        response.json()["message"] == "resourceVersion should not be set on objects to be created"
    )


def test_dry_run_create(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), params={"dryRun": "All"}, json=configmap("dry"))
    assert response.status_code == 201
    assert response.json()["metadata"]["uid"]
    assert client.get(CM.format(ns=namespace) + "/dry").status_code == 404


def test_dry_run_must_be_all(client: httpx.Client, namespace: str) -> None:
    response = client.post(CM.format(ns=namespace), params={"dryRun": "Some"}, json=configmap("x"))
    assert_status(
        response,
        422,
        "Invalid",
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: '
        'supported values: "All"',
    )
    # The whole list is the bad value, printed as Go does.
    response = client.post(CM.format(ns=namespace) + "?dryRun=All&dryRun=Some", json=configmap("x"))
    body = assert_status(
        response,
        422,
        "Invalid",
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"All", '
        '"Some"}: supported values: "All"',
    )
    assert body["details"] == {
        "group": "meta.k8s.io",
        "kind": "CreateOptions",
        "causes": [
            {
                "reason": "FieldValueNotSupported",
                "message": 'Unsupported value: []string{"All", "Some"}: supported values: "All"',
                "field": "dryRun",
            }
        ],
    }


def test_deployments_start_at_generation_one(client: httpx.Client, namespace: str) -> None:
    created = client.post(DEPLOYMENTS.format(ns=namespace), json=deployment("d")).json()
    assert created["metadata"]["generation"] == 1


def test_custom_resource_create(client: httpx.Client, namespace: str) -> None:
    body = widget("w")
    body["status"] = {"phase": "Ready"}
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["metadata"]["generation"] == 1
    assert "status" not in created  # the status subresource owns it


@since("1.25")
def test_custom_resource_defaults_and_pruning(client: httpx.Client, namespace: str) -> None:
    body = widget("w")
    del body["spec"]["color"]
    body["spec"]["unknownField"] = 1
    body["spec"]["config"] = {"anything": {"goes": True}}
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    assert response.status_code == 201, response.text
    spec = response.json()["spec"]
    assert spec["color"] == "red"  # schema default
    assert "unknownField" not in spec  # pruned
    assert spec["config"] == {"anything": {"goes": True}}  # x-kubernetes-preserve-unknown-fields
    assert response.headers.get("warning") == '299 - "unknown field \\"spec.unknownField\\""'


@since("1.25")
def test_field_validation_strict(client: httpx.Client, namespace: str) -> None:
    body = widget("w")
    body["spec"]["bogus"] = 1
    response = client.post(
        WIDGETS.format(ns=namespace), params={"fieldValidation": "Strict"}, json=body
    )
    assert_status(response, 400, "BadRequest", 'strict decoding error: unknown field "spec.bogus"')


def _widget_causes(client: httpx.Client, namespace: str) -> dict:
    body = widget("w", color="purple", replicas="three")
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    status = assert_status(response, 422, "Invalid")
    assert status["details"]["group"] == "example.kgen.io"
    assert status["details"]["kind"] == "Widget"
    assert status["message"].startswith('Widget.example.kgen.io "w" is invalid: [')
    return {c["field"]: c for c in status["details"]["causes"]}


def test_custom_resource_validation(client: httpx.Client, namespace: str) -> None:
    causes = _widget_causes(client, namespace)
    assert causes["spec.color"] == {
        "reason": "FieldValueNotSupported",
        "message": 'Unsupported value: "purple": supported values: "red", "green", "blue"',
        "field": "spec.color",
    }
    # kube-openapi's type error carries the actual JSON type as the bad value.
    assert causes["spec.replicas"]["message"] == (
        'Invalid value: "string": spec.replicas in body must be of type integer: "string"'
    )


# Type errors became field.TypeInvalid (FieldValueTypeInvalid; FieldValueInvalid before) with
# kubernetes/kubernetes#108859, in 1.24.
@since("1.24")
def test_custom_resource_type_error_reason(client: httpx.Client, namespace: str) -> None:
    causes = _widget_causes(client, namespace)
    assert causes["spec.replicas"]["reason"] == "FieldValueTypeInvalid"


# Paths into arrays carry the index (spec.rules[0].name, not spec.rules.name) since kube-openapi#273
# (merged after the 1.23 freeze), vendored in 1.24.
@since("1.24")
def test_custom_resource_required_and_ranges(client: httpx.Client, namespace: str) -> None:
    body = widget("w", rules=[{"weight": 101}])
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    status = assert_status(response, 422, "Invalid")
    causes = {c["field"]: c for c in status["details"]["causes"]}
    assert causes["spec.rules[0].name"]["reason"] == "FieldValueRequired"
    assert causes["spec.rules[0].weight"]["message"] == (
        "Invalid value: 101: spec.rules[0].weight in body should be less than or equal to 100"
    )


def test_custom_resource_one_of_required_fields(client: httpx.Client, namespace: str) -> None:
    # The Widget spec says oneOf: [required: [size], required: [cpu]]. The composite error has no
    # field path; the errors of the closest branch (the first, on a tie) follow it.
    neither = widget("w")
    del neither["spec"]["size"]
    status = assert_status(client.post(WIDGETS.format(ns=namespace), json=neither), 422, "Invalid")
    assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
        (
            "<nil>",
            'Invalid value: "": "spec" must validate one and only one schema (oneOf). '
            "Found none valid",
        ),
        ("spec.size", "Required value"),
    ], status
    both = widget("w", cpu="500m")
    status = assert_status(client.post(WIDGETS.format(ns=namespace), json=both), 422, "Invalid")
    assert [(c["field"], c["message"]) for c in status["details"]["causes"]] == [
        (
            "<nil>",
            'Invalid value: "": "spec" must validate one and only one schema (oneOf). '
            "Found 2 valid alternatives",
        )
    ], status
    one = widget("w", cpu="500m")
    del one["spec"]["size"]
    assert client.post(WIDGETS.format(ns=namespace), json=one).status_code == 201


def test_custom_resource_requires_kind(client: httpx.Client, namespace: str) -> None:
    body = widget("w")
    del body["kind"]
    response = client.post(WIDGETS.format(ns=namespace), json=body)
    status = assert_status(response, 400, "BadRequest")
    # The rest of the message is the JSON library's (1.20's json-iterator wraps it in its own text).
    assert status["message"].startswith('Widget in version "v1" cannot be handled as a Widget: ')
    assert 'Object \'Kind\' is missing in \'{"apiVersion":"example.kgen.io/v1"' in status["message"]


def test_cluster_scoped_create(client: httpx.Client) -> None:
    body = {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Gadget",
        "metadata": {"generateName": "g-"},
    }
    response = client.post("/apis/example.kgen.io/v1/gadgets", json=body)
    assert response.status_code == 201
    created = response.json()
    assert "namespace" not in created["metadata"]
    client.delete(f"/apis/example.kgen.io/v1/gadgets/{created['metadata']['name']}")
