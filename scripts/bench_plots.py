"""The benchmark page's figures and tables, from a results file of ``python -m benchmarks``.

    python -m benchmarks decode controllers            # writes .bench/results.json
    pip install matplotlib && python scripts/bench_plots.py .bench/results.json

Copies the file given to docs/benchmarks/results.json (the committed results; without an argument
that file is read as it is) and writes, for the groups it holds that have
peers to compare with, one SVG each to docs/benchmarks/ and the tables of docs/benchmarks.md between
its ``<!-- results -->`` and ``<!-- /results -->`` markers. Nothing is typed in by hand: each SVG
records the SHA-256 of the results file it was drawn from, and tests/test_docs.py checks the figures
and tables against the committed results (without matplotlib, which only drawing needs).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks" / "results.json"
FIGURES = ROOT / "docs" / "benchmarks"
PAGE = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- results -->", "<!-- /results -->"
KGEN_COLOR, PEER_COLOR = "#326ce5", "#9aa5b1"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _ok(rows: dict[str, Any], *keys: str) -> dict[str, dict[str, Any]]:
    """The implementations of a group that measured every one of ``keys`` (not the errors)."""
    return {
        impl: row
        for impl, row in rows.items()
        if isinstance(row, dict) and all(key in row for key in keys)
    }


# --- tables -------------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _errors(rows: dict[str, Any]) -> str:
    failed = [
        f"{impl}: {row['error']}"
        for impl, row in rows.items()
        if isinstance(row, dict) and "error" in row
    ]
    return ("\n\nNot measured: " + "; ".join(failed) + ".") if failed else ""


def _image(name: str, alt: str) -> str:
    return f"![{alt}](benchmarks/{name})\n\n"


def tables(results: dict[str, Any]) -> str:
    """The Markdown of the page between its markers: the run's environment, then a table per group."""
    env = results["environment"]
    versions = ", ".join(f"{name} {version}" for name, version in sorted(env["versions"].items()))
    parts = [
        f"Produced by `{env['command']}` on {env['date']}: Python {env['python']}, {env['cpus']} CPUs"
        f" ({env['processor']}), {env['platform']}; {versions}."
    ]
    decode = results.get("decode_10k_pods")
    if decode:
        rows = _ok(decode, "median_s", "bytes_per_pod")
        base = rows.get("orjson")
        parts.append(
            "### Decoding a 10,000-pod PodList\n\nMedian of 7, gc on; memory retained per decoded pod.\n\n"
            + _image("decode.svg", "Decode time and memory per pod")
            + _table(
                ["decoder", "median s", "× orjson", "KB per pod", "× orjson's dicts"],
                [
                    [
                        impl,
                        f"{row['median_s']:.3f}",
                        f"{row['median_s'] / base['median_s']:.2f}" if base else "",
                        f"{row['bytes_per_pod'] / 1024:.1f}",
                        f"{row['bytes_per_pod'] / base['bytes_per_pod']:.2f}" if base else "",
                    ]
                    for impl, row in rows.items()
                ],
            )
            + _errors(decode)
        )
    first = results.get("first_call")
    if first:
        rows = _ok(first, "median_s")
        parts.append(
            "### Import a client and list pods once (a fresh process)\n\n"
            f"Median of {first.get('summary', {}).get('runs', 5)}; httpx is the floor (httpx "
            "imported and one GET of the same list).\n\n"
            + _image("first_call.svg", "Import and first list")
            + _table(
                ["client", "median ms"],
                [[impl, f"{row['median_s'] * 1000:.1f}"] for impl, row in rows.items()],
            )
            + _errors(first)
        )
    watch = results.get("informer", {}).get("watch")
    if watch:
        rows = _ok(watch, "median_s", "events")
        parts.append(
            "### Watch events decoded to typed objects\n\n10,000 pod events from one stream, median"
            " of 3.\n\n"
            + _image("watch.svg", "Watch events per second")
            + _table(
                ["client", "events/s"],
                [[impl, f"{row['events'] / row['median_s']:,.0f}"] for impl, row in rows.items()],
            )
            + _errors(watch)
        )
    controllers = results.get("controllers")
    if controllers:
        rows = _ok(controllers, "converge_s", "cpu_s", "peak_rss_mb")
        parts.append(
            f"### Controllers: {controllers['objects']:,} Widgets reconciled\n\nEach Widget"
            " reconciled to a Ready condition and an owned ConfigMap, against kgen.testing, each"
            " controller in its own process.\n\n"
            + _image("controllers.svg", "Controllers: time, CPU and memory")
            + _table(
                [
                    "controller",
                    "converge s",
                    "creates s",
                    "CPU s",
                    "CPU after ready s",
                    "peak RSS MB",
                ],
                [
                    [
                        impl,
                        f"{row['converge_s']:.1f}",
                        f"{row['create_s']:.1f}",
                        f"{row['cpu_s']:.1f}",
                        f"{row['cpu_after_ready_s']:.1f}",
                        f"{row['peak_rss_mb']:.0f}",
                    ]
                    for impl, row in rows.items()
                ],
            )
            + _errors({k: v for k, v in controllers.items() if k != "objects"})
        )
    kgen_only = [
        group for group in ("generate_v1_36", "import", "server", "schema") if group in results
    ]
    if kgen_only:
        parts.append(
            "kgen's own figures (no peer to compare with) are in the results file: "
            + ", ".join(f"`{group}`" for group in kgen_only)
            + "."
        )
    return "\n\n".join(parts)


