"""Errors of the runtime: one tree, so that ``except KubernetesError`` catches everything kgen raises.

    KubernetesError
    ├── ConfigError              the configuration is missing, malformed or inconsistent (file, field)
    │   └── TLSConfigError       certificates or keys that cannot be used (also a ValueError)
    ├── CredentialError          a credential source failed (token file, exec plugin)
    │   └── ExecPluginError      an exec plugin could not run, failed or printed no ExecCredential
    ├── TransportError           the request did not get an answer (connection refused, TLS, protocol)
    │   └── TransportTimeout     connecting, sending or reading took longer than the timeout
    ├── DecodeError              an answer that does not fit the model (also a ValueError)
    ├── ResourceNotSupported     the resource has no such verb (known from the API model, no request made)
    ├── UnknownKindError         a scheme has no class for an apiVersion and kind (also a LookupError)
    ├── CacheSyncError           an informer's cache did not sync (the last list or watch error is attached)
    ├── ShutDown                 a work queue was shut down (workers stop on it)
    ├── AlreadyOwnedError        an object already has another controller (set_controller_reference)
    ├── ManifestError            manifests that cannot be read or checked: every problem, each with its
    │                            file, document and field path (also a ValueError; nothing was sent)
    ├── ApplyError               applying or deleting a set failed for some objects (``results`` has
    │                            every object's result, the successes too)
    ├── WaitError                an object never satisfied a condition, or reached a state it cannot
    │   │                        leave (a failed Job); ``last`` is its last state seen
    │   └── WaitTimeout          ... within the timeout (also a TimeoutError)
    ├── StreamError              a streaming connection (exec, attach, port-forward) failed
    │   ├── StreamProtocolError  no common subprotocol, or frames that break it
    │   ├── StreamClosed         the connection ended before the exit status (a cut stream)
    │   ├── CommandError         the command could not run (the error channel's Status or text)
    │   │   └── NonZeroExitError the command exited non-zero (raised only when asked: check=True)
    │   └── PortForwardError     the server could not forward a port (nothing listening, ...)
    └── APIError                 the server answered with a Status (code, reason, message, details)
        ├── Redirected           3xx: kgen does not follow redirects (``location`` says where to)
        ├── BadRequest           400
        ├── Unauthorized         401
        ├── Forbidden            403
        ├── NotFound             404
        │   └── ResourceNotServed  404 for a path the server does not serve (a CRD not installed, a
        │                          version not served), not for a missing object
        ├── MethodNotAllowed     405
        ├── Conflict             409 (reason Conflict: a stale resourceVersion or a failed precondition)
        ├── AlreadyExists        409 (reason AlreadyExists)
        ├── Gone                 410
        │   └── Expired          410 (reason Expired: a resourceVersion or continue token too old)
        ├── RequestEntityTooLarge 413
        ├── UnsupportedMediaType 415
        ├── Invalid              422 (with the field causes)
        │   └── SchemaInvalid    the client's own schema check refused a write: no request was sent
        ├── TooManyRequests      429
        ├── ServerError          500 and other 5xx
        │   └── ServiceUnavailable 503
        └── Timeout              504, or reason Timeout / ServerTimeout

The class is chosen from the Status ``reason`` first (409 is Conflict or AlreadyExists; 410 is Gone or
Expired), then from the HTTP code. ``retry_after`` carries the Retry-After header or
``details.retryAfterSeconds``. httpx's exceptions are mapped in one place,
:func:`kgen.runtime._transport_errors.transport_error`.

Wrong arguments (a namespace for a cluster-scoped resource, a patch of the wrong shape) raise
``TypeError`` or ``ValueError`` before any request, as Python's own functions do: they are mistakes in the
calling code, not conditions of the cluster.

The module is one piece: it is the tree above, one class per line of it and the mapping from a Status to
its class, kept together so that the whole hierarchy is read (and its docstring checked against it) in
one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from kgen.runtime._meta import Status, StatusCause, StatusDetails

__all__ = [
    "APIError",
    "AlreadyExists",
    "AlreadyOwnedError",
    "ApplyError",
    "BadRequest",
    "CacheSyncError",
    "CommandError",
    "ConfigError",
    "Conflict",
    "CredentialError",
    "DecodeError",
    "ExecPluginError",
    "Expired",
    "Forbidden",
    "Gone",
    "Invalid",
    "KubernetesError",
    "ManifestError",
    "ManifestProblem",
    "MethodNotAllowed",
    "NonZeroExitError",
    "NotFound",
    "PortForwardError",
    "Redirected",
    "RequestEntityTooLarge",
    "ResourceNotServed",
    "ResourceNotSupported",
    "SchemaInvalid",
    "ServerError",
    "ServiceUnavailable",
    "ShutDown",
    "StreamClosed",
    "StreamError",
    "StreamProtocolError",
    "TLSConfigError",
    "Timeout",
    "TooManyRequests",
    "TransportError",
    "TransportTimeout",
    "Unauthorized",
    "UnknownKindError",
    "UnsupportedMediaType",
    "WaitError",
    "WaitTimeout",
    "error_from_status",
]


class KubernetesError(Exception):
    """Base of every error the runtime raises."""


class ConfigError(KubernetesError):
    """The configuration is missing, malformed or inconsistent.

    ``file`` is the kubeconfig file (or another description of the source) and ``field`` the path of
    the offending field in it (``users[name=dev].user.exec.command``); either may be ``None``.
    """

    def __init__(self, message: str, *, file: str | None = None, field: str | None = None) -> None:
        self.message = message
        self.file = file
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        return ": ".join(part for part in (self.file, self.field, self.message) if part)


class TLSConfigError(ConfigError, ValueError):
    """The TLS material cannot be used.

    ``part`` says which input is at fault: ``"certificate-authority"`` or ``"client-certificate"``
    (the certificate/key pair), so that callers can name the configuration field that supplied it.
    Messages never contain key material.
    """

    def __init__(self, part: str, message: str) -> None:
        self.part = part
        super().__init__(message)


class CredentialError(KubernetesError):
    """A credential source could not produce credentials (unreadable token file, failed plugin)."""


class ExecPluginError(CredentialError):
    """An exec plugin could not be run, failed, or printed no usable ExecCredential.

    ``exit_code`` is ``None`` when the plugin did not run or exited successfully; ``stderr`` is the
    (truncated) standard error of a failed run.
    """

    def __init__(
        self, message: str, *, command: str, exit_code: int | None = None, stderr: str = ""
    ) -> None:
        super().__init__(message)
        self.command = command
        self.exit_code = exit_code
        self.stderr = stderr


class TransportError(KubernetesError):
    """The request did not get an HTTP answer."""


class TransportTimeout(TransportError):
    """Connecting, sending or reading took longer than the timeout."""


class DecodeError(KubernetesError, ValueError):
    """The server's answer does not decode into the expected model."""


