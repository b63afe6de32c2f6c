"""Informer caches: client-go's ``tools/cache`` for asyncio, usable from synchronous programs too.

Start with the informer factory, which gives one shared, self-healing cache per resource::

    factory = AsyncSharedInformerFactory(clientset, namespace="prod")
    pods = factory.informer_for(Pod)
    pods.add_event_handler(ResourceEventHandlerFuncs(on_add=..., on_update=..., on_delete=...))
    factory.start()
    await factory.wait_for_cache_sync(timeout=30)   # raises CacheSyncError saying why, if one did not
    pods.lister().namespace("prod").list("app=web")

(:class:`~.threaded.SharedInformerFactory` is the same for synchronous programs: the machinery runs on
a background event loop thread.) Cached objects are shared by every handler and lister: never mutate
them (``copy_object``). A cache lags the server by the watch latency.

The public names are imported from :mod:`kgen.runtime` (the one front door); this package re-exports
nothing. Every piece stands alone, one module each: :mod:`.store` (the thread-safe :class:`Indexer`
and key functions), :mod:`.fifo` (the in-order :class:`RealFIFO` with relist tombstones),
:mod:`.listwatch` (what to list and watch), :mod:`.reflector` (list, watch, resume, relist, streaming
lists, backing off with :class:`kgen.runtime._backoff.BackoffManager`), :mod:`.informer`
(:class:`AsyncSharedIndexInformer`), :mod:`.handlers` (per-handler buffers), :mod:`.lister`
(selectors: :mod:`kgen.runtime._selectors`), :mod:`.transform` (drop managedFields, intern strings),
:mod:`.errors` (:class:`CacheSyncError`), :mod:`.factory` and :mod:`.threaded` (the synchronous face),
:mod:`.generated` (the bases of generated informers).
"""
