"""What a request path names, as kube-apiserver's RequestInfoFactory reads it: parsed once, for the router
(:mod:`kgen.testing.routes`) and for the actions a fake clientset records (:mod:`kgen.testing.fake`).

    /api/v1/namespaces/prod/pods/web/status     group "", version v1, pods "web" in prod, subresource
    /apis/apps/v1/deployments                   every namespace's deployments
    /api/v1/watch/namespaces/prod/pods          the legacy watch/ prefix
    /api/v1/namespaces/prod/finalize            a subresource of the namespace "prod", not a resource
                                                in it (namespaces' own subresources are told apart)
    /apis/apps/v1                               the group-version's resource list (``resource`` None)

Which resources exist is the registry's business: this only reads the path.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

__all__ = [
    "NAMESPACE_SUBRESOURCES",
    "ResourcePath",
    "kube_namespace_subresources",
    "parse_resource_path",
    "request_verb",
]

#: kube-apiserver's namespaceSubresources: ``namespaces/{name}/{these}`` is a namespace's subresource.
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})

_TRUE = ("true", "1", "True")


@dataclass(frozen=True, slots=True)
class ResourcePath:
    """A path under ``/api/{version}`` or ``/apis/{group}/{version}``."""

    group: str
    version: str
    resource: str | None = None  # None: the group-version itself (its discovery document)
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    watch_prefix: bool = False  # the legacy /watch/ form


def kube_namespace_subresources(group: str, version: str) -> Collection[str]:
    """kube-apiserver's: namespaces are served at core v1, with status and finalize."""
    return NAMESPACE_SUBRESOURCES if (group, version) == ("", "v1") else ()


def parse_resource_path(
    path: str,
    namespace_subresources: Callable[[str, str], Collection[str]] = kube_namespace_subresources,
) -> ResourcePath | None:
    """The resource a path names; None for a path outside the resource API (discovery of groups,
    ``/version``, ``/openapi``...) or one that names nothing there (more than resource, name and
    subresource, or only ``watch``). ``namespace_subresources(group, version)`` are the subresources
    of the namespaces served there (a server passes its registry's)."""
    parts = [p for p in path.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    if not rest:
        return ResourcePath(group, version)
    watch_prefix = rest[0] == "watch"
    if watch_prefix:
        rest = rest[1:]
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        if not (len(rest) == 3 and rest[2] in namespace_subresources(group, version)):
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    return ResourcePath(
        group,
        version,
        resource=rest[0],
        namespace=namespace,
        name=rest[1] if len(rest) >= 2 else None,
        subresource=rest[2] if len(rest) == 3 else None,
        watch_prefix=watch_prefix,
    )


def request_verb(method: str, target: ResourcePath, watch: str | None = None) -> str | None:
    """RequestInfo's verb of a request to a resource path (``watch``: the ``watch`` query parameter):
    get, list, watch, create, update, patch, delete or deletecollection; None for a method the path
    does not allow (405).

    ``?watch=true`` turns only a list into a watch: a GET of one object stays a get (watching one
    object takes the legacy watch/ prefix or a metadata.name field selector)."""
    if target.subresource is not None:
        return {"GET": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}.get(method)
    if target.name is None:
        if method == "GET":
            return "watch" if target.watch_prefix or watch in _TRUE else "list"
        return {"POST": "create", "DELETE": "deletecollection"}.get(method)
    if method == "GET":
        return "watch" if target.watch_prefix else "get"
    return {"PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method)
