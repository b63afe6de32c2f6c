"""Delete: response shapes, preconditions, finalizers, propagation policies, deletecollection,
namespace deletion. Propagation and namespace cleanup need the controllers a full cluster runs."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from kubehelp import CM, PODS, WIDGETS, assert_status, configmap, ours, pod, wait_for, widget

pytestmark = pytest.mark.conformance


def _create(client: httpx.Client, path: str, body: dict) -> dict:
    response = client.post(path, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _delete(client: httpx.Client, path: str, body: dict | None = None) -> httpx.Response:
    if body is None:
        return client.delete(path)
    return client.request(
        "DELETE", path, content=json.dumps(body), headers={"Content-Type": "application/json"}
    )


def _owner_ref(owner: dict, block: bool = False) -> dict:
    ref = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if block:
        ref["blockOwnerDeletion"] = True
    return ref


def test_delete_returns_success_status(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    response = _delete(client, CM.format(ns=namespace) + "/x")
    assert response.status_code == 200
    assert response.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "x", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }
    assert client.get(CM.format(ns=namespace) + "/x").status_code == 404


def test_delete_custom_resource_status_has_group(client: httpx.Client, namespace: str) -> None:
    created = _create(client, WIDGETS.format(ns=namespace), widget("w"))
    body = _delete(client, WIDGETS.format(ns=namespace) + "/w").json()
    assert body["details"] == {
        "name": "w",
        "group": "example.kgen.io",
        "kind": "widgets",
        "uid": created["metadata"]["uid"],
    }


def test_delete_pod_returns_the_pod(client: httpx.Client, namespace: str) -> None:
    _create(client, PODS.format(ns=namespace), pod("p"))
    response = _delete(client, PODS.format(ns=namespace) + "/p")
    assert response.status_code == 200
    assert response.json()["kind"] == "Pod"
    assert response.json()["metadata"]["name"] == "p"


def test_delete_missing(client: httpx.Client, namespace: str) -> None:
    response = _delete(client, CM.format(ns=namespace) + "/ghost")
    assert_status(response, 404, "NotFound", 'configmaps "ghost" not found')


def test_uid_precondition(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    uid = created["metadata"]["uid"]
    response = _delete(
        client, CM.format(ns=namespace) + "/x", {"preconditions": {"uid": "wrong-uid"}}
    )
    body = assert_status(
        response,
        409,
        "Conflict",
        f'Operation cannot be fulfilled on ConfigMap "x": the UID in the precondition (wrong-uid) '
        f"does not match the UID in record ({uid}). The object might have been deleted and then "
        "recreated",
    )
    assert body["details"] == {"name": "x", "kind": "ConfigMap"}
    ok = _delete(client, CM.format(ns=namespace) + "/x", {"preconditions": {"uid": uid}})
    assert ok.status_code == 200


def test_resource_version_precondition(client: httpx.Client, namespace: str) -> None:
    created = _create(client, CM.format(ns=namespace), configmap("x"))
    rv = created["metadata"]["resourceVersion"]
    response = _delete(
        client, CM.format(ns=namespace) + "/x", {"preconditions": {"resourceVersion": "1"}}
    )
    assert_status(
        response,
        409,
        "Conflict",
        'Operation cannot be fulfilled on ConfigMap "x": the ResourceVersion in the precondition '
        f"(1) does not match the ResourceVersion in record ({rv}). The object might have been "
        "modified",
    )


def test_bad_propagation_policy(client: httpx.Client, namespace: str) -> None:
    _create(client, CM.format(ns=namespace), configmap("x"))
    response = _delete(client, CM.format(ns=namespace) + "/x", {"propagationPolicy": "Sometimes"})
    assert_status(
        response,
        422,
        "Invalid",
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
        '"Sometimes": supported values: "Foreground", "Background", "Orphan", "nil"',
    )


def test_finalizers_hold_an_object(client: httpx.Client, namespace: str) -> None:
    path = WIDGETS.format(ns=namespace) + "/w"
    body = widget("w")
    body["metadata"]["finalizers"] = ["example.kgen.io/hold"]
    _create(client, WIDGETS.format(ns=namespace), body)
    response = _delete(client, path)
    assert response.status_code == 200
    held = response.json()
    assert held["metadata"]["deletionTimestamp"]
    assert held["metadata"]["deletionGracePeriodSeconds"] == 0
    assert held["metadata"]["generation"] == 2
    again = _delete(client, path)
    assert again.status_code == 200
    assert again.json()["metadata"]["deletionTimestamp"] == held["metadata"]["deletionTimestamp"]
    current = client.get(path).json()
    current["metadata"]["finalizers"] = []
    assert client.put(path, json=current).status_code == 200
    assert client.get(path).status_code == 404


def test_dry_run_delete(client: httpx.Client, namespace: str) -> None:
    _create(client, CM.format(ns=namespace), configmap("x"))
    response = client.delete(CM.format(ns=namespace) + "/x", params={"dryRun": "All"})
    assert response.status_code == 200
    assert client.get(CM.format(ns=namespace) + "/x").status_code == 200


def test_delete_collection(client: httpx.Client, namespace: str) -> None:
    for name, labels in (("a", {"x": "1"}), ("b", {"x": "1"}), ("c", {"x": "2"})):
        _create(client, CM.format(ns=namespace), configmap(name, labels=labels))
    response = client.delete(CM.format(ns=namespace), params={"labelSelector": "x=1"})
    assert response.status_code == 200
    body = response.json()
    assert body["kind"] == "ConfigMapList"
    assert [i["metadata"]["name"] for i in body["items"]] == ["a", "b"]
    remaining = client.get(CM.format(ns=namespace)).json()["items"]
    assert ours(remaining) == ["c"]


def test_delete_collection_with_field_selector(client: httpx.Client, namespace: str) -> None:
    for name in ("a", "b"):
        _create(client, CM.format(ns=namespace), configmap(name))
    client.delete(CM.format(ns=namespace), params={"fieldSelector": "metadata.name=a"})
    remaining = client.get(CM.format(ns=namespace)).json()["items"]
    assert ours(remaining) == ["b"]


# --- garbage collection (needs kube-controller-manager on a real cluster) ---------------------------


def test_background_propagation(client: httpx.Client, namespace: str) -> None:
    owner = _create(client, CM.format(ns=namespace), configmap("owner"))
    _create(client, CM.format(ns=namespace), configmap("dep", ownerReferences=[_owner_ref(owner)]))
    response = _delete(
        client, CM.format(ns=namespace) + "/owner", {"propagationPolicy": "Background"}
    )
    assert response.status_code == 200
    wait_for(lambda: client.get(CM.format(ns=namespace) + "/dep").status_code == 404)


def test_foreground_propagation(client: httpx.Client, namespace: str) -> None:
    owner = _create(client, CM.format(ns=namespace), configmap("owner"))
    dep = configmap("dep", ownerReferences=[_owner_ref(owner, block=True)], finalizers=["x/hold"])
    _create(client, CM.format(ns=namespace), dep)
    response = _delete(
        client, CM.format(ns=namespace) + "/owner", {"propagationPolicy": "Foreground"}
    )
    assert response.status_code == 200
    assert "foregroundDeletion" in response.json()["metadata"]["finalizers"]
    assert response.json()["metadata"]["deletionTimestamp"]
    # The dependent is being deleted but held by its finalizer: the owner waits for it.
    held = wait_for(
        lambda: client.get(CM.format(ns=namespace) + "/dep")
        .json()["metadata"]
        .get("deletionTimestamp")
    )
    assert held
    assert client.get(CM.format(ns=namespace) + "/owner").status_code == 200
    current = client.get(CM.format(ns=namespace) + "/dep").json()
    current["metadata"]["finalizers"] = []
    client.put(CM.format(ns=namespace) + "/dep", json=current)
    wait_for(lambda: client.get(CM.format(ns=namespace) + "/owner").status_code == 404)


def test_orphan_propagation(client: httpx.Client, namespace: str) -> None:
    owner = _create(client, CM.format(ns=namespace), configmap("owner"))
    _create(client, CM.format(ns=namespace), configmap("dep", ownerReferences=[_owner_ref(owner)]))
    _delete(client, CM.format(ns=namespace) + "/owner", {"propagationPolicy": "Orphan"})
    wait_for(lambda: client.get(CM.format(ns=namespace) + "/owner").status_code == 404)
    dep = client.get(CM.format(ns=namespace) + "/dep")
    assert dep.status_code == 200
    assert "ownerReferences" not in dep.json()["metadata"]


def test_namespace_deletion(client: httpx.Client) -> None:
    ns = f"t-doomed-{secrets.token_hex(3)}"
    created = client.post(
        "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
    )
    assert created.status_code == 201, created.text
    held = configmap("held", finalizers=["x/hold"])
    _create(client, CM.format(ns=ns), held)
    _create(client, CM.format(ns=ns), configmap("plain"))
    response = client.delete(f"/api/v1/namespaces/{ns}")
    assert response.status_code == 200
    assert response.json()["status"]["phase"] == "Terminating"
    assert response.json()["spec"]["finalizers"] == ["kubernetes"]
    wait_for(lambda: client.get(CM.format(ns=ns) + "/plain").status_code == 404)
    creating = client.post(CM.format(ns=ns), json=configmap("late"))
    body = assert_status(
        creating,
        403,
        "Forbidden",
        f'configmaps "late" is forbidden: unable to create new content in namespace {ns} because '
        "it is being terminated",
    )
    assert body["details"]["causes"] == [
        {
            "reason": "NamespaceTerminating",
            "message": f"namespace {ns} is being terminated",
            "field": "metadata.namespace",
        }
    ]
    # Deleting it again while spec.finalizers remain answers with the namespace, still Terminating.
    again = client.delete(f"/api/v1/namespaces/{ns}")
    assert again.status_code == 200, again.text
    assert again.json()["kind"] == "Namespace"
    assert (
        again.json()["metadata"]["deletionTimestamp"]
        == response.json()["metadata"]["deletionTimestamp"]
    )
    assert again.json()["status"]["phase"] == "Terminating"
    current = client.get(CM.format(ns=ns) + "/held").json()
    current["metadata"]["finalizers"] = []
    client.put(CM.format(ns=ns) + "/held", json=current)
    wait_for(lambda: client.get(f"/api/v1/namespaces/{ns}").status_code == 404, timeout=60)
