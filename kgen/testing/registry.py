"""The resources the test API server serves: from an API model, plus CRDs registered at run time.

A :class:`ResourceType` is one served group/version/resource with the facts the REST handlers need:
scope, verbs, subresources, name rule, field labels, status-subresource and generation behaviour. The
behaviour of built-in kinds that no schema describes (which kinds return the deleted object, which field
labels pods support...) is kept in the tables below, copied from the kube-apiserver registries.

Namespaces (core/v1) and CustomResourceDefinitions (apiextensions.k8s.io/v1) are always served, even with
an empty model.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from kgen.apimodel.ir import (
    APIModel,
    Array,
    Field,
    Origin,
    Primitive,
    PrinterColumn,
    Ref,
    Resource,
    Shared,
    Special,
    Subresource,
    TypeDef,
)
from kgen.runtime._violation import go_q

__all__ = ["BUILTIN_GROUPS", "Registry", "ResourceType", "ScalePaths", "version_priority"]

CRD_GROUP = "apiextensions.k8s.io"
_ALL_VERBS = {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

# Groups whose resources are compiled into kube-apiserver (never served through CRDs).
BUILTIN_GROUPS = {
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
    "internal.apiserver.k8s.io",
}

# Field labels each built-in registry's GetAttrs supports, besides metadata.name and metadata.namespace,
# mapped to where the value is read ("source" of an event is source.component).
_FIELD_LABELS: dict[tuple[str, str], dict[str, str]] = {
    ("", "pods"): {
        "spec.nodeName": "spec.nodeName",
        "spec.restartPolicy": "spec.restartPolicy",
        "spec.schedulerName": "spec.schedulerName",
        "spec.serviceAccountName": "spec.serviceAccountName",
        "spec.hostNetwork": "spec.hostNetwork",
        "status.phase": "status.phase",
        "status.podIP": "status.podIP",
        "status.nominatedNodeName": "status.nominatedNodeName",
    },
    ("", "secrets"): {"type": "type"},
    ("", "namespaces"): {"status.phase": "status.phase"},
    ("", "nodes"): {"spec.unschedulable": "spec.unschedulable"},
    ("", "services"): {"spec.clusterIP": "spec.clusterIP", "spec.type": "spec.type"},
    ("", "replicationcontrollers"): {"status.replicas": "status.replicas"},
    ("apps", "replicasets"): {"status.replicas": "status.replicas"},
    ("batch", "jobs"): {"status.successful": "status.successful"},
    ("", "persistentvolumeclaims"): {},
    ("certificates.k8s.io", "certificatesigningrequests"): {"spec.signerName": "spec.signerName"},
    ("", "events"): {
        "involvedObject.kind": "involvedObject.kind",
        "involvedObject.namespace": "involvedObject.namespace",
        "involvedObject.name": "involvedObject.name",
        "involvedObject.uid": "involvedObject.uid",
        "involvedObject.apiVersion": "involvedObject.apiVersion",
        "involvedObject.resourceVersion": "involvedObject.resourceVersion",
        "involvedObject.fieldPath": "involvedObject.fieldPath",
        "reason": "reason",
        "reportingComponent": "reportingComponent",
        "source": "source.component",
        "type": "type",
    },
}

# Kinds whose scheme registers their own field label conversion func (AddFieldLabelConversionFunc in
# pkg/apis/*/v1/conversion.go), with the message it rejects other labels with. They accept exactly
# metadata.name (and metadata.namespace when namespaced) and their _FIELD_LABELS. Every other built-in
# kind goes through runtime.DefaultMetaV1FieldSelectorConversion (_DEFAULT_FIELD_LABEL_ERROR): a
# ReplicaSet's registry can filter on status.replicas, but apps/v1 registers no func, so that label is
# rejected before the registry sees it.
_NOT_SUPPORTED = "field label not supported: {label}"
_FIELD_LABEL_FUNCS: dict[tuple[str, str], str] = {
    ("", "pods"): _NOT_SUPPORTED,
    ("", "nodes"): _NOT_SUPPORTED,
    ("", "namespaces"): _NOT_SUPPORTED,
    ("", "secrets"): _NOT_SUPPORTED,
    ("", "events"): _NOT_SUPPORTED,
    ("", "replicationcontrollers"): _NOT_SUPPORTED,
    ("", "services"): _NOT_SUPPORTED,
    ("batch", "jobs"): 'field label "{label}" not supported for batchv1.Job',
    ("certificates.k8s.io", "certificatesigningrequests"): _NOT_SUPPORTED,
}
_DEFAULT_FIELD_LABEL_ERROR = (
    '{label} is not a known field selector: only "metadata.name", "metadata.namespace"'
)

# Registries with ReturnDeletedObject: a delete answers with the object, not a Success Status.
_RETURNS_DELETED = {("", "pods"), ("", "serviceaccounts"), ("storage.k8s.io", "storageclasses")}

# Built-in registries whose PrepareForCreate sets metadata.generation = 1.
_GENERATION = {
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "daemonsets"),
    ("apps", "replicasets"),
    ("", "replicationcontrollers"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("policy", "poddisruptionbudgets"),
    ("autoscaling", "horizontalpodautoscalers"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "networkpolicies"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"),
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"),
    ("scheduling.k8s.io", "priorityclasses"),
}

# Name rules of built-ins that are not DNS subdomains.
_NAME_RULES = {
    ("", "namespaces"): "label",
    ("", "services"): "label1035",
    ("", "nodes"): "subdomain",
}


@dataclass(frozen=True, slots=True)
class ScalePaths:
    """Where the scale subresource reads and writes replicas (CRD ``subresources.scale``)."""

    spec_replicas: str = ".spec.replicas"
    status_replicas: str = ".status.replicas"
    label_selector: str | None = ".status.selector"


@dataclass(slots=True)
class ResourceType:
    """One served group/version/resource and how the REST handlers treat it."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    singular: str
    verbs: set[str]
    subresources: dict[str, Subresource]
    list_kind: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    selectable_fields: tuple[str, ...] = ()
    printer_columns: tuple[PrinterColumn, ...] = ()
    type_id: str | None = None
    custom: bool = False
    crd_name: str | None = None
    scale: ScalePaths | None = None
    storage_version: bool = True
    # Field label -> dotted path of the value (metadata.name and metadata.namespace always work).
    field_labels: dict[str, str] = field(default_factory=dict)

    def field_label_error(self, label: str) -> str | None:
        """Why a field selector may not use ``label`` (the conversion func's message), or None."""
        if self.custom:
            # The CRD handler accepts metadata.name, metadata.namespace and the selectableFields.
            allowed = {"metadata.name", "metadata.namespace", *self.selectable_fields}
            return None if label in allowed else _NOT_SUPPORTED.format(label=label)
        own = _FIELD_LABEL_FUNCS.get(self.gr)
        if own is None:
            if label in ("metadata.name", "metadata.namespace"):
                return None
            return _DEFAULT_FIELD_LABEL_ERROR.format(label=go_q(label))  # %q
        allowed = {"metadata.name", *self.field_labels}
        if self.namespaced:
            allowed.add("metadata.namespace")
        return None if label in allowed else own.format(label=label)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def gr(self) -> tuple[str, str]:
        """The storage identity: every served version of a group/resource shares one set of objects."""
        return (self.group, self.plural)

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def name_rule(self) -> str:
        if self.custom:
            return "subdomain"  # NameIsDNSSubdomain, as apiextensions-apiserver
        return _NAME_RULES.get(self.gr, "subdomain")

    @property
    def sets_generation(self) -> bool:
        return self.custom or self.gr in _GENERATION

    @property
    def returns_deleted_object(self) -> bool:
        return self.gr in _RETURNS_DELETED

    @property
    def strategic_merge_patch(self) -> bool:
        return not self.custom


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Kubernetes version order (v1 > v1beta2 > v1beta1 > v1alpha1 > anything else), as a sort key."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    major = int(match.group(1))
    level = {"beta": 1, "alpha": 2}.get(match.group(2) or "", 0)
    minor = int(match.group(3) or 0)
    return (level, -major, -minor, version)


