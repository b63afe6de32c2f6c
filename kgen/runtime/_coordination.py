"""``coordination.k8s.io/v1`` ``Lease``: the kind leader election competes for, defined once.

The runtime cannot import generated packages, yet leader election reads and writes Leases through the
typed client; so the runtime owns these classes, as it owns ``ObjectMeta``, and a generated package's
``models.coordination_v1`` re-exports them instead of generating its own (``kgen.apimodel.shared``
lists the definitions it does this for): ``example_client.models.coordination_v1.Lease`` *is*
``kgen.runtime.Lease``. ``tests/runtime/test_lease_model.py`` checks that these classes are what kgen
generates from the Kubernetes API (every property under its wire name, and the resource's verbs).
"""

from __future__ import annotations

import msgspec

from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._resources import GroupVersionKind, ResourceInfo, Struct
from kgen.runtime._types import MicroTime

__all__ = ["Lease", "LeaseList", "LeaseSpec"]


class LeaseSpec(Struct, kw_only=True):
    """LeaseSpec is a specification of a Lease."""

    acquire_time: MicroTime | None = msgspec.field(name="acquireTime", default=None)
    """acquireTime is a time when the current lease was acquired."""
    holder_identity: str | None = msgspec.field(name="holderIdentity", default=None)
    """holderIdentity contains the identity of the holder of a current lease."""
    lease_duration_seconds: int | None = msgspec.field(name="leaseDurationSeconds", default=None)
    """leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.
    This is measured against the time of last observed renewTime."""
    lease_transitions: int | None = msgspec.field(name="leaseTransitions", default=None)
    """leaseTransitions is the number of transitions of a lease between holders."""
    preferred_holder: str | None = msgspec.field(name="preferredHolder", default=None)
    """preferredHolder signals to a lease holder that the lease has a more optimal holder and should be
    given up (coordinated leader election)."""
    renew_time: MicroTime | None = msgspec.field(name="renewTime", default=None)
    """renewTime is a time when the current holder of a lease has last updated the lease."""
    strategy: str | None = None
    """strategy indicates the strategy for picking the leader for coordinated leader election."""


class Lease(KubernetesObject, kw_only=True):
    """Lease defines a lease concept."""

    GVK = GroupVersionKind("coordination.k8s.io", "v1", "Lease")
    RESOURCE = ResourceInfo(
        group="coordination.k8s.io",
        version="v1",
        kind="Lease",
        plural="leases",
        namespaced=True,
        singular="lease",
        list_kind="LeaseList",
        verbs=frozenset(
            {
                "apply",
                "create",
                "delete",
                "deletecollection",
                "get",
                "list",
                "patch",
                "update",
                "watch",
            }
        ),
        strategic_merge_patch=True,
    )
    spec: LeaseSpec | None = None
    """spec contains the specification of the Lease."""


class LeaseList(KubernetesList[Lease], kw_only=True):
    """LeaseList is a list of Lease objects."""

    GVK = GroupVersionKind("coordination.k8s.io", "v1", "LeaseList")
    items: list[Lease]
    """items is a list of schema objects."""
