"""The README's examples run, in order, as a user would run them, against kgen.testing's API server."""

from __future__ import annotations

import re
from pathlib import Path

from code_examples import fenced_blocks, example_env, run_blocks

from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parent.parent


def section(title: str) -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index(title)
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    first = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first is not None and text.index(first.group(0)) < 40
    install, test = first.group(1).strip().splitlines()
    assert "kgen generate" in install and "pip install" in install
    assert "pytest" in test
    ci = (ROOT / ".ci" / "run").read_text()
    assert test.split("&& ")[-1].strip() in ci, ".ci/run must call the README's test command"


def test_readme_examples_run(tmp_path: Path) -> None:
    examples = fenced_blocks(section("## Use it"))
    assert len(examples) >= 5
    with APIServer.from_package("example_client") as server:
        kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
        run_blocks(examples, tmp_path, example_env(kubeconfig), "README.md")
        # The examples cleaned up after themselves, and the generated client was written.
        assert (tmp_path / "build" / "widgets_client" / "clientset.py").exists()
        from example_client.clientset import Clientset

        from kgen.runtime._config import load_kubeconfig

        with Clientset(load_kubeconfig(kubeconfig)) as cs:
            assert cs.core_v1.configmaps("default").list().items == []
            assert cs.example_kgen_io_v1.widgets("default").list().items == []
