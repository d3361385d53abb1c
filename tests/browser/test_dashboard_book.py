"""The dashboard's "book a time" screen in a real browser against the local stack: a known
client found by search and booked on a free time by keyboard alone; a new client booked by
their details on another time, inside the minimum notice the public times keep (in English, at
360 px); two pages booking the same time (the second told it was taken, ?clientId= preselecting
its client); the free plan's client cap explained with the way to the plan. The rows in the
database and the client's confirmation at the stand-ins are checked; axe in each state."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
import requests
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_client
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible, tab_to
from tests.conftest import MakeProfessional, Professional, next_weekday, rows

pytestmark = pytest.mark.browser

# Zones spread round the clock: one of them is always in its working day.
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
EVERY_DAY = tuple((day, "00:00", "23:45") for day in range(7))


def delivered(stack: LocalStack, recipient: str, *, since: int) -> Any:
    """The first message to `recipient` the stand-ins received after their first `since`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in stack.providers.messages()[since:]:
            if message.recipient == recipient:
                return message
        time.sleep(0.2)
    raise AssertionError(f"no message to {recipient}")


def appointments_of(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT a.id, a.client_id, a.starts_at, a.status, a.payment_status, c.name, c.email,"
        " c.source FROM appointments a JOIN clients c ON c.id = a.client_id"
        " WHERE a.professional_id = :p ORDER BY a.starts_at",
        p=pro.id,
    )


def first_free_time(page: Page) -> str:
    """Chooses the picker's first day and its first time with the mouse; answers its start."""
    page.locator(".slot-day").first.click()
    first = page.locator(".slot-time").first
    first.click()
    expect(first).to_have_attribute("aria-pressed", "true")
    starts_at = first.get_attribute("data-starts-at")
    assert starts_at
    return starts_at


def same_instant(stored: datetime, iso: str) -> bool:
    return stored.astimezone(UTC) == datetime.fromisoformat(iso).astimezone(UTC)


