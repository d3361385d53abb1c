"""The review request, end to end (docs/client-relationship.md, "Reviews"): the professional
marks a session complete; the client gets the `review_request` message once on WhatsApp and
once by email (the stand-ins record them), its link opening the manage page's review form;
the client reviews through that guest link; the review shows, first name only, on the public
profile and on the professional's generated page once the publisher has run."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest

from infra.local.stack import LocalStack
from tests.account_helpers import profile
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    error_code,
    new_professional,
    patch,
    token_of,
)
from tests.conftest import MakeProfessional, rows
from tests.e2e.test_guest_links import delivered_to
from tests.e2e.test_professional_pages import published
from tests.review_helpers import guest_review

pytestmark = pytest.mark.e2e

REVIEW_LINK = re.compile(r"https?://[^\s\"'<>]+/manage/[^\s\"'<>]+#review")


def test_completing_a_session_asks_for_a_review_once_and_the_review_shows(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    email = f"lucia.{uuid.uuid4().hex[:8]}@example.com"
    client = add_client(db, pro, name="Lúcia Martins Rocha", email=email)
    [contact] = rows(db, "SELECT phone FROM clients WHERE id = :c", c=client)
    started = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    appointment = add_appointment(db, pro, client, started, status="confirmed")
    since = len(stack.providers.messages())

    done = patch(api, appointment, {"action": "complete"}, bearer(stack, pro.user_id))
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    # Completion is final: a second one is refused and asks nobody again.
    again = patch(api, appointment, {"action": "complete"}, bearer(stack, pro.user_id))
    assert error_code(again, 409) == "INVALID_TRANSITION"

    [whatsapp] = delivered_to(stack, contact["phone"], 1, since=since)
    [mail] = delivered_to(stack, email, 1, since=since)
    assert (whatsapp.channel, mail.channel) == ("whatsapp", "email")
    links: set[str] = set()
    for message in (whatsapp, mail):
        found = REVIEW_LINK.findall(f"{message.text or ''} {message.html or ''}")
        assert found, message
        links.update(link.replace("&amp;", "&") for link in found)
    [link] = links  # both channels carry the one link
    target, token = token_of(link.removesuffix("#review"))
    assert target == str(appointment)

    answer = guest_review(
        api, appointment, {"token": token, "rating": 5, "comment": "Excelente atendimento."}
    )
    assert answer.status_code == 201, answer.text

    public = profile(api, pro.slug).json()
    assert (public["reviewCount"], public["reviewAverage"]) == (1, 5.0)
    [shown] = public["reviews"]
    assert (shown["rating"], shown["comment"], shown["reviewerName"]) == (
        5,
        "Excelente atendimento.",
        "Lúcia",
    )

    html = published(api, pro.slug, "Excelente atendimento.")
    assert "Lúcia" in html
    # First names only.
    assert "Martins" not in html
    assert "Rocha" not in html

    # Nothing more reached the client: the request went out exactly once per channel.
    assert len(delivered_to(stack, contact["phone"], 1, since=since)) == 1
    assert len(delivered_to(stack, email, 1, since=since)) == 1