class Registry:
    """What is served, keyed by (group, version, plural); thread-safe; CRDs come and go at run time."""

    def __init__(self, model: APIModel | None = None) -> None:
        self.model = model if model is not None else APIModel()
        self._lock = threading.RLock()
        self._resources: dict[tuple[str, str, str], ResourceType] = {}
        # Bumped on every change, so discovery and OpenAPI documents can be cached by it.
        self.revision = 0
        _ensure_builtin_types(self.model)
        for resource in self.model.resources():
            if resource.kind:
                self._add(_resource_type(resource))

    # --- lookups ------------------------------------------------------------------------------------

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._resources.get((group, version, plural))

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._resources.values())

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        with self._lock:
            return [r for r in self._resources.values() if r.gr == (group, plural)]

    def for_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for resource in self._resources.values():
                if (resource.group, resource.version, resource.kind) == (group, version, kind):
                    return resource
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """group -> served versions, highest priority first (the first is the preferred version)."""
        with self._lock:
            groups: dict[str, set[str]] = {}
            for resource in self._resources.values():
                groups.setdefault(resource.group, set()).add(resource.version)
        return {
            group: sorted(versions, key=version_priority)
            for group, versions in sorted(groups.items(), key=lambda item: _group_order(item[0]))
        }

    def resources_in(self, group: str, version: str) -> list[ResourceType]:
        with self._lock:
            found = [
                r for r in self._resources.values() if (r.group, r.version) == (group, version)
            ]
        return sorted(found, key=lambda r: r.plural)

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(self.all())

    # --- changes ------------------------------------------------------------------------------------

    def _add(self, resource: ResourceType) -> None:
        self._resources[(resource.group, resource.version, resource.plural)] = resource

    def add_model(self, model: APIModel, *, crd_name: str | None = None) -> list[ResourceType]:
        """Serve the resources of ``model`` (one CRD's, built by kgen.model.build) too."""
        added = []
        with self._lock:
            self.model.types.update(model.types)
            for key, gv in model.group_versions.items():
                target = self.model.group_version(*key)
                target.kinds.update(gv.kinds)
                for plural, resource in gv.resources.items():
                    target.resources[plural] = resource
                    served = _resource_type(resource)
                    served.crd_name = crd_name
                    self._add(served)
                    added.append(served)
            self.revision += 1
        return added

    def remove_crd(self, crd_name: str) -> list[ResourceType]:
        """Stop serving what a CRD added; its types leave the model too."""
        with self._lock:
            gone = [r for r in self._resources.values() if r.crd_name == crd_name]
            for resource in gone:
                del self._resources[(resource.group, resource.version, resource.plural)]
                gv = self.model.group_versions.get((resource.group, resource.version))
                if gv is None:
                    continue
                model_resource = gv.resources.pop(resource.plural, None)
                if model_resource is not None:
                    for type_id in (model_resource.type_id, model_resource.list_type_id):
                        if type_id:
                            self.model.types.pop(type_id, None)
                    gv.kinds.pop(model_resource.kind, None)
                    gv.kinds.pop(model_resource.list_kind, None)
                    prefix = f"{resource.group}/{resource.version}.{resource.kind}."
                    for type_id in [t for t in self.model.types if t.startswith(prefix)]:
                        del self.model.types[type_id]
                if not gv.resources and not gv.kinds:
                    del self.model.group_versions[(resource.group, resource.version)]
            if gone:
                self.revision += 1
            return gone

    def set_storage_version(self, crd_name: str, version: str) -> None:
        with self._lock:
            for resource in self._resources.values():
                if resource.crd_name == crd_name:
                    resource.storage_version = resource.version == version

    def set_scale_paths(self, crd_name: str, version: str, paths: ScalePaths) -> None:
        with self._lock:
            for resource in self._resources.values():
                if resource.crd_name == crd_name and resource.version == version:
                    resource.scale = paths

    def claim(self, group: str, plural: str, crd_name: str) -> None:
        """Mark resources that came with the initial model as served through ``crd_name``."""
        with self._lock:
            for resource in self._resources.values():
                if resource.gr == (group, plural):
                    resource.crd_name = crd_name


