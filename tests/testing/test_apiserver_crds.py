"""CustomResourceDefinitions created at run time: established, served, discoverable, cleaned up."""

from __future__ import annotations

import secrets

import httpx
import pytest
from kubehelp import assert_status, wait_for

pytestmark = pytest.mark.conformance

CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def _crd(group: str) -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"things.{group}"},
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "things",
                "singular": "thing",
                "kind": "Thing",
                "shortNames": ["th"],
            },
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "spec": {
                                    "type": "object",
                                    "required": ["size"],
                                    "properties": {"size": {"type": "integer", "default": 1}},
                                },
                                "status": {
                                    "type": "object",
                                    "x-kubernetes-preserve-unknown-fields": True,
                                },
                            },
                        }
                    },
                }
            ],
        },
    }


@pytest.fixture
def group() -> str:
    return f"t{secrets.token_hex(3)}.kgen.test"


def _established(client: httpx.Client, name: str) -> bool:
    crd = client.get(f"{CRDS}/{name}").json()
    # conditions is null until the controllers have looked at the CRD.
    listed = (crd.get("status") or {}).get("conditions") or []
    conditions = {c["type"]: c["status"] for c in listed}
    return conditions.get("Established") == "True" and conditions.get("NamesAccepted") == "True"


def test_crd_lifecycle(client: httpx.Client, namespace: str, group: str) -> None:
    response = client.post(CRDS, json=_crd(group))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["spec"]["names"]["listKind"] == "ThingList"
    assert created["spec"]["conversion"] == {"strategy": "None"}
    # As created, before any controller: storedVersions is already set, the rest is empty.
    assert created["status"] == {
        "conditions": None,
        "acceptedNames": {"plural": "", "kind": ""},
        "storedVersions": ["v1"],
    }
    wait_for(lambda: _established(client, f"things.{group}"))
    crd = client.get(f"{CRDS}/things.{group}").json()
    assert crd["status"]["acceptedNames"]["kind"] == "Thing"
    assert crd["status"]["storedVersions"] == ["v1"]
    path = f"/apis/{group}/v1/namespaces/{namespace}/things"
    thing = {"apiVersion": f"{group}/v1", "kind": "Thing", "metadata": {"name": "a"}, "spec": {}}
    created_thing = wait_for(
        lambda: client.post(path, json=thing) if client.get(path).status_code == 200 else None
    )
    assert created_thing.status_code == 201, created_thing.text
    assert created_thing.json()["spec"] == {"size": 1}
    discovery = client.get(f"/apis/{group}/v1").json()
    names = {r["name"]: r for r in discovery["resources"]}
    assert names["things"]["shortNames"] == ["th"]
    assert "things/status" in names
    assert any(g["name"] == group for g in client.get("/apis").json()["groups"])

    deleted = client.delete(f"{CRDS}/things.{group}")
    assert deleted.status_code == 200
    wait_for(lambda: client.get(f"{CRDS}/things.{group}").status_code == 404, timeout=60)
    wait_for(lambda: client.get(path).status_code == 404, timeout=60)


def test_invalid_crd_name(client: httpx.Client, group: str) -> None:
    crd = _crd(group)
    crd["metadata"]["name"] = "wrong"
    response = client.post(CRDS, json=crd)
    body = assert_status(response, 422, "Invalid")
    assert body["details"]["kind"] == "CustomResourceDefinition"
    assert body["details"]["group"] == "apiextensions.k8s.io"


def test_crd_objects_of_served_custom_resources(client: httpx.Client) -> None:
    names = [i["metadata"]["name"] for i in client.get(CRDS).json()["items"]]
    assert "widgets.example.kgen.io" in names
    assert "gadgets.example.kgen.io" in names


def test_crd_update_serves_new_versions(client: httpx.Client, group: str) -> None:
    client.post(CRDS, json=_crd(group))
    wait_for(lambda: _established(client, f"things.{group}"))
    crd = client.get(f"{CRDS}/things.{group}").json()
    v2 = dict(crd["spec"]["versions"][0], name="v2", storage=False)
    crd["spec"]["versions"].append(v2)
    response = client.put(f"{CRDS}/things.{group}", json=crd)
    assert response.status_code == 200, response.text
    assert response.json()["metadata"]["generation"] == 2

    def versions() -> list[str]:
        return [v["version"] for v in client.get(f"/apis/{group}").json()["versions"]]

    # A real server updates the version's handler and the group's discovery document separately.
    wait_for(lambda: client.get(f"/apis/{group}/v2").status_code == 200 and len(versions()) == 2)
    assert versions() == ["v2", "v1"]
    client.delete(f"{CRDS}/things.{group}")


def test_crd_update_changes_how_fields_are_owned(client: httpx.Client, group: str) -> None:
    """managedFields follow the CRD's schema as it is now: a list made a list-map is owned item
    by item from then on (a server that kept the first schema's field tree would not)."""
    crd = _crd(group)
    items = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "value": {"type": "integer"}},
        },
    }
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    schema["properties"]["spec"]["properties"]["items"] = items
    client.post(CRDS, json=crd)
    wait_for(lambda: _established(client, f"things.{group}"))
    path = f"/apis/{group}/v1/namespaces/default/things"
    thing = {
        "apiVersion": f"{group}/v1",
        "kind": "Thing",
        "metadata": {"name": "one"},
        "spec": {"size": 1, "items": [{"name": "x", "value": 0}]},
    }
    response = client.post(path, json=thing, params={"fieldManager": "maker"})
    assert response.status_code == 201, response.text

    def owned_by(obj: dict, manager: str) -> dict:
        entries = obj["metadata"]["managedFields"]
        return next(e["fieldsV1"] for e in entries if e["manager"] == manager)

    assert owned_by(response.json(), "maker")["f:spec"]["f:items"] == {}  # atomic: all of it
    crd = client.get(f"{CRDS}/things.{group}").json()
    items.update({"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]})
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = schema
    response = client.put(f"{CRDS}/things.{group}", json=crd)
    assert response.status_code == 200, response.text
    values = iter(range(1, 1000))

    def item_owned() -> bool:
        current = client.get(f"{path}/one").json()
        current["spec"]["items"][0]["value"] = next(values)
        updated = client.put(f"{path}/one", json=current, params={"fieldManager": "changer"})
        assert updated.status_code == 200, updated.text
        return bool(owned_by(updated.json(), "changer")["f:spec"]["f:items"])

    wait_for(item_owned)
    fields = owned_by(client.get(f"{path}/one").json(), "changer")
    assert fields == {"f:spec": {"f:items": {'k:{"name":"x"}': {"f:value": {}}}}}
    client.delete(f"{CRDS}/things.{group}")
