"""The channel protocols against their documented frames (kgen/runtime/_channels.py, no I/O).

The frames below are spelled out byte by byte as kube-apiserver's wsstream, the kubelet and client-go
document them: a channel byte then data (binary), an ASCII digit then base64 (text), v5's close signal
``[255, channel]``, the v4 error channel's metav1.Status, and port-forward's 2-byte little-endian port
prefix on each channel's first frame.
"""

from __future__ import annotations

import json
import os

import pytest

from kgen.runtime._wsframes import FAST_MASK_MIN, _c_mask, mask, python_mask
from kgen.runtime._channels import (
    BASE64_EXEC_PROTOCOLS,
    CLOSE,
    ERROR,
    EXEC_PROTOCOLS,
    PORT_FORWARD_PROTOCOLS,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    CommandError,
    StreamProtocolError,
    decode_exit_status,
    decode_resize,
    encode_exit_status,
    encode_resize,
    parse_port_prefix,
    port_channels,
    port_prefix,
    protocol_named,
    select_protocol,
    websocket_accept,
)

V5 = protocol_named("v5.channel.k8s.io")
V4 = protocol_named("v4.channel.k8s.io")
V1 = protocol_named("channel.k8s.io")
V4_B64 = protocol_named("v4.base64.channel.k8s.io", BASE64_EXEC_PROTOCOLS)

# What kubelet 1.20 writes on the error channel (pkg/kubelet/cri/streaming/remotecommand/exec.go).
KUBELET_EXIT_2 = (
    b'{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: '
    b'error executing command [sh -c exit 2], exit code 2","reason":"NonZeroExitCode",'
    b'"details":{"causes":[{"reason":"ExitCode","message":"2"}]}}'
)
KUBELET_SUCCESS = b'{"metadata":{},"status":"Success"}'
KUBELET_NOT_FOUND = (
    b'{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing '
    b'command in container: container not found (\\"c\\")","reason":"InternalError",'
    b'"details":{"causes":[{"message":"error executing command in container: container not '
    b'found (\\"c\\")"}]},"code":500}'
)


def test_channel_numbers_are_the_documented_ones() -> None:
    assert (STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE) == (0, 1, 2, 3, 4, 255)


def test_binary_frames_are_a_channel_byte_then_data() -> None:
    assert V4.encode(STDIN, b"ls\n") == b"\x00ls\n"
    assert V4.decode(b"\x01hello") == (STDOUT, b"hello")
    assert V4.decode(b"\x02") == (STDERR, b"")
    assert V4.decode(b"") is None  # an empty message carries nothing


def test_base64_frames_are_a_digit_then_base64() -> None:
    assert V4_B64.encode(STDIN, b"ls\n") == "0bHMK"
    assert V4_B64.decode("1aGVsbG8=") == (STDOUT, b"hello")
    assert V4_B64.decode("3") == (ERROR, b"")
    with pytest.raises(StreamProtocolError):
        V4_B64.decode("1not base64!")
    with pytest.raises(StreamProtocolError):
        V4_B64.decode(b"\x01binary")
    with pytest.raises(StreamProtocolError):
        V4.decode("1text")


def test_v5_closes_one_channel_with_255() -> None:
    assert V5.encode_close(STDIN) == b"\xff\x00"
    assert V5.decode(b"\xff\x00") == (CLOSE, b"\x00")
    assert V5.can_close and not V4.can_close
    with pytest.raises(StreamProtocolError):
        V4.encode_close(STDIN)


def test_negotiation_offers_newest_first_and_takes_the_servers_choice() -> None:
    assert EXEC_PROTOCOLS == (
        "v5.channel.k8s.io",
        "v4.channel.k8s.io",
        "v3.channel.k8s.io",
        "v2.channel.k8s.io",
        "channel.k8s.io",
    )
    assert PORT_FORWARD_PROTOCOLS == ("v4.channel.k8s.io", "v4.base64.channel.k8s.io")
    # kubelet 1.20 picks the first of the client's list that it speaks: v4.
    kubelet_120 = ["", "channel.k8s.io", "base64.channel.k8s.io", "v4.channel.k8s.io"]
    assert select_protocol(EXEC_PROTOCOLS, kubelet_120) == "v4.channel.k8s.io"
    assert (
        select_protocol(EXEC_PROTOCOLS, [*kubelet_120, "v5.channel.k8s.io"]) == "v5.channel.k8s.io"
    )
    assert select_protocol([], kubelet_120) == ""  # no subprotocol: binary channel.k8s.io
    assert select_protocol(["v9.channel.k8s.io"], kubelet_120) is None
    assert protocol_named(None) == V1 and protocol_named("") == V1
    assert protocol_named("v4.channel.k8s.io").version == 4
    with pytest.raises(StreamProtocolError):
        protocol_named("v4.channel.k8s.io", ["v5.channel.k8s.io"])  # not offered