def _group_order(group: str) -> tuple[int, str]:
    # The legacy group first, then built-in groups, then the rest, as the aggregator orders them.
    if group == "":
        return (0, "")
    return (1 if group in BUILTIN_GROUPS else 2, group)


def _resource_type(resource: Resource) -> ResourceType:
    custom = _is_custom(resource)
    verbs = set(resource.verbs) or set(_ALL_VERBS)
    verbs.discard("apply")  # discovery lists patch; apply is a patch content type
    scale = None
    if "scale" in resource.subresources:
        scale = ScalePaths() if custom else ScalePaths(label_selector=None)
    return ResourceType(
        group=resource.group,
        version=resource.version,
        plural=resource.plural,
        kind=resource.kind,
        namespaced=resource.namespaced,
        singular=resource.singular or resource.kind.lower(),
        verbs=verbs,
        subresources=dict(resource.subresources),
        list_kind=resource.list_kind or f"{resource.kind}List",
        short_names=resource.short_names,
        categories=resource.categories,
        selectable_fields=resource.selectable_fields,
        printer_columns=resource.printer_columns,
        type_id=resource.type_id,
        custom=custom,
        scale=scale,
        field_labels=dict(_FIELD_LABELS.get((resource.group, resource.plural), {})),
    )


def _is_custom(resource: Resource) -> bool:
    if resource.type_id is not None and "/" in resource.type_id:
        return True  # ids of kinds read from CRDs are "group/version.Kind"
    return resource.group not in BUILTIN_GROUPS and not resource.strategic_merge_patch


