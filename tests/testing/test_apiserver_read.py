"""Get and list: resourceVersion semantics, label and field selectors, paging over a snapshot."""

from __future__ import annotations

import json

import httpx
import pytest
from apiserver_fixtures import since
from kubehelp import CM, PODS, WIDGETS, assert_status, configmap, ours, pod, widget

pytestmark = pytest.mark.conformance


def _names(response: httpx.Response) -> list[str]:
    """The listed names, without objects a real cluster's controllers made (kubehelp.CLUSTER_MADE)."""
    assert response.status_code == 200, response.text
    return ours(response.json()["items"])


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
    assert ours(body["items"]) == ["a", "b", "c", "d"]
    # A built-in list is typed ([]ConfigMap): its items carry no kind or apiVersion.
    for item in body["items"]:
        assert "kind" not in item and "apiVersion" not in item, item


def test_custom_resource_list_items_have_kind(client: httpx.Client, namespace: str) -> None:
    assert client.post(WIDGETS.format(ns=namespace), json=widget("w")).status_code == 201
    body = client.get(WIDGETS.format(ns=namespace)).json()
    assert body["kind"] == "WidgetList" and body["apiVersion"] == "example.kgen.io/v1"
    # Custom resource lists are unstructured: each item keeps its kind and apiVersion.
    assert [(i["kind"], i["apiVersion"]) for i in body["items"]] == [
        ("Widget", "example.kgen.io/v1")
    ]


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


# Messages every kube-apiserver version words the same (labels.Parse and fields.ParseSelector); the
# rest (a bad key or value, Gt and Lt values) are pinned against the current wording in test_selectors.
@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("a in b", "unable to parse requirement: found 'b' expected: '('"),
        ("a in", "unable to parse requirement: found '' expected: '('"),
        ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
        ("a>=1", "unable to parse requirement: found '=', expected: identifier"),
        ("!!a", "unable to parse requirement: found '!', expected: identifier"),
        ("=b", "found '=', expected: !, identifier, or 'end of string'"),
        ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
        ("a in (b,,)", "unable to parse requirement: found ')', expected: ',', or identifier"),
        ("a in ((b)", "unable to parse requirement: found '(', expected: ',', ')' or identifier"),
        ("!a=b", "found '=', expected: ',' or 'end of string'"),
        ("a in (b))", "found ')', expected: ',' or 'end of string'"),
        ("app=web,", "found '', expected: identifier after ','"),
        ("a=b,(c)", "found '(', expected: identifier after ','"),
    ],
)
def test_label_selector_messages(
    client: httpx.Client, namespace: str, selector: str, message: str
) -> None:
    response = client.get(CM.format(ns=namespace), params={"labelSelector": selector})
    assert_status(response, 400, "BadRequest", message)


@pytest.mark.parametrize(
    "selector",
    ["in=notin", "a in (in)", "a notin (x,,y)", "a in ()", "a in (,)", "a\r=b", "a>01", "a = "],
)
def test_label_selectors_that_look_wrong_but_parse(
    client: httpx.Client, namespace: str, selector: str
) -> None:
    response = client.get(CM.format(ns=namespace), params={"labelSelector": selector})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("metadata.name=a,b", "invalid selector: 'metadata.name=a,b'; can't understand 'b'"),
        ("metadata.name=a\\qb", "invalid field selector: invalid escape sequence: \\q"),
        ("metadata.name=a\\", "invalid field selector: invalid escape sequence: \\"),
        ("metadata.name=x=y", "invalid field selector: unescaped character in value: 61"),
        ("metadata.name==a==b", "invalid field selector: unescaped character in value: 61"),
        # The field name is taken as written, and quoted (%q) in the message.
        (
            "a\\=b",
            '"a\\\\" is not a known field selector: only "metadata.name", "metadata.namespace"',
        ),
    ],
)
def test_field_selector_messages(
    client: httpx.Client, namespace: str, selector: str, message: str
) -> None:
    response = client.get(CM.format(ns=namespace), params={"fieldSelector": selector})
    assert_status(response, 400, "BadRequest", message)


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
    # ConfigMaps have no field label conversion of their own: the default one rejects the label.
    response = client.get(CM.format(ns=labelled), params={"fieldSelector": "data.k=v"})
    assert_status(
        response,
        400,
        "BadRequest",
        '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"',
    )
    watch = client.get(
        CM.format(ns=labelled), params={"fieldSelector": "data.k=v", "watch": "true"}
    )
    assert_status(
        watch,
        400,
        "BadRequest",
        '"data.k" is not a known field selector: only "metadata.name", "metadata.namespace"',
    )


def test_unsupported_field_label_of_a_kind_with_its_own(
    client: httpx.Client, namespace: str
) -> None:
    # Pods register their own conversion func, which says it differently.
    response = client.get(PODS.format(ns=namespace), params={"fieldSelector": "spec.image=x"})
    assert_status(response, 400, "BadRequest", "field label not supported: spec.image")
    # Namespaces (cluster-scoped) accept metadata.name and status.phase, not metadata.namespace.
    response = client.get("/api/v1/namespaces", params={"fieldSelector": "metadata.namespace="})
    assert_status(response, 400, "BadRequest", "field label not supported: metadata.namespace")
    response = client.get(
        "/api/v1/namespaces", params={"fieldSelector": f"metadata.name={namespace}"}
    )
    assert _names(response) == [namespace]


