"""The manage page (/manage/{id}?token=...) in a real browser against the local stack: a booking
made through the API, opened from the link in the message the stand-in recorded; its details,
a reschedule by keyboard through the slot picker, a cancellation with the policy and the refund
shown before the button; a link that no longer works leads to "send me my links again"; the
same in English; axe on every state; 360 px wide."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pg8000.native
import pytest
import requests
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    guest_token,
    new_english_professional,
    new_professional,
)
from tests.browser.conftest import NewContext
from tests.browser.harness import (
    ConsoleErrors,
    assert_accessible,
    assert_focus_visible,
    fresh_client_ip,
    tab_to,
)
from tests.browser.test_booking_flow import app_address_is_the_stack
from tests.conftest import MakeProfessional, PayingProfessional, Professional, rows

pytestmark = pytest.mark.browser

MANAGE_LINK = re.compile(r"https?://[^\s\"<>]+(/manage/[0-9a-f-]{36}\?token=[A-Za-z0-9_.-]+)")


def delivered(stack: LocalStack, recipient: str, *, since: int, subject: str = "") -> Any:
    """The first message the stand-in recorded for `recipient` after its first `since` (whose
    subject has `subject` in it), once it is there."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in stack.providers.messages()[since:]:
            if message.recipient == recipient and subject in (message.subject or ""):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no message to {recipient} with {subject!r} in its subject")


def book(api: str, stack: LocalStack, pro: Professional) -> tuple[str, str]:
    """Books the professional's first free time through the API as a new client; answers the
    manage page's path (with its token) from the message sent to the client, and the email."""
    email = f"cliente.{uuid.uuid4().hex[:10]}@example.com"
    today = datetime.now(UTC).date().isoformat()
    days = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": today, "days": "14"}, timeout=30
    ).json()["days"]
    # Beyond the professional's notice (24 hours), so the link may still change it.
    after = datetime.now(UTC) + timedelta(days=2)
    slot = next(
        slot
        for day in days
        for slot in day["slots"]
        if datetime.fromisoformat(slot["startsAt"]) > after
    )
    since = len(stack.providers.messages())
    booked = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": slot["startsAt"],
            "clientName": "Maria Silva",
            "clientPhone": f"+55219{uuid.uuid4().int % 10**8:08d}",
            "clientEmail": email,
        },
        headers={"x-forwarded-for": fresh_client_ip()},
        timeout=30,
    )
    assert booked.status_code == 201, booked.text
    message = delivered(stack, email, since=since)
    found = MANAGE_LINK.search(message.text or "")
    assert found, message.text
    return found.group(1), email


def appointment_of(path: str) -> uuid.UUID:
    return uuid.UUID(urlsplit(path).path.rsplit("/", 1)[1])


def status_of(db: pg8000.native.Connection, appointment: uuid.UUID) -> dict[str, Any]:
    [row] = rows(db, "SELECT status, starts_at FROM appointments WHERE id = :a", a=appointment)
    return row


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page is {width} px wide in a {viewport} px viewport"


