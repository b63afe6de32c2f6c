"""``kgen generate`` settings: ``kgen.toml`` or ``[tool.kgen]`` in ``pyproject.toml``, overridden by flags.

The file's schema (:class:`ConfigFile`) is kept apart from the merged settings (:class:`GenerateConfig`).
Paths in a file are relative to that file's directory; paths given as flags to the working directory.

    [tool.kgen]
    spec = ["api/swagger.json"]      # Swagger 2.0 / OpenAPI 3 files or directories
    crd = ["config/crd"]             # CRD files or directories
    from-cluster = false
    include = ["apps/*", "core/v1"]  # group/version globs; the core group is "core"
    exclude = []
    output = "generated"
    package = "my_client"
"""

from __future__ import annotations

import keyword
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgen.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["ConfigFile", "GenerateConfig", "load_config_file"]

_KEYS = {
    "spec",
    "crd",
    "from-cluster",
    "kubeconfig",
    "context",
    "include",
    "exclude",
    "output",
    "package",
}


@dataclass(slots=True)
class ConfigFile:
    path: Path | None
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def load_config_file(explicit: Path | None = None, cwd: Path | None = None) -> ConfigFile:
    """``explicit``, else the nearest ``kgen.toml`` or ``pyproject.toml`` with ``[tool.kgen]`` in
    ``cwd`` or above it, as black and pytest look for theirs: the search stops at the project root (a
    directory with a ``pyproject.toml`` or ``.git``). Relative paths in the file are relative to it.
    """
    candidates = [explicit] if explicit else _candidates(cwd or Path.cwd())
    for path in candidates:
        if path is None or not path.exists():
            if explicit is not None:
                raise ConfigError(f"{explicit}: no such config file")
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        table = data.get("tool", {}).get("kgen") if path.name == "pyproject.toml" else data
        if table is None:
            if explicit is not None:
                raise ConfigError(f"{path}: has no [tool.kgen] table")
            continue
        if not isinstance(table, Mapping):
            raise ConfigError(f"{path}: [tool.kgen] must be a table")
        unknown = sorted(set(table) - _KEYS)
        if unknown:
            where = "[tool.kgen]" if path.name == "pyproject.toml" else "top level"
            raise ConfigError(f"{path}: {where}: unknown key(s) {', '.join(unknown)}")
        return ConfigFile(path.resolve(), dict(table))
    return ConfigFile(None, {})


def _candidates(start: Path) -> list[Path]:
    found: list[Path] = []
    for directory in [start.resolve(), *start.resolve().parents]:
        found += [directory / "kgen.toml", directory / "pyproject.toml"]
        if (directory / "pyproject.toml").exists() or (directory / ".git").exists():
            break
    return found


@dataclass(slots=True)
class GenerateConfig:
    specs: list[Path] = field(default_factory=list)
    crds: list[Path] = field(default_factory=list)
    from_cluster: bool = False
    kubeconfig: Path | None = None
    context: str | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    output: Path = Path("generated")
    package: str = "kube_client"
    quiet: bool = False
    base: Path = field(default_factory=Path.cwd)
    # Where include/exclude came from, for the error when they select nothing.
    selection: str = "--include/--exclude"

    @classmethod
    def from_sources(cls, file: ConfigFile, flags: Mapping[str, Any]) -> GenerateConfig:
        """Merge the config file with command-line flags (a flag that is set wins)."""
        where = str(file.path) if file.path else "flags"
        values = dict(file.values)
        if flags.get("spec") or flags.get("crd") or flags.get("from_cluster"):
            # Inputs given as flags replace the file's inputs as a whole (not merged with them), and
            # the file's include/exclude, which select among those inputs, go with them.
            for key in ("spec", "crd", "from-cluster", "include", "exclude"):
                values.pop(key, None)
        selection = (
            "--include/--exclude"
            if flags.get("include") or flags.get("exclude")
            else f"include/exclude in {where}"
        )

        def paths(key: str) -> list[Path]:
            if flags.get(key):
                return [Path(p) for p in flags[key]]
            raw = values.get(key, [])
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
                raise ConfigError(f"{where}: {key} must be a path or a list of paths")
            return [file.base / Path(p).expanduser() for p in raw]

        def strings(key: str) -> list[str]:
            if flags.get(key):
                return list(flags[key])
            raw = values.get(key, [])
            if isinstance(raw, str):
                raw = [raw]
            if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
                raise ConfigError(f"{where}: {key} must be a string or a list of strings")
            return list(raw)

        def scalar(key: str, kind: type) -> Any:
            if flags.get(key) is not None:
                return flags[key]
            raw = values.get(key)
            if raw is not None and not isinstance(raw, kind):
                raise ConfigError(f"{where}: {key} must be a {kind.__name__}")
            return raw

        output_flag = flags.get("output")
        output = (
            Path(output_flag)
            if output_flag
            else file.base / Path(str(scalar("output", str) or "generated")).expanduser()
        )
        kubeconfig_flag = flags.get("kubeconfig")
        kubeconfig_file = scalar("kubeconfig", str)
        # Like every path in the file, its kubeconfig is relative to the file.
        kubeconfig = (
            kubeconfig_flag
            if kubeconfig_flag
            else (file.base / Path(kubeconfig_file).expanduser() if kubeconfig_file else None)
        )
        config = cls(
            specs=paths("spec"),
            crds=paths("crd"),
            from_cluster=bool(flags.get("from_cluster") or scalar("from-cluster", bool)),
            kubeconfig=Path(kubeconfig) if kubeconfig else None,
            context=scalar("context", str),
            include=strings("include"),
            exclude=strings("exclude"),
            output=output,
            package=str(scalar("package", str) or "kube_client"),
            quiet=bool(flags.get("quiet")),
            base=file.base,
            selection=selection,
        )
        config.check()
        return config

    def check(self) -> None:
        parts = self.package.split(".")
        if not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            raise ConfigError(f"package {self.package!r} is not a valid Python package name")

    def display_path(self, path: str) -> str:
        """A path as the output may mention it: relative to the config's directory, never absolute (so
        that output does not depend on where the repository is checked out). Documents read from a
        cluster are named by their path on the server, without the server's address."""
        if "://" in path:
            _, _, rest = path.partition("://")
            return "cluster:/" + rest.partition("/")[2]
        candidate = Path(path)
        try:
            return candidate.resolve().relative_to(self.base.resolve()).as_posix()
        except ValueError:
            return candidate.name
