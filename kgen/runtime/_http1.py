"""HTTP/1.1 for a client, without I/O: the request's head, the response's head, the body's framing.

kgen's own HTTP/1.1 connections (``_async/http1.py`` and its sync twin) are built on this. It does what
a Kubernetes client needs and nothing more: no pipelining (one request per connection at a time),
no request trailers. What it reads it checks as Go's ``net/http`` client does: a status line and
header fields of the right shape, one ``Content-Length``, ``chunked`` as the last transfer coding, and
bounded heads and chunk-size lines, so that a broken or hostile server gets a :class:`ProtocolViolation`
and never unbounded memory.
"""

from __future__ import annotations

import re
from typing import NamedTuple

__all__ = [
    "CHUNKED",
    "LENGTH",
    "MAX_HEAD",
    "NO_BODY",
    "UNTIL_CLOSE",
    "BodyDecoder",
    "ProtocolViolation",
    "ResponseHead",
    "framing",
    "parse_head",
    "request_head",
]

#: The most a response's status line and header fields may take (httpcore allows 100 KiB: Kubernetes
#: answers carry a few hundred bytes, plus a ``Warning`` per deprecated field at most).
MAX_HEAD = 256 * 1024
#: The most a chunk-size line (with extensions) or one trailer field may take.
MAX_LINE = 4096

_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS_LINE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?: ([^\r\n]*))?")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_valid_names: dict[bytes, bool] = {}  # header names seen: the same few on every request


class ProtocolViolation(ValueError):
    """What was sent or received is not HTTP/1.1 this client accepts."""


def _check_name(name: bytes) -> None:
    ok = _valid_names.get(name)
    if ok is None:
        ok = _TOKEN.fullmatch(name) is not None
        if len(_valid_names) < 1024:
            _valid_names[name] = ok
    if not ok:
        raise ProtocolViolation(f"invalid header name {name[:64]!r}")


def request_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """The request line and header fields, ending with the empty line.

    A value holding CR, LF or NUL (a token read from a file, say) is refused, not sent: it would
    end the field and start another of the caller's choosing.
    """
    lines = [method, b" ", target, b" HTTP/1.1\r\n"]
    for name, value in headers:
        _check_name(name)
        lines += (name, b": ", value, b"\r\n")
    lines.append(b"\r\n")
    head = b"".join(lines)
    # One count over the whole head instead of three per value: only the separators have CR or LF.
    if head.count(b"\n") != len(headers) + 2 or head.count(b"\r") != len(headers) + 2:
        raise ProtocolViolation("a header value or the request target holds CR or LF")
    if b"\0" in head or b" " in target:
        raise ProtocolViolation("a header value or the request target holds NUL or a space")
    return head


class ResponseHead(NamedTuple):
    status: int
    reason: bytes
    headers: list[tuple[bytes, bytes]]
    #: The connection may carry another request after this answer's body (HTTP/1.1 and no
    #: ``Connection: close``, or HTTP/1.0 with ``keep-alive``).
    keep_alive: bool


