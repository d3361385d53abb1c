"""A registered client's privacy rights over HTTP, against the whole local stack: the export of
everything held about them across professionals, and the first phase of their deletion
(docs/privacy.md, "Clients"). The purge is tests/e2e/test_client_purge.py's."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pg8000.native
import pytest
import requests

from agenda.contract import ClientDeletionStarted, ClientProfileExport
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, bearer, error_code
from tests.client_claim_helpers import claim, invite, patch_contact
from tests.client_profile_helpers import follow, follows_of, get_profile
from tests.conftest import (
    MakeProfessional,
    PayingProfessional,
    Professional,
    fresh_ip,
    next_weekday,
    rows,
)

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class Person:
    """A client with an account: the sign-in, and the contact they booked with."""

    user_id: str
    name: str
    phone: str
    email: str

    @property
    def digits(self) -> str:
        return self.phone.lstrip("+")

    def values(self) -> list[str]:
        return [self.name, self.phone, self.digits, self.email]


def new_person(first: str = "Zuleica") -> Person:
    tag = uuid.uuid4().hex[:8]
    # Letters only in the name's tag: a search for it must not match an id by chance.
    letters = "".join(chr(ord("a") + int(c, 16) % 26) for c in tag)
    return Person(
        user_id=f"client-{tag}",
        name=f"{first} Q{letters}",
        phone=f"+55119{uuid.uuid4().int % 10**8:08d}",
        email=f"{first.lower()}-{tag}@example.com",
    )


def unique_professional(make_professional: MakeProfessional) -> Professional:
    return make_professional(email=f"pro-{uuid.uuid4().hex[:12]}@example.com")


def book(
    api: str, db: pg8000.native.Connection, pro: Professional, starts_at: datetime, person: Person
) -> uuid.UUID:
    """A booking through the real route; answers the appointment's id."""
    answer = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": starts_at.isoformat(),
            "clientName": person.name,
            "clientPhone": person.phone,
            "clientEmail": person.email,
        },
        headers={"x-forwarded-for": fresh_ip()},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    return uuid.UUID(
        str(
            rows(
                db,
                "SELECT a.id FROM appointments a JOIN clients c ON c.id = a.client_id"
                " WHERE a.professional_id = :p AND c.phone = :ph AND a.starts_at = :s",
                p=pro.id,
                ph=person.phone,
                s=starts_at,
            )[0]["id"]
        )
    )


def register(db: pg8000.native.Connection, person: Person) -> int:
    """The account a claim creates, made directly in the tables: the
    client_accounts row, and every client row with the person's phone claimed by it."""
    db.run(
        "INSERT INTO client_accounts (user_id, name, phone, email) VALUES (:u, :n, :p, :e)",
        u=person.user_id,
        n=person.name,
        p=person.phone,
        e=person.email,
    )
    claimed = db.run(
        "UPDATE clients SET user_id = :u WHERE phone = :p RETURNING id",
        u=person.user_id,
        p=person.phone,
    )
    return len(claimed)


def client_row(db: pg8000.native.Connection, pro: Professional, person: Person) -> uuid.UUID:
    found = rows(
        db,
        "SELECT id FROM clients WHERE professional_id = :p AND user_id = :u",
        p=pro.id,
        u=person.user_id,
    )
    return uuid.UUID(str(found[0]["id"]))


def export(api: str, stack: LocalStack, user_id: str) -> requests.Response:
    return requests.get(
        f"{api}/api/client-profile/export", headers=bearer(stack, user_id), timeout=30
    )


def delete(api: str, stack: LocalStack, user_id: str, body: object) -> requests.Response:
    return requests.delete(
        f"{api}/api/client-profile",
        data=json.dumps(body),
        headers={**bearer(stack, user_id), "content-type": "application/json"},
        timeout=30,
    )


# -- export ----------------------------------------------------------------------------------


