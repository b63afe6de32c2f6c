"""Small helpers on JSON objects: metadata access, timestamps, generated names, dotted paths."""

from __future__ import annotations

import base64
import json
import secrets
import uuid
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "decode_continue",
    "encode_continue",
    "get_path",
    "meta",
    "new_uid",
    "now_rfc3339",
    "random_suffix",
    "set_path",
    "value_string",
]

# k8s.io/apimachinery/pkg/util/rand: no vowels (no words) and no confusable characters.
_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def random_suffix(length: int = 5) -> str:
    """The suffix generateName appends (utilrand.String(5))."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_uid() -> str:
    return str(uuid.uuid4())


def now_rfc3339(now: datetime | None = None) -> str:
    """metav1.Time on the wire: RFC 3339 in UTC, whole seconds."""
    moment = now or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj["metadata"]``, created if missing."""
    value = obj.get("metadata")
    if not isinstance(value, dict):
        value = obj["metadata"] = {}
    return value


def get_path(obj: Any, path: str) -> Any:
    """The value at a dotted path (``.spec.replicas`` or ``spec.replicas``), or None."""
    current = obj
    for part in path.lstrip(".").split("."):
        if not part:
            continue
        if not isinstance(current, dict):
            return None
        current = current.get(part)
    return current


def set_path(obj: dict[str, Any], path: str, value: Any) -> None:
    parts = [p for p in path.lstrip(".").split(".") if p]
    current = obj
    for part in parts[:-1]:
        nxt = current.get(part)
        if not isinstance(nxt, dict):
            nxt = current[part] = {}
        current = nxt
    current[parts[-1]] = value


def value_string(value: Any) -> str:
    """How a field value compares in a field selector (strings as is, numbers and booleans printed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, sort_keys=True)


def encode_continue(rv: int, start: str) -> str:
    """The apiserver's continue token: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"key"}."""
    payload = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}, separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_continue(token: str) -> tuple[int, str]:
    """(rv, start key) of a continue token; ValueError if it is not one."""
    padded = token + "=" * (-len(token) % 4)
    try:
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("continue key is not valid") from exc
    if not isinstance(data, dict) or data.get("v") != "meta.k8s.io/v1":
        raise ValueError("continue key is not valid: incorrect encoded start resourceVersion")
    rv, start = data.get("rv"), data.get("start")
    if not isinstance(rv, int) or not isinstance(start, str):
        raise ValueError("continue key is not valid")
    return rv, start
