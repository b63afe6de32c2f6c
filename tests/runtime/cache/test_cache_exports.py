"""kgen.runtime._cache: the flat re-export is sorted and complete, every module documented."""

from __future__ import annotations

import typing

import kgen.runtime._cache as cache
from kgen.runtime._cache import (
    backoff,
    errors,
    factory,
    fifo,
    handlers,
    informer,
    lister,
    listwatch,
    objects,
    reflector,
    store,
    threaded,
    tombstone,
    transform,
)

MODULES = [
    backoff,
    errors,
    factory,
    fifo,
    handlers,
    informer,
    lister,
    listwatch,
    objects,
    reflector,
    store,
    threaded,
    tombstone,
    transform,
]


def test_all_is_sorted_and_complete() -> None:
    assert cache.__all__ == sorted(cache.__all__)
    exported = {name for module in MODULES for name in module.__all__}
    assert set(cache.__all__) == exported


def test_every_export_is_the_module_object() -> None:
    for module in MODULES:
        for name in module.__all__:
            assert getattr(cache, name) is getattr(module, name), name


def test_every_module_and_public_class_is_documented() -> None:
    for module in [cache, *MODULES]:
        assert module.__doc__ and module.__doc__.strip(), module.__name__
    for name in cache.__all__:
        obj = getattr(cache, name)
        # Aliases such as IndexFunc = Callable[...] are no classes (Python 3.10 says they are types).
        if isinstance(obj, type) and typing.get_origin(obj) is None:
            assert obj.__doc__, name


def test_the_docstring_points_newcomers_at_the_factory() -> None:
    assert cache.__doc__ is not None
    assert "informer factory" in cache.__doc__.split("\n\n")[1]
