"""Keep ``import httpx`` from loading httpx's command-line client, which kgen never runs.

httpx's ``__init__`` imports its CLI (``httpx._main``, with click, rich and pygments) whenever those
packages are installed: about 10 MB of memory and tens of milliseconds in every process that imports
httpx where some other tool installed them (encode/httpx#3547, open). While httpx's own ``__init__``
runs, the finder below makes that one import fail as it fails where those packages are absent (httpx
then defines ``httpx.main`` as a stub that says so), and removes itself: an explicit
``import httpx._main`` afterwards works as usual, and a program that imported httpx before kgen is
left as it is. ``kgen.runtime``'s ``__init__`` imports this module, so it runs before any of kgen's
modules imports httpx.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

__all__: list[str] = []


class _SkipHttpxCLI:
    # A meta path finder is any object with find_spec: importlib.abc.MetaPathFinder, as a base,
    # would import importlib.resources and with it tempfile and shutil.
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname != "httpx._main":
            return None
        _uninstall()
        httpx = sys.modules.get("httpx")
        if httpx is not None and getattr(httpx.__spec__, "_initializing", False):
            raise ImportError("httpx's command-line client is not loaded with kgen")
        return None


def _uninstall() -> None:
    try:
        sys.meta_path.remove(_FINDER)
    except ValueError:
        pass


_FINDER = _SkipHttpxCLI()
if "httpx" not in sys.modules:
    sys.meta_path.insert(0, _FINDER)
