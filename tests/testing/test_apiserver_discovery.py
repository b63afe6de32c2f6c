"""Discovery: /version, health, /api, /apis, APIResourceLists, aggregated discovery."""

from __future__ import annotations

import httpx
import pytest
from apiserver_fixtures import since

pytestmark = pytest.mark.conformance

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def test_version(client: httpx.Client) -> None:
    body = client.get("/version").json()
    assert {"major", "minor", "gitVersion", "platform", "goVersion"} <= set(body)
    assert body["gitVersion"].startswith("v1.")


@pytest.mark.parametrize("path", ["/healthz", "/livez", "/readyz"])
def test_health(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.text == "ok"


def test_api_versions(client: httpx.Client) -> None:
    body = client.get("/api").json()
    assert body["kind"] == "APIVersions"
    assert body["versions"] == ["v1"]
    assert body["serverAddressByClientCIDRs"][0]["clientCIDR"] == "0.0.0.0/0"


def test_api_group_list(client: httpx.Client) -> None:
    body = client.get("/apis").json()
    assert body["kind"] == "APIGroupList" and body["apiVersion"] == "v1"
    groups = {g["name"]: g for g in body["groups"]}
    assert "" not in groups
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    example = groups["example.kgen.io"]
    assert [v["version"] for v in example["versions"]] == ["v1", "v1alpha1"]
    assert example["preferredVersion"]["version"] == "v1"
    assert "apiextensions.k8s.io" in groups


def test_api_group(client: httpx.Client) -> None:
    body = client.get("/apis/apps").json()
    assert body["kind"] == "APIGroup"
    assert body["name"] == "apps"
    assert client.get("/apis/nothing.example.com").status_code == 404


def test_core_resource_list(client: httpx.Client) -> None:
    body = client.get("/api/v1").json()
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "v1"
    resources = {r["name"]: r for r in body["resources"]}
    assert resources["configmaps"] == {
        **resources["configmaps"],
        "namespaced": True,
        "kind": "ConfigMap",
        "verbs": [
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch",
        ],
        "shortNames": ["cm"],
    }
    assert resources["namespaces"]["namespaced"] is False
    assert resources["pods/status"]["kind"] == "Pod"
    assert resources["pods/status"]["verbs"] == ["get", "patch", "update"]
    assert resources["pods/eviction"]["group"] == "policy"
    assert resources["pods/eviction"]["kind"] == "Eviction"
    assert resources["pods/log"]["verbs"] == ["get"]


# Built-in resources have their singularName in discovery since kubernetes/kubernetes#113542 (1.27);
# before, it was empty.
@since("1.27")
def test_core_resource_singular_names(client: httpx.Client) -> None:
    resources = {r["name"]: r for r in client.get("/api/v1").json()["resources"]}
    assert resources["configmaps"]["singularName"] == "configmap"
    assert resources["pods"]["singularName"] == "pod"


def test_group_resource_list(client: httpx.Client) -> None:
    body = client.get("/apis/apps/v1").json()
    assert body["groupVersion"] == "apps/v1"
    resources = {r["name"]: r for r in body["resources"]}
    scale = resources["deployments/scale"]
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert resources["deployments"]["shortNames"] == ["deploy"]
    assert resources["deployments"]["categories"] == ["all"]


def test_custom_resource_list(client: httpx.Client) -> None:
    body = client.get("/apis/example.kgen.io/v1").json()
    resources = {r["name"]: r for r in body["resources"]}
    widgets = resources["widgets"]
    assert widgets["kind"] == "Widget"
    assert widgets["singularName"] == "widget"
    assert widgets["shortNames"] == ["wd"]
    assert widgets["categories"] == ["all", "kgen"]
    assert resources["gadgets"]["namespaced"] is False
    assert "widgets/status" in resources and "widgets/scale" in resources


@since("1.30")
def test_aggregated_discovery(client: httpx.Client) -> None:
    response = client.get("/apis", headers={"Accept": AGGREGATED + ",application/json"})
    assert response.headers["content-type"] == AGGREGATED
    body = response.json()
    assert body["kind"] == "APIGroupDiscoveryList"
    assert body["apiVersion"] == "apidiscovery.k8s.io/v2"
    groups = {g["metadata"]["name"]: g for g in body["items"]}
    apps = groups["apps"]["versions"][0]
    assert apps["version"] == "v1"
    deployments = {r["resource"]: r for r in apps["resources"]}["deployments"]
    assert deployments["scope"] == "Namespaced"
    assert deployments["responseKind"] == {"group": "apps", "version": "v1", "kind": "Deployment"}
    subresources = {s["subresource"]: s for s in deployments["subresources"]}
    assert subresources["scale"]["responseKind"]["kind"] == "Scale"
    legacy = client.get("/api", headers={"Accept": AGGREGATED}).json()
    assert [g["metadata"].get("name", "") for g in legacy["items"]] == [""]


def test_root_paths(client: httpx.Client) -> None:
    paths = client.get("/").json()["paths"]
    assert "/api/v1" in paths and "/apis/apps/v1" in paths and "/version" in paths


def test_page_not_found_outside_the_api(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404


# Since kubernetes/kubernetes#104748 (1.23) the end of the handler chain is a NotFound handler; before,
# the last server answered unknown paths with its index of paths (still with 404).
@since("1.23")
def test_page_not_found_body(client: httpx.Client) -> None:
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert response.text == "404 page not found\n"
