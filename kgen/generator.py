"""The pipeline: inputs -> API model -> rendered files -> black -> written atomically (or compared).

Each stage is a function of the previous stage's output, so each can be tested alone:
:func:`read` (ingest), :func:`build` (API model), :func:`render` (emitters), :func:`format_files` (black),
then :func:`write_package` or :func:`diff_package`.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from kgen.config import GenerateConfig
from kgen.errors import KgenError
from kgen.ingest import Inputs, read_inputs
from kgen.model.build import build_model
from kgen.apimodel.ir import APIModel

__all__ = [
    "Progress",
    "Result",
    "build",
    "diff_package",
    "format_files",
    "generate",
    "read",
    "render",
    "write_package",
    "written_by_kgen",
]


class Progress:
    """Stage messages on stderr, with timings; silent when ``quiet``."""

    def __init__(self, quiet: bool = False, stream: TextIO | None = None) -> None:
        self.quiet = quiet
        self._stream = stream
        self._start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.quiet:
            return
        elapsed = time.perf_counter() - self._start
        print(f"kgen [{elapsed:5.1f}s] {message}", file=self._stream or sys.stderr, flush=True)


@dataclass(slots=True)
class Result:
    files: dict[str, str]
    model: APIModel
    timings: dict[str, float] = field(default_factory=dict)


def read(config: GenerateConfig, progress: Callable[[str], None]) -> Inputs:
    inputs = Inputs()
    if config.specs or config.crds:
        progress(f"reading {len(config.specs)} spec path(s) and {len(config.crds)} CRD path(s)")
        inputs.extend(read_inputs(config.specs, config.crds))
    if config.from_cluster:
        from kgen.ingest.cluster import read_cluster

        progress("reading the OpenAPI documents of the cluster")
        inputs.extend(
            read_cluster(kubeconfig=config.kubeconfig, context=config.context, progress=progress)
        )
    for where, why in inputs.skipped:
        progress(f"skipped {where}: {why}")
    if not inputs.openapi and not inputs.crds and inputs.skipped:
        reasons = "; ".join(f"{where}: {why}" for where, why in inputs.skipped[:3])
        more = f" and {len(inputs.skipped) - 3} more" if len(inputs.skipped) > 3 else ""
        raise KgenError(f"nothing to generate: every input was skipped ({reasons}{more})")
    if not inputs.openapi and not inputs.crds:
        raise KgenError(
            "no inputs: give --spec, --crd or --from-cluster (or set them in [tool.kgen])"
        )
    return inputs


def build(inputs: Inputs, config: GenerateConfig, progress: Callable[[str], None]) -> APIModel:
    model = build_model(inputs, include=config.include, exclude=config.exclude, notice=progress)
    resources = sum(1 for _ in model.resources())
    selected = sum(1 for gv in model.group_versions.values() if gv.included)
    progress(
        f"API model: {selected} group-version(s) selected, {resources} resource(s), "
        f"{len(model.types)} type(s)"
    )
    if selected == 0 and (config.include or config.exclude):
        raise KgenError(f"{config.selection} left no group-version to generate")
    if selected == 0:
        raise KgenError("the inputs define no served group-version: nothing to generate")
    return model


def render(model: APIModel, config: GenerateConfig, sources: list[str]) -> dict[str, str]:
    from kgen.emit.package import render_package

    return render_package(model, config.package, sources)


def generate(config: GenerateConfig, progress: Callable[[str], None] | None = None) -> Result:
    """Everything up to formatted file contents; nothing is written."""
    say = progress or Progress(quiet=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    inputs = read(config, say)
    timings["read"] = time.perf_counter() - start
    mark = time.perf_counter()
    model = build(inputs, config, say)
    timings["build"] = time.perf_counter() - mark
    mark = time.perf_counter()
    say("rendering")
    # Sorted as shown, so that the same inputs named differently (relative, absolute) give the same text.
    files = render(model, config, sorted({config.display_path(f) for f in inputs.files}))
    timings["render"] = time.perf_counter() - mark
    mark = time.perf_counter()
    say(f"formatting {len(files)} file(s) with black")
    files = format_files(files)
    timings["format"] = time.perf_counter() - mark
    return Result(files, model, timings)


# --- formatting --------------------------------------------------------------------------------------


def _black(item: tuple[str, str]) -> tuple[str, str]:
    import black

    path, source = item
    if not path.endswith(".py") or not source:
        return item
    mode = black.Mode(line_length=100, target_versions={black.mode.TargetVersion.PY310})
    try:
        return path, black.format_str(source, mode=mode)
    except Exception as exc:  # black's errors carry the line; the path makes them findable
        raise RuntimeError(
            f"kgen produced Python that black cannot format ({path}): {exc}"
        ) from exc


def format_files(files: Mapping[str, str]) -> dict[str, str]:
    """Black over every ``.py`` file, in parallel when the output is big enough to be worth a pool."""
    items = sorted(files.items())
    total = sum(len(source) for _, source in items)
    workers = min(os.cpu_count() or 1, 4)
    if total < 200_000 or workers < 2:
        return dict(map(_black, items))
    # Biggest files first so that the pool finishes together.
    ordered = sorted(items, key=lambda item: -len(item[1]))
    with ProcessPoolExecutor(workers) as pool:
        return dict(pool.map(_black, ordered, chunksize=1))


# --- writing and comparing ---------------------------------------------------------------------------


def write_package(output: Path, package: str, files: Mapping[str, str]) -> Path:
    """Write ``output/<package path>`` atomically: a complete new tree replaces the old one, or nothing
    changes. Only a package kgen wrote is replaced (:func:`written_by_kgen`); any other existing
    directory, and a path that cannot be written, is a :class:`KgenError` naming it."""
    target = output.joinpath(*package.split("."))
    try:
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            raise KgenError(f"cannot write {target}: it exists and is not a directory")
        if target.is_dir() and not written_by_kgen(target):
            raise KgenError(
                f"cannot write {target}: it exists and kgen did not write it (its __init__.py does "
                "not begin with kgen's header); move it away or choose another --output or --package"
            )
        return _write_tree(target, files)
    except OSError as exc:
        where = exc.filename or target
        raise KgenError(f"cannot write {where}: {exc.strerror or exc}") from exc


def written_by_kgen(directory: Path) -> bool:
    """Whether an existing directory may be replaced by a generated package: it is empty, or it is a
    package kgen wrote (its ``__init__.py`` begins with the header every generated file has)."""
    from kgen.emit.package import MARK

    if not any(directory.iterdir()):
        return True
    init = directory / "__init__.py"
    if init.is_symlink() or not init.is_file():
        return False
    with init.open("rb") as handle:
        return handle.read(len(MARK)) == MARK.encode()


def _write_tree(target: Path, files: Mapping[str, str]) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kgen-new-", dir=target.parent))
    try:
        # mkdtemp makes a private (0700) directory; the package is an ordinary one, as mkdir makes it.
        staging.chmod(0o777 & ~_umask())
        for relative, content in files.items():
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content, encoding="utf-8", newline="\n")
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".kgen-old-", dir=target.parent)) / "old"
            os.replace(target, old)
        try:
            os.replace(staging, target)
        except BaseException:
            if old is not None:  # put the previous package back: nothing changes
                try:
                    os.replace(old, target)
                except OSError as exc:
                    raise KgenError(
                        f"cannot write {target}, and the previous package could not be put back: "
                        f"it is in {old}"
                    ) from exc
                shutil.rmtree(old.parent, ignore_errors=True)
            raise
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _umask() -> int:
    # The only portable way to read the umask is to set it; this runs once per write, single-threaded.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _existing(target: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    if not target.is_dir():
        return found
    for path in sorted(target.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            try:
                found[path.relative_to(target).as_posix()] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                found[path.relative_to(target).as_posix()] = "\0binary"
    return found


def diff_package(output: Path, package: str, files: Mapping[str, str]) -> list[str]:
    """The files that differ between what is on disk and what would be generated (sorted)."""
    target = output.joinpath(*package.split("."))
    existing = _existing(target)
    changes = []
    for relative in sorted(set(existing) | set(files)):
        if relative not in existing:
            changes.append(f"missing: {relative}")
        elif relative not in files:
            changes.append(f"extra:   {relative}")
        elif existing[relative] != files[relative]:
            changes.append(f"changed: {relative}")
    return changes
