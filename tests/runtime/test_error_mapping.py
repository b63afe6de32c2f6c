"""Status objects and httpx exceptions to typed errors: the code decides, and without one the reason
does (client-go); every httpx exception maps into kgen's one tree."""

from __future__ import annotations

import httpx

from kgen.runtime._errors import (
    ConfigError,
    DecodeError,
    Expired,
    KubernetesError,
    NotFound,
    ResourceNotServed,
    ServerError,
    TransportError,
    TransportTimeout,
    error_from_status,
)
from kgen.runtime._meta import Status, StatusDetails
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error


def test_a_watch_error_with_a_reason_and_no_code_is_classified_by_its_reason() -> None:
    error = error_from_status(Status(reason="Expired", message="too old resource version"))
    assert isinstance(error, Expired) and error.code == 410
    assert isinstance(error_from_status(Status(reason="NotFound")), NotFound)


def test_no_code_and_no_known_reason_is_a_server_error() -> None:
    error = error_from_status(Status(message="something broke"))
    assert isinstance(error, ServerError) and error.code == 500


def test_the_code_wins_over_a_reason_that_disagrees() -> None:
    error = error_from_status(Status(reason="Expired", code=404))
    assert isinstance(error, NotFound) and error.code == 404


def test_a_path_the_server_does_not_serve_is_its_own_not_found() -> None:
    missing_path = error_from_status(
        Status(reason="NotFound", message="the server could not find the requested resource"),
        code=404,
    )
    assert isinstance(missing_path, ResourceNotServed) and isinstance(missing_path, NotFound)
    assert "is its CustomResourceDefinition installed" in str(missing_path)
    missing_object = error_from_status(
        Status(
            reason="NotFound",
            message='widgets.example.kgen.io "w" not found',
            details=StatusDetails(name="w", group="example.kgen.io", kind="widgets"),
        ),
        code=404,
    )
    assert type(missing_object) is NotFound
    assert "CustomResourceDefinition" not in str(missing_object)


def test_every_httpx_exception_maps_into_the_tree() -> None:
    """httpx's exceptions never reach a caller: each exported class maps to a KubernetesError."""
    classes = [
        value
        for name in httpx.__all__
        if isinstance(value := getattr(httpx, name), type) and issubclass(value, Exception)
    ]
    assert len(classes) > 20  # the walk found httpx's tree
    request = httpx.Request("GET", "https://example.invalid/api")
    for cls in classes:
        assert issubclass(cls, HTTPX_ERRORS), f"{cls.__name__} is not caught"
        exc = _instance(cls, request)
        mapped = transport_error(exc, "GET https://example.invalid/api")
        assert isinstance(mapped, KubernetesError), cls
        assert "GET https://example.invalid/api" in str(mapped)
    timeout = transport_error(httpx.ReadTimeout("slow", request=request), "GET x")
    assert isinstance(timeout, TransportTimeout)
    assert isinstance(transport_error(httpx.ConnectError("refused"), "GET x"), TransportError)
    assert isinstance(transport_error(httpx.DecodingError("bad gzip"), "GET x"), DecodeError)
    assert isinstance(transport_error(httpx.InvalidURL("no host"), "GET x"), ConfigError)


def _instance(cls: type[Exception], request: httpx.Request) -> Exception:
    if issubclass(cls, httpx.HTTPStatusError):
        return cls("500", request=request, response=httpx.Response(500, request=request))
    try:
        return cls("failed")
    except TypeError:  # StreamConsumed and its siblings take no message
        return cls()


def test_every_runtime_error_class_is_in_the_tree() -> None:
    """Everything the runtime defines as an exception is a KubernetesError (the one tree)."""
    import kgen.runtime

    for name in kgen.runtime.__all__:
        value = getattr(kgen.runtime, name)
        if isinstance(value, type) and issubclass(value, BaseException):
            assert issubclass(value, KubernetesError), name
