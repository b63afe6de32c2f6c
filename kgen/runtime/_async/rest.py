"""The RESTClient: a request builder over the transport, the base of the typed and dynamic clients.

    result = await rest.get().namespace("ns").resource("pods").name("web").do()
    pod = result.into(Pod)
    text = await rest.get().namespace("ns").resource("pods").name("web").subresource("log").do_raw()

As in client-go, one RESTClient serves one group-version (``/api/v1`` or ``/apis/<group>/<version>``);
``abs_path`` builds requests to anything else (discovery, ``/version``, ``/openapi/v3``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from kgen.runtime._async.transport import AsyncTransport
from kgen.runtime._request import (
    JSONSerializer,
    PatchType,
    RequestSpec,
    Result,
    Serializer,
    patch_body,
    resource_path,
)

__all__ = ["AsyncRESTClient", "AsyncRequest"]


class AsyncRESTClient:
    def __init__(
        self,
        transport: AsyncTransport,
        group: str = "",
        version: str = "v1",
        *,
        serializer: Serializer | None = None,
    ) -> None:
        self.transport = transport
        self.group = group
        self.version = version
        self.serializer = serializer or JSONSerializer()

    def verb(self, method: str) -> AsyncRequest:
        return AsyncRequest(self, method)

    def get(self) -> AsyncRequest:
        return self.verb("GET")

    def post(self) -> AsyncRequest:
        return self.verb("POST")

    def put(self) -> AsyncRequest:
        return self.verb("PUT")

    def delete(self) -> AsyncRequest:
        return self.verb("DELETE")

    def patch(self, patch_type: PatchType) -> AsyncRequest:
        return self.verb("PATCH").content_type(patch_type.value)


class AsyncRequest:
    """One request being built. Every setter returns the request, so calls chain."""

    def __init__(self, client: AsyncRESTClient, method: str) -> None:
        self._client = client
        self._method = method
        self._namespace: str | None = None
        self._resource: str | None = None
        self._name: str | None = None
        self._subresource: str | None = None
        self._abs_path: str | None = None
        self._params: list[tuple[str, str]] = []
        self._body: bytes | None = None
        self._value: Any = None  # the body as given, for the transport's opt-in schema check
        self._content_type: str | None = None
        self._timeout: float | None = None
        self._headers: dict[str, str] = {}
        self._accept: str | None = None

    def namespace(self, namespace: str | None) -> AsyncRequest:
        self._namespace = namespace
        return self

    def resource(self, resource: str) -> AsyncRequest:
        self._resource = resource
        return self

    def name(self, name: str) -> AsyncRequest:
        self._name = name
        return self

    def subresource(self, subresource: str | None) -> AsyncRequest:
        self._subresource = subresource
        return self

    def abs_path(self, path: str) -> AsyncRequest:
        self._abs_path = path
        return self

    def param(self, key: str, value: str) -> AsyncRequest:
        self._params.append((key, value))
        return self

    def params(self, params: list[tuple[str, str]]) -> AsyncRequest:
        self._params.extend(params)
        return self

    def body(self, value: Any) -> AsyncRequest:
        """A model, a dict or bytes; JSON unless :meth:`content_type` says otherwise."""
        serializer = self._client.serializer
        self._value = value
        if self._content_type is not None and self._content_type != serializer.content_type:
            self._body = patch_body(value, PatchType(self._content_type), serializer)
        else:
            self._body = serializer.encode(value)
            self._content_type = serializer.content_type
        return self

    def content_type(self, content_type: str) -> AsyncRequest:
        self._content_type = content_type
        return self

    def accept(self, accept: str) -> AsyncRequest:
        self._accept = accept
        return self

    def timeout(self, seconds: float | None) -> AsyncRequest:
        """Seconds for this request; None for the config's timeout, ``NO_READ_TIMEOUT`` for none
        while reading the answer (streams)."""
        self._timeout = seconds
        return self

    def header(self, key: str, value: str) -> AsyncRequest:
        self._headers[key] = value
        return self

    def spec(self) -> RequestSpec:
        if self._abs_path is not None:
            path = self._abs_path
        else:
            path = resource_path(
                self._client.group,
                self._client.version,
                self._resource,
                namespace=self._namespace,
                name=self._name,
                subresource=self._subresource,
            )
        return RequestSpec(
            method=self._method,
            path=path,
            params=list(self._params),
            body=self._body,
            content_type=self._content_type if self._body is not None else None,
            accept=self._accept or self._client.serializer.accept,
            timeout=self._timeout,
            headers=dict(self._headers),
        )

    def _check(self) -> None:
        """A transport made with ``validate_writes``: the body is checked against its kind's schema
        first (a SchemaInvalid before anything is sent)."""
        transport = self._client.transport
        if transport.validate_writes and self._value is not None:
            from kgen.runtime._schemacheck import check_write

            check_write(
                self._method,
                self._content_type,
                self._value,
                package=transport.package,
                subresource=self._subresource,
            )

    async def do(self) -> Result:
        """Send and read the answer; an error answer raises the typed APIError."""
        self._check()
        response = await self._client.transport.request(self.spec())
        return Result(response, self._client.serializer)

    async def do_raw(self) -> bytes:
        return (await self.do()).raw()

    @asynccontextmanager
    async def stream(self) -> AsyncIterator[httpx.Response]:
        """Send and hand over the unread answer (for watches and followed logs)."""
        async with self._client.transport.stream(self.spec()) as response:
            yield response
