"""The manage page's review of a completed session (pages/site/assets/js/review-form.js) in a
real browser against the local stack: the professional marks the session complete (PATCH
/api/appointments/{id}), the guest opens the review request's link (it ends in #review) and
the focus is on the form; a review by keyboard alone is stored and shown; a second tab's
submit gets the "already reviewed" state with the review on record; the professional's reply
shows; a missing rating and a long comment are refused at their fields; a session not
completed has no form; English; 360 px; axe in every state."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import pg8000.native
import pytest
import requests
from playwright.sync_api import Page, expect

from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, new_english_professional, new_professional, patch
from tests.browser.conftest import NewContext
from tests.browser.harness import ConsoleErrors, assert_accessible, assert_focus_visible, tab_to
from tests.browser.test_manage_page import delivered, no_sideways_scroll
from tests.browser.test_manage_thread import guest_booking
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.browser

REVIEW_LINK = re.compile(
    r"https?://[^\s\"<>]+(/manage/[0-9a-f-]{36}\?token=[A-Za-z0-9_.-]+#review)"
)


def completed_session(
    api: str, stack: LocalStack, db: pg8000.native.Connection, pro: Professional
) -> tuple[uuid.UUID, str]:
    """A session that took place two hours ago, marked complete by the professional: the
    appointment and its manage page's path."""
    _, appointment, path = guest_booking(db, stack, pro, starts_in=timedelta(hours=-2))
    done = patch(api, appointment, {"action": "complete"}, bearer(stack, pro.user_id))
    assert done.status_code == 200, done.text
    return appointment, path


def review_request_link(
    stack: LocalStack, db: pg8000.native.Connection, appointment: uuid.UUID, since: int
) -> str:
    """The path (with its token and #review) of the review request the client was sent."""
    [client] = rows(
        db,
        "SELECT c.email FROM clients c JOIN appointments a ON a.client_id = c.id WHERE a.id = :a",
        a=appointment,
    )
    message = delivered(stack, client["email"], since=since, subject="Como foi seu atendimento")
    found = REVIEW_LINK.search(message.text or "")
    assert found, message.text
    return found.group(1)


def reviews_of(db: pg8000.native.Connection, appointment: uuid.UUID) -> list[dict[str, Any]]:
    return rows(
        db, "SELECT id, rating, comment FROM reviews WHERE appointment_id = :a", a=appointment
    )


