"""The booking write against the real Postgres: how many round trips one booking takes (each a
flush of the client's socket followed by a wait for the server), the plan's caps exact under
concurrent bookings now that the lock, the counts and the write are one call, a second
statement refused where one was promised, and messages held for the response floor."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pg8000.native
import pytest
from pg8000 import core

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresStores, PostgresUnitOfWork
from agenda.domain.errors import PlanLimitReached
from agenda.service.booking import BookingDependencies, create_booking
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, next_weekday, rows
from tests.fakes import AllowAll
from tests.integration.test_unit_of_work import Queue

pytestmark = pytest.mark.integration


@pytest.fixture
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="trips-test")
    yield db
    db.close()


class RoundTrips:
    """Counts the flushes of pg8000's socket: each one sends what is buffered and waits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original: Callable[[Any], None] = core._flush

        def counted(sock: Any) -> None:
            self.count += 1
            original(sock)

        monkeypatch.setattr(core, "_flush", counted)


def add_clients(db: pg8000.native.Connection, pro: Professional, count: int) -> None:
    """`count` clients, each with a phone and an email of their own."""
    for i in range(count):
        db.run(
            "INSERT INTO clients (professional_id, name, phone, email) VALUES (:p, :n, :ph, :e)",
            p=pro.id,
            n=f"Client {i}",
            ph=f"+55119000{i:05d}",
            e=f"client{i}@example.com",
        )


def body(pro: Professional, hhmm: str, phone: str = "+5511987654321") -> dict[str, Any]:
    return {
        "slug": pro.slug,
        "startsAt": pro.at(next_weekday(2, after_days=7), hhmm).isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": phone,
    }


def deps(uow: PostgresUnitOfWork) -> BookingDependencies:
    return BookingDependencies(uow=uow, limiter=AllowAll(), clock=lambda: datetime.now(UTC))


def test_a_booking_is_two_round_trips_and_its_messages_one_more(
    database: Database, make_professional: MakeProfessional, monkeypatch: pytest.MonkeyPatch
) -> None:
    pro = make_professional()
    queue = Queue()
    uow = PostgresUnitOfWork(database, queue, defer_dispatch=True)
    create_booking(deps(uow), body(pro, "09:00"), source_ip="203.0.113.9")  # connects
    uow.dispatch_deferred()
    trips = RoundTrips(monkeypatch)
    answer = create_booking(deps(uow), body(pro, "09:50", "+5511912345678"), source_ip="x")
    assert answer["status"] == "pending_confirmation"
    # The schedule around the slot, then the whole write in one call.
    assert trips.count == 2
    sent_before = len(queue.sent)
    # The request to the professional (WhatsApp and email), the client's notice (WhatsApp).
    assert uow.dispatch_deferred() == 3
    assert trips.count == 3  # the outbox rows marked as queued, in one statement
    assert len(queue.sent) == sent_before + 3


def test_nothing_reaches_the_queue_before_the_deferred_dispatch(
    database: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    queue = Queue()
    uow = PostgresUnitOfWork(database, queue, defer_dispatch=True)
    create_booking(deps(uow), body(pro, "10:40"), source_ip="203.0.113.9")
    assert queue.sent == []
    pending = rows(
        db,
        "SELECT 1 FROM notification_outbox o JOIN notification_outbox_pending q USING (id)"
        " WHERE o.professional_id = :p",
        p=pro.id,
    )
    assert len(pending) == 3
    uow.dispatch_deferred()
    assert len(queue.sent) == 3
    assert uow.dispatch_deferred() == 0


def test_one_statement_means_one(database: Database) -> None:
    uow = PostgresUnitOfWork(database, Queue())

    def two(stores: PostgresStores) -> None:
        stores.outbox.add([])  # sends nothing
        stores.jobs.active_zones()
        stores.jobs.active_zones()

    with pytest.raises(RuntimeError, match="1 statement"):
        uow.run_one(two)


def test_the_free_plans_client_cap_holds_under_concurrent_bookings(
    database: Database,
    stack: LocalStack,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    # Nine clients of the free plan's ten already; seven new ones book at once.
    add_clients(db, pro, 9)
    times = ["09:00", "09:50", "10:40", "14:00", "14:50", "15:40", "16:30"]
    barrier = threading.Barrier(len(times))
    outcomes: list[str] = []

    def book(i: int) -> None:
        own = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="cap")
        try:
            uow = PostgresUnitOfWork(own, Queue())
            barrier.wait()
            try:
                create_booking(
                    deps(uow),
                    body(pro, times[i], f"+55219{i:08d}"),
                    source_ip=f"203.0.113.{i}",
                )
                outcomes.append("booked")
            except PlanLimitReached:
                outcomes.append("refused")
            except Exception as exc:
                outcomes.append(type(exc).__name__)
        finally:
            own.close()

    threads = [threading.Thread(target=book, args=(i,)) for i in range(len(times))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["booked"] + ["refused"] * (len(times) - 1)
    (count,) = rows(db, "SELECT count(*) AS n FROM clients WHERE professional_id = :p", p=pro.id)
    assert count["n"] == 10


def test_a_known_client_books_past_the_cap(
    database: Database, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    add_clients(db, pro, 10)
    uow = PostgresUnitOfWork(database, Queue())
    # Found by email, in any case, from another phone.
    known = {**body(pro, "09:00", "+5521955554444"), "clientEmail": "CLIENT3@example.com"}
    assert create_booking(deps(uow), known, source_ip="x")["status"] == "pending_confirmation"
    with pytest.raises(PlanLimitReached, match="not accepting new clients"):
        create_booking(deps(uow), body(pro, "09:50", "+5521966667777"), source_ip="x")
