"""REST semantics of kube-apiserver over the storage engine, without HTTP.

:class:`API` implements the verbs (create, get, list, update, patch, delete, deletecollection, watch) and
the subresources, with the generic registry's rules: generateName, uid and timestamps, one global
resourceVersion, optimistic concurrency, the status-subresource split, generation bumps, finalizers and
deletion, garbage collection through ownerReferences, namespace lifecycle, dry runs, schema pruning,
defaulting and validation, selectors and paging. Every failure raises
:class:`~kgen.testing.errors.StatusError` carrying the Status the apiserver would send.

The HTTP server (:mod:`kgen.testing.http`) only parses requests and calls this; an in-process fake
clientset can call it directly.
"""

from __future__ import annotations

import builtins

import copy
import functools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from kgen.runtime._patch import apply_merge_patch
from kgen.testing import errors, merging, schema
from kgen.testing.errors import StatusError, FieldError
from kgen.testing.objects import (
    decode_continue,
    encode_continue,
    get_path,
    meta,
    new_uid,
    now_rfc3339,
    random_suffix,
    value_string,
)
from kgen.testing.options import DeleteQuery, ListQuery, WriteQuery
from kgen.testing.registry import Registry, ResourceType
from kgen.testing.store import (
    KeyExists,
    KeyNotFound,
    Store,
    TooOld,
    VersionConflict,
    sort_key,
)
from kgen.testing.validation import name_check, validate_object_meta
from kgen.testing.watch import WatchSession

__all__ = ["API", "Response"]

F = TypeVar("F", bound=Callable[..., Any])


