"""Get and list: resourceVersion semantics, label and field selectors, paging over a snapshot."""

from __future__ import annotations

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import CM, PODS, WIDGETS, assert_status, configmap, pod, widget

pytest_plugins = ["apiserver_fixtures"]

pytestmark = pytest.mark.conformance


def _names(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [item["metadata"]["name"] for item in response.json()["items"]]


@pytest.fixture
def labelled(client: httpx.Client, namespace: str) -> str:
    for name, labels in (
        ("a", {"app": "web", "tier": "front"}),
        ("b", {"app": "web", "tier": "back"}),
        ("c", {"app": "db"}),
        ("d", {}),
    ):
        response = client.post(CM.format(ns=namespace), json=configmap(name, labels=labels))
        assert response.status_code == 201
    return namespace


def test_get_not_found(client: httpx.Client, namespace: str) -> None:
    response = client.get(CM.format(ns=namespace) + "/nope")
    body = assert_status(response, 404, "NotFound", 'configmaps "nope" not found')
    assert body["details"] == {"name": "nope", "kind": "configmaps"}


def test_get_not_found_in_a_group(client: httpx.Client, namespace: str) -> None:
    response = client.get(WIDGETS.format(ns=namespace) + "/nope")
    body = assert_status(response, 404, "NotFound", 'widgets.example.kgen.io "nope" not found')
    assert body["details"] == {"name": "nope", "group": "example.kgen.io", "kind": "widgets"}


def test_unknown_path(client: httpx.Client) -> None:
    response = client.get("/api/v1/nothings")
    assert_status(response, 404, "NotFound", "the server could not find the requested resource")


def test_list_shape(client: httpx.Client, labelled: str) -> None:
    response = client.get(CM.format(ns=labelled))
    body = response.json()
    assert body["kind"] == "ConfigMapList"
    assert body["apiVersion"] == "v1"
    assert body["metadata"]["resourceVersion"].isdigit()
    assert [i["metadata"]["name"] for i in body["items"]] == ["a", "b", "c", "d"]
    for item in body["items"]:
        assert item["kind"] == "ConfigMap" and item["apiVersion"] == "v1"


def test_list_resource_version_is_current(client: httpx.Client, labelled: str) -> None:
    created = client.post(CM.format(ns=labelled), json=configmap("e")).json()
    listed = client.get(CM.format(ns=labelled)).json()
    assert int(listed["metadata"]["resourceVersion"]) >= int(created["metadata"]["resourceVersion"])


def test_list_across_namespaces(client: httpx.Client, labelled: str) -> None:
    response = client.get("/api/v1/configmaps", params={"labelSelector": "app=web"})
    items = response.json()["items"]
    assert {(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items} >= {
        (labelled, "a"),
        (labelled, "b"),
    }


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("app=web", ["a", "b"]),
        ("app==web", ["a", "b"]),
        ("app!=web", ["c", "d"]),
        ("app in (web,db)", ["a", "b", "c"]),
        ("app notin (web)", ["c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("app=web,tier=front", ["a"]),
        ("", ["a", "b", "c", "d"]),
    ],
)
def test_label_selectors(
    client: httpx.Client, labelled: str, selector: str, expected: list[str]
) -> None:
    response = client.get(CM.format(ns=labelled), params={"labelSelector": selector})
    assert _names(response) == expected


def test_bad_label_selector(client: httpx.Client, labelled: str) -> None:
    response = client.get(CM.format(ns=labelled), params={"labelSelector": "app in web"})
    assert_status(response, 400, "BadRequest")
    response = client.get(CM.format(ns=labelled), params={"labelSelector": "a b=c"})
    assert_status(response, 400, "BadRequest")


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("metadata.name=a", ["a"]),
        ("metadata.name==b", ["b"]),
        ("metadata.name!=a", ["b", "c", "d"]),
        ("metadata.name!=a,metadata.name!=b", ["c", "d"]),
    ],
)
def test_field_selectors(
    client: httpx.Client, labelled: str, selector: str, expected: list[str]
) -> None:
    response = client.get(CM.format(ns=labelled), params={"fieldSelector": selector})
    assert _names(response) == expected


def test_field_selector_on_namespace(client: httpx.Client, labelled: str) -> None:
    response = client.get(
        "/api/v1/configmaps", params={"fieldSelector": f"metadata.namespace={labelled}"}
    )
    assert sorted(_names(response)) == ["a", "b", "c", "d"]


def test_unsupported_field_label(client: httpx.Client, labelled: str) -> None:
    response = client.get(CM.format(ns=labelled), params={"fieldSelector": "data.k=v"})
    assert_status(response, 400, "BadRequest", "field label not supported: data.k")


def test_bad_field_selector(client: httpx.Client, labelled: str) -> None:
    response = client.get(CM.format(ns=labelled), params={"fieldSelector": "metadata.name"})
    assert_status(
        response,
        400,
        "BadRequest",
        "invalid selector: 'metadata.name'; can't understand 'metadata.name'",
    )


def test_pod_field_selectors(client: httpx.Client, namespace: str) -> None:
    client.post(PODS.format(ns=namespace), json=pod("bound", nodeName="node-1"))
    client.post(PODS.format(ns=namespace), json=pod("pending"))
    by_node = client.get(
        PODS.format(ns=namespace), params={"fieldSelector": "spec.nodeName=node-1"}
    )
    assert _names(by_node) == ["bound"]
    unbound = client.get(PODS.format(ns=namespace), params={"fieldSelector": "spec.nodeName="})
    assert _names(unbound) == ["pending"]
    phase = client.get(PODS.format(ns=namespace), params={"fieldSelector": "status.phase=Pending"})
    assert _names(phase) == ["bound", "pending"]


