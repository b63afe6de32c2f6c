"""RFC 6455 frames in, messages out (kgen/runtime/_wsframes.py, no I/O): however the bytes arrive.

The reader parses frames in a buffer of its own, filled by ``feed`` or written into directly
(``reserve`` then ``commit``, as a socket read or a TLS decryption does); ``message_views`` hands a
whole binary frame out as a view of that buffer.
"""

from __future__ import annotations

import os
import random

import pytest

from kgen.runtime._wsframes import (
    BINARY,
    BUFFER_SIZE,
    CONTINUATION,
    PING,
    TEXT,
    FrameError,
    FrameReader,
    encode_frame,
)

BIG = os.urandom(BUFFER_SIZE + 12345)  # more than the buffer holds: it must grow


def stream(masked: bool) -> tuple[bytes, list[tuple[int, bytes | str]]]:
    """Frames of every kind (and what they mean), as one peer sends them."""

    def frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
        return encode_frame(opcode, payload, masked=masked, fin=fin)

    frames = [
        frame(BINARY, b"\x00small"),
        frame(TEXT, "text é".encode()),
        frame(BINARY, b""),
        frame(BINARY, b"\x01" + os.urandom(300)),  # 16-bit length
        frame(BINARY, BIG),  # 64-bit length
        frame(BINARY, b"frag", fin=False),
        frame(PING, b"ping"),  # a control frame inside a fragmented message
        frame(CONTINUATION, b"mented", fin=False),
        frame(CONTINUATION, b"!"),
        frame(BINARY, b"\x00after"),
    ]
    wanted: list[tuple[int, bytes | str]] = [
        (BINARY, b"\x00small"),
        (TEXT, "text é"),
        (BINARY, b""),
        (BINARY, frames[3][4:]),
        (BINARY, BIG),
        (PING, b"ping"),
        (BINARY, b"fragmented!"),
        (BINARY, b"\x00after"),
    ]
    if masked:  # the payloads were masked: take them from the frames' meaning, not their bytes
        wanted[3] = (BINARY, _unmasked_small(frames[3]))
    return b"".join(frames), wanted


def _unmasked_small(frame: bytes) -> bytes:
    key, masked = frame[4:8], frame[8:]
    return bytes(b ^ key[i % 4] for i, b in enumerate(masked))


def read_in_pieces(
    reader: FrameReader, data: bytes, sizes: list[int], views: bool
) -> list[tuple[int, bytes | str]]:
    got: list[tuple[int, bytes | str]] = []
    position = 0
    for i, size in enumerate(sizes):
        piece = data[position : position + size]
        position += size
        if i % 2:
            reader.feed(piece)
        else:  # as a socket read does: into the room the reader gives
            room = reader.reserve(len(piece))
            assert len(room) >= len(piece)
            room[: len(piece)] = piece
            reader.commit(len(piece))
        messages = reader.message_views() if views else reader.messages()
        for opcode, payload in messages:
            if isinstance(payload, memoryview):
                assert views and opcode == BINARY
                payload = bytes(payload)  # (a view lasts until the next reserve or feed)
            got.append((opcode, payload))
    assert position == len(data)
    return got


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("views", [False, True])
@pytest.mark.parametrize("pieces", ["whole", "bytes", "random"])
def test_messages_are_the_same_however_the_bytes_arrive(
    masked: bool, views: bool, pieces: str
) -> None:
    data, wanted = stream(masked)
    if pieces == "whole":
        sizes = [len(data)]
    elif pieces == "bytes":  # one byte at a time, then the big frame's payload in one go
        head = data.index(BIG[:64]) if not masked else 2000
        sizes = [1] * head + [len(data) - head]
    else:
        chance = random.Random(7)
        sizes = []
        left = len(data)
        while left:
            sizes.append(min(left, chance.choice([1, 2, 3, 7, 100, 4096, 70000, 300000])))
            left -= sizes[-1]
    reader = FrameReader(masked=masked, max_message=1 << 24)
    assert read_in_pieces(reader, data, sizes, views) == wanted


def test_views_are_binary_frames_of_the_buffer_and_the_buffer_shrinks_back() -> None:
    reader = FrameReader(masked=False, max_message=1 << 24)
    reader.feed(encode_frame(BINARY, BIG, masked=False) + encode_frame(TEXT, b"t", masked=False))
    (opcode, view), (kind, text) = list(reader.message_views())
    assert (opcode, kind, text) == (BINARY, TEXT, "t")
    assert isinstance(view, memoryview) and view == BIG
    del view
    # The big message made the buffer grow; once it is consumed the buffer is the usual size again.
    assert len(reader.reserve(100)) == BUFFER_SIZE


def test_a_new_message_inside_a_fragmented_one_is_refused_with_views_too() -> None:
    reader = FrameReader(masked=False, max_message=1 << 24)
    reader.feed(encode_frame(BINARY, b"a", masked=False, fin=False))
    reader.feed(encode_frame(BINARY, b"b", masked=False))
    with pytest.raises(FrameError, match="inside a fragmented"):
        list(reader.message_views())
