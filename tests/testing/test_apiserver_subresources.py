"""Subresources: scale, pods/binding, pods/eviction, pods/log, serviceaccounts/token, finalize."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import (
    DEPLOYMENTS,
    PODS,
    WIDGETS,
    assert_status,
    deployment,
    pod,
    update_until_stored,
    widget,
)

pytestmark = pytest.mark.conformance


def test_deployment_scale(client: httpx.Client, namespace: str) -> None:
    client.post(DEPLOYMENTS.format(ns=namespace), json=deployment("d", replicas=2))
    scale = client.get(DEPLOYMENTS.format(ns=namespace) + "/d/scale").json()
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"]["selector"] == "app=d"

    # The deployment controller of a real cluster writes the status meanwhile.
    updated = update_until_stored(
        client,
        DEPLOYMENTS.format(ns=namespace) + "/d/scale",
        lambda current: current["spec"].update(replicas=5),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["spec"] == {"replicas": 5}
    assert client.get(DEPLOYMENTS.format(ns=namespace) + "/d").json()["spec"]["replicas"] == 5


def test_custom_resource_scale(client: httpx.Client, namespace: str) -> None:
    client.post(WIDGETS.format(ns=namespace), json=widget("w", replicas=1))
    patch = client.patch(
        WIDGETS.format(ns=namespace) + "/w/scale",
        content=json.dumps({"spec": {"replicas": 3}}),
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 200, patch.text
    assert patch.json()["spec"] == {"replicas": 3}
    widget_now = client.get(WIDGETS.format(ns=namespace) + "/w").json()
    assert widget_now["spec"]["replicas"] == 3
    assert widget_now["metadata"]["generation"] == 2


def test_scale_conflict(client: httpx.Client, namespace: str) -> None:
    client.post(DEPLOYMENTS.format(ns=namespace), json=deployment("d"))
    scale = client.get(DEPLOYMENTS.format(ns=namespace) + "/d/scale").json()
    scale["metadata"]["resourceVersion"] = "1"
    response = client.put(DEPLOYMENTS.format(ns=namespace) + "/d/scale", json=scale)
    assert_status(response, 409, "Conflict")


def test_pod_binding(client: httpx.Client, namespace: str) -> None:
    client.post(PODS.format(ns=namespace), json=pod("p"))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "n1"},
    }
    response = client.post(PODS.format(ns=namespace) + "/p/binding", json=binding)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "Success"
    assert client.get(PODS.format(ns=namespace) + "/p").json()["spec"]["nodeName"] == "n1"
    again = client.post(PODS.format(ns=namespace) + "/p/binding", json=binding)
    assert_status(again, 409, "Conflict")


# The eviction subresource takes a policy/v1 Eviction since 1.22 (KEP-85, kubernetes/enhancements#85:
# Eviction GA); 1.20 knows only policy/v1beta1.
@since("1.22")
def test_pod_eviction(client: httpx.Client, namespace: str) -> None:
    client.post(PODS.format(ns=namespace), json=pod("p"))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "p"}}
    response = client.post(PODS.format(ns=namespace) + "/p/eviction", json=eviction)
    assert response.status_code == 201, response.text
    assert client.get(PODS.format(ns=namespace) + "/p").status_code == 404


def test_pod_status_and_phase(client: httpx.Client, namespace: str) -> None:
    created = client.post(PODS.format(ns=namespace), json=pod("p")).json()
    assert created["status"]["phase"] == "Pending"
    assert created["status"]["qosClass"] == "BestEffort"


def test_service_account_token(client: httpx.Client, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/serviceaccounts"
    client.post(
        path, json={"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "sa"}}
    )
    request = {
        "apiVersion": "authentication.k8s.io/v1",
        "kind": "TokenRequest",
        "spec": {"audiences": ["api"]},
    }
    response = client.post(f"{path}/sa/token", json=request)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kind"] == "TokenRequest"
    assert body["status"]["token"].count(".") == 2
    assert body["status"]["expirationTimestamp"]


def test_namespace_finalize(client: httpx.Client) -> None:
    name = f"t-finalize-{secrets.token_hex(3)}"
    created = client.post(
        "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    ).json()
    assert created["spec"]["finalizers"] == ["kubernetes"]
    assert created["status"] == {"phase": "Active"}
    created["spec"]["finalizers"] = []
    response = client.put(f"/api/v1/namespaces/{name}/finalize", json=created)
    assert response.status_code == 200, response.text
    assert response.json()["spec"] == {}  # finalizers is omitempty
    # The first delete only marks it Terminating, even when finalized already; and the namespace
    # controller leaves a finalized namespace alone, so it stays until its next update.
    deleted = client.delete(f"/api/v1/namespaces/{name}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["kind"] == "Namespace"
    assert deleted.json()["status"]["phase"] == "Terminating"
    assert deleted.json()["metadata"]["deletionTimestamp"]
    still = client.get(f"/api/v1/namespaces/{name}")
    assert still.status_code == 200 and still.json()["status"]["phase"] == "Terminating"
    # An update of a deleted namespace without finalizers deletes it (ShouldDeleteDuringUpdate).
    unconditional = still.json()
    del unconditional["metadata"]["resourceVersion"]
    again = client.put(f"/api/v1/namespaces/{name}/finalize", json=unconditional)
    assert again.status_code == 200, again.text
    assert client.get(f"/api/v1/namespaces/{name}").status_code == 404
