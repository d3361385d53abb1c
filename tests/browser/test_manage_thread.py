"""The manage page's thread with the professional (pages/site/assets/js/message-thread.js) in a
real browser against the local stack: a guest writes by keyboard alone and the message is in
the database as the client's; the professional's reply (POST /api/messages with their JWT)
shows after a reload with the unread count; markup in either side's words shows as text and
runs nothing; 2,001 characters are refused at the field; older messages page in; a dropped
network keeps what was typed; a rate-limited guest is told when to try again; English; 360 px;
axe in every state."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import Dialog, Page, Route, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    guest_post,
    guest_token,
    new_english_professional,
    new_professional,
)
from tests.browser.conftest import NewContext
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible, tab_to
from tests.browser.test_manage_page import no_sideways_scroll
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.browser


def guest_booking(
    db: pg8000.native.Connection,
    stack: LocalStack,
    pro: Professional,
    *,
    starts_in: timedelta = timedelta(days=3),
    status: str = "confirmed",
) -> tuple[uuid.UUID, uuid.UUID, str]:
    """A client of the professional with one appointment: the client's id, the appointment's,
    and the manage page's path with its guest token."""
    client = add_client(db, pro, email=f"cliente.{uuid.uuid4().hex[:10]}@example.com")
    appointment = add_appointment(db, pro, client, datetime.now(UTC) + starts_in, status=status)
    return client, appointment, f"/manage/{appointment}?token={guest_token(stack, appointment)}"


def thread_rows(db: pg8000.native.Connection, client: uuid.UUID) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT sender, body, read_at FROM messages WHERE client_id = :c ORDER BY created_at, id",
        c=client,
    )


def professional_writes(
    api: str, stack: LocalStack, pro: Professional, client: uuid.UUID, text: str
) -> None:
    answer = requests.post(
        f"{api}/api/messages",
        json={"clientId": str(client), "text": text},
        headers=bearer(stack, pro.user_id),
        timeout=30,
    )
    assert answer.status_code == 201, answer.text


def test_a_guest_writes_by_keyboard_and_reads_the_professionals_reply(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client, _, path = guest_booking(db, stack, pro)

    # The address names the thread: once it is there, the focus is on its heading.
    page.goto(f"{path}#messages")
    heading = page.locator("#messages-heading")
    expect(heading).to_be_focused()
    expect(heading).to_have_text("Mensagens")
    expect(page.locator(".thread-empty")).to_have_text(
        f"Nenhuma mensagem ainda. Escreva para Dra. {pro.slug} por aqui."
    )
    expect(page.locator(".thread-unread")).to_be_hidden()
    assert_accessible(page)

    field = tab_to(page, "#thread-text")
    assert_focus_visible(field)
    expect(page.get_by_label(f"Sua mensagem para Dra. {pro.slug}")).to_be_focused()
    # Enter is a new line; Ctrl+Enter sends.
    page.keyboard.type("Olá!")
    page.keyboard.press("Enter")
    page.keyboard.type("Posso levar meus exames?")
    expect(page.locator("#thread-text-count")).to_have_text("29 de 2.000 caracteres")
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/messages" in r.url
    ) as sent:
        page.keyboard.press("Control+Enter")
    assert sent.value.status == 201
    mine = page.locator(".thread-message.thread-mine")
    expect(mine).to_have_count(1)
    expect(mine.locator(".thread-sender")).to_have_text("Você")
    expect(mine.locator(".thread-text")).to_have_text("Olá!\nPosso levar meus exames?")
    assert (
        mine.locator(".thread-text").evaluate("(el) => getComputedStyle(el).whiteSpace")
        == "pre-wrap"
    )
    # The focus stays where the next message is written, and the page says it went.
    expect(page.locator("#thread-text")).to_be_focused()
    expect(page.locator("#thread-text")).to_have_value("")
    expect(page.locator(".thread-status")).to_have_text("Mensagem enviada.")
    assert page.locator(".thread-status").get_attribute("aria-live") == "polite"
    expect(page.locator(".thread-empty")).to_be_hidden()
    assert [(r["sender"], r["body"]) for r in thread_rows(db, client)] == [
        ("client", "Olá!\nPosso levar meus exames?")
    ]
    assert_accessible(page)

    # The professional answers twice; the guest opens the page again.
    professional_writes(api, stack, pro, client, "Pode sim.")
    professional_writes(api, stack, pro, client, "Até quinta!")
    page.reload()
    expect(page.locator(".thread-unread")).to_have_text("2 novas")
    messages = page.locator(".thread-message")
    expect(messages).to_have_count(3)
    # Newest last, each with who wrote it.
    expect(messages.nth(0).locator(".thread-sender")).to_have_text("Você")
    expect(messages.nth(2).locator(".thread-sender")).to_have_text(f"Dra. {pro.slug}")
    expect(messages.nth(2).locator(".thread-text")).to_have_text("Até quinta!")
    stamp = messages.nth(2).locator("time")
    expect(stamp).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}T"))
    expect(stamp).to_contain_text(str(datetime.now(pro.zone).year))
    # Opening the thread read the professional's messages.
    assert all(
        r["read_at"] is not None for r in thread_rows(db, client) if r["sender"] == "professional"
    )
    assert_accessible(page)

    page.reload()
    expect(page.locator(".thread-message")).to_have_count(3)
    expect(page.locator(".thread-unread")).to_be_hidden()