def test_secret_type_field_selector(client: httpx.Client, namespace: str) -> None:
    path = f"/api/v1/namespaces/{namespace}/secrets"
    for name, kind in (("s1", "Opaque"), ("s2", "kubernetes.io/tls")):
        body = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": kind}
        if kind == "kubernetes.io/tls":
            body["data"] = {"tls.crt": "", "tls.key": ""}
        assert client.post(path, json=body).status_code == 201
    response = client.get(path, params={"fieldSelector": "type=Opaque"})
    assert _names(response) == ["s1"]


@since("1.30")
def test_custom_resource_selectable_field(client: httpx.Client, namespace: str) -> None:
    for name, color in (("w1", "red"), ("w2", "blue"), ("w3", "red")):
        assert (
            client.post(WIDGETS.format(ns=namespace), json=widget(name, color)).status_code == 201
        )
    response = client.get(WIDGETS.format(ns=namespace), params={"fieldSelector": "spec.color=red"})
    assert _names(response) == ["w1", "w3"]
    response = client.get(WIDGETS.format(ns=namespace), params={"fieldSelector": "spec.size=1"})
    assert_status(response, 400, "BadRequest", "field label not supported: spec.size")


def test_paging(client: httpx.Client, namespace: str) -> None:
    for i in range(5):
        client.post(CM.format(ns=namespace), json=configmap(f"cm-{i}"))
    first = client.get(CM.format(ns=namespace), params={"limit": 2}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["cm-0", "cm-1"]
    assert first["metadata"]["remainingItemCount"] == 3
    token = first["metadata"]["continue"]
    # Writes between pages do not show: the pages read one snapshot.
    client.post(CM.format(ns=namespace), json=configmap("cm-2a"))
    client.delete(CM.format(ns=namespace) + "/cm-4")
    second = client.get(CM.format(ns=namespace), params={"limit": 2, "continue": token}).json()
    assert [i["metadata"]["name"] for i in second["items"]] == ["cm-2", "cm-3"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    third = client.get(
        CM.format(ns=namespace), params={"limit": 2, "continue": second["metadata"]["continue"]}
    ).json()
    assert [i["metadata"]["name"] for i in third["items"]] == ["cm-4"]
    assert "continue" not in third["metadata"]


def test_paging_with_selector(client: httpx.Client, namespace: str) -> None:
    for i in range(6):
        labels = {"even": "yes"} if i % 2 == 0 else {}
        client.post(CM.format(ns=namespace), json=configmap(f"cm-{i}", labels=labels))
    page = client.get(
        CM.format(ns=namespace), params={"limit": 2, "labelSelector": "even=yes"}
    ).json()
    assert [i["metadata"]["name"] for i in page["items"]] == ["cm-0", "cm-2"]
    assert "remainingItemCount" not in page["metadata"]
    rest = client.get(
        CM.format(ns=namespace),
        params={"limit": 2, "labelSelector": "even=yes", "continue": page["metadata"]["continue"]},
    ).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["cm-4"]


def test_bad_continue_token(client: httpx.Client, namespace: str) -> None:
    response = client.get(CM.format(ns=namespace), params={"continue": "garbage!"})
    assert_status(response, 400, "BadRequest")


def test_list_at_exact_resource_version(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("before"))
    rv = client.get(CM.format(ns=namespace)).json()["metadata"]["resourceVersion"]
    client.post(CM.format(ns=namespace), json=configmap("after"))
    exact = client.get(
        CM.format(ns=namespace), params={"resourceVersion": rv, "resourceVersionMatch": "Exact"}
    )
    assert _names(exact) == ["before"]
    assert exact.json()["metadata"]["resourceVersion"] == rv
    newer = client.get(
        CM.format(ns=namespace),
        params={"resourceVersion": rv, "resourceVersionMatch": "NotOlderThan"},
    )
    assert _names(newer) == ["after", "before"]


def test_list_resource_version_zero(client: httpx.Client, namespace: str) -> None:
    for i in range(3):
        client.post(CM.format(ns=namespace), json=configmap(f"cm-{i}"))
    response = client.get(CM.format(ns=namespace), params={"resourceVersion": "0"})
    assert _names(response) == ["cm-0", "cm-1", "cm-2"]


def test_too_large_resource_version(client: httpx.Client, namespace: str) -> None:
    current = int(client.get(CM.format(ns=namespace)).json()["metadata"]["resourceVersion"])
    response = client.get(
        CM.format(ns=namespace), params={"resourceVersion": str(current + 100000)}
    )
    body = assert_status(response, 504, "Timeout")
    assert body["message"].startswith(
        f"Timeout: Too large resource version: {current + 100000}, current: "
    )
    assert body["details"]["causes"] == [
        {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
    ]
    assert body["details"]["retryAfterSeconds"] == 1


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"resourceVersionMatch": "Exact"},
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            "resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        (
            {"resourceVersion": "0", "resourceVersionMatch": "Exact"},
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: '
            'resourceVersionMatch "exact" is forbidden for resourceVersion "0"',
        ),
        (
            {"resourceVersion": "1", "resourceVersionMatch": "Sometimes"},
            'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: '
            '"Sometimes": supported values: "Exact", "NotOlderThan", ""',
        ),
    ],
)
def test_list_options_validation(
    client: httpx.Client, namespace: str, params: dict[str, str], message: str
) -> None:
    response = client.get(CM.format(ns=namespace), params=params)
    assert_status(response, 422, "Invalid", message)
