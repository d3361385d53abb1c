"""The client list's SQL against the real Postgres (agenda.adapters.clients): the counts, what
is owed, the last and next appointment, the unread messages, the search by an accented name,
by phone digits and by email, the pages without duplicates or gaps, an anonymised client, and
a client's page of history in a single statement."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.clients import ClientDetails, parse_search
from agenda.service.records import ClientDetailRecord, ClientListPage, ClientSummary
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.appointment_helpers import add_appointment, add_client, new_professional
from tests.client_profile_helpers import client_row, new_phone
from tests.conftest import MakeProfessional, Professional
from tests.integration.test_booking_round_trips import RoundTrips

pytestmark = pytest.mark.integration


@pytest.fixture
def uow(stack: LocalStack) -> Iterator[PostgresUnitOfWork]:
    database = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="clients")
    yield PostgresUnitOfWork(database, None)
    database.close()


def page(
    uow: PostgresUnitOfWork,
    pro: Professional,
    *,
    q: str = "",
    after: tuple[str, uuid.UUID] | None = None,
    limit: int = 100,
) -> ClientListPage:
    found = uow.read(
        lambda stores: stores.clients.page(
            pro.user_id,
            now=datetime.now(UTC),
            search=parse_search(q),
            after=after,
            limit=limit,
        )
    )
    assert found is not None
    return found


def names(found: ClientListPage) -> list[str]:
    return [item.name for item in found.items]


def one(found: ClientListPage, client_id: uuid.UUID) -> ClientSummary:
    (item,) = [item for item in found.items if item.id == client_id]
    return item


def test_counts_owed_last_next_and_unread(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)  # session price 150
    client = add_client(db, pro, name="Maria Silva")
    now = datetime.now(UTC).replace(microsecond=0)
    day = timedelta(days=1)
    add_appointment(db, pro, client, now - 10 * day, status="completed", payment_status="paid")
    add_appointment(db, pro, client, now - 9 * day, status="completed", payment_status="none")
    priced = add_appointment(
        db, pro, client, now - 8 * day, status="no_show", payment_status="pending"
    )
    db.run("UPDATE appointments SET amount_due = 80 WHERE id = :a", a=priced)
    add_appointment(db, pro, client, now - 7 * day, status="completed", payment_status="refunded")
    add_appointment(db, pro, client, now - 6 * day, status="cancelled")
    last = add_appointment(
        db, pro, client, now - 5 * day, status="completed", payment_status="failed"
    )
    # Released and later ones are never the last; the rejected one is not counted at all.
    add_appointment(db, pro, client, now - 4 * day, status="rejected")
    add_appointment(db, pro, client, now - 3 * day, status="cancelled")
    soonest = add_appointment(db, pro, client, now + 2 * day, status="pending_confirmation")
    add_appointment(db, pro, client, now + 3 * day, status="confirmed")
    add_appointment(db, pro, client, now + day, status="cancelled")
    for sender, read in (
        ("client", False),
        ("client", False),
        ("client", True),
        ("professional", False),
    ):
        db.run(
            "INSERT INTO messages (professional_id, client_id, sender, body, read_at)"
            " VALUES (:p, :c, :s, 'oi', CASE WHEN :r THEN now() END)",
            p=pro.id,
            c=client,
            s=sender,
            r=read,
        )
    other = add_client(db, pro, name="Zé Ninguém")

    found = page(uow, pro)
    assert found.currency == "BRL"
    item = one(found, client)
    assert (item.sessions, item.no_shows, item.cancellations) == (4, 1, 3)
    # Unpaid outcomes: 150 (none) + 80 (no-show's own amount, pending) + 150 (failed).
    assert item.owed == Decimal("380.00")
    assert item.last_appointment is not None
    assert item.last_appointment.id == last
    assert item.last_appointment.status == "completed"
    assert item.next_appointment is not None
    assert item.next_appointment.id == soonest
    assert item.unread_messages == 2
    nobody = one(found, other)
    assert (nobody.sessions, nobody.no_shows, nobody.cancellations) == (0, 0, 0)
    assert nobody.owed == 0
    assert nobody.last_appointment is None
    assert nobody.next_appointment is None
    assert nobody.unread_messages == 0


def test_the_list_is_in_name_order_ignoring_case_and_accents(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    for name in ("bruno", "Ágata", "Carla", "agnes", "Álvaro"):
        add_client(db, pro, name=name, email=None)
    assert names(page(uow, pro)) == ["Ágata", "agnes", "Álvaro", "bruno", "Carla"]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("joao", ["João Gonçalves"]),
        ("GONCALVES", ["João Gonçalves"]),
        ("ÇAL", ["João Gonçalves"]),
        ("maria", ["Maria Luíza"]),
        ("luiza", ["Maria Luíza"]),
        ("@corp.example", ["Maria Luíza"]),
        ("MARIA.L", ["Maria Luíza"]),
        ("100%", ["Promo 100% Ana"]),
        ("_", []),
        ("xyz", []),
    ],
)
def test_search_by_name_part_and_email(
    uow: PostgresUnitOfWork,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    q: str,
    expected: list[str],
) -> None:
    pro = new_professional(make_professional)
    add_client(db, pro, name="João Gonçalves", email="jg@home.example")
    add_client(db, pro, name="Maria Luíza", email="maria.l@corp.example")
    add_client(db, pro, name="Promo 100% Ana", email=None)
    assert names(page(uow, pro, q=q)) == expected


def test_search_by_phone_digits(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    client_row(db, pro, phone="+5511987654321", name="Ana Phone")
    client_row(db, pro, phone="+5521912340000", name="Bia Phone")
    assert names(page(uow, pro, q="(11) 98765-4321")) == ["Ana Phone"]
    assert names(page(uow, pro, q="654")) == ["Ana Phone"]
    assert names(page(uow, pro, q="+55 21 9")) == ["Bia Phone"]
    assert names(page(uow, pro, q="+55 ")) == []  # two digits only: no phone search
    assert names(page(uow, pro, q="98")) == []  # two digits: no phone search


def test_another_professionals_clients_are_never_listed_or_found(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    mine, theirs = new_professional(make_professional), new_professional(make_professional)
    add_client(db, mine, name="Minha Cliente")
    theirs_client = add_client(db, theirs, name="Cliente Alheia")
    assert names(page(uow, mine)) == ["Minha Cliente"]
    assert names(page(uow, mine, q="alheia")) == []
    found = uow.read(
        lambda stores: stores.clients.detail(
            mine.user_id, theirs_client, now=datetime.now(UTC), after=None, limit=10
        )
    )
    assert found == "no_client"


def test_a_sign_in_without_a_professional_has_no_list(uow: PostgresUnitOfWork) -> None:
    user = f"nobody-{uuid.uuid4().hex[:8]}"
    assert (
        uow.read(
            lambda stores: stores.clients.page(
                user, now=datetime.now(UTC), search=None, after=None, limit=5
            )
        )
        is None
    )
    assert (
        uow.read(
            lambda stores: stores.clients.detail(
                user, uuid.uuid4(), now=datetime.now(UTC), after=None, limit=5
            )
        )
        == "no_professional"
    )


def test_pages_cover_every_client_once_even_with_equal_names(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    made = {
        add_client(db, pro, name=name, email=None)
        for name in ["Ana"] * 4 + ["ana", "Ána", "Bia"] * 2
    }
    seen: list[uuid.UUID] = []
    after = None
    while True:
        found = page(uow, pro, after=after, limit=3)
        seen += [item.id for item in found.items]
        if len(found.items) < 3:
            break
        last = found.items[-1]
        after = (last.sort_key, last.id)
    assert len(seen) == len(set(seen)) == len(made)
    assert set(seen) == made


def test_an_anonymised_client_is_listed_without_contact(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    gone = client_row(
        db,
        pro,
        phone=new_phone(),
        email="gone@example.com",
        anonymised=True,
        name="Cliente removido",
    )
    # The purge leaves a placeholder phone: it is never matched by digits.
    db.run("UPDATE clients SET phone = 'deleted:' || id WHERE id = :c", c=gone)
    item = one(page(uow, pro), gone)
    assert item.anonymised
    assert item.phone is None
    assert item.email is None
    assert names(page(uow, pro, q="gone@")) == []
    assert names(page(uow, pro, q="removido")) == ["Cliente removido"]


def test_a_clients_page_is_one_statement_with_each_appointments_trail(
    uow: PostgresUnitOfWork,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    now = datetime.now(UTC).replace(microsecond=0)
    made = [add_appointment(db, pro, client, now - timedelta(days=n)) for n in range(1, 6)]
    for appointment in made:
        for n, (action, old, new) in enumerate(
            (("confirm", "pending_confirmation", "confirmed"), ("cancel", "confirmed", "cancelled"))
        ):
            db.run(
                "INSERT INTO appointment_changes (appointment_id, professional_id, action,"
                " actor_role, actor_id, from_status, to_status, from_payment_status,"
                " to_payment_status, from_starts_at, to_starts_at, from_ends_at, to_ends_at,"
                " sequence, reason, changed_at) SELECT id, professional_id, :action, :role,"
                " :actor, :old, :new, 'none', 'none', starts_at, starts_at, ends_at, ends_at, 0,"
                " :reason, now() + make_interval(secs => :n) FROM appointments WHERE id = :a",
                a=appointment,
                action=action,
                role="professional" if n == 0 else "guest",
                actor=pro.user_id if n == 0 else None,
                old=old,
                new=new,
                reason=None if n == 0 else "could not come",
                n=n,
            )
    db.run(
        "INSERT INTO client_changes (professional_id, client_id, action, fields, actor_role,"
        " created_at) VALUES"
        " (:p, :c, 'created', '{name,phone}', 'professional', now() - interval '1 day'),"
        " (:p, :c, 'updated', '{tags}', 'professional', now())",
        p=pro.id,
        c=client,
    )

    def detail(after: tuple[datetime, uuid.UUID] | None) -> ClientDetailRecord:
        found = uow.read(
            lambda stores: stores.clients.detail(pro.user_id, client, now=now, after=after, limit=3)
        )
        assert isinstance(found, ClientDetailRecord)
        return found

    detail(None)  # connects
    trips = RoundTrips(monkeypatch)
    first = detail(None)
    assert trips.count == 1
    assert [a.id for a in first.appointments] == made[:3]  # newest first
    trail = first.appointments[0].changes
    assert [(c.action, c.by, c.reason) for c in trail] == [
        ("confirm", "professional", None),
        ("cancel", "guest", "could not come"),
    ]
    assert [(c.action, c.fields) for c in first.changes] == [
        ("updated", ("tags",)),
        ("created", ("name", "phone")),
    ]
    assert first.appointments[0].price == Decimal("150.00")
    last = first.appointments[-1]
    second = detail((last.starts_at, last.id))
    assert [a.id for a in second.appointments] == made[3:]


def test_writes_find_clashes_by_phone_then_email(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = new_professional(make_professional)
    by_phone = client_row(db, pro, phone="+5511911112222", email="first@example.com")
    by_email = client_row(db, pro, phone="+5511933334444", email="Second@Example.com")

    def clash(phone: str | None, email: str | None, excluding: uuid.UUID | None = None) -> object:
        return uow.read(
            lambda stores: stores.clients.clash(
                pro.id, phone=phone, email=email, excluding=excluding
            )
        )

    both = clash("+5511911112222", "second@example.com")
    assert both is not None
    assert (both.fields, both.client_id) == (("phone", "email"), by_phone)  # type: ignore[attr-defined]
    email_only = clash(None, "second@example.com")
    assert (email_only.fields, email_only.client_id) == (("email",), by_email)  # type: ignore[attr-defined]
    assert clash(None, "second@example.com", excluding=by_email) is None
    assert clash("+5511955556666", None) is None

    details = ClientDetails(name="Nova", phone="+5511911112222", email=None, tags=())
    assert uow.run(lambda stores: stores.clients.insert(pro.id, details, ("name", "phone"))) is None
    fresh = ClientDetails(name="Nova", phone="+5511977778888", email=None, tags=("a", "b"))
    made = uow.run(lambda stores: stores.clients.insert(pro.id, fresh, ("name", "phone", "tags")))
    assert made is not None
    [row] = db.run("SELECT source, tags FROM clients WHERE id = :c", c=made)
    assert row == ["professional", ["a", "b"]]
    [change] = db.run(
        "SELECT action, fields, actor_role FROM client_changes WHERE client_id = :c", c=made
    )
    assert change == ["created", ["name", "phone", "tags"], "professional"]


def test_an_update_onto_a_phone_taken_meanwhile_writes_nothing(
    uow: PostgresUnitOfWork, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    """A writer that takes no lock of the professional (a registered client changing their own
    phone) may hold the phone by the time the update runs: the update says so instead of
    failing, and nothing of it is kept."""
    pro = new_professional(make_professional)
    holder = client_row(db, pro, phone="+5511900001111")
    client = client_row(db, pro, phone="+5511900002222", name="Bia")
    taken = ClientDetails(name="Bia", phone="+5511900001111", email=None, tags=())

    class Raced(Exception):
        pass

    def work(stores: Any) -> None:
        if not stores.clients.update(pro.id, client, taken, ("phone",)):
            raise Raced  # as the service does: the transaction is spent, roll it back

    with pytest.raises(Raced):
        uow.run(work)
    assert db.run("SELECT phone FROM clients WHERE id = :c", c=client) == [["+5511900002222"]]
    assert db.run("SELECT count(*) FROM client_changes WHERE professional_id = :p", p=pro.id) == [
        [0]
    ]
    assert holder != client
