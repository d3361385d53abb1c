"""The rules of reviews (agenda.domain.reviews) and their contract: who may review, why a
review is refused, replies and hiding, what a comment, a reply and a reason may hold; the
review request a completion sends; the professional's notice in both languages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from agenda.contract import GuestReviewIn, ReviewIn, ReviewModeration, ReviewReplyIn, validate
from agenda.domain.appointment_messages import messages_for
from agenda.domain.errors import (
    AlreadyReplied,
    AlreadyReviewed,
    NotFound,
    NotReviewable,
    ValidationFailed,
)
from agenda.domain.lifecycle import Appointment, Policy, decide
from agenda.domain.messages import Party, render
from agenda.domain.notices import review_written
from agenda.domain.reviews import can_review, moderation, refusal, reply_refusal
from agenda.domain.statuses import STATUSES
from tests.unit.test_lifecycle import APPOINTMENT_ID, context

pytestmark = pytest.mark.unit

STARTS = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
ID = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")


@pytest.mark.parametrize("status", sorted(STATUSES))
def test_only_a_completed_session_not_yet_reviewed_can_be_reviewed(status: str) -> None:
    assert can_review(status, reviewed=False) is (status == "completed")
    assert can_review(status, reviewed=True) is False


def test_a_refused_review_says_why() -> None:
    assert isinstance(refusal(None, reviewed=False), NotFound)
    assert isinstance(refusal("completed", reviewed=True), AlreadyReviewed)
    # Completed and unreviewed when read, yet the write found a review: a racing one won.
    assert isinstance(refusal("completed", reviewed=False), AlreadyReviewed)
    for status in sorted(set(STATUSES) - {"completed"}):
        assert isinstance(refusal(status, reviewed=False), NotReviewable), status


def test_a_reply_is_refused_as_missing_or_as_already_given() -> None:
    assert isinstance(reply_refusal(found=False), NotFound)
    assert isinstance(reply_refusal(found=True), AlreadyReplied)
    assert (moderation(True), moderation(False)) == ("hidden", "shown")


def fields(model: Any, body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate(model, body)
    return refused.value.fields


def test_a_review_takes_a_whole_rating_and_an_optional_comment_with_its_lines() -> None:
    assert validate(ReviewIn, {"rating": 1}).comment is None
    kept = validate(ReviewIn, {"rating": 5, "comment": "  Ótima.\r\n\n\tRecomendo.  "})
    assert (kept.rating, kept.comment) == (5, "Ótima.\r\n\n\tRecomendo.")
    assert validate(ReviewIn, {"rating": 3, "comment": " \n\t "}).comment is None
    assert validate(ReviewIn, {"rating": 3, "comment": "x" * 2000}).comment == "x" * 2000
    for bad in (0, 6, -1, "5", 4.0, 4.5, True, None):
        assert "rating" in fields(ReviewIn, {"rating": bad}), bad
    assert "rating" in fields(ReviewIn, {})
    for comment in ("x" * 2001, "a\x00b", "a\x1bb", "a\x7fb", 5):
        assert "comment" in fields(ReviewIn, {"rating": 5, "comment": comment}), comment
    assert "token" in fields(GuestReviewIn, {"rating": 5})
    assert "token" in fields(GuestReviewIn, {"rating": 5, "token": ""})


def test_a_reply_is_text_that_is_not_blank() -> None:
    assert validate(ReviewReplyIn, {"text": " Obrigada!\nAté breve. "}).text == (
        "Obrigada!\nAté breve."
    )
    for text in ("", "   ", "x" * 2001, "a\x08b", None, 1):
        assert "text" in fields(ReviewReplyIn, {"text": text}), text


def test_hiding_needs_a_reason_and_showing_refuses_one() -> None:
    hidden = validate(ReviewModeration, {"hidden": True, "reason": "  Cita  outra\npessoa "})
    assert (hidden.hidden, hidden.reason) == (True, "Cita outra pessoa")
    shown = validate(ReviewModeration, {"hidden": False})
    assert (shown.hidden, shown.reason) == (False, None)
    assert validate(ReviewModeration, {"hidden": False, "reason": None}).reason is None
    for body in (
        {"hidden": True},
        {"hidden": True, "reason": None},
        {"hidden": True, "reason": " \t "},
        {"hidden": True, "reason": "x" * 501},
        {"hidden": True, "reason": "a\x00b"},
        {"hidden": False, "reason": "why"},
    ):
        assert set(fields(ReviewModeration, body)) == {"reason"}, body
    wrong: list[dict[str, Any]] = [{}, {"hidden": "true"}, {"hidden": 1}, {"hidden": None}]
    for body in wrong:
        assert "hidden" in fields(ReviewModeration, body), body


def test_completing_a_session_asks_for_a_review_once_on_each_channel() -> None:
    client = Party("Maria Silva", "+5511987654321", "maria@example.com")
    started = Appointment("confirmed", "none", STARTS, STARTS + timedelta(minutes=50), 3)
    change = decide(
        started, "complete", role="professional", policy=Policy(), now=STARTS + timedelta(hours=1)
    )
    manage = "https://app.example/manage/x?token=t"
    found = messages_for(change, context(client=client, manage_url=manage, reason="done"))
    assert {(m["template"], m["audience"], m["channel"]) for m in found} == {
        ("review_request", "client", "whatsapp"),
        ("review_request", "client", "email"),
    }
    for message in found:
        assert message["params"]["reviewUrl"] == f"{manage}#review"
        assert message["params"]["startsAt"] == "2030-03-04T09:00:00-03:00"
        assert "reason" not in message["params"]  # the template takes none
        # The key's version is the completion's sequence: the one change that completes.
        assert message["messageKey"].startswith(f"{APPOINTMENT_ID}:3:review_request:")
        rendered = render(
            "review_request", message["channel"], message["params"], audience="client"
        )
        assert f"{manage}#review" in (rendered.html or rendered.text)
    # Without a guest link to point at, no request is sent.
    assert messages_for(change, context(client=client, manage_url=None)) == []


def test_the_professional_is_told_of_a_review_in_their_language() -> None:
    portuguese = review_written(ID, "Maria Silva", 4, STARTS, "America/Sao_Paulo", locale="pt-BR")
    english = review_written(ID, "Maria Silva", 4, STARTS, "America/New_York", locale="en")
    assert (portuguese.type, portuguese.appointment_id, portuguese.key) == ("review", ID, None)
    assert portuguese.title == "Nova avaliação"
    assert "Maria Silva deu nota 4 de 5" in portuguese.body
    assert english.title == "New review"
    assert "Maria Silva rated the session" in english.body
    assert "4 out of 5" in english.body
