"""The local HTTP API: routes of template.yaml, served on 127.0.0.1 with payload 2.0 events.

It does what API Gateway does for this stack: matches the route, enforces the JWT authorizer
on routes that have it, builds the HTTP API (payload format 2.0) event, invokes the function
and turns its answer into HTTP. Standing in for the edge, it takes the source IP from the first
X-Forwarded-For entry when present, else from the peer.

CORS follows the template's CorsConfiguration as API Gateway applies it: a preflight (OPTIONS
with Origin and Access-Control-Request-Method) is answered 204 by the gateway itself, on any
path, before routing and the authorizer; every other answer gets Access-Control-Allow-Origin
(and Expose-Headers, Allow-Credentials) when its Origin is allowed, and the functions' own
Access-Control-* headers are dropped. An origin not allowed gets no CORS headers at all.

Standing in for CloudFront too, it serves the site: a GET or HEAD outside `/api/` that no route
takes is decided as the edge function decides it (infra/site_routes.py, over the site index
in the local KeyValueStore): a path the index holds is answered from the pages bucket with the
object's Content-Type and Cache-Control, an old slug is a 301 to its new path, and any other
path is the 404 page the index holds, with status 404; every one of them carries the response
headers policy's headers (infra/site_headers.py), the embed mode's for `/embed/...`, with the
media bucket's origin in their Content-Security-Policy: on AWS the template names the bucket's,
here the gateway is given the S3 stand-in's, whose port changes from run to run. The
query plays no part but in a redirect, which keeps it. Those answers get no CORS headers: the
site's origin is the bucket, which has no CORS rules.

Any other request no route takes (an unknown path, or a known path with another method) is a
404 in the contract's error shape, as API Gateway answers 404 (never 405) for a method no route
declares; so is a verb outside HTTP's usual ones. Whatever the stdlib would answer itself (a
malformed request line, too many headers) is JSON too, never its HTML page.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from agenda.domain.errors import (
    DomainError,
    NotFound,
    NotImplementedYet,
    PayloadTooLarge,
    ValidationFailed,
)
from infra import site_routes
from infra.local._http import BackgroundServer, Served
from infra.local.auth import DevAuthority, InvalidToken, api_gateway_claims
from infra.local.lambdas import Lambdas
from infra.local.site import SiteFile
from infra.local.template import Cors, Route, load_cors, match_route
from infra.pages import SHORT
from infra.paths import TEMPLATE
from infra.site_headers import headers_for

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway's own request limit
# The local value of the template's CorsAllowedOrigin: the stack's APP_BASE_URL.
LOCAL_PARAMETERS = {"CorsAllowedOrigin": "http://127.0.0.1:3000"}
# The methods a route can declare; ANY stands for these.
HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
# The contract's error code for the answers the gateway gives itself, by status.
_ERROR_BY_STATUS: dict[int, type[DomainError]] = {
    400: ValidationFailed,
    404: NotFound,
    413: PayloadTooLarge,
    414: ValidationFailed,
    431: ValidationFailed,
    501: NotImplementedYet,
}
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-www-form-urlencoded")


@dataclass
class Answer:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    cookies: list[str] = field(default_factory=list)
    # An answer of the site (the bucket behind CloudFront), which CORS rules never touch.
    is_page: bool = False

    @classmethod
    def json(cls, status: int, payload: Any) -> Answer:
        return cls(status, {"content-type": "application/json"}, json.dumps(payload).encode())

    @classmethod
    def error(cls, status: int, message: str) -> Answer:
        """An answer of the gateway's own, in the contract's error shape."""
        code = _ERROR_BY_STATUS.get(status, DomainError).code
        return cls.json(status, {"error": {"code": code, "message": message}})


class CorsPolicy:
    """A CorsConfiguration applied as API Gateway applies it."""

    def __init__(self, config: Cors) -> None:
        self.config = config

    @staticmethod
    def is_preflight(method: str, headers: Any) -> bool:
        return method == "OPTIONS" and bool(
            headers.get("origin") and headers.get("access-control-request-method")
        )

    def allowed_origin(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin for this Origin, None when it is not allowed."""
        if not origin:
            return None
        if origin in self.config.allow_origins:
            return origin
        if "*" in self.config.allow_origins:
            # Credentials need the origin itself; SAM refuses `*` with AllowCredentials.
            return origin if self.config.allow_credentials else "*"
        return None

    def preflight(self, origin: str | None) -> Answer:
        answer = Answer(204)
        allowed = self.allowed_origin(origin)
        if allowed is None:
            return answer
        config = self.config
        answer.headers["access-control-allow-origin"] = allowed
        if config.allow_methods:
            answer.headers["access-control-allow-methods"] = ",".join(config.allow_methods)
        if config.allow_headers:
            answer.headers["access-control-allow-headers"] = ",".join(config.allow_headers)
        if config.max_age is not None:
            answer.headers["access-control-max-age"] = str(config.max_age)
        if config.allow_credentials:
            answer.headers["access-control-allow-credentials"] = "true"
        return answer

    def applied(self, origin: str | None, answer: Answer) -> Answer:
        # API Gateway ignores the integration's CORS headers when CORS is configured.
        headers = {k: v for k, v in answer.headers.items() if not k.startswith("access-control-")}
        allowed = self.allowed_origin(origin)
        if allowed is not None:
            headers["access-control-allow-origin"] = allowed
            if self.config.expose_headers:
                headers["access-control-expose-headers"] = ",".join(self.config.expose_headers)
            if self.config.allow_credentials:
                headers["access-control-allow-credentials"] = "true"
        return Answer(answer.status, headers, answer.body, answer.cookies)


