"""Why a cache cannot sync: :class:`CacheSyncError`, which names the resource, the verb and the cause.

"timed out waiting for caches to sync" is the message every controller author has had to debug with
(controller-runtime#1653): a missing RBAC rule or CustomResourceDefinition looks like a slow cluster.
The informer keeps the last list or watch error instead, and the error raised from
``wait_for_cache_sync`` says what it was::

    forbidden: cannot list example.kgen.io/v1 widgets in namespace x: <the server's message>
    not found: example.kgen.io/v1 widgets is not served by the server (is its CustomResourceDefinition
    installed?): <the server's message>
"""

from __future__ import annotations


from kgen.runtime._errors import (
    APIError,
    CacheSyncError,
    Forbidden,
    NotFound,
    TransportError,
    Unauthorized,
)
from kgen.runtime._resources import GroupVersionResource

__all__ = ["CacheSyncError", "describe_failure", "sync_timed_out"]


def _what(resource: GroupVersionResource) -> str:
    return f"{resource.api_version} {resource.resource}"


def _where(namespace: str | None) -> str:
    return f" in namespace {namespace}" if namespace else ""


def describe_failure(
    verb: str, error: BaseException, resource: GroupVersionResource, namespace: str | None
) -> str:
    """One line saying which request on which resource failed, and why."""
    what, where = _what(resource), _where(namespace)
    if isinstance(error, APIError):
        message = error.message or str(error)
        if isinstance(error, Forbidden):
            return f"forbidden: cannot {verb} {what}{where}: {message}"
        if isinstance(error, NotFound):
            return (
                f"not found: {what} is not served by the server (is its CustomResourceDefinition "
                f"installed?): {message}"
            )
        if isinstance(error, Unauthorized):
            return f"unauthorized: the server refused the credentials to {verb} {what}{where}: {message}"
        return f"cannot {verb} {what}{where}: {error}"
    if isinstance(error, TransportError):
        return f"cannot reach the server to {verb} {what}{where}: {error}"
    return f"cannot {verb} {what}{where}: {type(error).__name__}: {error}"


def sync_timed_out(
    timeout: float | None,
    resource: GroupVersionResource,
    namespace: str | None,
    verb: str | None,
    error: BaseException | None,
) -> CacheSyncError:
    if error is not None and verb is not None:
        message = describe_failure(verb, error, resource, namespace)
    else:
        message = (
            f"timed out after {timeout:g}s waiting for {_what(resource)}{_where(namespace)} to "
            "sync; no list or watch has failed (the list is slow, or the server does not answer)"
        )
    return CacheSyncError(message, resource=resource, namespace=namespace, verb=verb, error=error)
