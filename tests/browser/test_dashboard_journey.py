"""A new professional's first day, in two real browsers against the local stack: signs up on
the dashboard, sets the week's hours, and the public page offers them; a customer books in a
second browser; the professional confirms the request from Today, and the customer's
confirmation reaches the messages stand-in; then reschedules it and cancels it from the
Appointments screen, each change in the database and in a message to the customer."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pg8000.native
import pytest
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import sign_in_through_dev_page
from tests.browser.harness import ConsoleErrors, assert_accessible
from tests.browser.test_dashboard_appointments import delivered
from tests.browser.test_dashboard_availability import type_time
from tests.conftest import rows
from tests.e2e.test_professional_pages import published

pytestmark = pytest.mark.browser


def sign_up(page: Page, *, email: str, slug: str) -> None:
    """The sign-up form, filled as a person does: the slug replaced, every required field."""
    page.goto("/dashboard")
    sign_in_through_dev_page(page, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Crie a sua página")
    page.get_by_label("Seu nome, como os clientes vão ver").fill("Dra. Beatriz Lima")
    page.get_by_label("Endereço da sua página").fill(slug)
    expect(page.locator("#signup-slug-status")).to_have_text(f"O endereço {slug} está livre.")
    page.get_by_label("Profissão").fill("Psicóloga")
    page.get_by_label("WhatsApp").fill(f"(11) 9{uuid.uuid4().int % 10**8:08d}")
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Criar a minha página").click()
    page.wait_for_url(re.compile(r"/dashboard/availability$"))


def set_weekday_mornings(page: Page) -> None:
    """Monday 09:00 to 12:00, copied to Tuesday to Friday, saved."""
    monday = page.locator(".avail-day").first
    monday.locator(".avail-add").click()
    page.get_by_label("Segunda-feira, intervalo 1, das").focus()
    type_time(page, "09:00")
    page.get_by_label("Segunda-feira, intervalo 1, até").focus()
    type_time(page, "12:00")
    monday.locator(".avail-copy").click()
    for day in ("Terça-feira", "Quarta-feira", "Quinta-feira", "Sexta-feira"):
        page.get_by_label(day, exact=True).check()
    page.locator(".avail-copy-question .account-primary").click()
    page.get_by_role("button", name="Salvar", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Horários salvos.")).to_be_visible()


def book_first_time(page: Page, *, name: str, phone: str, email: str) -> str:
    """On the public page: the first day with times, its first time, the form; answers the
    time's instant as the widget offered it."""
    page.locator(".slot-day").first.click()
    first = page.locator(".slot-time").first
    starts_at = first.get_attribute("data-starts-at")
    assert starts_at
    first.click()
    page.get_by_label("Nome").fill(name)
    page.get_by_label("Telefone (WhatsApp)").fill(phone)
    page.get_by_label("E-mail (opcional)").fill(email)
    page.get_by_role("button", name="Agendar", exact=True).click()
    expect(page.get_by_role("heading", name="Pedido de agendamento enviado")).to_be_visible()
    return starts_at


def test_sign_up_set_hours_take_a_booking_confirm_reschedule_and_cancel_it(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 404")  # GET /api/account before the sign-up
    email = f"journey-{uuid.uuid4().hex[:10]}@example.com"
    slug = f"dra-beatriz-{uuid.uuid4().hex[:8]}"
    professional = new_context(locale="pt-BR", timezone_id="America/Sao_Paulo").new_page()

    sign_up(professional, email=email, slug=slug)
    set_weekday_mornings(professional)
    assert_accessible(professional)
    [account] = rows(db, "SELECT id FROM professionals WHERE slug = :s", s=slug)
    assert rows(
        db,
        "SELECT DISTINCT to_char(start_time, 'HH24:MI') AS s, to_char(end_time, 'HH24:MI') AS e"
        " FROM availability WHERE professional_id = :p",
        p=account["id"],
    ) == [{"s": "09:00", "e": "12:00"}]

    # The customer, in a browser of their own, sees the new hours on the public page.
    published(api, slug)
    customer = new_context(locale="pt-BR", timezone_id="America/Sao_Paulo").new_page()
    customer.goto(f"/p/{slug}")
    expect(customer.get_by_role("heading", level=1)).to_have_text("Dra. Beatriz Lima")
    client_email = f"cliente-{uuid.uuid4().hex[:10]}@example.com"
    starts_at = book_first_time(
        customer, name="Rafael Cliente", phone="(21) 98888-1234", email=client_email
    )
    assert starts_at.split("T")[1].startswith("09:00")
    [booked] = rows(
        db,
        "SELECT id, status, starts_at FROM appointments WHERE professional_id = :p",
        p=account["id"],
    )
    assert booked["status"] == "pending_confirmation"
    assert booked["starts_at"] == datetime.fromisoformat(starts_at).astimezone(UTC)

    # The professional confirms it from Today; the customer's confirmation is sent.
    professional.get_by_role("navigation", name="Painel").get_by_role("link", name="Hoje").click()
    request = professional.locator(f'article[data-appointment="{booked["id"]}"]')
    expect(request).to_contain_text("Rafael Cliente")
    assert_accessible(professional)
    since = len(stack.providers.messages())
    request.get_by_role("button", name="Confirmar").click()
    expect(request.locator('.dash-appointment-result[role="status"]')).to_have_text(
        "Confirmado. Rafael Cliente recebe a confirmação."
    )
    assert rows(db, "SELECT status FROM appointments WHERE id = :a", a=booked["id"]) == [
        {"status": "confirmed"}
    ]
    confirmation = delivered(stack, client_email, since=since, subject="confirmado")
    assert f"/manage/{booked['id']}?token=" in (confirmation.text or "")

    # Rescheduled from the Appointments screen to the next day's first time.
    professional.get_by_role("link", name="Agenda", exact=True).click()
    upcoming = professional.locator(f'article[data-appointment="{booked["id"]}"]')
    upcoming.get_by_role("button", name="Remarcar").click()
    later_day = upcoming.locator(".slot-day").nth(1)
    later_day.click()
    target = upcoming.locator(".slot-time").first
    new_start = target.get_attribute("data-starts-at")
    assert new_start
    target.click()
    since = len(stack.providers.messages())
    upcoming.get_by_role("button", name="Sim, remarcar").click()
    expect(upcoming.locator('.dash-appointment-result[role="status"]')).to_contain_text(
        "Remarcado para"
    )
    assert rows(db, "SELECT starts_at FROM appointments WHERE id = :a", a=booked["id"]) == [
        {"starts_at": datetime.fromisoformat(new_start).astimezone(UTC)}
    ]
    delivered(stack, client_email, since=since, subject="remarcado")
    assert_accessible(professional)

    # And cancelled: the customer is told, the time is free again.
    since = len(stack.providers.messages())
    upcoming.get_by_role("button", name="Cancelar").click()
    upcoming.get_by_role("button", name="Sim, cancelar").click()
    expect(upcoming.locator('.dash-appointment-result[role="status"]')).to_contain_text(
        "Horário cancelado."
    )
    assert rows(db, "SELECT status FROM appointments WHERE id = :a", a=booked["id"]) == [
        {"status": "cancelled"}
    ]
    delivered(stack, client_email, since=since, subject="cancelado")
    customer.goto(f"/p/{slug}")
    customer.locator(f'.slot-day[data-date="{new_start[:10]}"]').click()
    expect(customer.locator(f'.slot-time[data-starts-at="{new_start}"]')).to_be_visible()
