# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The dynamic client: every verb on any resource, with unstructured objects.

    dynamic = DynamicClient(transport)
    deployments = dynamic.resource("apps/v1/deployments").namespace("default")
    obj = deployments.get("web")
    obj["spec"]["replicas"] = 3
    deployments.update(obj)

It needs no generated code and keeps every field the server sends (client-go's dynamic client is the only
client-go path that does). ``Unstructured.to_typed(scheme)`` turns a result into a generated model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from kgen.runtime._sync.rest import Request, RESTClient
from kgen.runtime._sync.transport import Transport
from kgen.runtime._sync.watch import WatchStream
from kgen.runtime._errors import DecodeError
from kgen.runtime._resources import GroupVersionResource
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
from kgen.runtime._unstructured import Unstructured, UnstructuredList

__all__ = ["DynamicClient", "DynamicResource"]


def _decode(data: bytes) -> dict[str, Any]:
    try:
        value = msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"the server's answer is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise DecodeError("the server did not answer with a JSON object")
    return value


def _unstructured(data: bytes) -> Unstructured:
    return Unstructured(_decode(data))


def _body(obj: Unstructured | dict[str, Any]) -> dict[str, Any]:
    return obj.object if isinstance(obj, Unstructured) else obj


class DynamicClient:
    def __init__(self, transport: Transport) -> None:
        self.transport = transport

    def resource(self, gvr: GroupVersionResource | str) -> DynamicResource:
        """``"apps/v1/deployments"``, ``"v1/pods"``, ``"deployments.v1.apps"`` or a GroupVersionResource."""
        if isinstance(gvr, str):
            gvr = GroupVersionResource.parse(gvr)
        return DynamicResource(RESTClient(self.transport, gvr.group, gvr.version), gvr)

    def close(self) -> None:
        self.transport.close()


