"""Leader election on a ``coordination.k8s.io/v1`` Lease: client-go's ``tools/leaderelection``, for asyncio.

    config = LeaderElectionConfig(
        lock=LeaseLock("kube-system", "my-controller", identity=socket.gethostname()),
        on_started_leading=run_controllers,      # async def run_controllers(ctx: LeaderContext) -> None
        on_stopped_leading=lambda: log.warning("lost the lease"),
        release_on_cancel=True,
    )
    elector = AsyncLeaderElector(clientset, config)   # a clientset, a transport or a RESTClient
    await elector.run()   # returns once leadership is lost (run_forever=True: compete again); cancel to stop

``on_started_leading(ctx)`` runs as a task while this candidate leads and is cancelled the moment
leadership ends; ``ctx`` also says so (``ctx.leading``, ``await ctx.async_wait()``, ``ctx.wait()`` from
a thread). A plain function runs in a thread of its own, and must return once ``ctx`` says it lost.
``on_stopped_leading()`` is called when leadership ends, ``on_new_leader(identity)`` whenever another
holder is observed. Programs that are not async use :class:`~.threaded.LeaderElector`, which runs an
:class:`~.elector.AsyncLeaderElector` on a thread of its own.

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
not implemented. The modules, bottom up: :mod:`.config` (what a candidate is told: the lock, the
durations, the callbacks, the clock), :mod:`.lock` (the Lease on the server, through the typed client
of :class:`kgen.runtime.Lease`), :mod:`.elector` (the candidate), :mod:`.threaded` (its synchronous face).
"""
