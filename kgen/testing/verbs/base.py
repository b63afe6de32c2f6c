"""The ground the verbs stand on: the server's answer (:class:`Response`), the API lock, the content
types of patches, and :class:`VerbBase`, the state and helpers every verb shares."""

from __future__ import annotations

import builtins
import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar, cast

from kgen.testing import errors, merging, schema
from kgen.testing.errors import FieldError, StatusError
from kgen.testing.kinds import (
    BUILTIN_STRATEGIES,
    CUSTOM_RESOURCE_STRATEGY,
    GENERIC_STRATEGY,
    Strategy,
)
from kgen.testing.limits import WATCH_BUFFER_BYTES
from kgen.testing.objects import get_path, now_rfc3339, value_string
from kgen.testing.options import ListQuery, WriteQuery
from kgen.testing.registry import Registry, ResourceType
from kgen.testing.store import Store, StoreError, TooLarge, Unservable
from kgen.testing.verbs import decode as decoding

if TYPE_CHECKING:
    from kgen.testing.api import API

__all__ = [
    "APPLY_PATCH",
    "EXPIRED_CONTINUE",
    "JSON_PATCH",
    "MERGE_PATCH",
    "STRATEGIC_PATCH",
    "Hook",
    "VerbBase",
    "serialized",
    "storage_errors",
]

F = TypeVar("F", bound=Callable[..., Any])


def serialized(method: F) -> F:
    """Run a verb under the API lock: writes and the controllers they trigger are linearizable, even
    when tests seed the store from their own thread while the HTTP server answers requests."""

    @functools.wraps(method)
    def wrapper(self: VerbBase, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextlib.contextmanager
def storage_errors() -> Iterator[None]:
    """Writes the storage refuses, as kube-apiserver answers them: etcd's "request is too large" as
    is (a 500 without a reason), and a value that could not be served (a bug) as an internal error,
    never stored."""
    try:
        yield
    except TooLarge as exc:
        raise errors.storage(exc.message) from None
    except Unservable as exc:
        raise errors.internal(f"the object cannot be stored: {exc}") from None


def storage_error(exc: StoreError) -> StatusError | None:
    """The Status of a storage refusal that reached the HTTP layer (None for other store errors)."""
    if isinstance(exc, TooLarge):
        return errors.storage(exc.message)
    if isinstance(exc, Unservable):
        return errors.internal(f"the object cannot be stored: {exc}")
    return None


JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"

EXPIRED_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can start "
    "a new list without the continue parameter, or use the continue token in this response to "
    "retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the first "
    "chunk was returned and now may show up in the list."
)

# Called after every stored write of a resource: (api, type, verb, old, new).
Hook = Callable[["API", ResourceType, str, dict[str, Any] | None, dict[str, Any] | None], None]