def test_markup_in_messages_is_shown_as_text_and_runs_nothing(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client, _, path = guest_booking(db, stack, pro)
    professional_writes(api, stack, pro, client, "<script>alert(1)</script>")
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    page.goto(path)
    theirs = page.locator(".thread-theirs .thread-text")
    expect(theirs).to_have_text("<script>alert(1)</script>")

    written = "<img src=x onerror=window.injected=1> veja https://example.com/x"
    page.locator("#thread-text").fill(written)
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.locator(".thread-mine .thread-text")).to_have_text(written)
    page.reload()
    expect(page.locator(".thread-message")).to_have_count(2)
    expect(page.locator(".thread-mine .thread-text")).to_have_text(written)
    thread = page.locator(".thread-list")
    assert thread.locator("img, script, a").count() == 0
    assert page.evaluate("window.injected") is None
    assert dialogs == []
    assert [r["body"] for r in thread_rows(db, client)] == ["<script>alert(1)</script>", written]
    assert_accessible(page)


def test_too_long_and_empty_messages_are_refused_at_the_field(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client, _, path = guest_booking(db, stack, pro)
    page.goto(path)
    field = page.locator("#thread-text")
    expect(field).to_be_visible()
    send = page.get_by_role("button", name="Enviar", exact=True)

    send.click()
    expect(page.locator("#thread-text-error")).to_have_text("Escreva a mensagem antes de enviar.")
    expect(field).to_be_focused()

    field.fill("a" * 2001)
    expect(page.locator("#thread-text-count")).to_have_text("2.001 de 2.000 caracteres")
    field.press("Control+Enter")
    error = page.locator("#thread-text-error")
    expect(error).to_have_text(
        "A mensagem passou de 2.000 caracteres. Encurte-a ou divida-a em duas."
    )
    expect(field).to_have_attribute("aria-invalid", "true")
    assert "thread-text-error" in (field.get_attribute("aria-describedby") or "").split()
    expect(field).to_be_focused()
    # What was typed stays, whole, for the visitor to shorten.
    assert len(field.input_value()) == 2001
    assert_accessible(page)
    assert thread_rows(db, client) == []

    # At the bound it goes, and the field is clear of its error.
    field.press("Backspace")
    expect(page.locator("#thread-text-count")).to_have_text("2.000 de 2.000 caracteres")
    field.press("Control+Enter")
    expect(page.locator(".thread-mine")).to_have_count(1)
    expect(field).not_to_have_attribute("aria-invalid", "true")
    expect(error).to_be_hidden()
    assert [len(r["body"]) for r in thread_rows(db, client)] == [2000]


def test_earlier_messages_page_in_and_take_the_focus(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    client, _, path = guest_booking(db, stack, pro)
    start = datetime.now(UTC) - timedelta(days=1)
    for n in range(60):
        db.run(
            "INSERT INTO messages (professional_id, client_id, sender, body, created_at)"
            " VALUES (:p, :c, :s, :b, :at)",
            p=pro.id,
            c=client,
            s="professional" if n % 2 else "client",
            b=f"mensagem {n:02d}",
            at=start + timedelta(minutes=n),
        )
    page.goto(path)
    messages = page.locator(".thread-message .thread-text")
    expect(messages.last).to_have_text("mensagem 59")
    count = messages.count()
    assert count < 60
    expect(messages.first).to_have_text(f"mensagem {60 - count:02d}")
    earlier = page.get_by_role("button", name="Mensagens anteriores")
    earlier.focus()
    page.keyboard.press("Enter")
    expect(messages).to_have_count(60)
    expect(messages.first).to_have_text("mensagem 00")
    expect(earlier).to_be_hidden()
    # The oldest one brought has the focus: reading goes on down from it.
    expect(page.locator(".thread-message").first).to_be_focused()
    assert_accessible(page)


def test_a_dropped_network_keeps_the_text_and_the_send_goes_later(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = new_professional(make_professional)
    client, _, path = guest_booking(db, stack, pro)
    page.goto(path)
    field = page.locator("#thread-text")
    expect(field).to_be_visible()

    def drop_posts(route: Route) -> None:
        if route.request.method == "POST":
            route.abort("internetdisconnected")
        else:
            route.continue_()

    console_errors.expect(r"ERR_INTERNET_DISCONNECTED")
    page.route("**/api/guest/appointments/*/messages", drop_posts)
    field.fill("Chego 10 min atrasada.")
    field.press("Control+Enter")
    expect(page.locator(".thread-form .booking-error")).to_have_text(
        "Sem conexão com o servidor. A mensagem não foi enviada; o texto continua aqui."
    )
    expect(field).to_have_value("Chego 10 min atrasada.")
    expect(field).to_be_focused()
    assert thread_rows(db, client) == []
    assert_accessible(page)

    page.unroute("**/api/guest/appointments/*/messages")
    field.press("Control+Enter")
    expect(page.locator(".thread-mine .thread-text")).to_have_text("Chego 10 min atrasada.")
    expect(page.locator(".thread-form .booking-error")).to_be_hidden()
    assert [r["body"] for r in thread_rows(db, client)] == ["Chego 10 min atrasada."]


def test_a_rate_limited_guest_is_told_when_to_try_again(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = new_professional(make_professional)
    client, appointment, path = guest_booking(db, stack, pro)
    token = guest_token(stack, appointment)
    # The messages limit: 30 a minute per sender.
    for n in range(30):
        answer = guest_post(api, appointment, "messages", {"token": token, "text": f"m{n}"})
        assert answer.status_code == 201, answer.text
    page.goto(path)
    field = page.locator("#thread-text")
    expect(page.locator(".thread-message")).to_have_count(30)
    console_errors.expect(r"status of 429")
    field.fill("Mais uma")
    field.press("Control+Enter")
    refusal = page.locator(".thread-form .booking-error")
    expect(refusal).to_contain_text("Muitas mensagens em pouco tempo. Tente de novo em")
    expect(refusal).to_contain_text("(às ")
    expect(field).to_have_value("Mais uma")
    assert len(thread_rows(db, client)) == 30
    assert_accessible(page)


def test_the_thread_in_english_at_360_px(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    client, _, path = guest_booking(db, stack, pro)
    # A long word with no place to break must not push the page sideways.
    professional_writes(api, stack, pro, client, "See you then. " + "x" * 300)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(path)
    expect(page.locator("#messages-heading")).to_contain_text("Messages")
    expect(page.locator(".thread-unread")).to_have_text("1 new")
    expect(page.locator(".thread-theirs .thread-sender")).to_have_text(f"Dra. {pro.slug}")
    field = page.get_by_label(f"Your message to Dra. {pro.slug}")
    expect(page.locator("#thread-text-count")).to_have_text("0 of 2,000 characters")
    no_sideways_scroll(page)
    assert_accessible(page)
    field.fill("Thanks, see you!")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".thread-mine .thread-sender")).to_have_text("You")
    expect(page.locator(".thread-status")).to_have_text("Message sent.")
    no_sideways_scroll(page)
    assert [r["sender"] for r in thread_rows(db, client)] == ["professional", "client"]
    assert_accessible(page)