# --- the always-served kinds -----------------------------------------------------------------------

_NS_ID = "io.k8s.api.core.v1.Namespace"
_CRD_ID = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition"
_ORIGIN = Origin("kgen.testing")


def _ensure_builtin_types(model: APIModel) -> None:
    """Add Namespace and CustomResourceDefinition (resources and minimal types) when missing."""
    core = model.group_version("", "v1")
    if "namespaces" not in core.resources:
        _add_kind(
            model,
            "",
            "v1",
            "Namespace",
            "namespaces",
            _NS_ID,
            {"finalize": Subresource("finalize", {"update"}), "status": _status()},
        )
    apiext = model.group_version(CRD_GROUP, "v1")
    if "customresourcedefinitions" not in apiext.resources:
        _add_kind(
            model,
            CRD_GROUP,
            "v1",
            "CustomResourceDefinition",
            "customresourcedefinitions",
            _CRD_ID,
            {"status": _status()},
            short_names=("crd", "crds"),
            categories=("api-extensions",),
        )


def _status() -> Subresource:
    return Subresource("status", {"get", "update", "patch", "apply"})


def _add_kind(
    model: APIModel,
    group: str,
    version: str,
    kind: str,
    plural: str,
    type_id: str,
    subresources: dict[str, Subresource],
    *,
    short_names: tuple[str, ...] = (),
    categories: tuple[str, ...] = (),
) -> None:
    gv = model.group_version(group, version)
    list_id = f"{type_id}List"
    if type_id not in model.types:
        model.types[type_id] = TypeDef(
            id=type_id,
            group=group,
            version=version,
            description=None,
            fields=[
                Field("apiVersion", Primitive("string")),
                Field("kind", Primitive("string")),
                Field("metadata", Shared("ObjectMeta")),
                Field("spec", Special("object")),
                Field("status", Special("object")),
            ],
            origin=_ORIGIN,
            gvk=(group, version, kind),
        )
        model.types[list_id] = TypeDef(
            id=list_id,
            group=group,
            version=version,
            description=None,
            fields=[
                Field("apiVersion", Primitive("string")),
                Field("items", _array_of(type_id), required=True),
                Field("kind", Primitive("string")),
                Field("metadata", Shared("ListMeta")),
            ],
            origin=_ORIGIN,
            gvk=(group, version, f"{kind}List"),
            list_item=type_id,
        )
    gv.kinds.setdefault(kind, type_id)
    gv.kinds.setdefault(f"{kind}List", list_id)
    gv.resources[plural] = Resource(
        group=group,
        version=version,
        plural=plural,
        kind=kind,
        namespaced=False,
        origin=_ORIGIN,
        singular=kind.lower(),
        verbs=set(_ALL_VERBS) | {"apply"},
        subresources=subresources,
        list_kind=f"{kind}List",
        short_names=short_names,
        categories=categories,
        type_id=type_id,
        list_type_id=list_id,
        strategic_merge_patch=True,
    )
    if plural == "namespaces":
        gv.resources[plural].verbs.discard("deletecollection")


def _array_of(type_id: str) -> Array:
    return Array(Ref(type_id))
