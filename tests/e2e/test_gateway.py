"""The local gateway does what API Gateway does for this stack, and serves the API's docs."""

from __future__ import annotations

import json
from typing import Any

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
