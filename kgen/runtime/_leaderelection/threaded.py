"""The synchronous face of leader election: :class:`LeaderElector` runs an
:class:`~kgen.runtime._leaderelection.elector.AsyncLeaderElector` on a thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import TypeVar

from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._config import Config
from kgen.runtime._leaderelection.config import Clock, LeaderElectionConfig
from kgen.runtime._leaderelection.elector import AsyncLeaderElector

__all__ = ["LeaderElector"]

E = TypeVar("E", bound="LeaderElector")


class LeaderElector:
    """An :class:`AsyncLeaderElector` running in a background thread with its own event loop.

        with LeaderElector(load_config(), config) as elector:
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
        self._elector: AsyncLeaderElector | None = None
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

    def start(self: E) -> E:
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
            self._elector = AsyncLeaderElector(transport, self.config, clock=self._clock)
            self._loop = asyncio.get_running_loop()
            self._task = asyncio.ensure_future(self._elector.run())
            self._ready.set()
            await asyncio.wait({self._task})
            if not self._task.cancelled() and self._task.exception() is not None:
                self.exception = self._task.exception()
        finally:
            await transport.aclose()

    def __enter__(self: E) -> E:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
