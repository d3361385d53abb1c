"""POST /api/appointments over HTTP: the professional books a free time for a client by hand,
through the slot engine (notice and horizon lifted), the plan's caps, the exclusion
constraint, and the client's confirmation through the queue to the messages stand-in."""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import AppointmentOut
from infra.local.providers import DeliveredMessage
from infra.local.stack import LocalStack
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    bearer,
    changes,
    error_code,
    guest_get,
    new_professional,
    queued,
    templates,
)
from tests.client_profile_helpers import client_row, new_phone
from tests.conftest import MakeProfessional, Professional, next_weekday, rows

pytestmark = pytest.mark.e2e

MANAGE_LINK = re.compile(r"http://[^\s\"<>]+/manage/([0-9a-f-]{36})\?token=([A-Za-z0-9_.-]+)")


def book(
    api: str, stack: LocalStack, pro: Professional, body: object, user_id: str | None = None
) -> requests.Response:
    return requests.post(
        f"{api}/api/appointments",
        json=body,
        headers=bearer(stack, user_id or f"user-{pro.slug}"),
        timeout=30,
    )


def appointments_of(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, client_id, starts_at, ends_at, status, payment_status,"
        " buffer_before_minutes, buffer_after_minutes FROM appointments"
        " WHERE professional_id = :p ORDER BY starts_at",
        p=pro.id,
    )


def clients_of(db: pg8000.native.Connection, pro: Professional) -> list[dict[str, Any]]:
    return rows(
        db,
        "SELECT id, name, phone, email, source FROM clients WHERE professional_id = :p"
        " ORDER BY created_at",
        p=pro.id,
    )