class VerbBase:
    """What every verb stands on: the registry and store, the kinds' strategies, reading stored
    objects, decoding and checking written ones, and the hooks after a write."""

    def __init__(
        self,
        registry: Registry,
        store: Store,
        *,
        rv_wait: float = 3.0,
        bookmark_interval: float = 1.0,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.registry = registry
        self.store = store
        self.rv_wait = rv_wait
        self.bookmark_interval = bookmark_interval
        # What a watch may queue unread before it is ended (None: unbounded).
        self.watch_buffer_bytes: int | None = WATCH_BUFFER_BYTES
        self.now = now
        self._lock = threading.RLock()
        self._collecting = False
        # Called after every stored write of a resource: (api, type, verb, old, new).
        self.hooks: builtins.list[Hook] = []
        # The kind-specific rules of registries (registry/<group>/<kind>/strategy.go), by
        # group/resource; CustomResourceDefinitions add theirs (kgen.testing.crds).
        self.strategies: dict[tuple[str, str], Strategy] = dict(BUILTIN_STRATEGIES)

    # --- helpers ------------------------------------------------------------------------------------

    def lock_if_free(self) -> bool:
        """Take the API lock if no other thread holds it (for running a small verb on the event
        loop, which must never wait for it); :meth:`unlock` releases it."""
        return self._lock.acquire(blocking=False)

    def unlock(self) -> None:
        self._lock.release()

    def resolve(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.registry.get(group, version, plural)
        if rt is None:
            raise errors.not_found_path()
        return rt

    def present(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as served at ``rt``'s version (custom resources convert with strategy None),
        with the defaults its schema has now (read from storage)."""
        obj = schema.stored(self.registry.model, rt, obj)
        if obj.get("apiVersion") == rt.api_version and obj.get("kind") == rt.kind:
            return obj
        out = {"apiVersion": rt.api_version, "kind": rt.kind}
        out.update((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind"))
        return out

    def timestamp(self) -> str:
        return now_rfc3339(self.now())

    def _key_ns(self, rt: ResourceType, namespace: str | None) -> str:
        return (namespace or "") if rt.namespaced else ""

    def get_stored(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.store.get(rt.gr, self._key_ns(rt, namespace), name)
        if obj is None:
            raise errors.not_found(rt.plural, rt.group, name)
        return schema.stored(self.registry.model, rt, obj)

    def field_set(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, str]:
        """The fields a field selector can use on ``obj``."""
        metadata = obj.get("metadata") or {}
        fields = {
            "metadata.name": metadata.get("name") or "",
            "metadata.namespace": metadata.get("namespace") or "",
        }
        for label, path in rt.field_labels.items():
            fields[label] = value_string(get_path(obj, path))
        for path in rt.selectable_fields:
            value = get_path(obj, path)
            if value is not None:
                fields[path] = value_string(value)
        return fields

    def _check_field_labels(self, rt: ResourceType, opts: ListQuery) -> None:
        for requirement in opts.field_selector.requirements:
            problem = rt.field_label_error(requirement.field)
            if problem is not None:
                raise errors.bad_request(problem)

    def _predicate(
        self, rt: ResourceType, opts: ListQuery
    ) -> Callable[[dict[str, Any]], bool] | None:
        if not opts.filtered:
            return None
        labels, fields = opts.label_selector, opts.field_selector

        def matches(obj: dict[str, Any]) -> bool:
            metadata = obj.get("metadata") or {}
            return labels.matches(metadata.get("labels")) and fields.matches(
                self.field_set(rt, obj)
            )

        return matches

    def _parse_rv(self, text: str) -> int:
        """A resourceVersion as etcd's versioner reads it (strconv.ParseUint)."""
        if not (text.isascii() and text.isdigit()) or int(text) >= 2**64:
            raise errors.bad_request(f"invalid resource version: {text}")
        return int(text)

    def _wait_rv(self, rv: int, wait: bool) -> None:
        """A revision newer than the store: wait for it briefly, then 504 as the watch cache does."""
        if rv <= self.store.resource_version:
            return
        if wait and self.store.wait_for(rv, self.rv_wait):
            return
        raise errors.too_large_rv(rv, self.store.resource_version)

    def strategy(self, rt: ResourceType) -> Strategy:
        """The kind-specific rules of ``rt``'s registry (the generic store's for most kinds)."""
        found = self.strategies.get(rt.gr)
        if found is not None:
            return found
        return CUSTOM_RESOURCE_STRATEGY if rt.custom else GENERIC_STRATEGY

    # --- decoding and preparing writes ---------------------------------------------------------------

    def decode(
        self, rt: ResourceType, body: Any, *, expected_kind: str | None = None
    ) -> dict[str, Any]:
        """Check apiVersion and kind of a written object, as the apiserver's decoder does."""
        return decoding.decode(self.registry, rt, body, expected_kind=expected_kind)

    def _schema(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        opts: WriteQuery,
        *,
        typed_decode: bool = False,
        typed_patch: Callable[[schema.Mistyped], StatusError] | None = None,
    ) -> tuple[builtins.list[str], list[FieldError]]:
        """Prune (and for custom resources default and validate); unknown fields per fieldValidation.

        A built-in kind's object is decoded into its Go type first: nulls become zero values, and a
        value of the wrong JSON type fails, with ``typed_decode`` (a request body) as the JSON
        decoder fails (400), with ``typed_patch`` (a patched object) with the error it makes."""
        if rt.type_id is None or rt.type_id not in self.registry.model.types:
            return [], []
        if not rt.custom:
            decoding.zero_nulls(self.registry, rt, obj)
        outcome = schema.process(self.registry.model, rt.type_id, obj, custom=rt.custom)
        # Go decodes null into any type (the zero value): only other values are of the wrong type.
        mistyped = [m for m in outcome.mistyped if m.actual != "null"]
        if not rt.custom and not mistyped:
            bad_bytes = decoding.first_bad_bytes(self.registry, rt, obj)
            if bad_bytes is not None:
                mistyped = [bad_bytes]
        if rt.custom:
            # apiextensions reads a custom object's metadata into a metav1.ObjectMeta
            # (schemaobjectmeta.GetObjectMeta) while decoding: a field of the wrong type fails there.
            mistyped = [m for m in mistyped if m.path.startswith("metadata.")]
        if mistyped:
            if typed_decode and rt.custom:
                first = mistyped[0]
                raise errors.bad_request(
                    f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                    + decoding.unmarshal_error_of(
                        "ObjectMeta",
                        schema.Mistyped(
                            first.path.removeprefix("metadata."),
                            first.expected,
                            first.actual,
                            first.value,
                        ),
                    )
                )
            if typed_decode:
                raise errors.bad_request(
                    f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                    + decoding.unmarshal_error(rt, mistyped[0])
                )
            if typed_patch is not None:
                raise typed_patch(mistyped[0])
        warnings = []
        if outcome.unknown:
            if opts.field_validation == "Strict":
                listed = ", ".join(f'unknown field "{path}"' for path in outcome.unknown)
                raise errors.bad_request(f"strict decoding error: {listed}")
            if opts.field_validation == "Warn":
                warnings = [f'unknown field "{path}"' for path in outcome.unknown]
        return warnings, outcome.errors

    def _invalid(
        self, rt: ResourceType, name: str, problems: builtins.list[FieldError]
    ) -> StatusError:
        return errors.invalid(rt.kind, rt.group, name, problems)

    def _check_namespace(self, rt: ResourceType, namespace: str, name: str) -> None:
        """NamespaceLifecycle admission: the namespace must exist and not be terminating."""
        if not rt.namespaced:
            return
        ns = self.store.get(("", "namespaces"), "", namespace, shared=True)
        if ns is None:
            raise errors.not_found("namespaces", "", namespace)
        if (ns.get("status") or {}).get("phase") == "Terminating" or (ns.get("metadata") or {}).get(
            "deletionTimestamp"
        ):
            raise errors.forbidden(
                rt.plural,
                rt.group,
                name,
                f"unable to create new content in namespace {namespace} because it is being "
                "terminated",
                causes=[
                    {
                        "reason": "NamespaceTerminating",
                        "message": f"namespace {namespace} is being terminated",
                        "field": "metadata.namespace",
                    }
                ],
            )

    def _managed(
        self,
        rt: ResourceType,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        manager: str,
        subresource: str | None,
    ) -> dict[str, Any]:
        """managedFields for an Update operation (from kgen.testing.merge once present)."""
        return merging.track_update(
            self.registry.model,
            rt,
            old,
            new,
            manager=manager,
            subresource=subresource,
            now=self.now(),
        )

    # --- after writes -------------------------------------------------------------------------------

    def after_write(
        self,
        rt: ResourceType,
        verb: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
    ) -> None:
        for hook in list(self.hooks):
            hook(cast("API", self), rt, verb, old, new)
