"""Apply configurations: partial objects for server-side apply, typed.

A model's required fields stay required (``DeploymentSpec(replicas=3)`` raises: a spec needs a selector
and a template), which is right for an object but not for a server-side apply, which names only the
fields its manager owns. As client-go generates ``applyconfigurations``, kgen generates, next to each
package's models, a ``<package>.apply.<group_version>`` module with one apply configuration per model:
the same fields, every one optional (nested too), encoding only what was set::

    from example_client.apply.apps_v1 import DeploymentApply, DeploymentSpecApply
    from kgen.runtime import ObjectMetaApply

    deployments.apply(
        DeploymentApply(metadata=ObjectMetaApply(name="web"), spec=DeploymentSpecApply(replicas=3)),
        field_manager="scaler",
    )

A kind's configuration is an :class:`ApplyConfiguration` of its model (``DeploymentApply`` is an
``ApplyConfiguration[Deployment]``), so that a client's ``apply`` takes it and type checkers tell one
kind's from another's; ``apiVersion`` and ``kind`` are filled in. The shared ``meta/v1`` shapes with
required fields have theirs here (``ObjectMetaApply``, ``ConditionApply``, ``LabelSelectorApply``...).
The generated modules are imported only when used: importing models costs nothing more.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Generic, TypeVar

import msgspec

from kgen.runtime._meta import KubernetesObject
from kgen.runtime._resources import GroupVersionKind, Struct

__all__ = [
    "ApplyConfiguration",
    "ConditionApply",
    "FieldSelectorRequirementApply",
    "GroupResourceApply",
    "LabelSelectorApply",
    "LabelSelectorRequirementApply",
    "ObjectMetaApply",
    "OwnerReferenceApply",
]

M = TypeVar("M", bound=KubernetesObject)


class OwnerReferenceApply(Struct, kw_only=True):
    """An OwnerReference to apply (every field optional)."""

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    block_owner_deletion: bool | None = msgspec.field(name="blockOwnerDeletion", default=None)
    controller: bool | None = None
    kind: str | None = None
    name: str | None = None
    uid: str | None = None


class ObjectMetaApply(Struct, kw_only=True):
    """The metadata an apply configuration sets: what a manager may own (no managedFields, which an
    apply must not send)."""

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
    name: str | None = None
    namespace: str | None = None
    owner_references: list[OwnerReferenceApply] | None = msgspec.field(
        name="ownerReferences", default=None
    )
    resource_version: str | None = msgspec.field(name="resourceVersion", default=None)
    uid: str | None = None


class ConditionApply(Struct, kw_only=True):
    """A meta/v1 Condition to apply (every field optional)."""

    last_transition_time: datetime | None = msgspec.field(name="lastTransitionTime", default=None)
    message: str | None = None
    observed_generation: int | None = msgspec.field(name="observedGeneration", default=None)
    reason: str | None = None
    status: str | None = None
    type: str | None = None


class LabelSelectorRequirementApply(Struct, kw_only=True):
    key: str | None = None
    operator: str | None = None
    values: list[str] | None = None


class LabelSelectorApply(Struct, kw_only=True):
    match_expressions: list[LabelSelectorRequirementApply] | None = msgspec.field(
        name="matchExpressions", default=None
    )
    match_labels: dict[str, str] | None = msgspec.field(name="matchLabels", default=None)


class FieldSelectorRequirementApply(Struct, kw_only=True):
    key: str | None = None
    operator: str | None = None
    values: list[str] | None = None


class GroupResourceApply(Struct, kw_only=True):
    group: str | None = None
    resource: str | None = None


class ApplyConfiguration(Struct, Generic[M], kw_only=True):
    """The apply configuration of a kind (the model ``M``): every field optional, only what is set
    sent, ``apiVersion`` and ``kind`` filled in."""

    GVK: ClassVar[GroupVersionKind]

    api_version: str | None = msgspec.field(name="apiVersion", default=None)
    kind: str | None = None
    metadata: ObjectMetaApply | None = None

    def __post_init__(self) -> None:
        if self.api_version is None:
            self.api_version = self.GVK.api_version
        if self.kind is None:
            self.kind = self.GVK.kind
