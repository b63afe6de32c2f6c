"""The documentation site (docs/, mkdocs.yml): every page's code examples run, in order, as a user
would run them, against kgen.testing's API server (tests/code_examples.py says how each block runs);
every page is in the navigation; the API reference names every public name of kgen.runtime once.

The site itself is built with warnings as errors by ``nox -s docs`` and .ci/run (mkdocs is not a test
dependency)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml
from code_examples import example_env, fenced_blocks, run_blocks

import kgen.runtime
from kgen.testing import APIServer

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md"))


def nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def mkdocs_config() -> dict[str, object]:
    # mkdocs.yml may hold !!python tags (none today); the navigation is plain YAML.
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text())
    assert isinstance(config, dict)
    return config


def test_every_page_is_in_the_navigation_once() -> None:
    nav = nav_pages(mkdocs_config()["nav"])
    assert sorted(nav) == PAGES, "docs/ and mkdocs.yml's nav disagree"


@pytest.mark.parametrize("page", PAGES)
def test_page_examples_run(page: str, tmp_path: Path) -> None:
    blocks = fenced_blocks((DOCS / page).read_text())
    with APIServer.from_package("example_client") as server:
        kubeconfig = server.kubeconfig(tmp_path / "kubeconfig")
        run_blocks(blocks, tmp_path, example_env(kubeconfig), f"docs/{page}")


def test_the_reference_names_every_public_name_of_the_runtime_once() -> None:
    named: list[str] = []
    for page in sorted((DOCS / "reference").glob("runtime-*.md")):
        named += re.findall(r"^::: kgen\.runtime\.(\w+)$", page.read_text(), re.M)
    duplicates = sorted({name for name in named if named.count(name) > 1})
    assert duplicates == [], f"named on two reference pages: {duplicates}"
    missing = sorted(set(kgen.runtime.__all__) - set(named))
    assert missing == [], f"add these to a page of docs/reference/runtime-*.md: {missing}"
    assert sorted(set(named) - set(kgen.runtime.__all__)) == []


def test_the_readme_links_to_the_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "docs/index.md" in readme and "nox -s docs" in readme


def bench_plots():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "bench_plots", ROOT / "scripts" / "bench_plots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_page_is_drawn_from_the_committed_results() -> None:
    """The tables of docs/benchmarks.md and its SVG figures are scripts/bench_plots.py's output for
    docs/benchmarks/results.json, a file `python -m benchmarks` wrote (it records what produced it).
    """
    plots = bench_plots()
    results_path = DOCS / "benchmarks" / "results.json"
    results = json.loads(results_path.read_text())
    assert {"command", "date", "python", "cpus", "platform", "versions"} <= set(
        results["environment"]
    )
    page = (DOCS / "benchmarks.md").read_text()
    assert plots.update_page(results, page) == page, "run: python scripts/bench_plots.py"
    drawn = sorted(path.name for path in (DOCS / "benchmarks").glob("*.svg"))
    assert drawn == sorted(plots.figures(results)) != []
    for name in drawn:
        svg = (DOCS / "benchmarks" / name).read_text()
        assert plots.stamp(results_path) in svg, f"{name} was drawn from other results"
        assert f"(benchmarks/{name})" in page
    # Side by side with the peers: each figure shows kgen and at least one other client.
    assert "kgen" in plots.tables(results)
    peers = {"orjson", "lightkube", "kubernetes", "kopf"}
    assert peers & set(re.findall(r"^\| (\w+) \|", plots.tables(results), re.M))
