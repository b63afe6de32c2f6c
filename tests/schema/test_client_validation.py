"""The client's side of the schema engine: ``validate``, ``with_defaults`` and ``validate_writes``.

Each check is held against what kgen.testing's server (the same engine, over HTTP on loopback) or the
fake clientset answers for the same object, so that the client refuses exactly what the server would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from example_client.clientset import AsyncClientset, Clientset
from example_client.fake import AsyncFakeClientset, FakeClientset
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec

from kgen.runtime import (
    Invalid,
    ObjectMeta,
    SchemaInvalid,
    Unstructured,
    Violation,
    load_kubeconfig,
    validate,
    with_defaults,
)
from kgen.testing import APIServer

WIDGETS = "/apis/example.kgen.io/v1/namespaces/default/widgets"


def widget_json(name: str = "w", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


BAD = widget_json(replicas=-1, cpu="lots", operator="~", color="red")


@pytest.fixture(scope="module")
def server() -> Iterator[APIServer]:
    with APIServer.from_package("example_client") as api:
        yield api


@pytest.fixture
def clientset(server: APIServer, tmp_path: Path) -> Iterator[Clientset]:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    with Clientset(config, validate_writes=True) as cs:
        yield cs


def test_validate_returns_every_violation_with_its_path() -> None:
    violations = validate(BAD, package="example_client")
    assert all(isinstance(v, Violation) for v in violations)
    assert [str(v) for v in violations] == [
        'spec.cpu: Invalid value: "lots": spec.cpu in body should match '
        "'^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?"
        "(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$'",
        'spec.operator: Unsupported value: "~": supported values: "=", "!=", "=~"',
        'spec: Invalid value: "object": replicas must not be negative',
    ]
    assert [v.field for v in violations] == ["spec.cpu", "spec.operator", "spec"]


def test_validate_takes_models_dicts_and_unstructured_alike() -> None:
    model = Widget(
        metadata=ObjectMeta(name="w", namespace="default"),
        spec=WidgetSpec(color="red", replicas=-2, size=1),
    )
    from_model = [str(v) for v in validate(model)]  # a model knows its package
    assert from_model == ['spec: Invalid value: "object": replicas must not be negative']
    data = widget_json(color="red", replicas=-2, size=1)
    assert [str(v) for v in validate(data, package="example_client")] == from_model
    assert [str(v) for v in validate(Unstructured(data), package="example_client")] == from_model
    assert validate(widget_json(color="red", replicas=2, size=1), package="example_client") == []
    assert data["spec"]["replicas"] == -2  # the object given is not changed


def test_validate_checks_what_the_server_checks(server: APIServer) -> None:
    """The client's violations are the causes of the server's 422, in the same order."""
    import httpx

    with httpx.Client(base_url=server.url, headers=server.headers()) as http:
        answer = http.post(WIDGETS, json=BAD)
    assert answer.status_code == 422
    causes = answer.json()["details"]["causes"]
    mine = [v.cause() for v in validate(BAD, package="example_client")]
    assert [(c["field"], c["message"]) for c in causes] == [
        (c["field"], c["message"]) for c in mine
    ]


def test_validate_needs_a_package_for_json_and_a_known_kind() -> None:
    with pytest.raises(ValueError, match="pass package="):
        validate(BAD)
    other = dict(BAD, kind="Nothing")
    with pytest.raises(ValueError, match="Nothing of example.kgen.io/v1 is not a kind"):
        validate(other, package="example_client")


def test_with_defaults_is_what_the_server_stores(server: APIServer) -> None:
    import httpx

    body = widget_json("defaulted", size=1, unknownField=1)
    local = with_defaults(body, package="example_client")
    assert local["spec"] == {"size": 1, "color": "red"}
    assert body["spec"] == {"size": 1, "unknownField": 1}  # untouched
    with httpx.Client(base_url=server.url, headers=server.headers()) as http:
        stored = http.post(WIDGETS, json=body).json()
    assert stored["spec"] == local["spec"]
    as_unstructured = with_defaults(Unstructured(body), package="example_client")
    assert isinstance(as_unstructured, Unstructured)
    assert as_unstructured.object["spec"] == local["spec"]
    model = Widget(metadata=ObjectMeta(name="m"), spec=WidgetSpec(color="blue", size=2))
    assert with_defaults(model) == model  # nothing to add: the same value, a new object


def test_validate_writes_refuses_before_sending(clientset: Clientset, server: APIServer) -> None:
    widgets = clientset.example_kgen_io_v1.widgets("default")
    bad = Widget(
        metadata=ObjectMeta(name="refused"), spec=WidgetSpec(color="red", replicas=-1, size=1)
    )
    with pytest.raises(SchemaInvalid) as info:
        widgets.create(bad)
    error = info.value
    assert isinstance(error, Invalid) and error.code == 422
    assert [str(v) for v in error.violations] == [
        'spec: Invalid value: "object": replicas must not be negative'
    ]
    assert error.status.message == (
        'Widget.example.kgen.io "refused" is invalid: '
        'spec: Invalid value: "object": replicas must not be negative'
    )
    assert "nothing was sent" in str(error)
    # Nothing reached the server: the same create without the check gets the server's own 422,
    # whose message is the one the client made up.
    with Clientset(clientset.config) as plain:
        with pytest.raises(Invalid) as served:
            plain.example_kgen_io_v1.widgets("default").create(bad)
    assert not isinstance(served.value, SchemaInvalid)
    assert served.value.status.message == error.status.message


def test_validate_writes_checks_updates_applies_and_dynamic_writes(clientset: Clientset) -> None:
    widgets = clientset.example_kgen_io_v1.widgets("default")
    created = widgets.create(
        Widget(metadata=ObjectMeta(name="checked"), spec=WidgetSpec(color="red", size=1))
    )
    assert created.spec is not None and created.spec.color == "red"
    created.spec.replicas = -3
    with pytest.raises(SchemaInvalid, match="replicas must not be negative"):
        widgets.update(created)  # an update is sent as JSON bytes: still checked
    with pytest.raises(SchemaInvalid, match=r"spec.operator: Unsupported value: \"~\""):
        widgets.apply(
            {
                "apiVersion": "example.kgen.io/v1",
                "kind": "Widget",
                "metadata": {"name": "checked"},
                "spec": {"operator": "~"},
            },
            field_manager="test",
        )
    # An apply configuration is partial: what it leaves out is not required of it.
    applied = widgets.apply(
        {
            "apiVersion": "example.kgen.io/v1",
            "kind": "Widget",
            "metadata": {"name": "checked"},
            "spec": {"operator": "="},
        },
        field_manager="test",
    )
    assert applied.spec is not None and applied.spec.operator == "="
    dynamic = clientset.dynamic.resource("example.kgen.io/v1/widgets").namespace("default")
    with pytest.raises(SchemaInvalid, match="replicas must not be negative"):
        dynamic.create(Unstructured(widget_json("dyn", color="red", size=1, replicas=-1)))
    # A merge patch says what changes, not what the object is: the server decides.
    with pytest.raises(Invalid) as info:
        widgets.patch("checked", {"spec": {"replicas": -1}})
    assert not isinstance(info.value, SchemaInvalid)
    assert "replicas must not be negative" in str(info.value)


async def test_async_clientset_validates_writes_too(server: APIServer, tmp_path: Path) -> None:
    config = load_kubeconfig(server.kubeconfig(tmp_path / "kubeconfig"))
    async with AsyncClientset(config, validate_writes=True) as cs:
        with pytest.raises(SchemaInvalid):
            await cs.example_kgen_io_v1.widgets("default").create(
                Widget(metadata=ObjectMeta(name="a"), spec=WidgetSpec(color="red", replicas=-1))
            )


def test_the_fake_enforces_the_schema_on_every_write() -> None:
    """The fake clientset is kgen.testing in process: rules, keywords and defaults as the server."""
    cs = FakeClientset()
    widgets = cs.example_kgen_io_v1.widgets("default")
    bad = Widget(metadata=ObjectMeta(name="f"), spec=WidgetSpec(color="red", replicas=-1, size=1))
    with pytest.raises(Invalid, match="replicas must not be negative") as info:
        widgets.create(bad)
    assert info.value.code == 422 and not isinstance(info.value, SchemaInvalid)
    raw = cs.dynamic.resource("example.kgen.io/v1/widgets").namespace("default")
    created = raw.create(Unstructured(widget_json("f", size=1)))
    assert created.object["spec"]["color"] == "red"  # the schema's default
    good = widgets.get("f")
    assert good.spec is not None
    good.spec.replicas = -1
    with pytest.raises(Invalid, match="replicas must not be negative"):
        widgets.update(good)
    with pytest.raises(Invalid, match="replicas must not be negative"):
        widgets.patch("f", {"spec": {"replicas": -1}})
    with pytest.raises(Invalid, match="replicas must not be negative"):
        widgets.apply(
            {
                "apiVersion": "example.kgen.io/v1",
                "kind": "Widget",
                "metadata": {"name": "f"},
                "spec": {"replicas": -1},
            },
            field_manager="test",
        )
    with pytest.raises(SchemaInvalid):
        FakeClientset(validate_writes=True).example_kgen_io_v1.widgets("default").create(bad)


async def test_the_async_fake_enforces_the_schema() -> None:
    cs = AsyncFakeClientset(validate_writes=True)
    bad = Widget(metadata=ObjectMeta(name="f"), spec=WidgetSpec(color="red", replicas=-1, size=1))
    with pytest.raises(SchemaInvalid):
        await cs.example_kgen_io_v1.widgets("default").create(bad)
