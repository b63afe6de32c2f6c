"""The errors of kgen.cel: compile errors (with cel-go's issue format) and evaluation errors."""

from __future__ import annotations

__all__ = ["CELError", "CompileError", "CostLimitExceeded", "EvalError", "Issue"]


class CELError(Exception):
    """The root of every error kgen.cel raises."""


class Issue:
    """One problem found while parsing or checking, at a character offset of the source."""

    __slots__ = ("offset", "message")

    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        self.message = message

    def location(self, source: str) -> tuple[int, int]:
        """1-based line and 0-based column (in code points), as cel-go reports them."""
        before = source[: self.offset]
        line = before.count("\n") + 1
        col = self.offset - (before.rfind("\n") + 1)
        return line, col

    def format(self, source: str) -> str:
        line, col = self.location(source)
        text = f"ERROR: <input>:{line}:{col + 1}: {self.message}"
        lines = source.split("\n")
        if 0 < line <= len(lines):
            src_line = lines[line - 1]
            text += f"\n | {src_line}\n | {'.' * col}^"
        return text


class CompileError(CELError):
    """An expression that does not parse or type-check; ``str()`` is cel-go's ``issues.String()``."""

    def __init__(self, source: str, issues: list[Issue]) -> None:
        self.source = source
        self.issues = issues
        super().__init__("\n".join(i.format(source) for i in issues))


class EvalError(CELError):
    """An error value produced while evaluating (``no such key: x``, ``division by zero``...)."""


class CostLimitExceeded(CELError):
    """The runtime cost of one evaluation went over its limit (cel-go cancels the evaluation).

    Not an EvalError: logical operators never absorb it."""

    def __init__(self) -> None:
        super().__init__("operation cancelled: actual cost limit exceeded")
