"""Work queues for controllers: client-go's ``util/workqueue``, for asyncio and for threads.

Start with :class:`AsyncRateLimitingQueue` (or :class:`RateLimitingQueue` in a threaded program):
event handlers ``add`` object keys, workers ``get`` a key, reconcile it, then ``forget`` it on
success or ``add_rate_limited`` it on failure, and always call ``done``::

    queue: AsyncRateLimitingQueue[str] = AsyncRateLimitingQueue(name="pods")

    async def worker() -> None:
        while True:
            try:
                key = await queue.get()
            except ShutDown:
                return  # shut down and drained
            try:
                await reconcile(key)
            except Exception:
                try:
                    queue.add_rate_limited(key)  # retry later, backing off
                except ShutDown:
                    log.warning("shutting down: %s will not be retried", key)
            else:
                queue.forget(key)  # success: reset its backoff
            finally:
                queue.done(key)

A key is never handed to two workers at once and duplicates collapse, so any number of workers is
safe. The async queues' plain methods (``add``, ``add_rate_limited``, ``done``...) may be called
from other threads, such as an informer's handler thread. Nothing is dropped silently: an add
after shutdown raises :class:`ShutDown`, and items still waiting out a delay at shutdown are
reported by ``waiting()``.

The public names are imported from :mod:`kgen.runtime` (the one front door); this package re-exports
nothing. Every layer stands alone, one module each: :mod:`.queue` (plain FIFO with the dirty and
processing sets), :mod:`.delaying` (``add_after``), :mod:`.rate_limiting`, the composable
:mod:`.rate_limiters`, and :mod:`.metrics` (plug in your metrics library). Each layer has an
``Async`` shell and a threaded shell over one lock-free core (:class:`~.queue.QueueCore`,
:class:`~.delaying.DelayCore`).
"""
