"""Server-side apply and managedFields tracking.

Conflict messages, ownership after force, field removal, before-first-apply, update tracking and the
resulting managedFields were compared with a real kube-apiserver 1.20.2 (scripts/realcluster)
running the same sequences on ConfigMaps and PodTemplates. Where 1.20 predates today's behaviour
(the order of merged list items, the ``subresource`` of entries, ``status`` ignored on the main
resource) the tests follow current Kubernetes.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from kgen.apimodel.ir import APIModel
from kgen.apimodel.serialize import load_package_model
from kgen.runtime._patch import apply_merge_patch
from kgen.testing.merge.apply import (
    ApplyConflict,
    ApplyError,
    FieldConflict,
    server_side_apply,
    track_update,
)
from kgen.testing.merge.managed import MAX_UPDATE_MANAGERS, decode_managed_fields
from kgen.testing.merge.schema import ANY, FieldInfo, type_info

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
T1 = T0 + timedelta(minutes=1)
T2 = T0 + timedelta(minutes=2)


@pytest.fixture(scope="module")
def model() -> APIModel:
    return load_package_model("example_client")


@pytest.fixture(scope="module")
def configmap(model: APIModel) -> FieldInfo:
    return type_info(model, "io.k8s.api.core.v1.ConfigMap")


@pytest.fixture(scope="module")
def deployment(model: APIModel) -> FieldInfo:
    return type_info(model, "io.k8s.api.apps.v1.Deployment")


@pytest.fixture(scope="module")
def widget(model: APIModel) -> FieldInfo:
    return type_info(model, "example.kgen.io/v1.Widget")


def cm(data: dict[str, Any] | None = None, labels: dict[str, Any] | None = None) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c1"}}
    if labels is not None:
        obj["metadata"]["labels"] = labels
    if data is not None:
        obj["data"] = data
    return obj


def dep(containers: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d1", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": containers}},
            **spec,
        },
    }


def widget_obj(
    spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "example.kgen.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w1", "namespace": "default"},
    }
    if spec is not None:
        obj["spec"] = spec
    if status is not None:
        obj["status"] = status
    return obj


def entries(obj: dict[str, Any]) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    return [
        (e["manager"], e["operation"], e.get("subresource"), e["fieldsV1"])
        for e in obj["metadata"].get("managedFields", [])
    ]


def fields_of(obj: dict[str, Any], manager: str, operation: str = "Apply") -> dict[str, Any]:
    for e in obj["metadata"].get("managedFields", []):
        if e["manager"] == manager and e["operation"] == operation:
            return e["fieldsV1"]  # type: ignore[no-any-return]
    raise AssertionError(f"no {operation} entry for {manager}")


def apply_cm(live: Any, config: dict[str, Any], manager: str, info: FieldInfo, **kw: Any) -> Any:
    return server_side_apply(
        live,
        config,
        manager=manager,
        info=info,
        api_version="v1",
        now=kw.pop("now", T0),
        force=kw.pop("force", False),
        **kw,
    )


def apply_dep(live: Any, config: dict[str, Any], manager: str, info: FieldInfo, **kw: Any) -> Any:
    return server_side_apply(
        live,
        config,
        manager=manager,
        info=info,
        api_version="apps/v1",
        now=kw.pop("now", T0),
        force=kw.pop("force", False),
        **kw,
    )


# --- create by apply ---------------------------------------------------------------------------


def test_create_by_apply(configmap: FieldInfo) -> None:
    obj = apply_cm(
        None, cm({"k1": "v1", "k2": "v2"}, labels={"a": "1", "b": "2"}), "mgr-a", configmap
    )
    assert obj["data"] == {"k1": "v1", "k2": "v2"}
    # observed, byte for byte
    assert obj["metadata"]["managedFields"] == [
        {
            "manager": "mgr-a",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": "2026-01-01T00:00:00Z",
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:data": {"f:k1": {}, "f:k2": {}},
                "f:metadata": {"f:labels": {"f:a": {}, "f:b": {}}},
            },
        }
    ]


def test_inputs_are_left_untouched(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "a", configmap)
    config = cm({"k1": "v1", "k2": "v2"})
    live_copy, config_copy = copy.deepcopy(live), copy.deepcopy(config)
    apply_cm(live, config, "a", configmap, now=T1)
    assert live == live_copy and config == config_copy


def test_create_by_apply_of_a_deployment(deployment: FieldInfo) -> None:
    config = dep(
        [
            {"name": "a", "image": "nginx", "args": ["x", "y"], "ports": [{"containerPort": 80}]},
            {"name": "b", "image": "busybox"},
        ],
        replicas=2,
    )
    obj = apply_dep(None, config, "A", deployment)
    assert fields_of(obj, "A") == {
        "f:spec": {
            "f:replicas": {},
            "f:selector": {},  # LabelSelector is atomic
            "f:template": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"a"}': {
                            ".": {},
                            "f:args": {},  # an atomic list is one field
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {
                                # the key carries the schema default of protocol
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                }
                            },
                        },
                        'k:{"name":"b"}': {".": {}, "f:image": {}, "f:name": {}},
                    }
                },
            },
        }
    }


# --- conflicts and force -----------------------------------------------------------------------


@pytest.fixture
def shared_cm(configmap: FieldInfo) -> dict[str, Any]:
    config = cm({"k1": "v1", "k2": "v2"}, labels={"a": "1", "b": "2"})
    return apply_cm(None, config, "mgr-a", configmap)  # type: ignore[no-any-return]


def test_second_manager_conflicts(shared_cm: dict[str, Any], configmap: FieldInfo) -> None:
    with pytest.raises(ApplyConflict) as caught:
        apply_cm(shared_cm, cm({"k1": "other"}), "mgr-b", configmap)
    conflict = caught.value
    assert conflict.code == 409 and conflict.reason == "Conflict"
    assert conflict.conflicts == [FieldConflict("mgr-a", ".data.k1")]
    # observed
    assert conflict.message == 'Apply failed with 1 conflict: conflict with "mgr-a": .data.k1'
    assert conflict.causes() == [
        {"reason": "FieldManagerConflict", "message": 'conflict with "mgr-a"', "field": ".data.k1"}
    ]


def test_several_conflicts_message(shared_cm: dict[str, Any], configmap: FieldInfo) -> None:
    with pytest.raises(ApplyConflict) as caught:
        apply_cm(shared_cm, cm({"k1": "x", "k2": "y"}, labels={"a": "9"}), "mgr-b", configmap)
    # observed
    assert caught.value.message == (
        'Apply failed with 3 conflicts: conflicts with "mgr-a":\n'
        "- .data.k1\n- .data.k2\n- .metadata.labels.a"
    )
    assert [c["field"] for c in caught.value.causes()] == [
        ".data.k1",
        ".data.k2",
        ".metadata.labels.a",
    ]


def test_same_value_is_shared_not_a_conflict(
    shared_cm: dict[str, Any], configmap: FieldInfo
) -> None:
    obj = apply_cm(shared_cm, cm({"k1": "v1"}), "mgr-b", configmap)
    assert fields_of(obj, "mgr-a")["f:data"] == {"f:k1": {}, "f:k2": {}}
    assert fields_of(obj, "mgr-b") == {"f:data": {"f:k1": {}}}


def test_force_takes_ownership(shared_cm: dict[str, Any], configmap: FieldInfo) -> None:
    obj = apply_cm(shared_cm, cm({"k1": "other"}), "mgr-b", configmap, force=True, now=T1)
    assert obj["data"] == {"k1": "other", "k2": "v2"}
    # observed
    assert entries(obj) == [
        (
            "mgr-a",
            "Apply",
            None,
            {"f:data": {"f:k2": {}}, "f:metadata": {"f:labels": {"f:a": {}, "f:b": {}}}},
        ),
        ("mgr-b", "Apply", None, {"f:data": {"f:k1": {}}}),
    ]


def test_conflict_with_an_update_manager(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "mgr-a", configmap)
    edited = track_update(
        live,
        {**live, "data": {"k1": "v1", "k3": "v3"}},
        manager="editor",
        info=configmap,
        api_version="v1",
        now=T1,
    )
    with pytest.raises(ApplyConflict) as caught:
        apply_cm(edited, cm({"k1": "v1", "k3": "zz"}), "mgr-a", configmap)
    # observed
    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "editor" using v1: .data.k3'
    )
    assert caught.value.conflicts == [FieldConflict("editor", ".data.k3", "Update", "v1")]


def test_conflict_with_a_subresource_manager(widget: FieldInfo) -> None:
    live = server_side_apply(
        None,
        widget_obj(status={"phase": "Ready"}),
        manager="ctl",
        force=False,
        info=widget,
        api_version="example.kgen.io/v1",
        now=T0,
        subresource="status",
    )
    live = track_update(
        live,
        apply_merge_patch(live, {"status": {"phase": "Failed"}}),
        manager="kcm",
        info=widget,
        api_version="example.kgen.io/v1",
        subresource="status",
        now=T1,
    )
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            live,
            widget_obj(status={"phase": "Pending"}),
            manager="ctl",
            force=False,
            info=widget,
            api_version="example.kgen.io/v1",
            now=T2,
            subresource="status",
        )
    assert caught.value.causes()[0]["message"] == (
        'conflict with "kcm" with subresource "status" using example.kgen.io/v1'
    )


# --- removing fields ---------------------------------------------------------------------------


def test_dropped_fields_are_removed_unless_someone_else_owns_them(
    shared_cm: dict[str, Any], configmap: FieldInfo
) -> None:
    obj = apply_cm(shared_cm, cm({"k1": "other"}), "mgr-b", configmap, force=True, now=T1)
    # mgr-a stops applying k2 and label b (only its own), and k1 (now mgr-b's).
    obj = apply_cm(obj, cm({"k1": "other"}, labels={"a": "1"}), "mgr-a", configmap, now=T2)
    assert obj["data"] == {"k1": "other"}
    assert obj["metadata"]["labels"] == {"a": "1"}
    obj = apply_cm(obj, cm(labels={"a": "1"}), "mgr-a", configmap, now=T2)
    assert obj["data"] == {"k1": "other"}, "k1 stays: mgr-b owns it"
    obj = apply_cm(obj, cm(labels={"a": "1"}), "mgr-b", configmap, now=T2)
    assert "data" not in obj, "nobody owns data any more"


def test_dropped_fields_owned_by_an_updater_stay(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "a", configmap)
    live = track_update(
        live,
        apply_merge_patch(live, {"data": {"k1": "v1"}, "metadata": {"labels": {"l": "1"}}}),
        manager="editor",
        info=configmap,
        api_version="v1",
        now=T1,
    )
    obj = apply_cm(live, cm(labels={"l": "1"}), "a", configmap, now=T2)
    assert obj["metadata"]["labels"] == {"l": "1"}
    assert "data" not in obj


def test_dropping_a_struct_removes_it_and_keeps_what_others_own(widget: FieldInfo) -> None:
    api = "example.kgen.io/v1"
    live = server_side_apply(
        None,
        widget_obj({"size": 1, "primaryEndpoint": {"host": "h", "port": 1}}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T0,
    )
    patched = track_update(
        live,
        apply_merge_patch(live, {"spec": {"primaryEndpoint": {"port": 2}}}),
        manager="patcher",
        info=widget,
        api_version=api,
        now=T1,
    )
    obj = server_side_apply(
        patched,
        widget_obj({"size": 1}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T2,
    )
    assert obj["spec"] == {"size": 1, "primaryEndpoint": {"port": 2}}
    # Without other owners the whole struct goes (not an empty {}).
    obj = server_side_apply(
        live,
        widget_obj({"size": 1}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T2,
    )
    assert obj["spec"] == {"size": 1}


# --- lists -------------------------------------------------------------------------------------


def c(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, **fields}


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]  # type: ignore[no-any-return]


def test_map_list_merges_by_key_across_managers(deployment: FieldInfo) -> None:
    live = apply_dep(
        None, dep([c("a", image="nginx", args=["-v"]), c("b", image="busybox")]), "A", deployment
    )
    obj = apply_dep(
        live, dep([c("c", image="redis"), c("a", image="nginx")]), "B", deployment, now=T1
    )
    # The configuration's order, with live-only items kept after the item they followed.
    assert [x["name"] for x in containers(obj)] == ["c", "a", "b"]
    assert containers(obj)[1] == c("a", image="nginx", args=["-v"])
    b_fields = fields_of(obj, "B")["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert set(b_fields) == {'k:{"name":"a"}', 'k:{"name":"c"}'}
    # A's item a stays A's as well.
    assert 'k:{"name":"a"}' in fields_of(obj, "A")["f:spec"]["f:template"]["f:spec"]["f:containers"]
    # A drops b (only A's): gone; drops a: stays, B applies it too.
    obj = apply_dep(obj, dep([]), "A", deployment, now=T2)
    assert [x["name"] for x in containers(obj)] == ["c", "a"]
    assert containers(obj)[1] == c("a", image="nginx"), "A's args went with A"


def test_list_item_conflict_path(deployment: FieldInfo) -> None:
    live = apply_dep(None, dep([c("a", image="nginx")]), "A", deployment)
    with pytest.raises(ApplyConflict) as caught:
        apply_dep(live, dep([c("a", image="nginx:2")]), "B", deployment)
    # observed
    assert caught.value.conflicts[0].path == '.spec.template.spec.containers[name="a"].image'


def test_set_list(widget: FieldInfo) -> None:
    api = "example.kgen.io/v1"
    live = server_side_apply(
        None,
        widget_obj({"size": 1, "tags": ["a", "b"]}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T0,
    )
    obj = server_side_apply(
        live,
        widget_obj({"size": 1, "tags": ["c", "a"]}),
        manager="B",
        force=False,
        info=widget,
        api_version=api,
        now=T1,
    )
    assert obj["spec"]["tags"] == ["c", "a", "b"]
    assert fields_of(obj, "B")["f:spec"]["f:tags"] == {'v:"a"': {}, 'v:"c"': {}}
    obj = server_side_apply(
        obj, widget_obj({"size": 1}), manager="A", force=False, info=widget, api_version=api, now=T2
    )
    assert obj["spec"]["tags"] == ["c", "a"], "b was A's alone, a is B's too"


def test_atomic_list_is_replaced_and_conflicts_as_a_whole(deployment: FieldInfo) -> None:
    live = apply_dep(None, dep([c("a", image="x", args=["-v", "-q"])]), "A", deployment)
    obj = apply_dep(live, dep([c("a", image="x", args=["-z"])]), "A", deployment, now=T1)
    assert containers(obj)[0]["args"] == ["-z"]
    with pytest.raises(ApplyConflict) as caught:
        apply_dep(obj, dep([c("a", args=["-v"])]), "B", deployment)
    assert [x.path for x in caught.value.conflicts] == [
        '.spec.template.spec.containers[name="a"].args'
    ]


def test_atomic_map(model: APIModel) -> None:
    service = type_info(model, "io.k8s.api.core.v1.Service")
    config = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s"},
        "spec": {"selector": {"a": "1", "b": "2"}},
    }
    live = apply_cm(None, config, "A", service)
    assert fields_of(live, "A") == {"f:spec": {"f:selector": {}}}
    obj = apply_cm(live, {**config, "spec": {"selector": {"c": "3"}}}, "A", service, now=T1)
    assert obj["spec"]["selector"] == {"c": "3"}


def test_free_form_fields_are_granular(widget: FieldInfo) -> None:
    # observed with a preserve-unknown-fields field: a conflict on one key deep inside
    api = "example.kgen.io/v1"
    live = server_side_apply(
        None,
        widget_obj({"size": 1, "config": {"deep": {"k": "v"}, "l": [1]}}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T0,
    )
    edited = track_update(
        live,
        apply_merge_patch(live, {"spec": {"config": {"deep": {"k2": "v2"}}}}),
        manager="editor",
        info=widget,
        api_version=api,
        now=T1,
    )
    assert fields_of(edited, "editor", "Update") == {
        "f:spec": {"f:config": {"f:deep": {"f:k2": {}}}}
    }
    with pytest.raises(ApplyConflict) as caught:
        server_side_apply(
            edited,
            widget_obj({"size": 1, "config": {"deep": {"k": "v", "k2": "x"}}}),
            manager="A",
            force=False,
            info=widget,
            api_version=api,
            now=T2,
        )
    assert caught.value.conflicts[0].path == ".spec.config.deep.k2"


def test_objects_without_schema() -> None:
    config = {
        "apiVersion": "x.io/v1",
        "kind": "Thing",
        "metadata": {"name": "t"},
        "spec": {"a": {"b": 1}, "list": [1, 2]},
    }
    obj = server_side_apply(
        None, config, manager="A", force=False, info=ANY, api_version="x.io/v1", now=T0
    )
    assert fields_of(obj, "A") == {"f:spec": {".": {}, "f:a": {".": {}, "f:b": {}}, "f:list": {}}}


# --- updates -----------------------------------------------------------------------------------


def test_create_records_an_update_entry(configmap: FieldInfo) -> None:
    created = track_update(
        None,
        cm({"k": "v"}, labels={"a": "1"}),
        manager="creator",
        info=configmap,
        api_version="v1",
        now=T0,
    )
    # observed (ConfigMap data and labels did not exist before: they are members too)
    assert entries(created) == [
        (
            "creator",
            "Update",
            None,
            {"f:data": {".": {}, "f:k": {}}, "f:metadata": {"f:labels": {".": {}, "f:a": {}}}},
        ),
    ]
    assert created["metadata"]["managedFields"][0]["time"] == "2026-01-01T00:00:00Z"


def test_update_steals_ownership(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1", "k2": "v2"}), "A", configmap)
    new = apply_merge_patch(live, {"data": {"k1": "edited", "k2": None}})
    obj = track_update(live, new, manager="editor", info=configmap, api_version="v1", now=T1)
    assert entries(obj) == [("editor", "Update", None, {"f:data": {"f:k1": {}}})]
    assert obj["data"] == {"k1": "edited"}
    # A now conflicts with the editor, and can force its way back.
    with pytest.raises(ApplyConflict):
        apply_cm(obj, cm({"k1": "v1"}), "A", configmap, now=T2)
    obj = apply_cm(obj, cm({"k1": "v1"}), "A", configmap, now=T2, force=True)
    assert entries(obj) == [("A", "Apply", None, {"f:data": {"f:k1": {}}})]


def test_update_without_changes_records_nothing(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "A", configmap)
    obj = track_update(
        live, copy.deepcopy(live), manager="noop", info=configmap, api_version="v1", now=T1
    )
    assert [e[0] for e in entries(obj)] == ["A"]


def test_update_entries_merge_per_manager_and_version(configmap: FieldInfo) -> None:
    live = track_update(None, cm({"a": "1"}), manager="m", info=configmap, api_version="v1", now=T0)
    live = track_update(
        live,
        apply_merge_patch(live, {"data": {"b": "2"}}),
        manager="m",
        info=configmap,
        api_version="v1",
        now=T1,
    )
    assert entries(live) == [("m", "Update", None, {"f:data": {".": {}, "f:a": {}, "f:b": {}}})]
    assert live["metadata"]["managedFields"][0]["time"] == "2026-01-01T00:01:00Z"


def test_apply_and_update_entries_sorted(configmap: FieldInfo) -> None:
    live = track_update(
        None, cm({"u": "1"}), manager="zz-creator", info=configmap, api_version="v1", now=T0
    )
    live = apply_cm(live, cm({"b": "1"}), "b-applier", configmap, now=T2)
    live = apply_cm(live, cm({"a": "1"}), "a-applier", configmap, now=T2)
    live = track_update(
        live,
        apply_merge_patch(live, {"data": {"e": "1"}}),
        manager="editor",
        info=configmap,
        api_version="v1",
        now=T1,
    )
    # Apply before Update, then by time, then by manager name.
    assert [(e["manager"], e["operation"]) for e in live["metadata"]["managedFields"]] == [
        ("a-applier", "Apply"),
        ("b-applier", "Apply"),
        ("zz-creator", "Update"),
        ("editor", "Update"),
    ]


def test_no_op_apply_keeps_the_time(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k": "v"}), "A", configmap, now=T0)
    obj = apply_cm(live, cm({"k": "v"}), "A", configmap, now=T2)
    assert obj["metadata"]["managedFields"][0]["time"] == "2026-01-01T00:00:00Z"
    obj = apply_cm(live, cm({"k": "w"}), "A", configmap, now=T2)
    assert obj["metadata"]["managedFields"][0]["time"] == "2026-01-01T00:02:00Z"


def test_applier_is_one_manager_across_versions(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k": "v"}), "A", configmap)
    obj = server_side_apply(
        live,
        {**cm({"k": "v", "j": "w"}), "apiVersion": "v2"},
        manager="A",
        force=False,
        info=configmap,
        api_version="v2",
        now=T1,
    )
    assert [(e["manager"], e["apiVersion"]) for e in obj["metadata"]["managedFields"]] == [
        ("A", "v2")
    ]


def test_metadata_that_the_server_manages_is_never_owned(configmap: FieldInfo) -> None:
    live = cm({"k": "v"}, labels={"a": "1"})
    live["metadata"].update(uid="u", resourceVersion="1", generation=1, creationTimestamp="t")
    obj = track_update(None, live, manager="creator", info=configmap, api_version="v1", now=T0)
    assert list(fields_of(obj, "creator", "Update")["f:metadata"]) == ["f:labels"]
    assert "f:apiVersion" not in fields_of(obj, "creator", "Update")


def test_update_can_rewrite_managed_fields(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "A", configmap)
    custom = [
        {
            "manager": "custom",
            "operation": "Update",
            "apiVersion": "v1",
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:k1": {}}},
        }
    ]
    new = {**live, "metadata": {**live["metadata"], "managedFields": custom}}
    obj = track_update(live, new, manager="writer", info=configmap, api_version="v1", now=T1)
    assert [e[0] for e in entries(obj)] == ["custom"]
    # An empty list means "keep them", as for clients that do not know about managedFields.
    new = {**live, "metadata": {**live["metadata"], "managedFields": []}}
    obj = track_update(live, new, manager="writer", info=configmap, api_version="v1", now=T1)
    assert [e[0] for e in entries(obj)] == ["A"]
    # A subresource write cannot rewrite them.
    new = {**live, "metadata": {**live["metadata"], "managedFields": custom}}
    obj = track_update(
        live, new, manager="writer", info=configmap, api_version="v1", subresource="status", now=T1
    )
    assert [e[0] for e in entries(obj)] == ["A"]


def test_clearing_managed_fields_stops_tracking(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k1": "v1"}), "A", configmap)
    reset = apply_merge_patch(live, {"metadata": {"managedFields": [{}]}, "data": {"k2": "v2"}})
    obj = track_update(live, reset, manager="resetter", info=configmap, api_version="v1", now=T1)
    assert "managedFields" not in obj["metadata"]
    # observed: updates of an object without managedFields are not tracked
    obj = track_update(
        obj,
        apply_merge_patch(obj, {"data": {"k3": "v3"}}),
        manager="later",
        info=configmap,
        api_version="v1",
        now=T2,
    )
    assert "managedFields" not in obj["metadata"]
    assert obj["data"] == {"k1": "v1", "k2": "v2", "k3": "v3"}


def test_first_apply_gives_existing_fields_to_before_first_apply(configmap: FieldInfo) -> None:
    live = cm({"a": "1", "b": "2"}, labels={"l": "1"})
    with pytest.raises(ApplyConflict) as caught:
        apply_cm(live, cm({"a": "9", "c": "3"}), "ap", configmap)
    # observed
    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .data.a'
    )
    obj = apply_cm(live, cm({"a": "1", "c": "3"}), "ap", configmap)
    assert entries(obj) == [
        ("ap", "Apply", None, {"f:data": {"f:a": {}, "f:c": {}}}),
        (
            "before-first-apply",
            "Update",
            None,
            {
                "f:data": {".": {}, "f:a": {}, "f:b": {}},
                "f:metadata": {"f:labels": {".": {}, "f:l": {}}},
            },
        ),
    ]


def test_update_managers_are_capped(configmap: FieldInfo) -> None:
    live = track_update(
        None, cm({"m0": "x"}), manager="m0", info=configmap, api_version="v1", now=T0
    )
    for i in range(1, 13):
        live = track_update(
            live,
            apply_merge_patch(live, {"data": {f"m{i}": "x"}}),
            manager=f"m{i}",
            info=configmap,
            api_version="v1",
            now=T0 + timedelta(seconds=i),
        )
    # observed: the four oldest merged into one entry with the newest time among them
    assert [e["manager"] for e in live["metadata"]["managedFields"]] == [
        "ancient-changes",
        *(f"m{i}" for i in range(4, 13)),
    ]
    assert len(live["metadata"]["managedFields"]) == MAX_UPDATE_MANAGERS
    assert list(fields_of(live, "ancient-changes", "Update")["f:data"]) == [
        ".",
        "f:m0",
        "f:m1",
        "f:m2",
        "f:m3",
    ]
    assert live["metadata"]["managedFields"][0]["time"] == "2026-01-01T00:00:03Z"


def test_decode_managed_fields(configmap: FieldInfo) -> None:
    obj = apply_cm(None, cm({"k": "v"}), "A", configmap)
    obj = track_update(
        obj,
        apply_merge_patch(obj, {"data": {"u": "1"}}),
        manager="B",
        info=configmap,
        api_version="v1",
        subresource="status",
        now=T1,
    )
    decoded = decode_managed_fields(obj["metadata"]["managedFields"])
    assert list(decoded) == [
        '{"manager":"A","operation":"Apply"}',
        '{"manager":"B","operation":"Update","apiVersion":"v1","subresource":"status"}',
    ]
    assert decoded['{"manager":"A","operation":"Apply"}'].to_fieldsv1() == {"f:data": {"f:k": {}}}


# --- status subresource ------------------------------------------------------------------------


def test_status_subresource_is_separate(widget: FieldInfo) -> None:
    api = "example.kgen.io/v1"
    live = server_side_apply(
        None,
        widget_obj({"size": 1}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T0,
        reset_fields=("status",),
    )
    status = {"phase": "Ready", "conditions": [{"type": "Ready", "status": "True"}]}
    obj = server_side_apply(
        live,
        widget_obj({"size": 99}, status=status),
        manager="ctl",
        force=False,
        info=widget,
        api_version=api,
        now=T1,
        subresource="status",
    )
    assert obj["spec"] == {"size": 1}, "only status is written through /status"
    assert obj["status"] == status
    assert entries(obj)[1] == (
        "ctl",
        "Apply",
        "status",
        {
            "f:status": {
                "f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}, "f:type": {}}},
                "f:phase": {},
            }
        },
    )
    # On the main resource status is left alone and not owned; no conflict with ctl either.
    obj = server_side_apply(
        obj,
        widget_obj({"size": 2}, status={"phase": "Failed"}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T2,
        reset_fields=("status",),
    )
    assert obj["status"] == status
    assert obj["spec"] == {"size": 2}
    assert "f:status" not in fields_of(obj, "A")


def test_status_apply_to_missing_status(widget: FieldInfo) -> None:
    api = "example.kgen.io/v1"
    live = server_side_apply(
        None,
        widget_obj({"size": 1}),
        manager="A",
        force=False,
        info=widget,
        api_version=api,
        now=T0,
    )
    obj = server_side_apply(
        live,
        widget_obj(status={"replicas": 3}),
        manager="ctl",
        force=False,
        info=widget,
        api_version=api,
        now=T1,
        subresource="status",
    )
    assert obj["status"] == {"replicas": 3}
    assert fields_of(obj, "A") == {"f:spec": {"f:size": {}}}


# --- errors ------------------------------------------------------------------------------------


def test_managed_fields_in_the_configuration_are_refused(configmap: FieldInfo) -> None:
    config = cm({"k": "v"})
    config["metadata"]["managedFields"] = []
    with pytest.raises(ApplyError) as caught:
        apply_cm(None, config, "A", configmap)
    # observed
    assert caught.value.code == 400
    assert caught.value.status_message == "metadata.managedFields must be nil"


def test_configuration_version_must_match(configmap: FieldInfo) -> None:
    with pytest.raises(ApplyError) as caught:
        apply_cm(None, {**cm({"k": "v"}), "apiVersion": "v2"}, "A", configmap)
    # observed
    assert caught.value.code == 400
    assert str(caught.value) == (
        "Incorrect version specified in apply patch. Specified patch version: v2, expected: v1"
    )


@pytest.mark.parametrize(
    ("items", "message"),
    [
        # observed (with the path of a PodTemplate)
        (
            [c("a", image="x"), c("a", image="y")],
            "failed to create typed patch object: .spec.template.spec.containers: "
            'duplicate entries for key [name="a"]',
        ),
        (
            [{"image": "x"}],
            "failed to create typed patch object: .spec.template.spec.containers: element 0: "
            'associative list with keys has an element that omits key field "name" '
            "(and doesn't have default value)",
        ),
    ],
)
def test_untypeable_configuration(deployment: FieldInfo, items: list[Any], message: str) -> None:
    with pytest.raises(ApplyError) as caught:
        apply_dep(None, dep(items), "A", deployment)
    assert caught.value.code == 500
    assert caught.value.reason == ""
    assert caught.value.status_message == message


def test_map_in_a_set(configmap: FieldInfo) -> None:
    config = cm()
    config["metadata"]["finalizers"] = [{"a": 1}]
    with pytest.raises(ApplyError) as caught:
        apply_cm(None, config, "A", configmap)
    # observed
    assert str(caught.value) == (
        "failed to create typed patch object: .metadata.finalizers: element 0: "
        "associative list without keys has an element that's a map type"
    )


def test_null_in_configuration_is_owned_and_dropped(configmap: FieldInfo) -> None:
    live = apply_cm(None, cm({"k": "v"}, labels={"a": "1"}), "A", configmap)
    obj = apply_cm(live, cm({"k": "v"}, labels={"a": "1", "n": None}), "B", configmap, now=T1)
    assert obj["metadata"]["labels"] == {"a": "1"}
    assert fields_of(obj, "B")["f:metadata"] == {"f:labels": {"f:a": {}, "f:n": {}}}


def test_round_trip_of_recorded_entries_through_json(configmap: FieldInfo) -> None:
    obj = apply_cm(None, cm({"k": "v"}), "A", configmap)
    again = apply_cm(json.loads(json.dumps(obj)), cm({"k": "v"}), "A", configmap, now=T1)
    assert again["metadata"]["managedFields"] == obj["metadata"]["managedFields"]