def test_unsupported_field_label_of_a_custom_resource(client: httpx.Client, namespace: str) -> None:
    response = client.get(WIDGETS.format(ns=namespace), params={"fieldSelector": "status.phase=x"})
    assert_status(response, 400, "BadRequest", "field label not supported: status.phase")


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


def _page(body: dict) -> list[str]:
    return [i["metadata"]["name"] for i in body["items"]]


def test_paging(client: httpx.Client, namespace: str) -> None:
    # Pages cover everything in the namespace, including what a real cluster's controllers put there
    # (kubehelp.CLUSTER_MADE; the namespace fixture waits for it): expect those too.
    before = _page(client.get(CM.format(ns=namespace)).json())
    for i in range(5):
        client.post(CM.format(ns=namespace), json=configmap(f"cm-{i}"))
    everything = sorted(before + [f"cm-{i}" for i in range(5)])
    first = client.get(CM.format(ns=namespace), params={"limit": 2}).json()
    assert _page(first) == everything[:2] == ["cm-0", "cm-1"]
    assert first["metadata"]["remainingItemCount"] == len(everything) - 2
    token = first["metadata"]["continue"]
    # Writes between pages do not show: the pages read one snapshot.
    client.post(CM.format(ns=namespace), json=configmap("cm-2a"))
    client.delete(CM.format(ns=namespace) + "/cm-4")
    second = client.get(CM.format(ns=namespace), params={"limit": 2, "continue": token}).json()
    assert _page(second) == everything[2:4] == ["cm-2", "cm-3"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert second["metadata"]["remainingItemCount"] == len(everything) - 4
    rest = client.get(
        CM.format(ns=namespace),
        params={"limit": len(everything), "continue": second["metadata"]["continue"]},
    ).json()
    assert _page(rest) == everything[4:]
    assert "cm-4" in _page(rest) and "cm-2a" not in _page(rest)
    assert "continue" not in rest["metadata"]


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
    # Served from the watch cache, which promises no order.
    assert sorted(_names(newer)) == ["after", "before"]


def test_list_resource_version_zero(client: httpx.Client, namespace: str) -> None:
    for i in range(3):
        client.post(CM.format(ns=namespace), json=configmap(f"cm-{i}"))
    # Served from the watch cache, which promises no order (1.20's is a map).
    response = client.get(CM.format(ns=namespace), params={"resourceVersion": "0", "limit": 1})
    assert sorted(_names(response)) == ["cm-0", "cm-1", "cm-2"]
    # ...and ignores limit: everything comes in one page.
    assert "continue" not in response.json()["metadata"]


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


def _compact(response_body: bytes) -> bytes:
    """The body re-encoded as kgen.testing encodes what it cannot take from the store (json.dumps,
    compact, keys in their order)."""
    return json.dumps(json.loads(response_body), separators=(",", ":"), ensure_ascii=False).encode()


def test_served_json_is_what_encoding_the_objects_writes(kclient: httpx.Client) -> None:
    """Lists, gets, creates and watch events of stored objects are served from their JSON encoded
    once (joined for a list, wrapped for an event): the bytes are those of encoding the answer."""
    kclient.post("/api/v1/namespaces", json={"metadata": {"name": "enc"}})
    path = CM.format(ns="enc")
    created = [
        kclient.post(path, json=configmap(name, {"k": "<é> & \u2028 \U0001f600"}))
        for name in ("b", "a", "c")
    ]
    for response in created:
        assert response.status_code == 201 and response.content == _compact(response.content)
    for _ in range(2):  # encoded at the first read, then served as encoded
        listed = kclient.get(path)
        assert listed.content == _compact(listed.content)
        assert ours(listed.json()["items"]) == ["a", "b", "c"]
        again = kclient.get(path, params={"resourceVersion": "0"})
        assert again.content == listed.content
        got = kclient.get(f"{path}/a")
        assert got.content == _compact(got.content)
        assert got.json() == {"apiVersion": "v1", "kind": "ConfigMap", **listed.json()["items"][0]}
    with kclient.stream("GET", path, params={"watch": "1", "resourceVersion": "0"}) as stream:
        # Split here, on newlines only (iter_lines would also split at U+2028).
        data = b""
        for chunk in stream.iter_bytes():
            data += chunk
            if data.count(b"\n") >= 3:
                break
    lines = data.split(b"\n")[:3]
    assert [json.loads(line)["object"]["metadata"]["name"] for line in lines] == ["a", "b", "c"]
    for line in lines:
        assert line == _compact(line) and line.startswith(b'{"type":"ADDED","object":{')
    # A write: the new object is served, not the JSON of the old one.
    updated = kclient.put(f"{path}/a", json={**got.json(), "data": {"k": "new"}})
    assert updated.status_code == 200
    assert kclient.get(f"{path}/a").json()["data"] == {"k": "new"}
    assert kclient.get(path).json()["items"][0]["data"] == {"k": "new"}
