# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The dynamic client over unstructured objects, discovery and the RESTMapper, over real HTTP."""

from __future__ import annotations

import pytest
from example_client import scheme
from example_client.clientset import Clientset
from example_client.models.core_v1 import ConfigMap

from kgen.runtime._errors import Conflict, NotFound
from kgen.runtime._meta import OwnerReference
from kgen.runtime._resources import GroupVersionKind, GroupVersionResource
from kgen.runtime._request import PatchType
from kgen.runtime._unstructured import Unstructured


def test_every_dynamic_verb_keeps_unknown_fields(cs: Clientset, namespace: str) -> None:
    widgets = cs.dynamic.resource("example.kgen.io/v1/widgets").namespace(namespace)
    body = {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "labels": {"a": "1"}},
        "spec": {
            "color": "red",
            "size": 1,
            "replicas": 1,
            "config": {"anything": {"goes": [1, 2]}},
        },
    }
    created = widgets.create(body)
    assert isinstance(created, Unstructured)
    assert (created.name, created.namespace, created.kind) == ("w", namespace, "Widget")
    assert created.uid and created.resource_version and created.labels == {"a": "1"}
    assert created["spec"]["config"] == {"anything": {"goes": [1, 2]}}

    got = widgets.get("w")
    got["spec"]["replicas"] = 2
    updated = widgets.update(got)
    assert updated["spec"]["replicas"] == 2
    got["spec"]["replicas"] = 3  # stale resourceVersion now
    with pytest.raises(Conflict):
        widgets.update(got)

    patched = widgets.patch("w", {"metadata": {"annotations": {"n": "x"}}})
    assert patched.annotations == {"n": "x"}
    json_patched = widgets.patch(
        "w", [{"op": "replace", "path": "/spec/color", "value": "blue"}], patch_type=PatchType.JSON
    )
    assert json_patched["spec"]["color"] == "blue"
    # A list of operations is a JSON patch without saying so; as a merge patch it is refused here.
    inferred = widgets.patch("w", [{"op": "replace", "path": "/spec/color", "value": "red"}])
    assert inferred["spec"]["color"] == "red"
    with pytest.raises(ValueError, match="JSON patch"):
        widgets.patch("w", [{"op": "remove", "path": "/x"}], patch_type=PatchType.MERGE)
    status = widgets.update_status({**inferred.object, "status": {"phase": "Ready"}})
    assert status["status"]["phase"] == "Ready"
    scale = widgets.get("w", "scale")
    assert scale.kind == "Scale" and scale["spec"]["replicas"] == 2
    applied = widgets.apply(
        {
            "apiVersion": "example.kgen.io/v1",
            "kind": "Widget",
            "metadata": {"name": "w"},
            "spec": {"color": "green", "size": 1},
        },
        field_manager="dyn",
        force=True,
    )
    assert applied["spec"]["color"] == "green"

    listed = widgets.list(label_selector="a=1")
    assert [item.name for item in listed.items] == ["w"] and listed.resource_version
    # As JSON and as a sequence of its items, too.
    assert listed["metadata"]["resourceVersion"] == listed.resource_version
    assert len(listed) == 1 and [item.name for item in listed] == ["w"]
    typed = listed.items[0].to_typed(scheme)
    from example_client.models.example_kgen_io_v1 import Widget

    assert isinstance(typed, Widget) and typed.spec.color == "green"  # type: ignore[union-attr]

    with widgets.watch(resource_version="0", timeout_seconds=2) as stream:
        for event in stream:
            # Events carry Unstructured objects, as get and list return them.
            assert event.type == "ADDED" and isinstance(event.object, Unstructured)
            assert event.object.name == "w"
            break

    deleted = widgets.delete("w", uid=created.uid)
    assert isinstance(deleted, Unstructured)
    with pytest.raises(NotFound):
        widgets.get("w")
    widgets.create({**body, "metadata": {"name": "x", "labels": {"a": "1"}}})
    widgets.delete_collection(label_selector="a=1")
    assert (widgets.list()).items == []


def test_unstructured_accessors_and_conversion(cs: Clientset, namespace: str) -> None:
    configmaps = cs.dynamic.resource("v1/configmaps").namespace(namespace)
    obj = Unstructured(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"k": "v"}}
    )
    obj.labels["x"] = "y"
    obj.owner_references = [OwnerReference(api_version="v1", kind="Pod", name="p", uid="u")]
    created = configmaps.create(obj)
    assert created.labels == {"x": "y"}
    assert created.owner_references[0].uid == "u"
    typed = created.to_typed(tp=ConfigMap)
    assert typed.data == {"k": "v"}
    back = Unstructured.from_typed(typed)
    assert back.name == "c" and back["data"] == {"k": "v"}


def test_discovery_and_rest_mapper(cs: Clientset) -> None:
    resources = cs.discovery.resources()
    widgets = [r for r in resources if r.resource == "widgets"]
    assert {r.version for r in widgets} == {"v1", "v1alpha1"}
    v1 = next(r for r in widgets if r.version == "v1")
    assert v1.namespaced and "wd" in v1.short_names and v1.kind == "Widget"
    assert set(v1.subresources) >= {"status", "scale"}
    version = cs.discovery.server_version()
    assert version.git_version
    groups = cs.discovery.server_groups()
    assert "" in [g.name for g in groups.groups] and "example.kgen.io" in [
        g.name for g in groups.groups
    ]

    mapper = cs.rest_mapper
    resolved = mapper.resolve("wd")
    assert (resolved.group, resolved.resource, resolved.version) == (
        "example.kgen.io",
        "widgets",
        "v1",
    )
    assert (mapper.resolve("deployments.apps")).kind == "Deployment"
    assert (mapper.resolve("pod")).resource == "pods"
    gvk = mapper.kind_for(GroupVersionResource("apps", "v1", "deployments"))
    assert gvk == GroupVersionKind("apps", "v1", "Deployment")
    resource = mapper.resource_for(GroupVersionKind("", "v1", "Namespace"))
    assert resource.resource == "namespaces" and not resource.namespaced
    with pytest.raises(LookupError):
        mapper.resolve("nosuchthing")