def parse_head(data: bytes | bytearray) -> tuple[ResponseHead, int] | None:
    """The response head at the start of ``data`` and its size; None while it is incomplete."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        if len(data) > MAX_HEAD:
            raise ProtocolViolation(f"the response head is longer than {MAX_HEAD} bytes")
        return None
    if end > MAX_HEAD:
        raise ProtocolViolation(f"the response head is longer than {MAX_HEAD} bytes")
    lines = bytes(data[:end]).split(b"\r\n")
    status_line = _STATUS_LINE.fullmatch(lines[0])
    if status_line is None:
        raise ProtocolViolation(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    minor, code, reason = status_line.groups()
    headers: list[tuple[bytes, bytes]] = []
    connection = b""
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not name or name[-1:] in (b" ", b"\t") or line[:1] in (b" ", b"\t"):
            # No colon, a space before it (RFC 9112 5.1: must be rejected), or obsolete folding.
            raise ProtocolViolation(f"a malformed header field: {line[:80]!r}")
        _check_name(name)
        value = value.strip(b" \t")
        if b"\n" in value or b"\r" in value or b"\0" in value:
            raise ProtocolViolation(f"a header value holds CR, LF or NUL: {name!r}")
        if name.lower() == b"connection":
            connection += b"," + value.lower()
        headers.append((name, value))
    tokens = {token.strip() for token in connection.split(b",")}
    keep_alive = b"close" not in tokens if minor == b"1" else b"keep-alive" in tokens
    return ResponseHead(int(code), reason or b"", headers, keep_alive), end + 4


# --- the body ---------------------------------------------------------------------------------------

NO_BODY, LENGTH, CHUNKED, UNTIL_CLOSE = range(4)


def framing(method: bytes, head: ResponseHead) -> tuple[int, int]:
    """How the body of ``head`` (an answer to ``method``) is delimited: (kind, length) (RFC 9112 6.3)."""
    status = head.status
    if method == b"HEAD" or status < 200 or status in (204, 304):
        return NO_BODY, 0
    codings: list[bytes] = []
    lengths: set[bytes] = set()
    for name, value in head.headers:
        lowered = name.lower()
        if lowered == b"transfer-encoding":
            codings += [c.strip().lower() for c in value.split(b",") if c.strip()]
        elif lowered == b"content-length":
            lengths.update(v.strip() for v in value.split(b","))
    if codings:
        if codings[-1] != b"chunked":
            return UNTIL_CLOSE, 0  # RFC 9112 6.3 item 4: read until the connection closes
        if codings.count(b"chunked") != 1:
            raise ProtocolViolation("chunked appears more than once in Transfer-Encoding")
        return CHUNKED, 0  # a Content-Length beside it is ignored (and the connection not reused)
    if lengths:
        if len(lengths) != 1:
            raise ProtocolViolation(f"conflicting Content-Length values: {sorted(lengths)}")
        (length,) = lengths
        if not length.isdigit() or len(length) > 18:
            raise ProtocolViolation(f"a bad Content-Length: {length[:40]!r}")
        return LENGTH, int(length)
    return UNTIL_CLOSE, 0


class BodyDecoder:
    """The body's bytes out of what the connection delivers, for one framing.

    ``feed`` returns the body's pieces in what it was given (views are never kept: each piece is a
    bytes object of its own or the input itself); once :attr:`done`, anything fed after the body's
    end is :attr:`excess` (a server that sends more than it framed: the connection is not reused).
    """

    __slots__ = ("kind", "done", "excess", "_remaining", "_state", "_pending")

    def __init__(self, kind: int, length: int = 0) -> None:
        self.kind = kind
        self.done = kind == NO_BODY or (kind == LENGTH and length == 0)
        self.excess = False
        self._remaining = length
        self._state = 0  # chunked: 0 size line, 1 data, 2 CRLF after data, 3 trailer fields
        self._pending = bytearray()  # chunked: an incomplete size line or trailer field

    def feed(self, data: bytes) -> list[bytes]:
        if self.done:
            if data:
                self.excess = True
            return []
        kind = self.kind
        if kind == UNTIL_CLOSE:
            return [data] if data else []
        if kind == LENGTH:
            remaining = self._remaining
            if len(data) < remaining:
                self._remaining = remaining - len(data)
                return [data] if data else []
            self._remaining = 0
            self.done = True
            if len(data) > remaining:
                self.excess = True
                return [data[:remaining]]
            return [data]
        return self._chunked(data)

    def feed_eof(self) -> None:
        """The connection ended: fine for a body read until the close, a violation before the end."""
        if self.kind == UNTIL_CLOSE:
            self.done = True
        elif not self.done:
            raise ProtocolViolation("the server closed the connection before the body's end")

    def _chunked(self, data: bytes) -> list[bytes]:
        out: list[bytes] = []
        position, size = 0, len(data)
        while position < size and not self.done:
            state = self._state
            if state == 1:  # chunk data
                take = min(self._remaining, size - position)
                out.append(data if take == size else data[position : position + take])
                position += take
                self._remaining -= take
                if not self._remaining:
                    self._state = 2
                continue
            line_end = data.find(b"\n", position)
            if line_end < 0:
                self._pending += data[position:]
                if len(self._pending) > MAX_LINE:
                    raise ProtocolViolation("a chunk-size line or trailer field is too long")
                break
            line = bytes(self._pending + data[position:line_end]) if self._pending else None
            if line is None:
                line = data[position:line_end]
            self._pending.clear()
            position = line_end + 1
            if len(line) > MAX_LINE:
                raise ProtocolViolation("a chunk-size line or trailer field is too long")
            if line[-1:] != b"\r":
                raise ProtocolViolation("a chunked body's line does not end with CRLF")
            line = line[:-1]
            if state == 2:
                if line:
                    raise ProtocolViolation("a chunk's data is longer than its size")
                self._state = 0
            elif state == 0:
                digits = line.split(b";", 1)[0].strip(b" \t")
                if _HEX.fullmatch(digits) is None:
                    raise ProtocolViolation(f"a bad chunk size: {line[:40]!r}")
                self._remaining = int(digits, 16)
                self._state = 1 if self._remaining else 3
            elif not line:  # state 3: the empty line after the trailer fields (if any)
                self.done = True
        if position < size and self.done:
            self.excess = True
        return out