def _serialized(method: F) -> F:
    """Run a verb under the API lock: writes and the controllers they trigger are linearizable, even
    when tests seed the store from their own thread while the HTTP server answers requests."""

    @functools.wraps(method)
    def wrapper(self: API, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
# The scheme named in "no kind is registered" errors (naming.GetNameFromCallsite of
# legacyscheme.Scheme: the path depends on how kube-apiserver was built; this is the -trimpath form).
LEGACY_SCHEME = "pkg/api/legacyscheme/scheme.go:30"


@dataclass(slots=True)
class Response:
    """The answer to a call: HTTP status code, body (an object, a Status, or text) and warnings."""

    code: int
    body: Any
    warnings: list[str] = field(default_factory=list)
    content_type: str = "application/json"


Hook = Callable[["API", ResourceType, str, dict[str, Any] | None, dict[str, Any] | None], None]


class API:
    """The verbs of every served resource, over one :class:`Store`."""

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
        self.now = now
        self._lock = threading.RLock()
        self._collecting = False
        # Called after every stored write of a resource: (api, type, verb, old, new).
        self.hooks: builtins.list[Hook] = []
        # Kind-specific PrepareForCreate/PrepareForUpdate (obj, old or None), validation and delete.
        self.prepare_hooks: builtins.list[
            Callable[[ResourceType, dict[str, Any], dict[str, Any] | None], None]
        ] = []
        self.validators: dict[
            tuple[str, str],
            Callable[[dict[str, Any], dict[str, Any] | None], list[FieldError]],
        ] = {}
        self.deleters: dict[
            tuple[str, str],
            Callable[[ResourceType, dict[str, Any], DeleteQuery], Response],
        ] = {}

    # --- helpers ------------------------------------------------------------------------------------

    def resolve(self, group: str, version: str, plural: str) -> ResourceType:
        rt = self.registry.get(group, version, plural)
        if rt is None:
            raise errors.not_found_path()
        return rt

    def present(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """An object as served at ``rt``'s version (custom resources convert with strategy None)."""
        if obj.get("apiVersion") == rt.api_version and obj.get("kind") == rt.kind:
            return obj
        out = {"apiVersion": rt.api_version, "kind": rt.kind}
        out.update((k, v) for k, v in obj.items() if k not in ("apiVersion", "kind"))
        return out

    def _timestamp(self) -> str:
        return now_rfc3339(self.now())

    def _key_ns(self, rt: ResourceType, namespace: str | None) -> str:
        return (namespace or "") if rt.namespaced else ""

    def _get_stored(self, rt: ResourceType, namespace: str | None, name: str) -> dict[str, Any]:
        obj = self.store.get(rt.gr, self._key_ns(rt, namespace), name)
        if obj is None:
            raise errors.not_found(rt.plural, rt.group, name)
        return obj

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
        try:
            value = int(text)
            if value < 0:
                raise ValueError
            return value
        except ValueError:
            raise errors.bad_request(f"invalid resource version: {text}") from None

    def _wait_rv(self, rv: int, wait: bool) -> None:
        """A revision newer than the store: wait for it briefly, then 504 as the watch cache does."""
        if rv <= self.store.resource_version:
            return
        if wait and self.store.wait_for(rv, self.rv_wait):
            return
        raise errors.too_large_rv(rv, self.store.resource_version)

    # --- decoding and preparing writes ---------------------------------------------------------------

    def _decode(
        self, rt: ResourceType, body: Any, *, expected_kind: str | None = None
    ) -> dict[str, Any]:
        """Check apiVersion and kind of a written object, as the apiserver's decoder does."""
        kind_wanted = expected_kind or rt.kind
        if not isinstance(body, dict):
            raise errors.bad_request(
                f"the object provided is unrecognized (must be of type {kind_wanted}): "
                "couldn't get version/kind; json parse error"
            )
        obj = copy.deepcopy(body)
        api_version = obj.get("apiVersion")
        kind = obj.get("kind")
        if expected_kind is not None:
            self._check_expected_kind(rt, kind, api_version, expected_kind)
        elif rt.custom:
            self._check_custom_kind(rt, obj, kind, api_version)
        else:
            self._check_builtin_kind(rt, kind, api_version)
        if expected_kind is None:
            obj["apiVersion"] = rt.api_version
            obj["kind"] = rt.kind
        if "metadata" in obj and not isinstance(obj["metadata"], dict):
            raise errors.bad_request(
                f'{kind_wanted} in version "{rt.version}" cannot be handled as a {kind_wanted}: '
                "metadata must be an object"
            )
        return obj

    def _check_expected_kind(
        self, rt: ResourceType, kind: Any, api_version: Any, expected_kind: str
    ) -> None:
        """A subresource body (Scale, Binding...): only its kind is checked."""
        if kind and kind != expected_kind:
            version = str(api_version or rt.api_version).rpartition("/")[2]
            raise errors.bad_request(
                f'{kind} in version "{version}" cannot be handled as a {expected_kind}: '
                f'no kind "{kind}" is registered for version "{api_version or rt.api_version}"'
            )

    def _check_builtin_kind(self, rt: ResourceType, kind: Any, api_version: Any) -> None:
        """The typed decoder: the scheme must know the (defaulted) group/version/kind of the data,
        convert it to the internal type of the resource, and the group/version must be the URL's."""
        api_version = str(api_version or rt.api_version)
        kind = str(kind or rt.kind)
        group, _, version = api_version.rpartition("/")
        prefix = f'{kind} in version "{version}" cannot be handled as a {rt.kind}: '
        gv = self.registry.model.group_versions.get((group, version))
        registered = gv is not None and kind in gv.kinds
        if not registered and (group, kind) == (rt.group, rt.kind):
            # The scheme also holds the versions of a group that are no longer served (apps/v1beta1
            # Deployments), which the model does not list: those decode, then fail the version check.
            registered = re.fullmatch(r"v\d+(?:(?:alpha|beta)\d+)?", version) is not None
        if not registered:
            raise errors.bad_request(
                f'{prefix}no kind "{kind}" is registered for version "{api_version}" in scheme '
                f'"{LEGACY_SCHEME}"'
            )
        if kind != rt.kind:
            # Conversion goes to the resource's internal type, in its group's internal package.
            internal = "core" if rt.group in ("", "events.k8s.io") else rt.group.split(".")[0]
            raise errors.bad_request(
                f"{prefix}converting ({version}.{kind}) to ({internal}.{rt.kind}): "
                "unknown conversion"
            )
        if api_version != rt.api_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rt.api_version})"
            )

    def _check_custom_kind(
        self, rt: ResourceType, obj: dict[str, Any], kind: Any, api_version: Any
    ) -> None:
        """The unstructured decoder wants a kind; then the version must be the URL's, and the
        custom resource validator wants the CRD's kind."""
        text = json.dumps(obj, separators=(",", ":"))
        if not kind:
            raise errors.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                f"Object 'Kind' is missing in '{text}'"
            )
        if not api_version:
            raise errors.bad_request(f"Object 'apiVersion' is missing in '{text}'")
        if api_version != rt.api_version:
            raise errors.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({rt.api_version})"
            )
        if kind != rt.kind:
            name = str((obj.get("metadata") or {}).get("name") or "")
            raise errors.invalid(
                str(kind), rt.group, name, [FieldError.invalid("kind", kind, f"must be {rt.kind}")]
            )

    def _schema(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        opts: WriteQuery,
        *,
        typed_decode: bool = False,
    ) -> tuple[builtins.list[str], list[FieldError]]:
        """Prune (and for custom resources default and validate); unknown fields per fieldValidation.

        With ``typed_decode`` (a request body decoded into a built-in Go type), a value of the wrong
        JSON type fails decoding with 400, as the JSON decoder does, before anything else."""
        if rt.type_id is None or rt.type_id not in self.registry.model.types:
            return [], []
        outcome = schema.process(self.registry.model, rt.type_id, obj, custom=rt.custom)
        if typed_decode and not rt.custom and outcome.mistyped:
            raise errors.bad_request(
                f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: '
                + _unmarshal_error(rt, outcome.mistyped[0])
            )
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
        ns = self.store.get(("", "namespaces"), "", namespace)
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

    # --- create -------------------------------------------------------------------------------------

    @_serialized
    def create(
        self,
        rt: ResourceType,
        namespace: str | None,
        body: Any,
        opts: WriteQuery | None = None,
    ) -> Response:
        opts = opts or WriteQuery()
        if "create" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "create")
        obj = self._decode(rt, body)
        warnings, problems = self._schema(rt, obj, opts, typed_decode=True)
        metadata = meta(obj)
        request_ns = self._key_ns(rt, namespace)
        self._check_namespace(rt, request_ns, metadata.get("name") or "")
        if rt.namespaced:
            if metadata.get("namespace") and metadata["namespace"] != request_ns:
                raise errors.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the "
                    "request"
                )
            metadata["namespace"] = request_ns
        else:
            metadata.pop("namespace", None)
        if metadata.get("resourceVersion"):
            raise StatusError(
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": "resourceVersion should not be set on objects to be created",
                    "code": 500,
                }
            )
        generate = not metadata.get("name") and bool(metadata.get("generateName"))
        for attempt in range(8 if generate else 1):
            candidate = copy.deepcopy(obj)
            try:
                return self._create_once(rt, candidate, opts, warnings, problems, generate)
            except StatusError as exc:
                if not (generate and exc.reason == "AlreadyExists" and attempt < 7):
                    raise
        raise AssertionError("unreachable")

    def _create_once(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        opts: WriteQuery,
        warnings: builtins.list[str],
        problems: builtins.list[FieldError],
        generate: bool,
    ) -> Response:
        metadata = meta(obj)
        if generate:
            metadata["name"] = metadata["generateName"] + random_suffix()
        # FillObjectMetaSystemFields and BeforeCreate: the server owns these.
        for key in ("deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            metadata.pop(key, None)
        metadata["uid"] = new_uid()
        metadata["creationTimestamp"] = self._timestamp()
        # Registries that track generation start it at 1; BeforeCreate leaves it alone elsewhere,
        # so a ConfigMap keeps whatever generation the client sent.
        if rt.sets_generation:
            metadata["generation"] = 1
        self._prepare_create(rt, obj)
        name = metadata.get("name") or ""
        all_problems = validate_object_meta(
            metadata, namespaced=rt.namespaced, check=name_check(rt.name_rule)
        )
        all_problems += problems
        all_problems += self._validate_kind(rt, obj, None)
        if all_problems:
            raise self._invalid(rt, name, all_problems)
        if not opts.keep_managed:
            obj = self._managed(rt, None, obj, opts.manager, None)
        if opts.dry_run:
            existing = self.store.get(rt.gr, metadata.get("namespace") or "", name)
            if existing is not None:
                raise errors.already_exists(rt.plural, rt.group, name)
            return Response(201, self.present(rt, obj), warnings)
        try:
            stored = self.store.create(rt.gr, obj)
        except KeyExists:
            existing = self.store.get(rt.gr, metadata.get("namespace") or "", name) or {}
            error = errors.already_exists(rt.plural, rt.group, name)
            if (existing.get("metadata") or {}).get("deletionTimestamp"):
                error.status["message"] = "object is being deleted: " + error.status["message"]
            raise error from None
        self._after_write(rt, "create", None, stored)
        return Response(201, self.present(rt, stored), warnings)

    def _prepare_create(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        """The kind-specific PrepareForCreate of the registries kgen knows."""
        if rt.custom and rt.has_status:
            obj.pop("status", None)
        elif rt.gr == ("", "namespaces"):
            spec = obj.setdefault("spec", {})
            finalizers = list(spec.get("finalizers") or [])
            if "kubernetes" not in finalizers:
                finalizers.append("kubernetes")
            spec["finalizers"] = finalizers
            obj["status"] = {"phase": "Active"}
            labels = meta(obj).setdefault("labels", {})
            labels["kubernetes.io/metadata.name"] = meta(obj).get("name") or ""
        elif rt.gr == ("", "pods"):
            obj["status"] = {"phase": "Pending", "qosClass": _qos_class(obj)}
        elif rt.gr == ("apps", "deployments"):
            obj["status"] = {}
        elif rt.gr == ("", "services"):
            obj["status"] = {"loadBalancer": {}}
        for hook in self.prepare_hooks:
            hook(rt, obj, None)

    def _validate_kind(
        self, rt: ResourceType, obj: dict[str, Any], old: dict[str, Any] | None
    ) -> builtins.list[FieldError]:
        """Kind-specific validation kgen knows (CustomResourceDefinitions are checked in crds)."""
        validators = self.validators.get(rt.gr)
        return validators(obj, old) if validators else []

    # --- get and list -------------------------------------------------------------------------------

    def get(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        resource_version: str = "",
        wait: bool = True,
    ) -> Response:
        if "get" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "get")
        if resource_version not in ("", "0"):
            self._wait_rv(self._parse_rv(resource_version), wait)
        with self._lock:
            return Response(200, self.present(rt, self._get_stored(rt, namespace, name)))

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        opts: ListQuery | None = None,
        *,
        wait: bool = True,
    ) -> Response:
        opts = opts or ListQuery()
        if "list" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "list")
        if wait and not opts.continue_ and opts.resource_version not in ("", "0"):
            # Wait outside the lock: the revision comes from a writer that needs it.
            requested = self._parse_rv(opts.resource_version)
            if requested > self.store.resource_version:
                self.store.wait_for(requested, self.rv_wait)
        with self._lock:
            return self._list(rt, namespace, opts)

    def _list(self, rt: ResourceType, namespace: str | None, opts: ListQuery) -> Response:
        wait = False
        self._check_field_labels(rt, opts)
        scope = namespace if rt.namespaced and namespace else None
        predicate = self._predicate(rt, opts)
        start = ""
        at: int | None = None
        rv_text, match = opts.resource_version, opts.resource_version_match
        limit = opts.limit
        if opts.continue_:
            if rv_text not in ("", "0"):
                raise errors.bad_request(
                    "specifying resource version is not allowed when using continue"
                )
            try:
                at, start = decode_continue(opts.continue_)
            except ValueError as exc:
                raise errors.bad_request(str(exc)) from None
        elif rv_text in ("", "0"):
            if rv_text == "0":
                limit = 0  # served from the watch cache, which ignores limit
        else:
            requested = self._parse_rv(rv_text)
            if match == "Exact" or (match == "" and limit > 0):
                if requested > self.store.resource_version:
                    self._wait_rv(requested, wait)
                at = requested
            else:
                self._wait_rv(requested, wait)
        try:
            items, read_at = self.store.list(rt.gr, scope, at=at)
        except TooOld as exc:
            if opts.continue_:
                token = encode_continue(self.store.resource_version, start)
                raise errors.gone(EXPIRED_CONTINUE, token) from None
            raise errors.gone(f"too old resource version: {exc.requested} ({exc.oldest})") from None
        if start:
            items = [i for i in items if sort_key(*_key_of(i)) >= start]
        if predicate is not None:
            items = [i for i in items if predicate(i)]
        list_meta: dict[str, Any] = {"resourceVersion": str(read_at)}
        if limit and len(items) > limit:
            rest = items[limit:]
            items = items[:limit]
            list_meta["continue"] = encode_continue(read_at, sort_key(*_key_of(items[-1])) + "\x00")
            if predicate is None:
                list_meta["remainingItemCount"] = len(rest)
        return Response(
            200,
            {
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": list_meta,
                "items": [self._list_item(rt, i) for i in items],
            },
        )

    def _list_item(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        """An item of a list. Built-in lists are typed ([]ConfigMap): their items are encoded
        without kind and apiVersion. Custom resource lists are unstructured and keep them."""
        if rt.custom:
            return self.present(rt, obj)
        return {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}

    # --- update -------------------------------------------------------------------------------------

    @_serialized
    def update(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        opts: WriteQuery | None = None,
        *,
        subresource: str | None = None,
    ) -> Response:
        opts = opts or WriteQuery()
        if subresource is None and "update" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "update")
        obj = self._decode(rt, body)
        warnings, problems = self._schema(rt, obj, opts, typed_decode=True)
        metadata = meta(obj)
        if metadata.get("name") != name:
            raise errors.bad_request(
                f"the name of the object ({metadata.get('name') or ''}) does not match the name on "
                f"the URL ({name})"
            )
        key_ns = self._key_ns(rt, namespace)
        if rt.namespaced and metadata.get("namespace") and metadata["namespace"] != key_ns:
            raise errors.bad_request(
                f"the namespace of the object ({metadata['namespace']}) does not match the "
                f"namespace on the request ({key_ns})"
            )
        if rt.namespaced:
            metadata["namespace"] = key_ns
        else:
            metadata.pop("namespace", None)
        existing = self._get_stored(rt, namespace, name)
        self._check_uid_precondition(rt, existing, metadata.get("uid"))
        return self._write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource
        )

    def _check_uid_precondition(self, rt: ResourceType, existing: dict[str, Any], uid: Any) -> None:
        """An update's object carries its uid as a precondition (DefaultUpdatedObjectInfo), which the
        storage checks before anything else: another uid is a Conflict, not an immutable field."""
        old_meta = meta(existing)
        if not uid or uid == old_meta.get("uid"):
            return
        name = old_meta.get("name") or ""
        prefix = f"{rt.group}/{rt.plural}" if rt.custom else rt.plural
        key = "/".join(p for p in ("/registry", prefix, old_meta.get("namespace") or "", name) if p)
        raise errors.conflict(
            rt.plural,
            rt.group,
            name,
            f"StorageError: invalid object, Code: 4, Key: {key}, ResourceVersion: 0, "
            f"AdditionalErrorMsg: Precondition failed: UID in precondition: {uid}, UID in object "
            f"meta: {old_meta.get('uid')}",
        )

    def _write_update(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        obj: dict[str, Any],
        opts: WriteQuery,
        warnings: builtins.list[str],
        problems: builtins.list[FieldError],
        *,
        subresource: str | None,
        manager_op: str = "update",
    ) -> Response:
        """The generic store's Update: preconditions, BeforeUpdate, delete-on-emptied-finalizers."""
        name = meta(existing)["name"]
        old_meta = meta(existing)
        new_rv = meta(obj).get("resourceVersion") or ""
        if not new_rv and rt.custom:
            raise errors.invalid(
                rt.plural,
                rt.group,
                name,
                [
                    FieldError.invalid(
                        "metadata.resourceVersion", _GoHex(0), "must be specified for an update"
                    )
                ],
            )
        if new_rv and new_rv != old_meta.get("resourceVersion"):
            raise errors.conflict(rt.plural, rt.group, name)
        obj = self._before_update(rt, existing, obj, subresource)
        all_problems = list(problems)
        all_problems += _immutable_meta(meta(obj), old_meta)
        all_problems += validate_object_meta(
            meta(obj), namespaced=rt.namespaced, check=name_check(rt.name_rule)
        )
        all_problems += self._validate_kind(rt, obj, existing)
        if all_problems:
            raise self._invalid(rt, name, all_problems)
        if manager_op == "update":
            obj = self._managed(rt, existing, obj, opts.manager, subresource)
        if _should_delete_during_update(obj, existing):
            if opts.dry_run:
                return Response(200, self.present(rt, obj), warnings)
            try:
                self.store.delete(rt.gr, old_meta.get("namespace") or "", name)
            except KeyNotFound:
                pass
            self._after_write(rt, "delete", existing, None)
            return Response(200, self.present(rt, obj), warnings)
        if opts.dry_run:
            meta(obj)["resourceVersion"] = old_meta.get("resourceVersion")
            return Response(200, self.present(rt, obj), warnings)
        try:
            stored, changed = self.store.update(
                rt.gr, obj, expected_rv=old_meta.get("resourceVersion")
            )
        except (KeyNotFound, VersionConflict):
            raise errors.conflict(rt.plural, rt.group, name) from None
        if changed:
            self._after_write(rt, "update", existing, stored)
        return Response(200, self.present(rt, stored), warnings)

    def _before_update(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        obj: dict[str, Any],
        subresource: str | None,
    ) -> dict[str, Any]:
        """Status-subresource split, system fields kept, generation bumped on spec changes."""
        old_meta = meta(existing)
        if subresource == "status":
            # Only .status changes (and the managedFields tracking them).
            new = copy.deepcopy(existing)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            if "managedFields" in meta(obj):
                meta(new)["managedFields"] = meta(obj)["managedFields"]
            return new
        if rt.has_status and subresource is None:
            if "status" in existing:
                obj["status"] = copy.deepcopy(existing["status"])
            else:
                obj.pop("status", None)
        new_meta = meta(obj)
        new_meta.pop("selfLink", None)
        if old_meta.get("generation") is not None:
            new_meta["generation"] = old_meta["generation"]
        else:
            new_meta.pop("generation", None)
        if not new_meta.get("uid"):
            new_meta["uid"] = old_meta.get("uid")
        new_meta["creationTimestamp"] = old_meta.get("creationTimestamp")
        if old_meta.get("deletionTimestamp"):
            new_meta["deletionTimestamp"] = old_meta["deletionTimestamp"]
        else:
            new_meta.pop("deletionTimestamp", None)
        if (
            old_meta.get("deletionGracePeriodSeconds") is not None
            and new_meta.get("deletionGracePeriodSeconds") is None
        ):
            new_meta["deletionGracePeriodSeconds"] = old_meta["deletionGracePeriodSeconds"]
        if rt.sets_generation and _spec_of(obj) != _spec_of(existing):
            new_meta["generation"] = int(old_meta.get("generation") or 0) + 1
        if rt.gr == ("", "namespaces"):
            # spec.finalizers change only through the finalize subresource; status through status.
            obj["spec"] = copy.deepcopy(existing.get("spec") or {})
        for hook in self.prepare_hooks:
            hook(rt, obj, existing)
        return obj

    # --- patch --------------------------------------------------------------------------------------

    @_serialized
    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        patch_type: str,
        patch: bytes | str | Any,
        opts: WriteQuery | None = None,
        *,
        subresource: str | None = None,
    ) -> Response:
        opts = opts or WriteQuery()
        accepted = [JSON_PATCH, MERGE_PATCH] + (
            [STRATEGIC_PATCH] if rt.strategic_merge_patch else []
        )
        accepted.append(APPLY_PATCH)
        if patch_type not in accepted:
            raise errors.unsupported_media(accepted)
        if patch_type == APPLY_PATCH:
            if not opts.field_manager:
                raise errors.invalid(
                    "PatchOptions",
                    "meta.k8s.io",
                    "",
                    [FieldError.required("fieldManager", "is required for apply patch")],
                )
        elif opts.force is not None:
            raise errors.invalid(
                "PatchOptions",
                "meta.k8s.io",
                "",
                [FieldError.forbidden("force", "may not be specified for non-apply patch")],
            )
        if subresource is None and "patch" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "patch")
        key_ns = self._key_ns(rt, namespace)
        existing = self.store.get(rt.gr, key_ns, name)
        if patch_type == APPLY_PATCH:
            config = merging.parse_apply_body(patch)
            if existing is None:
                if subresource is not None:
                    raise errors.not_found(rt.plural, rt.group, name)
                return self._apply_create(rt, namespace, name, config, opts)
            return self._apply(rt, existing, config, opts, subresource)
        if existing is None:
            raise errors.not_found(rt.plural, rt.group, name)
        current = self.present(rt, existing)
        if patch_type == JSON_PATCH:
            patched = merging.json_patch(current, patch)
        elif patch_type == MERGE_PATCH:
            document = merging.parse_json_body(patch)
            if not isinstance(document, dict):
                raise errors.bad_request(
                    "json: cannot unmarshal "
                    f"{type(document).__name__} into Go value of type map[string]interface {{}}"
                )
            patched = apply_merge_patch(current, document)
        else:
            document = merging.parse_json_body(patch)
            patched = merging.strategic_merge(self.registry.model, rt, current, document)
        if not isinstance(patched, dict):
            raise errors.bad_request("the patched object is not a JSON object")
        obj = self._decode(rt, patched)
        warnings, problems = self._schema(rt, obj, opts)
        meta(obj)["name"] = name
        if rt.namespaced:
            meta(obj)["namespace"] = key_ns
        return self._write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource
        )

    def _apply(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        config: dict[str, Any],
        opts: WriteQuery,
        subresource: str | None,
    ) -> Response:
        self._check_apply_config(rt, config, meta(existing).get("name") or "")
        merged = merging.server_side_apply(
            self.registry.model,
            rt,
            self.present(rt, existing),
            config,
            manager=opts.field_manager,
            force=bool(opts.force),
            subresource=subresource,
            now=self.now(),
        )
        obj = self._decode(rt, merged)
        warnings, problems = self._schema(rt, obj, opts)
        return self._write_update(
            rt, existing, obj, opts, warnings, problems, subresource=subresource, manager_op="apply"
        )

    def _apply_create(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        config: dict[str, Any],
        opts: WriteQuery,
    ) -> Response:
        self._check_apply_config(rt, config, name)
        merged = merging.server_side_apply(
            self.registry.model,
            rt,
            None,
            config,
            manager=opts.field_manager,
            force=bool(opts.force),
            subresource=None,
            now=self.now(),
        )
        meta(merged)["name"] = name
        response = self._create_with_managed(rt, namespace, merged, opts)
        return response

    def _create_with_managed(
        self, rt: ResourceType, namespace: str | None, obj: dict[str, Any], opts: WriteQuery
    ) -> Response:
        # managedFields come from apply: creation must not replace them with an Update entry.
        keep = WriteQuery(
            dry_run=opts.dry_run,
            field_manager=opts.field_manager,
            field_validation=opts.field_validation,
            keep_managed=True,
        )
        return self.create(rt, namespace, obj, keep)

    def _check_apply_config(self, rt: ResourceType, config: dict[str, Any], name: str) -> None:
        if not config.get("apiVersion") or not config.get("kind"):
            raise errors.bad_request(
                "error decoding patch: Object 'Kind' is missing in "
                f"'{json.dumps(config, separators=(',', ':'))}'"
            )
        self._check_apply_types(rt, config)
        if (config.get("metadata") or {}).get("name") not in (None, name):
            raise errors.bad_request(
                f"the name of the object ({config['metadata']['name']}) does not match the name on "
                f"the URL ({name})"
            )

    def _check_apply_types(self, rt: ResourceType, config: dict[str, Any]) -> None:
        """The field manager converts the apply configuration to a typed value first: a value of the
        wrong type fails there, as a plain error (500, no reason), for built-in and custom kinds."""
        if rt.type_id is None or rt.type_id not in self.registry.model.types:
            return
        probe = copy.deepcopy(config)
        mistyped = schema.process(self.registry.model, rt.type_id, probe, custom=rt.custom).mistyped
        if not mistyped:
            return
        lines = [
            f".{m.path}: expected {m.expected}, got &value.valueUnstructured{{Value:{_go_v(m.value)}}}"
            for m in mistyped
        ]
        detail = lines[0] if len(lines) == 1 else "errors:\n  " + "\n  ".join(lines)
        raw_meta = config.get("metadata")
        metadata: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        # objectGVKNN: "namespace/name; gvk", with what the accessor reads (nothing if not text).
        namespace, name = (metadata.get(k) for k in ("namespace", "name"))
        where = "/".join(v if isinstance(v, str) else "" for v in (namespace, name))
        gvk = f"{rt.api_version}, Kind={rt.kind}"
        if not rt.group:
            gvk = f"/{gvk}"
        raise StatusError(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"failed to create typed patch object ({where}; {gvk}): {detail}",
                "code": 500,
            }
        )

    # --- delete -------------------------------------------------------------------------------------

    @_serialized
    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        opts: DeleteQuery | None = None,
    ) -> Response:
        opts = opts or DeleteQuery()
        if "delete" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "delete")
        existing = self._get_stored(rt, namespace, name)
        old_meta = meta(existing)
        if opts.preconditions_uid is not None and opts.preconditions_uid != old_meta.get("uid"):
            raise errors.conflict(
                rt.kind,
                rt.group,
                name,
                f"the UID in the precondition ({opts.preconditions_uid}) does not match the UID in "
                f"record ({old_meta.get('uid')}). The object might have been deleted and then "
                "recreated",
            )
        if opts.preconditions_rv is not None and opts.preconditions_rv != old_meta.get(
            "resourceVersion"
        ):
            raise errors.conflict(
                rt.kind,
                rt.group,
                name,
                f"the ResourceVersion in the precondition ({opts.preconditions_rv}) does not match "
                f"the ResourceVersion in record ({old_meta.get('resourceVersion')}). The object "
                "might have been modified",
            )
        if rt.gr == ("", "namespaces"):
            return self._delete_namespace(rt, existing, opts)
        deleter = self.deleters.get(rt.gr)
        if deleter is not None:
            return deleter(rt, existing, opts)
        graceful = self._grace_period(rt, existing, opts)
        new = copy.deepcopy(existing)
        new_meta = meta(new)
        finalizers = _gc_finalizers(old_meta.get("finalizers") or [], opts)
        if finalizers != list(old_meta.get("finalizers") or []):
            new_meta["finalizers"] = finalizers
        if not finalizers:
            new_meta.pop("finalizers", None)
        if graceful:
            if not old_meta.get("deletionTimestamp"):
                when = self.now() + timedelta(seconds=graceful)
                new_meta["deletionTimestamp"] = now_rfc3339(when)
            new_meta["deletionGracePeriodSeconds"] = graceful
            return self._store_deleting(rt, existing, new, opts)
        if finalizers:
            if not old_meta.get("deletionTimestamp"):
                if old_meta.get("generation"):
                    new_meta["generation"] = int(old_meta["generation"]) + 1
                new_meta["deletionTimestamp"] = self._timestamp()
            new_meta["deletionGracePeriodSeconds"] = 0
            return self._store_deleting(rt, existing, new, opts)
        return self._delete_now(rt, existing, opts)

    def _grace_period(self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery) -> int:
        """Pods bound to a node (and not finished) delete gracefully; everything else at once."""
        if not rt.graceful_delete:
            return 0
        spec, status = existing.get("spec") or {}, existing.get("status") or {}
        if not spec.get("nodeName") or status.get("phase") in ("Failed", "Succeeded"):
            return 0
        grace = opts.grace_period_seconds
        if grace is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        if grace is not None and grace < 0:
            grace = 1
        return int(grace or 0)

    def _store_deleting(
        self,
        rt: ResourceType,
        existing: dict[str, Any],
        new: dict[str, Any],
        opts: DeleteQuery,
    ) -> Response:
        if opts.dry_run:
            return Response(200, self.present(rt, new))
        stored, changed = self.store.update(rt.gr, new)
        if changed:
            self._after_write(rt, "update", existing, stored)
        code = 202 if opts.orphan_dependents is False else 200
        return Response(code, self.present(rt, stored))

    def _delete_now(
        self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery
    ) -> Response:
        old_meta = meta(existing)
        name = old_meta.get("name") or ""
        if opts.dry_run:
            deleted = existing
        else:
            try:
                deleted = self.store.delete(rt.gr, old_meta.get("namespace") or "", name)
            except KeyNotFound:
                raise errors.not_found(rt.plural, rt.group, name) from None
            self._after_write(rt, "delete", existing, None)
        if rt.returns_deleted_object:
            return Response(200, self.present(rt, deleted))
        details = {"name": name, "group": rt.group, "kind": rt.plural, "uid": old_meta.get("uid")}
        return Response(200, errors.success_status({k: v for k, v in details.items() if v}))

    def _delete_namespace(
        self, rt: ResourceType, existing: dict[str, Any], opts: DeleteQuery
    ) -> Response:
        """The namespace registry's Delete: the first one only marks the namespace Terminating, even
        when finalized already (the namespace controller leaves such a one alone: it goes with its
        next update); later ones answer with the namespace while spec.finalizers remain, then
        delete it as the generic store does."""
        old_meta = meta(existing)
        spec_finalizers = (existing.get("spec") or {}).get("finalizers") or []
        if not old_meta.get("deletionTimestamp"):
            new = copy.deepcopy(existing)
            meta(new)["deletionTimestamp"] = self._timestamp()
            new.setdefault("status", {})["phase"] = "Terminating"
            finalizers = _gc_finalizers(old_meta.get("finalizers") or [], opts)
            if finalizers:
                meta(new)["finalizers"] = finalizers
            else:
                meta(new).pop("finalizers", None)
            return self._store_deleting(rt, existing, new, opts)
        if spec_finalizers or old_meta.get("finalizers"):
            return Response(200, self.present(rt, existing))
        return self._delete_now(rt, existing, opts)

    @_serialized
    def delete_collection(
        self,
        rt: ResourceType,
        namespace: str | None,
        list_opts: ListQuery,
        delete_opts: DeleteQuery | None = None,
    ) -> Response:
        if "deletecollection" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "deletecollection")
        listed = self.list(rt, namespace, list_opts).body
        for item in listed["items"]:
            item_meta = item.get("metadata") or {}
            try:
                self.delete(
                    rt, item_meta.get("namespace"), item_meta.get("name") or "", delete_opts
                )
            except StatusError as exc:
                if exc.code != 404:
                    raise
        return Response(200, listed)

    # --- watch --------------------------------------------------------------------------------------

    def watch(
        self,
        rt: ResourceType,
        namespace: str | None,
        opts: ListQuery,
        *,
        name: str | None = None,
    ) -> WatchSession:
        if "watch" not in rt.verbs:
            raise errors.method_not_supported(rt.plural, rt.group, "watch")
        self._check_field_labels(rt, opts)
        predicate = self._predicate(rt, opts)
        if name is not None:
            inner = predicate

            def predicate(obj: dict[str, Any]) -> bool:
                if (obj.get("metadata") or {}).get("name") != name:
                    return False
                return inner is None or inner(obj)

        scope = namespace if rt.namespaced and namespace else None
        rv_text = opts.resource_version
        since = None if rv_text in ("", "0") else self._parse_rv(rv_text)
        send_initial = opts.send_initial_events
        if send_initial is None:
            send_initial = rv_text in ("", "0")
        initial: builtins.list[dict[str, Any]] = []
        error = None
        watcher = None
        end_rv = None
        try:
            if send_initial:
                if since is not None and since > self.store.resource_version:
                    raise errors.too_large_rv(since, self.store.resource_version)
                items, read_at, watcher = self.store.list_and_watch(
                    rt.gr, scope, predicate=predicate
                )
                initial = [i for i in items if predicate is None or predicate(i)]
                if opts.send_initial_events and opts.allow_watch_bookmarks:
                    end_rv = read_at
            else:
                watcher = self.store.watch(rt.gr, scope, since=since, predicate=predicate)
        except TooOld as exc:
            error = errors.gone(f"too old resource version: {exc.requested} ({exc.oldest})").status
        except StatusError as exc:
            error = exc.status
        return WatchSession(
            api_version=rt.api_version,
            kind=rt.kind,
            watcher=watcher,
            initial=initial,
            initial_end_rv=end_rv,
            error=error,
            bookmarks=opts.allow_watch_bookmarks,
            bookmark_interval=self.bookmark_interval,
            timeout=opts.timeout_seconds,
            present=lambda obj: self.present(rt, obj),
        )

    # --- after writes -------------------------------------------------------------------------------

    def _after_write(
        self,
        rt: ResourceType,
        verb: str,
        old: dict[str, Any] | None,
        new: dict[str, Any] | None,
    ) -> None:
        for hook in list(self.hooks):
            hook(self, rt, verb, old, new)


