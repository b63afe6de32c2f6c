"""Every generated verb of a built-in resource and of a custom resource, over real HTTP."""

from __future__ import annotations

import pytest
from example_client.clientset import AsyncClientset
from example_client.models.apps_v1 import Deployment, DeploymentSpec
from example_client.models.authentication_v1 import TokenRequest, TokenRequestSpec
from example_client.models.core_v1 import (
    ConfigMap,
    Container,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplateSpec,
    ServiceAccount,
)
from example_client.models.example_kgen_io_v1 import Widget, WidgetSpec, WidgetStatus
from example_client.models.policy_v1 import Eviction

from kgen.runtime._errors import (
    AlreadyExists,
    Conflict,
    Invalid,
    NotFound,
    ResourceNotSupported,
)
from kgen.runtime._meta import (
    LabelSelector,
    LabelSelectorRequirement,
    ObjectMeta,
    Scale,
    ScaleSpec,
    Status,
)
from kgen.runtime._patch import merge_patch_between
from kgen.runtime._request import PatchType
from kgen.runtime._selectors import Labels


def configmap(name: str, **labels: str) -> ConfigMap:
    return ConfigMap(metadata=ObjectMeta(name=name, labels=labels or None), data={"k": "v"})


async def test_create_get_list_and_selectors(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    created = await configmaps.create(configmap("one", app="web", tier="front"))
    assert (
        created.metadata is not None and created.metadata.uid and created.metadata.resource_version
    )
    assert created.metadata.creation_timestamp is not None
    await configmaps.create(configmap("two", app="web", tier="back"))
    await configmaps.create(configmap("three", app="db"))
    generated = await configmaps.create(ConfigMap(metadata=ObjectMeta(generate_name="gen-")))
    assert generated.metadata is not None and generated.metadata.name.startswith("gen-")

    got = await configmaps.get("one")
    assert got.data == {"k": "v"} and got.metadata.uid == created.metadata.uid  # type: ignore[union-attr]

    every = await configmaps.list()
    assert {c.metadata.name for c in every.items} == {"one", "two", "three", generated.metadata.name}  # type: ignore[union-attr]
    assert every.metadata is not None and every.metadata.resource_version
    web = await configmaps.list(label_selector={"app": "web"})
    assert sorted(c.metadata.name for c in web.items) == ["one", "two"]  # type: ignore[union-attr]
    front = await configmaps.list(label_selector=Labels().eq("app", "web").not_in("tier", ["back"]))
    assert [c.metadata.name for c in front.items] == ["one"]  # type: ignore[union-attr]
    by_name = await configmaps.list(field_selector="metadata.name=three")
    assert [c.metadata.name for c in by_name.items] == ["three"]  # type: ignore[union-attr]
    # A LabelSelector (a Deployment's spec.selector) works as a label selector, as in client-go.
    selector = LabelSelector(
        match_labels={"app": "web"},
        match_expressions=[LabelSelectorRequirement(key="tier", operator="NotIn", values=["back"])],
    )
    by_model = await configmaps.list(label_selector=selector)
    assert [c.metadata.name for c in by_model.items] == ["one"]  # type: ignore[union-attr]
    # Field selector values given as a dict are escaped ("a,b" is one value).
    assert (await configmaps.list(field_selector={"metadata.name": "a,b"})).items == []
    with pytest.raises(TypeError, match="not a selector"):
        await configmaps.list(label_selector=42)  # type: ignore[arg-type]
    # "0" reads any cached state; an explicit version reads at least as fresh.
    cached = await configmaps.list(resource_version="0")
    assert len(cached.items) == 4
    with pytest.raises(AlreadyExists) as info:
        await configmaps.create(configmap("one"))
    assert info.value.code == 409 and info.value.reason == "AlreadyExists"
    with pytest.raises(NotFound):
        await configmaps.get("missing")


async def test_pager_iterates_every_page(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    for index in range(23):
        await configmaps.create(configmap(f"cm-{index:02d}"))
    pages = [page async for page in configmaps.pages(page_size=10)]
    assert [len(page.items) for page in pages] == [10, 10, 3]
    names = [c.metadata.name async for c in configmaps.iter(page_size=7)]  # type: ignore[union-attr]
    assert names == sorted(f"cm-{index:02d}" for index in range(23))
    # From a cached snapshot ("0"; the pager sends it on the first page only), and dynamically.
    cached = [c async for c in configmaps.iter(resource_version="0", page_size=7)]
    assert len(cached) == 23
    dynamic = cs.dynamic.resource("v1/configmaps").namespace(namespace)
    dynamic_pages = [p async for p in dynamic.pages(page_size=10, resource_version="0")]
    assert sum(len(p) for p in dynamic_pages) == 23


async def test_update_is_optimistic_and_retry_on_conflict_recovers(
    cs: AsyncClientset, namespace: str
) -> None:
    from kgen.runtime._async.retry import retry_on_conflict

    configmaps = cs.core_v1.configmaps(namespace)
    first = await configmaps.create(configmap("cm"))
    stale = await configmaps.get("cm")
    first.data = {"k": "first"}
    await configmaps.update(first)
    stale.data = {"k": "stale"}
    with pytest.raises(Conflict) as info:
        await configmaps.update(stale)
    assert info.value.code == 409 and "modified" in info.value.message

    attempts = 0

    async def bump() -> ConfigMap:
        nonlocal attempts
        attempts += 1
        current = await configmaps.get("cm")
        if attempts == 1:  # someone else writes between our read and our write
            other = await configmaps.get("cm")
            other.data = {"k": "other"}
            await configmaps.update(other)
        current.data = {**(current.data or {}), "bumped": str(attempts)}
        return await configmaps.update(current)

    result = await retry_on_conflict(bump)
    assert attempts == 2 and result.data == {"k": "other", "bumped": "2"}


async def test_patch_types(cs: AsyncClientset, namespace: str) -> None:
    pods = cs.core_v1.pods(namespace)
    pod = Pod(
        metadata=ObjectMeta(name="p", labels={"a": "1"}),
        spec=PodSpec(
            containers=[Container(name="app", image="img:1"), Container(name="side", image="s:1")]
        ),
    )
    await pods.create(pod)
    merged = await pods.patch("p", {"metadata": {"labels": {"b": "2"}}})
    assert merged.metadata.labels == {"a": "1", "b": "2"}  # type: ignore[union-attr]
    json_patched = await pods.patch(
        "p",
        [{"op": "replace", "path": "/metadata/labels/a", "value": "9"}],
        patch_type=PatchType.JSON,
    )
    assert json_patched.metadata.labels["a"] == "9"  # type: ignore[union-attr, index]
    # Strategic merge patch merges containers by name instead of replacing the list.
    strategic = await pods.patch(
        "p",
        {"spec": {"containers": [{"name": "app", "image": "img:2"}]}},
        patch_type=PatchType.STRATEGIC,
    )
    images = {c.name: c.image for c in strategic.spec.containers}  # type: ignore[union-attr]
    assert images == {"app": "img:2", "side": "s:1"}
    # A merge-patch builder that pins uid and resourceVersion.
    current = await pods.get("p")
    changed = await pods.get("p")
    changed.metadata.labels = {"only": "this"}  # type: ignore[union-attr]
    patch = merge_patch_between(current, changed, pin_uid=True, pin_resource_version=True)
    assert patch["metadata"]["uid"] == current.metadata.uid  # type: ignore[union-attr]
    result = await pods.patch("p", patch)
    assert result.metadata.labels == {"only": "this"}  # type: ignore[union-attr]
    with pytest.raises(Conflict):
        await pods.patch("p", patch)  # the pinned resourceVersion is stale now


async def test_server_side_apply(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    applied = await configmaps.apply(
        ConfigMap(metadata=ObjectMeta(name="applied", namespace=namespace), data={"a": "1"}),
        field_manager="alice",
    )
    assert applied.data == {"a": "1"}
    managers = {m.manager for m in applied.metadata.managed_fields or []}  # type: ignore[union-attr]
    assert "alice" in managers
    with pytest.raises(Conflict) as info:
        await configmaps.apply(
            ConfigMap(metadata=ObjectMeta(name="applied", namespace=namespace), data={"a": "2"}),
            field_manager="bob",
        )
    assert info.value.causes and "alice" in (info.value.causes[0].message or "")
    forced = await configmaps.apply(
        ConfigMap(metadata=ObjectMeta(name="applied", namespace=namespace), data={"a": "2"}),
        field_manager="bob",
        force=True,
    )
    assert forced.data == {"a": "2"}
    # A dict names only what it manages, where a model would need every required field.
    partial = await configmaps.apply(
        {"metadata": {"name": "applied"}, "data": {"b": "3"}}, field_manager="carol"
    )
    assert isinstance(partial, ConfigMap) and partial.data == {"a": "2", "b": "3"}
    carol = [m for m in partial.metadata.managed_fields or [] if m.manager == "carol"]  # type: ignore[union-attr]
    assert carol and "f:b" in str(carol[0].fields_v1) and "f:a" not in str(carol[0].fields_v1)


async def test_delete_preconditions_and_collection(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    created = await configmaps.create(configmap("victim", group="x"))
    await configmaps.create(configmap("other", group="x"))
    await configmaps.create(configmap("keep", group="y"))
    with pytest.raises(Conflict) as info:
        await configmaps.delete("victim", uid="not-the-uid")
    assert "precondition" in info.value.message.lower()
    deleted = await configmaps.delete("victim", uid=created.metadata.uid)  # type: ignore[union-attr]
    assert isinstance(deleted, (ConfigMap, Status))
    with pytest.raises(NotFound):
        await configmaps.get("victim")
    dry = await configmaps.create(configmap("dry"), dry_run=True)
    assert dry.metadata is not None and dry.metadata.name == "dry"
    with pytest.raises(NotFound):
        await configmaps.get("dry")
    await configmaps.delete_collection(label_selector="group=x")
    remaining = await configmaps.list()
    assert [c.metadata.name for c in remaining.items] == ["keep"]  # type: ignore[union-attr]


async def test_propagation_policies(cs: AsyncClientset, namespace: str) -> None:
    configmaps = cs.core_v1.configmaps(namespace)
    owner = await configmaps.create(configmap("owner"))
    from kgen.runtime._meta import OwnerReference

    reference = OwnerReference(
        api_version="v1", kind="ConfigMap", name="owner", uid=owner.metadata.uid, block_owner_deletion=True  # type: ignore[union-attr, arg-type]
    )
    dependent = configmap("dependent")
    dependent.metadata.owner_references = [reference]  # type: ignore[union-attr]
    await configmaps.create(dependent)
    await configmaps.delete("owner", propagation_policy="Orphan")
    orphan = await configmaps.get("dependent")
    assert not orphan.metadata.owner_references  # type: ignore[union-attr]


async def test_status_subresource_and_generation(cs: AsyncClientset, namespace: str) -> None:
    widgets = cs.example_kgen_io_v1.widgets(namespace)
    created = await widgets.create(
        Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(color="red", size=1, replicas=1))
    )
    assert created.metadata.generation == 1  # type: ignore[union-attr]
    created.status = WidgetStatus(phase="Ready", replicas=1)
    after_update = await widgets.update(created)
    assert after_update.status is None or after_update.status.phase is None  # update ignores status
    after_update.status = WidgetStatus(phase="Ready", replicas=1)
    after_status = await widgets.update_status(after_update)
    assert after_status.status.phase == "Ready"  # type: ignore[union-attr]
    assert after_status.metadata.generation == 1  # type: ignore[union-attr]
    after_status.spec.replicas = 3  # type: ignore[union-attr]
    bumped = await widgets.update(after_status)
    assert bumped.metadata.generation == 2  # type: ignore[union-attr]
    patched = await widgets.patch_status("w", {"status": {"phase": "Failed"}})
    assert patched.status.phase == "Failed"  # type: ignore[union-attr]
    got = await widgets.get_status("w")
    assert got.status.phase == "Failed"  # type: ignore[union-attr]
    applied = await widgets.apply_status(
        Widget(
            metadata=ObjectMeta(name="w", namespace=namespace), status=WidgetStatus(phase="Pending")
        ),
        field_manager="controller",
        force=True,
    )
    assert applied.status.phase == "Pending"  # type: ignore[union-attr]


async def test_scale_subresource(cs: AsyncClientset, namespace: str) -> None:
    widgets = cs.example_kgen_io_v1.widgets(namespace)
    await widgets.create(
        Widget(metadata=ObjectMeta(name="w"), spec=WidgetSpec(color="red", size=1, replicas=1))
    )
    scale = await widgets.get_scale("w")
    assert isinstance(scale, Scale) and scale.spec.replicas == 1  # type: ignore[union-attr]
    scale.spec = ScaleSpec(replicas=4)
    updated = await widgets.update_scale("w", scale)
    assert updated.spec.replicas == 4  # type: ignore[union-attr]
    assert (await widgets.get("w")).spec.replicas == 4  # type: ignore[union-attr]
    patched = await widgets.patch_scale("w", {"spec": {"replicas": 2}})
    assert patched.spec.replicas == 2  # type: ignore[union-attr]
    deployments = cs.apps_v1.deployments(namespace)
    await deployments.create(
        Deployment(
            metadata=ObjectMeta(name="d"),
            spec=DeploymentSpec(
                replicas=1,
                selector=LabelSelector(match_labels={"app": "d"}),
                template=PodTemplateSpec(
                    metadata=ObjectMeta(labels={"app": "d"}),
                    spec=PodSpec(containers=[Container(name="c", image="i")]),
                ),
            ),
        )
    )
    assert (await deployments.get_scale("d")).spec.replicas == 1  # type: ignore[union-attr]


async def test_custom_resources_refuse_strategic_merge_and_use_selectable_fields(
    cs: AsyncClientset, namespace: str
) -> None:
    widgets = cs.example_kgen_io_v1.widgets(namespace)
    await widgets.create(
        Widget(metadata=ObjectMeta(name="red"), spec=WidgetSpec(color="red", size=1))
    )
    await widgets.create(
        Widget(metadata=ObjectMeta(name="blue"), spec=WidgetSpec(color="blue", size=1))
    )
    with pytest.raises(ResourceNotSupported):
        await widgets.patch("red", {"spec": {"replicas": 1}}, patch_type=PatchType.STRATEGIC)
    reds = await widgets.list(field_selector="spec.color=red")
    assert [w.metadata.name for w in reds.items] == ["red"]  # type: ignore[union-attr]
    with pytest.raises(Invalid):
        await widgets.create(Widget(metadata=ObjectMeta(name="bad"), spec=WidgetSpec(color="red", size=1, replicas="x")))  # type: ignore[arg-type]
    gadgets = cs.example_kgen_io_v1.gadgets()  # cluster-scoped: no namespace
    from example_client.models.example_kgen_io_v1 import Gadget

    gadget = await gadgets.create(Gadget(metadata=ObjectMeta(generate_name="g-")))
    assert gadget.metadata.namespace is None  # type: ignore[union-attr]
    await gadgets.delete(gadget.metadata.name)  # type: ignore[union-attr, arg-type]


async def test_pod_subresources(cs: AsyncClientset, namespace: str) -> None:
    pods = cs.core_v1.pods(namespace)
    await pods.create(
        Pod(
            metadata=ObjectMeta(name="p"), spec=PodSpec(containers=[Container(name="c", image="i")])
        )
    )
    status = await pods.get("p")
    status.status = PodStatus(phase="Running")
    assert (await pods.update_status(status)).status.phase == "Running"  # type: ignore[union-attr]
    log = await pods.log("p")
    assert isinstance(log, str)
    eviction = Eviction(metadata=ObjectMeta(name="p", namespace=namespace))
    result = await pods.create_eviction("p", eviction)
    assert isinstance(result, (Eviction, Status))
    with pytest.raises(NotFound):
        await pods.get("p")


async def test_service_account_token(cs: AsyncClientset, namespace: str) -> None:
    accounts = cs.core_v1.serviceaccounts(namespace)
    await accounts.create(ServiceAccount(metadata=ObjectMeta(name="sa")))
    token = await accounts.create_token(
        "sa", TokenRequest(spec=TokenRequestSpec(audiences=["api"]))
    )
    assert isinstance(token, TokenRequest) and token.status is not None and token.status.token


async def test_verbs_the_api_model_does_not_offer_fail_before_any_request(
    cs: AsyncClientset,
) -> None:
    namespaces = cs.core_v1.namespaces()
    assert not hasattr(namespaces, "delete_collection")  # the generated class has no such method
    with pytest.raises(ValueError, match="namespaced"):
        cs.core_v1.configmaps("")
    everywhere = cs.core_v1.configmaps(None)  # every namespace: list and watch only
    assert isinstance((await everywhere.list()).items, list)
    with pytest.raises(ResourceNotSupported, match="every namespace"):
        await everywhere.get("x")


async def test_binding_ephemeral_containers_and_finalize(
    cs: AsyncClientset, namespace: str
) -> None:
    from example_client.models.core_v1 import (
        Binding,
        EphemeralContainer,
        Namespace,
        ObjectReference,
    )

    pods = cs.core_v1.pods(namespace)
    await pods.create(
        Pod(
            metadata=ObjectMeta(name="p"), spec=PodSpec(containers=[Container(name="c", image="i")])
        )
    )
    bound = await pods.create_binding(
        "p",
        Binding(metadata=ObjectMeta(name="p"), target=ObjectReference(kind="Node", name="node-1")),
    )
    assert isinstance(bound, (Binding, Status))
    assert (await pods.get("p")).spec.node_name == "node-1"  # type: ignore[union-attr]

    pod = await pods.get_ephemeral_containers("p")
    pod.spec.ephemeral_containers = [EphemeralContainer(name="debug", image="busybox")]  # type: ignore[union-attr]
    updated = await pods.update_ephemeral_containers(pod)
    assert [c.name for c in updated.spec.ephemeral_containers or []] == ["debug"]  # type: ignore[union-attr]

    namespaces = cs.core_v1.namespaces()
    extra = await namespaces.create(Namespace(metadata=ObjectMeta(generate_name="fin-")))
    finalized = await namespaces.update_finalize(extra)
    assert finalized.metadata.name == extra.metadata.name  # type: ignore[union-attr]
    await namespaces.delete(extra.metadata.name)  # type: ignore[union-attr, arg-type]


async def test_logs_follow_and_write_options(cs: AsyncClientset, namespace: str) -> None:
    pods = cs.core_v1.pods(namespace)
    await pods.create(
        Pod(
            metadata=ObjectMeta(name="p"), spec=PodSpec(containers=[Container(name="c", image="i")])
        )
    )
    lines = []
    async for line in pods.stream_log("p", container="c", follow=False, tail_lines=10):
        lines.append(line)
    assert all(isinstance(line, str) for line in lines)
    # Strict field validation refuses what the schema does not know; dry_run stores nothing.
    from kgen.runtime._errors import BadRequest

    configmaps = cs.core_v1.configmaps(namespace)
    with pytest.raises(BadRequest):
        await configmaps.rest.post().namespace(namespace).resource("configmaps").param(
            "fieldValidation", "Strict"
        ).body(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "bogus": 1}
        ).do()
    created = await configmaps.create(configmap("y"), field_manager="me", field_validation="Strict")
    assert "me" in {m.manager for m in created.metadata.managed_fields or []}  # type: ignore[union-attr]
    deleted = await configmaps.delete("y", grace_period_seconds=0, dry_run=True)
    assert isinstance(deleted, (ConfigMap, Status))
    assert (await configmaps.get("y")).metadata.name == "y"  # type: ignore[union-attr]
