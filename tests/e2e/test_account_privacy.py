"""A professional's privacy rights over HTTP, against the whole local stack: the export of
everything they own, and the deletion of their account in two phases (docs/privacy.md): the
clients with upcoming appointments are told first, through the real queue, consumer and
providers' stand-in; then the purge leaves no row of the professional in any table."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pg8000.native
import pytest
import requests

from agenda.contract import AccountDeletionStarted, AccountExport, ErrorResponse
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, bearer
from tests.conftest import MakeProfessional, Professional, fresh_ip, next_weekday, rows
from tests.e2e.test_account_avatar import confirm, form, png, upload

pytestmark = pytest.mark.e2e


def unique_professional(make_professional: MakeProfessional) -> Professional:
    # make_professional's default email is every test professional's: this one is its own, so
    # a search for it finds this professional's rows only.
    return make_professional(email=f"pro-{uuid.uuid4().hex[:12]}@example.com")


def export(api: str, stack: LocalStack, user_id: str) -> requests.Response:
    return requests.get(f"{api}/api/account/export", headers=bearer(stack, user_id), timeout=30)


def delete(api: str, stack: LocalStack, user_id: str, body: object) -> requests.Response:
    return requests.delete(
        f"{api}/api/account",
        data=json.dumps(body),
        headers={**bearer(stack, user_id), "content-type": "application/json"},
        timeout=30,
    )


def book(
    api: str, pro: Professional, starts_at: datetime, name: str, phone: str, email: str
) -> None:
    answer = requests.post(
        f"{api}/api/booking",
        json={
            "slug": pro.slug,
            "startsAt": starts_at.isoformat(),
            "clientName": name,
            "clientPhone": phone,
            "clientEmail": email,
        },
        headers={"x-forwarded-for": fresh_ip()},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text


def eventually(check: Callable[[], bool], *, seconds: float = 60, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def delivered(db: pg8000.native.Connection, recipient: str, template: str) -> bool:
    found = rows(
        db,
        "SELECT 1 FROM notification_deliveries WHERE recipient = :r AND template = :t"
        " AND status = 'sent'",
        r=recipient,
        t=template,
    )
    return bool(found)


def rows_naming(db: pg8000.native.Connection, values: list[str]) -> dict[str, int]:
    """Every table of the schema, every column, read as text: the rows in which one of the
    values appears, by table.column."""
    columns = rows(
        db,
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        " ORDER BY c.table_name, c.ordinal_position",
    )
    assert {"professionals", "notification_deliveries", "processed_stripe_events"} <= {
        c["table_name"] for c in columns
    }
    found: dict[str, int] = {}
    for column in columns:
        table = pg8000.native.identifier(column["table_name"])
        name = pg8000.native.identifier(column["column_name"])
        hits = db.run(
            f"SELECT count(*) FROM {table} WHERE EXISTS (SELECT 1 FROM"
            " unnest(CAST(:values AS text[])) AS v"
            f" WHERE strpos(lower(CAST({name} AS text)), lower(v)) > 0)",
            values=values,
        )[0][0]
        if hits:
            found[f"{column['table_name']}.{column['column_name']}"] = hits
    return found


def identifiers(pro: Professional, db: pg8000.native.Connection) -> list[str]:
    (row,) = rows(db, "SELECT name, phone, email FROM professionals WHERE id = :id", id=pro.id)
    phone_digits = "".join(ch for ch in row["phone"] if ch.isdigit())
    return [str(pro.id), pro.slug, row["name"], row["phone"], phone_digits, row["email"]]


# -- export ----------------------------------------------------------------------------------


def test_the_export_holds_everything_the_professional_owns_and_nothing_of_others(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = unique_professional(make_professional)
    other = unique_professional(make_professional)
    client = add_client(db, pro, name="Joana Prado")
    appointment = add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=3), "09:00"))
    db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, :b)",
        p=pro.id,
        c=client,
        b="Primeira sessão: ansiedade.",
    )
    db.run(
        "INSERT INTO messages (professional_id, client_id, sender, body) VALUES (:p, :c,"
        " 'client', 'Olá, doutora')",
        p=pro.id,
        c=client,
    )
    db.run(
        "INSERT INTO blocked_periods (professional_id, starts_on, ends_on, reason)"
        " VALUES (:p, DATE '2031-01-05', DATE '2031-01-09', 'férias')",
        p=pro.id,
    )
    other_client = add_client(db, other, name="Pessoa De Outro")
    db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, 'alheia')",
        p=other.id,
        c=other_client,
    )
    for who, whose_client in ((pro, client), (other, other_client)):
        db.run(
            "INSERT INTO client_changes (professional_id, client_id, action, fields, actor_role)"
            " VALUES (:p, :c, 'updated', '{tags}', 'professional')",
            p=who.id,
            c=whose_client,
        )
    other_appointment = add_appointment(
        db, other, other_client, other.at(next_weekday(2, after_days=3), "09:00")
    )
    for who, whose_client, session in (
        (pro, client, appointment),
        (other, other_client, other_appointment),
    ):
        review_id = db.run(
            "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, reply,"
            " replied_at) VALUES (:p, :c, :a, 4, :reply, now()) RETURNING id",
            p=who.id,
            c=whose_client,
            a=session,
            reply="Obrigada!" if who == pro else "resposta alheia",
        )[0][0]
        db.run(
            "INSERT INTO review_changes (review_id, professional_id, action, actor_id)"
            " VALUES (:r, :p, 'replied', :u)",
            r=review_id,
            p=who.id,
            u=who.user_id,
        )

    answer = export(api, stack, pro.user_id)

    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    document = answer.json()
    AccountExport.model_validate(document)
    assert document["professional"]["slug"] == pro.slug
    assert document["professional"]["phone"] == pro.phone
    assert [s["slug"] for s in document["slugs"]] == [pro.slug]
    assert len(document["availability"]) == 10  # five weekdays, two windows each
    assert document["blockedPeriods"][0]["reason"] == "férias"
    assert [c["name"] for c in document["clients"]] == ["Joana Prado"]
    assert [a["id"] for a in document["appointments"]] == [str(appointment)]
    assert [n["body"] for n in document["clientNotes"]] == ["Primeira sessão: ansiedade."]
    assert [m["body"] for m in document["messages"]] == ["Olá, doutora"]
    assert [(c["clientId"], c["fields"]) for c in document["clientChanges"]] == [
        (str(client), ["tags"])
    ]
    assert [(r["rating"], r["reply"]) for r in document["reviews"]] == [(4, "Obrigada!")]
    assert [(c["action"], c["actorId"]) for c in document["reviewChanges"]] == [
        ("replied", pro.user_id)
    ]
    assert "resposta alheia" not in answer.text
    assert "Pessoa De Outro" not in answer.text
    assert "alheia" not in answer.text
    # camelCase on the wire, as every body of the contract.
    assert "clientId" in document["appointments"][0]
    assert "client_id" not in answer.text


def test_the_export_is_only_for_a_professional(api: str, stack: LocalStack) -> None:
    answer = export(api, stack, f"nobody-{uuid.uuid4().hex}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "NOT_FOUND"


# -- deletion --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{}, {"confirm": ""}, {"confirm": "someone-else"}, {"confirm": 7}, {"confirm": None}],
)
def test_a_deletion_without_the_slug_is_refused_and_changes_nothing(
    api: str,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    body: dict[str, Any],
) -> None:
    pro = unique_professional(make_professional)
    client = add_client(db, pro)
    appointment = add_appointment(db, pro, client, pro.at(next_weekday(3, after_days=3), "10:00"))

    answer = delete(api, stack, pro.user_id, body)

    assert answer.status_code == 400, answer.text
    payload = answer.json()
    ErrorResponse.model_validate(payload)
    assert payload["error"]["code"] == "VALIDATION_FAILED"
    assert "confirm" in payload["error"]["fields"]
    (state,) = rows(
        db, "SELECT active, deletion_requested_at FROM professionals WHERE id = :id", id=pro.id
    )
    assert state == {"active": True, "deletion_requested_at": None}
    status = rows(db, "SELECT status FROM appointments WHERE id = :id", id=appointment)
    assert status == [{"status": "confirmed"}]
    assert not rows(db, "SELECT 1 FROM notification_outbox WHERE professional_id = :p", p=pro.id)


def test_a_deletion_tells_every_upcoming_client_first_then_leaves_no_row_anywhere(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    from tests.e2e.test_stripe_webhook import subscribe

    pro = unique_professional(make_professional)
    day = next_weekday(4, after_days=3)
    suffix = uuid.uuid4().hex[:8]
    clients = [
        ("Ana Souza", f"+5511987{uuid.uuid4().int % 10**6:06d}", f"ana-{suffix}@example.com"),
        ("Bruno Lima", f"+5511986{uuid.uuid4().int % 10**6:06d}", f"bruno-{suffix}@example.com"),
    ]
    # Two real bookings: messages to the professional and to the clients go through the queue
    # and are delivered, so delivery records (no foreign key) name the professional.
    for (name, phone, email), hhmm in zip(clients, ("09:00", "14:00"), strict=True):
        book(api, pro, pro.at(day, hhmm), name, phone, email)
    eventually(lambda: delivered(db, pro.phone, "booking_request"), what="booking requests")
    # A client whose only session is over: nothing to tell them.
    past_client = add_client(db, pro, name="Carla Dias", email=f"carla-{suffix}@example.com")
    add_appointment(db, pro, past_client, datetime.now(UTC) - timedelta(days=3), status="completed")
    db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, 'nota')",
        p=pro.id,
        c=past_client,
    )
    subscription, _ = subscribe(api, stack, pro, deliver=True)
    eventually(
        lambda: (
            rows(db, "SELECT subscription_status FROM professionals WHERE id = :id", id=pro.id)[0][
                "subscription_status"
            ]
            == "active"
        ),
        what="the subscription",
    )
    presigned = form(api, stack, pro)
    assert upload(presigned, png()).status_code == 204
    photo = confirm(api, stack, pro, presigned["key"]).json()["avatarUrl"]
    assert requests.get(photo, timeout=30).status_code == 200
    before = identifiers(pro, db)
    assert rows_naming(db, before)  # the search finds the professional while they exist

    # One client's email provider is down: the purge must wait for that message.
    held_back = clients[0][2]
    stack.providers.set_faults(status_by_recipient={held_back: 503})
    try:
        answer = delete(api, stack, pro.user_id, {"confirm": pro.slug})
        assert answer.status_code == 202, answer.text
        AccountDeletionStarted.model_validate(answer.json())
        assert answer.json() == {
            "status": "deletion_scheduled",
            "cancelledAppointments": 2,
            "notifiedClients": 2,
        }
        # The page is gone at once, and Stripe bills no more.
        page = requests.get(f"{api}/api/professionals/{pro.slug}", timeout=30)
        assert page.status_code == 404
        assert stack.stripe.object(subscription)["status"] == "canceled"
        assert requests.get(photo, timeout=30).status_code == 404  # the photo went first
        for _, phone, _ in clients:
            eventually(
                partial(delivered, db, phone, "cancelled_by_professional"),
                what="the cancellation by WhatsApp",
            )
        eventually(
            lambda: delivered(db, clients[1][2], "cancelled_by_professional"),
            what="the second client's email",
        )
        assert stack.fire("AccountPurge") == {"purged": 0}
        assert rows(db, "SELECT 1 FROM professionals WHERE id = :id", id=pro.id)
    finally:
        stack.providers.set_faults()
    eventually(
        lambda: delivered(db, held_back, "cancelled_by_professional"),
        what="the held-back email, retried",
    )

    purged_at = datetime.now(UTC)
    result = stack.fire("AccountPurge")

    assert result["purged"] == 1
    assert result["deliveries"] > 0
    assert result["stripe_events"] > 0
    assert rows_naming(db, before) == {}

    # Every client with an upcoming session got the cancellation on both channels, before the
    # purge (its reason names the closed account); the one whose session was over got nothing.
    def told(recipient: str) -> set[str]:
        return {
            m.channel
            for m in stack.providers.messages()
            if m.recipient == recipient
            and "encerrou a conta" in (m.text or "") + (m.html or "")
            and datetime.fromisoformat(m.received_at) < purged_at
        }

    for _, phone, email in clients:
        assert told(email) == {"email"}
        assert told(phone.lstrip("+")) == {"whatsapp"}
    assert told(f"carla-{suffix}@example.com") == set()


def test_a_repeated_deletion_answers_the_same_and_cancels_nothing_twice(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = unique_professional(make_professional)
    client = add_client(db, pro, email=None)
    add_appointment(db, pro, client, pro.at(next_weekday(2, after_days=4), "14:00"))

    first = delete(api, stack, pro.user_id, {"confirm": pro.slug})
    again = delete(api, stack, pro.user_id, {"confirm": pro.slug})

    assert first.status_code == again.status_code == 202
    assert first.json()["cancelledAppointments"] == 1
    assert again.json()["cancelledAppointments"] == 0
    keys = rows(
        db, "SELECT message_key FROM notification_outbox WHERE professional_id = :p", p=pro.id
    )
    assert len(keys) == 1  # the client has a phone only: one WhatsApp message, queued once


def test_writes_count_against_the_account_limit_and_the_export_does_not(
    api: str, stack: LocalStack, make_professional: MakeProfessional
) -> None:
    from agenda.domain.plans import RATE_LIMITS

    pro = unique_professional(make_professional)
    allowed = RATE_LIMITS["account"].max_requests
    for _ in range(allowed + 2):
        assert export(api, stack, pro.user_id).status_code == 200
    answers = [
        delete(api, stack, pro.user_id, {"confirm": "not-my-slug"}).status_code
        for _ in range(allowed)
    ]
    assert answers == [400] * allowed
    for write in (
        lambda: delete(api, stack, pro.user_id, {"confirm": pro.slug}),
        lambda: requests.post(
            f"{api}/api/account/avatar",
            json={"contentType": "image/png"},
            headers=bearer(stack, pro.user_id),
            timeout=30,
        ),
    ):
        limited = write()
        assert limited.status_code == 429, limited.text
        assert limited.json()["error"]["code"] == "RATE_LIMITED"
        assert int(limited.headers["retry-after"]) >= 1
    assert export(api, stack, pro.user_id).status_code == 200
    # The refused deletion changed nothing.
    assert export(api, stack, pro.user_id).json()["professional"]["deletionRequestedAt"] is None
