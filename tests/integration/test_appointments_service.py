"""The lifecycle service against the real Postgres: the exclusion constraint as the last word on
a reschedule, in-place moves, and nothing half-written when a change fails."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest

from agenda.adapters.postgres import Database
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.errors import SlotTaken
from agenda.service.appointments import AppointmentsDependencies, change_as_user
from agenda.service.links import GuestLinks
from agenda.service.records import OutboxMessage
from agenda.settings import DatabaseSettings, GuestLinkSettings, Secret
from infra.local.stack import LocalStack
from infra.migrate import connect
from tests.appointment_helpers import (
    add_appointment,
    add_client,
    changes,
    new_professional,
    queued,
    snapshot,
)
from tests.conftest import MakeProfessional, next_weekday, rows

pytestmark = pytest.mark.integration

APPLICATION = "lifecycle-race-test"


class AcceptingQueue:
    def __init__(self) -> None:
        self.sent: list[OutboxMessage] = []

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        self.sent += messages
        return {message.id for message in messages}


@pytest.fixture
def queue() -> AcceptingQueue:
    return AcceptingQueue()


@pytest.fixture
def deps(stack: LocalStack, queue: AcceptingQueue) -> Any:
    database = Database(DatabaseSettings.from_url(stack.postgres.url), application_name=APPLICATION)
    links = GuestLinks(
        GuestLinkSettings(
            app_base_url="http://127.0.0.1:3000",
            secret=Secret.of("integration-test-secret-0123456789"),
            valid_days_after=14,
        )
    )
    dependencies = AppointmentsDependencies(
        uow=PostgresUnitOfWork(database, queue),
        links=links,
        clock=lambda: datetime.now(UTC),
    )
    try:
        yield dependencies
    finally:
        database.close()


def wait_until_blocked(db: pg8000.native.Connection) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = rows(
            db,
            "SELECT 1 AS waiting FROM pg_stat_activity"
            " WHERE application_name = :name AND wait_event_type = 'Lock'",
            name=APPLICATION,
        )
        if waiting:
            return
        time.sleep(0.02)
    raise AssertionError("the reschedule never waited for the other transaction")


@pytest.mark.parametrize("other_commits", [True, False])
def test_the_exclusion_constraint_decides_a_race_the_slot_check_could_not_see(
    stack: LocalStack,
    db: pg8000.native.Connection,
    deps: AppointmentsDependencies,
    make_professional: MakeProfessional,
    other_commits: bool,
) -> None:
    """Another transaction takes the target slot but has not committed: the reschedule's slot
    check cannot see it, its UPDATE waits on the constraint, and the other's outcome decides."""
    pro = new_professional(make_professional)
    client = add_client(db, pro)
    day = next_weekday(2, after_days=3)
    appointment = add_appointment(db, pro, client, pro.at(day, "09:00"))
    before = snapshot(db, appointment)
    target = pro.at(day, "14:00")

    other = connect(stack.postgres.url)
    other.run("BEGIN")
    other.run(
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
        " VALUES (:p, :c, :s, :e, 'confirmed')",
        p=pro.id,
        c=client,
        s=target,
        e=target + timedelta(minutes=50),
    )
    outcome: dict[str, Any] = {}

    def reschedule() -> None:
        try:
            outcome["answer"] = change_as_user(
                deps,
                str(appointment),
                {"action": "reschedule", "startsAt": target.isoformat()},
                user_id=f"user-{pro.slug}",
            )
        except Exception as exc:  # handed to the test thread
            outcome["error"] = exc

    worker = threading.Thread(target=reschedule)
    worker.start()
    try:
        wait_until_blocked(db)
    finally:
        other.run("COMMIT" if other_commits else "ROLLBACK")
        other.close()
        worker.join(timeout=30)

    if other_commits:
        assert isinstance(outcome.get("error"), SlotTaken), outcome
        assert snapshot(db, appointment) == before
        assert changes(db, appointment) == []
        assert queued(db, appointment) == []
    else:
        assert "error" not in outcome, outcome
        assert outcome["answer"]["startsAt"] == target.isoformat()
        assert snapshot(db, appointment)["starts_at"] == target
        assert len(changes(db, appointment)) == 1


def test_a_reschedule_may_overlap_the_appointments_own_old_range(
    db: pg8000.native.Connection,
    deps: AppointmentsDependencies,
    make_professional: MakeProfessional,
) -> None:
    # Two windows make 09:00 and 09:30 both real 50-minute slots: moving from one to the other
    # overlaps the appointment's own current range, which must not count against it.
    pro = new_professional(
        make_professional, windows=((3, "09:00", "09:50"), (3, "09:30", "10:20"))
    )
    day = next_weekday(3, after_days=3)
    appointment = add_appointment(db, pro, add_client(db, pro), pro.at(day, "09:00"))
    answer = change_as_user(
        deps,
        str(appointment),
        {"action": "reschedule", "startsAt": pro.at(day, "09:30").isoformat()},
        user_id=f"user-{pro.slug}",
    )
    assert answer["time"] == "09:30"
    row = snapshot(db, appointment)
    assert row["starts_at"] == pro.at(day, "09:30")
    assert row["sequence"] == 1


def test_messages_are_dispatched_after_the_commit_and_marked(
    db: pg8000.native.Connection,
    deps: AppointmentsDependencies,
    queue: AcceptingQueue,
    make_professional: MakeProfessional,
) -> None:
    pro = new_professional(make_professional)
    appointment = add_appointment(
        db,
        pro,
        add_client(db, pro),
        pro.at(next_weekday(1, after_days=3), "09:00"),
        status="pending_confirmation",
    )
    change_as_user(deps, str(appointment), {"action": "confirm"}, user_id=f"user-{pro.slug}")
    assert {m.key.split(":")[2] for m in queue.sent} == {"booking_confirmed"}
    marked = rows(
        db,
        "SELECT EXISTS (SELECT 1 FROM notification_outbox_pending q WHERE q.id = o.id) AS pending"
        " FROM notification_outbox o WHERE o.message_key LIKE :k",
        k=f"{appointment}:%",
    )
    assert marked
    assert not any(row["pending"] for row in marked)
