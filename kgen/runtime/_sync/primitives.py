"""The few things that really differ between the async and the sync runtime (hand-written twins).

``scripts/unasync.py`` maps the names of ``kgen/runtime/_async/primitives.py`` to these.
"""

from __future__ import annotations

import threading
import time

__all__ = ["Lock", "sleep"]

sleep = time.sleep
Lock = threading.Lock
