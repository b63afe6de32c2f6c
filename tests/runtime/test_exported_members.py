"""kgen.runtime's front door: one sorted ``__all__``, every name importable, the modules behind it private.

As httpx's tests/test_exported_members.py: the public surface is what ``__all__`` says, nothing leaks in
by accident, and the lazy table, the type checker's imports and ``__all__`` agree.
"""

from __future__ import annotations

import ast
import os
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


# What a first typed call needs, and no more: the connect subresources' streams (WebSocket framing,
# port-forward's sockets, asyncio), the exec plugin, discovery, the dynamic client and selectors are
# imported when first used (issue 16, goal 4: a program's first call in a few tens of milliseconds).
NOT_FOR_A_FIRST_CALL = (
    "asyncio",
    "subprocess",
    "kgen.runtime._execplugin",
    "kgen.runtime._wsframes",
    "kgen.runtime._async.streams",
    "kgen.runtime._sync.streams",
    "kgen.runtime._async.streamio",
    "kgen.runtime._sync.streamio",
    "kgen.runtime._async.websocket",
    "kgen.runtime._sync.websocket",
    "kgen.runtime._async.portforward",
    "kgen.runtime._sync.portforward",
    "kgen.runtime._async.discovery",
    "kgen.runtime._sync.discovery",
    "kgen.runtime._async.dynamic",
    "kgen.runtime._sync.dynamic",
    "kgen.runtime._discovery_types",
    # Selectors (and the label parser and name validation behind them): with the first selector.
    "kgen.runtime._selectors",
    "kgen.runtime._labels",
    "kgen.runtime._validation",
    "kgen.runtime._violation",
)


@pytest.fixture
def kgen_apiserver_options() -> dict[str, Any]:
    return {"package": "example_client"}


def test_a_first_typed_call_loads_only_what_it_uses(kube_kubeconfig: Path) -> None:
    """A fresh process lists pods with the generated client whose pods have exec, attach and
    port-forward: the modules behind those are not loaded, and neither are the stream modules of the
    sync client (whose async twins share the generated module)."""
    code = (
        "import sys\n"
        "from example_client.clientset import Clientset\n"
        "from kgen.runtime import load_kubeconfig\n"
        f"with Clientset(load_kubeconfig({str(kube_kubeconfig)!r})) as cs:\n"
        "    assert cs.core_v1.pods('default').list().items == []\n"
        "    cs.core_v1.pods('default').exec_session  # the method is there, its module is not\n"
        f"loaded = sorted(set({NOT_FOR_A_FIRST_CALL!r}) & set(sys.modules))\n"
        "assert not loaded, loaded\n"
    )
    generated = str(Path(__file__).resolve().parents[2] / "generated")
    env = {**os.environ, "PYTHONPATH": generated}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_a_connect_method_imports_its_streams_on_first_use(kube_kubeconfig: Path) -> None:
    """The other side of the laziness: the first port-forward, proxy call or selector imports what
    it needs, and works."""
    code = (
        "import sys\n"
        "from example_client.clientset import Clientset\n"
        "from kgen.runtime import APIError, load_kubeconfig\n"
        f"with Clientset(load_kubeconfig({str(kube_kubeconfig)!r})) as cs:\n"
        "    pods = cs.core_v1.pods('default')\n"
        "    forward = pods.port_forward('nothing-here', [80])\n"
        "    assert 'kgen.runtime._sync.portforward' in sys.modules\n"
        "    assert type(forward).__name__ == 'PortForward'\n"
        "    try:\n"
        "        pods.proxy('nothing-here', '/')\n"
        "    except APIError:\n"
        "        pass\n"
        "    assert 'kgen.runtime._sync.streams' in sys.modules\n"
        "    assert pods.list(label_selector={'app': 'x'}, field_selector='metadata.name=x').items == []\n"
        "    assert 'kgen.runtime._selectors' in sys.modules\n"
    )
    generated = str(Path(__file__).resolve().parents[2] / "generated")
    env = {**os.environ, "PYTHONPATH": generated}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_httpx_is_imported_without_its_command_line_client() -> None:
    """kgen keeps httpx's CLI (click, rich, pygments where installed) out of ``import httpx``, and
    leaves ``import httpx._main`` working afterwards, as it works without kgen."""
    run = [sys.executable, "-c"]
    code = (
        "import sys, kgen.runtime, httpx\n"
        "assert 'httpx._main' not in sys.modules, 'the CLI was loaded'\n"
        "import httpx._main\n"
    )
    alone = subprocess.run([*run, "import httpx._main"], capture_output=True, text=True)
    with_kgen = subprocess.run([*run, code], capture_output=True, text=True)
    assert "the CLI was loaded" not in with_kgen.stderr
    assert with_kgen.returncode == alone.returncode, (with_kgen.stderr, alone.stderr)
