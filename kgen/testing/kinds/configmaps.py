"""ConfigMaps and Secrets (pkg/apis/core/validation): their data is bounded, as etcd bounds what one
object may hold: ``data`` and ``binaryData`` of a ConfigMap, ``data`` and ``stringData`` of a Secret
(whose values count decoded) may hold at most 1 MiB in all."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from kgen.testing.errors import FieldError
from kgen.testing.kinds.base import Strategy
from kgen.testing.limits import MAX_DATA_BYTES

__all__ = ["ConfigMapStrategy", "SecretStrategy"]


def _too_long(path: str) -> FieldError:
    return FieldError("FieldValueTooLong", path, detail=f"must have at most {MAX_DATA_BYTES} bytes")


def _text_size(value: Any) -> int:
    return len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else 0


def _decoded_size(value: Any) -> int:
    if not isinstance(value, str):
        return 0
    try:
        return len(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        return len(value) * 3 // 4  # not base64: typed decoding refuses it; count it as if it were


def _values(mapping: Any) -> dict[str, Any]:
    return mapping if isinstance(mapping, dict) else {}


class ConfigMapStrategy(Strategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        total = sum(_text_size(v) for v in _values(obj.get("data")).values())
        total += sum(_decoded_size(v) for v in _values(obj.get("binaryData")).values())
        # The error names the whole object: field.NewPath("") prints as "[]".
        return [_too_long("[]")] if total > MAX_DATA_BYTES else []


class SecretStrategy(Strategy):
    def validate(self, obj: dict[str, Any], old: dict[str, Any] | None) -> list[FieldError]:
        # stringData is merged into data (its values win) before the Secret is validated.
        sizes = {k: _decoded_size(v) for k, v in _values(obj.get("data")).items()}
        sizes.update({k: _text_size(v) for k, v in _values(obj.get("stringData")).items()})
        return [_too_long("data")] if sum(sizes.values()) > MAX_DATA_BYTES else []
