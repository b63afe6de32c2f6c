# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The verb engine and the typed resource clients (client-go's ``gentype``, kube-rs's ``Api``).

Every verb is written once, in :class:`ResourceEngine`: it checks what the resource supports, builds
the request from an options value (:mod:`kgen.runtime._request`) and sends it. Answers are read with a
codec (:mod:`kgen.runtime._verbs`): typed clients are the engine with generated models, and the dynamic
client (:mod:`kgen.runtime._sync.dynamic`) is the same engine with Unstructured objects; both take list,
pages, iter, watch and watch_from from the same classes here.

A generated client is a class that names the verbs its resource supports, as mixins over
:class:`ResourceClient`, plus one-line methods for subresources with payload types of their own::

    class PodClient(AllVerbs[Pod, PodList], LogSubresource[Pod, PodList], ...):
        def create_eviction(self, name, body: Eviction, options=None, *, dry_run=False, ...):
            return self._create_subresource(name, "eviction", body, Eviction, options, ...)

So a type checker knows that a read-only resource has no ``delete``, and the behaviour lives here once.
Every verb takes its options value (``pods.list(ListOptions(label_selector=...))``) or the same options
as keywords (``pods.list(label_selector=...)``), a thin wrapper over it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

from kgen.runtime._sync.rest import Request, RESTClient
from kgen.runtime._sync.watch import WatchStream, retry_watch
from kgen.runtime._errors import ResourceNotSupported
from kgen.runtime._meta import (
    DeleteOptions,
    KubernetesList,
    KubernetesObject,
    ObjectMeta,
    Scale,
    Status,
)
from kgen.runtime._resources import GroupVersionKind, GroupVersionResource, ResourceInfo
from kgen.runtime._request import (
    DEFAULT_PAGE_SIZE,
    LIST_TIMEOUT_MARGIN,
    NO_READ_TIMEOUT,
    DeletePropagation,
    FieldValidation,
    ListOptions,
    LogOptions,
    PatchType,
    ResourceVersionMatch,
    Result,
    WriteOptions,
    delete_options,
    resolve_patch_type,
    with_keywords,
)
from kgen.runtime._selectors import SelectorLike
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error
from kgen.runtime._verbs import (
    Codec,
    TypedCodec,
    apply_body,
    check_namespace,
    check_verb,
    read_model,
    read_model_or_status,
)
from kgen.runtime._watchevent import WatchEvent

__all__ = [
    "AllVerbs",
    "Apply",
    "Create",
    "Delete",
    "DeleteCollection",
    "Get",
    "List",
    "ListVerbs",
    "LogSubresource",
    "Patch",
    "ReadVerbs",
    "ResourceClient",
    "ResourceEngine",
    "ScaleSubresource",
    "StatusSubresource",
    "Update",
    "Watch",
    "WatchVerbs",
]

T = TypeVar("T")
L = TypeVar("L")
B = TypeVar("B")
E = TypeVar("E", bound="ResourceEngine[Any, Any]")
C = TypeVar("C", bound="ResourceClient[Any, Any]")
M = TypeVar("M", bound=KubernetesObject)
LM = TypeVar("LM", bound=KubernetesList[Any])


