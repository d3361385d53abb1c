"""A small base for the stand-ins that speak HTTP: one ThreadingHTTPServer on 127.0.0.1.

Request threads are joined on stop() (not daemonic) and connections close after each
answer (HTTP/1.0), so stop() leaves no thread behind and never waits on an idle client.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"


class JsonRequestHandler(BaseHTTPRequestHandler):
    """Request handler with JSON helpers; `service` is the LocalHttpService it serves."""

    service: ClassVar[Any]
    # A client that connects and sends nothing must not hold stop() for long.
    timeout = 5
    server_version = "agenda-local"

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def read_json(self) -> Any:
        """The decoded body; ValueError when it is not JSON."""
        return json.loads(self.read_body() or b"null")

    def send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, json.dumps(payload).encode(), "application/json", headers)

    def send_bytes(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib writes every request to stderr; keep it in the log, at debug level.
        logger.debug("%s %s", self.address_string(), format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True


class LocalHttpService:
    """Runs `handler_class()` on 127.0.0.1:port (0 picks a free port) in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._requested_port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lifecycle_lock = threading.Lock()
        self.stopping = threading.Event()

    def handler_class(self) -> type[JsonRequestHandler]:
        raise NotImplementedError

    def start(self) -> None:
        with self._lifecycle_lock:
            if self._server is not None:
                return
            self.stopping.clear()
            handler = type(
                f"{type(self).__name__}Handler", (self.handler_class(),), {"service": self}
            )
            server = _Server((HOST, self._requested_port), handler)
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.1},
                name=f"{type(self).__name__}:{server.server_address[1]}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread

    def stop(self) -> None:
        with self._lifecycle_lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is None or thread is None:
                return
            self.stopping.set()
            server.shutdown()
            thread.join()
            server.server_close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
