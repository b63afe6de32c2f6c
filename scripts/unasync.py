"""Generate kgen/runtime/_sync/ from kgen/runtime/_async/ (the async code is the one source of truth).

    python scripts/unasync.py          # rewrite the sync twins
    python scripts/unasync.py --check  # exit 1, showing the differences, if they are not up to date

Word-bounded rules, applied line by line in order; ``--check`` also fails if a rule was never used (a rule
nobody needs is a rule that hides a mistake). ``primitives.py`` (and ``streamio.py`` and ``netio.py``:
threads where the async side has tasks, sockets where it has asyncio streams) is hand-written on both
sides: it holds the few things that really differ (sleeping, locks).
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (async source, sync target): the runtime, and the client tests (written once, run against both twins).
TREES = [
    (ROOT / "kgen" / "runtime" / "_async", ROOT / "kgen" / "runtime" / "_sync"),
    (
        ROOT / "tests" / "runtime" / "clients" / "_async",
        ROOT / "tests" / "runtime" / "clients" / "_sync",
    ),
]
HAND_WRITTEN = {"primitives.py", "streamio.py", "netio.py", "__init__.py"}

SUBS = [
    (r"\basync def\b", "def"),
    (r"\basync for\b", "for"),
    (r"\basync with\b", "with"),
    (r"\bawait ", ""),
    (r"\b_async\b", "_sync"),
    (r"\basynccontextmanager\b", "contextmanager"),
    (r"\bAsyncExitStack\b", "ExitStack"),
    (r"\benter_async_context\b", "enter_context"),
    (r"\bAsyncIterator\b", "Iterator"),
    (r"\bAwaitable\[(\w+(?:\[[^\]]*\])?)\]", r"\1"),
    # ... and the import that only those annotations used.
    (r"^(from collections\.abc import .*)\bAwaitable, ", r"\1"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\baread\b", "read"),
    (r"\baiter_lines\b", "iter_lines"),
    (r"\baiter_bytes\b", "iter_bytes"),
    (r"\basync_get\b", "get"),
    (r"\basync_wait_for\b", "wait_for"),
    (r"\basleep\b", "sleep"),
    (r"\bAsyncLock\b", "Lock"),
    (r"\bhttpx\.AsyncClient\b", "httpx.Client"),
    (r"\bhttpx\.AsyncByteStream\b", "httpx.SyncByteStream"),
    (r"\bhandle_async_request\b", "handle_request"),
    (r"\bAsync([A-Z]\w*)", r"\1"),
]
COMPILED = [(re.compile(pattern), replacement) for pattern, replacement in SUBS]

HEADER = "# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.\n"


def unasync_text(text: str, used: set[int]) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        for index, (pattern, replacement) in enumerate(COMPILED):
            line, count = pattern.subn(replacement, line)
            if count:
                used.add(index)
        out.append(line)
    return _black(HEADER + "".join(out))


def _black(text: str) -> str:
    # Dropping "await " and "async " shortens lines: format the twin as the source is formatted.
    import black

    return black.format_str(
        text, mode=black.Mode(line_length=100, target_versions={black.TargetVersion.PY310})
    )


def expected() -> tuple[dict[Path, str], set[int]]:
    used: set[int] = set()
    files = {}
    for source_dir, target_dir in TREES:
        for source in sorted(source_dir.glob("*.py")):
            if source.name in HAND_WRITTEN:
                continue
            files[target_dir / source.name] = unasync_text(source.read_text(encoding="utf-8"), used)
    return files, used


def main(argv: list[str]) -> int:
    check = "--check" in argv
    files, used = expected()
    unused = [SUBS[i][0] for i in range(len(SUBS)) if i not in used]
    stale = []
    for path, text in files.items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            stale.append(path)
            if check:
                diff = difflib.unified_diff(
                    current.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{path} (on disk)",
                    tofile=f"{path} (from _async)",
                )
                sys.stdout.writelines(diff)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    extra = [
        p
        for _, target_dir in TREES
        for p in sorted(target_dir.glob("*.py"))
        if p.name not in HAND_WRITTEN and p not in files
    ]
    if check:
        for path in extra:
            print(f"{path}: has no async source")
        if unused:
            print(f"unasync rules never used: {unused}")
        if stale or extra or unused:
            print(f"{len(stale)} stale sync file(s); run: python scripts/unasync.py")
            return 1
        return 0
    for path in extra:
        path.unlink()
    print(f"wrote {len(stale)} file(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
