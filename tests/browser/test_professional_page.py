"""A professional's generated page (/p/{slug}) in a real browser through the local gateway:
accessible, usable by keyboard, whole at 360 px, with the tags a link preview reads, in the
professional's language, and a name or bio written as markup shown as text, with no console
or Content-Security-Policy error (the harness fails a test on either)."""

from __future__ import annotations

from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import NewContext
from tests.browser.harness import assert_accessible, assert_focus_visible, tab_to
from tests.conftest import MakeProfessional

pytestmark = pytest.mark.browser

HOSTILE_NAME = "Dra. <img src=x onerror=alert(1)> Souza"
HOSTILE_BIO = "<script>window.pwned = true</script>\n\nAtendo adultos & casais."


def published(
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    **columns: Any,
) -> str:
    """A professional with `columns` set, their page written by the sweep; their slug."""
    pro = make_professional()
    for column, value in columns.items():
        assert column in {"name", "bio", "locale", "session_price", "currency"}
        db.run(f"UPDATE professionals SET {column} = :v WHERE id = :id", v=value, id=pro.id)
    swept = requests.post(f"{api}/_local/schedules/SitePages", timeout=60)
    assert swept.status_code == 200, swept.text
    return pro.slug


def test_the_page_shows_markup_as_text_and_reads_well_without_script(
    page: Page, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    slug = published(api, db, make_professional, name=HOSTILE_NAME, bio=HOSTILE_BIO)
    response = page.goto(f"/p/{slug}")
    assert response is not None
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE_NAME)
    expect(page.locator(".profile-about")).to_contain_text("<script>window.pwned = true</script>")
    assert page.evaluate("window.pwned") is None
    assert page.locator("h1 img, .profile-about script").count() == 0
    # What a link preview reads, without running anything.
    for tag in ("og:title", "og:description", "og:image", "og:url", "og:type"):
        assert page.locator(f'meta[property="{tag}"]').count() == 1, tag
    expect(page.locator('meta[property="og:title"]')).to_have_attribute(
        "content", f"{HOSTILE_NAME} · Terapeuta (teste)"
    )
    expect(page.locator('meta[name="twitter:card"]')).to_have_attribute("content", "summary")
    # The widget mounted into its container (H3's script ran under the policy).
    expect(page.locator("#booking-widget button").first).to_be_visible()
    assert_accessible(page)


def test_the_keyboard_skips_to_the_content_and_reaches_the_booking_widget(
    page: Page, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    slug = published(api, db, make_professional)
    page.goto(f"/p/{slug}")
    expect(page.locator("#booking-widget button").first).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_text("Pular para o conteúdo")
    assert_focus_visible(skip)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    first_day = tab_to(page, "#booking-widget button")
    assert_focus_visible(first_day)


def test_an_english_page_fits_360_pixels(
    new_context: NewContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    slug = published(
        api,
        db,
        make_professional,
        name="Dr. Emily Carter",
        locale="en",
        bio="Counselling for adults.\nOnline sessions.",
        currency="USD",
        session_price=120,
    )
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"/p/{slug}")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr. Emily Carter")
    expect(page.locator(".profile-facts")).to_contain_text("$120.00 per session")
    expect(page.get_by_role("link", name="Skip to content")).to_be_attached()
    expect(page.locator("#booking-widget button").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
