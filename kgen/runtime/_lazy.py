"""Module attributes imported on first use (a module-level ``__getattr__``, PEP 562).

kgen.runtime's front door names every public class without importing its module, and a generated
package's sync client modules name their async twins without loading them (nor the runtime's async
half). Both are this one function over a table of names.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(namespace: dict[str, Any], sources: Mapping[str, str]) -> Callable[[str], Any]:
    """A ``__getattr__`` for the module whose ``globals()`` is ``namespace``: a name of ``sources``
    is imported from the module it maps to (absolute, or relative to the module's package) when
    first asked for, and kept in the module, so that later lookups do not come here. Any other name
    is an :class:`AttributeError`, as for a module without ``__getattr__``.

        __getattr__ = lazy_getattr(globals(), {"AsyncPodClient": "._async_core_v1"})
    """
    module, package = namespace["__name__"], namespace.get("__package__")

    def __getattr__(name: str) -> Any:
        source = sources.get(name)
        if source is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source, package), name)
        namespace[name] = value
        return value

    return __getattr__
