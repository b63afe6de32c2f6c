"""Status objects to typed errors: the code decides, and without one the reason does (client-go)."""

from __future__ import annotations

from kgen.runtime.errors import Expired, NotFound, ServerError, error_from_status
from kgen.runtime.meta import Status


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


def test_a_resource_the_server_does_not_serve_says_so() -> None:
    from kgen.runtime.errors import NotFound
    from kgen.runtime.meta import Status

    missing_path = NotFound(Status(message="the server could not find the requested resource"))
    assert "is its CustomResourceDefinition installed" in str(missing_path)
    missing_object = NotFound(Status(message='widgets.example.kgen.io "w" not found'))
    assert "CustomResourceDefinition" not in str(missing_object)
