"""One transport holds as many watches as a controller opens, and still answers other requests."""

from __future__ import annotations

import asyncio

from example_client.clientset import AsyncClientset

from kgen.runtime._config import Config

WATCHES = 110  # more than httpx's default pool of 100 connections


async def test_more_watches_than_httpx_default_pool_leave_requests_answered(config: Config) -> None:
    config.qps = 0  # no client-side throttling: this is about connections
    async with AsyncClientset(config) as cs:
        configmaps = cs.core_v1.configmaps("default")
        listed = await configmaps.list()
        assert listed.metadata is not None
        opened = asyncio.Semaphore(0)

        async def hold() -> None:
            # From now on nothing changes: each watch stays open, holding its connection.
            stream = await configmaps.watch(
                resource_version=listed.metadata.resource_version, timeout_seconds=20
            )
            async with stream:
                first = True
                async for _ in stream:  # bookmarks arrive every second, from an open connection
                    if first:
                        opened.release()
                        first = False

        tasks = [asyncio.create_task(hold()) for _ in range(WATCHES)]
        try:
            # All open at once (with a capped pool, the last ones would wait for the first to end,
            # 20 s from now).
            await asyncio.wait_for(asyncio.gather(*(opened.acquire() for _ in range(WATCHES))), 10)
            # Every watch holds a connection now; a plain request still gets one.
            again = await asyncio.wait_for(configmaps.list(), 10)
            assert again.metadata is not None
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
