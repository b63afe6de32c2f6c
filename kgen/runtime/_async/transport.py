"""The HTTP transport: TLS, credentials, rate limiting, retries and the mapping of error answers.

This is the async source; ``kgen/runtime/_sync/transport.py`` is generated from it by
``scripts/unasync.py`` (``nox -s unasync``; the tests check the two are in step).

Per request: wait for the rate limiter (client-go's token bucket, 5 QPS / burst 10 by default), add the
credential (a 401 refreshes a refreshable credential once and the request is repeated), send, and on a 429
or a 5xx that carries Retry-After, wait that long and try again (at most ``max_retries`` times, as
client-go does). Any other error answer becomes a typed :class:`~kgen.runtime.errors.APIError`.
"""

from __future__ import annotations

import base64
import logging
import platform
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx

from kgen import __version__
from kgen.runtime._async.primitives import asleep
from kgen.runtime.config import Config
from kgen.runtime.credentials import Credentials
from kgen.runtime.errors import TransportError, TransportTimeout, error_from_response
from kgen.runtime.ratelimit import TokenBucket
from kgen.runtime.request import RequestSpec

__all__ = ["AsyncTransport"]

logger = logging.getLogger("kgen.runtime")

DEFAULT_MAX_RETRIES = 10  # client-go's rest.Request maxRetries
MAX_RETRY_AFTER = 60.0  # never sleep longer than this on one Retry-After
THROTTLE_LOG_THRESHOLD = 0.05  # client-go logs client-side throttling waits over 50 ms
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CONNECTION_RETRIES = 3
_CONNECTION_BACKOFF = (0.0, 0.2, 1.0)


