"""The site over HTTP through the local gateway, as CloudFront serves it: pages from the pages
bucket at their paths, the site's 404, the security headers, the caches' lifetimes, and the API
under /api/ answering exactly as before."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from infra.local.stack import PAGES_BUCKET, LocalStack
from infra.pages import IMMUTABLE, SHORT, s3_client
from infra.site_headers import SITE_HEADERS

pytestmark = pytest.mark.e2e

STYLESHEET = re.compile(r'href="(/assets/site\.[0-9a-f]{8}\.css)"')


def assert_site_headers(answer: requests.Response) -> None:
    for name, value in SITE_HEADERS.items():
        assert answer.headers.get(name) == value, name


def test_the_home_page_is_the_index(api: str) -> None:
    answer = requests.get(f"{api}/", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == SHORT
    assert "<h1>Agenda</h1>" in answer.text
    assert_site_headers(answer)
    # The query plays no part (the cache policy leaves it out).
    assert requests.get(f"{api}/?utm_source=x", timeout=10).text == answer.text


def test_a_missing_page_is_the_sites_404(api: str) -> None:
    for path in ("/p/nobody-at-all", "/nothing", "/index", "/assets/site.css", "/api"):
        answer = requests.get(f"{api}{path}", timeout=10)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert "Página não encontrada" in answer.text
        assert "Page not found" in answer.text
        assert_site_headers(answer)


def test_hashed_assets_are_cached_for_a_year(api: str) -> None:
    page = requests.get(f"{api}/", timeout=10).text
    found = STYLESHEET.search(page)
    assert found is not None, page
    answer = requests.get(f"{api}{found.group(1)}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.headers["cache-control"] == IMMUTABLE
    assert ":focus-visible" in answer.text
    assert_site_headers(answer)


def test_head_answers_the_headers_without_a_body(api: str) -> None:
    got = requests.get(f"{api}/", timeout=10)
    head = requests.head(f"{api}/", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["cache-control"] == SHORT
    assert_site_headers(head)
    missing = requests.head(f"{api}/p/nobody-at-all", timeout=10)
    assert missing.status_code == 404
    assert missing.content == b""
    assert_site_headers(missing)


def test_a_page_uploaded_later_is_served_at_its_path(stack: LocalStack, api: str) -> None:
    client: Any = s3_client(stack.s3.endpoint_url)
    key = f"booking/e2e-{time.time_ns()}"
    client.put_object(
        Bucket=PAGES_BUCKET,
        Key=key,
        Body=b"<p>paid</p>",
        ContentType="text/html; charset=utf-8",
        CacheControl=SHORT,
    )
    answer = requests.get(f"{api}/{key}", timeout=10)
    assert answer.status_code == 200
    assert answer.text == "<p>paid</p>"
    assert_site_headers(answer)
    assert requests.get(f"{api}/{key}.html", timeout=10).status_code == 404


def test_other_methods_on_a_page_path_are_the_contracts_404(api: str) -> None:
    for method in ("POST", "PUT", "DELETE"):
        answer = requests.request(method, f"{api}/", timeout=10)
        assert answer.status_code == 404, method
        assert answer.json()["error"]["code"] == "NOT_FOUND"
        assert "content-security-policy" not in answer.headers


def test_the_api_is_unchanged_under_the_site(api: str) -> None:
    origin = {"origin": "http://127.0.0.1:3000"}
    profile = requests.get(f"{api}/api/professionals/dr-ana", headers=origin, timeout=10)
    assert profile.status_code == 200
    assert profile.json()["slug"] == "dr-ana"
    assert profile.headers["access-control-allow-origin"] == "http://127.0.0.1:3000"
    assert "content-security-policy" not in profile.headers
    unknown = requests.get(f"{api}/api/nothing-here", timeout=10)
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "NOT_FOUND"
    assert requests.get(f"{api}/api/appointments", timeout=10).json() == {"message": "Unauthorized"}
    # The gateway's own routes are still its own.
    assert requests.get(f"{api}/openapi.json", timeout=10).json()["openapi"].startswith("3.1")
    assert requests.get(f"{api}/_local/health", timeout=10).json() == {"ok": True}


def test_page_answers_carry_no_cors_headers(api: str) -> None:
    answer = requests.get(f"{api}/", headers={"origin": "http://127.0.0.1:3000"}, timeout=10)
    assert answer.status_code == 200
    assert not [name for name in answer.headers if name.lower().startswith("access-control-")]


def test_publishing_the_site_takes_under_a_second(stack: LocalStack) -> None:
    started = time.perf_counter()
    stack.publish_site()
    assert time.perf_counter() - started < 1.0
