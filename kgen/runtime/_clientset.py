"""What the sync and async clientset bases share, outside the twins: nothing here does I/O.

``new_async_transport`` is the one place a clientset says how to reach its cluster from asyncio: the
threaded :class:`~kgen.runtime._cache.threaded.SharedInformerFactory` runs its informers over it, on a
loop of its own, and kgen.testing's fake clientsets override it to reach their in-process cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from kgen.runtime._config import Config

if TYPE_CHECKING:
    from kgen.runtime._async.transport import AsyncTransport

__all__ = ["ClientsetCore"]


class ClientsetCore:
    """The part of ``ClientsetBase`` and ``AsyncClientsetBase`` that is the same in both."""

    #: The generated package's name, for the User-Agent.
    PACKAGE: ClassVar[str] = ""

    config: Config

    def new_async_transport(self, **options: Any) -> AsyncTransport:
        """A new async transport to the cluster this clientset talks to, with ``options``
        (``rate_limiter``, ``max_retries``...): what asyncio code on another loop uses, such as the
        informers of the threaded ``SharedInformerFactory``. Override it for a cluster reached some
        other way than the config's server (kgen.testing's fakes do)."""
        from kgen.runtime._async.transport import AsyncTransport

        return AsyncTransport(self.config, package=self.PACKAGE or None, **options)