def test_the_v4_error_channel_gives_the_exit_code() -> None:
    assert decode_exit_status(V4, KUBELET_SUCCESS).exit_code == 0
    assert decode_exit_status(V4, KUBELET_EXIT_2).exit_code == 2
    status = decode_exit_status(V4, KUBELET_NOT_FOUND)
    assert status.exit_code is None
    assert isinstance(status.error, CommandError)
    assert status.error.reason == "InternalError"
    assert 'container not found ("c")' in str(status.error)
    with pytest.raises(StreamProtocolError):
        decode_exit_status(V4, b"not json")


def test_a_non_zero_exit_without_a_usable_code_is_an_error() -> None:
    bad = json.dumps(
        {
            "status": "Failure",
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": "x"}]},
        }
    ).encode()
    status = decode_exit_status(V4, bad)
    assert status.exit_code is None and isinstance(status.error, CommandError)


def test_before_v4_the_error_channel_is_text() -> None:
    assert decode_exit_status(V1, b"").exit_code == 0
    status = decode_exit_status(V1, b"command terminated with non-zero exit code: exit status 2")
    assert status.exit_code is None and isinstance(status.error, CommandError)
    assert encode_exit_status(V1, 0) == b""


def test_encoded_statuses_decode_to_what_was_encoded() -> None:
    for protocol in (V4, V5, V4_B64):
        assert decode_exit_status(protocol, encode_exit_status(protocol, 0)).exit_code == 0
        assert decode_exit_status(protocol, encode_exit_status(protocol, 42)).exit_code == 42
        failed = decode_exit_status(protocol, encode_exit_status(protocol, -1, "no such file"))
        assert failed.error is not None and "no such file" in str(failed.error)
    body = json.loads(encode_exit_status(V4, 2))
    assert body["reason"] == "NonZeroExitCode"
    assert body["details"]["causes"] == [{"message": "2", "reason": "ExitCode"}]


def test_resize_frames_are_client_gos_terminal_size() -> None:
    assert json.loads(encode_resize(80, 24)) == {"Width": 80, "Height": 24}
    # Go's json.Encoder writes one object per line; several may arrive in one frame.
    assert decode_resize(b'{"Width":80,"Height":24}\n{"Width":100,"Height":40}\n') == [
        (80, 24),
        (100, 40),
    ]
    with pytest.raises(StreamProtocolError):
        decode_resize(b"[1, 2]")
    with pytest.raises(ValueError):
        encode_resize(-1, 10)


def test_port_forward_channels_and_their_port_prefix() -> None:
    assert [port_channels(i) for i in range(3)] == [(0, 1), (2, 3), (4, 5)]
    assert port_prefix(8080) == b"\x90\x1f"  # 8080 = 0x1f90, little-endian
    assert port_prefix(80) == b"P\x00"
    # The kubelet's first frame on each channel of port 8080, then data on later frames.
    assert V4.decode(b"\x00\x90\x1f") == (0, b"\x90\x1f")
    assert parse_port_prefix(b"\x90\x1f", 8080) == b""
    assert parse_port_prefix(b"\x90\x1fHTTP/1.1", 8080) == b"HTTP/1.1"
    with pytest.raises(StreamProtocolError):
        parse_port_prefix(b"\x90\x1f", 9090)
    with pytest.raises(StreamProtocolError):
        parse_port_prefix(b"\x90", 8080)
    with pytest.raises(ValueError):
        port_prefix(0)


def test_the_websocket_accept_key_is_rfc_6455s() -> None:
    # RFC 6455, 1.3: the example handshake.
    assert websocket_accept("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_masking_in_c_and_in_python_agree() -> None:
    pytest.importorskip("websockets.speedups")
    key = bytes((0x12, 0x34, 0x56, 0x78))
    for size in (0, 1, 5, FAST_MASK_MIN - 1, FAST_MASK_MIN, 32 * 1024 + 3):
        data = os.urandom(size)
        masked = mask(data, key)
        assert masked == python_mask(data, key)
        assert mask(masked, key) == data
        if size >= 4:
            assert masked[:4] == bytes(b ^ k for b, k in zip(data[:4], key))
    assert _c_mask() is not None  # the big frames took the C path
