"""The few things that really differ between the async and the sync runtime (hand-written twins).

``scripts/unasync.py`` maps the names here to those of ``kgen/runtime/_sync/primitives.py``.
"""

from __future__ import annotations

import asyncio

__all__ = ["AsyncLock", "asleep"]

asleep = asyncio.sleep
AsyncLock = asyncio.Lock
