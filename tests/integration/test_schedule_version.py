"""The schedule version against the real Postgres (migration 0011): what moves it, a warm
booking in one round trip, and a booking decided from remembered rules that changed meanwhile,
decided again and never written from the old rules, also under concurrent changes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.errors import SlotTaken, SlotUnavailable
from agenda.domain.queries import FreeSlotsRequest
from agenda.service.booking import BookingDependencies, create_booking, free_slots
from agenda.service.schedule import ScheduleCache
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, connect, next_weekday, rows
from tests.fakes import AllowAll
from tests.integration.test_booking_round_trips import RoundTrips
from tests.integration.test_unit_of_work import Queue

pytestmark = pytest.mark.integration

DAY = next_weekday(3, after_days=7)  # a Wednesday with the default hours


@pytest.fixture
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="version-test")
    yield db
    db.close()


def version(db: pg8000.native.Connection, pro: Professional) -> int:
    [row] = rows(db, "SELECT schedule_version FROM professionals WHERE id = :p", p=pro.id)
    return int(row["schedule_version"])


def deps(database: Database, cache: ScheduleCache) -> BookingDependencies:
    return BookingDependencies(
        uow=PostgresUnitOfWork(database, Queue()),
        limiter=AllowAll(),
        clock=lambda: datetime.now(UTC),
        schedules=cache,
    )


def book(booking: BookingDependencies, pro: Professional, hhmm: str, phone: str) -> str:
    body = {
        "slug": pro.slug,
        "startsAt": pro.at(DAY, hhmm).isoformat(),
        "clientName": "Maria Silva",
        "clientPhone": phone,
    }
    return str(create_booking(booking, body, source_ip="203.0.113.9")["status"])


def test_every_change_of_the_rules_moves_the_version_and_a_booking_does_not(
    db: pg8000.native.Connection,
    database: Database,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional()
    changes = [
        "UPDATE professionals SET auto_confirm = true WHERE id = :p",
        "INSERT INTO availability (professional_id, day_of_week, start_time, end_time) "
        "VALUES (:p, 6, '09:00', '12:00')",
        "UPDATE availability SET end_time = '13:00' WHERE professional_id = :p AND day_of_week = 6",
        "DELETE FROM availability WHERE professional_id = :p AND day_of_week = 6",
        "INSERT INTO availability_overrides (professional_id, on_date, start_time, end_time) "
        "VALUES (:p, CURRENT_DATE + 30, '10:00', '11:00')",
        "DELETE FROM availability_overrides WHERE professional_id = :p",
        "INSERT INTO blocked_periods (professional_id, starts_on, ends_on) "
        "VALUES (:p, CURRENT_DATE + 40, CURRENT_DATE + 41)",
        "DELETE FROM blocked_periods WHERE professional_id = :p",
    ]
    for sql in changes:
        before = version(db, pro)
        db.run(sql, p=pro.id)
        assert version(db, pro) > before, sql
    before = version(db, pro)
    assert book(deps(database, ScheduleCache()), pro, "09:00", "+5511912345678") == "confirmed"
    assert version(db, pro) == before


def test_a_professional_with_rules_of_every_kind_can_still_be_deleted(
    db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    db.run(
        "INSERT INTO availability_overrides (professional_id, on_date, start_time, end_time) "
        "VALUES (:p, CURRENT_DATE + 30, '10:00', '11:00')",
        p=pro.id,
    )
    db.run(
        "INSERT INTO blocked_periods (professional_id, starts_on, ends_on) "
        "VALUES (:p, CURRENT_DATE + 40, CURRENT_DATE + 41)",
        p=pro.id,
    )
    db.run("DELETE FROM professionals WHERE id = :p", p=pro.id)
    for table in ("professionals", "availability", "availability_overrides", "blocked_periods"):
        column = "id" if table == "professionals" else "professional_id"
        assert rows(db, f"SELECT 1 FROM {table} WHERE {column} = :p", p=pro.id) == []


def test_a_booking_after_its_page_is_one_round_trip(
    database: Database, make_professional: MakeProfessional, monkeypatch: pytest.MonkeyPatch
) -> None:
    pro = make_professional()
    cache = ScheduleCache()
    booking = deps(database, cache)
    free_slots(booking.uow, FreeSlotsRequest(pro.slug, DAY, 1), now=datetime.now(UTC), cache=cache)
    trips = RoundTrips(monkeypatch)
    assert book(booking, pro, "09:00", "+5511912345678") == "pending_confirmation"
    # The write alone (its messages go out after it, in the unit of work's dispatch).
    assert trips.count == 2  # the booking call, then the outbox rows marked as queued
    assert book(booking, pro, "09:50", "+5511912345679") == "pending_confirmation"
    assert trips.count == 4


def test_remembered_rules_that_changed_are_read_again_and_nothing_is_written_from_them(
    db: pg8000.native.Connection, database: Database, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    booking = deps(database, ScheduleCache())
    book(booking, pro, "09:00", "+5511912345678")
    db.run(
        "DELETE FROM availability WHERE professional_id = :p AND start_time >= '12:00'", p=pro.id
    )
    with pytest.raises(SlotUnavailable):
        book(booking, pro, "14:00", "+5511912345679")
    live = rows(db, "SELECT starts_at FROM appointments WHERE professional_id = :p", p=pro.id)
    assert [r["starts_at"] for r in live] == [pro.at(DAY, "09:00")]
    # A time taken by someone else while the rules were remembered: the constraint refuses it.
    other = deps(database, ScheduleCache())
    book(other, pro, "10:40", "+5511912345670")
    with pytest.raises(SlotTaken):
        book(booking, pro, "10:40", "+5511912345679")


def test_no_booking_is_written_from_hours_removed_before_it_committed(
    stack: LocalStack,
    db: pg8000.native.Connection,
    database: Database,
    make_professional: MakeProfessional,
) -> None:
    """Four warm functions book the afternoon while the professional removes it: every
    afternoon booking was written before the removal committed, none after."""
    pro = make_professional(session_duration=15)
    caches = [ScheduleCache() for _ in range(4)]
    for n, cache in enumerate(caches):  # each warm, with the afternoon in its rules
        book(deps(database, cache), pro, f"09:{15 * n:02d}", f"+55119000000{n:02d}")
    starts = [f"{h}:{m:02d}" for h in range(14, 18) for m in (0, 15, 30, 45)]
    removed_at: list[datetime] = []
    go = threading.Barrier(len(caches) + 1)
    # The removal starts once each function has booked an afternoon time from its rules.
    halfway = threading.Barrier(len(caches) + 1)
    failures: list[BaseException] = []

    def booker(n: int) -> None:
        own = Database(DatabaseSettings.from_url(stack.postgres.url), application_name=f"b{n}")
        booking = deps(own, caches[n])
        go.wait()
        for i, hhmm in enumerate(starts[n::4]):
            try:
                book(booking, pro, hhmm, f"+55119000000{n:02d}")  # returning: no plan cap
            except SlotUnavailable:
                pass
            except BaseException as exc:
                failures.append(exc)
            if i == 0:
                halfway.wait()
        own.close()

    def remover() -> None:
        conn = connect(stack.postgres.url)
        go.wait()
        halfway.wait()
        conn.run("DELETE FROM availability WHERE professional_id = :p AND start_time >= '12:00'",
                 p=pro.id)  # fmt: skip
        removed_at.append(conn.run("SELECT clock_timestamp()")[0][0])
        conn.close()

    threads = [threading.Thread(target=booker, args=(n,)) for n in range(4)]
    threads.append(threading.Thread(target=remover))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    afternoon = rows(
        db,
        "SELECT created_at FROM appointments WHERE professional_id = :p AND starts_at >= :noon",
        p=pro.id,
        noon=pro.at(DAY, "12:00"),
    )
    [removed] = removed_at
    assert len(afternoon) >= len(caches)
    assert all(r["created_at"] < removed for r in afternoon)
    # And after it, the afternoon is closed to every warm function.
    for n, cache in enumerate(caches):
        with pytest.raises(SlotUnavailable):
            book(deps(database, cache), pro, "17:45", f"+55119000000{n:02d}")