class ResourceNotSupported(KubernetesError):
    """The API model says the resource does not support this verb or subresource."""


class UnknownKindError(KubernetesError, LookupError):
    """The scheme has no class for this apiVersion and kind."""

    def __init__(self, api_version: str | None, kind: str | None) -> None:
        super().__init__(f"no class is registered for apiVersion={api_version!r}, kind={kind!r}")
        self.api_version = api_version
        self.kind = kind


class CacheSyncError(KubernetesError):
    """An informer's cache did not sync; ``error`` is the last list or watch error (None if there
    was none, only slowness), ``verb`` the request that raised it. ``results`` (from a factory's
    ``wait_for_cache_sync``) has every informer's result, by key."""

    def __init__(
        self,
        message: str,
        *,
        resource: Any = None,
        namespace: str | None = None,
        verb: str | None = None,
        error: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.resource = resource
        self.namespace = namespace
        self.verb = verb
        self.error = error
        self.__cause__ = error
        self.results: dict[str, Any] = {}


class ShutDown(KubernetesError):
    """The work queue was shut down: ``get`` after it is drained, or an ``add`` after shutdown."""


class AlreadyOwnedError(KubernetesError, ValueError):
    """``set_controller_reference``: the object already has a controller, and it is another object."""


@dataclass(frozen=True, slots=True)
class ManifestProblem:
    """One problem of a manifest: where it is (``source``, the file or ``<string>``; ``document``,
    counted from 1 in a multi-document stream; ``item``, counted from 0 in a ``List``; ``path``, the
    field, as kube-apiserver writes it: ``spec.ports[0].port``) and what it is."""

    source: str
    document: int
    path: str
    message: str
    item: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}, document {self.document}"
        if self.item is not None:
            where += f", item {self.item}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ManifestError(KubernetesError, ValueError):
    """Manifests that cannot be loaded or do not pass the check before sending: ``problems`` lists
    every one (:class:`ManifestProblem`), and nothing was sent."""

    def __init__(self, problems: list[ManifestProblem]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems]
        head = lines[0] if len(lines) == 1 else f"{len(lines)} problems:\n  " + "\n  ".join(lines)
        super().__init__(head)


