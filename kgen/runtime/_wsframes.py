"""WebSocket frames (RFC 6455, section 5), both ends, without I/O: what exec and port-forward ride on.

The handshake is an ordinary HTTP request through kgen's transport (``_async/streams.py``); after the
``101`` only frames remain, and those are this module. No extension is ever negotiated, so the RSV bits
must be zero. Clients mask every frame they send with a fresh random key (5.3); servers never mask.

Why not a library: measured (``benchmarks/ws_libraries.py``), wsproto's frame layer costs several
function calls and a buffer copy per event, which is most of a client's CPU when it reads a forwarded
port; these few lines parse a frame where the socket read (or TLS decrypted) it, in a buffer the
reader keeps, and a relay copies a run of binary frames once (``message_views``). Masking XORs every
fourth byte at once through ``bytes.translate`` tables (measured, twice, as fast as big-integer XOR,
and simpler), which still makes it most of a client's CPU when it uploads (stdin, port-forward
writes: about 200 MB/s); where the websockets package is installed its C ``apply_mask`` (70 times as
fast) masks frames of 4 KiB and more, loaded at the first such frame so that importing it costs
nothing to code that never uploads.
"""

from __future__ import annotations

import functools
import importlib
import mmap
import os
import sys
from collections.abc import Callable, Iterator

__all__ = [
    "BINARY",
    "CLOSE",
    "CONTINUATION",
    "PING",
    "PONG",
    "TEXT",
    "FrameError",
    "FrameReader",
    "close_payload",
    "encode_frame",
    "lazy_buffer",
    "mask",
    "parse_close",
]

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_CONTROL = frozenset({CLOSE, PING, PONG})
_DATA = frozenset({TEXT, BINARY})


class FrameError(ValueError):
    """The peer broke RFC 6455 (the caller closes with code 1002, or 1009 for a message too big)."""

    def __init__(self, message: str, code: int = 1002) -> None:
        super().__init__(message)
        self.code = code


_XOR = [bytes(b ^ k for b in range(256)) for k in range(256)]


#: Frames from this size on are masked by websockets' C code, if it is installed.
FAST_MASK_MIN = 4096


@functools.cache
def _c_mask() -> Callable[[bytes | memoryview, bytes], bytes] | None:
    try:
        module = importlib.import_module("websockets.speedups")
    except ImportError:
        return None
    apply_mask: Callable[[bytes | memoryview, bytes], bytes] = module.apply_mask
    return apply_mask


def mask(data: bytes | memoryview, key: bytes) -> bytes:
    """``data`` XOR the 4-byte ``key`` repeated (masking and unmasking are the same)."""
    if len(data) >= FAST_MASK_MIN:
        c_mask = _c_mask()
        if c_mask is not None:
            return c_mask(data, key)
    return python_mask(data, key)


def python_mask(data: bytes | memoryview, key: bytes) -> bytes:
    """:func:`mask` in Python."""
    out = bytearray(data)
    for i in range(4):
        out[i::4] = out[i::4].translate(_XOR[key[i]])
    return bytes(out)


