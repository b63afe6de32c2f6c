# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The typed resource clients: :class:`ResourceClient` (the verb engine of
:mod:`kgen.runtime._sync.engine` with generated models) and the verb and subresource mixins generated
clients are made of.

A generated client is a class that names the verbs its resource supports, as mixins over
:class:`ResourceClient`, plus one-line methods for subresources with payload types of their own::

    class PodClient(AllVerbs[Pod, PodList], LogSubresource[Pod, PodList], ...):
        def create_eviction(self, name, body: Eviction, options=None, *, dry_run=False, ...):
            return self._create_subresource(name, "eviction", body, Eviction, options, ...)

So a type checker knows that a read-only resource has no ``delete``, and the behaviour lives in the engine
once. Every verb takes its options value (``pods.list(ListOptions(label_selector=...))``) or the same
options as keywords (``pods.list(label_selector=...)``), a thin wrapper over it.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from kgen.runtime._apply import ApplyConfiguration
from kgen.runtime._sync.engine import ListVerbs, ResourceEngine, WatchVerbs
from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._meta import (
    DeleteOptions,
    KubernetesList,
    KubernetesObject,
    ObjectMeta,
    Scale,
    Status,
)
from kgen.runtime._partial import partial_type
from kgen.runtime._resources import ResourceInfo
from kgen.runtime._request import (
    DeletePropagation,
    FieldValidation,
    ListOptions,
    LogOptions,
    PatchType,
    WriteOptions,
    delete_options,
    with_keywords,
)
from kgen.runtime._verbs import TypedCodec, read_model, read_model_or_status

if TYPE_CHECKING:
    from kgen.runtime._selectors import SelectorLike  # annotations only: imported when used

__all__ = [
    "AllVerbs",
    "Apply",
    "Create",
    "Delete",
    "DeleteCollection",
    "Get",
    "List",
    "LogSubresource",
    "Patch",
    "ReadVerbs",
    "ResourceClient",
    "ScaleSubresource",
    "StatusSubresource",
    "Update",
    "Watch",
]

B = TypeVar("B")
C = TypeVar("C", bound="ResourceClient[Any, Any]")
M = TypeVar("M", bound=KubernetesObject)
LM = TypeVar("LM", bound=KubernetesList[Any])


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

    def partial(self: C, *eager: str, share_buffer: bool = False) -> C:
        """This client, decoding in what it reads only ``eager`` fields (Python names) and
        ``apiVersion``, ``kind``, ``metadata`` at once, and each other part of an object when first
        read (:func:`~kgen.runtime.decode_partial`): ``pods.partial("status").list()`` decodes a big
        list about twice as fast when specs are not read. Objects are still of the client's model to
        a type checker and to ``isinstance``. Every verb reads this way (list, pages, iter, watch,
        get, the answers of writes); an informer over this client caches partly decoded objects.
        """
        clone = copy.copy(self)
        clone.codec = TypedCodec(
            partial_type(self.kind, eager, share_buffer=share_buffer),
            partial_type(self.list_kind, eager, share_buffer=share_buffer),
        )
        return clone

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
        obj: M | ApplyConfiguration[M] | Mapping[str, Any],
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> M:
        """Server-side apply as ``field_manager`` (required): send only the fields you manage. Fields
        never set are not encoded. A model needs its required fields: to manage fewer
        (``spec.replicas`` alone), pass the kind's apply configuration (``<package>.apply``, every
        field optional, nested too) or a dict (``apiVersion`` and ``kind`` are filled in)."""
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
        obj: M | ApplyConfiguration[M] | Mapping[str, Any],
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> M:
        """Server-side apply of ``.status`` (a model, an apply configuration, or a dict naming only
        the fields managed)."""
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