def test_the_export_holds_everything_about_the_person_across_professionals_but_no_notes(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first, second = unique_professional(make_professional), unique_professional(make_professional)
    person, stranger = new_person(), new_person("Yolanda")
    day = next_weekday(3, after_days=4)
    booked = book(api, db, first, first.at(day, "09:00"), person)
    book(api, db, second, second.at(day, "14:00"), person)
    book(api, db, first, first.at(day, "14:00"), stranger)  # the same professional, someone else
    assert register(db, person) == 2
    register(db, stranger)
    mine = client_row(db, first, person)
    db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, :b)",
        p=first.id,
        c=mine,
        b="Nota privada: ansiedade",
    )
    db.run(
        "INSERT INTO messages (professional_id, client_id, sender, body)"
        " VALUES (:p, :c, 'client', 'Olá, doutora')",
        p=first.id,
        c=mine,
    )
    db.run(
        "INSERT INTO notifications (professional_id, client_id, recipient, type, title, body)"
        " VALUES (:p, :c, 'client', 'reminder', 'Lembrete', 'Sua sessão é amanhã')",
        p=first.id,
        c=mine,
    )
    db.run(
        "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment,"
        " reply, replied_at) VALUES (:p, :c, :a, 5, 'Ótima', 'Obrigada!', now())",
        p=first.id,
        c=mine,
        a=booked,
    )
    db.run(
        "INSERT INTO follows (user_id, professional_id) VALUES (:u, :p)",
        u=person.user_id,
        p=second.id,
    )
    db.run(
        "INSERT INTO verification_codes (user_id, purpose, channel, destination, code_hash,"
        " expires_at) VALUES (:u, 'contact', 'email', :d, '\\x0102', now() + interval '10 min')",
        u=person.user_id,
        d=person.email,
    )

    answer = export(api, stack, person.user_id)

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("attachment")
    document = ClientProfileExport.model_validate(answer.json()).model_dump(by_alias=True)
    assert document["account"]["userId"] == person.user_id
    assert {(c["professionalSlug"], c["name"]) for c in document["clients"]} == {
        (first.slug, person.name),
        (second.slug, person.name),
    }
    assert len(document["appointments"]) == 2
    assert str(booked) in {a["id"] for a in document["appointments"]}
    assert [m["body"] for m in document["messages"]] == ["Olá, doutora"]
    assert [n["title"] for n in document["notifications"]] == ["Lembrete"]
    # Their review, with the professional's reply to it.
    assert [(r["comment"], r["reply"]) for r in document["reviews"]] == [("Ótima", "Obrigada!")]
    assert [f["professionalSlug"] for f in document["follows"]] == [second.slug]
    (code,) = document["verificationCodes"]
    assert code["destination"] == person.email
    assert "codeHash" not in code
    # The booking notices sent to them, with their outcome (the queue may still hold some).
    sent = document["sentMessages"]
    assert {m["to"] for m in sent} <= {person.phone, person.email}
    assert "booking_received" in {m["template"] for m in sent}
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert "Nota privada" not in text  # the professional's record, not the client's
    assert "clientNotes" not in document
    for value in stranger.values():
        assert value not in text  # the other client of the same professional is not in it


def test_the_export_is_only_for_a_client_account(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    pro = unique_professional(make_professional)
    for user_id in (pro.user_id, f"nobody-{uuid.uuid4().hex[:8]}"):
        answer = export(api, stack, user_id)
        assert error_code(answer, 404) == "CLIENT_PROFILE_NOT_FOUND"


# -- deletion, phase one ----------------------------------------------------------------------


def state(db: pg8000.native.Connection, person: Person) -> list[dict[str, object]]:
    return rows(
        db,
        "SELECT ca.deletion_requested_at, a.id, a.status, a.sequence"
        " FROM client_accounts ca JOIN clients c ON c.user_id = ca.user_id"
        " JOIN appointments a ON a.client_id = c.id WHERE ca.user_id = :u ORDER BY a.id",
        u=person.user_id,
    )


@pytest.mark.parametrize(
    "body",
    [{}, {"confirm": ""}, {"confirm": "someone@example.com"}, {"confirm": 5}, {"confirm": "sim"}],
)
def test_a_deletion_without_the_accounts_email_or_phone_changes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, object],
) -> None:
    pro = unique_professional(make_professional)
    person = new_person()
    book(api, db, pro, pro.at(next_weekday(2, after_days=4), "09:00"), person)
    register(db, person)
    before = state(db, person)

    answer = delete(api, stack, person.user_id, body)

    assert error_code(answer, 400) == "VALIDATION_FAILED"
    assert "confirm" in answer.json()["error"]["fields"]
    assert state(db, person) == before
    assert before[0]["deletion_requested_at"] is None


