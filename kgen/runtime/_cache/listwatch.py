"""What a reflector lists and watches: the ListerWatcher protocol, over typed and dynamic clients.

A :class:`ListerWatcher` is two calls, ``list`` (one page) and ``watch`` (one stream), plus a
description of the resource for error messages. Two adapters ship:

- :class:`TypedListerWatcher` over a generated client (``cs.core_v1.pods("ns")``) or, with
  :meth:`TypedListerWatcher.for_kind`, over any model class, in one namespace or all of them;
- :class:`DynamicListerWatcher` over the dynamic client, yielding
  :class:`~kgen.runtime._unstructured.Unstructured` objects.

Both build one :class:`~kgen.runtime._request.ListOptions` per request, from the reflector's values, the
label and field selectors and ``tweak_list_options`` (client-go's ``WithTweakListOptions``: a function
that edits the options of every list *and* watch), and pass it as it is to the client's ``list`` or
``watch``: typed or dynamic, the same engine sends it. Any object with the same two methods works too,
such as a test double.
"""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

from kgen.runtime._async.dynamic import AsyncDynamicClient
from kgen.runtime._async.resource import AsyncList, AsyncResourceClient, AsyncWatch
from kgen.runtime._async.rest import AsyncRESTClient
from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._async.watch import AsyncWatchStream
from kgen.runtime._meta import KubernetesList, KubernetesObject
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._request import ListOptions, ResourceVersionMatch
from kgen.runtime._selectors import SelectorLike
from kgen.runtime._unstructured import Unstructured
from kgen.runtime._cache.transform import Transform
from kgen.runtime._cache.undecodable import TolerantCodec
from kgen.runtime._verbs import Codec, TypedCodec
from kgen.runtime._watchevent import WatchEvent

__all__ = [
    "DynamicListerWatcher",
    "ListResult",
    "ListerWatcher",
    "ResourceListWatchClient",
    "TweakListOptions",
    "TypedListerWatcher",
    "WatchStreamLike",
]

T = TypeVar("T")
M = TypeVar("M", bound=KubernetesObject)
L = TypeVar("L", bound=KubernetesList[Any])

#: Edits the options of every list and watch request (selectors, usually) in place.
TweakListOptions = Callable[[ListOptions], None]


@dataclass(slots=True)
class ListResult(Generic[T]):
    """One page of a list: its items, the list's resourceVersion and the next page's token."""

    items: list[T]
    resource_version: str
    continue_: str | None = None
    #: The items went through the ``item_transform`` given to the list already.
    transformed: bool = False


class WatchStreamLike(Protocol[T]):
    """One watch request's events, in order (what :class:`AsyncWatchStream` is)."""

    def __aiter__(self) -> AsyncIterator[WatchEvent[T]]: ...

    async def __anext__(self) -> WatchEvent[T]: ...

    async def aclose(self) -> None: ...


class ListerWatcher(Protocol[T]):
    """List and watch one resource (in one namespace, or all)."""

    @property
    def resource(self) -> GroupVersionResource: ...

    @property
    def namespace(self) -> str | None: ...

    async def list(
        self,
        *,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
    ) -> ListResult[T]: ...

    async def watch(
        self,
        *,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = True,
        send_initial_events: bool | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
    ) -> WatchStreamLike[T]: ...


class ResourceListWatchClient(AsyncList[M, L], AsyncWatch[M, L], AsyncResourceClient[M, L]):
    """``list`` and ``watch`` of any resource; with ``namespace=None`` across every namespace, which
    the generated client of a namespaced resource does not offer."""

    def __init__(
        self,
        rest: AsyncRESTClient,
        kind: type[M],
        list_kind: type[L],
        namespace: str | None = None,
    ) -> None:
        info = kind.RESOURCE
        namespaced = info is not None and info.namespaced
        # A None namespace is the cluster-wide path (/api/v1/pods).
        super().__init__(rest, kind, list_kind, namespace if namespaced else None)


class _ListWatchClient(Protocol[T]):
    """What a lister-watcher needs of a client: the engine's list and watch, and its codec."""

    @property
    def codec(self) -> Codec[T, Any]: ...

    async def list(self, options: ListOptions | None = None) -> Any: ...

    async def watch(self, options: ListOptions | None = None) -> AsyncWatchStream[T]: ...


class _ClientListerWatcher(Generic[T]):
    """list and watch through a client, with the selectors and the tweak applied to every request."""

    def __init__(
        self,
        label_selector: SelectorLike | None,
        field_selector: SelectorLike | None,
        tweak_list_options: TweakListOptions | None,
    ) -> None:
        self._label_selector = label_selector
        self._field_selector = field_selector
        self._tweak = tweak_list_options

    def _client(self) -> _ListWatchClient[T]:
        raise NotImplementedError

    def _options(self, **values: Any) -> ListOptions:
        options = ListOptions(
            label_selector=self._label_selector, field_selector=self._field_selector, **values
        )
        if self._tweak is not None:
            self._tweak(options)
        return options

    async def list(
        self,
        *,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
    ) -> ListResult[T]:
        return await self._list_with(
            self._client(),
            dict(
                resource_version=resource_version,
                resource_version_match=resource_version_match,
                limit=limit,
                continue_=continue_,
            ),
        )

    async def _list_with(
        self, client: _ListWatchClient[T], values: dict[str, Any]
    ) -> ListResult[T]:
        page = await client.list(self._options(**values))
        listed_at, token = client.codec.list_meta(page)
        return ListResult(list(client.codec.items(page)), listed_at or "", token)

    async def watch(
        self,
        *,
        resource_version: str | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = True,
        send_initial_events: bool | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
    ) -> AsyncWatchStream[T]:
        options = self._options(
            resource_version=resource_version,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
            resource_version_match=resource_version_match,
        )
        return await self._client().watch(options)


