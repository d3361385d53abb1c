"""The local HTTP API: routes of template.yaml, served on 127.0.0.1 with payload 2.0 events.

It does what API Gateway does for this stack: matches the route, enforces the JWT authorizer
on routes that have it, builds the HTTP API (payload format 2.0) event, invokes the function
and turns its answer into HTTP. Standing in for the edge, it takes the source IP from the first
X-Forwarded-For entry when present, else from the peer.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from infra.local._http import BackgroundServer, Served
from infra.local.auth import DevAuthority, InvalidToken, api_gateway_claims
from infra.local.lambdas import Lambdas
from infra.local.template import Route, match_route

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own request limit
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cookies: list[str] = field(default_factory=list)

    @classmethod
    def json(cls, status: int, payload: Any) -> Answer:
        return cls(status, {"content-type": "application/json"}, json.dumps(payload).encode())


# Extra local-only routes (OpenAPI document, docs page, schedules): (method, path) -> handler.
LocalRoute = Callable[[bytes], Answer]


def build_event(
    route: Route,
    path_parameters: dict[str, str],
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
    claims: dict[str, Any] | None,
) -> dict[str, Any]:
    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    content_type = headers.get("content-type", "")
    is_text = not body or any(content_type.startswith(kind) for kind in _TEXT_TYPES)
    now = time.time()
    request_context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": raw_path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": uuid.uuid4().hex,
        "routeKey": route.route_key,
        "stage": "$default",
        "time": formatdate(now, usegmt=True),
        "timeEpoch": int(now * 1000),
    }
    if claims is not None:
        request_context["authorizer"] = {
            "jwt": {"claims": api_gateway_claims(claims), "scopes": None}
        }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": {k: v for k, v in headers.items() if k != "cookie"},
        "requestContext": request_context,
        "isBase64Encoded": not is_text,
    }
    if "cookie" in headers:
        event["cookies"] = [c.strip() for c in headers["cookie"].split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = {k: ",".join(v) for k, v in query.items()}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = (
            body.decode("utf-8", "replace") if is_text else base64.b64encode(body).decode()
        )
    return event


def answer_from(result: Any) -> Answer:
    """Payload 2.0 response rules: a dict with statusCode is used as is; anything else is JSON."""
    if isinstance(result, dict) and "statusCode" in result:
        raw = result.get("body") or ""
        body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode()
        headers = {k.lower(): str(v) for k, v in (result.get("headers") or {}).items()}
        for key, values in (result.get("multiValueHeaders") or {}).items():
            headers[key.lower()] = ",".join(str(v) for v in values)
        return Answer(int(result["statusCode"]), headers, body, list(result.get("cookies") or []))
    return Answer.json(200, result)


class _Server(ThreadingHTTPServer):
    # listen() happens in the constructor, so the backlog must be set on the class: bursts of
    # concurrent clients would otherwise see connection resets.
    request_queue_size = 256
    # Clients keep connections alive (HTTP/1.1): stop() must not wait for an idle one.
    daemon_threads = True


class Gateway(Served):
    def __init__(
        self,
        routes: list[Route],
        lambdas: Lambdas,
        authority: DevAuthority,
        *,
        port: int = 3000,
        local_routes: dict[tuple[str, str], LocalRoute] | None = None,
    ) -> None:
        self._routes = routes
        self._lambdas = lambdas
        self._authority = authority
        self._local_routes = local_routes or {}
        self._serving = BackgroundServer("gateway", self._make_server, port)

    @property
    def url(self) -> str:
        return self._serving.url

    def _make_server(self, address: tuple[str, int]) -> _Server:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                gateway._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Server(address, Handler)

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        try:
            answer = self._handle(request)
        except Exception as exc:
            answer = Answer.json(
                500, {"message": "Internal Server Error", "error": type(exc).__name__}
            )
        request.send_response(answer.status)
        headers = {"content-length": str(len(answer.body)), **answer.headers}
        headers["content-length"] = str(len(answer.body))
        headers.setdefault("content-type", "application/json")
        for key, value in headers.items():
            request.send_header(key, value)
        for cookie in answer.cookies:
            request.send_header("set-cookie", cookie)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(answer.body)

    def _handle(self, request: BaseHTTPRequestHandler) -> Answer:
        method = request.command
        parts = urlsplit(request.path)
        length = int(request.headers.get("content-length") or 0)
        if length > MAX_PAYLOAD_BYTES:
            request.close_connection = True
            return Answer.json(413, {"message": "Request Entity Too Large"})
        body = request.rfile.read(length) if length else b""
        local = self._local_routes.get((method, parts.path))
        if local is not None:
            return local(body)
        matched = match_route(self._routes, method, parts.path)
        if matched is None:
            return Answer.json(404, {"message": "Not Found"})
        route, path_parameters = matched
        headers: dict[str, str] = {}
        for key, value in request.headers.items():
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        claims = None
        if route.authorized:
            try:
                claims = self._authority.verify(headers.get("authorization"))
            except InvalidToken:
                return Answer.json(401, {"message": "Unauthorized"})
        forwarded = headers.get("x-forwarded-for", "").split(",")[0].strip()
        event = build_event(
            route,
            path_parameters,
            method=method,
            raw_path=parts.path,
            raw_query=parts.query,
            headers=headers,
            body=body,
            source_ip=forwarded or request.client_address[0],
            claims=claims,
        )
        return answer_from(self._lambdas.invoke(route.function, event))