class _GoHex(int):
    """A uint64 printed as Go's %#v does (0x0), for the 'must be specified for an update' error."""

    def __str__(self) -> str:
        return hex(self)


def _key_of(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata") or {}
    return (metadata.get("namespace") or "", metadata.get("name") or "")


def _spec_of(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything generation tracks: the object without metadata and status."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def _immutable_meta(new: dict[str, Any], old: dict[str, Any]) -> builtins.list[FieldError]:
    problems = []
    for key in ("name", "namespace", "uid"):
        if (new.get(key) or "") != (old.get(key) or ""):
            problems.append(
                FieldError.invalid(f"metadata.{key}", new.get(key) or "", "field is immutable")
            )
    return problems


def _should_delete_during_update(new: dict[str, Any], old: dict[str, Any]) -> bool:
    """ShouldDeleteDuringUpdate: the last finalizer of an object being deleted is gone."""
    new_meta, old_meta = new.get("metadata") or {}, old.get("metadata") or {}
    if new_meta.get("finalizers"):
        return False
    if not old_meta.get("deletionTimestamp"):
        return False
    grace = old_meta.get("deletionGracePeriodSeconds")
    if (old.get("spec") or {}).get("finalizers") and old.get("kind") == "Namespace":
        return False
    return grace in (None, 0)


def _gc_finalizers(finalizers: builtins.list[str], opts: DeleteQuery) -> builtins.list[str]:
    """deletionFinalizersForGarbageCollection: orphan or foregroundDeletion as the options say."""
    orphan = ORPHAN in finalizers
    foreground = FOREGROUND in finalizers
    if opts.orphan_dependents is not None:
        orphan, foreground = opts.orphan_dependents, False
    elif opts.propagation_policy is not None:
        orphan = opts.propagation_policy == "Orphan"
        foreground = opts.propagation_policy == "Foreground"
    kept = [f for f in finalizers if f not in (ORPHAN, FOREGROUND)]
    if orphan:
        kept.append(ORPHAN)
    if foreground:
        kept.append(FOREGROUND)
    if set(kept) == set(finalizers):
        return list(finalizers)
    return kept


def _qos_class(pod: dict[str, Any]) -> str:
    """The pod's QoS class from its containers' requests and limits."""
    containers = list((pod.get("spec") or {}).get("containers") or [])
    containers += list((pod.get("spec") or {}).get("initContainers") or [])
    requests_any = False
    guaranteed = bool(containers)
    for container in containers:
        resources = (container or {}).get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        if requests or limits:
            requests_any = True
        for resource in ("cpu", "memory"):
            limit = limits.get(resource)
            request = requests.get(resource, limit)
            if limit is None or str(request) != str(limit):
                guaranteed = False
    if not requests_any:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


# Go's encoding/json names for JSON values and (roughly) for the Go types the schema's types become.
_JSON_VALUE_NAMES = {"string": "string", "integer": "number", "number": "number", "boolean": "bool"}
_GO_TYPE_NAMES = {
    "string": "string",
    "integer": "int64",
    "number": "float64",
    "boolean": "bool",
    "array": "[]interface {}",
    "object": "map[string]interface {}",
}


def _unmarshal_error(rt: ResourceType, mistyped: schema.Mistyped) -> str:
    """json.UnmarshalTypeError's text for a value of the wrong type (the struct is approximated by
    the kind: the model does not say which Go struct holds each field)."""
    value = _JSON_VALUE_NAMES.get(mistyped.actual, mistyped.actual)
    go_type = _GO_TYPE_NAMES.get(mistyped.expected, mistyped.expected)
    return (
        f"json: cannot unmarshal {value} into Go struct field {rt.kind}.{mistyped.path} of type "
        f"{go_type}"
    )


def _go_v(value: Any) -> str:
    """Go's %v of a JSON value."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return json.dumps(value, separators=(",", ":"))
