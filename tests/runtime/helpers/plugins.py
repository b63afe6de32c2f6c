"""Installs helpers/exec_plugin.py as a real executable and reads back what its runs saw."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SOURCE = Path(__file__).with_name("exec_plugin.py")


@dataclass
class Plugin:
    path: Path  # the executable
    log: Path  # one JSON line per run

    def runs(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]

    @property
    def run_count(self) -> int:
        return len(self.runs())


def install_plugin(directory: Path, name: str = "kgen-test-plugin") -> Plugin:
    """Write the plugin into ``directory`` with a ``#!`` line for this interpreter, mode 0755."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(f"#!{sys.executable}\n" + _SOURCE.read_text())
    path.chmod(0o755)
    return Plugin(path=path, log=directory / f"{name}.log")


def plugin_env(plugin: Plugin, **values: str) -> tuple[tuple[str, str], ...]:
    """The ExecConfig.env pairs that point the plugin at its log and set PLUGIN_* variables."""
    pairs = {"PLUGIN_LOG": str(plugin.log)}
    pairs.update({f"PLUGIN_{key.upper()}": value for key, value in values.items()})
    return tuple(pairs.items())


def wait_for_runs(plugin: Plugin, count: int, *, timeout: float = 30.0) -> None:
    """Block until the plugin has started ``count`` runs (polls; never asserts on timing)."""
    deadline = time.monotonic() + timeout
    while plugin.run_count < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"the plugin did not start {count} run(s)")
        time.sleep(0.005)


def open_gate(gate: Path) -> None:
    gate.write_text("open")
