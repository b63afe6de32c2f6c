"""The answer to a call that succeeded (a failure is a :class:`~kgen.testing.errors.StatusError`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Response"]


@dataclass(slots=True)
class Response:
    """The answer to a call: HTTP status code, body (an object, a Status, or text) and warnings.

    ``plain``: the body is plain JSON (:func:`kgen.testing.jsonbody.dumps` may write it with
    ``plain=True``), as stored objects served as they are stored are. ``items_json``: for a list
    whose body is plain, the JSON of each of its items (the store's, encoded once), which its
    encoding may join instead of encoding the items again."""

    code: int
    body: Any
    warnings: list[str] = field(default_factory=list)
    content_type: str = "application/json"
    plain: bool = False
    items_json: list[bytes] | None = None
