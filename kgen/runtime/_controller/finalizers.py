"""The finalizer helpers, both twins (the source is :mod:`kgen.runtime._async.finalizer`)."""

from __future__ import annotations

from kgen.runtime._async.finalizer import AsyncFinalizer
from kgen.runtime._async.finalizer import add_finalizer as async_add_finalizer
from kgen.runtime._async.finalizer import remove_finalizer as async_remove_finalizer
from kgen.runtime._sync.finalizer import Finalizer, add_finalizer, remove_finalizer

__all__ = [
    "AsyncFinalizer",
    "Finalizer",
    "add_finalizer",
    "async_add_finalizer",
    "async_remove_finalizer",
    "remove_finalizer",
]
