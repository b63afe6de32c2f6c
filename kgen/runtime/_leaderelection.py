"""Leader election on a ``coordination.k8s.io/v1`` Lease: client-go's ``tools/leaderelection``, for asyncio.

    config = LeaderElectionConfig(
        lock=LeaseLock("kube-system", "my-controller", identity=socket.gethostname()),
        on_started_leading=run_controllers,      # async def run_controllers(ctx: LeaderContext) -> None
        on_stopped_leading=lambda: log.warning("lost the lease"),
        release_on_cancel=True,
    )
    elector = LeaderElector(clientset, config)   # a clientset, a transport or a RESTClient
    await elector.run()   # returns once leadership is lost (run_forever=True: compete again); cancel to stop

``on_started_leading(ctx)`` runs as a task while this candidate leads and is cancelled the moment
leadership ends; ``ctx`` also says so (``ctx.leading``, ``await ctx.until_lost()``, ``ctx.wait()`` from
a thread). A plain function runs in a thread of its own, and must return once ``ctx`` says it lost.
``on_stopped_leading()`` is called when leadership ends, ``on_new_leader(identity)`` whenever another
holder is observed. Programs that are not async use :class:`LeaderElectorThread`.

Each attempt is client-go's ``tryAcquireOrRenew``: read the Lease (create it when missing; another
candidate's AlreadyExists means it won); if another candidate holds it and it has not expired, wait;
otherwise write it with the resourceVersion just read, so that of two candidates only one wins (the
other gets 409 Conflict). "Expired" is measured on this process's monotonic clock, from when the record
was last *seen to change*, plus the holder's ``leaseDurationSeconds``; the timestamps in the Lease are
never compared with the local clock, so clock skew between machines does not matter. ``leaseTransitions``
counts changes of holder; ``acquireTime`` is set on acquisition and ``renewTime`` on every write. The
leader renews every ``retry_period``; candidates retry every ``retry_period`` plus up to 1.2 times that
(jitter, so that they do not all ask at once).

Split brain: a leader that cannot renew must stop before anyone else may take over. Others wait
``lease_duration`` from when they saw the last renewal; the leader gives up ``renew_deadline`` after it
*sent* its last successful renewal (earlier than anyone could have seen it), and a request still
hanging then is abandoned. Since ``lease_duration > renew_deadline``, the leader always stops first.
Leading ends by cancelling the work, then ``on_stopped_leading``, then (``release_on_cancel``) giving the
lease up once the work has finished: holderIdentity ``""`` and leaseDurationSeconds 1, which others
may take at once.

Where this differs from client-go, on purpose:

- the renewal deadline runs from the last successful renewal, not from the start of the current round
  of retries (client-go can keep leading for ``retry_period + renew_deadline``);
- a leader that reads the Lease and finds another holder stops at once instead of retrying until the
  deadline;
- the work is cancelled before the lease is released (client-go releases first, then cancels);
- ``leaseDurationSeconds`` is ``lease_duration`` rounded *up* to whole seconds (client-go truncates, so
  1.5 s would give others 1 s while the leader believes in 1.5);
- ``on_stopped_leading`` is called only if this candidate led (client-go's ``Run`` always calls it);
- ``on_new_leader`` is not called with ``""`` after a release (there is no new leader yet);
- an exception from ``on_started_leading`` ends leadership and is raised by ``run()`` (client-go's
  goroutine would crash the process).

Only the Lease lock exists (client-go removed the others); coordinated election (LeaseCandidate) is
not implemented.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar

import msgspec

from kgen.runtime._async.clientset import AsyncClientsetBase
from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._config import Config
from kgen.runtime._errors import AlreadyExists, Conflict, KubernetesError, NotFound
from kgen.runtime._meta import KubernetesObject, ObjectMeta
from kgen.runtime._resources import GroupVersionKind, ResourceInfo, Struct
from kgen.runtime._types import MicroTime

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "JITTER_FACTOR",
    "Clock",
    "Lease",
    "LeaseLock",
    "LeaseSpec",
    "LeaderContext",
    "LeaderElectionConfig",
    "LeaderElector",
    "LeaderElectorThread",
    "SystemClock",
]

logger = logging.getLogger("kgen.runtime.leaderelection")

T = TypeVar("T")

JITTER_FACTOR = 1.2  # client-go's leaderelection.JitterFactor
DEFAULT_LEASE_DURATION = 15.0  # controller-runtime's defaults (pkg/manager/internal.go)
DEFAULT_RENEW_DEADLINE = 10.0
DEFAULT_RETRY_PERIOD = 2.0
RELEASED_LEASE_SECONDS = 1  # what client-go writes when it gives a lease up

OnStartedLeading = Callable[["LeaderContext"], "Awaitable[None] | None"]
OnStoppedLeading = Callable[[], "Awaitable[None] | None"]
OnNewLeader = Callable[[str], "Awaitable[None] | None"]


# --- the Lease ----------------------------------------------------------------------------------------
# The runtime must not import generated packages, so it carries the one kind it needs.


class LeaseSpec(Struct, kw_only=True):
    """coordination.k8s.io/v1 LeaseSpec."""

    acquire_time: MicroTime | None = msgspec.field(name="acquireTime", default=None)
    holder_identity: str | None = msgspec.field(name="holderIdentity", default=None)
    lease_duration_seconds: int | None = msgspec.field(name="leaseDurationSeconds", default=None)
    lease_transitions: int | None = msgspec.field(name="leaseTransitions", default=None)
    preferred_holder: str | None = msgspec.field(name="preferredHolder", default=None)
    renew_time: MicroTime | None = msgspec.field(name="renewTime", default=None)
    strategy: str | None = None


class Lease(KubernetesObject, kw_only=True):
    """coordination.k8s.io/v1 Lease."""

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
            {"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
        ),
    )
    spec: LeaseSpec | None = None


# --- configuration ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeaseLock:
    """Which Lease (``namespace``/``name``) candidates compete for, and who this candidate is.

    ``identity`` must be unique among candidates (a pod name, or hostname plus a random suffix): two
    processes with one identity both believe they lead. ``labels`` go on the Lease if this candidate
    creates it.
    """

    namespace: str
    name: str
    identity: str
    labels: dict[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True, kw_only=True)
class LeaderElectionConfig:
    """client-go's LeaderElectionConfig; durations in seconds. Invalid values raise ValueError."""

    lock: LeaseLock
    on_started_leading: OnStartedLeading
    on_stopped_leading: OnStoppedLeading
    on_new_leader: OnNewLeader | None = None
    lease_duration: float = DEFAULT_LEASE_DURATION
    renew_deadline: float = DEFAULT_RENEW_DEADLINE
    retry_period: float = DEFAULT_RETRY_PERIOD
    release_on_cancel: bool = False
    run_forever: bool = False

    def __post_init__(self) -> None:
        for name in ("lease_duration", "renew_deadline", "retry_period"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be greater than zero (got {value!r})")
        if self.lease_duration <= self.renew_deadline:
            raise ValueError("lease_duration must be greater than renew_deadline")
        if self.renew_deadline <= JITTER_FACTOR * self.retry_period:
            raise ValueError(
                f"renew_deadline must be greater than retry_period * {JITTER_FACTOR} (the jitter)"
            )
        if not callable(self.on_started_leading):
            raise ValueError("on_started_leading is required")
        if not callable(self.on_stopped_leading):
            raise ValueError("on_stopped_leading is required")
        if self.on_new_leader is not None and not callable(self.on_new_leader):
            raise ValueError("on_new_leader must be callable")
        if not isinstance(self.lock, LeaseLock):
            raise ValueError("lock must be a LeaseLock")
        if not self.lock.identity:
            raise ValueError("the lock identity is empty")
        if not self.lock.namespace or not self.lock.name:
            raise ValueError("the lock needs a namespace and a name")

    @property
    def lease_seconds(self) -> int:
        """What goes into leaseDurationSeconds: rounded up, so others never wait less than meant."""
        return max(1, math.ceil(self.lease_duration))


# --- time ---------------------------------------------------------------------------------------------


class Clock(Protocol):
    """Time as the elector sees it; tests pass a fake one."""

    def monotonic(self) -> float:
        """Seconds on a clock that never jumps: all expiry and deadline arithmetic uses this."""
        ...

    def now(self) -> datetime:
        """Timezone-aware wall time, only for the acquireTime/renewTime written into the Lease."""
        ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- the leader's context -----------------------------------------------------------------------------


class LeaderContext:
    """Given to ``on_started_leading``: says when leadership is lost, to tasks and to threads alike."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        self._lost = threading.Event()
        self._lost_async = asyncio.Event()

    @property
    def leading(self) -> bool:
        return not self._lost.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block (a thread, never the event loop) until leadership is lost; False on timeout."""
        return self._lost.wait(timeout)

    async def until_lost(self) -> None:
        await self._lost_async.wait()

    def _set_lost(self) -> None:
        self._lost.set()
        self._lost_async.set()


# --- the elector --------------------------------------------------------------------------------------


class LeaderElector:
    """One candidate. ``run()`` competes, leads, and returns when leadership ends (or raises)."""

    def __init__(
        self,
        client: AsyncTransport | AsyncClientsetBase | AsyncRESTClient,
        config: LeaderElectionConfig,
        *,
        clock: Clock | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        transport = client if isinstance(client, AsyncTransport) else client.transport
        if not isinstance(transport, AsyncTransport):
            # A sync Clientset's transport would block the event loop the renewals run on.
            raise TypeError(
                "LeaderElector needs an async client (use LeaderElectorThread from sync code)"
            )
        self._rest = AsyncRESTClient(transport, "coordination.k8s.io", "v1")
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._rand = rand
        # The last Lease read or written: its resourceVersion makes every update conditional.
        self._lease: Lease | None = None
        self._observed: LeaseSpec | None = None
        self._observed_time = 0.0  # local monotonic time the observed record last changed
        self._reported_leader = ""
        self._leading = False
        self._running = False
        self._callback_tasks: set[asyncio.Task[Any]] = set()

    # --- state --------------------------------------------------------------------------------------

    @property
    def identity(self) -> str:
        return self.config.lock.identity

    @property
    def is_leader(self) -> bool:
        """Whether this candidate leads now (its work is running and its lease is being renewed)."""
        return self._leading

    @property
    def leader(self) -> str | None:
        """The holder last observed in the Lease (None: none seen, or the lease was released)."""
        return self._holder() or None

    @property
    def observed_record(self) -> LeaseSpec | None:
        return self._observed

    def _holder(self) -> str:
        return (self._observed.holder_identity or "") if self._observed is not None else ""

    def _lease_valid(self, now: float) -> bool:
        if self._observed is None:
            return False
        return self._observed_time + (self._observed.lease_duration_seconds or 0) > now

    def _set_observed(self, spec: LeaseSpec) -> None:
        self._observed = spec
        self._observed_time = self._clock.monotonic()

    def _jittered(self, period: float) -> float:
        return period + self._rand() * JITTER_FACTOR * period

    # --- the Lease on the server --------------------------------------------------------------------

    async def _get(self) -> Lease:
        lock = self.config.lock
        result = (
            await self._rest.get().namespace(lock.namespace).resource("leases").name(lock.name).do()
        )
        self._lease = result.into(Lease)
        return self._lease

    async def _create(self, spec: LeaseSpec) -> None:
        lock = self.config.lock
        metadata = ObjectMeta(name=lock.name, namespace=lock.namespace, labels=lock.labels or None)
        body = Lease(metadata=metadata, spec=spec)
        result = (
            await self._rest.post().namespace(lock.namespace).resource("leases").body(body).do()
        )
        self._lease = result.into(Lease)

    async def _update(self, spec: LeaseSpec) -> None:
        if self._lease is None:
            raise RuntimeError("the Lease must be read or created before it is updated")
        lock = self.config.lock
        # The whole object goes back with its resourceVersion: a concurrent write makes this a 409.
        body = msgspec.structs.replace(self._lease, spec=spec)
        request = self._rest.put().namespace(lock.namespace).resource("leases").name(lock.name)
        self._lease = (await request.body(body).do()).into(Lease)

    # --- one attempt --------------------------------------------------------------------------------

    async def try_acquire_or_renew(self) -> bool:
        """One attempt to take or renew the lease (client-go's tryAcquireOrRenew): True if held now.

        API errors are logged and give False; the caller retries.
        """
        identity = self.identity
        now = self._clock.monotonic()
        stamp = MicroTime.from_datetime(self._clock.now())
        desired = LeaseSpec(
            holder_identity=identity,
            lease_duration_seconds=self.config.lease_seconds,
            acquire_time=stamp,
            renew_time=stamp,
            lease_transitions=0,
        )

        # 1. The leader first writes optimistically on top of what it wrote last (one request, not two).
        observed = self._observed
        if observed is not None and self._holder() == identity and self._lease_valid(now):
            if self._lease is not None:
                renewal = _carry_over(desired, observed, keep_acquisition=True)
                try:
                    await self._update(renewal)
                except KubernetesError as exc:
                    logger.info("%s: optimistic renewal failed, reading the lease: %s", self, exc)
                else:
                    self._set_observed(renewal)
                    return True

        # 2. Read the lease, or create it.
        try:
            lease = await self._get()
        except NotFound:
            try:
                await self._create(desired)
            except AlreadyExists as exc:  # another candidate created it first
                logger.info("%s: could not create the lease: %s", self, exc)
                return False
            except NotFound as exc:
                # Not a race: nothing changes until someone fixes the cluster (or the test server),
                # so say what is missing, at the level client-go logs it.
                logger.error(
                    "%s: cannot create the lease: %s (is coordination.k8s.io/v1 leases served, and "
                    "does the namespace exist?)",
                    self,
                    exc,
                )
                return False
            except KubernetesError as exc:
                logger.warning("%s: could not create the lease: %s", self, exc)
                return False
            self._set_observed(desired)
            return True
        except KubernetesError as exc:
            logger.warning("%s: could not read the lease: %s", self, exc)
            return False

        # 3. Held by someone else and not expired (by the local clock, since it last changed): wait.
        current = lease.spec or LeaseSpec()
        if current != self._observed:
            self._set_observed(current)
        holder = current.holder_identity or ""
        if holder and holder != identity and self._lease_valid(now):
            return False

        # 4. Take it (or renew it, if it is already ours): conditional on the resourceVersion just read.
        spec = _carry_over(desired, current, keep_acquisition=holder == identity)
        try:
            await self._update(spec)
        except KubernetesError as exc:  # Conflict: another candidate wrote it first
            logger.info("%s: could not update the lease: %s", self, exc)
            return False
        self._set_observed(spec)
        return True

    async def release(self) -> bool:
        """Give the lease up if this candidate holds it (as client-go: holder "" for 1 second).

        Call it only when not leading (``run()`` does, with ``release_on_cancel``): others may take the
        lease at once.
        """
        if self._leading:
            raise RuntimeError("release() while leading: cancel run() instead")
        if self._holder() != self.identity or self._lease is None:
            return True
        return await _bounded(self._release(), self.config.renew_deadline, False)

    async def _release(self) -> bool:
        observed = self._observed
        assert observed is not None
        stamp = MicroTime.from_datetime(self._clock.now())
        spec = LeaseSpec(
            holder_identity="",
            lease_duration_seconds=RELEASED_LEASE_SECONDS,
            acquire_time=stamp,
            renew_time=stamp,
            lease_transitions=observed.lease_transitions or 0,
            strategy=observed.strategy,
            preferred_holder=observed.preferred_holder,
        )
        try:
            await self._update(spec)
        except Conflict:
            # Our resourceVersion is stale (a renewal cut off by the shutdown may have landed): release
            # only if the lease is still ours.
            try:
                current = (await self._get()).spec or LeaseSpec()
                if current.holder_identity != self.identity:
                    if current != self._observed:
                        self._set_observed(current)
                    return True
                spec = msgspec.structs.replace(
                    spec, lease_transitions=current.lease_transitions or 0
                )
                await self._update(spec)
            except KubernetesError as exc:
                logger.warning("%s: could not release the lease: %s", self, exc)
                return False
        except KubernetesError as exc:
            logger.warning("%s: could not release the lease: %s", self, exc)
            return False
        self._set_observed(spec)
        logger.info("%s: released the lease", self)
        return True

    # --- the loop -----------------------------------------------------------------------------------

    async def run(self) -> None:
        """Compete for the lease, lead, and return once leadership is lost.

        With ``run_forever`` it competes again instead of returning. Cancel the task to stop: the work
        is cancelled, ``on_stopped_leading`` called and (``release_on_cancel``) the lease given up before
        the cancellation propagates. An exception raised by ``on_started_leading`` ends leadership
        the same way and is raised here.
        """
        if self._running:
            raise RuntimeError("LeaderElector.run() is already running")
        self._running = True
        try:
            while True:
                acquired_at = await self._acquire()
                await self._lead(acquired_at)
                if not self.config.run_forever:
                    return
        finally:
            self._running = False
            pending = [task for task in self._callback_tasks if not task.done()]
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)

    async def _acquire(self) -> float:
        """Try until the lease is ours; return the local time the winning attempt started."""
        logger.info("%s: attempting to acquire the lease", self)
        while True:
            started = self._clock.monotonic()
            acquired = await _bounded(
                self.try_acquire_or_renew(), self.config.renew_deadline, False
            )
            self._report_transition()
            if acquired:
                logger.info("%s: acquired the lease", self)
                return started
            await self._clock.sleep(self._jittered(self.config.retry_period))

    async def _renew(self, last_renewed: float) -> str:
        """Renew until that fails for renew_deadline or another holder appears; return which."""
        config = self.config
        while True:
            await self._clock.sleep(config.retry_period)
            while True:
                # The deadline runs from when the last successful renewal was *sent*: every other
                # candidate saw it later than that, so this leader stops before any of them may start.
                remaining = last_renewed + config.renew_deadline - self._clock.monotonic()
                if remaining <= 0:
                    return f"could not renew the lease within {config.renew_deadline}s"
                started = self._clock.monotonic()
                # A request still hanging at the deadline is abandoned with it.
                renewed = await _bounded(self.try_acquire_or_renew(), remaining, False)
                self._report_transition()
                if renewed:
                    last_renewed = started
                    break
                holder = self._holder()
                if holder and holder != self.identity:
                    return f"the lease is held by {holder}"
                remaining = last_renewed + config.renew_deadline - self._clock.monotonic()
                if remaining > 0:
                    await self._clock.sleep(min(config.retry_period, remaining))

    async def _lead(self, acquired_at: float) -> None:
        ctx = LeaderContext(self.identity)
        self._leading = True
        work = asyncio.ensure_future(self._work(ctx))
        renewer = asyncio.ensure_future(self._renew(acquired_at))
        failure: BaseException | None = None
        try:
            waiting: set[asyncio.Future[Any]] = {work, renewer}
            while True:
                done, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if renewer in done:
                    failure = renewer.exception()
                    if failure is not None:
                        raise failure
                    logger.warning("%s: stopped leading: %s", self, renewer.result())
                    return
                failure = None if work.cancelled() else work.exception()
                if failure is not None:
                    logger.error("%s: on_started_leading failed; stopping leading", self)
                    raise failure
                # The work returned: as in client-go, leadership (and renewing) goes on regardless.
                waiting = {renewer}
        finally:
            await self._stop_leading(ctx, work, renewer, failure)

    async def _stop_leading(
        self,
        ctx: LeaderContext,
        work: asyncio.Future[None],
        renewer: asyncio.Future[str],
        failure: BaseException | None,
    ) -> None:
        # The work is told first and nothing is awaited before that: a leader that lost must stop now.
        self._leading = False
        ctx._set_lost()
        work.cancel()
        renewer.cancel()
        await self._notify(self.config.on_stopped_leading, "on_stopped_leading")
        tasks: set[asyncio.Future[Any]] = {work, renewer}
        await asyncio.wait(tasks)
        for task, what in ((work, "on_started_leading"), (renewer, "renewing")):
            error = None if task.cancelled() else task.exception()
            if error is not None and error is not failure:
                logger.error("%s: %s failed while stopping", self, what, exc_info=error)
        # Released only once the work has stopped, so that no successor overlaps with it.
        if self.config.release_on_cancel:
            await self.release()

    async def _work(self, ctx: LeaderContext) -> None:
        callback = self.config.on_started_leading
        result: Awaitable[None] | None
        if inspect.iscoroutinefunction(self.config.on_started_leading):
            result = callback(ctx)
        else:
            result = await _in_thread(callback, ctx, f"leader-{self.identity}")
        if result is not None:
            await result

    async def _notify(self, callback: OnStoppedLeading, what: str) -> None:
        try:
            result = callback()
            if result is not None:
                await result
        except Exception:
            logger.exception("%s: %s failed", self, what)

    def _report_transition(self) -> None:
        holder = self._holder()
        if not holder or holder == self._reported_leader:
            return
        self._reported_leader = holder
        logger.info("%s: new leader observed: %s", self, holder)
        callback = self.config.on_new_leader
        if callback is None:
            return
        try:
            result = callback(holder)
        except Exception:
            logger.exception("%s: on_new_leader failed", self)
            return
        if result is not None:
            # As client-go's goroutine: a slow notification must not delay renewing.
            task = asyncio.ensure_future(result)
            self._callback_tasks.add(task)
            task.add_done_callback(self._callback_done)

    def _callback_done(self, task: asyncio.Task[Any]) -> None:
        self._callback_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("%s: on_new_leader failed", self, exc_info=task.exception())

    def __repr__(self) -> str:
        return f"LeaderElector({self.config.lock.describe()}, {self.identity})"


def _carry_over(desired: LeaseSpec, previous: LeaseSpec, *, keep_acquisition: bool) -> LeaseSpec:
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


async def _bounded(coro: Coroutine[Any, Any, T], timeout: float, default: T) -> T:
    """Await ``coro`` for at most ``timeout`` seconds of loop time; ``default`` if it takes longer.

    The task is cancelled and waited for when the time is up or the caller is cancelled, so that no
    request is still in flight after a decision has been taken.
    """
    task = asyncio.ensure_future(coro)
    try:
        await asyncio.wait({task}, timeout=max(timeout, 0.0))
    finally:
        if not task.done():
            task.cancel()
            await asyncio.wait({task})
    if task.cancelled():
        return default
    return task.result()


async def _in_thread(fn: Callable[[LeaderContext], T], ctx: LeaderContext, name: str) -> T:
    """Run a blocking ``on_started_leading`` in a daemon thread of its own.

    A thread cannot be cancelled: when the caller is, ``ctx`` has already told the thread, and this
    waits for it to return so that the lease is not released under work still running.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = fn(ctx)
        except BaseException as exc:  # noqa: BLE001 - handed to the loop
            outcome: tuple[T | None, BaseException | None] = (None, exc)
        else:
            outcome = (result, None)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=target, name=name, daemon=True).start()
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        await asyncio.wait({future})
        if not future.cancelled() and future.exception() is not None:
            logger.error("on_started_leading failed", exc_info=future.exception())
        raise


# --- for programs that are not async ------------------------------------------------------------------


class LeaderElectorThread:
    """A :class:`LeaderElector` running in a background thread with its own event loop.

        with LeaderElectorThread(load_config(), config) as elector:
            ...   # elector.is_leader; callbacks run in the elector's thread

    ``client`` is a :class:`~kgen.runtime._config.Config` (a transport is made in the thread, since an
    async transport belongs to one event loop) or a function returning an ``AsyncTransport``. Plain
    function callbacks suit this best: ``on_started_leading(ctx)`` runs in a thread of its own and
    should return once ``ctx.wait()`` does; ``on_stopped_leading`` and ``on_new_leader`` run in the
    elector's thread and must return quickly. ``stop()`` cancels the elector as ``run()``'s
    cancellation does (releasing the lease with ``release_on_cancel``).
    """

    def __init__(
        self,
        client: Config | Callable[[], AsyncTransport],
        config: LeaderElectionConfig,
        *,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        if isinstance(client, Config):
            config_ = client
            self._make_transport: Callable[[], AsyncTransport] = lambda: AsyncTransport(config_)
        else:
            self._make_transport = client
        self._clock = clock
        self._elector: LeaderElector | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.exception: BaseException | None = None

    @property
    def is_leader(self) -> bool:
        return self._elector is not None and self._elector.is_leader

    @property
    def leader(self) -> str | None:
        return self._elector.leader if self._elector is not None else None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> LeaderElectorThread:
        if self._thread is not None:
            raise RuntimeError("already started")
        name = f"leader-elector-{self.config.lock.identity}"
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        return self

    def stop(self, timeout: float | None = None) -> bool:
        """Stop competing (or leading) and wait for the thread; False if it has not ended in time."""
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already finished
                loop.call_soon_threadsafe(task.cancel)
        return self.join(timeout)

    def join(self, timeout: float | None = None) -> bool:
        """Wait for ``run()`` to end (leadership lost, or stopped); True if it has."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _main(self) -> None:
        try:
            asyncio.run(self._amain())
        except BaseException as exc:  # noqa: BLE001 - kept for the owner of the thread
            self.exception = exc
        finally:
            self._ready.set()

    async def _amain(self) -> None:
        transport = self._make_transport()
        try:
            self._elector = LeaderElector(transport, self.config, clock=self._clock)
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.ensure_future(self._elector.run())
            self._ready.set()
            await asyncio.wait({self._task})
            if not self._task.cancelled() and self._task.exception() is not None:
                self.exception = self._task.exception()
        finally:
            await transport.aclose()

    def __enter__(self) -> LeaderElectorThread:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
