"""Update: optimistic concurrency, unconditional updates, the status subresource, generation."""

from __future__ import annotations

import json

import httpx
import pytest
from kubehelp import (
    CM,
    DEPLOYMENTS,
    WIDGETS,
    assert_status,
    configmap,
    deployment,
    update_until_stored,
    widget,
)

pytestmark = pytest.mark.conformance

CONFLICT = (
    'Operation cannot be fulfilled on configmaps "x": the object has been modified; please apply '
    "your changes to the latest version and try again"
)


def _create(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_update_bumps_resource_version(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    created["data"] = {"k": "changed"}
    response = client.put(CM.format(ns=namespace) + "/x", json=created)
    assert response.status_code == 200
    updated = response.json()
    assert updated["data"] == {"k": "changed"}
    assert int(updated["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    assert updated["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


def test_update_conflict(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    stale = dict(created)
    created["data"] = {"k": "first"}
    assert client.put(CM.format(ns=namespace) + "/x", json=created).status_code == 200
    stale["data"] = {"k": "second"}
    response = client.put(CM.format(ns=namespace) + "/x", json=stale)
    body = assert_status(response, 409, "Conflict", CONFLICT)
    assert body["details"] == {"name": "x", "kind": "configmaps"}


def test_unconditional_update(client: httpx.Client, namespace: str) -> None:
    _create(client, CM.format(ns=namespace), configmap("x"))
    response = client.put(CM.format(ns=namespace) + "/x", json=configmap("x", {"k": "blind"}))
    assert response.status_code == 200
    assert response.json()["data"] == {"k": "blind"}


def test_custom_resources_need_a_resource_version(client: httpx.Client, namespace: str) -> None:
    _create(client, WIDGETS.format(ns=namespace), widget("w"))
    response = client.put(WIDGETS.format(ns=namespace) + "/w", json=widget("w", "blue"))
    body = assert_status(
        response,
        422,
        "Invalid",
        'widgets.example.kgen.io "w" is invalid: metadata.resourceVersion: Invalid value: 0x0: '
        "must be specified for an update",
    )
    assert body["details"]["kind"] == "widgets"
    assert body["details"]["group"] == "example.kgen.io"


def test_update_missing_object(client: httpx.Client, namespace: str) -> None:
    response = client.put(CM.format(ns=namespace) + "/ghost", json=configmap("ghost"))
    assert_status(response, 404, "NotFound", 'configmaps "ghost" not found')


def test_update_name_mismatch(client: httpx.Client, namespace: str) -> None:
    _create(client, CM.format(ns=namespace), configmap("x"))
    response = client.put(CM.format(ns=namespace) + "/x", json=configmap("y"))
    assert_status(
        response,
        400,
        "BadRequest",
        "the name of the object (y) does not match the name on the URL (x)",
    )


def test_uid_is_immutable(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    uid = created["metadata"]["uid"]
    other = "00000000-0000-0000-0000-000000000000"
    # A PATCH changing the uid fails validation of the update...
    response = client.patch(
        CM.format(ns=namespace) + "/x",
        content=json.dumps({"metadata": {"uid": other}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    body = assert_status(response, 422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "metadata.uid"
    assert body["details"]["causes"][0]["message"].endswith("field is immutable")
    # ...while a PUT's uid is a precondition the storage checks first: a Conflict.
    created["metadata"]["uid"] = other
    response = client.put(CM.format(ns=namespace) + "/x", json=created)
    body = assert_status(
        response,
        409,
        "Conflict",
        f'Operation cannot be fulfilled on configmaps "x": StorageError: invalid object, Code: 4, '
        f"Key: /registry/configmaps/{namespace}/x, ResourceVersion: 0, AdditionalErrorMsg: "
        f"Precondition failed: UID in precondition: {other}, UID in object meta: {uid}",
    )
    assert body["details"] == {"name": "x", "kind": "configmaps"}


def test_no_op_update_keeps_resource_version(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    response = client.put(CM.format(ns=namespace) + "/x", json=created)
    assert response.status_code == 200
    assert response.json()["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_main_update_ignores_status(client: httpx.Client, namespace: str) -> None:
    created = _create(client, WIDGETS.format(ns=namespace), widget("w"))
    created["status"] = {"phase": "Ready"}
    created["spec"]["color"] = "blue"
    updated = client.put(WIDGETS.format(ns=namespace) + "/w", json=created).json()
    assert updated["spec"]["color"] == "blue"
    assert "status" not in updated


def test_status_update_ignores_everything_else(client: httpx.Client, namespace: str) -> None:
    created = _create(client, WIDGETS.format(ns=namespace), widget("w"))
    created["status"] = {"phase": "Ready", "replicas": 2}
    created["spec"]["color"] = "green"
    created["metadata"]["labels"] = {"new": "label"}
    response = client.put(WIDGETS.format(ns=namespace) + "/w/status", json=created)
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["status"] == {"phase": "Ready", "replicas": 2}
    assert updated["spec"]["color"] == "red"
    assert "labels" not in updated["metadata"]
    assert updated["metadata"]["generation"] == 1
    fetched = client.get(WIDGETS.format(ns=namespace) + "/w/status").json()
    assert fetched["status"]["phase"] == "Ready"


def test_status_is_validated(client: httpx.Client, namespace: str) -> None:
    created = _create(client, WIDGETS.format(ns=namespace), widget("w"))
    created["status"] = {"phase": "Sleeping"}
    response = client.put(WIDGETS.format(ns=namespace) + "/w/status", json=created)
    body = assert_status(response, 422, "Invalid")
    assert body["details"]["causes"][0]["field"] == "status.phase"


def test_generation_follows_spec(client: httpx.Client, namespace: str) -> None:
    created = _create(client, WIDGETS.format(ns=namespace), widget("w"))
    created["metadata"]["labels"] = {"a": "b"}
    relabelled = client.put(WIDGETS.format(ns=namespace) + "/w", json=created).json()
    assert relabelled["metadata"]["generation"] == 1
    relabelled["spec"]["color"] = "blue"
    changed = client.put(WIDGETS.format(ns=namespace) + "/w", json=relabelled).json()
    assert changed["metadata"]["generation"] == 2


def test_deployment_generation(client: httpx.Client, namespace: str) -> None:
    created = _create(client, DEPLOYMENTS.format(ns=namespace), deployment("d"))
    assert created["metadata"]["generation"] == 1
    # The deployment controller of a real cluster writes the status meanwhile (not the generation).
    response = update_until_stored(
        client,
        DEPLOYMENTS.format(ns=namespace) + "/d",
        lambda current: current["spec"].update(replicas=3),
    )
    assert response.status_code == 200, response.text
    assert response.json()["metadata"]["generation"] == 2


def test_dry_run_update(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    created["data"] = {"k": "dry"}
    response = client.put(CM.format(ns=namespace) + "/x", params={"dryRun": "All"}, json=created)
    assert response.status_code == 200
    assert response.json()["data"] == {"k": "dry"}
    assert client.get(CM.format(ns=namespace) + "/x").json()["data"] == {"k": "v"}