def update_page(results: dict[str, Any], page: str) -> str:
    start, end = page.index(BEGIN) + len(BEGIN), page.index(END)
    return page[:start] + "\n" + tables(results) + "\n" + page[end:]


# --- figures ------------------------------------------------------------------------------------------


def _bars(ax: Any, rows: dict[str, float], title: str, unit: str, fmt: str) -> None:
    names = list(rows)
    values = [rows[name] for name in names]
    colors = [KGEN_COLOR if name == "kgen" else PEER_COLOR for name in names]
    bars = ax.barh(names, values, color=colors)
    ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=3, fontsize=9)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(unit, fontsize=9)
    ax.margins(x=0.25)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _decode(results: dict[str, Any], plt: Any) -> Any:
    rows = _ok(results["decode_10k_pods"], "median_s", "bytes_per_pod")
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 2.6))
    _bars(
        left,
        {k: v["median_s"] for k, v in rows.items()},
        "Decode 10,000 pods",
        "seconds (lower is better)",
        "{:.2f} s",
    )
    _bars(
        right,
        {k: v["bytes_per_pod"] / 1024 for k, v in rows.items()},
        "Memory per decoded pod",
        "KB (lower is better)",
        "{:.1f} KB",
    )
    return fig


def _first_call(results: dict[str, Any], plt: Any) -> Any:
    rows = _ok(results["first_call"], "median_s")
    fig, ax = plt.subplots(figsize=(6, 2.2))
    _bars(
        ax,
        {k: v["median_s"] * 1000 for k, v in rows.items()},
        "Import a client and list pods once",
        "milliseconds (lower is better)",
        "{:.0f} ms",
    )
    return fig


def _watch(results: dict[str, Any], plt: Any) -> Any:
    rows = _ok(results["informer"]["watch"], "median_s", "events")
    fig, ax = plt.subplots(figsize=(6, 2.2))
    _bars(
        ax,
        {k: v["events"] / v["median_s"] for k, v in rows.items()},
        "Watch events decoded",
        "events per second (higher is better)",
        "{:,.0f}/s",
    )
    return fig


def _controllers(results: dict[str, Any], plt: Any) -> Any:
    rows = _ok(results["controllers"], "converge_s", "cpu_s", "peak_rss_mb")
    fig, axes = plt.subplots(1, 3, figsize=(11, 2.0))
    _bars(
        axes[0],
        {k: v["converge_s"] for k, v in rows.items()},
        "Time to converge",
        "seconds (lower is better)",
        "{:.1f} s",
    )
    _bars(
        axes[1],
        {k: v["cpu_s"] for k, v in rows.items()},
        "CPU time",
        "seconds (lower is better)",
        "{:.1f} s",
    )
    _bars(
        axes[2],
        {k: v["peak_rss_mb"] for k, v in rows.items()},
        "Peak memory (RSS)",
        "MB (lower is better)",
        "{:.0f} MB",
    )
    return fig


#: figure file -> (the results group it needs, how to draw it)
FIGURES_OF: dict[
    str, tuple[Callable[[dict[str, Any]], bool], Callable[[dict[str, Any], Any], Any]]
] = {
    "decode.svg": (lambda r: bool(r.get("decode_10k_pods")), _decode),
    "first_call.svg": (lambda r: bool(r.get("first_call")), _first_call),
    "watch.svg": (lambda r: bool(r.get("informer", {}).get("watch")), _watch),
    "controllers.svg": (lambda r: bool(r.get("controllers")), _controllers),
}


def figures(results: dict[str, Any]) -> list[str]:
    """The figure files the results have data for."""
    return [name for name, (has, _) in FIGURES_OF.items() if has(results)]


def stamp(results_path: Path) -> str:
    return f"drawn by scripts/bench_plots.py from results.json sha256:{digest(results_path)}"


def draw(results_path: Path, out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "kgen-benchmarks"  # the same bytes for the same results
    plt.rcParams["svg.fonttype"] = "none"  # text stays text
    results = json.loads(results_path.read_text())
    written = []
    for name in figures(results):
        fig = FIGURES_OF[name][1](results, plt)
        fig.tight_layout()
        path = out / name
        fig.savefig(path, format="svg", metadata={"Date": None, "Description": stamp(results_path)})
        plt.close(fig)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    if argv and Path(argv[0]).resolve() != RESULTS.resolve():
        shutil.copyfile(argv[0], RESULTS)
    results = json.loads(RESULTS.read_text())
    for path in draw(RESULTS, FIGURES):
        print(f"wrote {path.relative_to(ROOT)}")
    PAGE.write_text(update_page(results, PAGE.read_text()))
    print(f"updated {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
