"""The site over HTTP through the local gateway, as CloudFront and its edge function serve it:
pages from the pages bucket at the paths the site index holds, an old slug's 301, the site's
404 for every other path, the security headers (the embed mode's for /embed/), the caches'
lifetimes, and the API under /api/ answering exactly as before."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import requests

from infra.local.stack import PAGES_BUCKET, REGION, LocalStack
from infra.pages import IMMUTABLE, SHORT, s3_client

pytestmark = pytest.mark.e2e

STYLESHEET = re.compile(r'href="(/assets/site\.[0-9a-f]{8}\.css)"')


def assert_site_headers(
    answer: requests.Response, stack: LocalStack, *, embed: bool = False
) -> None:
    """The headers of infra/site_headers.py, the policy naming this run's S3 stand-in."""
    for name, value in stack.page_headers(embed=embed).items():
        assert answer.headers.get(name) == value, name


def test_the_home_page_is_the_index(stack: LocalStack, api: str) -> None:
    answer = requests.get(f"{api}/", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == SHORT
    assert "<h1>Agenda</h1>" in answer.text
    assert_site_headers(answer, stack)
    # The media bucket's origin, this run's S3 stand-in: the photo's POST and the photo.
    policy = answer.headers["content-security-policy"]
    assert f"connect-src 'self' {stack.s3.endpoint_url};" in policy
    assert f"img-src 'self' data: https: {stack.s3.endpoint_url};" in policy
    # The query plays no part (the cache policy leaves it out).
    assert requests.get(f"{api}/?utm_source=x", timeout=10).text == answer.text


def test_a_missing_page_is_the_sites_404(stack: LocalStack, api: str) -> None:
    for path in (
        "/p/nobody-at-all",
        "/nothing",
        "/index",
        "/api",
        "/manage/a/b",
        "/embed",
        "/404.html",
    ):
        answer = requests.get(f"{api}{path}", timeout=10)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"] == "text/html; charset=utf-8"
        assert "Página não encontrada" in answer.text
        assert "Page not found" in answer.text
        assert_site_headers(answer, stack)


def test_hashed_assets_are_cached_for_a_year(stack: LocalStack, api: str) -> None:
    page = requests.get(f"{api}/", timeout=10).text
    found = STYLESHEET.search(page)
    assert found is not None, page
    answer = requests.get(f"{api}{found.group(1)}", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/css; charset=utf-8"
    assert answer.headers["cache-control"] == IMMUTABLE
    assert ":focus-visible" in answer.text
    assert_site_headers(answer, stack)


def test_head_answers_the_headers_without_a_body(stack: LocalStack, api: str) -> None:
    got = requests.get(f"{api}/", timeout=10)
    head = requests.head(f"{api}/", timeout=10)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["cache-control"] == SHORT
    assert_site_headers(head, stack)
    missing = requests.head(f"{api}/p/nobody-at-all", timeout=10)
    assert missing.status_code == 404
    assert missing.content == b""
    assert_site_headers(missing, stack)


def _put_page(stack: LocalStack, key: str, body: bytes) -> None:
    client: Any = s3_client(stack.s3.endpoint_url)
    client.put_object(
        Bucket=PAGES_BUCKET,
        Key=key,
        Body=body,
        ContentType="text/html; charset=utf-8",
        CacheControl=SHORT,
    )


def test_a_page_is_served_once_the_site_index_holds_its_path(stack: LocalStack, api: str) -> None:
    key = f"booking/e2e-{time.time_ns()}"
    _put_page(stack, key, b"<p>paid</p>")
    # An object the index does not name is no page: the edge answers 404 before the bucket.
    unindexed = requests.get(f"{api}/{key}", timeout=10)
    assert unindexed.status_code == 404
    assert "Page not found" in unindexed.text
    stack.site_index().put_page(f"/{key}")
    answer = requests.get(f"{api}/{key}", timeout=10)
    assert answer.status_code == 200
    assert answer.text == "<p>paid</p>"
    assert_site_headers(answer, stack)
    assert requests.get(f"{api}/{key}.html", timeout=10).status_code == 404
    stack.site_index().remove(f"/{key}")
    assert requests.get(f"{api}/{key}", timeout=10).status_code == 404


def test_an_old_slug_is_a_permanent_redirect_keeping_the_query(stack: LocalStack, api: str) -> None:
    slug = f"e2e-{time.time_ns()}"
    _put_page(stack, f"p/{slug}", b"<p>new</p>")
    index = stack.site_index()
    index.put_page(f"/p/{slug}")
    index.put_redirect(f"/p/{slug}-old", f"/p/{slug}")
    moved = requests.get(f"{api}/p/{slug}-old?utm_source=mail", timeout=10, allow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/p/{slug}?utm_source=mail"
    assert_site_headers(moved, stack)
    followed = requests.get(f"{api}/p/{slug}-old", timeout=10)
    assert followed.status_code == 200
    assert followed.text == "<p>new</p>"
    # The embed mode follows the professional's page to its new slug.
    embedded = requests.get(f"{api}/embed/{slug}-old", timeout=10, allow_redirects=False)
    assert embedded.status_code == 301
    assert embedded.headers["location"] == f"/embed/{slug}"
    assert_site_headers(embedded, stack, embed=True)


def test_the_embed_mode_may_be_framed_by_any_site(stack: LocalStack, api: str) -> None:
    slug = f"e2e-embed-{time.time_ns()}"
    stack.site_index().put_page(f"/p/{slug}")
    answer = requests.get(f"{api}/embed/{slug}", timeout=10)
    # Served from the one `embed` object, with the embed mode's headers whatever it holds.
    assert_site_headers(answer, stack, embed=True)
    assert "frame-ancestors *" in answer.headers["content-security-policy"]
    missing = requests.get(f"{api}/embed/nobody-at-all", timeout=10)
    assert missing.status_code == 404
    assert "Page not found" in missing.text
    assert_site_headers(missing, stack, embed=True)
    page = requests.get(f"{api}/", timeout=10)
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_a_missing_asset_is_the_buckets_own_refusal(stack: LocalStack, api: str) -> None:
    # Assets are not in the index (their names change with every build): as on AWS, the
    # bucket answers a key it lacks with 403, CloudFront having no error responses.
    answer = requests.get(f"{api}/assets/site.00000000.css", timeout=10)
    assert answer.status_code == 403
    assert "AccessDenied" in answer.text
    assert_site_headers(answer, stack)


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


def test_publishing_the_site_again_leaves_the_same_objects_and_index(stack: LocalStack) -> None:
    # What every start of the stack does to a bucket and an index it already filled.
    client = s3_client(stack.s3.endpoint_url, REGION)

    def published() -> tuple[dict[str, str], dict[str, str]]:
        listed = client.list_objects_v2(Bucket=PAGES_BUCKET)["Contents"]
        return {item["Key"]: item["ETag"] for item in listed}, dict(stack.site_index().items())

    before = published()
    stack.publish_site()
    assert published() == before
    assert before[1]["/"] == "page"
