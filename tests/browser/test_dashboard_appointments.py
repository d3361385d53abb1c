"""The dashboard's appointments in a real browser against the local stack: Today (the requests
waiting, confirmed and declined right there, the message reaching the client; the day's agenda;
the empty state), the Appointments views (cancel and reschedule by keyboard, paid, complete and
no-show on a session that has started, "show more" past 20), the week view and its links, the
409s explained in words (a change made meanwhile, a time taken while the picker was open), and
the English version at 360 px. Axe on every state reached. Appointments are written straight
into the database (any status, any time) or booked through the API."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
from playwright.sync_api import Locator, Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    changes,
    new_english_professional,
    new_professional,
    snapshot,
)
from tests.browser.conftest import NewContext
from tests.browser.dashboard_helpers import open_dashboard
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible, tab_to
from tests.conftest import MakeProfessional, Professional, next_weekday

pytestmark = pytest.mark.browser


def client_of(db: pg8000.native.Connection, pro: Professional, name: str) -> tuple[uuid.UUID, str]:
    """A client of `pro` with an email of their own (messages are found by recipient)."""
    email = f"cliente.{uuid.uuid4().hex[:10]}@example.com"
    return add_client(db, pro, name=name, email=email), email


def card(page: Page, appointment: uuid.UUID) -> Locator:
    return page.locator(f'article[data-appointment="{appointment}"]')


def result(appointment_card: Locator) -> Locator:
    """The card's own status line (the picker inside a card has one of its own)."""
    return appointment_card.locator('.dash-appointment-result[role="status"]')


