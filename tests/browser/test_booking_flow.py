"""The booking widget on a professional's page, in a real browser against the local stack: the
free times, the form, what each answer of POST /api/booking looks like to the visitor, and the
appointment that lands in the database.

The other browser tests of the widget (test_booking_*.py, test_embed_*.py) share this file's
helpers: a professional's published page and the steps of picking a time."""

from __future__ import annotations

import re
import time
from datetime import datetime
from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import BrowserContext, Page, Route, expect

from infra.local.stack import LOCAL_APP_URL
from tests.browser.conftest import NewContext
from tests.browser.harness import (
    ConsoleErrors,
    assert_accessible,
    assert_focus_visible,
    fresh_client_ip,
    tab_to,
)
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.browser

DEMO = "dr-ana"
PHONE = "(11) 98765-4321"
# The booking rate limit (POST /api/booking): 5 per 10 minutes per client address.
BOOKING_LIMIT = 5


def published(api: str, slug: str, *, timeout: float = 20.0) -> str:
    """The path of the professional's page once the site has it: the page sweep runs now
    rather than at its next minute, and the page is read until it answers."""
    requests.post(f"{api}/_local/schedules/SitePages", timeout=30)
    deadline = time.monotonic() + timeout
    while True:
        if requests.get(f"{api}/p/{slug}", timeout=10).status_code == 200:
            return f"/p/{slug}"
        if time.monotonic() > deadline:
            raise AssertionError(f"/p/{slug} was never published")
        time.sleep(0.25)


def page_of(api: str, pro: Professional) -> str:
    return published(api, pro.slug)


def app_address_is_the_stack(context: BrowserContext, api: str) -> None:
    """The test stack's links (manage links, Checkout's return addresses) name APP_BASE_URL,
    make dev's address, while its gateway has a port of its own: in this context that address
    leads to the stack, as the site's domain leads to the distribution."""

    def to_stack(route: Route) -> None:
        path = route.request.url.removeprefix(LOCAL_APP_URL)
        route.fulfill(status=302, headers={"location": f"{api}{path}"})

    context.route(f"{LOCAL_APP_URL}/**", to_stack)


def open_times(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator(".slot-day").first).to_be_visible()


def choose_first_time(page: Page | Any) -> str:
    """Clicks the first day with free times and its first time; answers the slot's startsAt.
    `page` may be a frame (FrameLocator) as well."""
    page.locator(".slot-day").first.click()
    first = page.locator(".slot-time").first
    expect(first).to_be_focused()
    starts_at = first.get_attribute("data-starts-at")
    assert starts_at
    first.click()
    expect(page.locator(".booking-form")).to_be_visible()
    return starts_at


def fill_form(page: Page | Any, name: str, phone: str = PHONE, email: str = "") -> None:
    form = page.locator(".booking-form")
    form.locator('input[name="clientName"]').fill(name)
    form.locator('input[name="clientPhone"]').fill(phone)
    form.locator('input[name="clientEmail"]').fill(email)


def submit(page: Page | Any) -> None:
    page.locator(".booking-form").locator('button[type="submit"]').click()


def appointments(db: pg8000.native.Connection, slug: str) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT a.id, a.status, a.starts_at, a.ends_at, c.name, c.phone, c.email"
        " FROM appointments a JOIN clients c ON c.id = a.client_id"
        " JOIN professionals p ON p.id = a.professional_id"
        " WHERE p.slug = :slug ORDER BY a.created_at",
        slug=slug,
    )


def booked_at(db: pg8000.native.Connection, slug: str, starts_at: str) -> list[dict[str, Any]]:
    instant = datetime.fromisoformat(starts_at)
    return [a for a in appointments(db, slug) if a["starts_at"] == instant]


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width}px wide in a {viewport}px window"


# -- the whole flow, by keyboard alone -----------------------------------------------------


