"""Everything about a call that is not I/O: paths, options, query parameters, bodies, headers, answers.

The sync and async clients share this module (as httpx's BaseClient does), so a request is built the same
way whichever twin sends it, and by the typed and the dynamic client alike.

Options are values, as in kube-rs (``ListParams``, ``PostParams``, ``DeleteParams``) and client-go
(``metav1.ListOptions``...): :class:`ListOptions` (list, watch, deletecollection), :class:`WriteOptions`
(create, update, patch, apply), :class:`~kgen.runtime._meta.DeleteOptions` (delete, deletecollection: the
meta/v1 type itself, sent as the body) and :class:`LogOptions` (logs). Every verb takes its options value,
and the same options as keywords, a thin wrapper: a keyword given sets that field on (a copy of) the
value; a keyword left at its default leaves the value's field as it is (:func:`with_keywords`).

resourceVersion on reads, as the API defines it:

- ``None`` / ``""``: the most recent data, a consistent (quorum) read;
- ``"0"``: any data the server has cached (cheapest, possibly stale);
- ``"N"``: data at least as fresh as N (``resource_version_match="NotOlderThan"``, the default meaning), or
  exactly N (``resource_version_match="Exact"``, lists only).

A watch should always be given a resourceVersion (usually the list's): without one, the server starts
from "now" and anything that happened between the list and the watch is lost.
"""

from __future__ import annotations

import dataclasses
import platform
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar
from urllib.parse import quote

import msgspec

import kgen.runtime._codec as codec
from kgen import __version__
from kgen.runtime._errors import DecodeError
from kgen.runtime._meta import DeleteOptions, Preconditions

if TYPE_CHECKING:
    import httpx

    from kgen.runtime._selectors import SelectorLike

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DeletePropagation",
    "FieldValidation",
    "JSONSerializer",
    "ListOptions",
    "LogOptions",
    "MAX_RETRY_AFTER",
    "NO_READ_TIMEOUT",
    "PatchType",
    "RequestSpec",
    "ResourceVersionMatch",
    "Result",
    "Serializer",
    "WriteOptions",
    "delete_options",
    "header_key_escape",
    "resolve_patch_type",
    "resource_path",
    "retry_after_seconds",
    "user_agent",
    "with_keywords",
]

T = TypeVar("T")

#: Objects per page when a list is read page by page (client-go's pager, and its reflector's pages).
DEFAULT_PAGE_SIZE = 500

#: Seconds a list request outlives the ``timeoutSeconds`` it asks the server for (client-go: the
#: server ends the list, not the client, so the client's timeout must be longer than the server's).
LIST_TIMEOUT_MARGIN = 5.0
#: Seconds of silence beyond its ``timeoutSeconds`` after which a watch's connection counts as dead.
#: Longer than the reflector's ``idle_margin`` (5 s), which notices first and re-watches at once.
WATCH_TIMEOUT_MARGIN = 10.0

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
        return decode_answer(data, tp)


def decode_answer(
    data: bytes | bytearray | memoryview | str, tp: type[T], *, name: str | None = None
) -> T:
    """An answer's JSON as ``tp``; what does not fit is a DecodeError naming ``name`` (``tp``'s)."""
    try:
        return codec.decode(data, tp)
    except msgspec.ValidationError as exc:
        raise DecodeError(f"the answer does not fit {name or _name(tp)}: {exc}") from exc
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


# --- options ----------------------------------------------------------------------------------------


def _selector_string(selector: SelectorLike | None, *, field: bool = False) -> str | None:
    """:func:`kgen.runtime._selectors.selector_string`, whose module (and the label parser behind it)
    is imported by the first request that has a selector, not by every program that lists."""
    if selector is None:
        return None
    from kgen.runtime._selectors import selector_string

    return selector_string(selector, field=field)


@dataclass(slots=True)
class ListOptions:
    """Options of list, watch and deletecollection (metav1.ListOptions).

    ``allow_watch_bookmarks`` None is "on" for a watch (kgen asks for bookmarks unless told not to:
    they keep the resume point fresh); ``send_initial_events`` without ``resource_version_match``
    means ``NotOlderThan``, the only match the server accepts with it."""

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
        labels = _selector_string(self.label_selector)
        fields = _selector_string(self.field_selector, field=True)
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

    def for_watch(self) -> ListOptions:
        """These options as a watch sends them: bookmarks on unless turned off, and the match a
        streaming list needs."""
        bookmarks = self.allow_watch_bookmarks is not False
        match = self.resource_version_match
        if self.send_initial_events and match is None:
            match = "NotOlderThan"
        return dataclasses.replace(
            self, allow_watch_bookmarks=bookmarks, resource_version_match=match
        )


