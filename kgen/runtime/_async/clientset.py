"""Bases of the generated clientsets: one transport for every group-version, created on first use.

    async with AsyncClientset() as cs:                 # load_config(): kubeconfig or in-cluster
        pods = await cs.core_v1.pods("default").list()

A generated ``AsyncClientset`` adds one lazily imported attribute per group-version; this base adds what
every clientset has: the dynamic client, discovery and a RESTMapper, all sharing the transport (one
connection pool, one credential, one rate limiter, as client-go's NewForConfig builds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._clientset import ClientsetCore
from kgen.runtime._config import Config, load_config
from kgen.runtime._ratelimit import TokenBucket

# Imported on first use of ``dynamic``, ``discovery`` or ``rest_mapper``: a program that only uses typed
# clients does not load them.
if TYPE_CHECKING:
    from kgen.runtime._async.discovery import AsyncDiscoveryClient, AsyncRESTMapper
    from kgen.runtime._async.dynamic import AsyncDynamicClient

__all__ = ["AsyncClientsetBase", "AsyncGroupVersionClient"]

C = TypeVar("C", bound="AsyncClientsetBase")
G = TypeVar("G", bound="AsyncGroupVersionClient")


class AsyncGroupVersionClient:
    """The clients of one group-version (generated subclasses add one method per resource)."""

    GROUP: ClassVar[str] = ""
    VERSION: ClassVar[str] = "v1"

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport
        self.rest = AsyncRESTClient(transport, self.GROUP, self.VERSION)

    def __repr__(self) -> str:
        api_version = f"{self.GROUP}/{self.VERSION}" if self.GROUP else self.VERSION
        return f"{type(self).__name__}({api_version})"


class AsyncClientsetBase(ClientsetCore):
    """A clientset: its group-versions' clients, the dynamic client, discovery and a RESTMapper, over
    one transport."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        rate_limiter: TokenBucket | None = None,
        transport: AsyncTransport | None = None,
        **transport_options: Any,
    ) -> None:
        """``config`` defaults to :func:`kgen.runtime._config.load_config` (kubeconfig, else in-cluster).
        ``rate_limiter`` replaces the config's qps/burst bucket (give one to share it between clientsets);
        ``transport_options`` go to the transport (e.g. ``max_retries``)."""
        if transport is None:
            transport = AsyncTransport(
                config or load_config(),
                package=self.PACKAGE or None,
                rate_limiter=rate_limiter,
                **transport_options,
            )
        self.transport = transport
        self.config = transport.config
        self._groups: dict[type[AsyncGroupVersionClient], AsyncGroupVersionClient] = {}
        self._dynamic: AsyncDynamicClient | None = None
        self._discovery: AsyncDiscoveryClient | None = None
        self._mapper: AsyncRESTMapper | None = None

    def _group(self, cls: type[G]) -> G:
        """The clients of one group-version, made on first use and then kept (one per clientset)."""
        client = self._groups.get(cls)
        if client is None:
            client = self._groups[cls] = cls(self.transport)
        return cast(G, client)

    @property
    def dynamic(self) -> AsyncDynamicClient:
        """The dynamic client: any resource, as Unstructured objects."""
        if self._dynamic is None:
            from kgen.runtime._async.dynamic import AsyncDynamicClient

            self._dynamic = AsyncDynamicClient(self.transport)
        return self._dynamic

    @property
    def discovery(self) -> AsyncDiscoveryClient:
        """What the server serves: groups, versions, resources."""
        if self._discovery is None:
            from kgen.runtime._async.discovery import AsyncDiscoveryClient

            self._discovery = AsyncDiscoveryClient(self.transport)
        return self._discovery

    @property
    def rest_mapper(self) -> AsyncRESTMapper:
        """Kinds to resources and back, from discovery."""
        if self._mapper is None:
            from kgen.runtime._async.discovery import AsyncRESTMapper

            self._mapper = AsyncRESTMapper(self.discovery)
        return self._mapper

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def __aenter__(self: C) -> C:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
