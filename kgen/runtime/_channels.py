"""The channel protocols of exec, attach and port-forward over WebSocket, as kube-apiserver speaks them.

No I/O here: frames in, frames out. ``_async/streams.py`` (the client) and ``kgen.testing.streaming``
(the server) both stand on it.

**Remote command (exec, attach): ``*.channel.k8s.io``.** Every WebSocket message is one frame: a channel
byte, then data. Channels: 0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; in v5, 255 is the close
signal (``[255, channel]``: the sender will write nothing more on ``channel``; a client closes stdin with
it). The base64 variants send text messages: the channel as an ASCII digit (``"1"`` for stdout), then the
data base64-encoded. The subprotocol is negotiated with ``Sec-WebSocket-Protocol``: the client lists what
it speaks, newest first, and the server picks the first one it supports (kubelet 1.20 speaks
``channel.k8s.io``, ``base64.channel.k8s.io``, ``v4.channel.k8s.io`` and ``v4.base64.channel.k8s.io``;
kube-apiserver 1.30+ adds ``v5.channel.k8s.io``, which has no base64 variant). No subprotocol at all means
``channel.k8s.io``.

What the error channel carries differs by version:

- v4 and v5: one JSON ``metav1.Status``. ``Success`` means exit code 0; ``Failure`` with reason
  ``NonZeroExitCode`` carries the exit code as the message of its ``ExitCode`` cause; any other failure
  is an error (the command could not be run: no such container, no such file...).
- v1 to v3: nothing on success; on failure the error's text, without a structured exit code.

The server may send an empty frame first on stdout (or stderr, or error) to say the streams are ready;
empty data frames carry nothing and are skipped.

**Resize**: channel 4 carries a JSON object ``{"Width": w, "Height": h}`` per size change.

**Port-forward over WebSocket (v4.channel.k8s.io, and its base64 variant)**: the ports are query
parameters (``?ports=8080&ports=9090``); for the i-th port, channel ``2i`` carries data (both ways) and
channel ``2i + 1`` errors (server to client). The server's first frame on each of them is the port
number, two bytes little-endian; after that, data. An error channel with more than its port prefix says
forwarding failed (nothing listening, ...). One WebSocket serves each port once: kubectl-style local
listeners open one WebSocket per accepted connection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

import kgen.runtime._codec as codec
from kgen.runtime._errors import (
    CommandError,
    NonZeroExitError,
    PortForwardError,
    StreamClosed,
    StreamError,
    StreamProtocolError,
)
from kgen.runtime._meta import Status, StatusCause, StatusDetails

# The errors of streams live in the one tree (``_errors``); they are re-exported here for the
# protocol code on both sides.

__all__ = [
    "BASE64_EXEC_PROTOCOLS",
    "CLOSE",
    "ERROR",
    "EXEC_PROTOCOLS",
    "PORT_FORWARD_PROTOCOLS",
    "RESIZE",
    "STDERR",
    "STDIN",
    "STDOUT",
    "ChannelProtocol",
    "CommandError",
    "ExecResult",
    "ExitStatus",
    "NonZeroExitError",
    "PortForwardError",
    "StreamClosed",
    "StreamError",
    "StreamProtocolError",
    "decode_exit_status",
    "decode_resize",
    "encode_exit_status",
    "encode_resize",
    "parse_port_prefix",
    "port_channels",
    "port_prefix",
    "protocol_named",
    "select_protocol",
    "websocket_accept",
]

STDIN = 0
STDOUT = 1
STDERR = 2
ERROR = 3
RESIZE = 4
CLOSE = 255  # v5: [255, channel] closes ``channel``

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
V3 = "v3.channel.k8s.io"
V2 = "v2.channel.k8s.io"
V1 = "channel.k8s.io"
V4_BASE64 = "v4.base64.channel.k8s.io"
V1_BASE64 = "base64.channel.k8s.io"

#: What a client offers for exec and attach, newest first (client-go's WebSocket executor offers the
#: same, plus ``channel.k8s.io``, which kubelets of every version speak).
EXEC_PROTOCOLS: tuple[str, ...] = (V5, V4, V3, V2, V1)
#: The same for clients that want text frames (browsers, proxies that mangle binary).
BASE64_EXEC_PROTOCOLS: tuple[str, ...] = (V4_BASE64, V1_BASE64)
#: Port-forward over WebSocket (kubelet 1.20: ``v4.channel.k8s.io``, ``v4.base64.channel.k8s.io``).
PORT_FORWARD_PROTOCOLS: tuple[str, ...] = (V4, V4_BASE64)

#: RFC 6455, 1.3: what the server appends to the client's key before hashing it.
WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

NON_ZERO_EXIT_CODE = "NonZeroExitCode"
EXIT_CODE_CAUSE = "ExitCode"


# --- framing --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelProtocol:
    """One negotiated ``*.channel.k8s.io`` subprotocol: how frames are spelled and what v it is."""

    name: str
    version: int  # 1..5
    base64: bool

    @property
    def can_close(self) -> bool:
        """Whether a channel can be closed on its own (v5's close signal)."""
        return self.version >= 5

    @property
    def structured_status(self) -> bool:
        """Whether the error channel carries a JSON Status (v4+) rather than text."""
        return self.version >= 4

    def encode(self, channel: int, data: bytes = b"") -> bytes | str:
        """One message: bytes for binary protocols, str for base64 ones."""
        if self.base64:
            if channel > 9:
                raise StreamProtocolError(f"{self.name}: channel {channel} has no text form")
            return chr(0x30 + channel) + base64.b64encode(data).decode("ascii")
        return bytes((channel,)) + data

    def decode(self, message: bytes | str) -> tuple[int, bytes] | None:
        """``(channel, data)`` of one message; None for an empty message (which carries nothing)."""
        if self.base64:
            if isinstance(message, bytes):
                raise StreamProtocolError(f"{self.name}: a binary message in a base64 protocol")
            if not message:
                return None
            channel = ord(message[0]) - 0x30
            if not 0 <= channel <= 9:
                raise StreamProtocolError(f"{self.name}: bad channel {message[0]!r}")
            try:
                return channel, base64.b64decode(message[1:], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise StreamProtocolError(f"{self.name}: bad base64 on channel {channel}") from exc
        if isinstance(message, str):
            raise StreamProtocolError(f"{self.name}: a text message in a binary protocol")
        if not message:
            return None
        return message[0], message[1:]

    def encode_close(self, channel: int) -> bytes | str:
        """v5's close signal for ``channel``."""
        if not self.can_close:
            raise StreamProtocolError(
                f"{self.name} cannot close one channel (v5.channel.k8s.io can)"
            )
        return self.encode(CLOSE, bytes((channel,)))


_PROTOCOLS = {
    V5: ChannelProtocol(V5, 5, False),
    V4: ChannelProtocol(V4, 4, False),
    V3: ChannelProtocol(V3, 3, False),
    V2: ChannelProtocol(V2, 2, False),
    V1: ChannelProtocol(V1, 1, False),
    V4_BASE64: ChannelProtocol(V4_BASE64, 4, True),
    V1_BASE64: ChannelProtocol(V1_BASE64, 1, True),
}


def protocol_named(name: str | None, offered: Sequence[str] = EXEC_PROTOCOLS) -> ChannelProtocol:
    """The protocol the server chose (its ``Sec-WebSocket-Protocol``); none means ``channel.k8s.io``.

    Raises :class:`StreamProtocolError` for one that was not offered.
    """
    if not name:
        return _PROTOCOLS[V1]
    if name not in offered or name not in _PROTOCOLS:
        raise StreamProtocolError(
            f"the server chose subprotocol {name!r}, which was not offered ({', '.join(offered)})"
        )
    return _PROTOCOLS[name]


def select_protocol(offered: Sequence[str], supported: Sequence[str]) -> str | None:
    """The server's choice, as kubelet makes it: the first of the client's that the server supports.

    A client that offers nothing gets ``""`` (binary ``channel.k8s.io``) when the server supports
    that; None means no common protocol (the server refuses the upgrade).
    """
    for name in offered or [""]:
        if name in supported or (name == "" and V1 in supported):
            return name
    return None


def websocket_accept(key: str) -> str:
    """The ``Sec-WebSocket-Accept`` that answers a ``Sec-WebSocket-Key`` (RFC 6455, 4.2.2)."""
    digest = hashlib.sha1(key.encode("ascii") + WEBSOCKET_GUID).digest()
    return base64.b64encode(digest).decode("ascii")


# --- the error channel ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ExecResult:
    """What a finished command gave: its output and exit code."""

    stdout: bytes
    stderr: bytes
    exit_code: int


@dataclass(frozen=True, slots=True)
class ExitStatus:
    """What the error channel said: an exit code (0 for success), or an error the command hit."""

    exit_code: int | None
    error: CommandError | None = None


def decode_exit_status(protocol: ChannelProtocol, data: bytes) -> ExitStatus:
    """Decode the error channel's whole content (read to its end).

    v4+: a JSON Status (empty data is success too: the stream closed without one). v1-v3: empty is
    success, text is an error without an exit code.
    """
    if not protocol.structured_status:
        if not data:
            return ExitStatus(0)
        return ExitStatus(None, CommandError(data.decode("utf-8", "replace")))
    if not data.strip():
        return ExitStatus(0)
    try:
        status = msgspec.json.decode(data, type=Status)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise StreamProtocolError(
            f"{protocol.name}: the error channel holds no Status: {data[:200]!r}"
        ) from exc
    if status.status == "Success":
        return ExitStatus(0)
    message = status.message or status.reason or "the command failed"
    if status.reason == NON_ZERO_EXIT_CODE and status.details is not None:
        for cause in status.details.causes or ():
            if cause.reason == EXIT_CODE_CAUSE and cause.message is not None:
                try:
                    return ExitStatus(int(cause.message))
                except ValueError:
                    break
        return ExitStatus(None, CommandError(f"{message} (no usable exit code)", status=status))
    return ExitStatus(None, CommandError(message, status=status))


def encode_exit_status(protocol: ChannelProtocol, exit_code: int, message: str = "") -> bytes:
    """What a server writes on the error channel when a command ends (the kubelet's rules).

    ``exit_code`` 0 is success; a positive one is NonZeroExitCode; a negative one means the command
    could not be run at all, with ``message`` saying why (an InternalError Status, as the kubelet
    sends for "container not found").
    """
    if not protocol.structured_status:
        if exit_code == 0:
            return b""
        if exit_code > 0:
            return f"command terminated with non-zero exit code: exit status {exit_code}".encode()
        return message.encode()
    if exit_code == 0:
        status = Status(status="Success")
    elif exit_code > 0:
        status = Status(
            status="Failure",
            reason=NON_ZERO_EXIT_CODE,
            message=message
            or f"command terminated with non-zero exit code: exit status {exit_code}",
            details=StatusDetails(
                causes=[StatusCause(reason=EXIT_CODE_CAUSE, message=str(exit_code))]
            ),
        )
    else:
        status = Status(
            status="Failure",
            reason="InternalError",
            code=500,
            message=f"Internal error occurred: {message}",
        )
    return codec.encode(status)


# --- resize ---------------------------------------------------------------------------------------


def encode_resize(width: int, height: int) -> bytes:
    """One terminal size for the resize channel (client-go's TerminalSize as JSON)."""
    if width < 0 or height < 0 or width > 0xFFFF or height > 0xFFFF:
        raise ValueError(f"a terminal size is two 16-bit numbers, not {width}x{height}")
    return b'{"Width":%d,"Height":%d}' % (width, height)


def decode_resize(data: bytes) -> list[tuple[int, int]]:
    """The sizes in resize-channel data (JSON objects, one after another, as Go's decoder reads)."""
    decoder = json.JSONDecoder()
    text = data.decode("utf-8", "replace")
    sizes: list[tuple[int, int]] = []
    index = 0
    while True:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index >= len(text):
            return sizes
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError as exc:
            raise StreamProtocolError(f"bad terminal size on the resize channel: {text!r}") from exc
        sizes.append(_size(value))


def _size(value: Any) -> tuple[int, int]:
    if not isinstance(value, dict):
        raise StreamProtocolError(f"bad terminal size on the resize channel: {value!r}")
    width, height = value.get("Width", 0), value.get("Height", 0)
    if not isinstance(width, int) or not isinstance(height, int):
        raise StreamProtocolError(f"bad terminal size on the resize channel: {value!r}")
    return width, height


# --- port-forward ---------------------------------------------------------------------------------


def port_channels(index: int) -> tuple[int, int]:
    """The (data, error) channels of the ``index``-th port of a port-forward WebSocket."""
    return 2 * index, 2 * index + 1


def port_prefix(port: int) -> bytes:
    """The first frame's payload on each channel of a forwarded port: the port, 16-bit LE."""
    if not 0 < port <= 0xFFFF:
        raise ValueError(f"{port} is not a TCP port")
    return port.to_bytes(2, "little")


def parse_port_prefix(data: bytes, expected: int) -> bytes:
    """Check a channel's first frame starts with ``expected``'s prefix; return what follows it."""
    if len(data) < 2:
        raise StreamProtocolError(f"port-forward: a first frame of {len(data)} byte(s), no port")
    port = int.from_bytes(data[:2], "little")
    if port != expected:
        raise StreamProtocolError(
            f"port-forward: frames for port {port} on port {expected}'s channel"
        )
    return data[2:]
