"""The Lease on the server (client-go's ``resourcelock.LeaseLock``): read, created and written through the
runtime's typed client of :class:`~kgen.runtime._coordination.Lease`, and the specs a candidate writes.

Every write goes back with the resourceVersion of the Lease last read or written, so that of two
candidates writing on top of the same state only one wins (the other gets 409 Conflict).
"""

from __future__ import annotations

import msgspec

from kgen.runtime._async.resource import AsyncAllVerbs
from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._coordination import Lease, LeaseList, LeaseSpec
from kgen.runtime._leaderelection.config import RELEASED_LEASE_SECONDS, LeaseLock
from kgen.runtime._meta import ObjectMeta
from kgen.runtime._types import MicroTime

__all__ = ["AsyncLeaseClient", "carry_over", "released"]


class AsyncLeaseClient:
    """One Lease, as one candidate sees it: ``lease`` is the last state read or written (None before)."""

    def __init__(self, transport: AsyncTransport, lock: LeaseLock) -> None:
        rest = AsyncRESTClient(transport, Lease.GVK.group, Lease.GVK.version)
        self._leases = AsyncAllVerbs[Lease, LeaseList](rest, Lease, LeaseList, lock.namespace)
        self._lock = lock
        self.lease: Lease | None = None

    async def get(self) -> Lease:
        self.lease = await self._leases.get(self._lock.name)
        return self.lease

    async def create(self, spec: LeaseSpec) -> None:
        lock = self._lock
        metadata = ObjectMeta(name=lock.name, namespace=lock.namespace, labels=lock.labels or None)
        self.lease = await self._leases.create(Lease(metadata=metadata, spec=spec))

    async def update(self, spec: LeaseSpec) -> None:
        """Write ``spec`` on top of the Lease last seen: a concurrent write makes this a 409."""
        if self.lease is None:
            raise RuntimeError("the Lease must be read or created before it is updated")
        self.lease = await self._leases.update(msgspec.structs.replace(self.lease, spec=spec))


def carry_over(desired: LeaseSpec, previous: LeaseSpec, *, keep_acquisition: bool) -> LeaseSpec:
    """The spec to write: a renewal keeps acquireTime and the count, a new holder adds a transition.

    strategy and preferredHolder are kept: they belong to coordinated election, not to this candidate.
    """
    transitions = previous.lease_transitions or 0
    if keep_acquisition:
        return msgspec.structs.replace(
            desired,
            acquire_time=previous.acquire_time or desired.acquire_time,
            lease_transitions=transitions,
            strategy=previous.strategy,
            preferred_holder=previous.preferred_holder,
        )
    return msgspec.structs.replace(
        desired,
        lease_transitions=transitions + 1,
        strategy=previous.strategy,
        preferred_holder=previous.preferred_holder,
    )


def released(observed: LeaseSpec, stamp: MicroTime) -> LeaseSpec:
    """The spec that gives a lease up, as client-go writes it: no holder, for 1 second."""
    return LeaseSpec(
        holder_identity="",
        lease_duration_seconds=RELEASED_LEASE_SECONDS,
        acquire_time=stamp,
        renew_time=stamp,
        lease_transitions=observed.lease_transitions or 0,
        strategy=observed.strategy,
        preferred_holder=observed.preferred_holder,
    )