class TypedListerWatcher(_ClientListerWatcher[M]):
    """A :class:`ListerWatcher` over a typed client (anything with ``AsyncList.list`` and
    ``AsyncWatch.watch``, such as ``cs.core_v1.pods("ns")``)."""

    def __init__(
        self,
        client: AsyncResourceClient[M, Any],
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        tweak_list_options: TweakListOptions | None = None,
    ) -> None:
        if not isinstance(client, AsyncList) or not isinstance(client, AsyncWatch):
            raise TypeError(f"{type(client).__name__} cannot list and watch")
        super().__init__(label_selector, field_selector, tweak_list_options)
        typed = client.codec
        if isinstance(typed, TypedCodec) and type(typed) is TypedCodec:
            # One object that does not fit its model must not fail the whole list or watch: it
            # comes back as an Undecodable, which the reflector reports and leaves out.
            client = copy.copy(client)
            client.codec = TolerantCodec(typed.kind, typed.list_kind)
        self.client = client
        # The client whose lists transform their items as they decode them, and its transform.
        self._transforming: tuple[Transform, AsyncResourceClient[M, Any]] | None = None

    @classmethod
    def for_kind(
        cls,
        transport: AsyncTransport,
        kind: type[M],
        list_kind: type[KubernetesList[M]] | None = None,
        *,
        namespace: str | None = None,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        tweak_list_options: TweakListOptions | None = None,
    ) -> TypedListerWatcher[M]:
        """List and watch ``kind`` (a generated model with ``RESOURCE``) in ``namespace``, or in all
        namespaces with None. ``list_kind`` defaults to ``KubernetesList[kind]``."""
        info = kind.RESOURCE
        if info is None:
            raise ValueError(f"{kind.__name__} is not a resource")
        rest = AsyncRESTClient(transport, info.group, info.version)
        lists = list_kind or cast(Any, KubernetesList)[kind]
        client: ResourceListWatchClient[M, Any] = ResourceListWatchClient(
            rest, kind, lists, namespace
        )
        return cls(
            client,
            label_selector=label_selector,
            field_selector=field_selector,
            tweak_list_options=tweak_list_options,
        )

    async def list(
        self,
        *,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        item_transform: Transform | None = None,
    ) -> ListResult[M]:
        """One page; with ``item_transform`` (the reflector's transform), each item goes through it
        as soon as it is decoded (see :class:`TolerantCodec`), and the result says so."""
        options: dict[str, Any] = dict(
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            limit=limit,
            continue_=continue_,
        )
        codec = self.client.codec
        if item_transform is None or not isinstance(codec, TolerantCodec):
            return await self._list_with(self._client(), options)
        cached = self._transforming
        if cached is None or cached[0] is not item_transform:
            client = copy.copy(self.client)
            client.codec = TolerantCodec(codec.kind, codec.list_kind, item_transform)
            cached = self._transforming = (item_transform, client)
        page = await self._list_with(cast(_ListWatchClient[M], cached[1]), options)
        page.transformed = True
        return page

    @staticmethod
    def all_namespaces(client: AsyncResourceClient[M, L]) -> AsyncResourceClient[M, L]:
        """The same client, across every namespace (a generated client is bound to one)."""
        return client._with_namespace(None)

    @property
    def resource(self) -> GroupVersionResource:
        return self.client.resource.gvr

    @property
    def namespace(self) -> str | None:
        return self.client.namespace

    def _client(self) -> _ListWatchClient[M]:
        # Checked in __init__: the client has both the list and the watch verbs.
        return cast(_ListWatchClient[M], self.client)


@dataclass
class DynamicListerWatcher(_ClientListerWatcher[Unstructured]):
    """A :class:`ListerWatcher` over the dynamic client: any resource, as Unstructured objects."""

    dynamic: AsyncDynamicClient
    gvr: GroupVersionResource
    namespace: str | None = None
    label_selector: SelectorLike | None = None
    field_selector: SelectorLike | None = None
    tweak_list_options: TweakListOptions | None = None

    def __post_init__(self) -> None:
        super().__init__(self.label_selector, self.field_selector, self.tweak_list_options)

    @property
    def resource(self) -> GroupVersionResource:
        return self.gvr

    def _client(self) -> _ListWatchClient[Unstructured]:
        client = self.dynamic.resource(self.gvr)
        return client.namespace(self.namespace) if self.namespace else client
