"""The shared types of ``meta/v1`` (k8s.io/apimachinery), defined once for every generated package.

Generated packages import these instead of regenerating them: ``ObjectMeta`` in a custom resource is the same
class as in a Pod, so the runtime, informers and the fake clientset can rely on it. ``tests/runtime`` checks
that every property the Kubernetes 1.36 API declares for these types is here, under its exact wire name.

``autoscaling/v1`` ``Scale`` lives here too: it is the payload of every ``scale`` subresource, custom resources
included, so CRD packages need it without the rest of the Kubernetes API.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import msgspec

from kgen.runtime._resources import GroupVersionKind, ResourceInfo, Struct
from kgen.runtime._types import MicroTime

__all__ = [
    "APIGroup",
    "APIGroupList",
    "APIResource",
    "APIResourceList",
    "APIVersions",
    "Condition",
    "DeleteOptions",
    "FieldSelectorRequirement",
    "GroupResource",
    "GroupVersionForDiscovery",
    "KubernetesList",
    "KubernetesObject",
    "LabelSelector",
    "LabelSelectorRequirement",
    "ListMeta",
    "ManagedFieldsEntry",
    "MicroTime",
    "ObjectMeta",
    "OwnerReference",
    "PartialObjectMetadata",
    "Preconditions",
    "Scale",
    "ScaleSpec",
    "ScaleStatus",
    "ServerAddressByClientCIDR",
    "ShardInfo",
    "Status",
    "StatusCause",
    "StatusDetails",
    "VersionInfo",
]


class ManagedFieldsEntry(Struct, kw_only=True):
    """One field manager's ownership record (server-side apply)."""

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    fields_type: str | None = msgspec.field(name="fieldsType", default=None)
    fields_v1: dict[str, Any] | None = msgspec.field(name="fieldsV1", default=None)
    manager: str | None = None
    operation: str | None = None
    subresource: str | None = None
    time: datetime | None = None


class OwnerReference(Struct, kw_only=True):
    """Points at the owner of an object; garbage collection follows these."""

    api_version: str = msgspec.field(name="apiVersion")
    kind: str
    name: str
    uid: str
    block_owner_deletion: bool | None = msgspec.field(name="blockOwnerDeletion", default=None)
    controller: bool | None = None


class ObjectMeta(Struct, kw_only=True):
    """Metadata every persisted object has: name, namespace, uid, labels, resourceVersion and so on."""

    annotations: dict[str, str] | None = None
    creation_timestamp: datetime | None = msgspec.field(name="creationTimestamp", default=None)
    deletion_grace_period_seconds: int | None = msgspec.field(
        name="deletionGracePeriodSeconds", default=None
    )
    deletion_timestamp: datetime | None = msgspec.field(name="deletionTimestamp", default=None)
    finalizers: list[str] | None = None
    generate_name: str | None = msgspec.field(name="generateName", default=None)
    generation: int | None = None
    labels: dict[str, str] | None = None
    managed_fields: list[ManagedFieldsEntry] | None = msgspec.field(
        name="managedFields", default=None
    )
    name: str | None = None
    namespace: str | None = None
    owner_references: list[OwnerReference] | None = msgspec.field(
        name="ownerReferences", default=None
    )
    resource_version: str | None = msgspec.field(name="resourceVersion", default=None)
    self_link: str | None = msgspec.field(name="selfLink", default=None)
    uid: str | None = None


class ShardInfo(Struct, kw_only=True, forbid_unknown_fields=False):
    selector: str


class ListMeta(Struct, kw_only=True, forbid_unknown_fields=False):
    """Metadata of a list: its resourceVersion and the continue token of the next page."""

    continue_: str | None = msgspec.field(name="continue", default=None)
    remaining_item_count: int | None = msgspec.field(name="remainingItemCount", default=None)
    resource_version: str | None = msgspec.field(name="resourceVersion", default=None)
    self_link: str | None = msgspec.field(name="selfLink", default=None)
    shard_info: ShardInfo | None = msgspec.field(name="shardInfo", default=None)


#: The attribute of a decoded object that keeps what its model does not know (kgen.runtime._preserve).
UNKNOWN_FIELDS = "_kgen_unknown"


