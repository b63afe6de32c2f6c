"""Everything about a call that is not I/O: paths, query parameters, bodies, content types, decoding.

The sync and async clients share this module (as httpx's BaseClient does), so a request is built the same
way whichever twin sends it.

resourceVersion on reads, as the API defines it:

- ``None`` / ``""``: the most recent data, a consistent (quorum) read;
- ``"0"``: any data the server has cached (cheapest, possibly stale);
- ``"N"``: data at least as fresh as N (``resource_version_match="NotOlderThan"``, the default meaning), or
  exactly N (``resource_version_match="Exact"``, lists only).

A watch should always be given a resourceVersion (usually the list's): without one, the server starts
from "now" and anything that happened between the list and the watch is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import DecodeError
from kgen.runtime._meta import DeleteOptions, Preconditions
from kgen.runtime._selectors import SelectorLike, selector_string

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DeletePropagation",
    "JSONSerializer",
    "ListOptions",
    "PatchType",
    "RequestSpec",
    "Serializer",
    "WriteOptions",
    "delete_body",
    "resource_path",
]

T = TypeVar("T")

#: Objects per page when a list is read page by page (client-go's pager, and its reflector's pages).
DEFAULT_PAGE_SIZE = 500

ResourceVersionMatch = Literal["NotOlderThan", "Exact"]
DeletePropagation = Literal["Orphan", "Background", "Foreground"]
FieldValidation = Literal["Ignore", "Warn", "Strict"]


class PatchType(str, Enum):
    """The patch formats of the API, as content types."""

    JSON = "application/json-patch+json"  # RFC 6902 operations
    MERGE = "application/merge-patch+json"  # RFC 7386: safe for fields the client does not know
    STRATEGIC = (
        "application/strategic-merge-patch+json"  # built-in kinds only (415 on custom resources)
    )
    APPLY = "application/apply-patch+yaml"  # server-side apply (JSON is YAML)


def resolve_patch_type(patch: Any, patch_type: PatchType | None) -> PatchType:
    """The patch type a body is sent as: a list of operations is a JSON patch, anything else a merge
    patch, unless the caller says otherwise; a list sent as a merge patch would only earn a 422."""
    is_operations = isinstance(patch, (list, tuple))
    if patch_type is None:
        return PatchType.JSON if is_operations else PatchType.MERGE
    patch_type = PatchType(patch_type)  # the content type as a string works too
    if is_operations and patch_type is not PatchType.JSON:
        raise ValueError(
            f"a list of operations is a JSON patch, not {patch_type.name.lower()}: leave patch_type "
            "out or pass PatchType.JSON"
        )
    return patch_type


class Serializer(Protocol):
    """How bodies are written and answers read. JSON today; protobuf or CBOR can be added as another."""

    content_type: str
    accept: str

    def encode(self, value: Any) -> bytes: ...

    def decode(self, data: bytes, tp: type[T]) -> T: ...


class JSONSerializer:
    content_type = "application/json"
    accept = "application/json"

    def encode(self, value: Any) -> bytes:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        return codec.encode(value)

    def decode(self, data: bytes, tp: type[T]) -> T:
        try:
            return codec.decode(data, tp)
        except msgspec.ValidationError as exc:
            raise DecodeError(f"the answer does not fit {_name(tp)}: {exc}") from exc
        except msgspec.DecodeError as exc:
            raise DecodeError(f"the answer is not valid JSON: {exc}") from exc


def _name(tp: Any) -> str:
    return getattr(tp, "__name__", repr(tp))


def resource_path(
    group: str,
    version: str,
    resource: str | None = None,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
) -> str:
    """``/api/v1/namespaces/ns/pods/name/status`` or ``/apis/apps/v1/deployments``."""
    parts = ["api", version] if not group else ["apis", group, version]
    if namespace is not None:
        if not namespace:
            raise ValueError("namespace must not be empty (use the cluster-wide call instead)")
        parts += ["namespaces", namespace]
    if resource:
        parts.append(resource)
        if name is not None:
            if not name:
                raise ValueError("name must not be empty")
            parts.append(name)
            if subresource:
                parts.append(subresource)
        elif subresource:
            raise ValueError("a subresource needs a name")
    return "/" + "/".join(quote(part, safe="") for part in parts)


@dataclass(slots=True)
class ListOptions:
    """Options of list, watch and deletecollection (metav1.ListOptions)."""

    label_selector: SelectorLike | None = None
    field_selector: SelectorLike | None = None
    resource_version: str | None = None
    resource_version_match: ResourceVersionMatch | None = None
    limit: int | None = None
    continue_: str | None = None
    timeout_seconds: int | None = None
    allow_watch_bookmarks: bool | None = None
    send_initial_events: bool | None = None

    def params(self, *, watch: bool = False) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if watch:
            out.append(("watch", "true"))
        labels = selector_string(self.label_selector)
        fields = selector_string(self.field_selector, field=True)
        if labels:
            out.append(("labelSelector", labels))
        if fields:
            out.append(("fieldSelector", fields))
        if self.resource_version is not None:
            out.append(("resourceVersion", self.resource_version))
        if self.resource_version_match is not None:
            out.append(("resourceVersionMatch", self.resource_version_match))
        if self.limit is not None:
            out.append(("limit", str(self.limit)))
        if self.continue_:
            out.append(("continue", self.continue_))
        if self.timeout_seconds is not None:
            out.append(("timeoutSeconds", str(self.timeout_seconds)))
        if self.allow_watch_bookmarks is not None:
            out.append(("allowWatchBookmarks", _bool(self.allow_watch_bookmarks)))
        if self.send_initial_events is not None:
            out.append(("sendInitialEvents", _bool(self.send_initial_events)))
        return out


@dataclass(slots=True)
class WriteOptions:
    """Options of create, update and patch (CreateOptions, UpdateOptions, PatchOptions)."""

    dry_run: bool = False
    field_manager: str | None = None
    field_validation: FieldValidation | None = None
    force: bool | None = None  # apply only

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.dry_run:
            out.append(("dryRun", "All"))
        if self.field_manager:
            out.append(("fieldManager", self.field_manager))
        if self.field_validation:
            out.append(("fieldValidation", self.field_validation))
        if self.force is not None:
            out.append(("force", _bool(self.force)))
        return out


def _bool(value: bool) -> str:
    return "true" if value else "false"


def delete_body(
    *,
    uid: str | None = None,
    resource_version: str | None = None,
    propagation_policy: DeletePropagation | None = None,
    grace_period_seconds: int | None = None,
    dry_run: bool = False,
) -> DeleteOptions:
    """The DeleteOptions body of a DELETE. Preconditions make it apply only to the object you read."""
    preconditions = None
    if uid is not None or resource_version is not None:
        preconditions = Preconditions(uid=uid, resource_version=resource_version)
    return DeleteOptions(
        preconditions=preconditions,
        propagation_policy=propagation_policy,
        grace_period_seconds=grace_period_seconds,
        dry_run=["All"] if dry_run else None,
    )


#: A request timeout meaning "no read timeout" (watches and followed logs: events may be minutes
#: apart; the server ends the stream, and informers detect a dead connection themselves). Connecting
#: is still bounded by the config's timeout.
NO_READ_TIMEOUT = float("inf")


@dataclass(slots=True)
class RequestSpec:
    """A request before it is sent: the sync and async transports both take one."""

    method: str
    path: str
    params: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    content_type: str | None = None
    accept: str = "application/json"
    timeout: float | None = None  # None: the config's; NO_READ_TIMEOUT: none while reading
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def idempotent(self) -> bool:
        return self.method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")


def patch_body(patch: Any, patch_type: PatchType, serializer: Serializer) -> bytes:
    """Encode a patch: bytes as given, a model through the codec, dicts and lists as JSON."""
    if isinstance(patch, (bytes, bytearray)):
        return bytes(patch)
    if isinstance(patch, str):
        return patch.encode()
    if patch_type is PatchType.JSON and not isinstance(patch, (list, tuple)):
        raise TypeError("a JSON patch is a list of operations")
    return serializer.encode(patch)
