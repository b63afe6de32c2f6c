"""Errors of the runtime.

    KubernetesError
    ├── TransportError           the request did not get an answer (connection refused, TLS, timeout)
    │   └── TransportTimeout
    ├── DecodeError              an answer that does not fit the model (the JSON path says where)
    ├── ResourceNotSupported     the resource has no such verb (known from the API model, no request made)
    └── APIError                 the server answered with a Status (code, reason, message, details)
        ├── BadRequest           400
        ├── Unauthorized         401
        ├── Forbidden            403
        ├── NotFound             404
        ├── MethodNotAllowed     405
        ├── Conflict             409 (reason Conflict: a stale resourceVersion or a failed precondition)
        ├── AlreadyExists        409 (reason AlreadyExists)
        ├── Gone                 410
        │   └── Expired          410 (reason Expired: a resourceVersion or continue token too old)
        ├── RequestEntityTooLarge 413
        ├── UnsupportedMediaType 415
        ├── Invalid              422 (with the field causes)
        ├── TooManyRequests      429
        ├── ServerError          500 and other 5xx
        │   └── ServiceUnavailable 503
        └── Timeout              504, or reason Timeout / ServerTimeout

The class is chosen from the Status ``reason`` first (409 is Conflict or AlreadyExists; 410 is Gone or
Expired), then from the HTTP code. ``retry_after`` carries the Retry-After header or
``details.retryAfterSeconds``.
"""

from __future__ import annotations

from typing import Any

import msgspec

from kgen.runtime.meta import Status, StatusCause

__all__ = [
    "APIError",
    "AlreadyExists",
    "BadRequest",
    "Conflict",
    "DecodeError",
    "Expired",
    "Forbidden",
    "Gone",
    "Invalid",
    "KubernetesError",
    "MethodNotAllowed",
    "NotFound",
    "RequestEntityTooLarge",
    "ResourceNotSupported",
    "ServerError",
    "ServiceUnavailable",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "TransportTimeout",
    "Unauthorized",
    "UnsupportedMediaType",
    "error_from_status",
]


class KubernetesError(Exception):
    """Base of every error the runtime raises."""


class TransportError(KubernetesError):
    """The request did not get an HTTP answer."""


class TransportTimeout(TransportError):
    """Connecting, sending or reading took longer than the timeout."""


class DecodeError(KubernetesError):
    """The server's answer does not decode into the expected model."""


class ResourceNotSupported(KubernetesError):
    """The API model says the resource does not support this verb or subresource."""


