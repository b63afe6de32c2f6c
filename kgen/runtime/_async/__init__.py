"""Async sources of the runtime; the sync twins in ``kgen.runtime._sync`` are generated from them."""
