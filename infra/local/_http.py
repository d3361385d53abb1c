"""The one server lifecycle of the local stack, and a small base for the stand-ins that speak
HTTP.

BackgroundServer runs any socketserver-style server (the stdlib's, werkzeug's for moto) on
127.0.0.1, on a fixed port or 0 for a free one, in a background thread: start() returns once it
listens, stop() shuts it down, joins its thread and closes its socket; both are idempotent. The
gateway, the SQS endpoint and every LocalHttpService use it.

A LocalHttpService joins its request threads on stop() (not daemonic) and closes connections
after each answer (HTTP/1.0), so stop() leaves no thread behind and never waits on an idle
client.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Protocol, Self

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


class Server(Protocol):
    """What BackgroundServer needs of a server: socketserver.BaseServer's serving methods."""

    server_address: Any

    def serve_forever(self, poll_interval: float = ...) -> None: ...

    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class BackgroundServer:
    """`make_server((HOST, port))` served from a background thread.

    The server binds and listens in its constructor (as socketserver's and werkzeug's do), so
    once start() has made it and its thread is serving, connections are accepted; a fixed port
    already taken fails start() with OSError.
    """

    def __init__(
        self, name: str, make_server: Callable[[tuple[str, int]], Server], port: int = 0
    ) -> None:
        self._name = name
        self._make_server = make_server
        self._requested_port = port
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._server is not None:
                return
            server = self._make_server((HOST, self._requested_port))
            serving = threading.Event()

            def serve() -> None:
                serving.set()
                server.serve_forever(poll_interval=0.1)

            thread = threading.Thread(
                target=serve, name=f"{self._name}:{server.server_address[1]}", daemon=True
            )
            thread.start()
            serving.wait()
            self._server, self._thread = server, thread

    def stop(self) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is None or thread is None:
                return
            server.shutdown()  # returns once serve_forever has left its loop
            thread.join()
            # Closes the socket and, for a server whose request threads are not daemonic,
            # joins them (werkzeug's serve_forever has already done so; a second close is a
            # no-op).
            server.server_close()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError(f"{self._name} is not running")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


class Served:
    """Something that serves through a BackgroundServer: start(), stop(), a `with` block."""

    _serving: BackgroundServer

    def start(self) -> None:
        self._serving.start()

    def stop(self) -> None:
        self._serving.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True


class LocalHttpService(Served):
    """Runs `handler_class()` on 127.0.0.1:port (0 picks a free port) in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._serving = BackgroundServer(type(self).__name__, self._make_server, port)
        self.stopping = threading.Event()

    def handler_class(self) -> type[JsonRequestHandler]:
        raise NotImplementedError

    def _make_server(self, address: tuple[str, int]) -> _Server:
        handler = type(f"{type(self).__name__}Handler", (self.handler_class(),), {"service": self})
        return _Server(address, handler)

    def start(self) -> None:
        if not self._serving.running:
            self.stopping.clear()
        super().start()

    def stop(self) -> None:
        # Handlers waiting on `stopping` (an injected delay) return before the server joins them.
        self.stopping.set()
        super().stop()

    @property
    def port(self) -> int:
        return self._serving.port

    @property
    def url(self) -> str:
        return self._serving.url