class ApplyError(KubernetesError):
    """Some objects of a set could not be applied (or deleted, or pruned). ``results`` is every
    object's result in the order they were sent, successes included; ``failures`` those that failed
    (each with its ``error``)."""

    def __init__(self, verb: str, results: list[Any]) -> None:
        self.results = list(results)
        self.failures = [result for result in self.results if result.error is not None]
        done = len(self.results) - len(self.failures)
        lines = [f"{result.describe()}: {result.error}" for result in self.failures]
        super().__init__(
            f"{verb}: {len(self.failures)} of {len(self.results)} object(s) failed "
            f"({done} succeeded):\n  " + "\n  ".join(lines)
        )


class WaitError(KubernetesError):
    """An object reached a state from which the condition waited for cannot follow (a Job that
    failed). ``last`` is the object as last seen (None: it did not exist)."""

    def __init__(self, message: str, *, last: Any = None) -> None:
        super().__init__(message)
        self.last = last


class WaitTimeout(WaitError, TimeoutError):
    """The condition did not hold within the timeout; ``last`` is the object as last seen, and the
    message shows it."""


class StreamError(KubernetesError):
    """A streaming connection (exec, attach, port-forward) failed."""


class StreamProtocolError(StreamError):
    """The server offered no subprotocol kgen speaks, or sent frames that break it."""


class StreamClosed(StreamError):
    """The connection ended before the command's exit status arrived (the stream was cut)."""


