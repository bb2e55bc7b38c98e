"""Real HTTP servers on 127.0.0.1 in a thread, for testing clients without patching them.

    def handler(request: ReceivedRequest) -> Reply:
        return Reply(200, {"id": "abc"})

    with serve(handler) as server:
        httpx.post(server.url + "/send", json={...})
        assert server.requests[0].json() == {...}

Each connection serves one request (HTTP/1.0, closed after the answer), so no idle keep-alive
connection can hold up the shutdown. A slow reply (`Reply(delay=...)`) waits on the server's
`stopping` event, so leaving the `with` block never waits for it. An exception raised by the
handler answers 500 to the client and is raised again when the `with` block ends.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    """Path and query string, as sent."""
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes | str | dict | list | None = None
    """bytes as is; str as UTF-8 text; dict/list as JSON."""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (cut short when the server stops)."""

    def encoded(self) -> tuple[bytes, str | None]:
        if self.body is None:
            return b"", None
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode("utf-8"), "text/plain; charset=utf-8"
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8"), "application/json"


Handler = Callable[[ReceivedRequest], Reply]


class LocalServer:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.url = ""
        self.requests: list[ReceivedRequest] = []
        self.errors: list[BaseException] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    @property
    def hits(self) -> int:
        with self._lock:
            return len(self.requests)

    def _record(self, request: ReceivedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _HTTPServer(ThreadingHTTPServer):
    # Join the handler threads on close, so none outlives the test.
    daemon_threads = False
    block_on_close = True
    local: LocalServer


class _RequestHandler(BaseHTTPRequestHandler):
    server: _HTTPServer
    timeout = 5  # a client that connects and sends nothing cannot hold the shutdown longer

    def _handle(self) -> None:
        local = self.server.local
        length = int(self.headers.get("content-length") or 0)
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        local._record(request)
        try:
            reply = local.handler(request)
        except Exception as exc:
            local.errors.append(exc)
            reply = Reply(500, "handler error")
        if reply.delay and local.stopping.wait(reply.delay):
            return  # the test is over: drop the connection without answering
        payload, content_type = reply.encoded()
        try:
            self.send_response(reply.status)
            if content_type and not any(k.lower() == "content-type" for k in reply.headers):
                self.send_header("Content-Type", content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(handler: Handler) -> Iterator[LocalServer]:
    """Serve `handler` on a free port of 127.0.0.1 until the block ends."""
    local = LocalServer(handler)
    httpd = _HTTPServer(("127.0.0.1", 0), _RequestHandler)
    httpd.local = local
    local.url = f"http://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield local
    finally:
        local.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    if local.errors:
        raise local.errors[0]


def unused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
