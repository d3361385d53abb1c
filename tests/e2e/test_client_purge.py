"""A registered client's deletion end to end, against the whole local stack (docs/privacy.md,
"Clients"): bookings with two professionals through the real route (so every real copy of the
person exists: outbox rows, delivery records, audit rows, the professionals' notices), the
deletion, the messages out through the real queue and consumer, then the purge. After it, no
text, varchar or jsonb column of any table holds their name, phone or email, except the
professionals' own notes, which DESIGN.md keeps with the professional."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

import pg8000.native
import pytest
import requests

from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, bearer
from tests.conftest import MakeProfessional, fresh_ip, next_weekday, rows
from tests.e2e.test_client_privacy import (
    Person,
    book,
    client_row,
    delete,
    export,
    new_person,
    register,
    unique_professional,
)

pytestmark = pytest.mark.e2e

# The columns the search reads: every one that can hold text (DESIGN.md: "in SQL over every
# table"), listed from the catalogue so a table added later is searched too.
SEARCHED_TYPES = ("text", "character varying", "jsonb", "json")
# The professional's notes about the person stay theirs (DESIGN.md, "Deleting people"): a note
# may name the client, and is not searched.
KEPT_WITH_THE_PROFESSIONAL = {"client_notes.body"}


def eventually(check: Callable[[], bool], *, seconds: float = 60, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def delivered(db: pg8000.native.Connection, recipient: str, template: str) -> bool:
    return bool(
        rows(
            db,
            "SELECT 1 FROM notification_deliveries WHERE recipient = :r AND template = :t"
            " AND status = 'sent'",
            r=recipient,
            t=template,
        )
    )


def rows_naming(db: pg8000.native.Connection, values: list[str]) -> dict[str, int]:
    """Every text, varchar and jsonb column of every table: the rows in which one of the values
    appears (case-insensitively), by table.column."""
    columns = rows(
        db,
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t"
        "   ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'"
        "   AND c.data_type = ANY(CAST(:kinds AS text[]))"
        " ORDER BY c.table_name, c.ordinal_position",
        kinds=list(SEARCHED_TYPES),
    )
    tables = {c["table_name"] for c in columns}
    assert {"clients", "client_accounts", "notification_outbox", "notifications"} <= tables
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


def fire_purge(stack: LocalStack) -> dict[str, int]:
    result: dict[str, int] = stack.fire("ClientPurge")
    return result


def test_after_the_purge_no_column_of_any_table_names_the_client_and_each_professional_knows(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    first, second = unique_professional(make_professional), unique_professional(make_professional)
    person = new_person()
    day = next_weekday(2, after_days=4)
    upcoming = [
        book(api, db, first, first.at(day, "09:00"), person),
        book(api, db, second, second.at(day, "14:00"), person),
    ]
    # Every real copy exists before the deletion: both professionals' requests and the
    # person's own notices went through the queue and were delivered.
    for recipient, template in (
        (first.phone, "booking_request"),
        (second.phone, "booking_request"),
        (person.phone, "booking_received"),
        (person.email, "booking_received"),
    ):
        eventually(partial(delivered, db, recipient, template), what=f"{template} delivered")
    assert register(db, person) == 2
    mine = client_row(db, first, person)
    past = add_appointment(
        db, first, mine, datetime.now(UTC) - timedelta(days=10), status="completed"
    )
    # The professional's reply and hiding reason, and their record, name the person too.
    review_id = db.run(
        "INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment,"
        " reply, replied_at, hidden_at, hidden_reason)"
        " VALUES (:p, :c, :a, 5, :comment, :reply, now(), now(), :reason) RETURNING id",
        p=first.id,
        c=mine,
        a=past,
        comment=f"Ótima sessão! Assinado, {person.name}",
        reply=f"Obrigada, {person.name}!",
        reason=f"Traz o telefone {person.phone}",
    )[0][0]
    db.run(
        "INSERT INTO review_changes (review_id, professional_id, action, reason)"
        " VALUES (:r, :p, 'hidden', :reason)",
        r=review_id,
        p=first.id,
        reason=f"Traz o telefone {person.phone}",
    )
    note = f"{person.name} relata melhora; telefone {person.phone}"
    db.run(
        "INSERT INTO client_notes (professional_id, client_id, body) VALUES (:p, :c, :b)",
        p=first.id,
        c=mine,
        b=note,
    )
    db.run(
        "INSERT INTO messages (professional_id, client_id, sender, body)"
        " VALUES (:p, :c, 'client', 'Até amanhã')",
        p=first.id,
        c=mine,
    )
    db.run(
        "INSERT INTO notifications (professional_id, client_id, recipient, type, title, body)"
        " VALUES (:p, :c, 'client', 'reminder', 'Lembrete', :b)",
        p=first.id,
        c=mine,
        b=f"Olá {person.name}, sua sessão é amanhã",
    )
    db.run(
        "INSERT INTO follows (user_id, professional_id) VALUES (:u, :p)",
        u=person.user_id,
        p=second.id,
    )
    db.run(
        "INSERT INTO verification_codes (user_id, purpose, channel, destination, code_hash,"
        " expires_at) VALUES (:u, 'contact', 'email', :d, '\\x01', now() + interval '10 min')",
        u=person.user_id,
        d=person.email,
    )
    # A new email asked for and never confirmed: its code went out through the real route.
    pending = f"new-{person.email}"
    changed = requests.patch(
        f"{api}/api/client-profile",
        json={"email": pending},
        headers={**bearer(stack, person.user_id), "x-forwarded-for": fresh_ip()},
        timeout=30,
    )
    assert changed.status_code == 202, changed.text
    eventually(partial(delivered, db, pending, "verification_code"), what="the code")
    before = rows_naming(db, [*person.values(), pending])
    assert {
        "notification_outbox.payload",
        "notification_deliveries.recipient",
        "verification_codes.destination",
    } <= set(rows_naming(db, [pending]))
    # The copies the purge must reach: the person's rows, the queued messages and their
    # delivery records, the professionals' notices and the audit's labels.
    assert {
        "clients.name",
        "client_accounts.name",
        "notification_outbox.payload",
        "notification_deliveries.recipient",
        "notifications.body",
        "verification_codes.destination",
        "reviews.comment",
        "reviews.reply",
        "reviews.hidden_reason",
        "review_changes.reason",
        "client_notes.body",
    } <= set(before), before

    answer = delete(api, stack, person.user_id, {"confirm": person.email})
    assert answer.status_code == 202, answer.text
    assert answer.json()["cancelledAppointments"] == 2
    for pro in (first, second):
        for address in (pro.phone, pro.email):
            assert address is not None
            eventually(
                partial(delivered, db, address, "cancelled_by_client"),
                what="the professional's cancellation",
            )

    result = fire_purge(stack)

    # Other tests' deletions may be purged by the same run: this account is one of them.
    assert result["purged"] >= 1, result
    assert result["clients"] >= 2
    assert result["deliveries"] > 0
    assert not rows(db, "SELECT 1 FROM client_accounts WHERE user_id = :u", u=person.user_id)
    after = rows_naming(db, [*person.values(), pending])
    assert set(after) <= KEPT_WITH_THE_PROFESSIONAL, after
    # The professional's note is theirs, word for word, under the anonymised client.
    assert rows(db, "SELECT client_id, body FROM client_notes WHERE client_id = :c", c=mine) == [
        {"client_id": mine, "body": note}
    ]
    # The account link is gone everywhere, its sign-in too.
    assert rows_naming(db, [person.user_id]) == {}
    assert export(api, stack, person.user_id).status_code == 404
    # The history stays, anonymous: both rows, every appointment, the review's rating.
    for pro in (first, second):
        (row,) = rows(
            db,
            "SELECT c.id, c.name, c.phone, c.email, c.user_id, c.anonymised_at,"
            " (SELECT count(*) FROM appointments a WHERE a.client_id = c.id) AS appointments"
            " FROM clients c JOIN appointments a ON a.client_id = c.id WHERE a.id = ANY(:ids)"
            " AND c.professional_id = :p",
            ids=[str(a) for a in upcoming],
            p=pro.id,
        )
        assert row["name"] == "Cliente removido"
        assert row["phone"] == f"deleted:{row['id']}"
        assert row["email"] is None
        assert row["user_id"] is None
        assert row["anonymised_at"] is not None
        assert row["appointments"] == (2 if pro == first else 1)
        (notice,) = rows(
            db,
            "SELECT body FROM notifications WHERE professional_id = :p AND type = 'client_deleted'",
            p=pro.id,
        )
        assert "Cliente removido" in notice["body"]
    assert rows(db, "SELECT rating FROM reviews WHERE appointment_id = :a", a=past) == [
        {"rating": 5}
    ]


def test_the_purge_waits_for_a_message_to_the_client_still_on_its_way(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = unique_professional(make_professional)
    person = new_person()
    # The person's email provider is down: their booking notice is not delivered yet.
    stack.providers.set_faults(status_by_recipient={person.email: 503})
    try:
        book(api, db, pro, pro.at(next_weekday(3, after_days=4), "09:00"), person)
        eventually(lambda: delivered(db, person.phone, "booking_received"), what="the WhatsApp")
        register(db, person)
        assert delete(api, stack, person.user_id, {"confirm": person.phone}).status_code == 202

        fire_purge(stack)  # may purge other tests' deletions, never this one
        assert rows(db, "SELECT 1 FROM client_accounts WHERE user_id = :u", u=person.user_id)
        assert rows_naming(db, [person.name])  # nothing of them was scrubbed either
    finally:
        stack.providers.set_faults()
    eventually(lambda: delivered(db, person.email, "booking_received"), what="the retried email")

    assert fire_purge(stack)["purged"] >= 1
    assert not rows(db, "SELECT 1 FROM client_accounts WHERE user_id = :u", u=person.user_id)
    assert rows_naming(db, person.values()) == {}


def test_an_unclaimed_row_with_the_same_phone_is_not_the_accounts_and_stays(
    api: str, stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    claimed, unclaimed = (unique_professional(make_professional) for _ in range(2))
    person = new_person()
    day = next_weekday(4, after_days=5)
    book(api, db, claimed, claimed.at(day, "09:00"), person)
    register(db, person)
    # Booked after the account existed, never claimed: nothing proves the account holds it.
    other = Person(f"guest-{uuid.uuid4().hex[:6]}", person.name, person.phone, person.email)
    book(api, db, unclaimed, unclaimed.at(day, "14:00"), other)
    eventually(lambda: delivered(db, unclaimed.phone, "booking_request"), what="the request")
    eventually(lambda: delivered(db, person.email, "booking_received"), what="the notices")

    assert delete(api, stack, person.user_id, {"confirm": person.email}).status_code == 202
    eventually(
        lambda: (
            fire_purge(stack)["purged"] >= 1
            and not rows(db, "SELECT 1 FROM client_accounts WHERE user_id = :u", u=person.user_id)
        ),
        what="the purge",
    )

    (row,) = rows(
        db, "SELECT name, user_id FROM clients WHERE professional_id = :p", p=unclaimed.id
    )
    assert row == {"name": person.name, "user_id": None}
    assert rows(db, "SELECT name FROM clients WHERE professional_id = :p", p=claimed.id) == [
        {"name": "Cliente removido"}
    ]