def test_a_visitor_books_by_keyboard_alone_and_the_appointment_is_stored(
    page: Page, api: str, db: pg8000.native.Connection
) -> None:
    page.goto(published(api, DEMO))
    expect(page.locator(".slot-day").first).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    assert_accessible(page)

    focused = tab_to(page, ".slot-day", limit=60)
    assert_focus_visible(focused)
    # tab_to answers whatever has the focus; the day itself stays this one.
    day = page.locator(f'.slot-day[data-date="{focused.get_attribute("data-date")}"]')
    page.keyboard.press("Enter")
    expect(day).to_have_attribute("aria-pressed", "true")
    # The focus goes to the day's first time, and a polite region says how many there are.
    first_time = page.locator(".slot-time").first
    expect(first_time).to_be_focused()
    assert_focus_visible(first_time)
    status = page.locator(".slot-picker [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    expect(status).to_have_text(re.compile(r"^\d+ horários? em \S+"))
    assert_accessible(page)

    starts_at = first_time.get_attribute("data-starts-at")
    assert starts_at
    page.keyboard.press("Enter")
    expect(first_time).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("heading", name="Seus dados")).to_be_focused()

    page.keyboard.press("Tab")
    expect(page.get_by_label("Nome")).to_be_focused()
    page.keyboard.type("Maria Teclado")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Telefone (WhatsApp)")).to_be_focused()
    page.keyboard.type(PHONE)
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mail (opcional)")).to_be_focused()
    page.keyboard.type("maria.teclado@example.com")
    # The honeypot is skipped: the next stop is the button.
    page.keyboard.press("Tab")
    submit_button = page.get_by_role("button", name="Agendar", exact=True)
    expect(submit_button).to_be_focused()
    assert_focus_visible(submit_button)
    page.keyboard.press("Enter")

    done = page.get_by_role("heading", name="Pedido de agendamento enviado")
    expect(done).to_be_focused()
    expect(page.locator(".booking-thanks")).to_have_text("Obrigado, Maria Teclado.")
    assert_accessible(page)

    [stored] = booked_at(db, DEMO, starts_at)
    assert stored["status"] == "pending_confirmation"
    assert stored["name"] == "Maria Teclado"
    assert stored["phone"] == "+5511987654321"
    assert stored["email"] == "maria.teclado@example.com"


def test_the_honeypot_is_hidden_from_people_keyboards_and_screen_readers(
    page: Page, api: str
) -> None:
    open_times(page, published(api, DEMO))
    choose_first_time(page)
    trap = page.locator('input[name="website"]')
    assert trap.get_attribute("tabindex") == "-1"
    assert trap.get_attribute("autocomplete") == "off"
    assert trap.evaluate("(el) => el.closest('[aria-hidden=true]') !== null")
    box = trap.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 0 or box["width"] <= 1
    # Not in the accessibility tree at all: no textbox of that name.
    expect(page.get_by_role("textbox", name="Deixe este campo em branco")).to_have_count(0)


# -- the answers that are not a booking ------------------------------------------------------


