"""The customer's account pages in a real browser against the local stack: the register link of
a recorded confirmation, signing up through the dev authority's page (code flow with PKCE),
the claim, my bookings; a claimed and an expired invite explained; English; axe; keyboard;
360 px; where the tokens live (the refresh token in sessionStorage, nothing in localStorage)."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pg8000.native
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from infra.local.stack import LocalStack
from tests.account_helpers import new_user
from tests.appointment_helpers import bearer
from tests.browser.conftest import NewContext
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible, tab_to
from tests.client_claim_helpers import claim, invite
from tests.conftest import MakeProfessional, Professional, next_weekday
from tests.e2e.test_booking_api import book, booking_body

pytestmark = pytest.mark.browser

REGISTER_LINK = re.compile(r"/register\?invite=[A-Za-z0-9_\-.%=]+")
REFRESH_KEY = "agenda.refresh-token"


def booked(
    stack: LocalStack, api: str, make_professional: MakeProfessional, *, english: bool = False
) -> tuple[Professional, str, str]:
    """A booking auto-confirmed as it is made, by a new client: the professional, the client's
    email and the register link's path as the messages stand-in recorded it."""
    pro = make_professional(auto_confirm=True)
    if english:
        from infra.migrate import connect

        conn = connect(stack.postgres.url)
        try:
            conn.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=pro.id)
        finally:
            conn.close()
    email = f"client-{uuid.uuid4().hex[:10]}@example.com"
    phone = f"(21) 9{uuid.uuid4().int % 10**8:08d}"
    starts = pro.at(next_weekday(3), "09:00")
    answer = book(api, booking_body(pro, starts, clientEmail=email, clientPhone=phone))
    assert answer.status_code == 201, answer.text
    return pro, email, register_path(stack, email)


