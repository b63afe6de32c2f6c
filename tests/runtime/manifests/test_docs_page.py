"""docs/manifests.md's examples run, in order, as a user would run them, against kgen.testing: files it
names (``<!-- file: PATH -->`` before a block) are written, Python blocks run as programs, and ``sh``
blocks as ``kgen`` commands, each of which must succeed."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "manifests.md"
BLOCK = re.compile(
    r"(?:<!-- file: (?P<file>\S+) -->\n)?```(?P<language>\w+)\n(?P<code>.*?)```", re.S
)


def test_the_manifests_page_examples_run(tmp_path: Path) -> None:
    blocks = list(BLOCK.finditer(PAGE.read_text()))
    assert sum(1 for b in blocks if b["language"] == "python") >= 7
    with APIServer.from_package("example_client") as server:
        env = {
            **os.environ,
            "KUBECONFIG": str(server.kubeconfig(tmp_path / "kubeconfig")),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "generated"), str(ROOT)]),
        }
        ran = 0
        for block in blocks:
            code = block["code"]
            if block["file"]:
                target = tmp_path / block["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(code)
                continue
            if block["language"] == "python":
                commands = [[sys.executable, "-c", code]]
            elif block["language"] == "sh":
                commands = []
                for line in code.strip().splitlines():
                    command = shlex.split(line)
                    assert command[0] == "kgen"
                    commands.append([sys.executable, "-m", "kgen.cli", *command[1:]])
            else:
                continue
            for command in commands:
                result = subprocess.run(
                    command, cwd=tmp_path, env=env, capture_output=True, text=True
                )
                assert result.returncode == 0, f"example failed:\n{code}\n{result.stderr}"
                ran += 1
        assert ran >= 9
