# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The dynamic client: every verb on any resource, with unstructured objects.

    dynamic = DynamicClient(transport)
    deployments = dynamic.resource("apps/v1/deployments").namespace("default")
    obj = deployments.get("web")
    obj["spec"]["replicas"] = 3
    deployments.update(obj)

It needs no generated code and keeps every field the server sends (client-go's dynamic client is the only
client-go path that does). ``Unstructured.to_typed(scheme)`` turns a result into a generated model.

It is the typed clients' engine (:mod:`kgen.runtime._sync.engine`) with the unstructured codec: list,
pages, iter, watch and watch_from are the very same methods, and every other verb sends what the typed
verb of the same name sends. Subresources are named after the object: ``get("web", "scale")``.
"""

from __future__ import annotations

from typing import Any

from kgen.runtime._sync.engine import ListVerbs, WatchVerbs
from kgen.runtime._sync.rest import RESTClient
from kgen.runtime._sync.transport import Transport
from kgen.runtime._meta import DeleteOptions
from kgen.runtime._request import (
    DeletePropagation,
    FieldValidation,
    ListOptions,
    PatchType,
    WriteOptions,
    delete_options,
    with_keywords,
)
from kgen.runtime._resources import GroupVersionResource
from kgen.runtime._selectors import SelectorLike
from kgen.runtime._unstructured import Unstructured, UnstructuredList
from kgen.runtime._verbs import UNSTRUCTURED

__all__ = ["DynamicClient", "DynamicResource"]

#: What the write verbs take: an Unstructured, or the JSON object itself.
UnstructuredLike = Unstructured | dict[str, Any]


class DynamicClient:
    """Clients of any resource, by GroupVersionResource, over one transport."""

    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def resource(self, gvr: GroupVersionResource | str) -> DynamicResource:
        """``"apps/v1/deployments"``, ``"v1/pods"``, ``"deployments.v1.apps"`` or a GroupVersionResource."""
        if isinstance(gvr, str):
            gvr = GroupVersionResource.parse(gvr)
        return DynamicResource(RESTClient(self.transport, gvr.group, gvr.version), gvr)

    def close(self) -> None:
        self.transport.close()


def _path(subresources: tuple[str, ...]) -> str | None:
    return "/".join(subresources) or None


class DynamicResource(
    ListVerbs[Unstructured, UnstructuredList], WatchVerbs[Unstructured, UnstructuredList]
):
    """One resource, cluster-wide (or every namespace) until :meth:`namespace` picks one."""

    def __init__(
        self, rest: RESTClient, gvr: GroupVersionResource, namespace: str | None = None
    ) -> None:
        super().__init__(rest, gvr.resource, namespace, UNSTRUCTURED)
        self.gvr = gvr

    def namespace(self, namespace: str) -> DynamicResource:
        """This resource in ``namespace``."""
        return self._with_namespace(namespace)

    def get(
        self, name: str, *subresources: str, resource_version: str | None = None
    ) -> Unstructured:
        """Read one object (or its subresource). ``resource_version`` as for the typed ``get``."""
        result = self._get(name, _path(subresources), resource_version)
        return self.codec.read_object(result)

    def create(
        self,
        obj: UnstructuredLike,
        *subresources: str,
        options: WriteOptions | None = None,
        name: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        """Create ``obj``; with subresources (``create(eviction, "eviction", name="pod")``) a POST to
        ``<name>/<subresource>``."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        subresource = _path(subresources)
        result = self._create(obj, options, name if subresource else None, subresource)
        return self.codec.read_object(result)

    def update(
        self,
        obj: UnstructuredLike,
        *subresources: str,
        options: WriteOptions | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        """Replace ``obj`` (optimistic concurrency on its resourceVersion, as the typed ``update``)."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )
        return self.codec.read_object(self._update(obj, options, None, _path(subresources)))

    def update_status(
        self,
        obj: UnstructuredLike,
        options: WriteOptions | None = None,
        *,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        """Write ``.status`` of ``obj``."""
        return self.update(
            obj,
            "status",
            options=options,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
        )

    def patch(
        self,
        name: str,
        patch: Any,
        *subresources: str,
        options: WriteOptions | None = None,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
        force: bool | None = None,
    ) -> Unstructured:
        """Patch ``name`` (patch types as for the typed ``patch``)."""
        options = with_keywords(
            options,
            WriteOptions,
            dry_run=dry_run,
            field_manager=field_manager,
            field_validation=field_validation,
            force=force,
        )
        result = self._patch(name, patch, options, patch_type, _path(subresources))
        return self.codec.read_object(result)

    def apply(
        self,
        obj: UnstructuredLike,
        *subresources: str,
        options: WriteOptions | None = None,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        """Server-side apply of ``obj`` as ``field_manager`` (required)."""
        options = with_keywords(
            options,
            WriteOptions,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
            field_validation=field_validation,
        )
        result = self._apply(obj, options, None, None, _path(subresources))
        return self.codec.read_object(result)

    def apply_status(
        self,
        obj: UnstructuredLike,
        options: WriteOptions | None = None,
        *,
        field_manager: str | None = None,
        force: bool | None = None,
        dry_run: bool = False,
    ) -> Unstructured:
        """Server-side apply of ``.status`` of ``obj``."""
        return self.apply(
            obj,
            "status",
            options=options,
            field_manager=field_manager,
            force=force,
            dry_run=dry_run,
        )

    def delete(
        self,
        name: str,
        *subresources: str,
        options: DeleteOptions | None = None,
        uid: str | None = None,
        resource_version: str | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> Unstructured:
        """The deleted (or finalizing) object, or the server's Status as an Unstructured (options as
        for the typed ``delete``)."""
        options = delete_options(
            options,
            uid=uid,
            resource_version=resource_version,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        return self.codec.read_object(self._delete(name, options, _path(subresources)))

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
    ) -> Unstructured:
        """Delete every object that matches the selectors; the answer as an Unstructured."""
        options = delete_options(
            options,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        list_options = with_keywords(
            list_options, ListOptions, label_selector=label_selector, field_selector=field_selector
        )
        return self.codec.read_object(self._delete_collection(options, list_options))
