"""kgen.runtime._cache: its public names reach users through kgen.runtime only, every module documented."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types
import typing

import kgen.runtime
import kgen.runtime._cache as cache

MODULES = {
    info.name: importlib.import_module(f"kgen.runtime._cache.{info.name}")
    for info in pkgutil.iter_modules(cache.__path__)
}
# The front door's names that live in the cache: ``name -> module`` (relative to the package).
PUBLIC = {
    name: module.removeprefix("_cache.")
    for name, module in kgen.runtime._EXPORTS.items()  # type: ignore[attr-defined]
    if module.startswith("_cache.")
}


def test_the_package_re_exports_nothing() -> None:
    # A second way to import the cache's names would be a second public surface to keep in step.
    names = {name for name in vars(cache) if not name.startswith("_")}
    leaked = {name for name in names if not isinstance(getattr(cache, name), types.ModuleType)}
    assert leaked == set()


def test_the_front_door_takes_each_name_from_the_module_that_defines_it() -> None:
    assert len(PUBLIC) > 25
    for name, module in PUBLIC.items():
        source = MODULES[module]
        assert name in source.__all__, f"{name} is not in _cache.{module}.__all__"
        value = getattr(source, name)
        assert getattr(kgen.runtime, name) is value
        if inspect.isclass(value) or inspect.isfunction(value):
            assert value.__module__ == source.__name__, f"{name} is defined in {value.__module__}"


def test_every_module_names_what_it_defines() -> None:
    for module in MODULES.values():
        assert len(set(module.__all__)) == len(module.__all__), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_every_module_and_public_class_is_documented() -> None:
    for module in [cache, *MODULES.values()]:
        assert module.__doc__ and module.__doc__.strip(), module.__name__
    for name, module in PUBLIC.items():
        if module == "generated":  # the generated packages' bases, documented by their module
            continue
        obj = getattr(kgen.runtime, name)
        # Aliases such as IndexFunc = Callable[...] are no classes (Python 3.10 says they are types).
        if isinstance(obj, type) and typing.get_origin(obj) is None:
            assert obj.__doc__, name


def test_the_docstring_points_newcomers_at_the_factory() -> None:
    assert cache.__doc__ is not None
    assert "informer factory" in cache.__doc__.split("\n\n")[1]
