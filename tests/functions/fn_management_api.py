"""A local stand-in for the API Gateway Management API: records posts, answers 410 Gone for closed ids,
403 Forbidden for forbidden ones and 500 for broken ones, and never answers hanging ones (until reset, then
with a 500: a late answer records nothing). Every post is counted per connection, whatever its answer."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote


class ManagementApi:
    def __init__(self) -> None:
        self.gone: set[str] = set()
        self.forbidden: set[str] = set()
        self.broken: set[str] = set()
        self.hanging: set[str] = set()
        self.received: dict[str, list[Any]] = {}
        self.posts: dict[str, int] = {}
        self.release = threading.Event()
        self._lock = threading.Lock()

    def reset(self) -> None:
        self.release.set()  # posts still hanging from an earlier test end now
        self.release = threading.Event()
        for ids in (self.gone, self.forbidden, self.broken, self.hanging):
            ids.clear()
        self.received.clear()
        self.posts.clear()

    def count(self, connection_id: str) -> None:
        with self._lock:
            self.posts[connection_id] = self.posts.get(connection_id, 0) + 1


def _handler_for(api: ManagementApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            connection_id = unquote(self.path.rsplit("/@connections/", 1)[-1])
            data = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            api.count(connection_id)
            late = connection_id in api.hanging
            if late:
                api.release.wait(120)
            refusals = ((api.gone, 410, "GoneException"), (api.forbidden, 403, "ForbiddenException"),
                        (api.broken, 500, "InternalServerErrorException"))
            refusal = next(((status, code) for ids, status, code in refusals if connection_id in ids), None)
            if late:
                refusal = (500, "InternalServerErrorException")
            if refusal is not None:
                body = json.dumps({"message": refusal[1]}).encode()
                self.send_response(refusal[0])
                self.send_header("x-amzn-ErrorType", refusal[1])
            else:
                api.received.setdefault(connection_id, []).append(json.loads(data))
                body = b""
                self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that stopped waiting for a hanging post: nothing to report


@contextmanager
def management_api() -> Iterator[tuple[ManagementApi, str]]:
    api = ManagementApi()
    server = _QuietServer(("127.0.0.1", 0), _handler_for(api))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}/dev"
    finally:
        api.release.set()
        server.shutdown()
        server.server_close()