# Extra local-only routes (OpenAPI document, docs page, schedules): (method, path) -> handler.
LocalRoute = Callable[[bytes], Answer]


@dataclass(frozen=True)
class LocalRequest:
    """A whole request, for a local-only server mounted under a path prefix."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


# Local-only servers that need the query and headers too (the dev sign-in authority under
# /local-auth/): path prefix -> handler.
PrefixRoute = Callable[[LocalRequest], Answer]


class SiteOrigin(Protocol):
    """The site as the edge sees it: the pages bucket's objects and the site index, whose keys
    say which paths exist (infra/site_routes.py)."""

    def get(self, key: str) -> SiteFile | None:
        """The bucket's object at `key`, None when there is none."""
        ...

    def lookup(self, key: str) -> str | None:
        """The site index's value at `key`, None when it holds none."""
        ...


# What S3 answers CloudFront for a key it lacks when the distribution may not list the bucket:
# a path the index holds whose object is missing reaches the viewer as this, as on AWS.
_ACCESS_DENIED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
)
# The edge function's own 404 page when the index lacks the uploaded one (site_router.js).
_FALLBACK_NOT_FOUND = (
    '<!doctype html><html lang="pt-BR"><title>Página não encontrada · Page not found</title>'
    '<h1>Página não encontrada</h1><p lang="en">Page not found</p></html>'
).encode()


# What CloudFront compresses (the behaviours' Compress: true): text types, from 1,000 bytes.
_COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")
_COMPRESS_FROM_BYTES = 1000


def compressed(answer: Answer, accept_encoding: str) -> Answer:
    """A page answer gzipped, as the distribution sends it to a browser that accepts gzip."""
    content_type = answer.headers.get("content-type", "")
    accepts = any(
        part.split(";")[0].strip().lower() == "gzip" for part in accept_encoding.split(",")
    )
    if (
        not accepts
        or len(answer.body) < _COMPRESS_FROM_BYTES
        or not content_type.startswith(_COMPRESSIBLE)
    ):
        return answer
    headers = {**answer.headers, "content-encoding": "gzip", "vary": "Accept-Encoding"}
    return replace(answer, body=gzip.compress(answer.body, mtime=0), headers=headers)


