"""The verb engine (client-go's ``gentype``, kube-rs's ``Api``) and the list and watch verbs that typed and
dynamic clients share.

Every verb is written once, in :class:`AsyncResourceEngine`: it checks what the resource supports, builds
the request from an options value (:mod:`kgen.runtime._request`) and sends it. Answers are read with a
codec (:mod:`kgen.runtime._verbs`): typed clients (:mod:`kgen.runtime._async.resource`) are the engine
with generated models, and the dynamic client (:mod:`kgen.runtime._async.dynamic`) is the same engine with
Unstructured objects; both take list, pages, iter, watch and watch_from from the classes here.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from kgen.runtime._async.rest import AsyncRequest, AsyncRESTClient
from kgen.runtime._async.watch import AsyncWatchStream, retry_watch
from kgen.runtime._errors import ResourceNotSupported
from kgen.runtime._meta import DeleteOptions
from kgen.runtime._resources import GroupVersionKind, GroupVersionResource, ResourceInfo
from kgen.runtime._request import (
    DEFAULT_PAGE_SIZE,
    LIST_TIMEOUT_MARGIN,
    NO_READ_TIMEOUT,
    WATCH_TIMEOUT_MARGIN,
    ListOptions,
    PatchType,
    ResourceVersionMatch,
    Result,
    WriteOptions,
    resolve_patch_type,
    with_keywords,
)
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error
from kgen.runtime._verbs import Codec, apply_body, check_namespace, check_verb
from kgen.runtime._watchevent import WatchEvent

if TYPE_CHECKING:
    from kgen.runtime._selectors import SelectorLike  # annotations only: imported when used

__all__ = ["AsyncListVerbs", "AsyncResourceEngine", "AsyncWatchVerbs"]

T = TypeVar("T")
L = TypeVar("L")
E = TypeVar("E", bound="AsyncResourceEngine[Any, Any]")


class AsyncResourceEngine(Generic[T, L]):
    """Every request of one resource, each built in one place.

    The engine holds what requests need (the REST client of the group-version, the resource's path
    segment, the namespace, and what the API model says the resource supports) and the codec its
    clients read answers with. Its verbs take options values and return the answer unread
    (:class:`~kgen.runtime._request.Result`), except list and watch, which only ever carry the
    client's own objects."""

    def __init__(
        self,
        rest: AsyncRESTClient,
        plural: str,
        namespace: str | None,
        codec: Codec[T, L],
        info: ResourceInfo | None = None,
    ) -> None:
        self.rest = rest
        self.codec = codec
        self._plural = plural
        self._namespace = namespace
        # None: nothing is known (the dynamic client), so nothing is refused before the server does.
        self._info = info

    def __repr__(self) -> str:
        gvr = GroupVersionResource(self.rest.group, self.rest.version, self._plural)
        where = f", namespace={self._namespace!r}" if self._namespace else ""
        return f"{type(self).__name__}({gvr}{where})"

    def _with_namespace(self: E, namespace: str | None) -> E:
        """This client for another namespace (None: every namespace, or cluster-scoped)."""
        clone = copy.copy(self)
        clone._namespace = namespace
        return clone

    def _request(
        self, method: str, name: str | None = None, subresource: str | None = None
    ) -> AsyncRequest:
        request = self.rest.verb(method).resource(self._plural).namespace(self._namespace)
        if name is not None:
            request.name(name)
        return request.subresource(subresource)

    async def _get(
        self, name: str, subresource: str | None = None, resource_version: str | None = None
    ) -> Result:
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource)
        if resource_version is not None:
            request.param("resourceVersion", resource_version)
        return await request.do()

    async def _list(self, options: ListOptions) -> L:
        check_verb(self._info, self._namespace, "list")
        request = self._request("GET").params(options.params())
        if options.timeout_seconds is not None:
            # The server ends a list that takes too long: the request must outlive its wait.
            request.timeout(options.timeout_seconds + LIST_TIMEOUT_MARGIN)
        return self.codec.read_list(await request.do())

    async def _watch(self, options: ListOptions) -> AsyncWatchStream[T]:
        check_verb(self._info, self._namespace, "watch")
        request = self._request("GET").params(options.for_watch().params(watch=True))
        if options.timeout_seconds:
            # The server ends the watch after timeoutSeconds: a longer silence is a dead connection.
            request.timeout(options.timeout_seconds + WATCH_TIMEOUT_MARGIN)
        else:
            request.timeout(
                NO_READ_TIMEOUT
            )  # events may be minutes apart; the reflector watches it
        return AsyncWatchStream(
            request, self.codec.watch_decoder(), resource_version=options.resource_version
        )

    async def _create(
        self,
        obj: Any,
        options: WriteOptions,
        name: str | None = None,
        subresource: str | None = None,
    ) -> Result:
        """POST ``obj`` to the collection, or to ``name``'s ``subresource`` (an eviction...)."""
        check_verb(self._info, self._namespace, "create", subresource)
        check_namespace(self.codec.metadata(obj)[1], self._namespace)
        request = self._request("POST", name, subresource).params(options.params())
        return await request.body(self.codec.encode(obj)).do()

    async def _update(
        self,
        obj: Any,
        options: WriteOptions,
        name: str | None = None,
        subresource: str | None = None,
    ) -> Result:
        """PUT ``obj`` to ``name`` (by default its own), keeping the fields it was read with."""
        check_verb(self._info, self._namespace, "update", subresource)
        check_namespace(self.codec.metadata(obj)[1], self._namespace)
        request = self._request("PUT", name or self.codec.name_of(obj), subresource)
        request.params(options.params()).body(self.codec.encode(obj, preserving=True))
        return await request.do()

    async def _patch(
        self,
        name: str,
        patch: Any,
        options: WriteOptions,
        patch_type: PatchType | None = None,
        subresource: str | None = None,
    ) -> Result:
        check_verb(self._info, self._namespace, "patch", subresource)
        patch_type = resolve_patch_type(patch, patch_type)
        if patch_type is PatchType.STRATEGIC and self._info is not None:
            if not self._info.strategic_merge_patch:
                raise ResourceNotSupported(
                    f"{self._plural} do not take strategic merge patch (custom resources: use "
                    "a merge patch or apply)"
                )
        request = self.rest.patch(patch_type).resource(self._plural).namespace(self._namespace)
        request.name(name).subresource(subresource).params(options.params())
        return await request.body(self.codec.encode(patch)).do()

    async def _apply(
        self,
        obj: Any,
        options: WriteOptions,
        gvk: GroupVersionKind | None,
        name: str | None = None,
        subresource: str | None = None,
    ) -> Result:
        """Server-side apply of ``obj`` (a model or an apply configuration as JSON, completed with
        ``gvk``) to ``name`` (by default its own)."""
        check_verb(self._info, self._namespace, "apply", subresource)
        if not options.field_manager:
            raise ValueError("server-side apply needs a field_manager")
        name = name or self.codec.name_of(obj)
        request = self.rest.patch(PatchType.APPLY).resource(self._plural)
        request.namespace(self._namespace).name(name).subresource(subresource)
        request.params(options.params()).body(self.codec.encode(apply_body(obj, gvk)))
        return await request.do()

    async def _delete(
        self, name: str, options: DeleteOptions, subresource: str | None = None
    ) -> Result:
        check_verb(self._info, self._namespace, "delete", subresource)
        request = self._request("DELETE", name, subresource).body(options)
        for value in options.dry_run or ():  # as a parameter too, for servers that read only that
            request.param("dryRun", value)
        return await request.do()

    async def _delete_collection(self, options: DeleteOptions, list_options: ListOptions) -> Result:
        check_verb(self._info, self._namespace, "deletecollection")
        request = self._request("DELETE").params(list_options.params()).body(options)
        for value in options.dry_run or ():
            request.param("dryRun", value)
        return await request.do()

    async def _read(self, name: str, subresource: str, params: list[tuple[str, str]]) -> str:
        """A streaming subresource (a log) as text, read to its end."""
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        return (await request.do_raw()).decode("utf-8", "replace")

    async def _read_lines(
        self, name: str, subresource: str, params: list[tuple[str, str]]
    ) -> AsyncIterator[str]:
        """A streaming subresource line by line, as the server writes it."""
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        request.timeout(NO_READ_TIMEOUT)  # a followed log may be quiet for a long time
        async with request.stream() as response:
            try:
                async for line in response.aiter_lines():
                    yield line
            except HTTPX_ERRORS as exc:
                raise transport_error(exc, f"{name}/{subresource}: the stream broke") from exc


