"""kgen-only: the REST semantics used in process, without HTTP (what a fake clientset builds on)."""

from __future__ import annotations

import pytest
from kubehelp import configmap

from kgen.testing import StatusError, APIServer
from kgen.testing.options import DeleteQuery, ListQuery
from kgen.runtime._selectors import parse_label_selector


@pytest.fixture
def offline() -> APIServer:
    """A server that is never started: its API and store work without a socket."""
    return APIServer.from_package("example_client")


def test_crud_without_http(offline: APIServer) -> None:
    api = offline.api
    cms = offline.registry.get("", "v1", "configmaps")
    assert cms is not None
    created = api.create(cms, "default", configmap("a", labels={"x": "1"})).body
    assert created["metadata"]["resourceVersion"]
    listed = api.list(cms, "default", ListQuery(label_selector=parse_label_selector("x=1"))).body
    assert [i["metadata"]["name"] for i in listed["items"]] == ["a"]
    with pytest.raises(StatusError) as info:
        api.create(cms, "default", configmap("a"))
    assert info.value.code == 409 and info.value.reason == "AlreadyExists"
    api.delete(cms, "default", "a", DeleteQuery())
    with pytest.raises(StatusError) as missing:
        api.get(cms, "default", "a")
    assert missing.value.status["message"] == 'configmaps "a" not found'


def test_watch_stream_without_http(offline: APIServer) -> None:
    api = offline.api
    cms = offline.registry.get("", "v1", "configmaps")
    assert cms is not None
    api.create(cms, "default", configmap("a"))
    stream = api.watch(cms, "default", ListQuery(watch=True, timeout_seconds=1))
    api.create(cms, "default", configmap("b"))
    events = list(stream)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]


def test_unsupported_verbs(offline: APIServer) -> None:
    namespaces = offline.registry.get("", "v1", "namespaces")
    assert namespaces is not None
    with pytest.raises(StatusError) as info:
        offline.api.delete_collection(namespaces, None, ListQuery())
    assert info.value.code == 405


def test_graceful_pod_deletion(offline: APIServer) -> None:
    pods = offline.registry.get("", "v1", "pods")
    assert pods is not None
    body = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p"},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
    }
    offline.api.create(pods, "default", body)
    held = offline.api.delete(pods, "default", "p", DeleteQuery()).body
    assert held["metadata"]["deletionGracePeriodSeconds"] == 30
    assert held["metadata"]["deletionTimestamp"]
    gone = offline.api.delete(pods, "default", "p", DeleteQuery(grace_period_seconds=0))
    assert gone.code == 200
    with pytest.raises(StatusError):
        offline.api.get(pods, "default", "p")


def test_initial_namespaces(offline: APIServer) -> None:
    namespaces = offline.registry.get("", "v1", "namespaces")
    assert namespaces is not None
    names = [i["metadata"]["name"] for i in offline.api.list(namespaces, None).body["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_empty_model_serves_namespaces_and_crds() -> None:
    server = APIServer()
    assert server.registry.get("", "v1", "namespaces") is not None
    assert (
        server.registry.get("apiextensions.k8s.io", "v1", "customresourcedefinitions") is not None
    )
    assert server.registry.get("", "v1", "configmaps") is None


def test_served_openapi_keeps_field_descriptions() -> None:
    # Served from CRD files (the model keeps descriptions; a package's embedded model does not).
    from pathlib import Path

    import httpx

    crds = Path(__file__).resolve().parents[2] / "specs" / "example-crds"
    with APIServer.from_inputs(crds=[crds]) as server:
        v3 = httpx.get(server.url + "/openapi/v3/apis/example.kgen.io/v1").json()
        spec = v3["components"]["schemas"]["io.kgen.example.v1.Widget"]["properties"]["spec"]
        assert spec["properties"]["replicas"]["description"].startswith("How many widgets")
        v2 = httpx.get(server.url + "/openapi/v2").json()
        widget = v2["definitions"]["io.kgen.example.v1.Widget"]
        replicas = widget["properties"]["spec"]["properties"]["replicas"]
        assert replicas["description"].startswith("How many widgets")
