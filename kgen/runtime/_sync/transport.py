# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""The HTTP transport: TLS, credentials, rate limiting, retries and the mapping of error answers.

This is the async source; ``kgen/runtime/_sync/transport.py`` is generated from it by
``scripts/unasync.py`` (``nox -s unasync``; the tests check the two are in step).

Per request: wait for the rate limiter (client-go's token bucket, 5 QPS / burst 10 by default), add the
credential (a 401 refreshes a refreshable credential once and the request is repeated), send, and on a 429
or a 5xx that carries Retry-After, wait that long and try again (at most ``max_retries`` times, as
client-go does). Any other error answer becomes a typed :class:`~kgen.runtime._errors.APIError`.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib.util
import logging
import threading
import time
from collections.abc import Iterator, Callable
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

import httpx

from kgen.runtime._sync.primitives import sleep
from kgen.runtime._config import Config, ConfigError
from kgen.runtime._credentials import Credentials
from kgen.runtime._errors import Redirected, TransportError, error_from_response
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error
from kgen.runtime._urls import request_url
from kgen.runtime._proxy import mask_url, proxy_from_environment
from kgen.runtime._ratelimit import TokenBucket

if TYPE_CHECKING:
    from kgen.runtime._sync.http1 import HTTP1Transport
from kgen.runtime._request import (
    NO_READ_TIMEOUT,
    RequestSpec,
    header_key_escape,
    retry_after_seconds,
    user_agent,
)

__all__ = ["Transport", "RequestObserver"]

logger = logging.getLogger("kgen.runtime")

DEFAULT_MAX_RETRIES = 10  # client-go's rest.Request maxRetries
THROTTLE_LOG_THRESHOLD = 0.05  # client-go logs client-side throttling waits over 50 ms
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_CONNECTION_RETRIES = 3
_CONNECTION_BACKOFF = (0.0, 0.2, 1.0)

#: The httpx client, and kgen's HTTP/1.1 transport when it is the one under that client.
_Route = tuple[httpx.Client, "HTTP1Transport | None"]
#: Called after every request with its method, host, status code ("<error>": no answer) and seconds
#: to the answer's headers (client-go's rest_client metrics; a manager's ControllerMetrics is one).
RequestObserver = Callable[[str, str, str, float], None]


class Transport:
    """One connection pool, credential and rate limiter, shared by every client made from one config."""

    def __init__(
        self,
        config: Config,
        *,
        package: str | None = None,
        rate_limiter: TokenBucket | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        transport: Any = None,
        validate_writes: bool = False,
    ) -> None:
        self.config = config
        # The generated package this transport's clients come from (its schemas, its User-Agent).
        self.package = package
        # Check every create, update, patch with a model and apply against the kind's schema before
        # sending it (kgen.runtime._schemacheck): a SchemaInvalid instead of a request.
        self.validate_writes = validate_writes
        self.rate_limiter = rate_limiter or TokenBucket(config.qps, config.burst)
        self.max_retries = max_retries
        self._user_agent = config.user_agent or user_agent(package)
        # The httpx client, and kgen's HTTP/1.1 transport under it when it has one (requests then go
        # to that transport directly: see _build).
        self._client: _Route | None = None
        self._client_cert: bytes | None = None
        # The client replaced when an exec plugin last rotated the client certificate: it may still
        # carry a stream, so it is closed at the next rotation (certificates live for hours, streams
        # at most minutes) or with the transport.
        self._retired: _Route | None = None
        self._lock = threading.Lock()  # the sync twin is shared by threads; never held across I/O
        self._default_headers: list[tuple[str, str]] = []
        self._timeouts: dict[str, float | None] = {}
        self._server_url = httpx.URL()
        self._custom_transport = transport  # an httpx transport for in-process use (fake servers)
        self.retries = 0  # answers retried after Retry-After (for metrics and tests)
        self.request_observers: list[RequestObserver] = []
        # Streams (watches, followed logs) go over HTTP/1.1 even with http2: httpcore does not reset an
        # HTTP/2 stream whose response is closed before its end (encode/httpcore#943), so a watch the
        # caller closes would stay open on the server, keep one of the connection's streams (250 at
        # most) and use up its flow-control window. Closing an HTTP/1.1 answer closes its connection,
        # which ends the watch, as client-go's RST_STREAM does.
        self._streams: Transport | None = None
        if config.http2 and transport is None:
            self._streams = Transport(
                dataclasses.replace(config, http2=False),
                package=package,
                rate_limiter=self.rate_limiter,
                max_retries=max_retries,
            )
            self._streams.request_observers = self.request_observers  # one list: one set of metrics

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
            name = f"Impersonate-Extra-{header_key_escape(key)}"
            out += [(name, value) for value in values]
        return out

    def _client_for(self, credentials: Credentials | None) -> _Route:
        """The HTTP client for ``credentials``: a new one when their client certificate changed."""
        cert = credentials.client_cert_pem if credentials is not None else None
        with self._lock:
            route = self._client
            if route is not None and cert == self._client_cert:
                return route
            stale, self._retired = self._retired, route
            route = self._client = self._new_client(credentials)
            self._client_cert = cert
        if stale is not None:
            stale[0].close()
        return route

    def _new_client(self, credentials: Credentials | None) -> _Route:
        config = self.config
        connect = min(config.timeout or 30.0, 30.0)
        kwargs: dict[str, Any] = {
            "base_url": config.server,
            "headers": self._headers(),
            "timeout": httpx.Timeout(config.timeout, connect=connect),
            "http2": config.http2,
            "follow_redirects": False,
            "trust_env": False,  # proxies from the environment are read as client-go reads them
            # Every watch holds a connection for minutes (over HTTP/1.1): httpx's default cap of 100,
            # with no pool timeout, would hang the 101st informer for good. Go's transport has no cap.
            "limits": httpx.Limits(max_connections=None, max_keepalive_connections=20),
        }
        if self._custom_transport is not None:
            kwargs["transport"] = self._custom_transport
            return httpx.Client(**kwargs), None
        if config.server.startswith("http://"):
            # No TLS at all: do not pay for loading a trust store (httpx would load certifi's).
            kwargs["verify"] = False
        else:
            kwargs["verify"] = config.ssl_context(credentials)
        proxy = config.proxy_url or proxy_from_environment(config.server)
        if proxy is None and not config.http2:
            # kgen's own HTTP/1.1 connections (``http1``); upgrades (exec, port-forward) go through
            # httpx's transport, whose socket the WebSocket code takes over. Imported here: the
            # async twin's loads asyncio, which a sync program's first call should not.
            from kgen.runtime._sync.http1 import HTTP1Transport

            # An upgraded connection is never reused, and one refused (a 403) is not kept: no idle
            # connections there beside this pool's.
            verify = kwargs.pop("verify")
            no_idle = httpx.Limits(max_connections=None, max_keepalive_connections=0)
            lean = HTTP1Transport(
                verify or None,
                lambda: httpx.HTTPTransport(verify=verify, limits=no_idle, trust_env=False),
            )
            client = httpx.Client(transport=lean, **kwargs)
            # What build_request would add to each request (_build): the client's headers but those
            # each request sets, its timeouts, its URL.
            self._default_headers = list(client.headers.multi_items())
            self._timeouts = client.timeout.as_dict()
            self._server_url = client.base_url
            return client, lean
        if proxy is not None:
            if proxy.startswith("socks5") and importlib.util.find_spec("socksio") is None:
                raise ConfigError(
                    f"{mask_url(proxy)}: a SOCKS proxy needs the socksio package "
                    "(pip install 'kgen[socks]')",
                    file=config.source or None,
                    field="proxy-url" if config.proxy_url else "HTTPS_PROXY",
                )
            kwargs["proxy"] = proxy
        return httpx.Client(**kwargs), None

    def close(self) -> None:
        with self._lock:
            routes = [self._retired, self._client]
            self._client = self._retired = None
        for route in routes:
            if route is not None:
                route[0].close()
        if self._streams is not None:
            self._streams.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- credentials --------------------------------------------------------------------------------

    def _credentials(self, force_refresh: bool = False) -> Credentials | None:
        source = self.config.credentials
        if source is None:
            return None
        return source.get(force_refresh=force_refresh)

    def _build(
        self, spec: RequestSpec, credentials: Credentials | None
    ) -> tuple[_Route, httpx.Request]:
        route = self._client_for(credentials)
        headers = [("Accept", spec.accept), *self._impersonation(), *spec.headers.items()]
        if spec.content_type is not None:
            headers.append(("Content-Type", spec.content_type))
        if credentials is not None and credentials.token:
            headers.append(("Authorization", f"Bearer {credentials.token}"))
        elif self.config.username is not None:
            pair = f"{self.config.username}:{self.config.password or ''}".encode()
            headers.append(("Authorization", "Basic " + base64.b64encode(pair).decode("ascii")))
        extensions: dict[str, Any] = {}
        if spec.timeout == NO_READ_TIMEOUT:
            timeout = self.config.timeout
            connect = min(timeout or 30.0, 30.0)
            extensions["timeout"] = httpx.Timeout(timeout, connect=connect, read=None).as_dict()
        elif spec.timeout is not None:
            extensions["timeout"] = httpx.Timeout(spec.timeout).as_dict()
        if self.config.tls_server_name:
            extensions["sni_hostname"] = self.config.tls_server_name
        client, lean = route
        if lean is None:
            return route, client.build_request(
                spec.method,
                spec.path,
                params=httpx.QueryParams(cast(list[tuple[str, Any]], spec.params)),
                content=spec.body,
                headers=headers,
                extensions=extensions,
            )
        # What build_request does, without parsing and validating the URL again (most of a small
        # request's CPU in httpx's client): the server's URL was parsed once, kgen built the path.
        extensions.setdefault("timeout", self._timeouts)
        names = {
            name.lower() for name, _ in headers
        }  # a request's own headers replace the client's
        defaults = [(name, value) for name, value in self._default_headers if name not in names]
        return route, httpx.Request(
            spec.method,
            request_url(self._server_url, spec.path, spec.params),
            content=spec.body,
            headers=[*defaults, *headers],
            extensions=extensions,
        )

    # --- sending ------------------------------------------------------------------------------------

    def _throttle(self) -> None:
        delay = self.rate_limiter.reserve()
        if delay > 0:
            if delay > THROTTLE_LOG_THRESHOLD:
                logger.debug("waited %.3fs for client-side throttling (qps/burst)", delay)
            sleep(delay)

    def _send_once(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        """Send with credentials; on a 401 refresh a refreshable credential once and resend."""
        credentials = self._credentials()
        response = self._send(*self._build(spec, credentials), stream=stream)
        if response.status_code == 401 and self.config.credentials is not None:
            refreshed = self._credentials(force_refresh=True)
            if refreshed != credentials:  # the same credential would get the same answer
                response.close()
                response = self._send(*self._build(spec, refreshed), stream=stream)
        return response

    @staticmethod
    def _send_on(route: _Route, request: httpx.Request, *, stream: bool) -> httpx.Response:
        client, lean = route
        if lean is not None:
            # The client would add nothing kgen uses (no redirects, cookies, auth flows or hooks).
            return lean.handle_request(request)
        return client.send(request, stream=stream)

    def _send(self, route: _Route, request: httpx.Request, *, stream: bool) -> httpx.Response:
        if not self.request_observers:
            try:
                return self._send_on(route, request, stream=stream)
            except HTTPX_ERRORS as exc:
                raise transport_error(exc, f"{request.method} {request.url}") from exc
        started, code = time.monotonic(), "<error>"
        try:
            response = self._send_on(route, request, stream=stream)
            code = str(response.status_code)
            return response
        except HTTPX_ERRORS as exc:
            raise transport_error(exc, f"{request.method} {request.url}") from exc
        finally:
            self._observe(request, code, time.monotonic() - started)

    def _observe(self, request: httpx.Request, code: str, seconds: float) -> None:
        host = request.url.netloc.decode("ascii", "replace")
        for observer in self.request_observers:
            try:
                observer(request.method, host, code, seconds)
            except Exception:  # noqa: BLE001 - metrics never fail a request
                logger.exception("a request observer failed")

    def _send_with_retries(self, spec: RequestSpec, *, stream: bool) -> httpx.Response:
        attempt = 0
        while True:
            self._throttle()
            try:
                response = self._send_once(spec, stream=stream)
            except TransportError as exc:
                # A request that never reached the server can always be sent again; a read that broke
                # (a pooled connection the server had closed) only when repeating it is harmless.
                never_sent = isinstance(exc.__cause__, (httpx.ConnectError, httpx.ConnectTimeout))
                if (never_sent or spec.method in _SAFE_METHODS) and attempt < _CONNECTION_RETRIES:
                    attempt += 1
                    logger.debug("%s %s: %s; retrying", spec.method, spec.path, exc)
                    sleep(_CONNECTION_BACKOFF[min(attempt, len(_CONNECTION_BACKOFF)) - 1])
                    continue
                raise
            code = response.status_code
            if code < 300:
                self._warnings(response)
                return response
            if code < 400:
                location = response.headers.get("Location")
                response.close()
                raise Redirected(
                    code,
                    mask_url(location) if location is not None else None,
                    method=spec.method,
                    url=str(response.url),
                )
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            retriable = code == 429 or (code >= 500 and retry_after is not None)
            if retriable and retry_after is not None and attempt < self.max_retries:
                attempt += 1
                self.retries += 1
                response.close()
                logger.debug(
                    "%s %s: %d, retrying in %.1fs", spec.method, spec.path, code, retry_after
                )
                sleep(retry_after)
                continue
            body = response.read()
            response.close()
            raise error_from_response(
                code, body, retry_after=retry_after, method=spec.method, url=str(response.url)
            )

    def _warnings(self, response: httpx.Response) -> None:
        for warning in response.headers.get_list("Warning"):
            logger.warning("API server warning: %s", warning)

    def request(self, spec: RequestSpec) -> httpx.Response:
        """Send ``spec`` and read the whole answer; raise the typed error for an error answer."""
        response = self._send_with_retries(spec, stream=True)
        try:
            response.read()
        except HTTPX_ERRORS as exc:
            raise transport_error(exc, f"{spec.method} {spec.path}: reading the answer") from exc
        finally:
            response.close()
        return response

    @contextmanager
    def stream(self, spec: RequestSpec) -> Iterator[httpx.Response]:
        """Send ``spec`` and hand over the answer unread (watch, logs); closed when the block ends."""
        if self._streams is not None:
            with self._streams.stream(spec) as response:
                yield response
            return
        response = self._send_with_retries(spec, stream=True)
        try:
            yield response
        finally:
            response.close()
