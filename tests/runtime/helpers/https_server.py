"""A real HTTPS server on 127.0.0.1 in a thread, recording the SNI names and client certificates.

Each request gets ``{"client_cn": <CN of the client certificate or null>}`` back. Handshakes run in
the per-connection thread, so a client that fails verification does not stall the server; their
errors are kept in ``errors`` instead of being printed.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        assert isinstance(self.connection, ssl.SSLSocket)
        peer: Any = self.connection.getpeercert() or {}
        subject = dict(pair for rdn in peer.get("subject", ()) for pair in rdn)
        client_cn = subject.get("commonName")
        body = json.dumps({"client_cn": client_cn}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.errors: list[BaseException] = []

    def finish_request(self, request: Any, client_address: Any) -> None:
        sock: socket.socket = request
        sock.settimeout(30)
        try:
            tls_sock = self.context.wrap_socket(sock, server_side=True)
        except OSError as exc:  # ssl.SSLError included: the client was rejected or gave up
            self.errors.append(exc)
            return
        try:
            _Handler(tls_sock, client_address, self)
        except OSError as exc:
            self.errors.append(exc)
        finally:
            tls_sock.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


class HTTPSServer:
    """``with HTTPSServer(context) as server: httpx.get(server.url, ...)``."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.sni_names: list[str | None] = []
        context.sni_callback = self._record_sni
        self._server = _Server(context)
        # A short poll interval: shutdown() waits for the current poll to end.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def errors(self) -> list[BaseException]:
        return self._server.errors

    def _record_sni(self, sslobj: Any, name: str | None, context: ssl.SSLContext) -> None:
        self.sni_names.append(name)

    def __enter__(self) -> HTTPSServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