class CommandError(StreamError):
    """The command could not be run, or failed without an exit code (the error channel said so).

    ``status`` is the Status from the error channel (v4+), or None (older protocols send text).
    """

    def __init__(self, message: str, *, status: Status | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = status.reason if status is not None else None


class NonZeroExitError(CommandError):
    """The command exited with a non-zero code (raised only when asked to: ``check=True``)."""

    def __init__(
        self,
        message: str,
        *,
        exit_code: int,
        stdout: bytes = b"",
        stderr: bytes = b"",
        status: Status | None = None,
    ) -> None:
        super().__init__(message, status=status)
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr


class PortForwardError(StreamError):
    """The server could not forward ``port`` (its error channel carried ``message``)."""

    def __init__(self, message: str, *, port: int) -> None:
        super().__init__(message)
        self.port = port


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


# The apiserver's message for a path it does not serve at all (not a missing object).
_NOT_SERVED = "the server could not find the requested resource"


class ResourceNotServed(NotFound):
    """404 for a path the server does not serve at all, not for a missing object: the usual cause is
    a CRD that is not installed, or a version the cluster does not serve. It is a NotFound, so that
    code catching NotFound to create the object then fails on the create, loudly, with this class.
    """

    def _describe(self) -> str:
        return super()._describe() + (
            " [the server serves no such path: is the resource served at this version, and "
            "namespaced (or not) as the request assumes? For a custom resource, is its "
            "CustomResourceDefinition installed?]"
        )


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


class SchemaInvalid(Invalid):
    """A write the client refused before sending it: the object violates its kind's schema (a
    clientset made with ``validate_writes=True``). It is an :class:`Invalid`, so code that handles the
    server's 422 handles this one too; ``violations`` are the :class:`Violation` values, and the
    Status (message and causes) is the one kube-apiserver would have answered with."""

    def __init__(self, status: Status, violations: list[Any] | None = None, **options: Any) -> None:
        options.setdefault("code", 422)
        super().__init__(status, **options)
        self.violations: list[Any] = list(violations or [])

    @classmethod
    def of(cls, kind: str, api_version: str, name: str, violations: list[Any]) -> SchemaInvalid:
        group = api_version.rpartition("/")[0]
        qualified = f"{kind}.{group}" if group else kind
        lines = [str(v) for v in violations]
        listed = lines[0] if len(lines) == 1 else "[" + ", ".join(lines) + "]"
        status = Status(
            status="Failure",
            message=f'{qualified} "{name}" is invalid: {listed}',
            reason="Invalid",
            code=422,
            details=StatusDetails(
                name=name,
                group=group,
                kind=kind,
                causes=[
                    StatusCause(field=c["field"], message=c["message"], reason=c["reason"])
                    for c in (v.cause() for v in violations)
                ],
            ),
        )
        return cls(status, violations)

    def _describe(self) -> str:
        return super()._describe() + " (refused by the client: nothing was sent)"


class TooManyRequests(APIError):
    code = 429


class ServerError(APIError):
    code = 500


class ServiceUnavailable(ServerError):
    code = 503


class Timeout(APIError):
    code = 504


class Redirected(APIError):
    """A 3xx answer. An API server does not redirect; a proxy or load balancer in front of it may.

    kgen does not follow redirects, as following one would send the request's credentials to
    wherever it points; ``location`` (its password masked) says where that is.
    """

    def __init__(
        self,
        code: int,
        location: str | None,
        *,
        method: str | None = None,
        url: str | None = None,
    ) -> None:
        self.location = location
        where = f"to {location}" if location else "without a Location"
        status = Status(
            status="Failure",
            code=code,
            message=f"the server answered {code}, a redirect {where}; kgen does not follow "
            "redirects (they would carry this request's credentials elsewhere)",
        )
        super().__init__(status, code=code, method=method, url=url)

    def at(self, method: str, url: str | None) -> APIError:
        if url is None or self.url is not None:
            return self
        return Redirected(self.code, self.location, method=method, url=url)

    def _describe(self) -> str:
        text = self.message
        if self.method and self.url:
            text += f" ({self.method} {self.url})"
        return text


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
_status_decoder: msgspec.json.Decoder[Status] | None = None


def decode_status(body: bytes | str) -> Status:
    """A Status from JSON (msgspec's errors if it is none). The decoder is made on first use: a
    program that never meets an error does not build it (resolving Status's types, at import)."""
    global _status_decoder
    if _status_decoder is None:
        _status_decoder = msgspec.json.Decoder(Status)
    return _status_decoder.decode(body)


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
    if cls is NotFound and _is_not_served(status):
        cls = ResourceNotServed
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
            status = decode_status(body)
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


def _is_not_served(status: Status) -> bool:
    # A missing object's Status names it (details.name); an unserved path's has no name and the
    # apiserver's fixed message (its NotFound handler for unknown paths).
    details = status.details
    return (status.message or "").startswith(_NOT_SERVED) and not (details and details.name)
