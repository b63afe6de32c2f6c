"""Errors of the generator: one clear message naming the input file and the JSON pointer."""

from __future__ import annotations

__all__ = ["ConfigError", "KgenError", "SpecError"]


class KgenError(Exception):
    """Base of the errors ``kgen`` reports to its user (exit code 2)."""


class SpecError(KgenError):
    """An input document is malformed or inconsistent.

    ``file`` is the path of the input, ``pointer`` a JSON pointer (RFC 6901) into it, and for multi-document
    YAML streams ``document`` is the 0-based index of the document in the stream.
    """

    def __init__(
        self, message: str, *, file: str, pointer: str = "", document: int | None = None
    ) -> None:
        self.message = message
        self.file = file
        self.pointer = pointer
        self.document = document
        super().__init__(str(self))

    @property
    def location(self) -> str:
        where = self.file
        if self.document is not None:
            where += f" (document {self.document})"
        return f"{where}#{self.pointer}" if self.pointer else where

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class ConfigError(KgenError):
    """The kgen configuration (pyproject.toml, kgen.toml or flags) is wrong."""


def pointer_join(base: str, *parts: str | int) -> str:
    """Extend a JSON pointer, escaping ``~`` and ``/`` as RFC 6901 requires."""
    escaped = [str(part).replace("~", "~0").replace("/", "~1") for part in parts]
    return "/".join([base, *escaped]) if escaped else base
