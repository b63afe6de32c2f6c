"""The naming rule for async counterparts (ARCHITECTURE.md, "Sync and async"), checked on every public name.

1. A class that does I/O is ``X`` (blocking) and ``AsyncX`` (asyncio); methods keep their names and are
   awaited in ``AsyncX``, except ``close``/``aclose`` and the dunders.
2. A module-level coroutine function is ``async_x``, next to its blocking ``x``.
3. One object that serves threads and tasks alike (a credential source, the leader's context) has the
   coroutine ``async_m`` next to its blocking ``m``.

So a coroutine is found only in an ``Async`` class, or under an ``async_`` name next to its twin.
"""

from __future__ import annotations

import inspect
from typing import Any

import kgen.runtime

# The asyncio-only ListerWatchers of kgen/runtime/_cache/listwatch.py, whose list() and watch() are
# coroutines: named AsyncListerWatcher... by the rule, renamed with the rest of that module.
PENDING = {"DynamicListerWatcher", "ListerWatcher", "TypedListerWatcher"}


def _public() -> dict[str, Any]:
    return {name: getattr(kgen.runtime, name) for name in kgen.runtime.__all__}


def _coroutines(cls: type) -> set[str]:
    """The public coroutine (and async generator) methods of ``cls``."""
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))
    }


def _methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and callable(member)
    }


def test_coroutines_live_in_async_classes_or_under_async_names() -> None:
    offenders = {}
    for name, value in _public().items():
        if not inspect.isclass(value) or name.startswith("Async") or name in PENDING:
            continue
        methods = _methods(value)
        wrong = {
            method
            for method in _coroutines(value)
            if not (method.startswith("async_") and method.removeprefix("async_") in methods)
        }
        if wrong:
            offenders[name] = sorted(wrong)
    assert offenders == {}


def test_async_names_are_coroutines_next_to_their_blocking_twin() -> None:
    for name, value in _public().items():
        if not inspect.isclass(value):
            continue
        coroutines = _coroutines(value)
        for method in _methods(value):
            if method.startswith("async_"):
                assert method in coroutines, f"{name}.{method} is not a coroutine"
                twin = method.removeprefix("async_")
                assert twin in _methods(value) and twin not in coroutines, f"{name}.{method}"


def test_twins_keep_their_method_names() -> None:
    public = _public()
    for name, value in public.items():
        if not (inspect.isclass(value) and name.startswith("Async")):
            continue
        twin = public.get(name.removeprefix("Async"))
        assert inspect.isclass(twin), f"{name} has no sync twin"
        mine, theirs = _methods(value), _methods(twin)
        assert not {m for m in mine if m.startswith("async_")}, f"{name}: a twin needs no async_"
        renamed = {m for m in mine if m.startswith("a") and m[1:] in theirs} - {"aclose"}
        assert renamed == set(), f"{name} renames {renamed} (methods keep their names)"
        if "aclose" in mine:
            assert "close" in theirs and "aclose" not in theirs, name
        assert not _coroutines(twin) - {m for m in theirs if m.startswith("async_")}, twin


def test_module_level_coroutine_functions_are_async_x_next_to_x() -> None:
    public = _public()
    for name, value in public.items():
        if not inspect.isfunction(value):
            continue
        if inspect.iscoroutinefunction(value):
            assert name.startswith("async_"), f"{name} is a coroutine function"
        if name.startswith("async_"):
            assert inspect.iscoroutinefunction(value), name
            twin = public.get(name.removeprefix("async_"))
            assert twin is not None and not inspect.iscoroutinefunction(twin), name


def test_the_pending_exceptions_still_break_the_rule() -> None:
    # When listwatch.py is renamed, this fails: then PENDING (and this test) go.
    for name in PENDING:
        assert _coroutines(getattr(kgen.runtime, name)), name
