"""kgen-only: request paths as kube-apiserver's RequestInfoFactory reads them, parsed once for the router
and for the actions the fake clientset records (so the two cannot disagree about a path)."""

from __future__ import annotations

import pytest

from kgen.testing.fake import parse_action
from kgen.testing.paths import ResourcePath, parse_resource_path, request_verb


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1", ResourcePath("", "v1")),
        ("/apis/apps/v1/", ResourcePath("apps", "v1")),
        ("/api/v1/pods", ResourcePath("", "v1", "pods")),
        ("/api/v1/namespaces/ns/pods", ResourcePath("", "v1", "pods", "ns")),
        (
            "/api/v1/namespaces/ns/pods/p/status",
            ResourcePath("", "v1", "pods", "ns", "p", "status"),
        ),
        (
            "/apis/apps/v1/namespaces/ns/deployments/d/scale",
            ResourcePath("apps", "v1", "deployments", "ns", "d", "scale"),
        ),
        ("/api/v1/namespaces", ResourcePath("", "v1", "namespaces")),
        ("/api/v1/namespaces/ns", ResourcePath("", "v1", "namespaces", None, "ns")),
        # A namespace's own subresources are not resources in it.
        (
            "/api/v1/namespaces/ns/finalize",
            ResourcePath("", "v1", "namespaces", None, "ns", "finalize"),
        ),
        (
            "/api/v1/namespaces/ns/status",
            ResourcePath("", "v1", "namespaces", None, "ns", "status"),
        ),
        ("/api/v1/namespaces/ns/configmaps", ResourcePath("", "v1", "configmaps", "ns")),
        (
            "/api/v1/watch/namespaces/ns/pods",
            ResourcePath("", "v1", "pods", "ns", watch_prefix=True),
        ),
        ("/api/v1/watch/pods/p", ResourcePath("", "v1", "pods", None, "p", watch_prefix=True)),
        # Nothing there: a 404.
        ("/api/v1/watch", None),
        ("/api/v1/namespaces/ns/pods/p/status/more", None),
        # Not the resource API.
        ("/api", None),
        ("/apis/apps", None),
        ("/version", None),
        ("/openapi/v2", None),
    ],
)
def test_parse_resource_path(path: str, expected: ResourcePath | None) -> None:
    assert parse_resource_path(path) == expected


def test_namespace_subresources_are_the_servers() -> None:
    # Without namespaces served at that group-version, "status" is a resource in the namespace.
    path = parse_resource_path("/api/v1/namespaces/ns/status", lambda group, version: ())
    assert path == ResourcePath("", "v1", "status", "ns")
    path = parse_resource_path("/apis/x.io/v1/namespaces/ns/status")
    assert path == ResourcePath("x.io", "v1", "status", "ns")


@pytest.mark.parametrize(
    ("method", "path", "watch", "verb"),
    [
        ("GET", "/api/v1/namespaces/ns/pods", None, "list"),
        ("GET", "/api/v1/namespaces/ns/pods", "true", "watch"),
        ("GET", "/api/v1/namespaces/ns/pods", "1", "watch"),
        ("GET", "/api/v1/namespaces/ns/pods", "false", "list"),
        ("GET", "/api/v1/watch/namespaces/ns/pods", None, "watch"),
        # ?watch=true turns only a list into a watch.
        ("GET", "/api/v1/namespaces/ns/pods/p", "true", "get"),
        ("GET", "/api/v1/watch/namespaces/ns/pods/p", None, "watch"),
        ("POST", "/api/v1/namespaces/ns/pods", None, "create"),
        ("DELETE", "/api/v1/namespaces/ns/pods", None, "deletecollection"),
        ("PUT", "/api/v1/namespaces/ns/pods", None, None),
        ("PUT", "/api/v1/namespaces/ns/pods/p", None, "update"),
        ("PATCH", "/api/v1/namespaces/ns/pods/p", None, "patch"),
        ("DELETE", "/api/v1/namespaces/ns/pods/p", None, "delete"),
        ("POST", "/api/v1/namespaces/ns/pods/p", None, None),
        ("GET", "/api/v1/namespaces/ns/pods/p/log", None, "get"),
        ("POST", "/api/v1/namespaces/ns/pods/p/eviction", None, "create"),
        ("PUT", "/api/v1/namespaces/ns/finalize", None, "update"),
        ("DELETE", "/api/v1/namespaces/ns/pods/p/status", None, None),
    ],
)
def test_request_verb(method: str, path: str, watch: str | None, verb: str | None) -> None:
    target = parse_resource_path(path)
    assert target is not None
    assert request_verb(method, target, watch) == verb


def test_fake_actions_read_paths_as_the_router_does() -> None:
    finalize = parse_action("PUT", "/api/v1/namespaces/ns/finalize", {}, b"{}")
    assert finalize is not None
    assert (finalize.verb, finalize.resource, finalize.namespace, finalize.name) == (
        "update",
        "namespaces",
        None,
        "ns",
    )
    assert finalize.subresource == "finalize" and finalize.body == {}
    watch = parse_action("GET", "/api/v1/watch/namespaces/ns/pods", {}, b"")
    assert watch is not None and watch.verb == "watch" and watch.namespace == "ns"
    assert parse_action("GET", "/apis/apps/v1", {}, b"") is None
    assert parse_action("GET", "/api/v1/namespaces/ns/pods/p/status/x", {}, b"") is None
