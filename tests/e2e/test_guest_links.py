"""POST /api/guest/links over HTTP, through the gateway, the queue, the consumer and the
messages stand-in: one message per professional to the contact asked with, each link a working
one; the same answer, no sooner, for a contact nobody booked with; the limits per address and
per contact."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import ErrorResponse, GuestLinksAccepted
from infra.local.providers import DeliveredMessage
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, guest_get, new_professional
from tests.conftest import MakeProfessional, fresh_ip, next_weekday, rows

pytestmark = pytest.mark.e2e

MANAGE_LINK = re.compile(r"http://[^\s\"<>]+/manage/([0-9a-f-]{36})\?token=([A-Za-z0-9_.-]+)")
FLOOR_SECONDS = 0.25


def ask(api: str, contact: object, *, ip: str | None = None, **headers: str) -> requests.Response:
    return requests.post(
        f"{api}/api/guest/links",
        json={"contact": contact},
        headers={"x-forwarded-for": ip or fresh_ip(), **headers},
        timeout=30,
    )


def delivered_to(
    stack: LocalStack, recipient: str, count: int, *, since: int
) -> list[DeliveredMessage]:
    """The messages the stand-in recorded for `recipient` after its first `since`, once there
    are `count` (and a moment more, so a surplus would show)."""
    deadline = time.monotonic() + 30
    found: list[DeliveredMessage] = []
    while time.monotonic() < deadline:
        found = _for(stack, recipient, since)
        if len(found) >= count:
            time.sleep(1.0)
            return _for(stack, recipient, since)
        time.sleep(0.2)
    pytest.fail(f"{len(found)} of {count} messages delivered: {[m.subject for m in found]}")


def _for(stack: LocalStack, recipient: str, since: int) -> list[DeliveredMessage]:
    wanted = recipient.lstrip("+")
    return [m for m in stack.providers.messages()[since:] if m.recipient.lstrip("+") == wanted]


def outbox_to(db: pg8000.native.Connection, recipient: str) -> list[dict[str, Any]]:
    found = rows(
        db,
        "SELECT payload FROM notification_outbox"
        " WHERE payload ->> 'template' = 'guest_links' AND payload ->> 'to' = :to ORDER BY id",
        to=recipient,
    )
    return [row["payload"] for row in found]


def test_one_message_per_professional_with_working_links_and_nothing_else(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    email = f"maria.{uuid.uuid4().hex[:10]}@example.com"
    ana, emily = new_professional(make_professional), new_professional(make_professional)
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=emily.id)
    day = next_weekday(2, after_days=3)
    with_ana, with_emily = add_client(db, ana, email=email), add_client(db, emily, email=email)
    soon = add_appointment(db, ana, with_ana, ana.at(day, "09:00"))
    later = add_appointment(db, ana, with_ana, ana.at(day + timedelta(days=7), "14:00"))
    english = add_appointment(db, emily, with_emily, emily.at(day, "10:00"))
    # Nothing left to do, or a link long expired: not sent.
    cancelled = add_appointment(db, ana, with_ana, ana.at(day, "16:30"), status="cancelled")
    long_ago = add_appointment(
        db, ana, with_ana, datetime.now(UTC) - timedelta(days=30), status="completed"
    )
    # A client record anonymised by a deletion matches nothing, even with the address left.
    gone_pro = new_professional(make_professional)
    gone = add_client(db, gone_pro, email=email)
    add_appointment(db, gone_pro, gone, gone_pro.at(day, "09:00"))
    db.run("UPDATE clients SET anonymised_at = now() WHERE id = :id", id=gone)

    since = len(stack.providers.messages())
    answer = ask(api, email.upper())
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"accepted": True}
    GuestLinksAccepted.model_validate(answer.json())
    assert answer.headers["cache-control"] == "no-store"

    messages = delivered_to(stack, email, 2, since=since)
    assert len(messages) == 2, [m.subject for m in messages]
    assert {m.channel for m in messages} == {"email"}
    by_language = {
        ("en" if m.subject and m.subject.startswith("Your") else "pt"): m for m in messages
    }
    assert set(by_language) == {"en", "pt"}
    linked_pt = [uuid.UUID(i) for i, _ in MANAGE_LINK.findall(by_language["pt"].text or "")]
    linked_en = [uuid.UUID(i) for i, _ in MANAGE_LINK.findall(by_language["en"].text or "")]
    assert linked_pt == [soon, later]
    assert linked_en == [english]
    assert cancelled not in linked_pt
    assert long_ago not in linked_pt
    assert "Hi Maria" in (by_language["en"].text or "")
    assert "Olá, Maria" in (by_language["pt"].text or "")
    # Each link opens its appointment.
    for appointment_id, token in MANAGE_LINK.findall(by_language["pt"].text or ""):
        opened = guest_get(api, uuid.UUID(appointment_id), token)
        assert opened.status_code == 200, opened.text
        assert opened.json()["id"] == appointment_id


def test_a_phone_is_answered_by_whatsapp(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, email=None)
    [(phone,)] = db.run("SELECT phone FROM clients WHERE id = :id", id=client)
    appointment = add_appointment(db, pro, client, pro.at(next_weekday(3, after_days=3), "09:00"))
    since = len(stack.providers.messages())
    # As a person types it: with spaces, a dash and the country code.
    typed = f"+55 {phone[3:5]} {phone[5:10]}-{phone[10:]}"
    answer = ask(api, typed)
    assert answer.status_code == 202, answer.text
    [message] = delivered_to(stack, phone.lstrip("+"), 1, since=since)
    assert message.channel == "whatsapp"
    assert [uuid.UUID(i) for i, _ in MANAGE_LINK.findall(message.text or "")] == [appointment]


def test_a_contact_nobody_booked_with_gets_the_same_answer_no_sooner(
    api: str, db: pg8000.native.Connection
) -> None:
    email = f"nobody.{uuid.uuid4().hex[:10]}@example.com"
    started = time.monotonic()
    answer = ask(api, email)
    took = time.monotonic() - started
    assert answer.status_code == 202, answer.text
    assert answer.json() == {"accepted": True}
    assert took >= FLOOR_SECONDS
    assert outbox_to(db, email) == []


@pytest.mark.parametrize(
    ("contact", "problem"),
    [("maria@", "email"), ("123", "phone"), ("", "at least"), (42, "string")],
)
def test_a_malformed_contact_is_a_400_naming_the_field(
    api: str, contact: object, problem: str
) -> None:
    answer = ask(api, contact)
    assert answer.status_code == 400, answer.text
    error = ErrorResponse.model_validate(answer.json()).error
    assert error.code == "VALIDATION_FAILED"
    assert error.fields is not None
    assert problem in error.fields["contact"].lower()


def test_one_address_is_limited_after_five_requests(api: str) -> None:
    ip = fresh_ip()
    for n in range(5):
        answer = ask(api, f"walk.{n}.{uuid.uuid4().hex[:8]}@example.com", ip=ip)
        assert answer.status_code == 202, answer.text
    limited = ask(api, f"walk.6.{uuid.uuid4().hex[:8]}@example.com", ip=ip)
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert int(limited.headers["retry-after"]) > 0
    # Another address still may.
    assert ask(api, f"other.{uuid.uuid4().hex[:8]}@example.com").status_code == 202


def test_one_contact_is_limited_from_any_number_of_addresses(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    email = f"flooded.{uuid.uuid4().hex[:10]}@example.com"
    pro = new_professional(make_professional)
    add_appointment(
        db, pro, add_client(db, pro, email=email), pro.at(next_weekday(4, after_days=3), "09:00")
    )
    for _ in range(3):
        assert ask(api, email).status_code == 202
    # The same contact written another way is the same contact.
    limited = ask(api, f"  {email.upper()} ")
    assert limited.status_code == 429, limited.text
    assert int(limited.headers["retry-after"]) > 0
    assert len(outbox_to(db, email)) == 3