def delivered(stack: LocalStack, recipient: str, *, since: int, subject: str) -> Any:
    """The first message to `recipient` after the stand-in's first `since`, with `subject` in
    its subject, once it is there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in stack.providers.messages()[since:]:
            if message.recipient == recipient and subject in (message.subject or ""):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no message to {recipient} with {subject!r} in its subject")


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px viewport"


def local_today(pro: Professional) -> date:
    return datetime.now(ZoneInfo(pro.timezone)).date()


def test_today_confirm_and_decline_requests_and_the_day(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    day = next_weekday(2)
    first, first_email = client_of(db, pro, "Ana Pedido")
    second, second_email = client_of(db, pro, "Bruno Pedido")
    today_client, _ = client_of(db, pro, "Carla Hoje")
    to_confirm = add_appointment(
        db, pro, first, pro.at(day, "09:00"), status="pending_confirmation"
    )
    to_decline = add_appointment(
        db, pro, second, pro.at(day, "10:00"), status="pending_confirmation"
    )
    of_today = add_appointment(db, pro, today_client, pro.at(local_today(pro), "12:00"))

    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro)
    requests_part = page.get_by_role("region", name="Pedidos aguardando resposta")
    expect(requests_part.locator("article")).to_have_count(2)
    agenda = page.get_by_role("region", name=re.compile(r"^Agenda de hoje"))
    expect(agenda.locator(f'article[data-appointment="{of_today}"]')).to_contain_text("Carla Hoje")
    expect(agenda.get_by_role("link", name="Marcar um horário")).to_have_attribute(
        "href", "/dashboard/book"
    )
    # The soonest request first, with the client's details and only a request's actions.
    first_card = card(page, to_confirm)
    expect(requests_part.locator("article").first).to_have_attribute(
        "data-appointment", str(to_confirm)
    )
    expect(first_card.get_by_role("link", name="Ana Pedido")).to_have_attribute(
        "href", f"/dashboard/clients/{first}"
    )
    expect(first_card.locator('a[href^="tel:+55"]')).to_have_count(1)
    expect(first_card.get_by_role("link", name=first_email)).to_be_visible()
    expect(first_card).to_contain_text("aguardando a sua confirmação")
    expect(first_card.locator("button")).to_have_text(
        ["Confirmar", "Recusar", "Marcar como pago", "Remarcar", "Cancelar"]
    )
    assert_accessible(page)

    # Confirm by keyboard.
    since = len(stack.providers.messages())
    first_card.locator('button[data-action="confirm"]').focus()
    page.keyboard.press("Enter")
    said = result(first_card)
    expect(said).to_have_text("Confirmado. Ana Pedido recebe a confirmação.")
    expect(said).to_be_focused()
    expect(first_card).to_contain_text("Situação: confirmado")
    expect(first_card.locator('button[data-action="confirm"]')).to_have_count(0)
    assert snapshot(db, to_confirm)["status"] == "confirmed"
    delivered(stack, first_email, since=since, subject="Horário confirmado")
    assert_accessible(page)

    # Decline with a reason: asked first, then the reason reaches the client.
    second_card = card(page, to_decline)
    second_card.get_by_role("button", name="Recusar").click()
    question = second_card.locator(".account-question")
    expect(question).to_be_focused()
    expect(question).to_contain_text("Recusar o pedido de Bruno Pedido")
    assert_accessible(page)
    second_card.get_by_label("Motivo (opcional)").fill("Estarei em um congresso")
    since = len(stack.providers.messages())
    second_card.get_by_role("button", name="Sim, recusar").click()
    expect(result(second_card)).to_have_text("Pedido recusado. Bruno Pedido foi avisado(a).")
    expect(second_card).to_contain_text("Situação: recusado")
    expect(second_card.locator("button")).to_have_count(0)
    assert snapshot(db, to_decline)["status"] == "rejected"
    assert changes(db, to_decline)[-1]["reason"] == "Estarei em um congresso"
    message = delivered(stack, second_email, since=since, subject="não foi confirmado")
    assert "Estarei em um congresso" in (message.text or "")
    assert_accessible(page)


def test_today_empty(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro)
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Pedidos aguardando resposta", re.compile(r"^Agenda de hoje, ")]
    )
    expect(page.get_by_text("Nenhum pedido aguardando resposta.")).to_be_visible()
    expect(page.get_by_text("Nada marcado para hoje.")).to_be_visible()
    expect(page.get_by_role("button", name="Mostrar mais pedidos")).to_be_hidden()
    assert_accessible(page)


def test_cancel_and_reschedule_by_keyboard(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    day = next_weekday(2)
    target_day = next_weekday(4)
    who, email = client_of(db, pro, "Diana Cancela")
    mover, _ = client_of(db, pro, "Eduardo Remarca")
    to_cancel = add_appointment(db, pro, who, pro.at(day, "09:00"))
    to_move = add_appointment(db, pro, mover, pro.at(day, "10:00"))

    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/appointments")
    tabs = page.get_by_role("navigation", name="Visões da agenda")
    expect(tabs.get_by_role("link", name="Próximos")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", level=2, name="Próximos")).to_be_visible()
    expect(page.locator("article.dash-appointment")).to_have_count(2)
    assert_accessible(page)

    # Cancel: Tab to the button, Enter, the reason typed, the late cancellation left off.
    focused = tab_to(
        page, f'article[data-appointment="{to_cancel}"] button[data-action="cancel"]', limit=60
    )
    assert_focus_visible(focused)
    page.keyboard.press("Enter")
    cancelling = card(page, to_cancel)
    expect(cancelling.locator(".account-question")).to_be_focused()
    late = cancelling.get_by_label("Contar como cancelamento tardio do cliente")
    expect(late).not_to_be_checked()
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(cancelling.get_by_label("Motivo (opcional)")).to_be_focused()
    page.keyboard.type("Imprevisto de saúde")
    page.keyboard.press("Tab")
    expect(late).to_be_focused()
    page.keyboard.press("Tab")
    expect(cancelling.get_by_role("button", name="Sim, cancelar")).to_be_focused()
    since = len(stack.providers.messages())
    page.keyboard.press("Enter")
    expect(result(cancelling)).to_have_text("Horário cancelado. Diana Cancela foi avisado(a).")
    expect(result(cancelling)).to_be_focused()
    row = snapshot(db, to_cancel)
    assert row["status"] == "cancelled"
    last = changes(db, to_cancel)[-1]
    assert last["reason"] == "Imprevisto de saúde"
    assert (
        db.run("SELECT late_cancellation FROM appointments WHERE id = :a", a=to_cancel)[0][0]
        is False
    )
    delivered(stack, email, since=since, subject="foi cancelado")
    assert_accessible(page)

    # Reschedule: the picker's day and time by keyboard, then the question.
    moving = card(page, to_move)
    moving.locator('button[data-action="reschedule"]').focus()
    page.keyboard.press("Enter")
    expect(moving.locator(".account-question").first).to_be_focused()
    day_button = moving.locator(f'.slot-day[data-date="{target_day.isoformat()}"]')
    expect(day_button).to_be_visible()
    assert_accessible(page)
    tab_to(
        page,
        f'article[data-appointment="{to_move}"] .slot-day[data-date="{target_day.isoformat()}"]',
    )
    page.keyboard.press("Enter")
    time_selector = (
        f'article[data-appointment="{to_move}"]'
        f' .slot-time[data-starts-at^="{target_day.isoformat()}T14:00"]'
    )
    tab_to(page, time_selector)
    page.keyboard.press("Enter")
    yes = moving.get_by_role("button", name="Sim, remarcar")
    expect(yes).to_be_focused()
    expect(moving.locator(".dash-appointment-move .account-question")).to_contain_text(
        "Remarcar Eduardo Remarca para"
    )
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(result(moving)).to_contain_text("Remarcado para")
    expect(moving.get_by_role("heading", level=3)).to_contain_text("14:00")
    moved = snapshot(db, to_move)
    assert moved["starts_at"] == pro.at(target_day, "14:00").astimezone(UTC)
    assert moved["status"] == "confirmed"
    assert_accessible(page)


def test_paid_complete_and_no_show_once_started(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    came, _ = client_of(db, pro, "Fabio Veio")
    missed, _ = client_of(db, pro, "Gabi Faltou")
    later, _ = client_of(db, pro, "Hugo Depois")
    attended = add_appointment(db, pro, came, now - timedelta(minutes=50), minutes=10)
    absent = add_appointment(db, pro, missed, now - timedelta(minutes=30), minutes=10)
    not_yet = add_appointment(db, pro, later, pro.at(next_weekday(2), "09:00"))

    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/appointments?view=past")
    expect(page.get_by_role("heading", level=2, name="Anteriores")).to_be_visible()
    attended_card = card(page, attended)
    expect(attended_card.locator("button")).to_have_text(
        ["Marcar como realizado", "Marcar falta", "Marcar como pago", "Remarcar", "Cancelar"]
    )
    assert_accessible(page)

    attended_card.get_by_role("button", name="Marcar como pago").click()
    expect(result(attended_card)).to_have_text("Pagamento registrado.")
    expect(attended_card).to_contain_text("Pagamento: pago")
    expect(attended_card.get_by_role("button", name="Marcar como pago")).to_have_count(0)
    assert snapshot(db, attended)["payment_status"] == "paid"

    attended_card.get_by_role("button", name="Marcar como realizado").click()
    expect(result(attended_card)).to_have_text("Sessão marcada como realizada.")
    expect(attended_card).to_contain_text("Situação: realizado")
    expect(attended_card.locator("button")).to_have_count(0)
    assert snapshot(db, attended)["status"] == "completed"
    assert_accessible(page)

    absent_card = card(page, absent)
    absent_card.get_by_role("button", name="Marcar falta").click()
    expect(absent_card.locator(".account-question")).to_contain_text("Registrar que Gabi Faltou")
    assert_accessible(page)
    absent_card.get_by_role("button", name="Sim, registrar a falta").click()
    expect(result(absent_card)).to_have_text("Falta registrada.")
    expect(absent_card).to_contain_text("Situação: falta")
    assert snapshot(db, absent)["status"] == "no_show"
    # Paid stays possible on a no-show that was not paid.
    expect(absent_card.locator("button")).to_have_text(["Marcar como pago"])

    # A session that has not started offers neither.
    page.get_by_role("navigation", name="Visões da agenda").get_by_role(
        "link", name="Próximos"
    ).click()
    expect(card(page, not_yet).locator("button")).to_have_text(
        ["Marcar como pago", "Remarcar", "Cancelar"]
    )


def test_conflicts_are_explained_and_the_card_read_again(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    console_errors.expect(r"status of 409")
    console_errors.expect(r"status of 404")
    pro = new_professional(make_professional)
    day = next_weekday(2)
    target_day = next_weekday(4)
    who, _ = client_of(db, pro, "Irene Mudou")
    other, _ = client_of(db, pro, "Julio Outro")
    changed = add_appointment(db, pro, who, pro.at(day, "09:00"))
    racing = add_appointment(db, pro, other, pro.at(day, "10:00"))

    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/appointments?view=upcoming")
    changed_card = card(page, changed)
    expect(changed_card).to_contain_text("Situação: confirmado")

    # Cancelled elsewhere meanwhile: the page's cancel meets 409 INVALID_TRANSITION.
    db.run("UPDATE appointments SET status = 'cancelled' WHERE id = :a", a=changed)
    changed_card.get_by_role("button", name="Cancelar").click()
    changed_card.get_by_role("button", name="Sim, cancelar").click()
    problem = changed_card.get_by_role("alert")
    expect(problem).to_have_text("Este horário mudou enquanto isso: agora está cancelado.")
    expect(problem).to_be_focused()
    expect(changed_card).to_contain_text("Situação: cancelado")
    expect(changed_card.locator("button")).to_have_count(0)
    assert_accessible(page)

    # A time taken while the picker was open: 409 SLOT_TAKEN, the picker's times read again.
    racing_card = card(page, racing)
    racing_card.get_by_role("button", name="Remarcar").click()
    racing_card.locator(f'.slot-day[data-date="{target_day.isoformat()}"]').click()
    taken = racing_card.locator(f'.slot-time[data-starts-at^="{target_day.isoformat()}T14:00"]')
    expect(taken).to_be_visible()
    add_appointment(db, pro, who, pro.at(target_day, "14:00"))
    taken.click()
    racing_card.get_by_role("button", name="Sim, remarcar").click()
    notice = racing_card.locator(".slot-notice")
    expect(notice).to_have_text("Esse horário acabou de ser ocupado. Escolha outro.")
    expect(notice).to_be_focused()
    expect(racing_card.get_by_role("button", name="Sim, remarcar")).to_be_hidden()
    assert snapshot(db, racing)["starts_at"] == pro.at(day, "10:00").astimezone(UTC)
    expect(
        racing_card.locator(f'.slot-time[data-starts-at^="{target_day.isoformat()}T14:00"]')
    ).to_have_count(0)
    assert_accessible(page)

    # The hours changed while the picker was open: 409 SLOT_UNAVAILABLE, said in words.
    racing_card.locator(".slot-time").first.click()
    expect(racing_card.get_by_role("button", name="Sim, remarcar")).to_be_focused()
    db.run("DELETE FROM availability WHERE professional_id = :p", p=pro.id)
    racing_card.get_by_role("button", name="Sim, remarcar").click()
    expect(notice).to_have_text("Esse horário não está mais disponível. Escolha outro.")
    assert snapshot(db, racing)["starts_at"] == pro.at(day, "10:00").astimezone(UTC)

    # Gone meanwhile (another sign-in's data removal, say): 404, the card says so.
    racing_card.get_by_role("button", name="Voltar").click()
    db.run("DELETE FROM appointments WHERE id = :a", a=racing)
    racing_card.get_by_role("button", name="Marcar como pago").click()
    expect(racing_card.get_by_role("alert")).to_have_text(
        "Este horário não está mais na sua agenda."
    )
    expect(racing_card.locator("button")).to_have_count(0)
    assert_accessible(page)


def test_show_more_past_twenty(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    start = pro.at(next_weekday(2), "08:00")
    made = []
    for index in range(23):
        client, _ = client_of(db, pro, f"Pedido {index:02d}")
        made.append(
            add_appointment(
                db, pro, client, start + timedelta(hours=index), status="pending_confirmation"
            )
        )
    page = new_context(locale="pt-BR").new_page()
    open_dashboard(page, stack, db, pro, "/dashboard/appointments?view=pending")
    cards = page.locator("article.dash-appointment")
    expect(cards).to_have_count(20)
    expect(cards.first).to_have_attribute("data-appointment", str(made[0]))
    more = page.get_by_role("button", name="Mostrar mais", exact=True)
    more.focus()
    page.keyboard.press("Enter")
    expect(cards).to_have_count(23)
    expect(cards.last).to_have_attribute("data-appointment", str(made[22]))
    expect(page.get_by_role("status").filter(has_text="3 horários a mais.")).to_be_attached()
    expect(card(page, made[20]).get_by_role("heading", level=3)).to_be_focused()
    expect(more).to_be_hidden()
    assert_accessible(page)


def test_week_view_and_its_links(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    day = next_weekday(3)
    monday = day - timedelta(days=day.weekday())
    who, _ = client_of(db, pro, "Karla Semana")
    gone, _ = client_of(db, pro, "Lucas Cancelou")
    booked = add_appointment(db, pro, who, pro.at(day, "15:00"))
    cancelled = add_appointment(db, pro, gone, pro.at(day, "09:00"), status="cancelled")

    page = new_context(locale="pt-BR").new_page()
    path = f"/dashboard/appointments?view=week&week={day.isoformat()}"
    open_dashboard(page, stack, db, pro, path)
    tabs = page.get_by_role("navigation", name="Visões da agenda")
    expect(tabs.get_by_role("link", name="Semana")).to_have_attribute("aria-current", "page")
    days = page.locator(".dash-week-day")
    expect(days).to_have_count(7)
    expect(days.first).to_have_attribute("data-date", monday.isoformat())
    on_day = page.locator(f'.dash-week-day[data-date="{day.isoformat()}"]')
    # In time order, the cancelled one with its status.
    expect(on_day.locator("article")).to_have_count(2)
    expect(on_day.locator("article").first).to_have_attribute("data-appointment", str(cancelled))
    expect(card(page, cancelled)).to_contain_text("Situação: cancelado")
    expect(card(page, booked).get_by_role("heading", level=4)).to_have_text("15:00\u201315:50")
    expect(page.locator(f'.dash-week-day[data-date="{monday.isoformat()}"]')).to_contain_text(
        "Nada marcado."
    )
    assert_accessible(page)

    weeks = page.get_by_role("navigation", name="Outras semanas")
    weeks.get_by_role("link", name="Próxima semana").click()
    next_monday = (monday + timedelta(days=7)).isoformat()
    expect(page).to_have_url(f"{api}/dashboard/appointments?view=week&week={next_monday}")
    expect(page.locator(".dash-week-day").first).to_have_attribute("data-date", next_monday)
    expect(page.locator("article.dash-appointment")).to_have_count(0)
    weeks = page.get_by_role("navigation", name="Outras semanas")
    weeks.get_by_role("link", name="Semana anterior").click()
    expect(page.locator(".dash-week-day").first).to_have_attribute("data-date", monday.isoformat())
    expect(card(page, booked)).to_be_visible()
    page.get_by_role("navigation", name="Outras semanas").get_by_role(
        "link", name="Esta semana"
    ).click()
    today = local_today(pro)
    this_monday = (today - timedelta(days=today.weekday())).isoformat()
    expect(page.locator(".dash-week-day").first).to_have_attribute("data-date", this_monday)
    expect(
        page.get_by_role("navigation", name="Outras semanas").get_by_role(
            "link", name="Esta semana"
        )
    ).to_have_attribute("aria-current", "date")


def test_english_at_360_px(
    new_context: NewContext,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    day = next_weekday(2, zone=pro.timezone)
    who, _ = client_of(db, pro, "Mary Request")
    request = add_appointment(db, pro, who, pro.at(day, "09:00"), status="pending_confirmation")

    page = new_context(locale="pt-BR", viewport={"width": 360, "height": 780}).new_page()
    open_dashboard(page, stack, db, pro)
    requests_part = page.get_by_role("region", name="Requests waiting for an answer")
    request_card = requests_part.locator(f'article[data-appointment="{request}"]')
    expect(request_card).to_contain_text("Status: awaiting your confirmation")
    expect(request_card.get_by_role("heading", level=3)).to_contain_text("09:00\u201309:50")
    expect(page.get_by_text("Nothing booked for today.")).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)

    request_card.get_by_role("button", name="Cancel").click()
    expect(request_card.get_by_label("Count as a late cancellation by the client")).to_be_visible()
    no_sideways_scroll(page)
    request_card.get_by_role("button", name="Go back").click()
    expect(request_card.get_by_role("button", name="Cancel")).to_be_focused()

    request_card.get_by_role("button", name="Reschedule").click()
    expect(request_card.locator(".slot-day").first).to_be_visible()
    request_card.locator(".slot-day").first.click()
    expect(request_card.locator(".slot-time").first).to_be_visible()
    no_sideways_scroll(page)
    assert_accessible(page)
    request_card.get_by_role("button", name="Go back").click()

    request_card.get_by_role("button", name="Confirm").click()
    expect(result(request_card)).to_have_text("Confirmed. Mary Request gets the confirmation.")
    assert snapshot(db, request)["status"] == "confirmed"

    page.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Appointments"
    ).click()
    expect(
        page.get_by_role("navigation", name="Agenda views").get_by_role("link", name="Week")
    ).to_be_visible()
    page.get_by_role("navigation", name="Agenda views").get_by_role("link", name="Week").click()
    expect(page.locator(".dash-week-day")).to_have_count(7)
    no_sideways_scroll(page)
    assert_accessible(page)
