"""The ``kgen`` command: ``kgen generate`` and ``kgen verify``.

Exit codes: 0 success; 1 ``verify`` found stale output; 2 bad input or configuration (one message naming
the file and JSON pointer; nothing written).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kgen import __version__
from kgen.errors import KgenError

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kgen", description="Generate typed Kubernetes client packages from OpenAPI and CRDs."
    )
    parser.add_argument("--version", action="version", version=f"kgen {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    parser.set_defaults(subparsers={})
    for name, help_text in (
        ("generate", "write the package"),
        ("verify", "exit 1, listing the files, if the written package is not up to date"),
    ):
        sub = commands.add_parser(name, help=help_text)
        parser.get_default("subparsers")[name] = sub
        sub.add_argument("--config", type=Path, help="a kgen.toml or pyproject.toml to read")
        sub.add_argument(
            "--spec",
            action="append",
            metavar="PATH",
            help="Swagger 2.0 or OpenAPI 3 file, or a directory of them (repeatable)",
        )
        sub.add_argument(
            "--crd", action="append", metavar="PATH", help="CRD file or directory (repeatable)"
        )
        sub.add_argument(
            "--from-cluster",
            action="store_true",
            default=None,
            help="read /openapi/v3 (or /openapi/v2) of the cluster of the kubeconfig",
        )
        sub.add_argument("--kubeconfig", metavar="FILE")
        sub.add_argument("--context", metavar="NAME")
        sub.add_argument(
            "--include", action="append", metavar="GLOB", help="group/version glob, e.g. apps/*"
        )
        sub.add_argument("--exclude", action="append", metavar="GLOB")
        sub.add_argument("--output", metavar="DIR", help="the package goes to DIR/<package>")
        sub.add_argument("--package", metavar="NAME")
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # report it with the usage of the subcommand, which is the one that was misused
        args.subparsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return _run(args)
    except KgenError as exc:
        # One line, whatever it quotes: a file name that is not UTF-8, a value with a line break.
        message = str(exc).encode("utf-8", "backslashreplace").decode("utf-8")
        print(f"kgen: error: {_one_line(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("kgen: interrupted; nothing was written", file=sys.stderr)
        return 130


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def _run(args: argparse.Namespace) -> int:
    try:
        from kgen import generator
        from kgen.config import GenerateConfig, load_config_file
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise KgenError(
            f"the generator needs its extras ({exc.name} is missing): pip install 'kgen[generator]'"
        ) from exc
    file = load_config_file(args.config)
    flags = {
        "spec": args.spec,
        "crd": args.crd,
        "from_cluster": args.from_cluster,
        "kubeconfig": args.kubeconfig,
        "context": args.context,
        "include": args.include,
        "exclude": args.exclude,
        "output": args.output,
        "package": args.package,
        "quiet": args.quiet,
    }
    config = GenerateConfig.from_sources(file, flags)
    progress = generator.Progress(quiet=config.quiet)
    if file.path is not None:
        progress(f"config: {file.path}")
    result = generator.generate(config, progress)
    if args.command == "verify":
        changes = generator.diff_package(config.output, config.package, result.files)
        if changes:
            print(
                f"kgen verify: {config.output / config.package.replace('.', '/')} is stale "
                f"({len(changes)} file(s)); run `kgen generate`:",
                file=sys.stderr,
            )
            for change in changes:
                print(f"  {change}", file=sys.stderr)
            return 1
        progress(f"up to date: {len(result.files)} file(s)")
        return 0
    target = generator.write_package(config.output, config.package, result.files)
    progress(f"wrote {len(result.files)} file(s) to {target}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