def encode_frame(opcode: int, payload: bytes, *, masked: bool, fin: bool = True) -> bytes:
    """One frame; ``masked`` for a client (with a fresh random key), not for a server."""
    n = len(payload)
    first = (0x80 if fin else 0) | opcode
    bit = 0x80 if masked else 0
    if n < 126:
        head = bytes((first, bit | n))
    elif n < 0x10000:
        head = bytes((first, bit | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((first, bit | 127)) + n.to_bytes(8, "big")
    if masked:
        key = os.urandom(4)
        return head + key + mask(payload, key)
    return head + payload


def close_payload(code: int = 1000, reason: str = "") -> bytes:
    return code.to_bytes(2, "big") + reason.encode("utf-8")[:123]


def parse_close(payload: bytes) -> tuple[int, str]:
    """A close frame's (code, reason); 1005 when it has none (7.1.5)."""
    if len(payload) < 2:
        return 1005, ""
    return int.from_bytes(payload[:2], "big"), payload[2:].decode("utf-8", "replace")


def lazy_buffer(size: int) -> memoryview:
    """``size`` writable bytes whose memory the system gives only as they are first written (an
    anonymous mapping, private: a forked child does not share it): an idle stream's buffers cost a
    page or two, not their size."""
    if sys.platform == "win32":
        return memoryview(mmap.mmap(-1, size))
    return memoryview(mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE))


#: What a :class:`FrameReader`'s buffer starts with (and shrinks back to when it empties).
BUFFER_SIZE = 512 * 1024


class FrameReader:
    """Bytes in, messages out: ``(opcode, payload)`` for whole data messages (fragments joined; text
    decoded) and for each control frame as it comes.

    ``masked`` says whether the peer must mask (a server reads a client's masked frames) or must
    not (a client reads a server's). ``max_message`` bounds what one message may hold.

    Bytes come in through :meth:`feed`, or are written straight into the buffer: :meth:`reserve`
    gives the free room (a socket read or a TLS decryption fills it), :meth:`commit` says how much
    was written. With ``views``, a whole binary message of one frame from an unmasking-free peer is
    a ``memoryview`` of the buffer, valid until the next :meth:`reserve` or :meth:`feed` (a relay
    copies it once, where it joins several); every other payload is bytes (or str) of its own.
    """

    def __init__(self, *, masked: bool, max_message: int, views: bool = False) -> None:
        self._masked = masked
        self._max = max_message
        self._views = views
        # The bytes fed are view[start:end]. The buffer is never resized in place (a view of it may
        # be alive): it is replaced by a bigger one when a frame needs the room.
        self._view = lazy_buffer(BUFFER_SIZE)
        self._start = self._end = 0
        self._opcode: int | None = None  # of the fragmented message being assembled
        self._parts: list[bytes] = []
        self._size = 0

    def reserve(self, size: int) -> memoryview:
        """Room for at least ``size`` more bytes (write them, then :meth:`commit` how many)."""
        live = self._end - self._start
        capacity = len(self._view)
        if not live and capacity > BUFFER_SIZE and size <= BUFFER_SIZE:
            self._view = lazy_buffer(BUFFER_SIZE)  # a big message made it grow; it is gone
            self._start = self._end = 0
        elif self._end + size > capacity:
            if live + size > capacity:
                bigger = lazy_buffer(max(2 * capacity, live + size))
                bigger[:live] = self._view[self._start : self._end]
                self._view = bigger
            elif live:
                self._view[:live] = self._view[self._start : self._end]
            self._start, self._end = 0, live
        return self._view[self._end :]

    def commit(self, size: int) -> None:
        """``size`` bytes were written at the start of what :meth:`reserve` gave."""
        self._end += size

    def feed(self, data: bytes | memoryview) -> None:
        size = len(data)
        self.reserve(size)[:size] = data
        self._end += size

    def messages(self) -> Iterator[tuple[int, bytes | str]]:
        """What the bytes fed so far complete (a partial frame waits for more)."""
        return self._messages(False)  # type: ignore[return-value]  # (no views)

    def message_views(self) -> Iterator[tuple[int, bytes | str | memoryview]]:
        """:meth:`messages`, but a whole binary message of one unmasked frame is a ``memoryview`` of
        the buffer, valid until the next :meth:`reserve` or :meth:`feed` (a relay copies it once,
        where it joins several); every other payload is bytes (or str) of its own."""
        return self._messages(True)

    def _messages(self, views: bool) -> Iterator[tuple[int, bytes | str | memoryview]]:
        buf = view = self._view
        while True:
            start = self._start
            available = self._end - start
            if available < 2:
                return
            first, second = buf[start], buf[start + 1]
            if first & 0x70:
                raise FrameError("a frame with RSV bits set (no extension was negotiated)")
            fin, opcode = first & 0x80, first & 0x0F
            if bool(second & 0x80) != self._masked:
                wanted = "masked" if self._masked else "unmasked"
                raise FrameError(f"a frame that is not {wanted}")
            length = second & 0x7F
            offset = 2
            if length == 126:
                if available < 4:
                    return
                length = int.from_bytes(buf[start + 2 : start + 4], "big")
                offset = 4
            elif length == 127:
                if available < 10:
                    return
                length = int.from_bytes(buf[start + 2 : start + 10], "big")
                offset = 10
            if opcode in _CONTROL:
                if length > 125 or not fin:
                    raise FrameError("a control frame that is long or fragmented")
            elif self._size + length > self._max:
                raise FrameError(f"a message over {self._max} bytes", code=1009)
            key = b""
            if self._masked:
                if available < offset + 4:
                    return
                key = bytes(buf[start + offset : start + offset + 4])
                offset += 4
            end = start + offset + length
            if end > self._end:
                return
            self._start = end
            payload: bytes | memoryview
            if key:
                payload = mask(view[start + offset : end], key)
            elif views and fin and opcode == BINARY and self._opcode is None:
                yield opcode, view[start + offset : end]  # no copy: the caller's
                continue
            else:
                payload = bytes(view[start + offset : end])
            if opcode in _CONTROL:
                yield opcode, payload
                continue
            if opcode in _DATA:
                if self._opcode is not None:
                    raise FrameError("a new message inside a fragmented one")
                if fin:
                    yield opcode, (_text(payload) if opcode == TEXT else payload)
                    continue
                self._opcode = opcode
            elif opcode == CONTINUATION:
                if self._opcode is None:
                    raise FrameError("a continuation frame outside a fragmented message")
            else:
                raise FrameError(f"unknown opcode {opcode:#x}")
            self._parts.append(payload)
            self._size += length
            if fin:
                whole = b"".join(self._parts)
                kind = self._opcode
                self._opcode, self._parts, self._size = None, [], 0
                assert kind is not None
                yield kind, (_text(whole) if kind == TEXT else whole)


def _text(payload: bytes) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameError("a text message that is not UTF-8", code=1007) from None