class APIError(KubernetesError):
    """The API server answered with an error Status."""

    code: int = 0

    def __init__(
        self,
        status: Status,
        *,
        code: int | None = None,
        retry_after: float | None = None,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.status = status
        self.code = code if code is not None else (status.code or type(self).code)
        details_retry = status.details.retry_after_seconds if status.details else None
        self.retry_after = retry_after if retry_after is not None else details_retry
        self.method = method
        self.url = url
        super().__init__(self._describe())

    @property
    def reason(self) -> str:
        return self.status.reason or ""

    @property
    def message(self) -> str:
        return self.status.message or ""

    @property
    def details(self) -> Any:
        return self.status.details

    @property
    def causes(self) -> list[StatusCause]:
        details = self.status.details
        return list(details.causes or []) if details is not None else []

    def at(self, method: str, url: str | None) -> APIError:
        """The same error, naming the request it answered (for errors decoded from a stream)."""
        if url is None or self.url is not None:
            return self
        return type(self)(
            self.status, code=self.code, retry_after=self.retry_after, method=method, url=url
        )

    def _describe(self) -> str:
        text = f"{self.code} {self.reason}: {self.message}".rstrip(": ")
        if self.method and self.url:
            text += f" ({self.method} {self.url})"
        return text


class BadRequest(APIError):
    code = 400


class Unauthorized(APIError):
    code = 401


class Forbidden(APIError):
    code = 403


class NotFound(APIError):
    code = 404

    def _describe(self) -> str:
        text = super()._describe()
        # The apiserver's answer for a path it does not serve at all (not a missing object): the usual
        # cause is a CRD that is not installed, or a version the cluster does not serve.
        if self.message.startswith("the server could not find the requested resource"):
            text += (
                " [the server serves no such path: is the resource served at this version, and "
                "namespaced (or not) as the request assumes? For a custom resource, is its "
                "CustomResourceDefinition installed?]"
            )
        return text


class MethodNotAllowed(APIError):
    code = 405


class Conflict(APIError):
    code = 409


class AlreadyExists(APIError):
    code = 409


class Gone(APIError):
    code = 410


class Expired(Gone):
    code = 410


class RequestEntityTooLarge(APIError):
    code = 413


class UnsupportedMediaType(APIError):
    code = 415


class Invalid(APIError):
    code = 422

    def _describe(self) -> str:
        text = super()._describe()
        fields = [f"{c.field}: {c.message}" for c in self.causes if c.field]
        return f"{text} [{'; '.join(fields)}]" if fields and not self.message else text


class TooManyRequests(APIError):
    code = 429


class ServerError(APIError):
    code = 500


class ServiceUnavailable(ServerError):
    code = 503


class Timeout(APIError):
    code = 504


_BY_REASON: dict[str, type[APIError]] = {
    "BadRequest": BadRequest,
    "Unauthorized": Unauthorized,
    "Forbidden": Forbidden,
    "NotFound": NotFound,
    "MethodNotAllowed": MethodNotAllowed,
    "AlreadyExists": AlreadyExists,
    "Conflict": Conflict,
    "Gone": Gone,
    "Expired": Expired,
    "RequestEntityTooLarge": RequestEntityTooLarge,
    "UnsupportedMediaType": UnsupportedMediaType,
    "Invalid": Invalid,
    "TooManyRequests": TooManyRequests,
    "InternalError": ServerError,
    "ServiceUnavailable": ServiceUnavailable,
    "Timeout": Timeout,
    "ServerTimeout": Timeout,
}
_BY_CODE: dict[int, type[APIError]] = {
    400: BadRequest,
    401: Unauthorized,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    413: RequestEntityTooLarge,
    415: UnsupportedMediaType,
    422: Invalid,
    429: TooManyRequests,
    503: ServiceUnavailable,
    504: Timeout,
}
_status_decoder = msgspec.json.Decoder(Status)


def error_from_status(
    status: Status,
    *,
    code: int | None = None,
    retry_after: float | None = None,
    method: str | None = None,
    url: str | None = None,
) -> APIError:
    """The typed error for a Status (from an HTTP answer, or from an ERROR watch event)."""
    cls = _BY_REASON.get(status.reason or "")
    # Without a code (a watch ERROR event may carry only a reason) the reason decides, as in client-go.
    http_code = code or status.code or (cls.code if cls is not None and cls.code else 500)
    if cls is None or (cls.code and cls.code != http_code and http_code not in (200, 0)):
        cls = _BY_CODE.get(http_code) or (ServerError if http_code >= 500 else APIError)
    if status.code is None:
        status.code = http_code
    return cls(status, code=http_code, retry_after=retry_after, method=method, url=url)


def error_from_response(
    code: int,
    body: bytes,
    *,
    retry_after: float | None = None,
    method: str | None = None,
    url: str | None = None,
) -> APIError:
    """Parse the Status of an error answer; an answer that is not a Status still gets a typed error."""
    status: Status | None = None
    if body[:1] == b"{":
        try:
            status = _status_decoder.decode(body)
        except msgspec.DecodeError:
            status = None
        if status is not None and status.kind not in (None, "Status"):
            status = None
    if status is None:
        text = body.decode("utf-8", "replace").strip()[:500]
        status = Status(
            status="Failure",
            code=code,
            message=text or f"the server answered {code} with no Status",
            reason=_reason_for(code),
        )
    return error_from_status(status, code=code, retry_after=retry_after, method=method, url=url)


def _reason_for(code: int) -> str:
    for reason, cls in _BY_REASON.items():
        if cls.code == code:
            return reason
    return "InternalError" if code >= 500 else "Unknown"