class DynamicResource:
    def __init__(
        self, rest: RESTClient, gvr: GroupVersionResource, namespace: str | None = None
    ) -> None:
        self.rest = rest
        self.gvr = gvr
        self._namespace = namespace

    def namespace(self, namespace: str) -> DynamicResource:
        return DynamicResource(self.rest, self.gvr, namespace)

    def _request(
        self, method: str, name: str | None = None, subresources: tuple[str, ...] = ()
    ) -> Request:
        request = self.rest.verb(method).resource(self.gvr.resource).namespace(self._namespace)
        if name is not None:
            request.name(name)
        if subresources:
            request.subresource("/".join(subresources))
        return request

    @staticmethod
    def _name(obj: Unstructured | dict[str, Any]) -> str:
        name = (_body(obj).get("metadata") or {}).get("name")
        if not name:
            raise ValueError("the object has no metadata.name")
        return str(name)

    def get(
        self, name: str, *subresources: str, resource_version: str | None = None
    ) -> Unstructured:
        request = self._request("GET", name, subresources)
        if resource_version is not None:
            request.param("resourceVersion", resource_version)
        return _unstructured(request.do_raw())

    def list(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        limit: int | None = None,
        continue_: str | None = None,
        timeout_seconds: int | None = None,
    ) -> UnstructuredList:
        options = ListOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match=resource_version_match,
            limit=limit,
            continue_=continue_,
            timeout_seconds=timeout_seconds,
        )
        return UnstructuredList(_decode(self._request("GET").params(options.params()).do_raw()))

    def pages(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        resource_version: str | None = None,
        resource_version_match: ResourceVersionMatch | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[UnstructuredList]:
        """Every page of a list, following ``continue`` over one consistent snapshot."""
        token: str | None = None
        first = True
        while True:
            page = self.list(
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
            token = page.continue_
            if not token:
                return

    def watch(
        self,
        *,
        resource_version: str | None = None,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        timeout_seconds: int | None = None,
        allow_watch_bookmarks: bool = True,
        send_initial_events: bool | None = None,
    ) -> WatchStream[Unstructured]:
        """Events carry :class:`Unstructured` objects, as get and list return them."""
        options = ListOptions(
            label_selector=label_selector,
            field_selector=field_selector,
            resource_version=resource_version,
            resource_version_match="NotOlderThan" if send_initial_events else None,
            timeout_seconds=timeout_seconds,
            allow_watch_bookmarks=allow_watch_bookmarks,
            send_initial_events=send_initial_events,
        )
        request = self._request("GET").params(options.params(watch=True))
        request.timeout(NO_READ_TIMEOUT)
        return WatchStream(request, None, resource_version=resource_version, wrap=Unstructured)

    def create(
        self,
        obj: Unstructured | dict[str, Any],
        *subresources: str,
        name: str | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        """Create ``obj``; with subresources (``create(eviction, "eviction", name="pod")``) a POST to
        ``<name>/<subresource>``."""
        options = WriteOptions(dry_run, field_manager, field_validation)
        request = self._request("POST", name if subresources else None, subresources)
        return _unstructured(request.params(options.params()).body(_body(obj)).do_raw())

    def update(
        self,
        obj: Unstructured | dict[str, Any],
        *subresources: str,
        dry_run: bool = False,
        field_manager: str | None = None,
        field_validation: FieldValidation | None = None,
    ) -> Unstructured:
        options = WriteOptions(dry_run, field_manager, field_validation)
        request = self._request("PUT", self._name(obj), subresources).params(options.params())
        return _unstructured(request.body(_body(obj)).do_raw())

    def update_status(
        self, obj: Unstructured | dict[str, Any], *, dry_run: bool = False
    ) -> Unstructured:
        return self.update(obj, "status", dry_run=dry_run)

    def patch(
        self,
        name: str,
        patch: Any,
        *subresources: str,
        patch_type: PatchType | None = None,
        dry_run: bool = False,
        field_manager: str | None = None,
        force: bool | None = None,
    ) -> Unstructured:
        options = WriteOptions(dry_run, field_manager, force=force)
        request = (
            self.rest.patch(resolve_patch_type(patch, patch_type))
            .resource(self.gvr.resource)
            .namespace(self._namespace)
        )
        request.name(name)
        if subresources:
            request.subresource("/".join(subresources))
        return _unstructured(request.params(options.params()).body(patch).do_raw())

    def apply(
        self,
        obj: Unstructured | dict[str, Any],
        *subresources: str,
        field_manager: str,
        force: bool = False,
        dry_run: bool = False,
    ) -> Unstructured:
        return self.patch(
            self._name(obj),
            _body(obj),
            *subresources,
            patch_type=PatchType.APPLY,
            dry_run=dry_run,
            field_manager=field_manager,
            force=force,
        )

    def apply_status(
        self, obj: Unstructured | dict[str, Any], *, field_manager: str, force: bool = False
    ) -> Unstructured:
        return self.apply(obj, "status", field_manager=field_manager, force=force)

    def delete(
        self,
        name: str,
        *subresources: str,
        uid: str | None = None,
        resource_version: str | None = None,
        propagation_policy: DeletePropagation | None = None,
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> Unstructured:
        """The deleted (or finalizing) object, or the server's Status as an Unstructured."""
        body = delete_body(
            uid=uid,
            resource_version=resource_version,
            propagation_policy=propagation_policy,
            grace_period_seconds=grace_period_seconds,
            dry_run=dry_run,
        )
        request = self._request("DELETE", name, subresources).body(body)
        return _unstructured(request.do_raw())

    def delete_collection(
        self,
        *,
        label_selector: SelectorLike | None = None,
        field_selector: SelectorLike | None = None,
        propagation_policy: DeletePropagation | None = None,
        dry_run: bool = False,
    ) -> Unstructured:
        options = ListOptions(label_selector=label_selector, field_selector=field_selector)
        body = delete_body(propagation_policy=propagation_policy, dry_run=dry_run)
        request = self._request("DELETE").params(options.params()).body(body)
        return _unstructured(request.do_raw())