def page_answer(
    site: SiteOrigin, path: str, query: str = "", *, media: str | None = None
) -> Answer:
    """A GET or HEAD of a page path, answered as the edge function and the bucket behind it
    answer: the rules of infra/site_routes.py over the site index, then the object. `media`:
    the media bucket's origin, which the pages' policy names (site_headers.headers_for)."""
    decision = site_routes.decide(path, query, site.lookup)
    if isinstance(decision, site_routes.Redirect):
        answer = Answer(301, {"location": decision.location, "cache-control": SHORT})
    elif isinstance(decision, site_routes.NotFound):
        page = site.lookup(site_routes.NOT_FOUND_KEY)
        body = _FALLBACK_NOT_FOUND if page is None else page.encode("utf-8")
        headers = {"content-type": "text/html; charset=utf-8", "cache-control": SHORT}
        answer = Answer(404, headers, body)
    else:
        # CloudFront asks the bucket for the path as sent; S3 decodes it into the key.
        found = site.get(unquote(decision.object_key))
        if found is None:
            answer = Answer(403, {"content-type": "application/xml"}, _ACCESS_DENIED)
        else:
            headers = {"content-type": found.content_type}
            if found.cache_control:
                headers["cache-control"] = found.cache_control
            if found.etag:
                headers["etag"] = found.etag
            answer = Answer(200, headers, found.body)
    answer.headers.update(
        {
            name.lower(): value
            for name, value in headers_for(embed=decision.embed, media=media).items()
        }
    )
    answer.is_page = True
    return answer


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
        cors: Cors | None = None,
        site: SiteOrigin | None = None,
        prefix_routes: dict[str, PrefixRoute] | None = None,
        media: str | None = None,
    ) -> None:
        """`cors` defaults to the template's CorsConfiguration, with LOCAL_PARAMETERS; `site`
        is the pages bucket (None: no site, every unrouted request is the JSON 404); `media`
        the origin of the S3 stand-in holding the media bucket, which the pages' policy lets
        them post photos to and show them from."""
        config = cors if cors is not None else load_cors(TEMPLATE, LOCAL_PARAMETERS)
        self.cors = CorsPolicy(config) if config is not None else None
        self._routes = routes
        self._lambdas = lambdas
        self._authority = authority
        self._local_routes = local_routes or {}
        self._prefix_routes = prefix_routes or {}
        self._site = site
        self.media = media
        self._serving = BackgroundServer("gateway", self._make_server, port)

    @property
    def url(self) -> str:
        return self._serving.url

    def page_headers(self, *, embed: bool) -> dict[str, str]:
        """The security headers this gateway's page answers carry (site_headers.headers_for)."""
        return headers_for(embed=embed, media=self.media)

    def _make_server(self, address: tuple[str, int]) -> _Server:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                gateway._serve(self)

            def __getattr__(self, name: str) -> Any:
                # Every verb reaches the gateway (do_GET, do_FROB ...): for one it has no
                # do_ method the stdlib would answer 501 with an HTML page.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def send_error(
                self, code: int, message: str | None = None, explain: str | None = None
            ) -> None:
                # The stdlib's own answers (a malformed request line, too many headers), in
                # JSON. One to a request line it cannot read the version of goes out as
                # HTTP/0.9 would: the body alone.
                self.close_connection = True
                answer = Answer.error(code, message or HTTPStatus(code).phrase)
                answer.headers["connection"] = "close"
                gateway._send(self, answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return _Server(address, Handler)

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        origin = request.headers.get("origin")
        try:
            if self.cors is not None and self.cors.is_preflight(request.command, request.headers):
                # Answered here, before routing and the authorizer; the body is not read.
                request.close_connection = bool(request.headers.get("content-length"))
                self._send(request, self.cors.preflight(origin))
                return
            answer = self._handle(request)
        except Exception as exc:
            answer = Answer.json(
                500, {"message": "Internal Server Error", "error": type(exc).__name__}
            )
        if self.cors is not None and not answer.is_page:
            answer = self.cors.applied(origin, answer)
        if answer.is_page:
            answer = compressed(answer, request.headers.get("accept-encoding", ""))
        self._send(request, answer)

    def _send(self, request: BaseHTTPRequestHandler, answer: Answer) -> None:
        request.send_response(answer.status)
        headers = {"content-length": str(len(answer.body)), **answer.headers}
        headers["content-length"] = str(len(answer.body))
        if answer.body or answer.status != HTTPStatus.NO_CONTENT:
            headers.setdefault("content-type", "application/json")
        for key, value in headers.items():
            request.send_header(key, value)
        for cookie in answer.cookies:
            request.send_header("set-cookie", cookie)
        request.end_headers()
        if request.command != "HEAD":
            request.wfile.write(answer.body)

    @staticmethod
    def _is_page_request(method: str, path: str) -> bool:
        # CloudFront's `/api/*` behaviour sends everything under it to the API, whatever the
        # method; the site's behaviour allows GET and HEAD only.
        return method in ("GET", "HEAD") and not path.startswith("/api/")

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
        for prefix, served in self._prefix_routes.items():
            if parts.path.startswith(prefix):
                seen = {key.lower(): value for key, value in request.headers.items()}
                return served(LocalRequest(method, parts.path, parts.query, seen, body))
        matched = match_route(self._routes, method, parts.path) if method in HTTP_METHODS else None
        if matched is None:
            if self._site is not None and self._is_page_request(method, parts.path):
                return page_answer(self._site, parts.path, parts.query, media=self.media)
            return Answer.error(404, f"No route for {method} {parts.path}")
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
