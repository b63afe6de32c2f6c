"""Status objects exactly as kube-apiserver sends them, and the exception that carries one.

Every failure of the test API server is an :class:`StatusError` holding the ``Status`` body. The constructors
mirror ``k8s.io/apimachinery/pkg/api/errors`` one for one (same message formats, same ``details``), so
that a client sees the same thing from ``kgen.testing`` and from a real server:

======================  ====  ======================  ==================================================
constructor             code  reason                  message
======================  ====  ======================  ==================================================
``not_found``           404   NotFound                ``configmaps "x" not found``
``already_exists``      409   AlreadyExists           ``configmaps "x" already exists``
``conflict``            409   Conflict                ``Operation cannot be fulfilled on configmaps "x": ...``
``invalid``             422   Invalid                 ``ConfigMap "x" is invalid: metadata.name: ...``
``bad_request``         400   BadRequest              as given
``forbidden``           403   Forbidden               ``configmaps "x" is forbidden: ...``
``unauthorized``        401   Unauthorized            ``Unauthorized``
``method_not_supported`` 405  MethodNotAllowed        ``create is not supported on resources of kind ...``
``not_acceptable``      406   NotAcceptable           ``the server was unable to respond with ...``
``unsupported_media``   415   UnsupportedMediaType    ``the body of the request was in an unknown format ...``
``gone``                410   Expired                 ``too old resource version: 5 (10)``
``too_large_rv``        504   Timeout                 ``Timeout: Too large resource version: 9, current: 5``
``too_many_requests``   429   TooManyRequests         ``Too many requests, please try again later.``
``internal``            500   InternalError           ``Internal error occurred: ...``
``storage``             500                           etcd's error, as given (``etcdserver: request is too large``)
``service_unavailable`` 503   ServiceUnavailable      as given
``entity_too_large``    413   RequestEntityTooLarge   ``Request entity too large: ...``
======================  ====  ======================  ==================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kgen.runtime._violation import go_q
from kgen.runtime._violation import GoLiteral, Violation, bad_value_text

__all__ = [
    "StatusError",
    "FieldError",
    "GoLiteral",
    "already_exists",
    "bad_request",
    "conflict",
    "entity_too_large",
    "forbidden",
    "go_string_slice",
    "gone",
    "internal",
    "invalid",
    "method_not_supported",
    "not_acceptable",
    "not_found",
    "not_found_path",
    "qualified",
    "service_unavailable",
    "status_object",
    "storage",
    "success_status",
    "too_large_rv",
    "too_many_requests",
    "unauthorized",
    "unsupported_media",
]

OPTIMISTIC_LOCK_MESSAGE = (
    "the object has been modified; please apply your changes to the latest version and try again"
)


class StatusError(Exception):
    """A failed call, on the server's side: ``status`` is the Status object the server answers with,
    ``code`` its HTTP code. (A client receiving it raises :class:`kgen.runtime.APIError`.)"""

    def __init__(self, status: dict[str, Any], headers: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(status.get("message", ""))
        self.status = status
        self.headers = list(headers)

    @property
    def code(self) -> int:
        return int(self.status["code"])

    @property
    def reason(self) -> str:
        return str(self.status.get("reason", ""))

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason!r}, {self.status.get('message')!r})"


def go_string_slice(values: Iterable[str]) -> GoLiteral:
    """A ``[]string`` as field.Error prints it (%#v): ``[]string{"All", "Some"}``."""
    return GoLiteral("[]string{" + ", ".join(go_q(v) for v in values) + "}")


class FieldError(Violation):
    """One field.Error as the server reports it: the runtime's :class:`Violation` (the one printer of
    apimachinery's messages, shared with :mod:`kgen.schema`) with apimachinery's constructors."""

    __slots__ = ()

    @classmethod
    def invalid(cls, path: str, value: Any, detail: str) -> FieldError:
        return cls("FieldValueInvalid", path, value, detail)

    @classmethod
    def required(cls, path: str, detail: str = "") -> FieldError:
        return cls("FieldValueRequired", path, detail=detail)

    @classmethod
    def forbidden(cls, path: str, detail: str) -> FieldError:
        return cls("FieldValueForbidden", path, detail=detail)

    @classmethod
    def not_supported(cls, path: str, value: Any, supported: Iterable[Any]) -> FieldError:
        values = ", ".join(bad_value_text(v) for v in supported)
        return cls("FieldValueNotSupported", path, value, f"supported values: {values}")

    @classmethod
    def type_invalid(cls, path: str, value: Any, detail: str) -> FieldError:
        return cls("FieldValueTypeInvalid", path, value, detail)


def status_object(
    code: int,
    reason: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A failure Status with keys in the order the apiserver writes them."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
    }
    if details:
        status["details"] = details
    status["code"] = code
    return status


def success_status(
    details: dict[str, Any] | None = None, code: int | None = None
) -> dict[str, Any]:
    """The Success Status of a delete that returns no object."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    if details:
        status["details"] = details
    if code is not None:
        status["code"] = code
    return status


def qualified(resource: str, group: str) -> str:
    """schema.GroupResource.String(): ``deployments.apps``, ``configmaps``."""
    return f"{resource}.{group}" if group else resource


def _details(name: str, group: str, kind: str, **extra: Any) -> dict[str, Any]:
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    details.update({k: v for k, v in extra.items() if v not in (None, "", [])})
    return details


def not_found(resource: str, group: str, name: str) -> StatusError:
    message = f"{qualified(resource, group)} {go_q(name)} not found"
    return StatusError(status_object(404, "NotFound", message, _details(name, group, resource)))


def not_found_path() -> StatusError:
    """A path that names no resource: the apiserver's plain 404."""
    return StatusError(
        status_object(404, "NotFound", "the server could not find the requested resource")
    )


def already_exists(resource: str, group: str, name: str) -> StatusError:
    message = f"{qualified(resource, group)} {go_q(name)} already exists"
    return StatusError(
        status_object(409, "AlreadyExists", message, _details(name, group, resource))
    )


def conflict(
    resource: str, group: str, name: str, why: str = OPTIMISTIC_LOCK_MESSAGE
) -> StatusError:
    message = f"Operation cannot be fulfilled on {qualified(resource, group)} {go_q(name)}: {why}"
    return StatusError(status_object(409, "Conflict", message, _details(name, group, resource)))


def invalid(kind: str, group: str, name: str, errors: Sequence[FieldError]) -> StatusError:
    """errors.NewInvalid: one cause per field error; the message joins them like an aggregate."""
    if len(errors) == 1:
        summary = str(errors[0])
    else:
        summary = "[" + ", ".join(str(e) for e in errors) + "]"
    message = f"{qualified(kind, group)} {go_q(name)} is invalid: {summary}"
    details = _details(name, group, kind)
    details["causes"] = [e.cause() for e in errors]
    return StatusError(status_object(422, "Invalid", message, details))


def bad_request(message: str) -> StatusError:
    return StatusError(status_object(400, "BadRequest", message))


def forbidden(
    resource: str,
    group: str,
    name: str,
    why: str,
    causes: Sequence[dict[str, Any]] = (),
) -> StatusError:
    target = qualified(resource, group)
    if name:
        message = f"{target} {go_q(name)} is forbidden: {why}"
    else:
        message = f"{target} is forbidden: {why}"
    details = _details(name, group, resource)
    if causes:
        details["causes"] = list(causes)
    return StatusError(status_object(403, "Forbidden", message, details))


def unauthorized(message: str = "Unauthorized") -> StatusError:
    return StatusError(status_object(401, "Unauthorized", message))


def method_not_supported(resource: str, group: str, action: str) -> StatusError:
    message = f"{action} is not supported on resources of kind {go_q(qualified(resource, group))}"
    return StatusError(
        status_object(405, "MethodNotAllowed", message, _details("", group, resource))
    )


def not_acceptable(accepted: Sequence[str]) -> StatusError:
    message = (
        "the server was unable to respond with a content type that the client supports "
        f"(accepted: {', '.join(accepted)})"
    )
    return StatusError(status_object(406, "NotAcceptable", message))


def unsupported_media(accepted: Sequence[str]) -> StatusError:
    message = (
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted)
    )
    return StatusError(status_object(415, "UnsupportedMediaType", message))


