"""The Show's privacy test in a real browser: a private note with a unique marker, written from
the dashboard about a client who has a confirmed booking, its guest link and a registered
account, appears on none of the pages the client (or anyone) can see: the manage page of the
guest link with its thread, /my-bookings signed in as the client, the public page /p/{slug}
and the embed /embed/{slug}. Each page's content and the body of every answer the page
received are searched. English at 360 px; axe on each page."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Response, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import PROFESSION, add_appointment, guest_token
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import assert_accessible
from tests.conftest import MakeProfessional, rows

pytestmark = pytest.mark.browser


class Answers:
    """Every answer a page received, its body read once the page has settled."""

    def __init__(self, page: Page) -> None:
        self.responses: list[Response] = []
        page.on("response", self.keep)

    def keep(self, response: Response) -> None:
        self.responses.append(response)

    def bodies(self) -> list[tuple[str, str]]:
        read: list[tuple[str, str]] = []
        for response in self.responses:
            # A redirect or an aborted request has no body: its headers are still searched.
            try:
                body = response.body()
            except PlaywrightError:
                body = b""
            headers = " ".join(f"{k}: {v}" for k, v in response.headers.items())
            read.append((response.url, headers + "\n" + body.decode("utf-8", "replace")))
        return read


def assert_nowhere(page: Page, answers: Answers, marker: str, what: str) -> list[str]:
    """The marker is neither in the page nor in any answer it received; answers the addresses
    of the answers searched."""
    assert marker not in page.content(), f"the note is on {what}"
    assert marker not in page.locator("body").inner_text(), f"the note is on {what}"
    bodies = answers.bodies()
    leaks = [url for url, body in bodies if marker in body]
    assert leaks == [], f"the note is in answers to {what}: {leaks}"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    return [url for url, _ in bodies]


def test_a_private_note_shows_on_no_page_the_client_or_the_public_can_see(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional(profession=PROFESSION, timezone="America/New_York")
    db.run("UPDATE professionals SET locale = 'en', currency = 'USD' WHERE id = :id", id=pro.id)
    assert stack.sign_in is not None
    email = f"client-{uuid.uuid4().hex[:10]}@example.com"
    client_sub = stack.sign_in.subject(email)
    # A registered client: their account, and the professional's row of them claimed by it.
    db.run(
        "INSERT INTO client_accounts (user_id, name, email, language)"
        " VALUES (:u, 'Ann Example', :e, 'en')",
        u=client_sub,
        e=email,
    )
    client: uuid.UUID = db.run(
        "INSERT INTO clients (professional_id, user_id, name, phone, email)"
        " VALUES (:p, :u, 'Ann Example', :ph, :e) RETURNING id",
        p=pro.id,
        u=client_sub,
        ph=f"+1646555{uuid.uuid4().int % 10**4:04d}",
        e=email,
    )[0][0]
    appointment = add_appointment(db, pro, client, datetime.now(UTC) + timedelta(days=3))
    manage = f"/manage/{appointment}?token={guest_token(stack, appointment)}"
    marker = f"PRIVATE-NOTE-{uuid.uuid4().hex}"

    # The professional writes the note from the dashboard, and a message so the thread has one.
    dashboard = new_context(locale="en-US", viewport={"width": 360, "height": 780}).new_page()
    written = Answers(dashboard)
    open_dashboard(dashboard, stack, db, pro, f"/dashboard/clients/{client}")
    dashboard.get_by_label("New note").fill(f"Session notes {marker}: anxiety, follow up.")
    dashboard.get_by_role("button", name="Save the note").click()
    expect(dashboard.get_by_role("status").filter(has_text="Note saved.")).to_be_visible()
    expect(dashboard.locator(".dash-note-text")).to_contain_text(marker)
    dashboard.get_by_label("Your message to Ann Example").fill("See you on Thursday.")
    dashboard.get_by_role("button", name="Send").click()
    expect(dashboard.locator(".thread-status")).to_have_text("Message sent.")
    assert_accessible(dashboard)
    [note] = rows(db, "SELECT body FROM client_notes WHERE client_id = :c", c=client)
    assert marker in note["body"]
    # The search below finds the marker where it is: in the dashboard's own answers.
    assert any(marker in body and "/notes" in url for url, body in written.bodies())

    visitor = new_context(locale="en-US", viewport={"width": 360, "height": 780})
    page = visitor.new_page()
    searched: list[str] = []

    # The manage page through the guest link, its thread open.
    answers = Answers(page)
    page.goto(f"{manage}#messages")
    expect(page.locator(".thread-message")).to_have_count(1)
    expect(page.locator(".thread-text")).to_have_text("See you on Thursday.")
    assert_accessible(page)
    searched += assert_nowhere(page, answers, marker, "the manage page")

    # /my-bookings signed in as the client (the dev authority's page).
    page = visitor.new_page()
    answers = Answers(page)
    page.goto("/my-bookings")
    page.get_by_role("button", name=re.compile("^Sign in")).click()
    page.wait_for_url(re.compile(r"/local-auth/authorize\?"))
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{api}/my-bookings")
    expect(
        page.locator("#upcoming-list").get_by_role("link", name=f"Dra. {pro.slug}")
    ).to_be_visible()
    assert_accessible(page)
    searched += assert_nowhere(page, answers, marker, "/my-bookings")

    # The public page, written again by the sweep, and the embed.
    swept = requests.post(f"{api}/_local/schedules/SitePages", timeout=60)
    assert swept.status_code == 200, swept.text
    page = visitor.new_page()
    answers = Answers(page)
    response = page.goto(f"/p/{pro.slug}")
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dra. {pro.slug}")
    expect(page.locator("#booking-widget button").first).to_be_visible()
    assert_accessible(page)
    searched += assert_nowhere(page, answers, marker, f"/p/{pro.slug}")

    page = visitor.new_page()
    answers = Answers(page)
    response = page.goto(f"/embed/{pro.slug}")
    assert response is not None
    assert response.status == 200
    expect(page.locator(".slot-day").first).to_be_visible()
    assert_accessible(page)
    searched += assert_nowhere(page, answers, marker, f"/embed/{pro.slug}")

    # The search read the pages' real API answers, not nothing.
    for route in (
        "/api/guest/appointments/",
        "/messages",
        "/api/client-profile",
        "/api/professionals/",
    ):
        assert any(route in url for url in searched), route
