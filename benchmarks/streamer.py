"""A watch source for client benchmarks: streams pre-encoded watch events as fast as a socket takes them.

    python -m benchmarks.streamer EVENTS_FILE KUBECONFIG_OUT

Every GET with ``watch=true`` receives the events of EVENTS_FILE (one JSON watch event per line) in a
chunked answer, then the stream ends. Measuring clients against it measures the clients, not a server.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHUNK = 256 * 1024


def main(events_file: str, kubeconfig_out: str) -> None:
    payload = Path(events_file).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if "watch=true" not in self.path and "watch=1" not in self.path:
                body = b'{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for start in range(0, len(payload), CHUNK):
                    chunk = payload[start : start + CHUNK]
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client had all it wanted
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "s", "cluster": {"server": url}}],
        "users": [{"name": "u", "user": {"token": "bench"}}],
        "contexts": [{"name": "s", "context": {"cluster": "s", "user": "u"}}],
        "current-context": "s",
    }
    Path(kubeconfig_out).write_text(json.dumps(config))
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