def test_field_errors_show_at_their_fields_at_360_px(
    new_context: NewContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    # Chromium reports every answer of 400 and more as a failed load: these are the point.
    console_errors.expect(r"status of 400", source=f"{api}/api/booking")
    pro = make_professional()
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.method) if r.url.endswith("/api/booking") else None)
    open_times(page, page_of(api, pro))
    choose_first_time(page)
    no_horizontal_scroll(page)

    # Nothing typed: said at once, without a request the rate limit would count.
    submit(page)
    name = page.get_by_label("Nome")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    assert "POST" not in sent

    # A phone the API refuses: its message at the phone field, which takes the focus.
    fill_form(page, "Ana Campos", phone="123")
    submit(page)
    phone = page.get_by_label("Telefone (WhatsApp)")
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(name).not_to_have_attribute("aria-invalid", "true")
    described = (phone.get_attribute("aria-describedby") or "").split()
    error = page.locator(".booking-form .field-error:visible")
    expect(error).to_have_count(1)
    error_id = error.get_attribute("id")
    assert error_id in described
    expect(error).not_to_have_text("")
    expect(page.locator(".booking-error")).to_have_text("Confira os campos marcados.")
    assert "POST" in sent
    no_horizontal_scroll(page)
    assert_accessible(page)
    assert appointments(db, pro.slug) == []

    # Corrected, it goes through and the error is gone.
    phone.fill(PHONE)
    submit(page)
    expect(page.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_focused()
    no_horizontal_scroll(page)
    assert len(appointments(db, pro.slug)) == 1


def test_two_visitors_race_for_one_time_and_the_second_is_told_and_shown_fresh_times(
    new_context: NewContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 409", source=f"{api}/api/booking")
    pro = make_professional()
    path = page_of(api, pro)
    first = new_context().new_page()
    second = new_context().new_page()
    open_times(first, path)
    open_times(second, path)
    taken = choose_first_time(first)
    assert choose_first_time(second) == taken
    fill_form(first, "Primeira Pessoa")
    fill_form(second, "Segunda Pessoa", phone="(21) 99876-5432")

    submit(first)
    expect(first.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    submit(second)
    notice = second.locator(".slot-notice")
    expect(notice).to_have_text(
        "Esse horário acabou de ser reservado por outra pessoa. Escolha outro horário."
    )
    expect(notice).to_be_focused()
    assert notice.get_attribute("role") == "alert"
    expect(second.locator(".booking-form")).to_be_hidden()
    # The same day again, without the time that went.
    expect(second.locator(".slot-time").first).to_be_visible()
    assert taken not in second.locator(".slot-time").evaluate_all(
        "(els) => els.map((el) => el.dataset.startsAt)"
    )
    assert_accessible(second)
    [stored] = appointments(db, pro.slug)
    assert stored["name"] == "Primeira Pessoa"

    # What the second visitor typed is still there for the next time they choose.
    second.locator(".slot-time").first.click()
    expect(second.get_by_label("Nome")).to_have_value("Segunda Pessoa")
    submit(second)
    expect(second.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    assert sorted(a["name"] for a in appointments(db, pro.slug)) == [
        "Primeira Pessoa",
        "Segunda Pessoa",
    ]


def test_a_rate_limited_visitor_is_told_when_to_try_again(
    new_context: NewContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 429", source=f"{api}/api/booking")
    pro = make_professional()
    address = fresh_client_ip()
    # The limit counts every attempt from the address, valid or not (it comes first).
    for _ in range(BOOKING_LIMIT):
        requests.post(
            f"{api}/api/booking",
            data="{}",
            headers={"content-type": "application/json", "x-forwarded-for": address},
            timeout=30,
        )
    page = new_context(client_ip=address).new_page()
    open_times(page, page_of(api, pro))
    choose_first_time(page)
    fill_form(page, "Rita Pressa")
    submit(page)
    message = page.locator(".booking-error")
    expect(message).to_be_focused()
    expect(message).to_have_text(
        re.compile(r"^Muitas tentativas seguidas\. Tente de novo em \d+ min, às \d{2}:\d{2}\.$")
    )
    minutes = int(re.findall(r"em (\d+) min", message.text_content() or "")[0])
    assert 1 <= minutes <= 10
    expect(page.get_by_label("Nome")).to_have_value("Rita Pressa")
    assert_accessible(page)
    assert appointments(db, pro.slug) == []


def test_a_failed_network_keeps_what_was_typed_and_a_retry_books(
    context: BrowserContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"Failed to load resource|ERR_FAILED")
    pro = make_professional()
    page = context.new_page()
    open_times(page, page_of(api, pro))
    choose_first_time(page)
    fill_form(page, "Lia Offline", email="lia@example.com")

    def drop_bookings(route: Any) -> None:
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route("**/api/booking", drop_bookings)
    submit(page)
    message = page.locator(".booking-error")
    expect(message).to_have_text(
        "Não conseguimos enviar agora. Seus dados continuam aqui: tente de novo em instantes."
    )
    expect(message).to_be_focused()
    expect(page.get_by_label("Nome")).to_have_value("Lia Offline")
    expect(page.get_by_label("E-mail (opcional)")).to_have_value("lia@example.com")
    assert appointments(db, pro.slug) == []

    page.unroute("**/api/booking")
    submit(page)
    expect(page.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    [stored] = appointments(db, pro.slug)
    assert stored["email"] == "lia@example.com"


# -- what is shown is text ---------------------------------------------------------------


def test_a_name_with_markup_is_shown_as_text_on_the_success_screen(
    page: Page, api: str, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    name = '<img src=x onerror="window.__injected=1"><script>window.__injected=2</script>'
    open_times(page, page_of(api, pro))
    choose_first_time(page)
    fill_form(page, name)
    submit(page)
    expect(page.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    expect(page.locator(".booking-thanks")).to_have_text(f"Obrigado, {name}.")
    assert page.locator(".booking-done img, .booking-done script").count() == 0
    assert page.evaluate("window.__injected") is None
    [stored] = appointments(db, pro.slug)
    assert stored["name"] == name


# -- the other language ------------------------------------------------------------------


def test_an_english_speaking_professionals_page_books_in_english_with_the_visitors_clock(
    new_context: NewContext,
    api: str,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional(timezone="America/New_York")
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=pro.id)
    # A visitor in Lisbon: their own clock beside the professional's.
    page = new_context(timezone_id="Europe/Lisbon", locale="en-GB").new_page()
    open_times(page, page_of(api, pro))
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.get_by_role("heading", name="Choose a day")).to_be_visible()
    page.locator(".slot-day").first.click()
    expect(page.locator(".slot-picker [role=status]")).to_have_text(
        re.compile(r"^\d+ times? on \S+")
    )
    first = page.locator(".slot-time").first
    expect(first.locator(".slot-time-local")).to_have_text(
        re.compile(r"^\(.*\d{2}:\d{2} your time\)$")
    )
    assert_accessible(page)
    starts_at = first.get_attribute("data-starts-at")
    assert starts_at
    first.click()
    expect(page.get_by_role("heading", name="Your details")).to_be_focused()
    expect(page.locator(".booking-chosen-local")).to_have_text(re.compile(r"^Your time: "))
    page.get_by_label("Name").fill("John Reader")
    page.get_by_label("Phone (WhatsApp)").fill("+1 212 555 0199")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Booking request sent")).to_be_focused()
    expect(page.locator(".booking-thanks")).to_have_text("Thank you, John Reader.")
    expect(page.get_by_role("link", name="Download for your calendar (.ics)")).to_be_visible()
    assert_accessible(page)
    [stored] = booked_at(db, pro.slug, starts_at)
    assert stored["phone"] == "+12125550199"
