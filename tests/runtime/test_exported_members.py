"""kgen.runtime's front door: one sorted ``__all__``, every name importable, the modules behind it private.

As httpx's tests/test_exported_members.py: the public surface is what ``__all__`` says, nothing leaks in
by accident, and the lazy table, the type checker's imports and ``__all__`` agree.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import kgen.runtime

INIT = Path(kgen.runtime.__file__)


def _type_checking_imports() -> dict[str, str]:
    """``name -> module`` from the ``if TYPE_CHECKING:`` block of kgen/runtime/__init__.py."""
    tree = ast.parse(INIT.read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name):
            if node.test.id != "TYPE_CHECKING":
                continue
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom) and imp.module
                for alias in imp.names:
                    assert alias.asname == alias.name, f"{alias.name}: re-export as itself"
                    found[alias.name] = imp.module.removeprefix("kgen.runtime.")
    return found


def test_all_is_sorted_and_unique() -> None:
    names = kgen.runtime.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    assert not [name for name in names if name.startswith("_")]


def test_the_lazy_table_the_typed_imports_and_all_agree() -> None:
    table = kgen.runtime._EXPORTS  # type: ignore[attr-defined]
    assert set(table) == set(kgen.runtime.__all__)
    assert _type_checking_imports() == table


def test_every_exported_name_resolves_to_a_private_module() -> None:
    for name in kgen.runtime.__all__:
        value = getattr(kgen.runtime, name)
        module = kgen.runtime._EXPORTS[name]  # type: ignore[attr-defined]
        assert module.split(".")[0].startswith("_"), f"{name} comes from a public module {module}"
        source = importlib.import_module(f"kgen.runtime.{module}")
        assert getattr(source, name) is value


def test_an_unknown_name_is_an_attribute_error() -> None:
    try:
        kgen.runtime.NoSuchThing  # type: ignore[attr-defined]
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_every_runtime_module_is_private() -> None:
    for info in pkgutil.iter_modules(kgen.runtime.__path__):
        assert info.name.startswith("_"), f"kgen.runtime.{info.name} should be private"


def test_async_twins_have_sync_twins() -> None:
    """The naming rule of ARCHITECTURE.md: ``AsyncX`` next to ``X``, ``async_x`` next to ``x``."""
    names = set(kgen.runtime.__all__)
    for name in names:
        if name.startswith("Async"):
            assert name.removeprefix("Async") in names, f"{name} has no sync twin"
        if name.startswith("async_"):
            assert name.removeprefix("async_") in names, f"{name} has no sync twin"


def test_importing_a_model_name_does_not_load_the_http_stack() -> None:
    code = (
        "import sys\n"
        "from kgen.runtime import ObjectMeta, Struct, IntOrString\n"
        "assert 'httpx' not in sys.modules, 'httpx was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
