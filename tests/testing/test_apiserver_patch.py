"""Patch: JSON patch, merge patch, strategic merge patch, server-side apply, managedFields."""

from __future__ import annotations

import json

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import CM, DEPLOYMENTS, WIDGETS, assert_status, configmap, deployment, widget

pytestmark = pytest.mark.conformance

JSON_PATCH = {"Content-Type": "application/json-patch+json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}
APPLY = {"Content-Type": "application/apply-patch+yaml"}


def _patch(
    client: httpx.Client, path: str, body: object, headers: dict[str, str], **params: str
) -> httpx.Response:
    return client.patch(path, content=json.dumps(body), headers=headers, params=params)


def test_merge_patch(client: httpx.Client, namespace: str) -> None:
    created = client.post(CM.format(ns=namespace), json=configmap("x", {"a": "1", "b": "2"})).json()
    response = _patch(
        client, CM.format(ns=namespace) + "/x", {"data": {"a": None, "c": "3"}}, MERGE
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["data"] == {"b": "2", "c": "3"}
    assert int(patched["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])


def test_merge_patch_with_stale_resource_version(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x"))
    body = {"metadata": {"resourceVersion": "1"}, "data": {"k": "new"}}
    response = _patch(client, CM.format(ns=namespace) + "/x", body, MERGE)
    assert_status(
        response,
        409,
        "Conflict",
        'Operation cannot be fulfilled on configmaps "x": the object has been modified; please '
        "apply your changes to the latest version and try again",
    )


def test_json_patch(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x", {"a": "1"}))
    ops = [{"op": "add", "path": "/data/b", "value": "2"}, {"op": "remove", "path": "/data/a"}]
    response = _patch(client, CM.format(ns=namespace) + "/x", ops, JSON_PATCH)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"b": "2"}


def test_json_patch_test_failure(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x", {"a": "1"}))
    ops = [{"op": "test", "path": "/data/a", "value": "2"}]
    response = _patch(client, CM.format(ns=namespace) + "/x", ops, JSON_PATCH)
    body = assert_status(
        response, 422, "Invalid", "the server rejected our request due to an error in our request"
    )
    assert body["details"] == {}


def test_patch_missing_object(client: httpx.Client, namespace: str) -> None:
    response = _patch(client, CM.format(ns=namespace) + "/ghost", {"data": {}}, MERGE)
    assert_status(response, 404, "NotFound", 'configmaps "ghost" not found')


def test_strategic_merge_patch(client: httpx.Client, namespace: str) -> None:
    body = deployment("d")
    body["spec"]["template"]["spec"]["containers"].append({"name": "side", "image": "busybox"})
    client.post(DEPLOYMENTS.format(ns=namespace), json=body)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "nginx:2"}]}}}}
    response = _patch(client, DEPLOYMENTS.format(ns=namespace) + "/d", patch, STRATEGIC)
    assert response.status_code == 200, response.text
    containers = response.json()["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("c", "nginx:2"), ("side", "busybox")]
    assert response.json()["metadata"]["generation"] == 2


def test_strategic_merge_patch_unsupported_for_custom_resources(
    client: httpx.Client, namespace: str
) -> None:
    client.post(WIDGETS.format(ns=namespace), json=widget("w"))
    response = _patch(client, WIDGETS.format(ns=namespace) + "/w", {"spec": {}}, STRATEGIC)
    assert_status(
        response,
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
    )


def test_unknown_patch_type(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x"))
    response = _patch(client, CM.format(ns=namespace) + "/x", {}, {"Content-Type": "text/plain"})
    assert_status(response, 415, "UnsupportedMediaType")


def test_patch_status_subresource(client: httpx.Client, namespace: str) -> None:
    client.post(WIDGETS.format(ns=namespace), json=widget("w"))
    body = {"status": {"phase": "Ready"}, "spec": {"color": "blue"}}
    response = _patch(client, WIDGETS.format(ns=namespace) + "/w/status", body, MERGE)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == {"phase": "Ready"}
    assert response.json()["spec"]["color"] == "red"


def test_force_only_for_apply(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x"))
    response = _patch(client, CM.format(ns=namespace) + "/x", {}, MERGE, force="true")
    assert_status(
        response,
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for '
        "non-apply patch",
    )


def test_apply_needs_field_manager(client: httpx.Client, namespace: str) -> None:
    response = _patch(client, CM.format(ns=namespace) + "/x", configmap("x"), APPLY)
    assert_status(
        response,
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for '
        "apply patch",
    )


def test_apply_creates_and_records_managed_fields(client: httpx.Client, namespace: str) -> None:
    response = _patch(
        client, CM.format(ns=namespace) + "/x", configmap("x", {"a": "1"}), APPLY, fieldManager="me"
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["data"] == {"a": "1"}
    entries = created["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"]) for e in entries] == [("me", "Apply")]
    assert entries[0]["fieldsType"] == "FieldsV1"
    assert entries[0]["fieldsV1"] == {"f:data": {"f:a": {}}}
    again = _patch(
        client, CM.format(ns=namespace) + "/x", configmap("x", {"a": "2"}), APPLY, fieldManager="me"
    )
    assert again.status_code == 200
    assert again.json()["data"] == {"a": "2"}


def test_apply_yaml_body(client: httpx.Client, namespace: str) -> None:
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  a: '1'\n"
    response = client.patch(
        CM.format(ns=namespace) + "/yaml",
        content=body,
        headers=APPLY,
        params={"fieldManager": "me"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"] == {"a": "1"}


def test_apply_yaml_one_letter_booleans(client: httpx.Client, namespace: str) -> None:
    # The apiserver reads YAML as go-yaml v2 does (YAML 1.1): an unquoted y is the boolean true,
    # which the typed apply configuration refuses for a string field, as a plain error (500).
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: '1'\n"
    response = client.patch(
        CM.format(ns=namespace) + "/y", content=body, headers=APPLY, params={"fieldManager": "me"}
    )
    assert response.status_code == 500, response.text
    status = response.json()
    assert status["kind"] == "Status" and status["status"] == "Failure" and status["code"] == 500
    assert "reason" not in status
    assert status["message"].startswith("failed to create typed patch object"), status
    assert ".metadata.name: expected string, got &value.valueUnstructured{Value:true}" in (
        status["message"]
    )


def test_apply_conflict_and_force(client: httpx.Client, namespace: str) -> None:
    path = CM.format(ns=namespace) + "/x"
    assert (
        _patch(client, path, configmap("x", {"a": "1"}), APPLY, fieldManager="one").status_code
        == 201
    )
    response = _patch(client, path, configmap("x", {"a": "2"}), APPLY, fieldManager="two")
    body = assert_status(
        response, 409, "Conflict", 'Apply failed with 1 conflict: conflict with "one": .data.a'
    )
    assert body["details"]["causes"] == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "one"', "field": ".data.a"}
    ]
    forced = _patch(
        client, path, configmap("x", {"a": "2"}), APPLY, fieldManager="two", force="true"
    )
    assert forced.status_code == 200
    managers = [e["manager"] for e in forced.json()["metadata"]["managedFields"]]
    assert "two" in managers


def test_update_records_managed_fields(client: httpx.Client, namespace: str) -> None:
    created = client.post(
        CM.format(ns=namespace), params={"fieldManager": "creator"}, json=configmap("x")
    ).json()
    entries = created["metadata"]["managedFields"]
    assert [(e["manager"], e["operation"], e["apiVersion"]) for e in entries] == [
        ("creator", "Update", "v1")
    ]


def test_dry_run_patch(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("x"))
    response = _patch(
        client, CM.format(ns=namespace) + "/x", {"data": {"k": "dry"}}, MERGE, dryRun="All"
    )
    assert response.status_code == 200
    assert response.json()["data"] == {"k": "dry"}
    assert client.get(CM.format(ns=namespace) + "/x").json()["data"] == {"k": "v"}


@since("1.25")
def test_patch_strict_field_validation(client: httpx.Client, namespace: str) -> None:
    client.post(WIDGETS.format(ns=namespace), json=widget("w"))
    response = _patch(
        client,
        WIDGETS.format(ns=namespace) + "/w",
        {"spec": {"nope": 1}},
        MERGE,
        fieldValidation="Strict",
    )
    assert_status(response, 400, "BadRequest", 'strict decoding error: unknown field "spec.nope"')
