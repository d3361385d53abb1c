"""The dashboard's notifications screen in a real browser against the local stack: public
booking requests make notices; the header's badge counts them; one marked read (and unread
again), all marked read, the "only unread" filter, the badge following each change and the rows
in the database changed; by keyboard; in English at 360 px with a notice's link to its
appointments; axe in each state."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pg8000.native
import pytest
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import new_english_professional
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import assert_accessible, tab_to
from tests.conftest import MakeProfessional, Professional, next_weekday, rows
from tests.e2e.test_booking_api import book, booking_body

pytestmark = pytest.mark.browser


def request_bookings(api: str, pro: Professional, times: tuple[str, ...]) -> None:
    """Public booking requests (each a notice for the professional), on the next Tuesday."""
    day = next_weekday(2, zone=pro.timezone)
    for hhmm in times:
        phone = f"(11) 9{uuid.uuid4().int % 10**8:08d}"
        body = booking_body(
            pro,
            pro.at(day, hhmm),
            clientName=f"Cliente {hhmm}",
            clientPhone=phone,
            clientEmail=f"c{uuid.uuid4().hex[:8]}@example.com",
        )
        answer = book(api, body)
        assert answer.status_code == 201, answer.text


def notices(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, title, read_at FROM notifications WHERE professional_id = :p"
        " AND recipient = 'professional' ORDER BY created_at DESC, id",
        p=pro.id,
    )


def badge(page: Page) -> Any:
    return page.locator(".dash-nav a[data-screen=notifications] .dash-badge")


def test_notices_marked_one_then_all_and_the_badge_follows(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    request_bookings(api, pro, ("09:00", "10:40", "14:00"))
    assert len(notices(db, pro)) == 3
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/notifications")
    expect(badge(page)).to_have_text("3")
    expect(page.get_by_text("3 não lidas.")).to_be_visible()
    cards = page.locator(".dash-notice")
    expect(cards).to_have_count(3)
    expect(page.locator(".dash-notice-unread")).to_have_count(3)
    expect(cards.first.get_by_role("link", name="Ver os pedidos")).to_have_attribute(
        "href", "/dashboard/appointments?view=pending"
    )
    assert_accessible(page)

    first = cards.first
    first_title = first.get_by_role("heading", level=2).text_content() or ""
    first.get_by_role("button", name="Marcar como lida").click()
    expect(page.get_by_role("status").filter(has_text="Marcada como lida")).to_be_visible()
    expect(first.get_by_role("button", name="Marcar como não lida")).to_be_focused()
    expect(badge(page)).to_have_text("2")
    expect(page.locator(".dash-notice-unread")).to_have_count(2)
    [read] = [n for n in notices(db, pro) if n["read_at"] is not None]
    assert read["title"] in first_title
    assert_accessible(page)

    # And back to unread: the count goes up again.
    first.get_by_role("button", name="Marcar como não lida").click()
    expect(badge(page)).to_have_text("3")
    assert all(n["read_at"] is None for n in notices(db, pro))

    # "Mark all" by keyboard.
    tab_to(page, ".dash-notices-bar .account-button")
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("status").filter(has_text="Todas marcadas como lidas (3)")
    ).to_be_focused()
    expect(badge(page)).to_have_text("")
    expect(badge(page)).to_be_hidden()
    expect(page.locator(".dash-notice-unread")).to_have_count(0)
    expect(page.get_by_role("button", name="Marcar todas como lidas")).to_be_disabled()
    assert all(n["read_at"] is not None for n in notices(db, pro))
    assert_accessible(page)

    page.get_by_label("Só as não lidas").check()
    expect(page.get_by_text("Nenhuma notificação não lida.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/dashboard/notifications\?unread=true$"))
    assert_accessible(page)


def test_english_at_360_px_with_a_notice_leading_to_its_appointments(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    request_bookings(api, pro, ("09:00",))
    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/notifications")
    expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
    expect(page.get_by_text("1 unread.")).to_be_visible()
    card = page.locator(".dash-notice")
    expect(card).to_have_count(1)
    expect(card.get_by_role("button", name="Mark as read")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)
    card.get_by_role("link", name="See the requests").click()
    expect(page).to_have_url(re.compile(r"/dashboard/appointments\?view=pending$"))
