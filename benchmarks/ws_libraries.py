"""How the WebSocket client options compare on loopback (the measurement behind kgen's choice).

    python -m benchmarks.ws_libraries [MEGABYTES]

One server (websockets' asyncio server, with its C speedups, so the peer is not the bottleneck) and three
async clients, each moving MEGABYTES (default 64) down (server to client, what port-forward reads and exec
output are) and up (client to server: stdin, port-forward writes; client frames are masked) in 32 KiB
binary frames:

- ``httpx-ws``: ``aconnect_ws`` over an ``httpx.AsyncClient`` (a background anyio task reads into a queue);
- ``wsproto/kgen``: the upgrade sent by an ``httpx.AsyncClient`` (what kgen's transport does for every
  request), then wsproto's frame layer driven by the caller over httpcore's network stream, pulling only
  when the caller reads (no task, no queue);
- ``kgen frames``: the same, with kgen's own frame layer (``kgen.runtime._wsframes``);
- ``kgen``: kgen's own WebSocket client (``kgen.runtime._async.websocket``: the upgrade through kgen's
  transport, its socket reads and batched writes), what exec and port-forward use; up, 256 KiB per call
  (eight frames), as a port-forward relay writes;
- ``websockets``: ``websockets.asyncio.client.connect`` (its own connection, not httpx's).

Needs the optional packages httpx-ws, wsproto and websockets (``pip install httpx-ws websockets``);
prints the median MB/s of seven rounds (and the best), the clients taking turns.
"""

from __future__ import annotations

import asyncio
import base64
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

FRAME = 32 * 1024


async def _serve(total: int) -> tuple[Any, int]:
    import websockets.asyncio.server as wss

    payload = os.urandom(FRAME)

    async def handler(ws: Any) -> None:
        command = await ws.recv()
        if command == "down":
            sent = 0
            while sent < total:
                await ws.send(payload)
                sent += len(payload)
            await ws.send("done")
        else:
            got = 0
            while got < total:
                got += len(await ws.recv())
            await ws.send("done")
        await ws.wait_closed()

    server = await wss.serve(handler, "127.0.0.1", 0, max_size=None, compression=None)
    port = server.sockets[0].getsockname()[1]
    return server, port


async def _httpx_ws(port: int, direction: str, total: int) -> None:
    from httpx_ws import aconnect_ws

    payload = os.urandom(FRAME)
    async with httpx.AsyncClient() as client:
        async with aconnect_ws(f"http://127.0.0.1:{port}/", client) as ws:
            await ws.send_text(direction)
            if direction == "down":
                while True:
                    message = await ws.receive()
                    if getattr(message, "data", None) == "done":
                        break
            else:
                sent = 0
                while sent < total:
                    await ws.send_bytes(payload)
                    sent += FRAME
                await ws.receive_text()


async def _wsproto_kgen(port: int, direction: str, total: int) -> None:
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, TextMessage

    payload = os.urandom(FRAME)
    key = base64.b64encode(os.urandom(16)).decode()
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
    }
    async with httpx.AsyncClient() as client:
        request = client.build_request("GET", f"http://127.0.0.1:{port}/", headers=headers)
        response = await client.send(request, stream=True)
        assert response.status_code == 101, response.status_code
        stream = response.extensions["network_stream"]
        conn = Connection(ConnectionType.CLIENT)
        await stream.write(conn.send(TextMessage(data=direction)))
        if direction == "down":
            done = False
            while not done:
                conn.receive_data(await stream.read(256 * 1024))
                for event in conn.events():
                    if isinstance(event, TextMessage):
                        done = True
                    elif not isinstance(event, BytesMessage):
                        raise AssertionError(event)
        else:
            sent = 0
            while sent < total:
                await stream.write(conn.send(BytesMessage(data=payload)))
                sent += FRAME
            done = False
            while not done:
                conn.receive_data(await stream.read(65536))
                done = any(isinstance(e, TextMessage) for e in conn.events())
        await stream.aclose()


async def _websockets(port: int, direction: str, total: int) -> None:
    import websockets.asyncio.client as wsc

    payload = os.urandom(FRAME)
    async with wsc.connect(f"ws://127.0.0.1:{port}/", max_size=None, compression=None) as ws:
        await ws.send(direction)
        if direction == "down":
            while True:
                if isinstance(await ws.recv(), str):
                    break
        else:
            sent = 0
            while sent < total:
                await ws.send(payload)
                sent += FRAME
            await ws.recv()


async def _kgen_frames(port: int, direction: str, total: int) -> None:
    from kgen.runtime._wsframes import BINARY, TEXT, FrameReader, encode_frame

    payload = os.urandom(FRAME)
    key = base64.b64encode(os.urandom(16)).decode()
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": key,
    }
    async with httpx.AsyncClient() as client:
        request = client.build_request("GET", f"http://127.0.0.1:{port}/", headers=headers)
        response = await client.send(request, stream=True)
        assert response.status_code == 101, response.status_code
        stream = response.extensions["network_stream"]
        frames = FrameReader(masked=False, max_message=1 << 24)
        await stream.write(encode_frame(TEXT, direction.encode(), masked=True))
        if direction == "up":
            sent = 0
            while sent < total:
                await stream.write(encode_frame(BINARY, payload, masked=True))
                sent += FRAME
        done = False
        while not done:
            frames.feed(await stream.read(256 * 1024))
            done = any(opcode == TEXT for opcode, _ in frames.messages())
        await stream.aclose()


async def _kgen(port: int, direction: str, total: int) -> None:
    from kgen.runtime import AsyncRESTClient, AsyncTransport, Config
    from kgen.runtime._async.websocket import open_websocket

    payload = os.urandom(FRAME)
    async with AsyncTransport(Config(server=f"http://127.0.0.1:{port}", qps=0)) as transport:
        rest = AsyncRESTClient(transport)
        async with open_websocket(rest, "/", [], ["kgen"], read_timeout=None) as ws:
            await ws.send(direction)
            if direction == "up":
                sent = 0
                while sent < total:
                    await ws.send_many([payload] * 8)
                    sent += 8 * FRAME
            while not isinstance(await ws.receive_view(), str):
                pass


CLIENTS: dict[str, Callable[[int, str, int], Awaitable[None]]] = {
    "httpx-ws": _httpx_ws,
    "wsproto/kgen": _wsproto_kgen,
    "kgen frames": _kgen_frames,
    "kgen": _kgen,
    "websockets": _websockets,
}


async def main(megabytes: int, rounds: int = 7) -> None:
    total = megabytes * 1024 * 1024
    server, port = await _serve(total)
    rates: dict[tuple[str, str], list[float]] = {}
    try:
        # Every client in turn, round after round: what else the machine does weighs on all alike.
        for _ in range(rounds):
            for name, client in CLIENTS.items():
                for direction in ("down", "up"):
                    start = time.perf_counter()
                    await client(port, direction, total)
                    rate = megabytes / (time.perf_counter() - start)
                    rates.setdefault((name, direction), []).append(rate)
    finally:
        server.close()
        await server.wait_closed()
    print(f"{'client':<14}{'down MB/s':>22}{'up MB/s':>22}")
    for name in CLIENTS:
        cells = []
        for direction in ("down", "up"):
            values = rates[(name, direction)]
            cells.append(f"{statistics.median(values):.0f} (best {max(values):.0f})")
        print(f"{name:<14}{cells[0]:>22}{cells[1]:>22}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 64))