@dataclass(slots=True)
class WriteOptions:
    """Options of create, update, patch and apply (CreateOptions, UpdateOptions, PatchOptions)."""

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


@dataclass(slots=True)
class LogOptions:
    """Options of a log read (PodLogOptions). ``follow`` None: the verb's default (``log`` reads what
    is there, ``stream_log`` follows)."""

    container: str | None = None
    follow: bool | None = None
    previous: bool = False
    since_seconds: int | None = None
    timestamps: bool = False
    tail_lines: int | None = None
    limit_bytes: int | None = None

    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.container:
            out.append(("container", self.container))
        if self.follow:
            out.append(("follow", "true"))
        if self.previous:
            out.append(("previous", "true"))
        if self.since_seconds is not None:
            out.append(("sinceSeconds", str(self.since_seconds)))
        if self.timestamps:
            out.append(("timestamps", "true"))
        if self.tail_lines is not None:
            out.append(("tailLines", str(self.tail_lines)))
        if self.limit_bytes is not None:
            out.append(("limitBytes", str(self.limit_bytes)))
        return out


def _bool(value: bool) -> str:
    return "true" if value else "false"


O = TypeVar("O", ListOptions, WriteOptions, LogOptions)

_DEFAULTS: dict[type[Any], dict[str, Any]] = {
    cls: {f.name: f.default for f in dataclasses.fields(cls)}
    for cls in (ListOptions, WriteOptions, LogOptions)
}


def with_keywords(options: O | None, cls: type[O], **keywords: Any) -> O:
    """``options`` (or the defaults) with the keywords a caller gave: the keyword form of every verb.

    A keyword at its default (None, False) was not given and leaves the field as ``options`` has it;
    ``options`` itself is never changed."""
    defaults = _DEFAULTS[cls]
    given = {key: value for key, value in keywords.items() if value != defaults[key]}
    if options is None:
        return cls(**given)
    return dataclasses.replace(options, **given) if given else options


def delete_options(
    options: DeleteOptions | None = None,
    *,
    uid: str | None = None,
    resource_version: str | None = None,
    propagation_policy: DeletePropagation | None = None,
    grace_period_seconds: int | None = None,
    dry_run: bool = False,
) -> DeleteOptions:
    """``options`` (or empty DeleteOptions) with the keywords of ``delete`` set, as for
    :func:`with_keywords`. ``uid`` and ``resource_version`` are preconditions: they make the delete
    apply only to the object you read. ``dry_run`` is ``dryRun: ["All"]``."""
    out = msgspec.structs.replace(options) if options is not None else DeleteOptions()
    if uid is not None or resource_version is not None:
        given = out.preconditions or Preconditions()
        out.preconditions = Preconditions(
            uid=uid if uid is not None else given.uid,
            resource_version=(
                resource_version if resource_version is not None else given.resource_version
            ),
        )
    if propagation_policy is not None:
        out.propagation_policy = propagation_policy
    if grace_period_seconds is not None:
        out.grace_period_seconds = grace_period_seconds
    if dry_run:
        out.dry_run = ["All"]
    return out


# --- requests and answers ---------------------------------------------------------------------------

#: A request timeout meaning "no read timeout" (watches and followed logs: events may be minutes
#: apart; the server ends the stream, and informers detect a dead connection themselves). Connecting
#: is still bounded by the config's timeout.
NO_READ_TIMEOUT = float("inf")

#: Never sleep longer than this on one Retry-After.
MAX_RETRY_AFTER = 60.0


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


class Result:
    """A successful answer, read: raw bytes, or decoded into a model with :meth:`into`."""

    __slots__ = ("_serializer", "body", "headers", "status_code")

    def __init__(self, response: httpx.Response, serializer: Serializer) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.body = response.content
        self._serializer = serializer

    def raw(self) -> bytes:
        return self.body

    def into(self, tp: type[T]) -> T:
        return self._serializer.decode(self.body, tp)


def user_agent(package: str | None) -> str:
    """kgen's User-Agent, naming the generated package that sends it."""
    import httpx  # only the transports call this, and they have loaded httpx already

    base = f"kgen/{__version__} (python/{platform.python_version()}; httpx/{httpx.__version__})"
    return f"{base} {package}" if package else base


_HEADER_TOKEN = frozenset(
    "!#$&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)


def header_key_escape(key: str) -> str:
    """client-go's headerKeyEscape: what cannot be in a header name, and ``%``, is %-encoded."""
    return "".join(chr(b) if chr(b) in _HEADER_TOKEN else f"%{b:02X}" for b in key.encode("utf-8"))


def retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header's wait in seconds, at most :data:`MAX_RETRY_AFTER`; None without one."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: the API server only sends seconds
    return max(0.0, min(seconds, MAX_RETRY_AFTER))
