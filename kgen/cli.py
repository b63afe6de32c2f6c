"""The ``kgen`` command: ``kgen generate`` and ``kgen verify``; ``kgen apply`` and ``kgen diff``.

Exit codes: 0 success; 1 ``verify`` found stale output; 2 bad input or configuration (one message naming
the file and JSON pointer; nothing written).

``kgen apply -f DIR`` applies manifests to the cluster of the current kubeconfig (server-side apply, in
dependency order; progress on stderr) and ``kgen diff -f DIR`` shows what applying them would change
(a server-side dry run; the diff on stdout). Exit codes: 0 success (``diff``: nothing would change);
1 an object failed (``diff``: something would change); 2 manifests that cannot be read or do not pass
the check (every problem listed with its file, document and field; nothing sent), or a failure of
``diff``.
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
    for name, help_text in (
        ("apply", "server-side apply manifests to the cluster of the kubeconfig"),
        ("diff", "show what applying manifests would change (a server-side dry run)"),
    ):
        sub = commands.add_parser(name, help=help_text)
        parser.get_default("subparsers")[name] = sub
        sub.add_argument(
            "-f",
            "--filename",
            action="append",
            required=True,
            metavar="PATH",
            help="a manifest file or directory, or - for stdin (repeatable)",
        )
        sub.add_argument("-R", "--recursive", action="store_true", help="read subdirectories too")
        sub.add_argument("--kubeconfig", metavar="FILE")
        sub.add_argument("--context", metavar="NAME")
        sub.add_argument("-n", "--namespace", metavar="NS", help="for objects that name none")
        sub.add_argument("--field-manager", default="kgen", metavar="NAME")
        sub.add_argument("--force-conflicts", action="store_true", help="take over fields")
        sub.add_argument(
            "--package", metavar="NAME", help="a generated package: its models and schemas check"
        )
        if name == "apply":
            sub.add_argument("--dry-run", action="store_true", help="a server-side dry run")
            sub.add_argument(
                "--prune",
                action="store_true",
                help="delete objects selected by -l that the manifests no longer hold",
            )
            sub.add_argument("-l", "--selector", metavar="SELECTOR", help="the prune selector")
            sub.add_argument(
                "--prune-kind",
                action="append",
                default=[],
                metavar="RESOURCE",
                help="a resource to prune besides the kinds applied (configmaps, deployments.apps)",
            )
        sub.add_argument("--quiet", "-q", action="store_true", help="no progress messages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # report it with the usage of the subcommand, which is the one that was misused
        args.subparsers[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    if args.command in ("apply", "diff"):
        return _run_manifests(args)
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


def _run_manifests(args: argparse.Namespace) -> int:
    """``kgen apply`` and ``kgen diff``: exit 0, 1 (a failure; diff: changes) or 2 (bad input)."""
    import importlib

    from kgen.runtime import (
        Applier,
        ApplyError,
        ApplyResult,
        KubernetesError,
        ManifestError,
        Transport,
        load_config,
        load_kubeconfig,
        load_manifests,
    )

    def say(text: str) -> None:
        if not args.quiet:
            print(_one_line(text), file=sys.stderr, flush=True)

    def failed(text: str) -> None:
        print(f"kgen {args.command}: error: {text}", file=sys.stderr, flush=True)

    if args.command == "apply" and args.prune and not args.selector:
        args.subparsers[args.command].error("--prune needs a selector (-l)")
    try:
        scheme = None
        if args.package:
            scheme = importlib.import_module(f"{args.package}.scheme").SCHEME
        sources = [sys.stdin if path == "-" else path for path in args.filename]
        manifests = load_manifests(*sources, scheme=scheme, recursive=args.recursive)
        if args.kubeconfig:
            config = load_kubeconfig(args.kubeconfig, context=args.context)
        else:
            config = load_config(context=args.context)
    except ManifestError as exc:
        failed(str(exc))
        return 2
    except (KubernetesError, ImportError, OSError) as exc:
        failed(str(exc))
        return 2

    def progress(result: ApplyResult) -> None:
        (failed if result.error is not None else say)(str(result))

    transport = Transport(config, package=args.package)
    try:
        applier = Applier(
            transport,
            field_manager=args.field_manager,
            namespace=args.namespace or config.namespace,
            package=args.package,
            progress=progress,
        )
        if args.command == "diff":
            results = applier.diff(manifests, force=args.force_conflicts)
            changed = [r for r in results if r.diff]
            for result in changed:
                sys.stdout.write(result.diff if result.diff.endswith("\n") else result.diff + "\n")
            say(f"{len(changed)} of {len(results)} object(s) would change")
            return 1 if changed else 0
        results = applier.apply(
            manifests,
            force=args.force_conflicts,
            dry_run=args.dry_run,
            prune=args.selector if args.prune else None,
            prune_kinds=args.prune_kind,
        )
        say(f"applied {len(results)} object(s)" + (" (server dry run)" if args.dry_run else ""))
        return 0
    except ManifestError as exc:
        failed(str(exc))
        return 2
    except ApplyError as exc:
        failed(f"{len(exc.failures)} of {len(exc.results)} object(s) failed")
        return 2 if args.command == "diff" else 1
    except KubernetesError as exc:
        failed(str(exc))
        return 2 if args.command == "diff" else 1
    finally:
        transport.close()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