class KubernetesObject(Struct, kw_only=True, gc=True, dict=True):
    """A top-level kind: it carries ``apiVersion`` and ``kind``, and knows its resource if it has one.

    ``GVK`` and ``RESOURCE`` are class-level facts. They are upper case so that no field converted from a
    camelCase JSON name can shadow them.

    Every object has ``metadata`` (an empty one when none is given, as the server always sends one), so
    ``obj.metadata.name`` needs no check; an empty ``metadata`` is not sent.

    An object decoded from JSON with fields its model does not know (a newer server) keeps them, and
    writes them back on ``update`` (see :mod:`kgen.runtime._preserve`): that is the one attribute an
    object has besides its fields (kinds are the only models with an instance dict, and so the only
    ones the cyclic collector sees: one per object, not one per nested struct).
    """

    GVK: ClassVar[GroupVersionKind]
    RESOURCE: ClassVar[ResourceInfo | None] = None
    _META: ClassVar[type[Struct]] = ObjectMeta

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    kind: str | None = None
    if TYPE_CHECKING:
        metadata: ObjectMeta = msgspec.field(default_factory=ObjectMeta)
    else:
        metadata: ObjectMeta | None = None

    def __post_init__(self) -> None:
        # Items of a list usually come without apiVersion and kind; fill them so that every decoded
        # object describes itself (and server-side apply, which requires both, just works).
        if self.api_version is None:
            msgspec.structs.force_setattr(self, "api_version", self.GVK.api_version)
        if self.kind is None:
            msgspec.structs.force_setattr(self, "kind", self.GVK.kind)
        if self.metadata is None:
            msgspec.structs.force_setattr(self, "metadata", self._META())

    def __setattr__(self, name: str, value: Any) -> None:
        # The instance dict is for UNKNOWN_FIELDS alone: a misspelt field stays an error.
        if name not in self.__struct_fields__ and name != UNKNOWN_FIELDS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        super().__setattr__(name, value)

    def __copy__(self) -> Any:
        new = msgspec.structs.replace(self)
        unknown = self.__dict__.get(UNKNOWN_FIELDS)
        if unknown is not None:
            new.__dict__[UNKNOWN_FIELDS] = unknown
        return new

    def __reduce__(self) -> Any:
        # deepcopy (copy_object, listers' copies) and pickle keep the unknown fields too.
        reduced = msgspec.Struct.__reduce__(self)
        unknown = self.__dict__.get(UNKNOWN_FIELDS)
        return reduced if unknown is None else (*reduced, {UNKNOWN_FIELDS: unknown})


ItemT = TypeVar("ItemT", bound=KubernetesObject)


class KubernetesList(KubernetesObject, Generic[ItemT], kw_only=True, forbid_unknown_fields=False):
    """A ``...List`` kind: ``metadata`` is a ListMeta and ``items`` the objects. A list is only read:
    keys it does not know itself are ignored (its items keep theirs)."""

    _META = ListMeta
    if TYPE_CHECKING:
        metadata: ListMeta = msgspec.field(default_factory=ListMeta)  # type: ignore[assignment]
    else:
        metadata: ListMeta | None = None
    items: list[ItemT] = msgspec.field(default_factory=list)


def _gvk(group: str, version: str, kind: str) -> GroupVersionKind:
    return GroupVersionKind(group, version, kind)


class PartialObjectMetadata(KubernetesObject, kw_only=True):
    """Only the metadata of an object (what a metadata-only list or watch returns)."""

    GVK = _gvk("meta.k8s.io", "v1", "PartialObjectMetadata")


class Preconditions(Struct, kw_only=True):
    """Must hold for a delete to happen: pin the uid so a re-created namesake is not deleted."""

    resource_version: str | None = msgspec.field(name="resourceVersion", default=None)
    uid: str | None = None


class DeleteOptions(Struct, kw_only=True):
    """The options of a delete (meta/v1 DeleteOptions): what ``delete`` and ``delete_collection`` take
    (their keywords, ``uid=`` and the rest, fill one in), the body of the DELETE they send, and a field
    of some payloads (an Eviction's ``delete_options``). One class for all three, as in client-go.

    Not a :class:`KubernetesObject`: it is mostly embedded, where filling apiVersion and kind would add
    what the sender did not write."""

    GVK: ClassVar[GroupVersionKind] = _gvk("", "v1", "DeleteOptions")

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    kind: str | None = None
    dry_run: list[str] | None = msgspec.field(name="dryRun", default=None)
    grace_period_seconds: int | None = msgspec.field(name="gracePeriodSeconds", default=None)
    ignore_store_read_error_with_cluster_breaking_potential: bool | None = msgspec.field(
        name="ignoreStoreReadErrorWithClusterBreakingPotential", default=None
    )
    orphan_dependents: bool | None = msgspec.field(name="orphanDependents", default=None)
    preconditions: Preconditions | None = None
    propagation_policy: str | None = msgspec.field(name="propagationPolicy", default=None)


class StatusCause(Struct, kw_only=True, forbid_unknown_fields=False):
    field: str | None = None
    message: str | None = None
    reason: str | None = None


class StatusDetails(Struct, kw_only=True, forbid_unknown_fields=False):
    causes: list[StatusCause] | None = None
    group: str | None = None
    kind: str | None = None
    name: str | None = None
    retry_after_seconds: int | None = msgspec.field(name="retryAfterSeconds", default=None)
    uid: str | None = None


