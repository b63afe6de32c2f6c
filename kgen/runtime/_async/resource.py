"""The typed resource client: every verb once, for every resource (client-go's ``gentype``).

A generated client is a class that names the verbs its resource supports, as mixins over
:class:`AsyncResourceClient`, plus one-line methods for subresources with their own payload types::

    class AsyncPods(AsyncGet[Pod, PodList], AsyncList[Pod, PodList], ..., AsyncResourceClient[Pod, PodList]):
        async def create_eviction(self, name: str, body: Eviction, **options) -> Eviction | Status:
            return await self._create_subresource(name, "eviction", body, Eviction, **options)

So a type checker knows that a read-only resource has no ``delete``, and the behaviour lives here once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Generic, TypeVar, cast

import kgen.runtime._codec as codec
import kgen.runtime._preserve as preserve
from kgen.runtime._async.rest import AsyncRequest, AsyncRESTClient, Result
from kgen.runtime._async.watch import AsyncWatchStream, retry_watch
from kgen.runtime._errors import ResourceNotSupported
from kgen.runtime._meta import KubernetesList, KubernetesObject, ObjectMeta, Scale, Status
from kgen.runtime._resources import ResourceInfo
from kgen.runtime._request import (
    DEFAULT_PAGE_SIZE,
    DeletePropagation,
    FieldValidation,
    NO_READ_TIMEOUT,
    ListOptions,
    PatchType,
    ResourceVersionMatch,
    resolve_patch_type,
    WriteOptions,
    delete_body,
)
from kgen.runtime._selectors import SelectorLike
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error
from kgen.runtime._watchevent import WatchEvent

__all__ = [
    "AsyncAllVerbs",
    "AsyncApply",
    "AsyncCreate",
    "AsyncDelete",
    "AsyncDeleteCollection",
    "AsyncGet",
    "AsyncList",
    "AsyncPatch",
    "AsyncReadVerbs",
    "AsyncResourceClient",
    "AsyncScaleSubresource",
    "AsyncStatusSubresource",
    "AsyncUpdate",
    "AsyncWatch",
]

T = TypeVar("T", bound=KubernetesObject)
L = TypeVar("L", bound=KubernetesList[Any])
B = TypeVar("B")


class AsyncResourceClient(Generic[T, L]):
    """The state every verb needs: the REST client, the resource and its classes, the namespace."""

    def __init__(
        self,
        rest: AsyncRESTClient,
        kind: type[T],
        list_kind: type[L],
        namespace: str | None = None,
        *,
        resource: ResourceInfo | None = None,
    ) -> None:
        info = resource or kind.RESOURCE
        if info is None:
            raise ValueError(f"{kind.__name__} is not a resource")
        if info.namespaced and namespace == "":
            raise ValueError(
                f"{info.plural} are namespaced: give a namespace (None: every namespace)"
            )
        if not info.namespaced and namespace is not None:
            raise ValueError(f"{info.plural} are cluster-scoped: no namespace")
        self.rest = rest
        self.kind = kind
        self.list_kind = list_kind
        self.namespace = namespace
        self.resource = info
        # A namespaced resource with no namespace: every namespace, for list and watch only.
        self.all_namespaces = info.namespaced and namespace is None

    def __repr__(self) -> str:
        where = f", namespace={self.namespace!r}" if self.namespace else ""
        return f"{type(self).__name__}({self.resource.gvr}{where})"

    # --- building -----------------------------------------------------------------------------------

    def _require(self, verb: str, subresource: str | None = None) -> None:
        if self.all_namespaces and (verb not in ("list", "watch") or subresource is not None):
            raise ResourceNotSupported(
                f"{self.resource.plural} across every namespace: only list and watch (give a namespace)"
            )
        if subresource is None:
            if verb not in self.resource.verbs:
                raise ResourceNotSupported(f"{self.resource.plural} do not support {verb}")
            return
        sub = self.resource.subresource(subresource)
        if sub is None or (verb not in sub.verbs):
            raise ResourceNotSupported(
                f"{self.resource.plural}/{subresource} does not support {verb}"
            )

    def _request(
        self, method: str, name: str | None = None, subresource: str | None = None
    ) -> AsyncRequest:
        request = self.rest.verb(method).resource(self.resource.plural).namespace(self.namespace)
        if name is not None:
            request.name(name)
        if subresource is not None:
            request.subresource(subresource)
        return request

    @staticmethod
    def _name_of(obj: KubernetesObject) -> str:
        name = obj.metadata.name if obj.metadata is not None else None
        if not name:
            raise ValueError(f"this {type(obj).__name__} has no metadata.name")
        return name

    def _check_namespace(self, obj: KubernetesObject) -> None:
        given = obj.metadata.namespace if obj.metadata is not None else None
        if given and self.namespace and given != self.namespace:
            raise ValueError(
                f"the object is in namespace {given!r} but this client is for {self.namespace!r}"
            )

    @staticmethod
    def _object(result: Result, tp: type[B]) -> B:
        """Decode one object, remembering its JSON so that an update keeps fields the model lacks."""
        obj = result.into(tp)
        preserve.remember(obj, result.body)
        return obj

    @staticmethod
    def _object_or_status(result: Result, tp: type[B]) -> B | Status:
        # Some writes (deletes, evictions) answer with a Status instead of the object.
        if codec.kind_of(result.body) == "Status":
            return result.into(Status)
        return result.into(tp)

    # --- subresources, for generated one-liners -----------------------------------------------------

    async def _get_subresource(self, name: str, subresource: str, tp: type[B]) -> B:
        self._require("get", subresource)
        return self._object(await self._request("GET", name, subresource).do(), tp)

    async def _update_subresource(
        self, name: str, subresource: str, body: Any, tp: type[B], **options: Any
    ) -> B:
        self._require("update", subresource)
        request = self._request("PUT", name, subresource).params(WriteOptions(**options).params())
        if isinstance(body, KubernetesObject):
            body = preserve.encode_preserving(body)
        return self._object(await request.body(body).do(), tp)

    async def _patch_subresource(
        self,
        name: str,
        subresource: str,
        patch: Any,
        tp: type[B],
        patch_type: PatchType | None = None,
        **options: Any,
    ) -> B:
        self._require("patch", subresource)
        request = self.rest.patch(resolve_patch_type(patch, patch_type)).resource(
            self.resource.plural
        )
        request.namespace(self.namespace).name(name).subresource(subresource)
        request.params(WriteOptions(**options).params()).body(patch)
        return self._object(await request.do(), tp)

    async def _create_subresource(
        self, name: str, subresource: str, body: Any, tp: type[B], **options: Any
    ) -> B | Status:
        self._require("create", subresource)
        request = self._request("POST", name, subresource).params(WriteOptions(**options).params())
        return self._object_or_status(await request.body(body).do(), tp)

    async def _read_stream(self, name: str, subresource: str, params: list[tuple[str, str]]) -> str:
        self._require("get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        return (await request.do_raw()).decode("utf-8", "replace")

    async def _stream_lines(
        self, name: str, subresource: str, params: list[tuple[str, str]]
    ) -> AsyncIterator[str]:
        self._require("get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        request.timeout(NO_READ_TIMEOUT)  # a followed log may be quiet for a long time
        async with request.stream() as response:
            try:
                async for line in response.aiter_lines():
                    yield line
            except HTTPX_ERRORS as exc:
                raise transport_error(exc, f"{name}/{subresource}: the stream broke") from exc

    async def _apply(
        self,
        obj: Any,
        subresource: str | None,
        field_manager: str,
        force: bool,
        dry_run: bool,
        field_validation: FieldValidation | None,
        tp: type[Any] | None = None,
    ) -> Any:
        if not field_manager:
            raise ValueError("server-side apply needs a field_manager")
        options = WriteOptions(dry_run, field_manager, field_validation, force=force)
        if isinstance(obj, Mapping):
            # An apply configuration as JSON: only what it names is managed, where a model would
            # need its required fields (and would then own them).
            body = dict(obj)
            name = (body.get("metadata") or {}).get("name")
            if not name:
                raise ValueError("the apply configuration has no metadata.name")
            gvk = getattr(tp or self.kind, "GVK", None)
            if gvk is not None:
                body.setdefault("apiVersion", gvk.api_version)
                body.setdefault("kind", gvk.kind)
        else:
            body, name = obj, self._name_of(obj)
        request = self.rest.patch(PatchType.APPLY).resource(self.resource.plural)
        request.namespace(self.namespace).name(name).subresource(subresource)
        request.params(options.params()).body(codec.encode(body))
        return self._object(await request.do(), tp or self.kind)


class AsyncGet(AsyncResourceClient[T, L]):
    async def get(self, name: str, *, resource_version: str | None = None) -> T:
        """Read one object. ``resource_version``: None or "" reads the latest (quorum), "0" any cached
        copy, "N" data at least as fresh as N."""
        self._require("get")
        request = self._request("GET", name)
        if resource_version is not None:
            request.param("resourceVersion", resource_version)
        return self._object(await request.do(), self.kind)


class AsyncList(AsyncResourceClient[T, L]):
    async def list(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        timeout_seconds: int | None = None,
    ) -> L:
        """One page (or all, without ``limit``). See :mod:`kgen.runtime._request` for resourceVersion."""
        self._require("list")
        options = ListOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            limit=limit,
            continue_=continue_,
            timeout_seconds=timeout_seconds,
        )
        request = self._request("GET").params(options.params())
        if timeout_seconds is not None:
            request.timeout(
                timeout_seconds + 5.0
            )  # client-go: the request outlives the server's wait
        return (await request.do()).into(self.list_kind)

    async def pages(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[L]:
        """Every page of a list, following ``continue``. All pages are one consistent snapshot (the
        server keeps the first page's resourceVersion); a 410 ``Expired`` means it expired."""
        token: str | None = None
        first = True
        while True:
            page = await self.list(
                label_selector=label_selector,
                field_selector=field_selector,
                # Continuation pages must not repeat resourceVersion (the token carries it).
                resource_version=resource_version if first else None,
                resource_version_match=resource_version_match if first else None,
                limit=page_size,
                continue_=token,
            )
            first = False
            yield page
            token = page.metadata.continue_ if page.metadata is not None else None
            if not token:
                return

    async def iter(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> AsyncIterator[T]:
        """Every object, page by page (the options as for :meth:`pages`)."""
        async for page in self.pages(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            page_size=page_size,
        ):
            for item in page.items:
                yield item


class AsyncWatch(AsyncResourceClient[T, L]):
    async def watch(
        self,
        *,
        resource_version: str | None = None,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = True,
        send_initial_events: bool | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
    ) -> AsyncWatchStream[T]:
        """Open a watch. Always give the resourceVersion of a list (or of the last event): without one
        the watch starts "now" and changes in between are lost. ``send_initial_events`` asks for a
        streaming list (the current state as ADDED events, then a BOOKMARK marking its end)."""
        self._require("watch")
        if send_initial_events and resource_version_match is None:
            resource_version_match = "NotOlderThan"
        options = ListOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        request = self._request("GET").params(options.params(watch=True)).timeout(NO_READ_TIMEOUT)
        return AsyncWatchStream(request, self.kind, resource_version=resource_version)

    def watch_from(
        self,
        resource_version: str,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        min_restart_delay: float = 1.0,
    ) -> AsyncIterator[WatchEvent[T]]:
        """Events from ``resource_version`` on, reopening the watch whenever the server ends it (and
        after server errors). Raises ``Expired`` when the resourceVersion is too old (list again then)
        and any other API error. See :func:`retry_watch`."""

        async def open_watch(rv: str) -> AsyncWatchStream[T]:
            return await self.watch(
                resource_version=rv,
                label_selector=label_selector,
                field_selector=field_selector,
                allow_watch_bookmarks=True,  # keeps the resume point fresh on quiet resources
            )

        return retry_watch(open_watch, resource_version, min_restart_delay=min_restart_delay)


class AsyncCreate(AsyncResourceClient[T, L]):
    async def create(
        self,
        obj: T,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        self._require("create")
        self._check_namespace(obj)
        options = WriteOptions(dry_run, field_manager, field_validation)
        request = self._request("POST").params(options.params()).body(obj)
        return self._object(await request.do(), self.kind)


class AsyncUpdate(AsyncResourceClient[T, L]):
    async def update(
        self,
        obj: T,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Replace the object. Its ``metadata.resourceVersion`` makes this an optimistic-concurrency
        write: if the object changed since it was read, the server answers 409 (``Conflict``).
        See ``retry_on_conflict``. Fields the models do not know are sent back as they were read when
        ``obj`` came from this client (see :mod:`kgen.runtime._preserve`); for objects from lists and
        informer caches, prefer ``patch`` or ``apply``."""
        self._require("update")
        self._check_namespace(obj)
        options = WriteOptions(dry_run, field_manager, field_validation)
        request = self._request("PUT", self._name_of(obj)).params(options.params())
        request.body(preserve.encode_preserving(obj))
        return self._object(await request.do(), self.kind)


class AsyncPatch(AsyncResourceClient[T, L]):
    async def patch(
        self,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Patch with a JSON patch (a list of operations), a merge patch (a dict or model: the default,
        safe for fields this client does not know) or a strategic merge patch (built-in kinds only).
        """
        self._require("patch")
        if patch_type is PatchType.STRATEGIC and not self.resource.strategic_merge_patch:
            raise ResourceNotSupported(
                f"{self.resource.plural} do not take strategic merge patch (custom resources: use "
                "a merge patch or apply)"
            )
        options = WriteOptions(dry_run, field_manager, field_validation)
        request = self.rest.patch(resolve_patch_type(patch, patch_type)).resource(
            self.resource.plural
        )
        request.namespace(self.namespace).name(name).params(options.params()).body(patch)
        return self._object(await request.do(), self.kind)


class AsyncApply(AsyncResourceClient[T, L]):
    async def apply(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Server-side apply: send only the fields you manage. Fields never set are not encoded, so a
        model built with just those fields is an apply configuration, except that a model needs its
        required fields: to manage fewer (``spec.replicas`` alone), pass the configuration as a dict
        (``apiVersion`` and ``kind`` are filled in)."""
        self._require("apply")
        result: T = await self._apply(obj, None, field_manager, force, dry_run, field_validation)
        return result


class AsyncStatusSubresource(AsyncResourceClient[T, L]):
    """The ``status`` subresource: reads and writes of ``.status`` alone."""

    async def get_status(self, name: str) -> T:
        return await self._get_subresource(name, "status", self.kind)

    async def update_status(
        self,
        obj: T,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> T:
        """Write ``.status`` (everything else in ``obj`` is ignored by the server); optimistic
        concurrency as for :meth:`update`."""
        self._check_namespace(obj)
        return await self._update_subresource(
            self._name_of(obj),
            "status",
            obj,
            self.kind,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )

    async def patch_status(
        self,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
    ) -> T:
        return await self._patch_subresource(
            name,
            "status",
            patch,
            self.kind,
            patch_type,
            dry_run=dry_run,
            field_manager=field_manager,
        )

    async def apply_status(
        self,
        obj: T | Mapping[str, Any],
        *,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
    ) -> T:
        """Server-side apply of ``.status`` (a model, or a dict naming only the fields managed)."""
        self._require("apply", "status")
        result: T = await self._apply(obj, "status", field_manager, force, dry_run, None)
        return result


class AsyncScaleSubresource(AsyncResourceClient[T, L]):
    """The ``scale`` subresource (autoscaling/v1 Scale)."""

    async def get_scale(self, name: str) -> Scale:
        return await self._get_subresource(name, "scale", Scale)

    async def update_scale(self, name: str, scale: Scale, *, dry_run: bool = False) -> Scale:
        return await self._update_subresource(name, "scale", scale, Scale, dry_run=dry_run)

    async def patch_scale(
        self,
        name: str,
        patch: Any,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> Scale:
        return await self._patch_subresource(
            name, "scale", patch, Scale, patch_type, dry_run=dry_run
        )

    async def apply_scale(
        self, name: str, scale: Scale, *, field_manager: str, force: bool = False
    ) -> Scale:
        self._require("apply", "scale")
        if scale.metadata is None:
            scale.metadata = ObjectMeta(name=name)
        elif not scale.metadata.name:
            scale.metadata.name = name
        return cast(
            Scale, await self._apply(scale, "scale", field_manager, force, False, None, Scale)
        )


class AsyncDelete(AsyncResourceClient[T, L]):
    async def delete(
        self,
        name: str,
        *,
        uid: str | None = None,
        resource_version: str | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> T | Status:
        """Delete one object. ``uid`` (and ``resource_version``) are preconditions: pin the uid you
        read, because a namespace and name are not unique across time. ``propagation_policy``: Orphan,
        Background or Foreground. Returns the object (still there with a deletionTimestamp while
        finalizers run, or as it was) or the server's Status."""
        self._require("delete")
        body = delete_body(
            uid=uid,
            resource_version=resource_version,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        request = self._request("DELETE", name).body(body)
        if dry_run:
            request.param("dryRun", "All")
        return self._object_or_status(await request.do(), self.kind)


class AsyncDeleteCollection(AsyncResourceClient[T, L]):
    async def delete_collection(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> L | Status:
        """Delete every object that matches the selectors (all of them without selectors)."""
        self._require("deletecollection")
        options = ListOptions(label_selector=label_selector, field_selector=field_selector)
        body = delete_body(
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        request = self._request("DELETE").params(options.params()).body(body)
        if dry_run:
            request.param("dryRun", "All")
        return self._object_or_status(await request.do(), self.list_kind)


# Verb sets most resources have, as one base each: a generated client subscripts one generic base
# instead of nine (each subscription of a generic class costs about 20 us at import, and a package of
# the whole API has some 300 client classes).


class AsyncReadVerbs(AsyncGet[T, L], AsyncList[T, L], AsyncWatch[T, L]):
    """get, list and watch."""


class AsyncAllVerbs(
    AsyncReadVerbs[T, L],
    AsyncCreate[T, L],
    AsyncUpdate[T, L],
    AsyncPatch[T, L],
    AsyncApply[T, L],
    AsyncDelete[T, L],
    AsyncDeleteCollection[T, L],
):
    """Every verb of a collection resource: get, list, watch, create, update, patch, apply, delete and
    deletecollection."""