def test_phase_one_cancels_every_upcoming_session_and_tells_each_professional_naming_no_one(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first, second = unique_professional(make_professional), unique_professional(make_professional)
    person = new_person()
    day = next_weekday(4, after_days=4)
    upcoming = [
        book(api, db, first, first.at(day, "09:00"), person),
        book(api, db, second, second.at(day, "14:00"), person),
    ]
    register(db, person)
    # Inside the notice (24 hours by default): cancelled too, as a late cancellation.
    soon = add_appointment(
        db, first, client_row(db, first, person), datetime.now(UTC) + timedelta(hours=3)
    )
    past = add_appointment(
        db,
        first,
        client_row(db, first, person),
        datetime.now(UTC) - timedelta(days=7),
        status="completed",
    )

    # The phone, written as people write it, confirms.
    national = person.phone[3:]
    answer = delete(api, stack, person.user_id, {"confirm": f"({national[:2]}) {national[2:]}"})

    assert answer.status_code == 202, answer.text
    ClientDeletionStarted.model_validate(answer.json())
    assert answer.json() == {
        "status": "deletion_scheduled",
        "cancelledAppointments": 3,
        "refundedAppointments": 0,
        "notifiedProfessionals": 2,
    }
    marked = rows(
        db, "SELECT deletion_requested_at FROM client_accounts WHERE user_id = :u", u=person.user_id
    )
    assert marked[0]["deletion_requested_at"] is not None
    for appointment in [*upcoming, soon]:
        (row,) = rows(
            db,
            "SELECT status, late_cancellation, status_changed_by FROM appointments WHERE id = :a",
            a=appointment,
        )
        assert row["status"] == "cancelled"
        assert row["status_changed_by"] == f"client:{person.user_id}"
        assert row["late_cancellation"] is (appointment == soon)
        audit = rows(
            db,
            "SELECT actor_role, actor_id, reason FROM appointment_changes"
            " WHERE appointment_id = :a AND action = 'cancel'",
            a=appointment,
        )
        assert audit == [
            {
                "actor_role": "client",
                "actor_id": person.user_id,
                "reason": "O cliente excluiu a conta na plataforma.",
            }
        ]
    assert rows(db, "SELECT status FROM appointments WHERE id = :a", a=past) == [
        {"status": "completed"}
    ]
    for pro in (first, second):
        (notice,) = rows(
            db,
            "SELECT title, body, data FROM notifications"
            " WHERE professional_id = :p AND type = 'client_deleted'",
            p=pro.id,
        )
        text = json.dumps(notice, ensure_ascii=False, default=str)
        for value in person.values():
            assert value not in text
        assert "Cliente removido" in notice["body"]
        assert notice["data"]["clientId"] == str(client_row(db, pro, person))
    # Each professional's copy of the cancellation names the placeholder, never the person.
    queued = rows(
        db,
        "SELECT payload FROM notification_outbox WHERE payload ->> 'template' ="
        " 'cancelled_by_client' AND split_part(message_key, ':', 1) = ANY(CAST(:ids AS text[]))",
        ids=[str(a) for a in [*upcoming, soon]],
    )
    assert sorted((q["payload"]["to"], q["payload"]["channel"]) for q in queued) == sorted(
        [(first.phone, "whatsapp"), (first.email, "email")] * 2
        + [(second.phone, "whatsapp"), (second.email, "email")]
    )
    assert {q["payload"]["params"]["clientName"] for q in queued} == {"Cliente removido"}


def test_a_repeated_deletion_answers_the_same_and_cancels_nothing_twice(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = unique_professional(make_professional)
    person = new_person()
    book(api, db, pro, pro.at(next_weekday(2, after_days=5), "14:00"), person)
    register(db, person)

    first = delete(api, stack, person.user_id, {"confirm": person.email.upper()})
    again = delete(api, stack, person.user_id, {"confirm": person.email})

    assert first.status_code == again.status_code == 202
    assert first.json()["cancelledAppointments"] == 1
    assert again.json()["cancelledAppointments"] == 0
    assert again.json()["notifiedProfessionals"] == 1
    notices = rows(
        db,
        "SELECT count(*) AS n FROM notifications WHERE professional_id = :p"
        " AND type = 'client_deleted'",
        p=pro.id,
    )
    assert notices == [{"n": 1}]  # told once


def test_once_the_deletion_began_the_account_claims_follows_and_changes_nothing(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro, other = unique_professional(make_professional), unique_professional(make_professional)
    person = new_person()
    book(api, db, pro, pro.at(next_weekday(2, after_days=5), "14:00"), person)
    register(db, person)
    # A row of theirs at another professional, unclaimed, with an invite of its own.
    book(api, db, other, other.at(next_weekday(2, after_days=5), "14:00"), person)
    db.run("UPDATE clients SET user_id = NULL WHERE professional_id = :p", p=other.id)
    unclaimed = rows(db, "SELECT id FROM clients WHERE professional_id = :p", p=other.id)[0]["id"]
    assert delete(api, stack, person.user_id, {"confirm": person.email}).status_code == 202

    headers = bearer(stack, person.user_id)
    answers = [
        get_profile(api, headers),
        follow(api, headers, other.slug),
        claim(api, headers, {"invite": invite(stack, unclaimed)}),
        patch_contact(api, headers, {"name": "Someone Else"}),
    ]
    assert [(a.status_code, a.json()["error"]["code"]) for a in answers] == [
        (404, "CLIENT_PROFILE_NOT_FOUND")
    ] * 4
    assert rows(db, "SELECT user_id FROM clients WHERE id = :c", c=unclaimed) == [{"user_id": None}]
    assert follows_of(db, person.user_id) == []


# -- money: the refunds the cancellations owe --------------------------------------------------


def paid_booking(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    pro: Professional,
    starts_at: datetime,
    person: Person,
) -> dict[str, object]:
    """A session held for payment through the real route, then paid in Stripe's stand-in."""
    answer = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": starts_at.isoformat(),
            "clientName": person.name,
            "clientPhone": person.phone,
            "clientEmail": person.email,
        },
        headers={"x-forwarded-for": fresh_ip()},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    stack.stripe.pay_checkout(str(answer.json()["checkoutUrl"].rsplit("/", 1)[-1]))
    (row,) = rows(
        db,
        "SELECT a.id, a.status, a.payment_status, a.stripe_payment_intent_id FROM appointments a"
        " JOIN clients c ON c.id = a.client_id WHERE c.phone = :ph AND a.professional_id = :p",
        ph=person.phone,
        p=pro.id,
    )
    assert (row["status"], row["payment_status"]) == ("confirmed", "paid")
    return row


def test_a_paid_session_cancelled_in_time_is_refunded_in_stripe(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    person = new_person()
    paid = paid_booking(api, stack, db, pro, pro.at(next_weekday(3, after_days=6), "10:00"), person)
    register(db, person)

    answer = delete(api, stack, person.user_id, {"confirm": person.email})

    assert answer.status_code == 202, answer.text
    assert answer.json()["refundedAppointments"] == 1
    intent = str(paid["stripe_payment_intent_id"])
    assert stack.stripe.object(intent)["amount_refunded"] == 15000
    (row,) = rows(
        db,
        "SELECT status, payment_status, stripe_refund_id FROM appointments WHERE id = :a",
        a=paid["id"],
    )
    assert (row["status"], row["payment_status"]) == ("cancelled", "refunded")
    assert row["stripe_refund_id"] is not None


def test_stripe_down_is_a_503_and_nothing_changes(
    api: str, stack: LocalStack, db: pg8000.native.Connection, paying: PayingProfessional
) -> None:
    pro = paying(auto_confirm=True)
    person = new_person()
    paid = paid_booking(api, stack, db, pro, pro.at(next_weekday(3, after_days=6), "11:00"), person)
    register(db, person)
    before = state(db, person)
    queued = rows(
        db, "SELECT count(*) AS n FROM notification_outbox WHERE professional_id = :p", p=pro.id
    )

    stack.stripe.fail_next(3, status=500)
    answer = delete(api, stack, person.user_id, {"confirm": person.email})

    assert error_code(answer, 503) == "SERVICE_UNAVAILABLE"
    assert answer.headers["retry-after"]
    assert state(db, person) == before
    assert before[0]["deletion_requested_at"] is None
    assert (
        rows(
            db, "SELECT count(*) AS n FROM notification_outbox WHERE professional_id = :p", p=pro.id
        )
        == queued
    )
    assert not rows(
        db,
        "SELECT 1 FROM notifications WHERE professional_id = :p AND type = 'client_deleted'",
        p=pro.id,
    )
    assert stack.stripe.object(str(paid["stripe_payment_intent_id"]))["amount_refunded"] == 0
