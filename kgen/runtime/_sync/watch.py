# Generated from the _async twin by scripts/unasync.py: edit the async source, not this file.
"""Watch streams: typed events from one HTTP watch, and a watcher that resumes across streams.

    with pods.watch(resource_version=listed.metadata.resource_version) as stream:
        for event in stream:
            print(event.type, event.object.metadata.name)

The server ends every watch after a while (5-10 minutes by default, or ``timeout_seconds``); a stream then
simply stops. :func:`retry_watch` opens a new one from the last resourceVersion seen, bookmarks included,
like client-go's RetryWatcher. It never relists: a 410 Gone (``Expired``) means the resourceVersion has left
the server's history, and the caller must list again (informers do this for you).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Callable
from typing import Generic, TypeVar

import httpx

from kgen.runtime._sync.primitives import sleep
from kgen.runtime._sync.rest import Request
from kgen.runtime._errors import (
    APIError,
    ServerError,
    Timeout,
    TooManyRequests,
    TransportError,
)
from kgen.runtime._transport_errors import HTTPX_ERRORS, transport_error
from kgen.runtime._watchevent import MalformedEvent, WatchEvent, WatchEventDecoder

__all__ = ["WatchStream", "retry_watch"]

T = TypeVar("T")


class WatchStream(Generic[T]):
    """The events of one watch request, in order. ``resource_version`` is the last one seen."""

    def __init__(
        self,
        request: Request,
        decoder: WatchEventDecoder[T],
        *,
        resource_version: str | None,
    ) -> None:
        self._request = request
        self._decoder = decoder
        self.resource_version = resource_version
        self._stack = contextlib.ExitStack()
        self._lines: Iterator[bytes] | None = None
        self._url: str | None = None
        self._closed = False

    def _open(self) -> None:
        response: httpx.Response = self._stack.enter_context(self._request.stream())
        self._url = str(response.url)
        self._lines = _split_lines(response.iter_bytes())

    def __enter__(self) -> WatchStream[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __iter__(self) -> WatchStream[T]:
        return self

    def __next__(self) -> WatchEvent[T]:
        if self._closed:
            raise StopIteration
        if self._lines is None:
            self._open()
        assert self._lines is not None
        while True:
            try:
                line = self._lines.__next__()
            except StopIteration:
                self.close()
                raise
            except HTTPX_ERRORS as exc:
                self.close()
                raise transport_error(exc, f"GET {self._url}: the watch stream broke") from exc
            try:
                event = self._decoder.decode(line)
            except MalformedEvent as exc:
                # Garbage or a line cut short: the stream is broken, not the object. A TransportError
                # makes informers and retry_watch watch again from the last resourceVersion.
                self.close()
                raise TransportError(
                    f"GET {self._url}: the watch stream broke: a line of {len(line)} bytes is "
                    "not a JSON event"
                ) from exc
            except APIError as exc:
                # An ERROR event (410 Expired...): name the request, as every other API error does.
                self.close()
                raise exc.at("GET", self._url) from None
            except BaseException:
                self.close()
                raise
            version = event.resource_version
            if version:
                self.resource_version = version
            return event

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._stack.close()


def _split_lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """The non-empty lines of a byte stream, as bytes: msgspec decodes bytes directly, and splitting
    bytes here is cheaper than httpx's text lines (no decoding to str).

    A line that spans chunks is kept as a list of pieces and joined once, when it ends: joining at
    every chunk would cost time quadratic in the line's length (a 16 MB object, a second of CPU).
    A last line without its newline is passed on too; if it was cut short it fails to decode.
    """
    pieces: list[bytes] = []
    for chunk in chunks:
        end = chunk.find(b"\n")
        if end < 0:
            pieces.append(chunk)
            continue
        start = 0
        if pieces:
            pieces.append(chunk[:end])
            line = b"".join(pieces)
            pieces.clear()
            if line and not line.isspace():
                yield line
            start = end + 1
        while True:
            end = chunk.find(b"\n", start)
            if end < 0:
                break
            if end > start:
                # One copy of the line (an object's JSON, kilobytes): isspace() stops at its first
                # character that is not a space.
                line = chunk[start:end]
                if not line.isspace():
                    yield line
            start = end + 1
        if start < len(chunk):
            pieces.append(chunk[start:])
    tail = b"".join(pieces)
    if tail and not tail.isspace():
        yield tail


def retry_watch(
    open_watch: Callable[[str], WatchStream[T]],
    resource_version: str,
    *,
    min_restart_delay: float = 1.0,
) -> Iterator[WatchEvent[T]]:
    """Events from ``resource_version`` on, across as many watch requests as it takes.

    ``open_watch(rv)`` opens one watch (bookmarks on). A stream that ends is reopened from the last
    resourceVersion after ``min_restart_delay`` (client-go's RetryWatcher waits 1 s); transport errors,
    server errors (5xx) and 429s, as an answer or as an ERROR event, are retried the same way (after
    their Retry-After if longer). Other API errors, 410 ``Expired`` first of all, are raised to the
    caller. An initial resourceVersion of "" or "0" is refused, as client-go does: events before it
    would be lost or repeated.
    """
    if resource_version in ("", "0"):
        raise ValueError("retry_watch needs a specific resourceVersion (from a list)")
    current = resource_version
    while True:
        try:
            stream = open_watch(current)
            with stream:
                for event in stream:
                    if event.resource_version:
                        current = event.resource_version
                    if event.type != "BOOKMARK":
                        yield event
        except TransportError:
            delay = min_restart_delay
        except (ServerError, Timeout, TooManyRequests) as exc:  # 5xx, 504 and 429
            delay = max(min_restart_delay, exc.retry_after or 0.0)
        else:
            delay = min_restart_delay
        sleep(delay)