# --- list and watch: the same methods on typed clients and on the dynamic client ----------------------


class AsyncListVerbs(AsyncResourceEngine[T, L]):
    """list, pages and iter (the typed :class:`AsyncList` and the dynamic client)."""

    async def list(
        self,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        timeout_seconds: int | None = None,
    ) -> L:
        """One page (or all, without ``limit``). See :mod:`kgen.runtime._request` for resourceVersion.
        With ``timeout_seconds`` (how long the server may take) the request waits 5 s longer."""
        options = with_keywords(
            options,
            ListOptions,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            limit=limit,
            continue_=continue_,
            timeout_seconds=timeout_seconds,
        )
        return await self._list(options)

    async def pages(
        self,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[L]:
        """Every page of a list, following ``continue``. All pages are one consistent snapshot (the
        server keeps the first page's resourceVersion); a 410 ``Expired`` means it expired. Pages
        hold ``page_size`` objects, else the options' ``limit``, else 500."""
        options = with_keywords(
            options,
            ListOptions,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
        )
        options = dataclasses.replace(
            options, limit=page_size or options.limit or DEFAULT_PAGE_SIZE
        )
        while True:
            page = await self._list(options)
            yield page
            _, token = self.codec.list_meta(page)
            if not token:
                return
            # Continuation pages must not repeat resourceVersion (the token carries it).
            options = dataclasses.replace(
                options, continue_=token, resource_version=None, resource_version_match=None
            )

    async def iter(
        self,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[T]:
        """Every object, page by page (the options as for :meth:`pages`)."""
        async for page in self.pages(
            options,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            page_size=page_size,
        ):
            for item in self.codec.items(page):
                yield item


class AsyncWatchVerbs(AsyncResourceEngine[T, L]):
    """watch and watch_from (the typed :class:`AsyncWatch` and the dynamic client)."""

    async def watch(
        self,
        options: ListOptions | None = None,
        *,
        resource_version: str | None = None,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool | None = None,
        send_initial_events: bool | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
    ) -> AsyncWatchStream[T]:
        """Open a watch. Always give the resourceVersion of a list (or of the last event): without one
        the watch starts "now" and changes in between are lost. Bookmarks are on unless
        ``allow_watch_bookmarks=False``. ``send_initial_events`` asks for a streaming list (the
        current state as ADDED events, then a BOOKMARK marking its end)."""
        options = with_keywords(
            options,
            ListOptions,
            resource_version=resource_version,
            label_selector=label_selector,
            field_selector=field_selector,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
            resource_version_match=resource_version_match,
        )
        return await self._watch(options)

    def watch_from(
        self,
        resource_version: str,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        min_restart_delay: float = 1.0,
    ) -> AsyncIterator[WatchEvent[T]]:
        """Events from ``resource_version`` on, reopening the watch whenever the server ends it (and
        after server errors). Raises ``Expired`` when the resourceVersion is too old (list again then)
        and any other API error. See :func:`retry_watch`."""
        base = with_keywords(
            options, ListOptions, label_selector=label_selector, field_selector=field_selector
        )

        async def open_watch(rv: str) -> AsyncWatchStream[T]:
            # Bookmarks keep the resume point fresh on quiet resources.
            return await self._watch(
                dataclasses.replace(base, resource_version=rv, allow_watch_bookmarks=True)
            )

        return retry_watch(open_watch, resource_version, min_restart_delay=min_restart_delay)