class Status(KubernetesObject, kw_only=True, forbid_unknown_fields=False):
    """The server's answer to a failed call (and to some successful deletes)."""

    GVK = _gvk("", "v1", "Status")

    _META = ListMeta
    if TYPE_CHECKING:
        metadata: ListMeta = msgspec.field(default_factory=ListMeta)  # type: ignore[assignment]
    else:
        metadata: ListMeta | None = None
    code: int | None = None
    details: StatusDetails | None = None
    message: str | None = None
    reason: str | None = None
    status: str | None = None


class Condition(Struct, kw_only=True):
    """The standard shape of ``status.conditions[]`` entries."""

    last_transition_time: datetime = msgspec.field(name="lastTransitionTime")
    message: str
    reason: str
    status: str
    type: str
    observed_generation: int | None = msgspec.field(name="observedGeneration", default=None)


class LabelSelectorRequirement(Struct, kw_only=True):
    key: str
    operator: str
    values: list[str] | None = None


class LabelSelector(Struct, kw_only=True):
    match_expressions: list[LabelSelectorRequirement] | None = msgspec.field(
        name="matchExpressions", default=None
    )
    match_labels: dict[str, str] | None = msgspec.field(name="matchLabels", default=None)


class FieldSelectorRequirement(Struct, kw_only=True):
    key: str
    operator: str
    values: list[str] | None = None


class GroupResource(Struct, kw_only=True):
    group: str
    resource: str


class GroupVersionForDiscovery(Struct, kw_only=True, forbid_unknown_fields=False):
    group_version: str = msgspec.field(name="groupVersion")
    version: str


class ServerAddressByClientCIDR(Struct, kw_only=True, forbid_unknown_fields=False):
    client_cidr: str = msgspec.field(name="clientCIDR")
    server_address: str = msgspec.field(name="serverAddress")


class APIGroup(Struct, kw_only=True, forbid_unknown_fields=False):
    """One group of discovery (an item of APIGroupList: no apiVersion and kind are added)."""

    GVK: ClassVar[GroupVersionKind] = _gvk("", "v1", "APIGroup")

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    kind: str | None = None
    name: str
    versions: list[GroupVersionForDiscovery]
    preferred_version: GroupVersionForDiscovery | None = msgspec.field(
        name="preferredVersion", default=None
    )
    server_address_by_client_cidrs: list[ServerAddressByClientCIDR] | None = msgspec.field(
        name="serverAddressByClientCIDRs", default=None
    )


class APIGroupList(KubernetesObject, kw_only=True, forbid_unknown_fields=False):
    GVK = _gvk("", "v1", "APIGroupList")

    groups: list[APIGroup]


class APIResource(Struct, kw_only=True, forbid_unknown_fields=False):
    kind: str
    name: str
    namespaced: bool
    verbs: list[str]
    # Required by the schema, yet servers before 1.18 leave it out of discovery.
    singular_name: str = msgspec.field(name="singularName", default="")
    categories: list[str] | None = None
    group: str | None = None
    short_names: list[str] | None = msgspec.field(name="shortNames", default=None)
    storage_version_hash: str | None = msgspec.field(name="storageVersionHash", default=None)
    version: str | None = None


class APIResourceList(KubernetesObject, kw_only=True, forbid_unknown_fields=False):
    GVK = _gvk("", "v1", "APIResourceList")

    group_version: str = msgspec.field(name="groupVersion")
    resources: list[APIResource]


class APIVersions(KubernetesObject, kw_only=True, forbid_unknown_fields=False):
    GVK = _gvk("", "v1", "APIVersions")

    versions: list[str]
    server_address_by_client_cidrs: list[ServerAddressByClientCIDR] = msgspec.field(
        name="serverAddressByClientCIDRs", default_factory=list
    )


class ScaleSpec(Struct, kw_only=True):
    replicas: int | None = None


class ScaleStatus(Struct, kw_only=True):
    replicas: int
    selector: str | None = None


class Scale(KubernetesObject, kw_only=True):
    """autoscaling/v1 Scale: what every ``scale`` subresource reads and writes."""

    GVK = _gvk("autoscaling", "v1", "Scale")

    spec: ScaleSpec | None = None
    status: ScaleStatus | None = None


class VersionInfo(Struct, kw_only=True, forbid_unknown_fields=False):
    """What ``/version`` answers."""

    major: str
    minor: str
    git_version: str = msgspec.field(name="gitVersion")
    build_date: str | None = msgspec.field(name="buildDate", default=None)
    compiler: str | None = None
    emulation_major: str | None = msgspec.field(name="emulationMajor", default=None)
    emulation_minor: str | None = msgspec.field(name="emulationMinor", default=None)
    git_commit: str | None = msgspec.field(name="gitCommit", default=None)
    git_tree_state: str | None = msgspec.field(name="gitTreeState", default=None)
    go_version: str | None = msgspec.field(name="goVersion", default=None)
    min_compatibility_major: str | None = msgspec.field(name="minCompatibilityMajor", default=None)
    min_compatibility_minor: str | None = msgspec.field(name="minCompatibilityMinor", default=None)
    platform: str | None = None
