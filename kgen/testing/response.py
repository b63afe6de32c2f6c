"""The answer to a call that succeeded (a failure is a :class:`~kgen.testing.errors.StatusError`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Response"]


@dataclass(slots=True)
class Response:
    """The answer to a call: HTTP status code, body (an object, a Status, or text) and warnings.

    ``plain``: the body is plain JSON (:func:`kgen.testing.jsonbody.dumps` may write it with
    ``plain=True``), as stored objects served as they are stored are."""

    code: int
    body: Any
    warnings: list[str] = field(default_factory=list)
    content_type: str = "application/json"
    plain: bool = False
