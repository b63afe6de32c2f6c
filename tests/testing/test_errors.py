"""The Status table of errors.py, compared with the JSON kube-apiserver sends."""

from __future__ import annotations

import pytest

from kgen.testing import errors
from kgen.testing.errors import FieldError

BASE = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure"}

TABLE = [
    (
        errors.not_found("pods", "", "p"),
        {
            "message": 'pods "p" not found',
            "reason": "NotFound",
            "details": {"name": "p", "kind": "pods"},
            "code": 404,
        },
    ),
    (
        errors.not_found("deployments", "apps", "d"),
        {
            "message": 'deployments.apps "d" not found',
            "reason": "NotFound",
            "details": {"name": "d", "group": "apps", "kind": "deployments"},
            "code": 404,
        },
    ),
    (
        errors.already_exists("configmaps", "", "c"),
        {
            "message": 'configmaps "c" already exists',
            "reason": "AlreadyExists",
            "details": {"name": "c", "kind": "configmaps"},
            "code": 409,
        },
    ),
    (
        errors.conflict("configmaps", "", "c"),
        {
            "message": 'Operation cannot be fulfilled on configmaps "c": the object has been modified; '
            "please apply your changes to the latest version and try again",
            "reason": "Conflict",
            "details": {"name": "c", "kind": "configmaps"},
            "code": 409,
        },
    ),
    (
        errors.invalid("ConfigMap", "", "c", [FieldError.required("data")]),
        {
            "message": 'ConfigMap "c" is invalid: data: Required value',
            "reason": "Invalid",
            "details": {
                "name": "c",
                "kind": "ConfigMap",
                "causes": [
                    {"reason": "FieldValueRequired", "message": "Required value", "field": "data"}
                ],
            },
            "code": 422,
        },
    ),
    (
        errors.invalid(
            "Widget",
            "example.kgen.io",
            "w",
            [
                FieldError.invalid("spec.a", 1, "bad"),
                FieldError.not_supported("spec.b", "x", ["y", "z"]),
            ],
        ),
        {
            "message": 'Widget.example.kgen.io "w" is invalid: [spec.a: Invalid value: 1: bad, spec.b: '
            'Unsupported value: "x": supported values: "y", "z"]',
            "reason": "Invalid",
            "details": {
                "name": "w",
                "group": "example.kgen.io",
                "kind": "Widget",
                "causes": [
                    {
                        "reason": "FieldValueInvalid",
                        "message": "Invalid value: 1: bad",
                        "field": "spec.a",
                    },
                    {
                        "reason": "FieldValueNotSupported",
                        "message": 'Unsupported value: "x": supported values: "y", "z"',
                        "field": "spec.b",
                    },
                ],
            },
            "code": 422,
        },
    ),
    (errors.bad_request("nope"), {"message": "nope", "reason": "BadRequest", "code": 400}),
    (
        errors.forbidden("configmaps", "", "c", "because"),
        {
            "message": 'configmaps "c" is forbidden: because',
            "reason": "Forbidden",
            "details": {"name": "c", "kind": "configmaps"},
            "code": 403,
        },
    ),
    (errors.unauthorized(), {"message": "Unauthorized", "reason": "Unauthorized", "code": 401}),
    (
        errors.gone("too old resource version: 1 (5)"),
        {"message": "too old resource version: 1 (5)", "reason": "Expired", "code": 410},
    ),
    (
        errors.too_large_rv(9, 5),
        {
            "message": "Timeout: Too large resource version: 9, current: 5",
            "reason": "Timeout",
            "details": {
                "causes": [
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                "retryAfterSeconds": 1,
            },
            "code": 504,
        },
    ),
    (
        errors.too_many_requests(2),
        {
            "message": "Too many requests, please try again later.",
            "reason": "TooManyRequests",
            "details": {"retryAfterSeconds": 2},
            "code": 429,
        },
    ),
    (
        errors.unsupported_media(["a/b", "c/d"]),
        {
            "message": "the body of the request was in an unknown format - accepted media types include: a/b, c/d",
            "reason": "UnsupportedMediaType",
            "code": 415,
        },
    ),
    (
        errors.method_not_supported("namespaces", "", "deletecollection"),
        {
            "message": 'deletecollection is not supported on resources of kind "namespaces"',
            "reason": "MethodNotAllowed",
            "details": {"kind": "namespaces"},
            "code": 405,
        },
    ),
    (
        errors.internal("boom"),
        {
            "message": "Internal error occurred: boom",
            "reason": "InternalError",
            "details": {"causes": [{"message": "boom"}]},
            "code": 500,
        },
    ),
]


@pytest.mark.parametrize(("error", "expected"), TABLE)
def test_status_table(error: errors.StatusError, expected: dict) -> None:
    assert error.status == {**BASE, **expected}
    assert list(error.status) == list({**BASE, **expected})  # the apiserver's key order
    assert error.code == expected["code"]


def test_retry_after_headers() -> None:
    assert errors.too_many_requests(3).headers == [("Retry-After", "3")]
    assert errors.internal("x", retry_after=4).headers == [("Retry-After", "4")]


def test_field_error_values_print_like_go() -> None:
    assert FieldError.invalid("a", True, "d").body() == "Invalid value: true: d"
    assert FieldError.invalid("a", None, "d").body() == 'Invalid value: "null": d'
    assert FieldError.invalid("a", 'q"uote', "d").body() == 'Invalid value: "q\\"uote": d'
    assert FieldError.forbidden("a", "no").body() == "Forbidden: no"