class ResourceEngine(Generic[T, L]):
    """Every request of one resource, each built in one place.

    The engine holds what requests need (the REST client of the group-version, the resource's path
    segment, the namespace, and what the API model says the resource supports) and the codec its
    clients read answers with. Its verbs take options values and return the answer unread
    (:class:`~kgen.runtime._request.Result`), except list and watch, which only ever carry the
    client's own objects."""

    def __init__(
        self,
        rest: RESTClient,
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
    ) -> Request:
        request = self.rest.verb(method).resource(self._plural).namespace(self._namespace)
        if name is not None:
            request.name(name)
        return request.subresource(subresource)

    def _get(
        self, name: str, subresource: str | None = None, resource_version: str | None = None
    ) -> Result:
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource)
        if resource_version is not None:
            request.param("resourceVersion", resource_version)
        return request.do()

    def _list(self, options: ListOptions) -> L:
        check_verb(self._info, self._namespace, "list")
        request = self._request("GET").params(options.params())
        if options.timeout_seconds is not None:
            # The server ends a list that takes too long: the request must outlive its wait.
            request.timeout(options.timeout_seconds + LIST_TIMEOUT_MARGIN)
        return self.codec.read_list(request.do())

    def _watch(self, options: ListOptions) -> WatchStream[T]:
        check_verb(self._info, self._namespace, "watch")
        request = self._request("GET").params(options.for_watch().params(watch=True))
        request.timeout(NO_READ_TIMEOUT)
        return WatchStream(
            request, self.codec.watch_decoder(), resource_version=options.resource_version
        )

    def _create(
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
        return request.body(self.codec.encode(obj)).do()

    def _update(
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
        return request.do()

    def _patch(
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
        return request.body(self.codec.encode(patch)).do()

    def _apply(
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
        return request.do()

    def _delete(self, name: str, options: DeleteOptions, subresource: str | None = None) -> Result:
        check_verb(self._info, self._namespace, "delete", subresource)
        request = self._request("DELETE", name, subresource).body(options)
        for value in options.dry_run or ():  # as a parameter too, for servers that read only that
            request.param("dryRun", value)
        return request.do()

    def _delete_collection(self, options: DeleteOptions, list_options: ListOptions) -> Result:
        check_verb(self._info, self._namespace, "deletecollection")
        request = self._request("DELETE").params(list_options.params()).body(options)
        for value in options.dry_run or ():
            request.param("dryRun", value)
        return request.do()

    def _read(self, name: str, subresource: str, params: list[tuple[str, str]]) -> str:
        """A streaming subresource (a log) as text, read to its end."""
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        return (request.do_raw()).decode("utf-8", "replace")

    def _read_lines(
        self, name: str, subresource: str, params: list[tuple[str, str]]
    ) -> Iterator[str]:
        """A streaming subresource line by line, as the server writes it."""
        check_verb(self._info, self._namespace, "get", subresource)
        request = self._request("GET", name, subresource).params(params).accept("*/*")
        request.timeout(NO_READ_TIMEOUT)  # a followed log may be quiet for a long time
        with request.stream() as response:
            try:
                for line in response.iter_lines():
                    yield line
            except HTTPX_ERRORS as exc:
                raise transport_error(exc, f"{name}/{subresource}: the stream broke") from exc


# --- list and watch: the same methods on typed clients and on the dynamic client ----------------------


class ListVerbs(ResourceEngine[T, L]):
    """list, pages and iter (the typed :class:`List` and the dynamic client)."""

    def list(
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
        return self._list(options)

    def pages(
        self,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int | None = None,
    ) -> Iterator[L]:
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
            page = self._list(options)
            yield page
            _, token = self.codec.list_meta(page)
            if not token:
                return
            # Continuation pages must not repeat resourceVersion (the token carries it).
            options = dataclasses.replace(
                options, continue_=token, resource_version=None, resource_version_match=None
            )

    def iter(
        self,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int | None = None,
    ) -> Iterator[T]:
        """Every object, page by page (the options as for :meth:`pages`)."""
        for page in self.pages(
            options,
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            page_size=page_size,
        ):
            for item in self.codec.items(page):
                yield item


class WatchVerbs(ResourceEngine[T, L]):
    """watch and watch_from (the typed :class:`Watch` and the dynamic client)."""

    def watch(
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
    ) -> WatchStream[T]:
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
        return self._watch(options)

    def watch_from(
        self,
        resource_version: str,
        options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        min_restart_delay: float = 1.0,
    ) -> Iterator[WatchEvent[T]]:
        """Events from ``resource_version`` on, reopening the watch whenever the server ends it (and
        after server errors). Raises ``Expired`` when the resourceVersion is too old (list again then)
        and any other API error. See :func:`retry_watch`."""
        base = with_keywords(
            options, ListOptions, label_selector=label_selector, field_selector=field_selector
        )

        def open_watch(rv: str) -> WatchStream[T]:
            # Bookmarks keep the resume point fresh on quiet resources.
            return self._watch(
                dataclasses.replace(base, resource_version=rv, allow_watch_bookmarks=True)
            )

        return retry_watch(open_watch, resource_version, min_restart_delay=min_restart_delay)


# --- typed clients ------------------------------------------------------------------------------------


class ResourceClient(ResourceEngine[M, LM]):
    """The engine with generated models: ``kind`` and ``list_kind`` of one resource, in one namespace
    (or, for list and watch, every namespace).

    To add methods to a generated client without editing generated files (client-go's expansion
    interfaces), subclass it and make your class from the client a clientset gives::

        class PodHelpers(PodClient):
            def names(self) -> list[str]:
                return [pod.metadata.name for pod in self.list().items]

        pods = PodHelpers.from_client(cs.core_v1.pods("default"))
    """

    def __init__(
        self,
        rest: RESTClient,
        kind: type[M],
        list_kind: type[LM],
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
        super().__init__(rest, info.plural, namespace, TypedCodec(kind, list_kind), info)
        self.kind = kind
        self.list_kind = list_kind
        self.resource = info

    @property
    def namespace(self) -> str | None:
        """The namespace of this client; None for a cluster-scoped resource or every namespace."""
        return self._namespace

    @property
    def all_namespaces(self) -> bool:
        """A namespaced resource with no namespace: every namespace, for list and watch only."""
        return self.resource.namespaced and self._namespace is None

    @classmethod
    def from_client(cls: type[C], client: ResourceClient[Any, Any]) -> C:
        """This class, for the same resource and namespace as ``client``: a subclass of a generated
        client that adds methods, made from the client a clientset gives (see the class docstring).
        """
        if not (issubclass(cls, type(client)) or isinstance(client, cls)):
            raise TypeError(f"{cls.__name__} does not extend {type(client).__name__}")
        return cls(
            client.rest, client.kind, client.list_kind, client.namespace, resource=client.resource
        )

    # --- subresources with payloads of their own: what generated one-liners call ---------------------

    def _get_subresource(self, name: str, subresource: str, tp: type[B]) -> B:
        return read_model(self._get(name, subresource), tp)

    def _create_subresource(
        self,
        name: str,
        subresource: str,
        body: Any,
        tp: type[B],
        options: WriteOptions | None,
        **keywords: Any,
    ) -> B | Status:
        options = with_keywords(options, WriteOptions, **keywords)
        return read_model_or_status(self._create(body, options, name, subresource), tp)

    def _update_subresource(
        self,
        name: str | None,
        subresource: str,
        body: Any,
        tp: type[B],
        options: WriteOptions | None,
        **keywords: Any,
    ) -> B:
        """PUT ``body`` to ``name``'s subresource (None: the body is the object itself)."""
        options = with_keywords(options, WriteOptions, **keywords)
        return read_model(self._update(body, options, name, subresource), tp)

    def _patch_subresource(
        self,
        name: str,
        subresource: str,
        patch: Any,
        tp: type[B],
        patch_type: PatchType | None,
        options: WriteOptions | None,
        **keywords: Any,
    ) -> B:
        options = with_keywords(options, WriteOptions, **keywords)
        result = self._patch(name, patch, options, patch_type, subresource)
        return read_model(result, tp)

    def _apply_subresource(
        self,
        name: str | None,
        subresource: str,
        body: Any,
        tp: type[B],
        options: WriteOptions | None,
        **keywords: Any,
    ) -> B:
        """Server-side apply of ``name``'s subresource (None: the body is the object itself)."""
        options = with_keywords(options, WriteOptions, **keywords)
        gvk = getattr(tp, "GVK", None)
        return read_model(self._apply(body, options, gvk, name, subresource), tp)

    def _read_subresource(self, name: str, subresource: str, params: dict[str, str]) -> str:
        return self._read(name, subresource, sorted(params.items()))

    def _stream_subresource(
        self, name: str, subresource: str, params: dict[str, str]
    ) -> Iterator[str]:
        return self._read_lines(name, subresource, sorted(params.items()))


class Get(ResourceClient[M, LM]):
    """get."""

    def get(self, name: str, *, resource_version: str | None = None) -> M:
        """Read one object. ``resource_version``: None or "" reads the latest (quorum), "0" any cached
        copy, "N" data at least as fresh as N."""
        return self.codec.read_object(self._get(name, resource_version=resource_version))


class List(ListVerbs[M, LM], ResourceClient[M, LM]):
    """list, pages and iter."""


class Watch(WatchVerbs[M, LM], ResourceClient[M, LM]):
    """watch and watch_from."""


class Create(ResourceClient[M, LM]):
    """create."""

    def create(
        self,
        obj: M,
        options: WriteOptions | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Create ``obj`` (``metadata.generate_name`` instead of a name lets the server pick one)."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._create(obj, options))


class Update(ResourceClient[M, LM]):
    """update."""

    def update(
        self,
        obj: M,
        options: WriteOptions | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Replace the object. Its ``metadata.resourceVersion`` makes this an optimistic-concurrency
        write: if the object changed since it was read, the server answers 409 (``Conflict``).
        See ``retry_on_conflict``. Fields the models do not know are sent back as they were read when
        ``obj`` came from this client (see :mod:`kgen.runtime._preserve`); for objects from lists and
        informer caches, prefer ``patch`` or ``apply``."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._update(obj, options))


class Patch(ResourceClient[M, LM]):
    """patch."""

    def patch(
        self,
        name: str,
        patch: Any,
        options: WriteOptions | None = None,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
        force: bool | None = None,
    ) -> M:
        """Patch with a JSON patch (a list of operations), a merge patch (a dict or model: the default,
        safe for fields this client does not know) or a strategic merge patch (built-in kinds only).
        """
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )
        return self.codec.read_object(self._patch(name, patch, options, patch_type))


class Apply(ResourceClient[M, LM]):
    """apply (server-side apply)."""

    def apply(
        self,
        obj: M | Mapping[str, Any],
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Server-side apply as ``field_manager`` (required): send only the fields you manage. Fields
        never set are not encoded, so a model built with just those fields is an apply configuration,
        except that a model needs its required fields: to manage fewer (``spec.replicas`` alone), pass
        the configuration as a dict (``apiVersion`` and ``kind`` are filled in)."""
        options = with_keywords(
            options,
            WriteOptions,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._apply(obj, options, self.kind.GVK))


class StatusSubresource(ResourceClient[M, LM]):
    """The ``status`` subresource: reads and writes of ``.status`` alone."""

    def get_status(self, name: str) -> M:
        """The object, read through its status subresource."""
        return self.codec.read_object(self._get(name, "status"))

    def update_status(
        self,
        obj: M,
        options: WriteOptions | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Write ``.status`` (everything else in ``obj`` is ignored by the server); optimistic
        concurrency as for :meth:`update`."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._update(obj, options, subresource="status"))

    def patch_status(
        self,
        name: str,
        patch: Any,
        options: WriteOptions | None = None,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Patch ``.status`` (patches as for :meth:`patch`)."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._patch(name, patch, options, patch_type, "status"))

    def apply_status(
        self,
        obj: M | Mapping[str, Any],
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> M:
        """Server-side apply of ``.status`` (a model, or a dict naming only the fields managed)."""
        options = with_keywords(
            options, WriteOptions, field_manager=field_manager, force=force, dry_run=dry_run
        )
        result = self._apply(obj, options, self.kind.GVK, subresource="status")
        return self.codec.read_object(result)


class ScaleSubresource(ResourceClient[M, LM]):
    """The ``scale`` subresource (autoscaling/v1 Scale)."""

    def get_scale(self, name: str) -> Scale:
        """The object's Scale: its desired and current replicas."""
        return self._get_subresource(name, "scale", Scale)

    def update_scale(
        self,
        name: str,
        scale: Scale,
        options: WriteOptions | None = None,
        *,
        dry_run: bool = False,
    ) -> Scale:
        """Write the Scale (its ``spec.replicas``) of ``name``."""
        return self._update_subresource(name, "scale", scale, Scale, options, dry_run=dry_run)

    def patch_scale(
        self,
        name: str,
        patch: Any,
        options: WriteOptions | None = None,
        *,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
    ) -> Scale:
        """Patch the Scale of ``name``."""
        return self._patch_subresource(
            name, "scale", patch, Scale, patch_type, options, dry_run=dry_run
        )

    def apply_scale(
        self,
        name: str,
        scale: Scale,
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
    ) -> Scale:
        """Server-side apply of the Scale of ``name`` (its metadata.name is set to ``name``)."""
        if scale.metadata is None:
            scale.metadata = ObjectMeta(name=name)
        elif not scale.metadata.name:
            scale.metadata.name = name
        return self._apply_subresource(
            name, "scale", scale, Scale, options, field_manager=field_manager, force=force
        )


class LogSubresource(ResourceClient[M, LM]):
    """The ``log`` subresource (pods/log): a container's log, whole or line by line."""

    def log(
        self,
        name: str,
        options: LogOptions | None = None,
        *,
        container: str | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        """The whole log as it is now (never followed: see :meth:`stream_log`)."""
        options = with_keywords(
            options,
            LogOptions,
            container=container,
            previous=previous,
            since_seconds=since_seconds,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        return self._read(name, "log", dataclasses.replace(options, follow=False).params())

    def stream_log(
        self,
        name: str,
        options: LogOptions | None = None,
        *,
        container: str | None = None,
        follow: bool | None = None,
        previous: bool = False,
        since_seconds: int | None = None,
        timestamps: bool = False,
        tail_lines: int | None = None,
        limit_bytes: int | None = None,
    ) -> Iterator[str]:
        """The log line by line, as it is written unless ``follow=False``."""
        options = with_keywords(
            options,
            LogOptions,
            container=container,
            follow=follow,
            previous=previous,
            since_seconds=since_seconds,
            timestamps=timestamps,
            tail_lines=tail_lines,
            limit_bytes=limit_bytes,
        )
        if options.follow is None:
            options = dataclasses.replace(options, follow=True)
        return self._read_lines(name, "log", options.params())


class Delete(ResourceClient[M, LM]):
    """delete."""

    def delete(
        self,
        name: str,
        options: DeleteOptions | None = None,
        *,
        uid: str | None = None,
        resource_version: str | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> M | Status:
        """Delete one object. ``uid`` (and ``resource_version``) are preconditions: pin the uid you
        read, because a namespace and name are not unique across time. ``propagation_policy``: Orphan,
        Background or Foreground. Returns the object (still there with a deletionTimestamp while
        finalizers run, or as it was) or the server's Status."""
        options = delete_options(
            options,
            uid=uid,
            resource_version=resource_version,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        return self.codec.read_object_or_status(self._delete(name, options))


class DeleteCollection(ResourceClient[M, LM]):
    """deletecollection."""

    def delete_collection(
        self,
        options: DeleteOptions | None = None,
        list_options: ListOptions | None = None,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> LM | Status:
        """Delete every object that matches the selectors (all of them without selectors)."""
        options = delete_options(
            options,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        list_options = with_keywords(
            list_options, ListOptions, label_selector=label_selector, field_selector=field_selector
        )
        result = self._delete_collection(options, list_options)
        return read_model_or_status(result, self.list_kind)


# Verb sets most resources have, as one base each: a generated client subscripts one generic base
# instead of nine (each subscription of a generic class costs about 20 us at import, and a package of
# the whole API has some 300 client classes).


class ReadVerbs(Get[M, LM], List[M, LM], Watch[M, LM]):
    """get, list and watch."""


class AllVerbs(
    ReadVerbs[M, LM],
    Create[M, LM],
    Update[M, LM],
    Patch[M, LM],
    Apply[M, LM],
    Delete[M, LM],
    DeleteCollection[M, LM],
):
    """Every verb of a collection resource: get, list, watch, create, update, patch, apply, delete and
    deletecollection."""