def test_open_the_link_reschedule_by_keyboard_then_cancel_with_the_policy_shown(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional, auto_confirm=True)
    path, _ = book(api, stack, pro)
    appointment = appointment_of(path)
    booked_at = status_of(db, appointment)["starts_at"]

    page.goto(path)
    expect(
        page.get_by_role("heading", level=1, name=f"Seu horário com Dra. {pro.slug}")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "pt-BR"
    expect(page.locator(".manage-status-words")).to_have_text("Confirmado")
    expect(page.locator(".manage-payment")).to_contain_text("R$")
    calendar = page.locator("a.manage-calendar")
    expect(calendar).to_have_attribute(
        "href", re.compile(rf"/api/guest/appointments/{appointment}/calendar\.ics\?token=")
    )
    ics = requests.get(f"{api}{calendar.get_attribute('href')}", timeout=30)
    assert ics.status_code == 200
    assert "BEGIN:VCALENDAR" in ics.text
    assert_accessible(page)

    # Reschedule with the keyboard alone: open the picker, a day, a time, confirm.
    focused = tab_to(page, "button:text('Escolher outro horário')")
    assert_focus_visible(focused)
    page.keyboard.press("Enter")
    expect(page.locator(".slot-day").first).to_be_visible()
    assert_accessible(page)
    # A day beyond the notice, so the moved session can still be cancelled here.
    later = next(
        date
        for date in page.locator(".slot-day").evaluate_all(
            "(days) => days.map((d) => d.dataset.date)"
        )
        if date >= (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    )
    day = tab_to(page, f'.slot-day[data-date="{later}"]')
    day.press("Enter")
    first_time = page.locator(".slot-time").first
    expect(first_time).to_be_focused()
    new_start = first_time.get_attribute("data-starts-at")
    assert new_start
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Remarcar para este horário")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    done = page.locator(".manage-done")
    expect(done).to_contain_text("Horário remarcado para")
    expect(done).to_be_focused()
    moved = status_of(db, appointment)["starts_at"]
    assert moved == datetime.fromisoformat(new_start).astimezone(UTC)
    assert moved != booked_at
    assert_accessible(page)

    # Cancel: the policy and the refund are on the page before the button is pressed.
    expect(page.locator(".manage-cancel-until")).to_contain_text("Você pode cancelar por aqui até")
    expect(page.locator(".manage-refund")).to_have_text(
        "Nada foi pago online, então não há devolução."
    )
    assert_focus_visible(tab_to(page, "button:text('Cancelar este horário')"))
    page.keyboard.press("Enter")
    expect(page.locator("#cancel-reason")).to_be_focused()
    expect(page.get_by_role("button", name="Cancelar este horário")).to_be_hidden()
    page.keyboard.type("Imprevisto no trabalho")
    assert_accessible(page)
    page.get_by_role("button", name="Sim, cancelar").click()
    expect(page.locator(".manage-done")).to_contain_text("Horário cancelado.")
    expect(page.locator(".manage-status-words")).to_have_text("Cancelado")
    expect(page.get_by_role("link", name="Agendar outro horário")).to_have_attribute(
        "href", f"/p/{pro.slug}"
    )
    assert status_of(db, appointment)["status"] == "cancelled"
    [audit] = rows(
        db,
        "SELECT reason FROM appointment_changes WHERE appointment_id = :a AND action = 'cancel'",
        a=appointment,
    )
    assert audit["reason"] == "Imprevisto no trabalho"
    assert_accessible(page)


def test_a_tampered_token_leads_to_the_form_that_sends_the_links_again(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = new_professional(make_professional)
    path, email = book(api, stack, pro)
    tampered = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    console_errors.expect(r"status of 401")
    # A link that does not open names no professional: the page speaks the browser's language.
    page = new_context(locale="pt-BR").new_page()
    page.goto(tampered)
    expect(page.locator(".manage-problem")).to_have_text(
        "Este link não vale mais: ele expirou ou foi copiado pela metade."
    )
    expect(page.get_by_role("heading", level=2, name="Receber meus links de novo")).to_be_visible()
    assert_accessible(page)

    # An empty form is refused at the field, without a request.
    page.get_by_role("button", name="Enviar meus links").click()
    field = page.get_by_label("Telefone ou e-mail")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()

    since = len(stack.providers.messages())
    field.fill(email.upper())
    with page.expect_response("**/api/guest/links") as answer:
        page.keyboard.press("Enter")
    assert answer.value.status == 202
    done = page.locator(".manage-done")
    expect(done).to_contain_text("Pronto. Se houver horários com esse contato")
    expect(done).to_be_focused()
    message = delivered(stack, email, since=since, subject="Seus links")
    [link] = MANAGE_LINK.findall(message.text or "")
    assert appointment_of(link) == appointment_of(path)
    assert_accessible(page)

    # The link from that message opens the booking.
    page.goto(link)
    expect(
        page.get_by_role("heading", level=1, name=f"Seu horário com Dra. {pro.slug}")
    ).to_be_visible()


def test_without_a_token_the_form_is_there_in_the_browsers_language(
    new_context: NewContext, console_errors: ConsoleErrors
) -> None:
    page = new_context(locale="en-US").new_page()
    page.goto(f"/manage/{uuid.uuid4()}")
    assert page.evaluate("document.documentElement.lang") == "en"
    expect(page.locator(".manage-problem")).to_have_text(
        "To see a booking, open the link in the message you got when you booked."
    )
    assert_accessible(page)
    field = page.get_by_label("Phone or email")
    # Malformed: the API's 400 is shown at the field.
    console_errors.expect(r"status of 400")
    field.fill("12 34")
    page.get_by_role("button", name="Send my links").click()
    expect(page.locator("#links-contact-error")).to_have_text(
        "Check it: this does not look like a phone number with area code or an email."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    # A contact nobody booked with: the same confirmation as anyone's.
    field.fill(f"nobody.{uuid.uuid4().hex[:8]}@example.com")
    page.get_by_role("button", name="Send my links").click()
    expect(page.locator(".manage-done")).to_contain_text("Done. If there are sessions with that")
    assert_accessible(page)


def test_past_the_notice_the_page_says_why_and_whom_to_contact(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    # A name with markup in it is shown as text, and runs nothing.
    name = "<script>window.injected = 1</script> Dra. Bia"
    db.run(
        "UPDATE professionals SET public_contact = 'https://wa.me/5511999990000', name = :name"
        " WHERE id = :id",
        id=pro.id,
        name=name,
    )
    soon = add_appointment(db, pro, add_client(db, pro), datetime.now(UTC) + timedelta(hours=3))
    page.goto(f"/manage/{soon}?token={guest_token(stack, soon)}")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Seu horário com {name}")
    assert page.evaluate("window.injected") is None
    policies = page.locator(".manage-policy")
    expect(policies.nth(0)).to_contain_text("Remarcações por aqui vão até 24 h antes do horário")
    expect(policies.nth(1)).to_contain_text("Cancelamentos por aqui vão até 24 h antes do horário")
    expect(page.get_by_role("button", name="Cancelar este horário")).to_have_count(0)
    expect(page.get_by_role("link", name=f"Falar com {name}").first).to_have_attribute(
        "href", "https://wa.me/5511999990000"
    )
    assert_accessible(page)


def test_in_english_for_a_professional_who_writes_english(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    path, _ = book(api, stack, pro)
    page.goto(path)
    expect(
        page.get_by_role("heading", level=1, name=f"Your session with Dra. {pro.slug}")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.title() == "Your booking · Agenda"
    expect(page.locator(".manage-status-words")).to_have_text(
        "Awaiting the professional's confirmation"
    )
    expect(page.locator(".manage-cancel-until")).to_contain_text("You can cancel here until")
    expect(page.locator(".manage-refund")).to_have_text(
        "Nothing was paid online, so there is no refund."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Cancel this session").click()
    page.get_by_role("button", name="Yes, cancel").click()
    expect(page.locator(".manage-done")).to_contain_text("Session cancelled.")
    expect(page.locator(".manage-status-words")).to_have_text("Cancelled")
    assert_accessible(page)


def test_the_page_fits_360_px_with_the_picker_open(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional, auto_confirm=True)
    path, _ = book(api, stack, pro)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(path)
    expect(page.locator(".manage-facts")).to_be_visible()
    no_sideways_scroll(page)
    page.get_by_role("button", name="Escolher outro horário").click()
    page.locator(".slot-day").first.click()
    expect(page.locator(".slot-time").first).to_be_focused()
    no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_role("button", name="Cancelar este horário").click()
    no_sideways_scroll(page)


def test_a_time_taken_meanwhile_refreshes_the_picker_with_a_clear_word(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = new_professional(make_professional, auto_confirm=True)
    path, _ = book(api, stack, pro)
    appointment = appointment_of(path)
    before = status_of(db, appointment)["starts_at"]
    page.goto(path)
    page.get_by_role("button", name="Escolher outro horário").click()
    page.locator(".slot-day").last.click()
    chosen = page.locator(".slot-time").first
    expect(chosen).to_be_focused()
    starts_at = chosen.get_attribute("data-starts-at")
    chosen.click()
    # Someone else books that very time before the client confirms.
    taken = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": starts_at,
            "clientName": "Outra Pessoa",
            "clientPhone": f"+55219{uuid.uuid4().int % 10**8:08d}",
        },
        headers={"x-forwarded-for": fresh_client_ip()},
        timeout=30,
    )
    assert taken.status_code == 201, taken.text
    console_errors.expect(r"status of 409")
    page.get_by_role("button", name="Remarcar para este horário").click()
    notice = page.locator(".slot-notice")
    expect(notice).to_have_text(
        "Esse horário acabou de ser ocupado por outra pessoa. Escolha outro."
    )
    expect(page.locator(f'.slot-time[data-starts-at="{starts_at}"]')).to_have_count(0)
    expect(page.get_by_role("button", name="Remarcar para este horário")).to_be_hidden()
    assert status_of(db, appointment)["starts_at"] == before
    assert_accessible(page)


def test_a_session_paid_online_shows_its_full_refund_before_the_cancel_and_gets_it(
    page: Page,
    api: str,
    db: pg8000.native.Connection,
    paying: PayingProfessional,
) -> None:
    pro = paying()
    today = datetime.now(UTC).date().isoformat()
    days = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": today, "days": "14"}, timeout=30
    ).json()["days"]
    after = datetime.now(UTC) + timedelta(days=2)
    slot = next(
        s for day in days for s in day["slots"] if datetime.fromisoformat(s["startsAt"]) > after
    )
    booked = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": slot["startsAt"],
            "clientName": "Paula Pagante",
            "clientPhone": f"+55219{uuid.uuid4().int % 10**8:08d}",
        },
        headers={"x-forwarded-for": fresh_client_ip()},
        timeout=30,
    )
    assert booked.status_code == 201, booked.text
    app_address_is_the_stack(page.context, api)
    page.goto(booked.json()["checkoutUrl"])
    page.get_by_role("button", name="Pay", exact=True).click()
    page.wait_for_url(re.compile(rf"^{re.escape(api)}/manage/"))
    appointment = appointment_of(page.url)
    deadline = time.monotonic() + 15
    while status_of(db, appointment)["status"] != "pending_confirmation":
        assert time.monotonic() < deadline, "the payment never settled"
        time.sleep(0.2)

    page.reload()
    expect(page.locator(".manage-payment")).to_have_text("Pago (R$ 150,00)")
    expect(page.locator(".manage-refund")).to_have_text(
        "Como você pagou online, o valor de R$ 150,00 será devolvido integralmente,"
        " no mesmo meio de pagamento."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Cancelar este horário").click()
    page.get_by_role("button", name="Sim, cancelar").click()
    expect(page.locator(".manage-done")).to_have_text(
        "Horário cancelado. A devolução de R$ 150,00 foi pedida e aparece no seu extrato em"
        " alguns dias."
    )
    expect(page.locator(".manage-payment")).to_have_text("Devolvido (R$ 150,00)")
    [row] = rows(db, "SELECT payment_status FROM appointments WHERE id = :a", a=appointment)
    assert row["payment_status"] == "refunded"
