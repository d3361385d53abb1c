"""Offered <=> accepted, through the real SQL: the booking page, the booking check and the
database's exclusion constraint agree on every start.

For random schedules (written through the PUT path: validated, then replaced in one
transaction), buffers, steps, notice, zones with and without daylight saving (days on their
clock changes), overrides, blocked dates and appointment sets (each with its own buffers):

- every slot GET /api/booking lists (``free_slots``) passes the POST check (``booking_slot``),
  and the database accepts it with the buffers the check used;
- every start the check accepts on the listed days (every quarter hour, and five minutes either
  side of every listed start) is listed;
- a start the check calls taken is exactly one the database refuses (23P01).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pg8000.native
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pg8000.exceptions import DatabaseError

from agenda.adapters.postgres import EXCLUSION_VIOLATION, Database, Transaction, sqlstate
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.availability import parse_schedule
from agenda.domain.errors import SlotTaken, SlotUnavailable
from agenda.domain.queries import FreeSlotsRequest
from agenda.service.booking import booking_slot, free_slots
from agenda.settings import DatabaseSettings
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional

# Not the demo professionals' profession: they would show up among their related ones.
PROFESSION = "Availability test"

pytestmark = pytest.mark.integration

# (zone, a date on which its clock changes, or an ordinary one)
DAYS = [
    ("America/New_York", date(2027, 3, 14)),
    ("America/New_York", date(2027, 11, 7)),
    ("Europe/London", date(2027, 3, 28)),
    ("Australia/Lord_Howe", date(2027, 4, 4)),  # a half-hour change
    ("America/Sao_Paulo", date(2027, 6, 15)),  # no daylight saving since 2019
    ("Asia/Kolkata", date(2027, 3, 14)),  # never
    ("UTC", date(2027, 1, 4)),
]
FIVE = timedelta(minutes=5)


@pytest.fixture(scope="module")
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="agreement")
    try:
        yield db
    finally:
        db.close()


def hhmm(quarter: int) -> str:
    return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"


def windows() -> st.SearchStrategy[list[dict[str, str]]]:
    """Zero to two disjoint windows of one day, on quarter hours, often at night."""

    def pair(marks: list[int]) -> list[dict[str, str]]:
        marks = sorted(marks)[: len(marks) // 2 * 2]
        return [
            {"start": hhmm(a), "end": hhmm(b)} for a, b in zip(marks[::2], marks[1::2], strict=True)
        ]

    mark = st.integers(0, 95) | st.integers(0, 20)
    return st.lists(mark, min_size=0, max_size=4, unique=True).map(pair)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    zone, day = draw(st.sampled_from(DAYS))
    weekly = [{"weekday": weekday, **window} for weekday in range(7) for window in draw(windows())]
    first_day = day - timedelta(days=draw(st.integers(0, 1)))
    overrides = []
    if draw(st.booleans()):
        on = first_day + timedelta(days=draw(st.integers(0, 2)))
        chosen = draw(windows())
        if chosen:
            overrides.append({"date": on.isoformat(), "windows": chosen})
    blocked = []
    if draw(st.integers(0, 5)) == 0:
        start = first_day + timedelta(days=draw(st.integers(0, 2)))
        if not any(o["date"] == start.isoformat() for o in overrides):
            blocked.append({"start": start.isoformat(), "end": start.isoformat()})
    body = {
        "timezone": zone,
        "sessionDuration": draw(st.sampled_from([15, 30, 45, 50, 60, 90])),
        "bufferBeforeMinutes": draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        "bufferAfterMinutes": draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        "slotStepMinutes": draw(st.sampled_from([None, None, 5, 15, 30, 60])),
        "minNoticeMinutes": draw(st.sampled_from([0, 0, 60, 24 * 60])),
        "bookingHorizonDays": draw(st.sampled_from([1, 2, 60])),
        "weekly": weekly,
        "overrides": overrides,
        "blocked": blocked,
    }
    midnight = datetime.combine(first_day, time(0), ZoneInfo(zone)).astimezone(UTC)
    now = midnight + FIVE * draw(st.integers(-2 * 288, 288))
    appointments = [
        (
            midnight + FIVE * draw(st.integers(-12, 3 * 288)),
            draw(st.sampled_from([15, 30, 50, 60])),
            draw(st.sampled_from([0, 0, 5, 10, 30])),
            draw(st.sampled_from([0, 0, 5, 10, 30])),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]
    return {
        "body": body,
        "first_day": first_day,
        "days": 3,
        "now": now,
        "appointments": appointments,
    }


def insert_appointment(
    tx: Transaction,
    pro: UUID,
    client: UUID,
    starts: datetime,
    minutes: int,
    before: int,
    after: int,
    *,
    keep: bool = False,
) -> bool:
    """Whether the database accepts this appointment (23P01 is a refusal); kept if asked."""
    tx.execute("SAVEPOINT attempt")
    try:
        tx.execute(
            "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status,"
            " buffer_before_minutes, buffer_after_minutes)"
            " VALUES (:p, :c, :s, :e, 'confirmed', :b, :a)",
            p=pro,
            c=client,
            s=starts,
            e=starts + timedelta(minutes=minutes),
            b=before,
            a=after,
        )
    except DatabaseError as exc:
        if sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        tx.execute("ROLLBACK TO SAVEPOINT attempt")
        return False
    tx.execute("RELEASE SAVEPOINT attempt" if keep else "ROLLBACK TO SAVEPOINT attempt")
    return True


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_offered_slots_are_exactly_the_accepted_ones(
    scenario: dict[str, Any],
    database: Database,
    db: pg8000.native.Connection,
    make_professional: MakeProfessional,
) -> None:
    body = scenario["body"]
    pro = make_professional(profession=PROFESSION, timezone=body["timezone"], windows=())
    now: datetime = scenario["now"]
    schedule = parse_schedule(body, today=now.astimezone(ZoneInfo(body["timezone"])).date())
    uow = PostgresUnitOfWork(database, None)
    replaced = uow.run(lambda stores: stores.availability.replace(f"user-{pro.slug}", schedule))
    assert replaced == pro.id

    client = db.run(
        "INSERT INTO clients (professional_id, name, phone) VALUES (:p, 'Ana', :phone)"
        " RETURNING id",
        p=pro.id,
        phone=f"+55119{uuid4().int % 10**8:08d}",
    )[0][0]

    def add_appointments(tx: Transaction) -> None:
        # Whatever the database lets in (the others would overlap, buffers included).
        for starts, minutes, before, after in scenario["appointments"]:
            insert_appointment(tx, pro.id, client, starts, minutes, before, after, keep=True)

    database.transaction(add_appointments)

    first_day: date = scenario["first_day"]
    listing = free_slots(uow, FreeSlotsRequest(pro.slug, first_day, scenario["days"]), now=now)
    offered = {
        datetime.fromisoformat(slot["startsAt"]).astimezone(UTC)
        for day in listing["days"]
        for slot in day["slots"]
    }
    event("slots offered" if offered else "nothing offered")
    zone = ZoneInfo(body["timezone"])
    listed_dates = {date.fromisoformat(day["date"]) for day in listing["days"]}
    grid_start = datetime.combine(first_day, time(0), zone).astimezone(UTC) - timedelta(hours=2)
    # Every quarter hour (where windows start) and every offered start with its neighbours.
    candidates = {grid_start + 3 * FIVE * n for n in range(4 * 24 * (scenario["days"] + 1))}
    candidates |= {start + FIVE * shift for start in offered for shift in (-1, 0, 1)}

    def check(tx: Transaction) -> None:
        for starts in sorted(candidates):
            if starts.astimezone(zone).date() not in listed_dates:
                continue  # the listing says nothing about other dates
            try:
                found, slot = booking_slot(uow, pro.slug, starts, now=now)
                rules = found.rules
            except SlotUnavailable:
                assert starts not in offered, starts
                continue
            except SlotTaken:
                event("a slot taken by an appointment or its buffers")
                assert starts not in offered, starts
                # A slot of the rules that appointments cover: the database refuses it too.
                assert not insert_appointment(
                    tx,
                    pro.id,
                    client,
                    starts,
                    body["sessionDuration"],
                    body["bufferBeforeMinutes"],
                    body["bufferAfterMinutes"],
                ), starts
                continue
            assert starts in offered, starts
            # In UTC: an ambiguous local time compares unequal to every other zone (PEP 495).
            assert slot.starts_at.astimezone(UTC) == starts
            minutes = body["sessionDuration"]
            assert insert_appointment(
                tx,
                pro.id,
                client,
                starts,
                minutes,
                rules.buffer_before_minutes,
                rules.buffer_after_minutes,
            ), starts
        tx.execute("ROLLBACK")
        tx.execute("BEGIN")

    database.transaction(check)
