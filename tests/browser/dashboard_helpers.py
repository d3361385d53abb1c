"""Opening the dashboard as a professional in a real browser: the sign-in goes through the dev
authority's page (code + PKCE), as a person's does. A professional made by `make_professional`
is given the sub the dev authority keeps for their email, so signing in with that email is
signing in as them."""

from __future__ import annotations

import re

import pg8000.native
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.conftest import Professional

SIGN_IN_BUTTON = re.compile(r"^(Entrar ou criar conta|Sign in or create an account)$")


def dashboard_email(pro: Professional) -> str:
    return f"{pro.slug}@example.com"


def own_sign_in(stack: LocalStack, db: pg8000.native.Connection, pro: Professional) -> str:
    """Makes `pro` the account of the dev authority's user with their email; answers the email."""
    assert stack.sign_in is not None
    email = dashboard_email(pro)
    sub = stack.sign_in.subject(email)
    db.run("UPDATE professionals SET user_id = :sub WHERE id = :id", sub=sub, id=pro.id)
    return email


def sign_in_through_dev_page(page: Page, email: str) -> None:
    """On the dashboard's signed-out state: the button, then the dev authority's page."""
    page.get_by_role("button", name=SIGN_IN_BUTTON).click()
    page.wait_for_url(re.compile(r"/local-auth/authorize\?"))
    page.locator("#email").fill(email)
    page.locator("#email").press("Enter")


def open_dashboard(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    pro: Professional,
    path: str = "/dashboard",
) -> None:
    """Signs in as `pro` and lands on `path` of the dashboard, its screen drawn."""
    email = own_sign_in(stack, db, pro)
    page.goto(path)
    sign_in_through_dev_page(page, email)
    page.wait_for_url(re.compile(re.escape(path) + r"(\?.*)?(#.*)?$"))
    expect(page.locator(".dash-header")).to_be_visible()
    expect(page.locator("#dashboard[aria-busy]")).to_have_count(0)
    assert_no_stray_words(page)


# What a script shows when it puts a missing value on the page instead of words.
STRAY = re.compile(r"\b(null|undefined|NaN)\b|\[object Object\]")


def assert_no_stray_words(page: Page) -> None:
    """The screen shows words, never `null`, `undefined`, `NaN` or `[object Object]`."""
    text = page.locator("body").inner_text()
    found = STRAY.search(text)
    if found:
        around = text[max(0, found.start() - 80) : found.end() + 80]
        raise AssertionError(f"the page shows {found.group(0)!r}: ...{around}...")
