"""Representations asked for in Accept: metadata only, Table, YAML; content negotiation errors."""

from __future__ import annotations

import httpx
import pytest
import yaml
from kubehelp import CM, CLUSTER_MADE, WIDGETS, assert_status, configmap, iter_events, widget

pytestmark = pytest.mark.conformance

PARTIAL = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
PARTIAL_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def test_metadata_only_get_and_list(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("a", {"big": "x" * 100}))
    one = client.get(
        CM.format(ns=namespace) + "/a", headers={"Accept": PARTIAL + ",application/json"}
    )
    assert one.json()["kind"] == "PartialObjectMetadata"
    assert one.json()["apiVersion"] == "meta.k8s.io/v1"
    assert one.json()["metadata"]["name"] == "a"
    assert "data" not in one.json()
    many = client.get(
        CM.format(ns=namespace), headers={"Accept": PARTIAL_LIST + ",application/json"}
    )
    body = many.json()
    assert body["kind"] == "PartialObjectMetadataList"
    assert body["metadata"]["resourceVersion"]
    items = [i for i in body["items"] if i["metadata"]["name"] not in CLUSTER_MADE]
    assert [(i["kind"], i["metadata"]["name"]) for i in items] == [("PartialObjectMetadata", "a")]
    assert all(i["kind"] == "PartialObjectMetadata" and "data" not in i for i in body["items"])


def test_metadata_only_watch(client: httpx.Client, namespace: str) -> None:
    rv = client.get(CM.format(ns=namespace)).json()["metadata"]["resourceVersion"]
    params = {"watch": "true", "resourceVersion": rv}
    headers = {"Accept": PARTIAL}
    with client.stream("GET", CM.format(ns=namespace), params=params, headers=headers) as response:
        client.post(CM.format(ns=namespace), json=configmap("a"))
        event = next(iter_events(response))
    assert event["type"] == "ADDED"
    assert event["object"]["kind"] == "PartialObjectMetadata"
    assert event["object"]["metadata"]["name"] == "a"


def test_table(client: httpx.Client, namespace: str) -> None:
    client.post(WIDGETS.format(ns=namespace), json=widget("w", "blue", replicas=2))
    response = client.get(
        WIDGETS.format(ns=namespace), headers={"Accept": TABLE + ",application/json"}
    )
    body = response.json()
    assert body["kind"] == "Table" and body["apiVersion"] == "meta.k8s.io/v1"
    names = [c["name"] for c in body["columnDefinitions"]]
    assert names == ["Name", "Color", "Replicas", "Age"]
    row = body["rows"][0]
    assert row["cells"][:3] == ["w", "blue", 2]
    assert row["object"]["kind"] == "PartialObjectMetadata"


def test_yaml(client: httpx.Client, namespace: str) -> None:
    client.post(CM.format(ns=namespace), json=configmap("a"))
    response = client.get(CM.format(ns=namespace) + "/a", headers={"Accept": "application/yaml"})
    assert response.headers["content-type"] == "application/yaml"
    assert yaml.safe_load(response.text)["metadata"]["name"] == "a"


def test_create_from_yaml(client: httpx.Client, namespace: str) -> None:
    body = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: yaml\ndata:\n  a: b\n  d: 2001-01-01\n"
    )
    response = client.post(
        CM.format(ns=namespace), content=body, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    # Dates stay text (sigs.k8s.io/yaml has no timestamp type).
    assert response.json()["data"] == {"a": "b", "d": "2001-01-01"}


def test_create_from_yaml_one_letter_booleans(client: httpx.Client, namespace: str) -> None:
    # go-yaml v2 reads an unquoted y as true (YAML 1.1): decoding into the typed object then fails.
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: b\n"
    response = client.post(
        CM.format(ns=namespace), content=body, headers={"Content-Type": "application/yaml"}
    )
    status = assert_status(response, 400, "BadRequest")
    assert status["message"].startswith(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    )
    # Keys too: an unquoted y key is written out as "true".
    body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keys\ndata:\n  y: b\n"
    response = client.post(
        CM.format(ns=namespace), content=body, headers={"Content-Type": "application/yaml"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["data"] == {"true": "b"}
