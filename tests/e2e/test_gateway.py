"""The local gateway does what API Gateway does for this stack, and serves the API's docs."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from infra.local.stack import LocalStack

pytestmark = pytest.mark.e2e


def test_routes_guarded_by_the_jwt_authorizer_need_a_valid_token(
    api: str, stack: LocalStack
) -> None:
    url = f"{api}/api/appointments"
    assert requests.get(url, timeout=10).status_code == 401
    assert (
        requests.get(url, headers={"authorization": "Bearer nope"}, timeout=10).status_code == 401
    )
    expired = stack.authority.mint("demo-user-dr-ana", ttl_seconds=-60)
    assert (
        requests.get(url, headers={"authorization": f"Bearer {expired}"}, timeout=10).status_code
        == 401
    )
    token = stack.authority.mint("demo-user-dr-ana")
    answer = requests.get(url, headers={"authorization": f"Bearer {token}"}, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["view"] == "upcoming"


def test_public_routes_need_no_token_and_unknown_routes_are_404(api: str) -> None:
    assert requests.get(f"{api}/api/professionals/dr-ana", timeout=10).status_code == 200
    assert requests.get(f"{api}/api/nothing-here", timeout=10).status_code == 404
    assert requests.delete(f"{api}/api/booking", timeout=10).status_code == 404


def test_the_openapi_document_and_docs_page_are_served(api: str) -> None:
    document = requests.get(f"{api}/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.1")
    assert {"/api/booking", "/api/professionals/{slug}"} <= set(document["paths"])
    page = requests.get(f"{api}/docs", timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert "/api/booking" in page.text


def test_scheduled_jobs_can_be_fired_on_demand(api: str) -> None:
    answer = requests.post(f"{api}/_local/schedules/OutboxRelay", timeout=30)
    assert answer.status_code == 200
    assert answer.json()["result"] == {"sent": 0}


def test_the_source_ip_is_the_first_forwarded_entry(stack: LocalStack) -> None:
    seen: list[dict[str, Any]] = []
    pool = stack.lambdas
    assert pool is not None
    original = pool.invoke

    def spy(logical_id: str, event: dict[str, Any]) -> Any:
        seen.append(event)
        return original(logical_id, event)

    pool.invoke = spy  # type: ignore[method-assign]
    try:
        requests.get(
            f"{stack.api_url}/api/professionals/dr-ana",
            headers={"x-forwarded-for": "203.0.113.5, 10.0.0.1"},
            timeout=10,
        )
        requests.get(f"{stack.api_url}/api/professionals/dr-ana?x=1&x=2", timeout=10)
    finally:
        pool.invoke = original  # type: ignore[method-assign]
    first, second = seen
    assert first["version"] == "2.0"
    assert first["routeKey"] == "GET /api/professionals/{slug}"
    assert first["pathParameters"] == {"slug": "dr-ana"}
    assert first["requestContext"]["http"]["sourceIp"] == "203.0.113.5"
    assert second["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert second["queryStringParameters"] == {"x": "1,2"}
    json.dumps(first)  # the event is plain JSON, as Lambda receives it


# -- CORS, as the template's CorsConfiguration makes API Gateway answer ---------------------

# The local value of the template's CorsAllowedOrigin parameter: the stack's APP_BASE_URL.
ALLOWED_ORIGIN = "http://127.0.0.1:3000"
OTHER_ORIGIN = "https://evil.example"


def cors_headers(answer: requests.Response) -> dict[str, str]:
    return {
        k.lower(): v for k, v in answer.headers.items() if k.lower().startswith("access-control-")
    }


@pytest.fixture
def invocations(stack: LocalStack) -> Iterator[list[str]]:
    seen: list[str] = []
    pool = stack.lambdas
    assert pool is not None
    original = pool.invoke

    def spy(logical_id: str, event: dict[str, Any]) -> Any:
        seen.append(logical_id)
        return original(logical_id, event)

    pool.invoke = spy  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        pool.invoke = original  # type: ignore[method-assign]


def test_the_gateway_answers_cors_preflights_itself(api: str, invocations: list[str]) -> None:
    preflight = {"access-control-request-method": "POST"}
    # A route behind the JWT authorizer, and a path with no route at all: API Gateway answers
    # every preflight before routing or authorizing.
    for path in ("/api/appointments", "/api/booking", "/api/nothing-here"):
        answer = requests.options(
            f"{api}{path}",
            headers={
                **preflight,
                "origin": ALLOWED_ORIGIN,
                "access-control-request-headers": "authorization,content-type",
            },
            timeout=10,
        )
        assert answer.status_code == 204
        assert answer.content == b""
        assert cors_headers(answer) == {
            "access-control-allow-origin": ALLOWED_ORIGIN,
            "access-control-allow-methods": "GET,POST,PUT,PATCH,DELETE,OPTIONS",
            "access-control-allow-headers": "authorization,content-type",
            "access-control-max-age": "600",
        }
    refused = requests.options(
        f"{api}/api/booking", headers={**preflight, "origin": OTHER_ORIGIN}, timeout=10
    )
    assert refused.status_code == 204
    assert cors_headers(refused) == {}
    assert invocations == []


def test_answers_carry_cors_headers_for_an_allowed_origin_only(api: str) -> None:
    url = f"{api}/api/professionals/dr-ana"
    allowed = requests.get(url, headers={"origin": ALLOWED_ORIGIN}, timeout=10)
    assert allowed.status_code == 200
    assert cors_headers(allowed) == {
        "access-control-allow-origin": ALLOWED_ORIGIN,
        "access-control-expose-headers": "retry-after",
    }
    # The gateway's own answers too (the authorizer's 401, a missing route's 404).
    for path in ("/api/appointments", "/api/nothing-here"):
        own = requests.get(f"{api}{path}", headers={"origin": ALLOWED_ORIGIN}, timeout=10)
        assert own.status_code in (401, 404)
        assert own.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    assert cors_headers(requests.get(url, headers={"origin": OTHER_ORIGIN}, timeout=10)) == {}
    assert cors_headers(requests.get(url, timeout=10)) == {}


# -- Answers the gateway gives itself ---------------------------------------------------------


def test_unknown_paths_and_methods_answer_the_contract_error_in_json(api: str) -> None:
    # GET and POST /api/booking exist; no other method does, as no route is an ANY.
    cases = [(m, "/api/nothing-here") for m in ("GET", "POST", "PUT", "DELETE", "PATCH")]
    cases += [(m, "/api/booking") for m in ("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")]
    cases += [("HEAD", "/api/nothing-here"), ("OPTIONS", "/api/nothing-here")]
    cases += [(verb, "/api/booking") for verb in ("TRACE", "CONNECT", "FROB")]
    for method, path in cases:
        answer = requests.request(method, f"{api}{path}", timeout=10)
        assert answer.status_code == 404, (method, path)
        assert answer.headers["content-type"] == "application/json", (method, path)
        assert "allow" not in answer.headers
        if method != "HEAD":
            error = answer.json()["error"]
            assert error["code"] == "NOT_FOUND", (method, path)
            assert isinstance(error["message"], str)


def raw_exchange(stack: LocalStack, request: bytes) -> tuple[bytes, bytes]:
    assert stack.gateway is not None
    port = urlsplit(stack.gateway.url).port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    return head, body


def test_malformed_requests_answer_json_not_an_html_page(stack: LocalStack) -> None:
    too_many_headers = b"".join(b"x-h%d: 1\r\n" % n for n in range(120))
    for request, status in (
        (b"GET /api/booking extra HTTP/1.1\r\n\r\n", b"400"),
        (b"GET /api/booking HTTP/1.1\r\n" + too_many_headers + b"\r\n", b"431"),
    ):
        head, body = raw_exchange(stack, request)
        assert head.split(b" ")[1] == status, request
        assert b"content-type: application/json" in head.lower(), request
        error = json.loads(body)["error"]
        assert error["code"] == "VALIDATION_FAILED"
        assert error["message"]
