"""A professional who works in English gets English everywhere: emily-tutor, switched to `en`
for these tests, and her client receive every message her bookings produce in English (as the
local WhatsApp and email stand-in records them), her in-app notices and the client's calendar
file are in English, and the API's refusals about her are English whatever the request prefers.
Before the professional is known, the request's Accept-Language chooses."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pg8000.native
import pytest
import requests

from infra.local.providers import DeliveredMessage
from infra.local.stack import LocalStack
from tests.appointment_helpers import bearer, guest_get, guest_post, patch, queued, token_of
from tests.conftest import fresh_ip, rows

pytestmark = pytest.mark.e2e

EMILY = "emily-tutor"
EMILY_USER = "demo-user-emily"
NEW_YORK = ZoneInfo("America/New_York")
# Words only a Portuguese text has: none of them may reach an English message.
PORTUGUESE = re.compile(r"Olá|horário|agendamento|feira|às |Sessão|Ver detalhes|Motivo", re.I)
# Taken as the page showed it (the check before the write), or between the check and the write
# (the exclusion constraint): either way in English.
TAKEN = (
    "Someone has just booked that time: please choose another one",
    "This time was just taken, please choose another one",
)
ENGLISH_DAY = re.compile(
    r"(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), "
    r"(January|February|March|April|May|June|July|August|September|October|November|December)"
    r" \d{1,2} at \d{1,2}:\d{2} (AM|PM)"
)


@pytest.fixture
def emily_in_english(db: pg8000.native.Connection) -> Iterator[uuid.UUID]:
    [row] = rows(db, "SELECT id, locale FROM professionals WHERE slug = :s", s=EMILY)
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :id", id=row["id"])
    try:
        yield row["id"]
    finally:
        db.run("UPDATE professionals SET locale = :l WHERE id = :id", l=row["locale"], id=row["id"])


def _free_slots(api: str, *, days_ahead: int) -> list[dict[str, Any]]:
    first = (datetime.now(NEW_YORK) + timedelta(days=days_ahead)).date()
    answer = requests.get(
        f"{api}/api/booking",
        params={"slug": EMILY, "date": first.isoformat(), "days": "14"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return [slot for day in answer.json()["days"] for slot in day["slots"]]


def _book(api: str, starts_at: str, phone: str, email: str, **headers: str) -> requests.Response:
    return requests.post(
        f"{api}/api/booking",
        json={
            "slug": EMILY,
            "startsAt": starts_at,
            "clientName": "John Miller",
            "clientPhone": phone,
            "clientEmail": email,
        },
        headers={"x-forwarded-for": fresh_ip(), **headers},
        timeout=30,
    )


def _delivered(
    stack: LocalStack, recipients: set[str], count: int, *, since: int
) -> list[DeliveredMessage]:
    """The messages the stand-in recorded for these recipients after its first `since`
    messages, once there are `count`."""
    deadline = time.monotonic() + 30
    found: list[DeliveredMessage] = []
    while time.monotonic() < deadline:
        found = [
            m for m in stack.providers.messages()[since:] if m.recipient.lstrip("+") in recipients
        ]
        if len(found) >= count:
            return found
        time.sleep(0.2)
    pytest.fail(f"{len(found)} of {count} messages delivered: {[m.subject for m in found]}")


def _assert_english(message: DeliveredMessage) -> None:
    words = f"{message.subject or ''}\n{message.text}"
    assert not PORTUGUESE.search(words), words
    assert (message.text or "").startswith("Hi "), words
    if message.channel == "email":
        assert '<html lang="en">' in (message.html or "")


def test_emily_in_english_gets_every_message_calendar_file_and_error_in_english(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    emily_in_english: uuid.UUID,
) -> None:
    slots = _free_slots(api, days_ahead=8)
    assert len(slots) >= 2, "emily-tutor has no free slots in two weeks"
    first, later = slots[-2], slots[-1]
    suffix = f"{uuid.uuid4().int % 10**4:04d}"
    phone, email = f"+1646555{suffix}", f"john.{suffix}@example.com"
    client = {phone.lstrip("+"), email}

    # A booking: her request and the client's receipt.
    since = len(stack.providers.messages())
    booked = _book(api, first["startsAt"], phone, email, **{"accept-language": "pt-BR"})
    assert booked.status_code == 201, booked.text
    assert booked.json() == {"success": True, "status": "pending_confirmation"}
    [appointment] = rows(
        db,
        "SELECT a.id FROM appointments a JOIN clients c ON c.id = a.client_id"
        " WHERE a.professional_id = :p AND c.phone = :ph",
        p=emily_in_english,
        ph=phone,
    )
    appointment_id = appointment["id"]
    assert {m["params"]["locale"] for m in queued(db, appointment_id)} == {"en"}

    # The same time again: the refusal is about emily, so it is in her language, whatever the
    # request prefers.
    taken = _book(api, first["startsAt"], "+16465559999", "x@example.com", **{
        "accept-language": "pt-BR,pt;q=0.9"})  # fmt: skip
    assert taken.status_code == 409, taken.text
    assert taken.json()["error"]["code"] == "SLOT_TAKEN"
    assert taken.json()["error"]["message"] in TAKEN
    assert taken.headers["content-language"] == "en"

    # Her in-app notice of the request.
    inbox = requests.get(f"{api}/api/notifications", headers=bearer(stack, EMILY_USER), timeout=30)
    assert inbox.status_code == 200, inbox.text
    [notice] = [
        n for n in inbox.json()["items"] if n["data"].get("appointmentId") == str(appointment_id)
    ]
    assert notice["title"] == "New booking request"
    assert ENGLISH_DAY.search(notice["body"]), notice["body"]

    # She confirms; confirming again is refused in English.
    confirmed = patch(api, appointment_id, {"action": "confirm"}, bearer(stack, EMILY_USER))
    assert confirmed.status_code == 200, confirmed.text
    again = patch(
        api,
        appointment_id,
        {"action": "confirm"},
        {**bearer(stack, EMILY_USER), "accept-language": "pt-BR"},
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"] == {
        "code": "INVALID_TRANSITION",
        "message": "This appointment was already confirmed",
    }

    # The client's calendar file, through the link in their messages.
    [manage] = {
        m["params"]["manageUrl"]
        for m in queued(db, appointment_id)
        if m["template"] == "booking_confirmed"
    }
    _, token = token_of(manage)
    calendar = guest_get(api, appointment_id, token, "/calendar.ics")
    assert calendar.status_code == 200, calendar.text
    [event] = icalendar.Calendar.from_ical(calendar.text).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Session with Emily Carter"
    assert event["SUMMARY"].params["LANGUAGE"] == "en"

    # The client moves it, then cancels it: both sides are told, and she is notified in the app.
    moved = guest_post(
        api, appointment_id, "reschedule", {"token": token, "startsAt": later["startsAt"]}
    )
    assert moved.status_code == 200, moved.text
    cancelled = guest_post(api, appointment_id, "cancel", {"token": token})
    assert cancelled.status_code == 200, cancelled.text
    inbox = requests.get(f"{api}/api/notifications", headers=bearer(stack, EMILY_USER), timeout=30)
    titles = {
        n["title"]
        for n in inbox.json()["items"]
        if n["data"].get("appointmentId") == str(appointment_id)
    }
    assert titles == {
        "New booking request",
        "Booking rescheduled by the client",
        "Booking cancelled by the client",
    }

    # Every message the booking produced, on both channels, as the stand-in received them:
    # the client's receipt, confirmation, reschedule and cancellation, her request, the
    # client's reschedule and cancellation.
    expected = {
        (template, channel)
        for template in (
            "booking_request",
            "booking_received",
            "booking_confirmed",
            "rescheduled",
            "cancellation_confirmed",
            "cancelled_by_client",
        )
        for channel in ("whatsapp", "email")
    }
    outbox = {(m["template"], m["channel"]) for m in queued(db, appointment_id)}
    assert expected <= outbox
    to_client = _delivered(stack, client, 8, since=since)
    for message in to_client:
        _assert_english(message)
    subjects = {m.subject for m in to_client}
    assert "Session confirmed with Emily Carter" in subjects
    assert "Cancellation confirmed: your session with Emily Carter" in subjects
    # A time the client reads names the zone it is written in.
    # (WhatsApp carries no subject: its text opens with what the email's subject says.)
    [receipt] = [
        m for m in to_client if m.channel == "whatsapp" and "we received" in (m.text or "")
    ]
    assert re.search(ENGLISH_DAY.pattern + r" E[SD]T", receipt.text or ""), receipt.text
    # Hers: the request, the client's reschedule and cancellation, on both channels.
    [professional] = rows(db, "SELECT phone, email FROM professionals WHERE slug = :s", s=EMILY)
    theirs = {professional["phone"].lstrip("+"), professional["email"]}
    to_emily = [
        m
        for m in _delivered(stack, theirs, 6, since=since)
        if "John Miller" in f"{m.subject}{m.text}"
    ]
    assert {m.subject.split(":")[0] for m in to_emily if m.channel == "email" and m.subject} >= {
        "New booking request",
        "Booking rescheduled",
        "Booking cancelled",
    }
    for message in to_emily:
        _assert_english(message)


def test_an_error_before_the_professional_is_known_follows_accept_language(api: str) -> None:
    unknown = {"slug": "nobody-here", "date": "2030-01-07"}
    english = requests.get(
        f"{api}/api/booking", params=unknown, headers={"accept-language": "en-US"}, timeout=30
    )
    assert english.status_code == 404
    assert english.json()["error"] == {
        "code": "NOT_FOUND",
        "message": "We could not find this professional",
    }
    assert english.headers["content-language"] == "en"
    portuguese = requests.get(
        f"{api}/api/booking",
        params=unknown,
        headers={"accept-language": "pt-BR,pt;q=0.9,en;q=0.8"},
        timeout=30,
    )
    assert portuguese.json()["error"] == {
        "code": "NOT_FOUND",
        "message": "Não encontramos este profissional",
    }
    assert portuguese.headers["content-language"] == "pt-BR"
    # A field's problem too, with the field's name kept.
    bad = requests.get(
        f"{api}/api/booking",
        params={"slug": "dr-ana", "date": "2030-01-07", "days": "99"},
        headers={"accept-language": "pt-BR"},
        timeout=30,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "VALIDATION_FAILED"
    assert bad.json()["error"]["message"] == "A consulta é inválida"
    assert set(bad.json()["error"]["fields"]) == {"days"}
    assert bad.json()["error"]["fields"]["days"].startswith("deve ser um número inteiro de 1 a")


def test_a_portuguese_professionals_refusal_is_in_portuguese(
    api: str, db: pg8000.native.Connection
) -> None:
    # dr-ana works in Portuguese: a time outside her hours is refused in Portuguese even to a
    # request that prefers English.
    [ana] = rows(db, "SELECT locale, timezone FROM professionals WHERE slug = 'dr-ana'")
    assert ana["locale"] == "pt-BR"
    day = (datetime.now(ZoneInfo(ana["timezone"])) + timedelta(days=3)).date()
    while day.isoweekday() != 1:  # a Monday, a working day of hers
        day += timedelta(days=1)
    night = datetime.combine(day, datetime.min.time(), ZoneInfo(ana["timezone"])).replace(hour=3)
    answer = requests.post(
        f"{api}/api/booking",
        json={
            "slug": "dr-ana",
            "startsAt": night.isoformat(),
            "clientName": "Maria Silva",
            "clientPhone": "(11) 98765-4321",
        },
        headers={"x-forwarded-for": fresh_ip(), "accept-language": "en-US"},
        timeout=30,
    )
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == {
        "code": "SLOT_UNAVAILABLE",
        "message": "O profissional não atende nesse horário: escolha um dos horários livres",
    }
    assert answer.headers["content-language"] == "pt-BR"


def test_emilys_client_is_reminded_in_english(
    stack: LocalStack, db: pg8000.native.Connection, emily_in_english: uuid.UUID
) -> None:
    suffix = f"{uuid.uuid4().int % 10**4:04d}"
    phone = f"+1718555{suffix}"
    [client] = rows(
        db,
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'John Miller', :ph)"
        " RETURNING id",
        p=emily_in_english,
        ph=phone,
    )
    starts = datetime.now(NEW_YORK).replace(second=0, microsecond=0) + timedelta(minutes=40)
    db.run(
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
        " VALUES (:p, :c, :s, :e, 'confirmed')",
        p=emily_in_english,
        c=client["id"],
        s=starts,
        e=starts + timedelta(minutes=5),
    )
    since = len(stack.providers.messages())
    assert stack.fire("Reminders1h")["job"] == "reminders_1h"
    [reminder] = _delivered(stack, {phone.lstrip("+")}, 1, since=since)
    _assert_english(reminder)
    assert "starts soon" in (reminder.text or "")
    assert re.search(r"\d{1,2}:\d{2} (AM|PM) E[SD]T", reminder.text or ""), reminder.text
