"""Generated clients are declarations: the verb mixins a resource has and typed one-line methods for its
subresources with payloads of their own; behaviour lives in kgen.runtime, and is documented there.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "generated" / "example_client"


def _defs(tree: ast.AST) -> list[ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef]:
    kinds = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return [node for node in ast.walk(tree) if isinstance(node, kinds)]


def test_every_generated_class_and_method_has_a_docstring() -> None:
    missing = [
        f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for node in _defs(ast.parse(path.read_text()))
        if ast.get_docstring(node) is None
    ]
    assert missing == []


def test_client_modules_hold_classes_of_one_line_methods() -> None:
    modules = sorted((PACKAGE / "clients").glob("*_v*.py"))
    assert modules
    for path in modules:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.If):
                _assert_lazy_async_import(path, node)
                continue
            # Imports, the docstring, __all__ and classes: no helper functions, no logic.
            assert isinstance(
                node, (ast.ImportFrom, ast.Import, ast.Expr, ast.Assign, ast.ClassDef)
            ), f"{path.name}:{node.lineno}"
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            for method in cls.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                statements = method.body[1:]  # after the docstring
                assert len(statements) == 1 and isinstance(
                    statements[0], ast.Return
                ), f"{path.name}: {cls.name}.{method.name} is more than a delegation"


def _assert_lazy_async_import(path: Path, node: ast.If) -> None:
    """The one statement of a client module besides declarations: its async twins, imported from
    ``_async_<module>`` on first use (and for type checkers)."""
    assert not path.name.startswith("_async_"), f"{path.name}:{node.lineno}"
    assert ast.unparse(node.test) == "TYPE_CHECKING", f"{path.name}:{node.lineno}"
    [imported] = node.body
    assert isinstance(imported, ast.ImportFrom) and imported.module == f"_async_{path.stem}"
    assert all(alias.name.startswith("Async") for alias in imported.names)
    # The loading itself is the runtime's (lazy_getattr): one assignment, no function of its own.
    [assigned] = node.orelse
    assert isinstance(assigned, ast.Assign) and isinstance(assigned.value, ast.Call)
    assert [ast.unparse(t) for t in assigned.targets] == ["__getattr__"]
    assert ast.unparse(assigned.value.func) == "lazy_getattr"


def test_async_clients_are_imported_on_first_use() -> None:
    """A sync program loads no async module; every exported name still resolves."""
    code = """
import sys
from example_client.clientset import Clientset
from example_client.clients.core_v1 import CoreV1, PodClient
assert not [name for name in sys.modules if "_async" in name], sorted(sys.modules)
from example_client.clientset import AsyncClientset
from example_client.clients.core_v1 import AsyncCoreV1, AsyncPodClient
from example_client.clients._async_core_v1 import AsyncCoreV1 as Direct
assert AsyncCoreV1 is Direct and AsyncPodClient.__name__ == "AsyncPodClient"
assert AsyncClientset.__name__ == "AsyncClientset"
import example_client.clientset as clientset
import example_client.clients.core_v1 as module
for mod in (module, clientset):
    for name in mod.__all__:
        getattr(mod, name)
try:
    module.AsyncNothing
except AttributeError:
    pass
else:
    raise SystemExit("AsyncNothing resolved")
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr


def test_the_log_subresource_is_the_runtimes() -> None:
    source = (PACKAGE / "clients" / "core_v1.py").read_text()
    assert "LogSubresource[Pod, PodList]" in source and "_log_params" not in source
    assert "def log(" not in source


def test_the_fake_clientsets_declare_their_package_and_nothing_else() -> None:
    tree = ast.parse((PACKAGE / "fake.py").read_text())
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["FakeClientset", "AsyncFakeClientset"]
    for cls in classes:
        assert not [node for node in cls.body if isinstance(node, ast.FunctionDef)]
