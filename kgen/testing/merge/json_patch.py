"""JSON patch (RFC 6902) as kube-apiserver applies it, and the error every patch algorithm raises.

kube-apiserver applies JSON patches with evanphx/json-patch v4, and clients observe its leniencies,
so they are kept here rather than the letter of the RFC:

- ``replace`` of a missing object member adds it, and ``copy`` from a missing member copies
  ``null``;
- an ``add`` without ``value`` adds ``null``, and a ``test`` for ``null`` passes on a missing
  member;
- array indexes may be negative (counted from the end) for ``add`` and ``remove``, and may have
  leading zeros or a sign (Go's ``strconv.Atoi``);
- a path without a leading ``/`` drops its first token (``a/b`` means ``/b``), and the empty path
  (the whole document) cannot be patched.

Where the real server panics (a negative index in ``replace``, ``test``, ``move`` or ``copy``) the
operation fails instead. As kube-apiserver arms json-patch's ``AccumulatedCopySizeLimit``, the values a
patch copies may add up to :data:`MAX_COPY_BYTES` (their JSON encoding), so twenty ``copy``
operations that each double the object fail instead of growing it past any memory; and a result
nested deeper than the server handles (:data:`kgen.testing.limits.MAX_DEPTH`) fails too. kube-apiserver hides the reason of a failed operation behind a generic 422
message; :attr:`PatchError.status_message` gives that message, ``str(error)`` the real reason.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from kgen.testing.limits import JSON_PATCH_MAX_COPY_BYTES, MAX_DEPTH

__all__ = ["MAX_COPY_BYTES", "MAX_OPERATIONS", "PatchError", "apply_json_patch", "json_equal"]

# kube-apiserver refuses longer patches with 413 (maxJSONPatchOperations).
MAX_OPERATIONS = 10000
# What the copy operations of one patch may add (JSONPatchMaxCopyBytes, the request body limit).
MAX_COPY_BYTES = JSON_PATCH_MAX_COPY_BYTES

_REASONS = {400: "BadRequest", 409: "Conflict", 413: "RequestEntityTooLarge", 422: "Invalid"}
# What kube-apiserver answers for a patch that decodes but does not apply
# (NewGenericServerResponse).
_GENERIC_422 = "the server rejected our request due to an error in our request"
_GO_INT = re.compile(r"[+-]?[0-9]+\Z")


class PatchError(ValueError):
    """A patch that cannot be applied: malformed, or not applicable to the document.

    ``code`` is the HTTP status kube-apiserver answers with (400 for a body that does not decode,
    413 for too many operations, 422 for an operation that fails, 500 for the strategic merge errors
    it does not classify), ``reason`` the matching Status reason. ``index`` is the failed operation
    of a JSON patch.
    """

    def __init__(self, message: str, *, code: int = 422, index: int | None = None) -> None:
        if index is not None:
            message = f"operation {index}: {message}"
        super().__init__(message)
        self.message = message
        self.code = code
        self.index = index

    @property
    def reason(self) -> str:
        # Errors kube-apiserver does not wrap in a Status come out as 500 with an empty reason.
        return _REASONS.get(self.code, "")

    @property
    def status_message(self) -> str:
        """The ``message`` of the Status kube-apiserver answers with."""
        if self.code == 422:
            return _GENERIC_422
        if self.code == 413:
            return f"Request entity too large: {self.message}"
        return self.message


def json_equal(a: Any, b: Any) -> bool:
    """Equality of decoded JSON as json-patch compares it: ``1``, ``1.0`` and ``true`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def apply_json_patch(doc: Any, operations: Any) -> Any:
    """Apply ``operations`` to a copy of ``doc`` and return the copy; ``doc`` is left untouched."""
    if not isinstance(operations, list):
        raise PatchError(
            f"json: cannot unmarshal {_go_kind(operations)} into Go value of type jsonpatch.Patch",
            code=400,
        )
    for operation in operations:
        if not isinstance(operation, dict):
            raise PatchError(
                f"json: cannot unmarshal {_go_kind(operation)} into Go value of type "
                "jsonpatch.Operation",
                code=400,
            )
    if len(operations) > MAX_OPERATIONS:
        raise PatchError(
            f"The allowed maximum operations in a JSON patch is {MAX_OPERATIONS}, "
            f"got {len(operations)}",
            code=413,
        )
    result = copy.deepcopy(doc)
    copied = [0]  # the accumulated size of the copies
    for index, operation in enumerate(operations):
        try:
            _apply_one(result, operation, copied)
        except _OperationFailed as failed:
            raise PatchError(str(failed), index=index) from None
        except RecursionError:
            raise PatchError("the patched document nests too deeply", index=index) from None
    if _too_deep(result):
        raise PatchError("the patched document nests too deeply")
    return result


def _too_deep(value: Any) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            items = node.values() if isinstance(node, dict) else node
            stack.extend((item, depth + 1) for item in items if isinstance(item, (dict, list)))
    return False


class _OperationFailed(Exception):
    pass


def _copy_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _apply_one(doc: Any, operation: dict[str, Any], copied: list[int]) -> None:
    kind = operation.get("op")
    if not isinstance(kind, str):
        kind = "unknown"
    if kind == "add":
        container, key = _find(doc, _path(operation, "path", kind), kind)
        _add(container, key, copy.deepcopy(operation.get("value")))
    elif kind == "remove":
        container, key = _find(doc, _path(operation, "path", kind), kind)
        _remove(container, key)
    elif kind == "replace":
        path = _path(operation, "path", kind)
        container, key = _find(doc, path, kind)
        _get(container, key, f"replace operation does not apply: doc is missing key: {path}")
        _set(container, key, copy.deepcopy(operation.get("value")))
    elif kind == "move":
        source = _path(operation, "from", kind)
        container, key = _find(doc, source, kind, "from ")
        value = _get(container, key, f"error in move for path: '{key}'")
        _remove(container, key)
        container, key = _find(doc, _path(operation, "path", kind), kind, "destination ")
        _add(container, key, value)
    elif kind == "copy":
        source = _path(operation, "from", kind)
        container, key = _find(doc, source, kind, "from ")
        value = _get(container, key, f"error in copy for from: '{source}'")
        copied[0] += _copy_size(value)
        if copied[0] > MAX_COPY_BYTES:
            raise _OperationFailed(
                "Unable to complete the copy, the accumulated size increase of copy is "
                f"{copied[0]}, exceeding the limit {MAX_COPY_BYTES}"
            )
        container, key = _find(doc, _path(operation, "path", kind), kind, "destination ")
        _add(container, key, copy.deepcopy(value))
    elif kind == "test":
        path = _path(operation, "path", kind)
        container, key = _find(doc, path, kind)
        actual = _get(container, key, f"error in test for path: '{path}'")
        expected = operation.get("value")
        if actual is None and expected is None:
            return  # a missing member and null test equal, as in json-patch v4
        if not json_equal(actual, expected):
            raise _OperationFailed(f"testing value {path} failed: test failed")
    else:
        raise _OperationFailed(f"Unexpected kind: {kind}")


def _path(operation: dict[str, Any], member: str, kind: str) -> str:
    value = operation.get(member)
    if not isinstance(value, str):
        raise _OperationFailed(f"{kind} operation failed to decode {member}")
    return value


def _find(
    doc: Any, path: str, kind: str, which: str = ""
) -> tuple[dict[str, Any] | list[Any], str]:
    """The container holding the last token of ``path``, and that token (unescaped)."""
    tokens = path.split("/")
    missing = f"{kind} operation does not apply: doc is missing {which}path: {path}"
    if len(tokens) < 2:
        raise _OperationFailed(missing)
    container: Any = doc
    for token in tokens[1:-1]:
        if not isinstance(container, (dict, list)):
            raise _OperationFailed(missing)
        try:
            container = _get(container, _unescape(token), missing)
        except _OperationFailed:
            raise _OperationFailed(missing) from None
    if not isinstance(container, (dict, list)):
        raise _OperationFailed(missing)
    return container, _unescape(tokens[-1])


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _index(key: str) -> int:
    if not _GO_INT.match(key):
        raise _OperationFailed(f'strconv.Atoi: parsing "{key}": invalid syntax')
    return int(key)


def _get(container: dict[str, Any] | list[Any], key: str, error: str) -> Any:
    if isinstance(container, dict):
        return container.get(key)
    index = _index(key)
    if not 0 <= index < len(container):
        raise _OperationFailed(f"{error}: Unable to access invalid index: {index}")
    return container[index]


def _set(container: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
    else:
        container[_index(key)] = value


def _add(container: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(container, dict):
        container[key] = value
        return
    if key == "-":
        container.append(value)
        return
    index = _index(key)
    size = len(container) + 1
    if index >= size or index < -size:
        raise _OperationFailed(f"Unable to access invalid index: {index}")
    container.insert(index + size if index < 0 else index, value)


def _remove(container: dict[str, Any] | list[Any], key: str) -> None:
    if isinstance(container, dict):
        if key not in container:
            raise _OperationFailed(f"Unable to remove nonexistent key: {key}: missing value")
        del container[key]
        return
    index = _index(key)
    size = len(container)
    if index >= size or index < -size:
        raise _OperationFailed(f"Unable to access invalid index: {index}")
    del container[index]


def _go_kind(value: Any) -> str:
    """How Go's encoding/json names a JSON value it cannot decode."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "null"