def test_an_existing_client_is_booked_confirmed_and_listed(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    db.run(
        "UPDATE professionals SET buffer_before_minutes = 10, buffer_after_minutes = 5"
        " WHERE id = :p",
        p=pro.id,
    )
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    offered = requests.get(
        f"{api}/api/booking", params={"slug": pro.slug, "date": day.isoformat()}, timeout=30
    )
    # The slot the page offers first in the afternoon, buffers taken into account.
    starts = next(
        datetime.fromisoformat(slot["startsAt"])
        for slot in offered.json()["days"][0]["slots"]
        if slot["period"] != "morning"
    )
    answer = book(api, stack, pro, {"clientId": str(client), "startsAt": starts.isoformat()})
    assert answer.status_code == 201, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = AppointmentOut.model_validate(answer.json())
    assert body.status == "confirmed"
    assert body.payment_status == "none"
    assert body.starts_at == starts
    assert body.ends_at == starts + timedelta(minutes=pro.session_duration)
    assert body.client.id == client
    [row] = appointments_of(db, pro)
    assert row["id"] == body.id
    assert (row["status"], row["payment_status"]) == ("confirmed", "none")
    # The buffers it was checked with are stored with it, as a booking's are.
    assert (row["buffer_before_minutes"], row["buffer_after_minutes"]) == (10, 5)
    # As a public booking: no audit row, no notice to the professional, no message to them.
    assert changes(db, body.id) == []
    assert rows(db, "SELECT * FROM notifications WHERE professional_id = :p", p=pro.id) == []
    assert templates(queued(db, body.id)) == {
        ("booking_confirmed", "client", "whatsapp"),
        ("booking_confirmed", "client", "email"),
    }

    listed = requests.get(
        f"{api}/api/appointments",
        params={"view": "upcoming"},
        headers=bearer(stack, f"user-{pro.slug}"),
        timeout=30,
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == [answer.json()]


def test_a_new_client_by_details_is_added_as_the_clients_route_adds_one(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    phone = new_phone()
    starts = pro.at(next_weekday(3, after_days=3), "09:00")
    answer = book(
        api,
        stack,
        pro,
        {
            "client": {"name": "  João   Pereira ", "phone": phone, "email": "Joao@Example.com"},
            "startsAt": starts.isoformat(),
        },
    )
    assert answer.status_code == 201, answer.text
    [client] = clients_of(db, pro)
    assert (client["name"], client["phone"], client["email"], client["source"]) == (
        "João Pereira",
        phone,
        "joao@example.com",
        "professional",
    )
    assert answer.json()["client"] == {
        "id": str(client["id"]),
        "name": "João Pereira",
        "phone": phone,
        "email": "joao@example.com",
        "registered": False,
    }
    [created] = rows(
        db, "SELECT action, fields, actor_role FROM client_changes WHERE client_id = :c",
        c=client["id"],
    )  # fmt: skip
    assert created["action"] == "created"
    assert created["actor_role"] == "professional"
    assert list(created["fields"]) == ["name", "phone", "email"]
    # Without an account, the confirmation invites the client to register.
    [whatsapp] = [
        m for m in queued(db, uuid.UUID(answer.json()["id"])) if m["channel"] == "whatsapp"
    ]
    assert whatsapp["params"]["registerUrl"].startswith("http")


def test_a_client_given_by_details_is_matched_by_phone_then_by_email(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    phone = new_phone()
    by_phone = client_row(db, pro, phone=phone, name="Maria Silva")
    by_email = client_row(db, pro, phone=new_phone(), email="ana@example.com", name="Ana Lima")
    day = next_weekday(2, after_days=3)
    first = book(
        api,
        stack,
        pro,
        {
            "client": {"name": "Maria S.", "phone": phone},
            "startsAt": pro.at(day, "09:00").isoformat(),
        },
    )
    assert first.status_code == 201, first.text
    assert first.json()["client"]["id"] == str(by_phone)
    # Matched, not changed: the name on record stays.
    assert first.json()["client"]["name"] == "Maria Silva"
    second = book(
        api,
        stack,
        pro,
        {
            "client": {"name": "Ana", "phone": new_phone(), "email": "ANA@example.com"},
            "startsAt": pro.at(day, "09:50").isoformat(),
        },
    )
    assert second.status_code == 201, second.text
    assert second.json()["client"]["id"] == str(by_email)
    assert len(clients_of(db, pro)) == 2


def test_inside_the_notice_and_past_the_horizon_a_professional_may_book(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional, horizon_days=30)
    # A week's notice: the public page offers nothing this week.
    db.run("UPDATE professionals SET min_notice_minutes = 10080 WHERE id = :p", p=pro.id)
    client = add_client(db, pro)
    soon = pro.at(next_weekday(2, after_days=2), "09:00")
    far = pro.at(next_weekday(2, after_days=90), "09:00")
    for starts in (soon, far):
        public = requests.get(
            f"{api}/api/booking",
            params={"slug": pro.slug, "date": starts.date().isoformat()},
            timeout=30,
        )
        assert public.status_code == 200, public.text
        assert all(day["slots"] == [] for day in public.json()["days"])
        answer = book(api, stack, pro, {"clientId": str(client), "startsAt": starts.isoformat()})
        assert answer.status_code == 201, answer.text
        assert datetime.fromisoformat(answer.json()["startsAt"]) == starts
    # A year is as far as a professional books.
    beyond = pro.at(next_weekday(2, after_days=400), "09:00")
    refused = book(api, stack, pro, {"clientId": str(client), "startsAt": beyond.isoformat()})
    assert error_code(refused, 409) == "SLOT_UNAVAILABLE"
    assert len(appointments_of(db, pro)) == 2


@pytest.mark.parametrize(
    "when",
    [
        "outside the weekly hours",
        "not on a slot's step",
        "on a blocked day",
        "in the past",
    ],
)
def test_not_a_slot_is_slot_unavailable_and_writes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    when: str,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    if when == "outside the weekly hours":
        starts = pro.at(day, "12:30")
    elif when == "not on a slot's step":
        starts = pro.at(day, "09:20")
    elif when == "on a blocked day":
        db.run(
            "INSERT INTO blocked_periods (professional_id, starts_on, ends_on) VALUES (:p, :d, :d)",
            p=pro.id,
            d=day,
        )
        starts = pro.at(day, "09:00")
    else:
        past = datetime.now(pro.zone).date() - timedelta(days=7)
        while past.isoweekday() % 7 != 2:
            past -= timedelta(days=1)
        starts = pro.at(past, "09:00")
    answer = book(api, stack, pro, {"clientId": str(client), "startsAt": starts.isoformat()})
    assert error_code(answer, 409) == "SLOT_UNAVAILABLE"
    assert answer.headers["cache-control"] == "no-store"
    assert appointments_of(db, pro) == []


def test_overlapping_an_appointment_or_its_buffers_is_slot_taken(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    held = add_appointment(db, pro, add_client(db, pro, name="Outra Pessoa"), pro.at(day, "09:00"))
    answer = book(
        api, stack, pro, {"clientId": str(client), "startsAt": pro.at(day, "09:00").isoformat()}
    )
    assert error_code(answer, 409) == "SLOT_TAKEN"
    assert [row["id"] for row in appointments_of(db, pro)] == [held]
    # A pending request holds its time too.
    add_appointment(db, pro, client, pro.at(day, "14:00"), status="pending_confirmation")
    again = book(
        api, stack, pro, {"clientId": str(client), "startsAt": pro.at(day, "14:00").isoformat()}
    )
    assert error_code(again, 409) == "SLOT_TAKEN"
    assert len(appointments_of(db, pro)) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "startsAt"),
        ({"startsAt": "2030-01-01T09:00:00-03:00"}, "clientId"),
        (
            {
                "clientId": "x",
                "client": {"name": "Ana", "phone": "+5511987654321"},
                "startsAt": "2030-01-01T09:00:00-03:00",
            },
            "clientId",
        ),
        ({"clientId": str(uuid.uuid4()), "startsAt": "2030-01-01T09:00:00"}, "startsAt"),
        ({"clientId": str(uuid.uuid4()), "startsAt": "tomorrow"}, "startsAt"),
        (
            {
                "client": {"name": "A", "phone": "+5511987654321"},
                "startsAt": "2030-01-01T09:00:00-03:00",
            },
            "client.name",
        ),
        (
            {
                "client": {"name": "Ana Lima", "phone": "12"},
                "startsAt": "2030-01-01T09:00:00-03:00",
            },
            "client.phone",
        ),
        (
            {
                "client": {"name": "Ana Lima", "phone": "+5511987654321", "email": "nope"},
                "startsAt": "2030-01-01T09:00:00-03:00",
            },
            "client.email",
        ),
        (
            {
                "clientId": str(uuid.uuid4()),
                "startsAt": "2030-01-01T09:00:00-03:00",
                "reason": "phone call",
            },
            "reason",
        ),
    ],
)
def test_bad_input_is_400_naming_the_field(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
    field: str,
) -> None:
    pro = new_professional(make_professional)
    answer = book(api, stack, pro, body)
    assert error_code(answer, 400) == "VALIDATION_FAILED"
    assert field in answer.json()["error"]["fields"], answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert appointments_of(db, pro) == []
    assert clients_of(db, pro) == []


def test_a_body_that_is_not_an_object_is_400(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    for raw in ("[1, 2]", "not json"):
        answer = requests.post(
            f"{api}/api/appointments",
            data=raw,
            headers={**bearer(stack, f"user-{pro.slug}"), "content-type": "application/json"},
            timeout=30,
        )
        assert error_code(answer, 400) == "VALIDATION_FAILED"


def test_missing_anonymised_and_malformed_client_ids_are_the_same_404(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    other = new_professional(make_professional)
    starts = pro.at(next_weekday(2, after_days=3), "09:00").isoformat()
    ids = [
        str(uuid.uuid4()),
        str(client_row(db, pro, phone=new_phone(), anonymised=True)),
        str(add_client(db, other)),
        "not-a-uuid",
    ]
    answers = [book(api, stack, pro, {"clientId": cid, "startsAt": starts}) for cid in ids]
    for answer in answers:
        assert error_code(answer, 404) == "NOT_FOUND"
        assert answer.json() == answers[0].json()
    assert answers[0].json()["error"]["message"] == "Não encontramos este cliente"
    # In English, the clients route's words for a client that is not there.
    db.run("UPDATE professionals SET locale = 'en' WHERE id = :p", p=pro.id)
    missing = requests.get(
        f"{api}/api/clients/{uuid.uuid4()}", headers=bearer(stack, f"user-{pro.slug}"), timeout=30
    )
    in_english = book(api, stack, pro, {"clientId": ids[0], "startsAt": starts})
    assert error_code(in_english, 404) == "NOT_FOUND"
    assert in_english.json() == missing.json()
    assert appointments_of(db, pro) == []


def test_the_plan_cap_refuses_a_new_client_but_not_a_known_one(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)  # free: at most 10 clients
    known = [add_client(db, pro, email=None) for _ in range(10)]
    day = next_weekday(2, after_days=3)
    refused = book(
        api,
        stack,
        pro,
        {
            "client": {"name": "Nova Pessoa", "phone": new_phone()},
            "startsAt": pro.at(day, "09:00").isoformat(),
        },
    )
    assert error_code(refused, 403) == "PLAN_LIMIT_REACHED"
    assert len(clients_of(db, pro)) == 10
    assert appointments_of(db, pro) == []
    # The professional made the booking: nobody is told of the refusal but them, in the answer.
    assert rows(db, "SELECT * FROM notifications WHERE professional_id = :p", p=pro.id) == []
    welcome = book(
        api, stack, pro, {"clientId": str(known[0]), "startsAt": pro.at(day, "09:00").isoformat()}
    )
    assert welcome.status_code == 201, welcome.text


def test_the_month_cap_refuses_a_new_client(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)  # free: at most 20 appointments a month
    day = next_weekday(2, after_days=3)
    client = add_client(db, pro)
    first_of_month = datetime(day.year, day.month, 1, 8, tzinfo=pro.zone)
    for n in range(20):
        add_appointment(db, pro, client, first_of_month + timedelta(hours=n), minutes=30)
    refused = book(
        api,
        stack,
        pro,
        {"client": {"name": "Nova Pessoa", "phone": new_phone()},
         "startsAt": pro.at(day, "09:00").isoformat()},
    )  # fmt: skip
    assert error_code(refused, 403) == "PLAN_LIMIT_REACHED"
    assert len(clients_of(db, pro)) == 1


def test_a_sign_in_without_a_professional_account_is_403(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro, user_id=f"client-{uuid.uuid4().hex[:8]}")
    [[user]] = db.run("SELECT user_id FROM clients WHERE id = :c", c=client)
    body = {"clientId": str(client), "startsAt": pro.at(next_weekday(2), "09:00").isoformat()}
    answer = book(api, stack, pro, body, user_id=user)
    listed = requests.get(f"{api}/api/appointments", headers=bearer(stack, user), timeout=30)
    assert error_code(answer, 403) == "FORBIDDEN"
    assert answer.json() == listed.json()
    assert appointments_of(db, pro) == []


def _whatsapp_to(stack: LocalStack, phone: str, since: int) -> list[DeliveredMessage]:
    wanted = phone.lstrip("+")
    return [
        m for m in stack.providers.messages("whatsapp")[since:] if m.recipient.lstrip("+") == wanted
    ]


def test_the_confirmation_reaches_whatsapp_once_with_a_manage_link_that_opens(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    phone = new_phone()
    since = len(stack.providers.messages("whatsapp"))
    starts = pro.at(next_weekday(4, after_days=3), "15:40")
    answer = book(
        api,
        stack,
        pro,
        {"client": {"name": "Clara Nunes", "phone": phone}, "startsAt": starts.isoformat()},
    )
    assert answer.status_code == 201, answer.text
    appointment_id = answer.json()["id"]
    deadline = time.monotonic() + 30
    found: list[DeliveredMessage] = []
    while time.monotonic() < deadline and not found:
        found = _whatsapp_to(stack, phone, since)
        time.sleep(0.2)
    time.sleep(1.5)  # a duplicate would show by now
    [message] = _whatsapp_to(stack, phone, since)
    # Nothing went to the professional's phone: they made the booking.
    assert _whatsapp_to(stack, pro.phone, since) == []
    link = MANAGE_LINK.search(message.text or "")
    assert link is not None, message.text
    assert link.group(1) == appointment_id
    opened = guest_get(api, appointment_id, link.group(2))
    assert opened.status_code == 200, opened.text
    seen = opened.json()
    assert seen["status"] == "confirmed"
    assert datetime.fromisoformat(seen["startsAt"]).astimezone(UTC) == starts.astimezone(UTC)


def test_it_counts_against_the_clients_rate_limit(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    headers = bearer(stack, f"user-{pro.slug}")
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    first = book(
        api, stack, pro, {"clientId": str(client), "startsAt": pro.at(day, "09:00").isoformat()}
    )
    assert first.status_code == 201, first.text
    # The client list's writes and this route's share one limit: 60 per 10 minutes.
    for n in range(59):
        changed = requests.patch(
            f"{api}/api/clients/{client}", json={"tags": [f"t{n % 2}"]}, headers=headers, timeout=30
        )
        assert changed.status_code == 200, (n, changed.text)
    limited = book(
        api, stack, pro, {"clientId": str(client), "startsAt": pro.at(day, "09:50").isoformat()}
    )
    assert error_code(limited, 429) == "RATE_LIMITED"
    assert int(limited.headers["retry-after"]) > 0
    assert limited.headers["cache-control"] == "no-store"
    assert len(appointments_of(db, pro)) == 1