def gone(message: str, continue_token: str | None = None) -> StatusError:
    """errors.NewResourceExpired (410 Expired), optionally with the inconsistent-continue token."""
    status = status_object(410, "Expired", message)
    if continue_token:
        status["metadata"] = {"continue": continue_token}
    return StatusError(status)


def too_large_rv(requested: int, current: int, retry_after: int = 1) -> StatusError:
    """storage.NewTooLargeResourceVersionError: a Timeout with the ResourceVersionTooLarge cause."""
    message = f"Timeout: Too large resource version: {requested}, current: {current}"
    details = {
        "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
        "retryAfterSeconds": retry_after,
    }
    return StatusError(status_object(504, "Timeout", message, details))


def too_many_requests(retry_after: int) -> StatusError:
    """What API priority and fairness answers when it rejects a request."""
    details = {"retryAfterSeconds": retry_after}
    return StatusError(
        status_object(
            429, "TooManyRequests", "Too many requests, please try again later.", details
        ),
        headers=[("Retry-After", str(retry_after))],
    )


def internal(message: str, retry_after: int | None = None) -> StatusError:
    details: dict[str, Any] = {"causes": [{"message": message}]}
    headers: list[tuple[str, str]] = []
    if retry_after is not None:
        details["retryAfterSeconds"] = retry_after
        headers.append(("Retry-After", str(retry_after)))
    return StatusError(
        status_object(500, "InternalError", f"Internal error occurred: {message}", details),
        headers=headers,
    )


def service_unavailable(message: str) -> StatusError:
    return StatusError(status_object(503, "ServiceUnavailable", message))


def storage(message: str) -> StatusError:
    """An error of the storage that kube-apiserver passes on unconverted (etcd's "request is too
    large"): a 500 without a reason, its message as given."""
    return StatusError(
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "code": 500,
        }
    )


def entity_too_large(message: str) -> StatusError:
    """errors.NewRequestEntityTooLargeError."""
    return StatusError(
        status_object(413, "RequestEntityTooLarge", f"Request entity too large: {message}")
    )
