"""The shared informer factory: one informer per resource, shared by everything that asks for it.

    async with AsyncClientset() as cs:
        factory = AsyncSharedInformerFactory(cs, resync=600, namespace="prod")
        pods = factory.informer_for(Pod)           # one informer per resource per factory
        pods.add_event_handler(handler)
        factory.start()                            # starts informers not started yet
        await factory.wait_for_cache_sync(timeout=30)   # raises CacheSyncError if one did not sync
        ...
        await factory.shutdown()

**The hook for generated code** is :meth:`AsyncSharedInformerFactory.informer_for`: given a model
class (and optionally its list class) it returns *the* informer of that resource, creating it on first
use with the factory's namespace, resync, transform and ``tweak_list_options``. A generated
per-group accessor is then one line per resource::

    class AsyncCoreV1Informers:
        def __init__(self, factory: AsyncSharedInformerFactory) -> None:
            self._factory = factory

        def pods(self) -> AsyncSharedIndexInformer[Pod]:
            return self._factory.informer_for(Pod, PodList)

Informers are keyed by group/version/resource (``"v1/pods"``, ``"example.kgen.io/v1/widgets"``);
``new_informer`` builds a differently configured one under the same key (client-go's
``InformerFor(obj, newFunc)``). :meth:`~AsyncSharedInformerFactory.for_resource` gives dynamic
informers of :class:`~kgen.runtime._unstructured.Unstructured` objects, keyed ``"dynamic:<gvr>"``.

Unlike client-go (kubernetes#92777), an informer requested after ``start()`` is started at once, and
``wait_for_cache_sync`` raises :class:`CacheSyncError` saying *why* each informer that did not sync
failed, instead of returning a map with a bare false (the results are on the error, ``results``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from kgen.runtime._async.dynamic import AsyncDynamicClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._backoff import BackoffManager
from kgen.runtime._cache.errors import CacheSyncError
from kgen.runtime._cache.informer import MINIMUM_RESYNC_PERIOD, AsyncSharedIndexInformer
from kgen.runtime._cache.lister import Lister
from kgen.runtime._cache.listwatch import (
    DynamicListerWatcher,
    ListerWatcher,
    TweakListOptions,
    TypedListerWatcher,
)
from kgen.runtime._cache.reflector import ReflectorOptions
from kgen.runtime._cache.transform import Transform, default_transform, intern_part
from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._partial import partial_type
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._unstructured import Unstructured

logger = logging.getLogger("kgen.runtime.cache")

__all__ = ["AsyncSharedInformerFactory", "ClientsetLike", "SyncResult"]

M = TypeVar("M", bound=KubernetesObject)
T = TypeVar("T")
# ``async with Factory(...) as f`` gives back the subclass (a generated factory, with its groups).
F = TypeVar("F", bound="AsyncSharedInformerFactory")


class ClientsetLike(Protocol):
    """What the factory needs of a clientset: its transport and dynamic client (any generated
    ``AsyncClientset`` has both)."""

    @property
    def transport(self) -> AsyncTransport: ...

    @property
    def dynamic(self) -> AsyncDynamicClient: ...


@dataclass(frozen=True)
class SyncResult:
    """Whether one informer synced, and if not, why (``error.error`` is the last API error)."""

    synced: bool
    error: CacheSyncError | None = None


class AsyncSharedInformerFactory:
    """Creates and owns the informers of one clientset; see the module docstring."""

    def __init__(
        self,
        clientset: ClientsetLike,
        *,
        resync: float = 0.0,
        namespace: str | None = None,
        tweak_list_options: TweakListOptions | None = None,
        transform: Transform | None = default_transform,
        custom_resync: Mapping[str, float] | None = None,
        reflector_options: ReflectorOptions | None = None,
        backoff_factory: Callable[[], BackoffManager] | None = None,
        min_resync_period: float = MINIMUM_RESYNC_PERIOD,
    ) -> None:
        """``resync``: seconds between resyncs of handlers (0: none), per informer key in
        ``custom_resync``. ``namespace``: watch only there (None: every namespace). ``transform``:
        applied to every informer's objects (None: none). ``reflector_options`` and
        ``backoff_factory`` tune the reflectors (tests make them fast)."""
        self.clientset = clientset
        self.resync = resync
        self.namespace = namespace
        self.tweak_list_options = tweak_list_options
        self.transform = transform
        self.custom_resync = dict(custom_resync or {})
        self.reflector_options = reflector_options
        self.backoff_factory = backoff_factory
        self.min_resync_period = min_resync_period
        self._informers: dict[str, AsyncSharedIndexInformer[Any]] = {}
        self._started = False
        self._shut_down = False

    # --- informers ----------------------------------------------------------------------------------

    def new_informer(
        self, key: str, lister_watcher: ListerWatcher[T]
    ) -> AsyncSharedIndexInformer[T]:
        """An informer with this factory's settings (not registered: see :meth:`informer_for`)."""
        return AsyncSharedIndexInformer(
            lister_watcher,
            resync_period=self.custom_resync.get(key, self.resync),
            transform=self.transform,
            reflector_options=self.reflector_options,
            backoff=self.backoff_factory() if self.backoff_factory is not None else None,
            min_resync_period=self.min_resync_period,
        )

    def _register(
        self, key: str, build: Callable[[], AsyncSharedIndexInformer[Any]]
    ) -> AsyncSharedIndexInformer[Any]:
        informer = self._informers.get(key)
        if informer is None:
            if self._shut_down:
                raise RuntimeError("the informer factory is shut down")
            informer = self._informers[key] = build()
            if self._started:
                informer.start()
        return informer

    def informer_for(
        self,
        kind: type[M],
        list_kind: type[KubernetesList[M]] | None = None,
        *,
        new_informer: (
            Callable[[AsyncSharedInformerFactory], AsyncSharedIndexInformer[M]] | None
        ) = None,
        partial: Iterable[str] | None = None,
    ) -> AsyncSharedIndexInformer[M]:
        """The informer of ``kind``'s resource, created on first use (``list_kind`` defaults to
        ``KubernetesList[kind]``; ``new_informer(factory)`` replaces the default construction).

        ``partial``: the fields (Python names) decoded at once, the others of each cached object
        when first read (:func:`~kgen.runtime.decode_partial`); ``partial=()`` decodes ``metadata``
        alone (client-go's metadata informer, with typed access to the rest). A partial informer is
        another informer than the full one of the same resource (another cache, another watch)."""
        info = kind.RESOURCE
        if info is None:
            raise ValueError(f"{kind.__name__} is not a resource: no informer")
        key = str(info.gvr)
        eager = None if partial is None else tuple(sorted(set(partial)))
        registered = key if eager is None else f"{key}#partial({','.join(eager)})"

        def build() -> AsyncSharedIndexInformer[M]:
            if new_informer is not None:
                return new_informer(self)
            kind_read, list_read = kind, list_kind
            if eager is not None:
                # Parts read later are interned as the transform interns the rest.
                kind_read = partial_type(kind, eager, on_decode=intern_part)
                list_read = (
                    None
                    if list_kind is None
                    else partial_type(list_kind, eager, on_decode=intern_part)
                )
            lister_watcher = TypedListerWatcher.for_kind(
                self.clientset.transport,
                kind_read,
                list_read,
                namespace=self.namespace if info.namespaced else None,
                tweak_list_options=self.tweak_list_options,
            )
            return self.new_informer(key, lister_watcher)

        informer: AsyncSharedIndexInformer[M] = self._register(registered, build)
        return informer

    def lister_for(
        self,
        kind: type[M],
        list_kind: type[KubernetesList[M]] | None = None,
        *,
        partial: Iterable[str] | None = None,
    ) -> Lister[M]:
        """The lister of :meth:`informer_for`'s informer."""
        return self.informer_for(kind, list_kind, partial=partial).lister()

    def for_resource(
        self, gvr: GroupVersionResource | str, *, namespaced: bool = True
    ) -> AsyncSharedIndexInformer[Unstructured]:
        """A dynamic informer of any resource (``"apps/v1/deployments"``); give ``namespaced=False``
        for a cluster-scoped one when the factory has a namespace."""
        if isinstance(gvr, str):
            gvr = GroupVersionResource.parse(gvr)
        key = f"dynamic:{gvr}"
        resource = gvr

        def build() -> AsyncSharedIndexInformer[Unstructured]:
            lister_watcher = DynamicListerWatcher(
                self.clientset.dynamic,
                resource,
                namespace=self.namespace if namespaced else None,
                tweak_list_options=self.tweak_list_options,
            )
            return self.new_informer(key, lister_watcher)

        informer: AsyncSharedIndexInformer[Unstructured] = self._register(key, build)
        return informer

    @property
    def informers(self) -> dict[str, AsyncSharedIndexInformer[Any]]:
        return dict(self._informers)

    # --- lifecycle ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every informer not started yet (safe to call again); later ones start at once."""
        if self._shut_down:
            raise RuntimeError("the informer factory is shut down")
        self._started = True
        for informer in self._informers.values():
            informer.start()

    async def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, SyncResult]:
        """Wait for every started informer; per key, whether it synced. Raises :class:`CacheSyncError`
        if one did not (its message says why for each; ``results`` holds them all), and RuntimeError
        if informers were asked for but the factory was never started: acting on empty caches, a
        controller would take every object for missing."""
        if (
            self._informers
            and not self._started
            and not any(informer.started for informer in self._informers.values())
        ):
            raise RuntimeError(
                f"the informer factory has not started ({len(self._informers)} informer(s) waiting): "
                "call start() before wait_for_cache_sync()"
            )
        if not self._informers:
            logger.warning(
                "wait_for_cache_sync: no informer was asked for, so there is nothing to wait for "
                "(an informer is made by factory.<group>.<resource>.informer() or .lister())"
            )
        started = {k: i for k, i in self._informers.items() if i.started}

        async def one(informer: AsyncSharedIndexInformer[Any]) -> SyncResult:
            try:
                await informer.wait_for_cache_sync(timeout)
            except CacheSyncError as exc:
                return SyncResult(False, exc)
            return SyncResult(True)

        results = dict(zip(started, await asyncio.gather(*(one(i) for i in started.values()))))
        failed = [r.error for r in results.values() if r.error is not None]
        if failed:
            first = failed[0]
            reasons = "; ".join(str(error) for error in failed)
            error = CacheSyncError(
                f"{len(failed)} of {len(results)} informer cache(s) did not sync: {reasons}",
                resource=first.resource,
                namespace=first.namespace,
                verb=first.verb,
                error=first.error,
            )
            error.results = results
            raise error
        return results

    async def shutdown(self) -> None:
        """Stop every informer and wait for them (the clientset stays open: it is the caller's)."""
        self._shut_down = True
        await asyncio.gather(*(i.stop() for i in self._informers.values()))

    async def __aenter__(self: F) -> F:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()