def user_agent(package: str | None) -> str:
    base = f"kgen/{__version__} (python/{platform.python_version()}; httpx/{httpx.__version__})"
    return f"{base} {package}" if package else base


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None  # an HTTP date: the API server only sends seconds
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class AsyncTransport:
    """One connection pool, credential and rate limiter, shared by every client made from one config."""

    def __init__(
        self,
        config: Config,
        *,
        package: str | None = None,
        rate_limiter: TokenBucket | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: Any = None,
    ) -> None:
        self.config = config
        self.rate_limiter = rate_limiter or TokenBucket(config.qps, config.burst)
        self.max_retries = max_retries
        self._user_agent = config.user_agent or user_agent(package)
        self._client: httpx.AsyncClient | None = None
        self._client_cert: bytes | None = None
        self._custom_transport = transport  # an httpx transport for in-process use (fake servers)
        self.retries = 0  # answers retried after Retry-After (for metrics and tests)

    # --- connection ---------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": self._user_agent}
        config = self.config
        if config.impersonate_user:
            headers["Impersonate-User"] = config.impersonate_user
        if config.impersonate_uid:
            headers["Impersonate-Uid"] = config.impersonate_uid
        return headers

    def _impersonation(self) -> list[tuple[str, str]]:
        # Groups and extras are repeated headers, which a dict cannot hold.
        out = [("Impersonate-Group", group) for group in self.config.impersonate_groups]
        for key, values in sorted(self.config.impersonate_extra.items()):
            out += [(f"Impersonate-Extra-{key}", value) for value in values]
        return out

    def _client_for(self, credentials: Credentials | None) -> httpx.AsyncClient:
        cert = credentials.client_cert_pem if credentials is not None else None
        if self._client is not None and cert == self._client_cert:
            return self._client
        if self._client is not None:
            # An exec plugin rotated the client certificate: connections made with the old one go.
            old, self._client = self._client, None
            self._retire(old)
        config = self.config
        timeout = httpx.Timeout(config.timeout, connect=min(config.timeout or 30.0, 30.0))
        kwargs: dict[str, Any] = {
            "base_url": config.server,
            "headers": self._headers(),
            "timeout": timeout,
            "http2": config.http2,
            "follow_redirects": False,
            "trust_env": False,
        }
        if self._custom_transport is not None:
            kwargs["transport"] = self._custom_transport
        elif config.server.startswith("http://"):
            # No TLS at all: do not pay for loading a trust store (httpx would load certifi's).
            kwargs["verify"] = False
        else:
            kwargs["verify"] = config.ssl_context(credentials)
            if config.proxy_url:
                kwargs["proxy"] = config.proxy_url
        self._client = httpx.AsyncClient(**kwargs)
        self._client_cert = cert
        return self._client

    def _retire(self, client: httpx.AsyncClient) -> None:
        self._retired = getattr(self, "_retired", [])
        self._retired.append(client)

    async def aclose(self) -> None:
        for client in [*getattr(self, "_retired", []), self._client]:
            if client is not None:
                await client.aclose()
        self._client = None
        self._retired = []

    async def __aenter__(self) -> AsyncTransport:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    # --- credentials --------------------------------------------------------------------------------

    async def _credentials(self, force_refresh: bool = False) -> Credentials | None:
        source = self.config.credentials
        if source is None:
            return None
        return await source.aget(force_refresh=force_refresh)

    def _build(self, spec: RequestSpec, credentials: Credentials | None) -> httpx.Request:
        client = self._client_for(credentials)
        headers = [("Accept", spec.accept), *self._impersonation(), *spec.headers.items()]
        if spec.content_type is not None:
            headers.append(("Content-Type", spec.content_type))
        if credentials is not None and credentials.token:
            headers.append(("Authorization", f"Bearer {credentials.token}"))
        elif self.config.username is not None:
            pair = f"{self.config.username}:{self.config.password or ''}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
        extensions: dict[str, Any] = {}
        if spec.timeout is not None:
            extensions["timeout"] = httpx.Timeout(spec.timeout).as_dict()
        if self.config.tls_server_name:
            extensions["sni_hostname"] = self.config.tls_server_name
        return client.build_request(
            spec.method,
            spec.path,
            params=httpx.QueryParams(cast(list[tuple[str, Any]], spec.params)),
            content=spec.body,
            headers=headers,
            extensions=extensions,
        )

    # --- sending ------------------------------------------------------------------------------------

    async def _throttle(self) -> None:
        delay = self.rate_limiter.reserve()
        if delay > 0:
            if delay > THROTTLE_LOG_THRESHOLD:
                logger.debug("waited %.3fs for client-side throttling (qps/burst)", delay)
            await asleep(delay)

    async def _send_once(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        """Send with credentials; on a 401 refresh a refreshable credential once and resend."""
        credentials = await self._credentials()
        response = await self._send(self._build(spec, credentials), stream=stream)
        if response.status_code == 401 and self.config.credentials is not None:
            await response.aclose()
            refreshed = await self._credentials(force_refresh=True)
            if refreshed != credentials:
                response = await self._send(self._build(spec, refreshed), stream=stream)
            else:
                response = await self._send(self._build(spec, credentials), stream=stream)
        return response

    async def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        client = self._client_for_request()
        try:
            return await client.send(request, stream=stream)
        except httpx.TimeoutException as exc:
            raise TransportTimeout(f"{request.method} {request.url}: timed out ({exc})") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"{request.method} {request.url}: {exc}") from exc

    def _client_for_request(self) -> httpx.AsyncClient:
        assert self._client is not None
        return self._client

    async def _send_with_retries(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            await self._throttle()
            try:
                response = await self._send_once(spec, stream=stream)
            except TransportError as exc:
                # A request that never reached the server can always be sent again; a read that broke
                # (a pooled connection the server had closed) only when repeating it is harmless.
                never_sent = isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
                if (never_sent or spec.method in _SAFE_METHODS) and attempt < _CONNECTION_RETRIES:
                    attempt += 1
                    logger.debug("%s %s: %s; retrying", spec.method, spec.path, exc)
                    await asleep(_CONNECTION_BACKOFF[min(attempt, len(_CONNECTION_BACKOFF)) - 1])
                    continue
                raise
            code = response.status_code
            if code < 400:
                self._warnings(response)
                return response
            retry_after = _retry_after(response)
            retriable = code == 429 or (code >= 500 and retry_after is not None)
            if retriable and retry_after is not None and attempt < self.max_retries:
                attempt += 1
                self.retries += 1
                await response.aclose()
                logger.debug(
                    "%s %s: %d, retrying in %.1fs", spec.method, spec.path, code, retry_after
                )
                await asleep(retry_after)
                continue
            body = await response.aread()
            await response.aclose()
            raise error_from_response(
                code, body, retry_after=retry_after, method=spec.method, url=str(response.url)
            )

    def _warnings(self, response: httpx.Response) -> None:
        for warning in response.headers.get_list("Warning"):
            logger.warning("API server warning: %s", warning)

    async def request(self, spec: RequestSpec) -> httpx.Response:
        """Send ``spec`` and read the whole answer; raise the typed error for an error answer."""
        response = await self._send_with_retries(spec, stream=True)
        try:
            await response.aread()
        except httpx.TimeoutException as exc:
            raise TransportTimeout(f"{spec.method} {spec.path}: timed out reading ({exc})") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"{spec.method} {spec.path}: {exc}") from exc
        finally:
            await response.aclose()
        return response

    @asynccontextmanager
    async def stream(self, spec: RequestSpec) -> AsyncIterator[httpx.Response]:
        """Send ``spec`` and hand over the answer unread (watch, logs); closed when the block ends."""
        response = await self._send_with_retries(spec, stream=True)
        try:
            yield response
        finally:
            await response.aclose()
