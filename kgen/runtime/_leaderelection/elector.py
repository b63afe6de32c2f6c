"""The candidate: :class:`AsyncLeaderElector` competes for the Lease, leads, and stops leading in time.

See the package docstring for the algorithm and where it differs from client-go. Time is the
:class:`~kgen.runtime._leaderelection.config.Clock`'s (tests pass a fake one); the retry period's
jitter is :func:`kgen.runtime._backoff.jitter`, as client-go's ``wait.JitterUntil``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import msgspec

from kgen.runtime._async.clientset import AsyncClientsetBase
from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._backoff import jitter
from kgen.runtime._coordination import LeaseSpec
from kgen.runtime._errors import AlreadyExists, Conflict, KubernetesError, NotFound
from kgen.runtime._leaderelection.config import (
    JITTER_FACTOR,
    Clock,
    LeaderContext,
    LeaderElectionConfig,
    OnStoppedLeading,
    SystemClock,
)
from kgen.runtime._leaderelection.lock import AsyncLeaseClient, carry_over, released
from kgen.runtime._types import MicroTime

__all__ = ["AsyncLeaderElector"]

logger = logging.getLogger("kgen.runtime.leaderelection")

T = TypeVar("T")


class AsyncLeaderElector:
    """One candidate. ``run()`` competes, leads, and returns when leadership ends (or raises)."""

    def __init__(
        self,
        client: AsyncTransport | AsyncClientsetBase | AsyncRESTClient,
        config: LeaderElectionConfig,
        *,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        transport = client if isinstance(client, AsyncTransport) else client.transport
        if not isinstance(transport, AsyncTransport):
            # A sync Clientset's transport would block the event loop the renewals run on.
            raise TypeError(
                "AsyncLeaderElector needs an async client (use LeaderElector from sync code)"
            )
        self._leases = AsyncLeaseClient(transport, config.lock)
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._rng = rng
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
        return jitter(period, JITTER_FACTOR, self._rng)

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
            if self._leases.lease is not None:
                renewal = carry_over(desired, observed, keep_acquisition=True)
                try:
                    await self._leases.update(renewal)
                except KubernetesError as exc:
                    logger.info("%s: optimistic renewal failed, reading the lease: %s", self, exc)
                else:
                    self._set_observed(renewal)
                    return True

        # 2. Read the lease, or create it.
        try:
            lease = await self._leases.get()
        except NotFound:
            try:
                await self._leases.create(desired)
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
        spec = carry_over(desired, current, keep_acquisition=holder == identity)
        try:
            await self._leases.update(spec)
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
        if self._holder() != self.identity or self._leases.lease is None:
            return True
        return await _bounded(self._release(), self.config.renew_deadline, False)

    async def _release(self) -> bool:
        observed = self._observed
        assert observed is not None
        spec = released(observed, MicroTime.from_datetime(self._clock.now()))
        try:
            await self._leases.update(spec)
        except Conflict:
            # Our resourceVersion is stale (a renewal cut off by the shutdown may have landed): release
            # only if the lease is still ours.
            try:
                current = (await self._leases.get()).spec or LeaseSpec()
                if current.holder_identity != self.identity:
                    if current != self._observed:
                        self._set_observed(current)
                    return True
                spec = msgspec.structs.replace(
                    spec, lease_transitions=current.lease_transitions or 0
                )
                await self._leases.update(spec)
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
            raise RuntimeError("AsyncLeaderElector.run() is already running")
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
        return f"AsyncLeaderElector({self.config.lock.describe()}, {self.identity})"


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
