"""Running the code examples of a Markdown page (the README, the pages of docs/) as a user would.

The examples of one page run in order, in one working directory, against one kgen.testing API server
whose kubeconfig is ``KUBECONFIG``, with the committed example package (``generated/``) on the path.
Fenced blocks, by their info string:

- ``python``: run as a program (``python -c``);
- ``python title="NAME"`` (and ``yaml``/``toml``/``json`` with a title): written to ``NAME`` in the
  working directory, for the commands after it (a test file that ``pytest`` runs, a CRD file that
  ``kgen generate --crd`` reads); not run by itself;
- ``sh``: each line a command (``#`` starts a comment): ``kgen ...``, ``python ...`` and
  ``pytest ...`` run with this interpreter, anything else is refused;
- ``yaml``, ``toml``, ``json`` without a title: data shown on the page, checked to parse;
- ``shell``: installation commands, which must be lines of the README's opening block (the commands
  CI runs, ``tests/test_readme.py``);
- ``text``: output and other prose in a box, not checked.

Any other language fails, so that an example cannot be left out by a spelling.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.S | re.M)
TITLE = re.compile(r'title="([^"]+)"')
DATA = {"yaml", "toml", "json"}
LANGUAGES = {"python", "sh", "shell", "text"} | DATA


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    title: str | None = None


def fenced_blocks(text: str) -> list[Block]:
    """The fenced code blocks of ``text`` in order (blocks must start at the margin)."""
    blocks = []
    for language, info, code in FENCE.findall(text):
        title = TITLE.search(info)
        blocks.append(Block(language, code, title.group(1) if title else None))
    return blocks


def example_env(kubeconfig: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KUBECONFIG": str(kubeconfig),
        "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)]),
    }


def _command(line: str) -> list[str]:
    words = shlex.split(line, comments=True)
    if words[0] == "kgen":
        return [sys.executable, "-m", "kgen.cli", *words[1:]]
    if words[0] == "python":
        return [sys.executable, *words[1:]]
    if words[0] == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *words[1:]]
    raise AssertionError(f"an example runs only kgen, python and pytest, not: {line}")


def run_blocks(blocks: list[Block], cwd: Path, env: dict[str, str], where: str) -> None:
    """Run ``blocks`` in order in ``cwd``; the first failure fails the test, with its output."""
    for block in blocks:
        assert block.language in LANGUAGES, f"{where}: a ```{block.language} block is never run"
        if block.title is not None:
            assert block.language != "text", f"{where}: a text block has no file to be"
            (cwd / block.title).parent.mkdir(parents=True, exist_ok=True)
            (cwd / block.title).write_text(block.code)
            continue
        if block.language == "yaml":
            list(yaml.safe_load_all(block.code))
        elif block.language == "toml":
            tomllib.loads(block.code)
        elif block.language == "json":
            json.loads(block.code)
        elif block.language == "shell":
            opening = fenced_blocks((ROOT / "README.md").read_text())[0].code.splitlines()
            for line in block.code.strip().splitlines():
                assert line in opening, f"{where}: not a command of the README's opening: {line}"
        elif block.language == "python":
            _run(where, block.code, [sys.executable, "-c", block.code], cwd, env)
        elif block.language == "sh":
            for line in block.code.splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    _run(where, line, _command(line), cwd, env)


def _run(where: str, code: str, command: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert (
        result.returncode == 0
    ), f"{where}: example failed:\n{code}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
