"""A real HTTP server on a free loopback port whose answers a test scripts (no mocks)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to stall before answering (a server that never answers: a big number)
    # Sent with Transfer-Encoding: chunked instead of `body` (no Content-Length, so no early refusal),
    # one chunk every `chunk_delay` seconds: oversize streams and byte-a-second drips.
    chunks: Iterable[bytes] | None = None
    chunk_delay: float = 0.0


Handler = Callable[[Request], Reply]


class ScriptedServer:
    """Routes by path; each route is a Reply, a list of Replies played in order (the last repeats),
    or a function of the request. Unknown paths get 404."""

    def __init__(self) -> None:
        self.routes: dict[str, Reply | list[Reply] | Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    self.command,
                    parts.path,
                    parts.query,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                    time.monotonic(),
                )
                reply = server._reply(req)
                if reply.hang:
                    server._stop.wait(reply.hang)
                    if server._stop.is_set():
                        return
                if reply.chunks is not None:
                    self._stream(reply)
                    return
                body = reply.body.encode() if isinstance(reply.body, str) else reply.body
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if "content-length" not in {k.lower() for k in reply.headers}:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD" and reply.status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _stream(self, reply: Reply) -> None:
                try:
                    self.send_response(reply.status)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for chunk in reply.chunks or ():
                        if chunk:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                            self.wfile.flush()
                        if reply.chunk_delay and server._stop.wait(reply.chunk_delay):
                            return
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            do_GET = do_POST = do_HEAD = _serve

        class _Server(ThreadingHTTPServer):
            request_queue_size = 256  # many pollers connect at once; the default backlog of 5 drops SYNs

            def handle_error(self, request: Any, client_address: Any) -> None:
                # a client that hangs up (a body over its cap, a killed worker) is part of the script
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self.httpd = _Server(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def _reply(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            route = self.routes.get(req.path)
            if route is None:
                return Reply(404, b"not found")
            if isinstance(route, list):
                return route.pop(0) if len(route) > 1 else route[0]
        return route(req) if callable(route) else route

    def hits(self, path: str, method: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path and (method is None or r.method == method)]

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss(items: list[dict[str, str]], title: str = "Deals forum") -> str:
    """A small RSS 2.0 document: items with guid, title, link, description, pubDate."""
    from xml.sax.saxutils import escape

    entries = "".join(
        "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in it.items()) + "</item>" for it in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.org/</link><description>d</description>"
        f"{entries}</channel></rss>"
    )