def test_a_review_by_keyboard_then_a_second_tab_finds_it_already_reviewed(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    console_errors: ConsoleErrors,
) -> None:
    pro = new_professional(make_professional)
    since = len(stack.providers.messages())
    appointment, path = completed_session(api, stack, db, pro)
    link = review_request_link(stack, db, appointment, since)
    context = new_context()
    page = context.new_page()

    # The review request's link ends in #review: the focus is on the form's heading.
    page.goto(link)
    heading = page.get_by_role("heading", level=2, name="Avalie a sessão")
    expect(heading).to_be_focused()
    expect(page.locator(".manage-status-words")).to_have_text("Realizado")
    expect(page.get_by_role("group", name="Sua nota").get_by_role("radio")).to_have_count(5)
    for n in range(1, 6):
        expect(page.get_by_label(f"{n} de 5", exact=True)).to_be_visible()
    assert_accessible(page)

    # A second tab holds the same form, still unsent.
    other = context.new_page()
    other.goto(path)
    expect(other.get_by_role("heading", level=2, name="Avalie a sessão")).to_be_visible()

    # By keyboard: Tab into the ratings, arrows to 4, Tab to the comment, Tab to send.
    first = tab_to(page, "#review-rating-1")
    assert_focus_visible(first)
    page.keyboard.press("Space")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(page.get_by_label("4 de 5", exact=True)).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Comentário (opcional)")).to_be_focused()
    page.keyboard.type("Ótima sessão.")
    page.keyboard.press("Enter")
    page.keyboard.type("Voltarei.")
    expect(page.locator("#review-comment-count")).to_have_text("23 de 2.000 caracteres")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Enviar avaliação")).to_be_focused()
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/review")
    ) as sent:
        page.keyboard.press("Enter")
    assert sent.value.status == 201

    thanks = page.get_by_role("heading", level=2, name="Obrigado pela avaliação!")
    expect(thanks).to_be_focused()
    expect(page.locator(".review-rating")).to_have_text("Nota: 4 de 5")
    expect(page.locator(".review-comment")).to_have_text("Ótima sessão.\nVoltarei.")
    expect(page.locator(".review-form")).to_have_count(0)
    [stored] = reviews_of(db, appointment)
    assert (stored["rating"], stored["comment"]) == (4, "Ótima sessão.\nVoltarei.")
    assert_accessible(page)

    # The other tab sends its own: the API refuses, and the tab shows the one on record.
    console_errors.expect(r"status of 409")
    other.get_by_label("2 de 5", exact=True).check()
    other.get_by_role("button", name="Enviar avaliação").click()
    expect(other.locator(".review .manage-done")).to_have_text(
        "Esta sessão já foi avaliada. Esta é a avaliação registrada."
    )
    expect(other.get_by_role("heading", level=2, name="Sua avaliação")).to_be_focused()
    expect(other.locator(".review-rating")).to_have_text("Nota: 4 de 5")
    expect(other.locator(".review-comment")).to_have_text("Ótima sessão.\nVoltarei.")
    assert len(reviews_of(db, appointment)) == 1
    assert_accessible(other)

    # The professional replies once; the page shows the review and the reply.
    reply = requests.post(
        f"{api}/api/reviews/{stored['id']}/reply",
        json={"text": "Obrigada, até a próxima!"},
        headers=bearer(stack, pro.user_id),
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    page.reload()
    expect(page.get_by_role("heading", level=2, name="Sua avaliação")).to_be_visible()
    expect(page.locator(".review-rating")).to_have_text("Nota: 4 de 5")
    expect(
        page.get_by_role("heading", level=3, name=f"Resposta de Dra. {pro.slug}")
    ).to_be_visible()
    expect(page.locator(".review-reply-text")).to_have_text("Obrigada, até a próxima!")
    expect(page.locator(".review-form")).to_have_count(0)
    assert_accessible(page)


def test_a_missing_rating_and_a_long_comment_are_refused_at_their_fields(
    page: Page,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    appointment, path = completed_session(api, stack, db, pro)
    page.goto(path)
    send = page.get_by_role("button", name="Enviar avaliação")
    comment = page.get_by_label("Comentário (opcional)")
    comment.fill("b" * 2001)
    expect(page.locator("#review-comment-count")).to_have_text("2.001 de 2.000 caracteres")
    send.click()
    expect(page.locator("#review-rating-error")).to_have_text("Escolha uma nota de 1 a 5.")
    first = page.get_by_label("1 de 5", exact=True)
    expect(first).to_be_focused()
    expect(first).to_have_attribute("aria-invalid", "true")
    expect(first).to_have_attribute("aria-describedby", "review-rating-error")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#review-comment-error")).to_have_text(
        "O comentário passou de 2.000 caracteres. Encurte-o um pouco."
    )
    assert_accessible(page)

    page.get_by_label("5 de 5", exact=True).check()
    expect(page.locator("#review-rating-error")).to_be_hidden()
    send.click()
    expect(comment).to_be_focused()
    assert reviews_of(db, appointment) == []

    # Without a comment: the comment is optional.
    comment.fill("")
    send.click()
    expect(page.get_by_role("heading", level=2, name="Obrigado pela avaliação!")).to_be_visible()
    expect(page.locator(".review-rating")).to_have_text("Nota: 5 de 5")
    expect(page.locator(".review-comment")).to_have_count(0)
    [stored] = reviews_of(db, appointment)
    assert (stored["rating"], stored["comment"]) == (5, None)


def test_a_session_not_completed_has_no_review_form(
    page: Page,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    _, _, path = guest_booking(db, stack, pro)
    page.goto(f"{path}#review")
    expect(page.locator("#messages-heading")).to_be_visible()
    expect(page.locator("#review")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancelar este horário")).to_be_visible()


def test_the_review_in_english_at_360_px(
    new_context: NewContext,
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = new_english_professional(make_professional, db)
    appointment, path = completed_session(api, stack, db, pro)
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(f"{path}#review")
    heading = page.get_by_role("heading", level=2, name="Review your session")
    expect(heading).to_be_focused()
    expect(page.get_by_role("group", name="Your rating")).to_be_visible()
    expect(page.locator("#review-comment-count")).to_have_text("0 of 2,000 characters")
    no_sideways_scroll(page)
    assert_accessible(page)
    page.get_by_label("3 of 5", exact=True).check()
    page.get_by_label("Comment (optional)").fill("Helpful, a bit rushed.")
    page.get_by_role("button", name="Send review").click()
    expect(page.get_by_role("heading", level=2, name="Thank you for your review!")).to_be_focused()
    expect(page.locator(".review-rating")).to_have_text("Rating: 3 of 5")
    expect(page.locator(".review-when")).to_contain_text("Sent on")
    no_sideways_scroll(page)
    assert [(r["rating"], r["comment"]) for r in reviews_of(db, appointment)] == [
        (3, "Helpful, a bit rushed.")
    ]
    assert_accessible(page)
    # The thread is on the same page, in English too.
    expect(page.locator("#messages-heading")).to_contain_text("Messages")
