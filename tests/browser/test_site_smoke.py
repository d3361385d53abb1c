"""The site in a real browser through the local gateway: a page that does not exist is the site's
own 404 page, accessible, under the security headers, usable by keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from infra.paths import ROOT
from tests.browser.harness import (
    ConsoleErrors,
    assert_accessible,
    assert_focus_visible,
    tab_to,
)

pytestmark = pytest.mark.browser

MISSING = "/p/no-such-professional"


def not_found_heading() -> str:
    """The 404 page's first heading, as its source has it."""
    source = (ROOT / "pages" / "site" / "404.html").read_text(encoding="utf-8")
    found = re.search(r"<h1[^>]*>(.*?)</h1>", source, re.DOTALL)
    assert found is not None, "pages/site/404.html has no <h1>"
    return " ".join(found.group(1).split())


def test_a_missing_page_is_the_sites_404_page(
    page: Page, api: str, stack: LocalStack, console_errors: ConsoleErrors
) -> None:
    # Chromium reports a document answered with 404 as a failed load: that one is the point.
    console_errors.expect(r"status of 404", source=f"{api}{MISSING}")
    response = page.goto(MISSING)
    assert response is not None
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    for name, value in stack.page_headers(embed=False).items():
        assert response.headers[name.lower()] == value, name
    expect(page.get_by_role("heading", level=1, name=not_found_heading())).to_be_visible()
    # The stylesheet (a hashed asset) loaded and applies under the policy: no console error
    # about it, and the page is styled by it.
    assert page.evaluate("document.styleSheets.length") >= 1
    assert page.evaluate("document.styleSheets[0].cssRules.length") > 0
    assert_accessible(page)


def test_the_404_page_leads_home_by_keyboard(
    page: Page, api: str, console_errors: ConsoleErrors
) -> None:
    console_errors.expect(r"status of 404", source=f"{api}{MISSING}")
    page.goto(MISSING)
    focused = tab_to(page, 'a[href="/"]')
    assert_focus_visible(focused)
    page.keyboard.press("Enter")
    page.wait_for_url("/")
    assert page.evaluate("location.pathname") == "/"
    # Home is a page of its own: served under the headers, accessible, in Portuguese first.
    expect(page.locator("h1")).to_have_text("Agenda")
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    assert_accessible(page)


def test_the_home_page_is_served_under_the_site_headers(page: Page, stack: LocalStack) -> None:
    response = page.goto("/")
    assert response is not None
    assert response.status == 200
    headers = response.headers
    for name, value in stack.page_headers(embed=False).items():
        assert headers[name.lower()] == value, name
    assert_accessible(page)