def test_known_client_found_by_search_and_booked_on_a_free_time_by_keyboard(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    email = f"joana.{uuid.uuid4().hex[:8]}@example.com"
    client_id = add_client(db, pro, name="Joana Prado", email=email)
    add_client(db, pro, name="Pedro Lima", email=None)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/book")
    expect(page.get_by_role("heading", level=2, name="Cliente")).to_be_visible()
    expect(page.locator(".slot-day").first).to_be_visible()
    assert_accessible(page)

    # Keyboard only from here: the search, the client's radio, a day, a time, Book.
    tab_to(page, "#book-search")
    page.keyboard.type("joana")
    results = page.get_by_role("group", name="Clientes encontrados")
    expect(results.get_by_role("radio")).to_have_count(1)
    expect(page.get_by_text("1 cliente encontrado.")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(results.get_by_role("radio")).to_be_focused()
    page.keyboard.press("Space")
    expect(results.get_by_role("radio", name="Joana Prado")).to_be_checked()
    expect(page.get_by_text("Cliente: Joana Prado")).to_be_visible()

    tab_to(page, ".slot-day")
    page.keyboard.press("Enter")
    first_time = page.locator(".slot-time").first
    expect(first_time).to_be_focused()
    page.keyboard.press("Enter")
    expect(first_time).to_have_attribute("aria-pressed", "true")
    starts_at = first_time.get_attribute("data-starts-at")
    assert starts_at
    expect(page.get_by_text("Quando: ")).not_to_have_text("Quando: ainda não escolhido")

    since = len(stack.providers.messages())
    tab_to(page, ".dash-book button[type=submit]")
    page.keyboard.press("Enter")
    done = page.get_by_role("heading", level=2, name="Horário marcado")
    expect(done).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Joana Prado")).to_contain_text("Confirmado.")
    expect(page.get_by_role("link", name="Abrir a página de Joana Prado")).to_have_attribute(
        "href", f"/dashboard/clients/{client_id}"
    )
    expect(page.get_by_role("link", name="Ver a agenda de hoje")).to_have_attribute(
        "href", "/dashboard"
    )
    assert_accessible(page)

    [booked] = appointments_of(db, pro)
    assert booked["client_id"] == client_id
    assert booked["status"] == "confirmed"
    assert booked["payment_status"] == "none"
    assert same_instant(booked["starts_at"], starts_at)
    message = delivered(stack, email, since=since)
    assert "Joana" in (message.text or message.html or "")


def working_zone() -> str:
    """A zone whose clock reads between 06:00 and 15:59 now, so a time two hours on is still
    today with room for a session before the window ends."""
    for zone in ZONES:
        if 6 <= datetime.now(ZoneInfo(zone)).hour <= 15:
            return zone
    raise AssertionError("no zone in its working day")  # the zones cover every hour


def test_new_client_on_another_time_inside_the_notice_in_english_at_360_px(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    zone = working_zone()
    pro = make_professional(timezone=zone, session_duration=60, windows=EVERY_DAY)
    db.run(
        "UPDATE professionals SET locale = 'en', min_notice_minutes = 300 WHERE id = :id",
        id=pro.id,
    )
    now = datetime.now(ZoneInfo(zone))
    start = (now + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    public = requests.get(
        f"{api}/api/booking",
        params={"slug": pro.slug, "date": start.date().isoformat(), "days": "1"},
        timeout=30,
    ).json()
    offered = {slot["startsAt"] for day in public["days"] for slot in day["slots"]}
    assert not any(same_instant(start, iso) for iso in offered), "inside the notice, not public"

    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/book")
    expect(page.get_by_role("heading", level=2, name="Client")).to_be_visible()
    page.get_by_role("radio", name="A new client").check()
    email = f"walkin.{uuid.uuid4().hex[:8]}@example.com"
    page.get_by_label("Name").fill("Walk In Person")
    page.get_by_label("Phone (WhatsApp)").fill("(11) 91234-5678")
    page.get_by_label("Email (optional)").fill(email)
    page.get_by_role("radio", name="Another time").check()
    expect(page.get_by_label("Day", exact=True)).to_have_value(start.date().isoformat())
    page.get_by_label("Start time").fill(start.strftime("%H:%M"))
    expect(page.get_by_text("New client: Walk In Person")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    since = len(stack.providers.messages())
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="Time booked")).to_be_focused()
    expect(page.get_by_role("status").filter(has_text="Walk In Person")).to_contain_text(
        "Confirmed."
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_accessible(page)

    [booked] = appointments_of(db, pro)
    assert same_instant(booked["starts_at"], start.isoformat())
    assert booked["name"] == "Walk In Person"
    assert booked["email"] == email
    assert booked["source"] == "professional"
    assert booked["status"] == "confirmed"
    delivered(stack, email, since=since)


def test_two_pages_booking_one_time_the_second_is_told_it_was_taken(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 409")
    pro = make_professional()
    first_client = add_client(db, pro, name="Ana Primeira", email=None)
    second_client = add_client(db, pro, name="Bia Segunda", email=None)
    first = new_context(locale="pt-BR").new_page()
    second = new_context(locale="pt-BR").new_page()
    open_dashboard(first, stack, db, pro, f"/dashboard/book?clientId={first_client}")
    open_dashboard(second, stack, db, pro, f"/dashboard/book?clientId={second_client}")
    # ?clientId= chose the client already.
    expect(first.get_by_role("radio", name="Ana Primeira")).to_be_checked()
    expect(second.get_by_role("radio", name="Bia Segunda")).to_be_checked()
    starts_at = first_free_time(first)
    assert first_free_time(second) == starts_at

    first.get_by_role("button", name="Marcar", exact=True).click()
    expect(first.get_by_role("heading", level=2, name="Horário marcado")).to_be_visible()
    second.get_by_role("button", name="Marcar", exact=True).click()
    taken = "Este horário acabou de ser ocupado por outra reserva. Escolha outro."
    expect(second.locator(".slot-notice")).to_have_text(taken)
    expect(second.locator(".slot-notice")).to_be_focused()
    expect(second.get_by_role("alert").filter(has_text=taken).first).to_be_visible()
    # The picker was read again: the time is gone from it.
    expect(second.locator(f'.slot-time[data-starts-at="{starts_at}"]')).to_have_count(0)
    assert_accessible(second)

    [booked] = appointments_of(db, pro)
    assert booked["client_id"] == first_client


def test_the_free_plans_client_cap_is_explained_with_the_way_to_the_plan(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 403")
    pro = make_professional(plan="free")
    for number in range(10):
        add_client(db, pro, name=f"Cliente {number}", email=None)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/book")
    page.get_by_role("radio", name="Um cliente novo").check()
    page.get_by_label("Nome").fill("Décimo Primeiro")
    page.get_by_label("Telefone (WhatsApp)").fill("(11) 97777-1234")
    first_free_time(page)
    page.get_by_role("button", name="Marcar", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="O seu plano chegou ao limite")
    expect(alert).to_be_visible()
    expect(alert).to_be_focused()
    expect(alert.get_by_role("link", name="Ver os planos")).to_have_attribute(
        "href", "/dashboard/plan"
    )
    assert_accessible(page)
    assert appointments_of(db, pro) == []
    alert.get_by_role("link", name="Ver os planos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plano")


def test_missing_choices_and_refusals_are_said_at_their_fields(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = make_professional()
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/book")
    page.get_by_role("radio", name="Um cliente novo").check()
    page.get_by_role("button", name="Marcar", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="Corrija")).to_be_visible()
    name = page.get_by_label("Nome")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#book-name-error")).to_have_text("Digite o nome do cliente.")
    expect(page.locator("#book-slot-error")).to_have_text("Escolha um dia e um horário livre.")
    assert_accessible(page)
    # A phone the API refuses is said at the phone; a time off the hours, at the time.
    console_errors.expect(r"status of (400|409)")
    name.fill("Carla Dias")
    page.get_by_label("Telefone (WhatsApp)").fill("12")
    page.get_by_role("radio", name="Outro horário").check()
    page.get_by_label("Dia", exact=True).fill(next_weekday(2).isoformat())
    page.get_by_label("Hora de início").fill("09:10")
    page.get_by_role("button", name="Marcar", exact=True).click()
    phone = page.get_by_label("Telefone (WhatsApp)")
    expect(phone).to_be_focused()
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#book-phone-error")).not_to_be_empty()
    assert_accessible(page)

    phone.fill("(11) 96666-1234")
    page.get_by_role("button", name="Marcar", exact=True).click()
    start = page.get_by_label("Hora de início")
    expect(start).to_be_focused()
    expect(page.locator("#book-time-error")).to_contain_text("não está entre os seus horários")
    assert appointments_of(db, pro) == []