def register_path(stack: LocalStack, email: str, *, timeout: float = 30) -> str:
    """The register link of the confirmation the email stand-in received for `email`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in stack.providers.messages():
            if message.recipient != email:
                continue
            found = REGISTER_LINK.search(
                (message.text or "") + (getattr(message, "html", "") or "")
            )
            if found:
                return found.group(0)
        time.sleep(0.2)
    raise AssertionError(f"no confirmation with a register link reached {email}")


def sign_in_on_dev_page(page: Page, email: str) -> None:
    page.wait_for_url(re.compile(r"/local-auth/authorize\?"))
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()


def storage(page: Page) -> tuple[dict[str, str], int]:
    session = page.evaluate("Object.fromEntries(Object.entries(sessionStorage))")
    return session, page.evaluate("localStorage.length")


def test_the_register_link_signs_up_claims_and_lands_on_my_bookings(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    page = new_context(locale="pt-BR").new_page()
    pro, email, path = booked(stack, api, make_professional)
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guarde as suas reservas numa conta")
    assert_accessible(page)
    page.get_by_role("button", name="Entrar ou criar conta").click()

    sign_in_on_dev_page(page, email)

    page.wait_for_url(f"{api}/my-bookings")
    expect(page.get_by_role("heading", level=1, name="Minhas reservas")).to_be_visible()
    upcoming = page.locator("#upcoming-list")
    expect(upcoming.get_by_role("link", name=f"Dra. {pro.slug}")).to_have_attribute(
        "href", f"/p/{pro.slug}"
    )
    expect(upcoming).to_contain_text("Confirmado")
    expect(upcoming.get_by_role("button", name="Cancelar este horário")).to_be_visible()
    assert_accessible(page)
    session, local_count = storage(page)
    assert session.get(REFRESH_KEY), session
    # The round trip's verifier and state are gone once the code is exchanged.
    assert "agenda.sign-in" not in session
    assert local_count == 0
    # No token in the address either: the code was spent and replaced.
    assert "code=" not in page.url

    # A page load keeps the sign-in: the access token comes again from the refresh token.
    page.reload()
    expect(upcoming.get_by_role("link", name=f"Dra. {pro.slug}")).to_be_visible()

    # Reschedule with the client's own sign-in, from the booking page's picker.
    upcoming.get_by_role("button", name="Escolher outro horário").click()
    day = page.locator(".slot-day").nth(1)
    day.click()
    first_time = page.locator(".slot-time").first
    expect(first_time).to_be_focused()
    new_start = first_time.get_attribute("data-starts-at")
    assert new_start
    first_time.click()
    page.get_by_role("button", name="Remarcar para este horário").click()
    expect(page.get_by_role("status").filter(has_text="Horário remarcado para")).to_be_visible()
    [[moved]] = db.run("SELECT starts_at FROM appointments WHERE professional_id = :p", p=pro.id)
    assert moved == datetime.fromisoformat(new_start).astimezone(UTC)
    assert_accessible(page)


def test_cancelling_from_my_bookings_by_keyboard_in_english_at_360_px(
    new_context: NewContext, api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    context: BrowserContext = new_context(locale="en-US", viewport={"width": 360, "height": 780})
    page = context.new_page()
    _, email, path = booked(stack, api, make_professional, english=True)
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    focused = tab_to(page, "button.account-primary")
    assert_focus_visible(focused)
    expect(focused).to_have_text("Sign in or create an account")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/local-auth/authorize\?"))
    tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Enter")

    page.wait_for_url(f"{api}/my-bookings")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1, name="My bookings")).to_be_visible()
    expect(page.locator("#upcoming-list")).to_contain_text("Confirmed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    cancel = tab_to(page, "#upcoming-list button:text('Cancel this appointment')")
    assert_focus_visible(cancel)
    expect(cancel).to_have_text("Cancel this appointment")
    page.keyboard.press("Enter")
    # The question takes the focus; its first button is the confirmation.
    expect(page.locator(".account-question")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Yes, cancel")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Appointment cancelled.")).to_be_visible()
    expect(page.locator("#upcoming-list")).to_have_count(0)
    expect(page.locator("#past-list")).to_contain_text("Cancelled")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    assert_focus_visible(tab_to(page, ".account-who button"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="You signed out.")).to_be_visible()
    session, local_count = storage(page)
    assert REFRESH_KEY not in session
    assert local_count == 0
    page.reload()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_an_invite_someone_else_claimed_is_explained(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    _, _, path = booked(stack, api, make_professional)
    token = urlsplit(path).query.removeprefix("invite=")
    first = claim(api, bearer(stack, new_user()), {"invite": token})
    assert first.status_code == 200, first.text
    console_errors.expect(r"status of 409")
    page = new_context(locale="pt-BR").new_page()
    page.goto(path)
    page.get_by_role("button", name="Entrar ou criar conta").click()
    sign_in_on_dev_page(page, f"other-{secrets.token_hex(4)}@example.com")

    alert = page.get_by_role("alert")
    expect(alert).to_have_text(re.compile("já estão em outra conta"))
    expect(page.get_by_role("button", name="Entrar com outra conta")).to_be_visible()
    assert_accessible(page)


def test_an_expired_invite_is_explained_in_english(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    [[client_id]] = db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'Ann Lee', :phone)"
        " RETURNING id",
        p=pro.id,
        phone=f"+5521{uuid.uuid4().int % 10**9:09d}",
    )
    expired = invite(stack, client_id, expires_at=datetime.now(UTC) - timedelta(days=1))
    console_errors.expect(r"status of 403")
    page = new_context(locale="en-GB").new_page()
    page.goto(f"/register?invite={expired}")
    page.get_by_role("button", name="Sign in or create an account").click()
    sign_in_on_dev_page(page, f"ann-{secrets.token_hex(4)}@example.com")

    expect(page.get_by_role("alert")).to_have_text(re.compile("no longer valid"))
    expect(page.get_by_role("link", name="Go to My bookings")).to_have_attribute(
        "href", "/my-bookings"
    )
    assert_accessible(page)


def test_my_bookings_signed_out_offers_the_sign_in(new_context: NewContext) -> None:
    page = new_context(locale="pt-BR").new_page()
    page.goto("/my-bookings")
    expect(page.get_by_role("button", name="Entrar")).to_be_visible()
    assert_accessible(page)
