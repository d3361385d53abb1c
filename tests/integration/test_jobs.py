"""The daily jobs against real Postgres, the local SQS queue, the consumer and the providers'
stand-in: each appointment gets exactly one reminder however the job is run, and exactly the
professional whose WhatsApp is down is told, once a day.

Reminder runs take their clock as an argument; the appointments they cover sit in 2031, where
no other test books, so what a run queues is this file's alone.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pg8000.native
import pytest

from agenda.adapters.health import EvolutionConnectionStates, SqsQueueDepth
from agenda.adapters.outbox_writer import OutboxWriterBehind
from agenda.adapters.postgres import Database, Transaction
from agenda.adapters.queue import SqsPublisher
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.reminders import Thresholds
from agenda.service.links import GuestLinks
from agenda.service.reminders import ReminderDependencies, run_reminders
from agenda.service.watchdog import WatchdogDependencies, run_watchdog
from agenda.settings import (
    DatabaseSettings,
    GuestLinkSettings,
    QueueSettings,
    WatchdogSettings,
    using_environment,
)
from infra.local.sqs import ensure_queue_pair
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", autouse=True)
def stack_environment(stack: LocalStack) -> Iterator[None]:
    """The settings these tests build read the stack's environment, as its functions do."""
    with using_environment(stack.environment()):
        yield


@pytest.fixture(scope="module")
def database(stack: LocalStack) -> Iterator[Database]:
    db = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="test_jobs")
    yield db
    db.close()


@pytest.fixture(scope="module")
def deps(stack: LocalStack, database: Database) -> ReminderDependencies:
    return ReminderDependencies(
        uow=PostgresUnitOfWork(database, SqsPublisher(QueueSettings.from_env())),
        links=GuestLinks(GuestLinkSettings.from_env()),
    )


def unique_phone() -> str:
    return f"+55319{uuid.uuid4().int % 10**8:08d}"


def book(
    db: pg8000.native.Connection,
    professional: Professional,
    starts_at: datetime,
    *,
    status: str = "confirmed",
    minutes: int = 30,
) -> dict[str, Any]:
    """An appointment written straight to the database, for a client of its own."""
    phone = unique_phone()
    email = f"c{uuid.uuid4().hex[:10]}@example.com"
    client_id = db.run(
        "INSERT INTO clients (professional_id, name, phone, email)"
        " VALUES (:p, 'Maria Silva', :phone, :email) RETURNING id",
        p=professional.id,
        phone=phone,
        email=email,
    )[0][0]
    appointment_id = db.run(
        "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
        " VALUES (:p, :c, :s, :e, :status) RETURNING id",
        p=professional.id,
        c=client_id,
        s=starts_at,
        e=starts_at + timedelta(minutes=minutes),
        status=status,
    )[0][0]
    return {"id": appointment_id, "phone": phone.lstrip("+"), "email": email, "at": starts_at}


def queued(db: pg8000.native.Connection, template: str, ids: list[Any]) -> Counter[str]:
    """How many outbox rows of `template` each appointment (or professional) has."""
    found = rows(
        db,
        "SELECT split_part(message_key, ':', 1) AS subject FROM notification_outbox"
        " WHERE payload ->> 'template' = :t AND split_part(message_key, ':', 1) = ANY(:ids)",
        t=template,
        ids=[str(i) for i in ids],
    )
    return Counter(row["subject"] for row in found)


def wait_for(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}")


def delivered(stack: LocalStack, recipients: set[str]) -> Counter[str]:
    return Counter(m.recipient for m in stack.providers.messages() if m.recipient in recipients)


# 08:00 in São Paulo on the Saturday before New York's spring DST change (2031-03-09 02:00).
RUN_24H = datetime(2031, 3, 8, 11, tzinfo=UTC)


@pytest.fixture
def behind(stack: LocalStack, deps: ReminderDependencies) -> Iterator[ReminderDependencies]:
    """As the function wires it: each page written and sent behind the run's reads, on a
    connection of its own."""
    database = Database(DatabaseSettings.from_url(stack.postgres.url), application_name="writer")
    writer = OutboxWriterBehind(
        PostgresUnitOfWork(database, SqsPublisher(QueueSettings.from_env()))
    )
    yield replace(deps, writer=writer)
    database.close()


@pytest.mark.parametrize("written", ["in the run", "behind the run"])
def test_24h_reminders_across_zones_and_a_dst_change_are_sent_exactly_once(
    stack: LocalStack,
    db: pg8000.native.Connection,
    request: pytest.FixtureRequest,
    written: str,
    make_professional: MakeProfessional,
) -> None:
    deps: ReminderDependencies = request.getfixturevalue(
        "deps" if written == "in the run" else "behind"
    )
    # Each professional's local tomorrow at RUN_24H (Auckland is already at 00:00 on the 9th).
    tomorrow = {
        "America/Sao_Paulo": date(2031, 3, 9),
        "America/New_York": date(2031, 3, 9),  # 23 hours long
        "Asia/Kolkata": date(2031, 3, 9),
        "Pacific/Auckland": date(2031, 3, 10),
    }
    expected, others, pros = [], [], []
    for zone_name, day in tomorrow.items():
        pro = make_professional(timezone=zone_name)
        pros.append(pro)
        zone = ZoneInfo(zone_name)

        def local(d: date, hhmm: str, zone: ZoneInfo = zone) -> datetime:
            return datetime.combine(d, datetime.strptime(hhmm, "%H:%M").time(), zone)

        for hhmm in ("00:00", "03:30", "23:30"):  # 03:30 is after New York's jump
            expected.append(book(db, pro, local(day, hhmm)))
        others.append(book(db, pro, local(day - timedelta(days=1), "23:30")))  # today
        others.append(book(db, pro, local(day + timedelta(days=1), "00:00")))  # day after
        others.append(book(db, pro, local(day, "10:00"), status="pending_confirmation"))
        others.append(book(db, pro, local(day, "12:00"), status="cancelled"))
    resting = make_professional(active=False)
    others.append(book(db, resting, datetime(2031, 3, 9, 13, tzinfo=UTC)))

    first = run_reminders("reminders_24h", deps, now=RUN_24H, page_size=4)
    assert first.appointments == len(expected)
    assert first.pages > 3  # it really paged
    # A late run, and a run by hand on the same day: the same window, nothing new.
    late = run_reminders("reminders_24h", deps, now=RUN_24H + timedelta(minutes=50))
    again = run_reminders("reminders_24h", deps, now=RUN_24H + timedelta(hours=3))
    assert late.queued == again.queued == 0

    ids = [a["id"] for a in expected + others]
    counts = queued(db, "reminder_24h", ids)
    assert counts == Counter({str(a["id"]): 2 for a in expected})  # WhatsApp and email

    # Every client of a reminded appointment receives it once on each channel, nobody else.
    wanted = {a["phone"] for a in expected} | {a["email"] for a in expected}
    unwanted = {a["phone"] for a in others} | {a["email"] for a in others}
    wait_for(lambda: len(delivered(stack, wanted)) == len(wanted), seconds=60, what="the reminders")
    assert set(delivered(stack, wanted).values()) == {1}
    assert not delivered(stack, unwanted)
    text = next(m.text for m in stack.providers.messages() if m.recipient == expected[4]["phone"])
    assert text is not None
    assert "domingo, 09/03 às 03:30" in text  # New York's wall clock, after the jump
    assert "/manage/" in text

    # The agenda of the day went to each professional with an appointment today, once.
    agendas = queued(db, "daily_agenda", [p.id for p in pros])
    assert agendas == Counter({str(p.id): 2 for p in pros})

    # A rescheduled appointment (its sequence moves on) gets a fresh reminder for its new time.
    moved = expected[0]
    db.run(
        "UPDATE appointments SET starts_at = starts_at + interval '8 hours',"
        " ends_at = ends_at + interval '8 hours', sequence = sequence + 1 WHERE id = :id",
        id=moved["id"],
    )
    after_move = run_reminders("reminders_24h", deps, now=RUN_24H + timedelta(hours=4))
    assert after_move.appointments == 1
    assert queued(db, "reminder_24h", [moved["id"]])[str(moved["id"])] == 4


class CrashAfter:
    """A database whose connection is lost for good after `pages` transactions (its reads
    outside a transaction go through): the job dies half way, as a Lambda killed by its
    timeout would."""

    def __init__(self, db: Database, pages: int) -> None:
        self._db = db
        self._left = pages

    def transaction(self, work: Callable[[Transaction], Any], **kwargs: Any) -> Any:
        if kwargs.get("begin", True):
            if self._left == 0:
                raise RuntimeError("the container died")
            self._left -= 1
        return self._db.transaction(work, **kwargs)

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        return self._db.query(sql, **params)


def test_a_run_that_died_half_way_is_simply_run_again(
    db: pg8000.native.Connection,
    deps: ReminderDependencies,
    database: Database,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional(timezone="America/Sao_Paulo")
    now = datetime(2031, 5, 13, 11, tzinfo=UTC)
    day = date(2031, 5, 14)
    booked = [
        book(
            db,
            pro,
            datetime.combine(day, datetime.min.time(), pro.zone) + timedelta(minutes=35 * n),
        )
        for n in range(23)
    ]
    # The lease's transaction, then two pages.
    crashing = ReminderDependencies(
        PostgresUnitOfWork(CrashAfter(database, 3), SqsPublisher(QueueSettings.from_env())),  # type: ignore[arg-type]
        deps.links,
    )
    with pytest.raises(RuntimeError):
        run_reminders("reminders_24h", crashing, now=now, page_size=5, holder="request-1")
    ids = [a["id"] for a in booked]
    assert sum(1 for n in queued(db, "reminder_24h", ids).values() if n) == 10  # two pages

    # The dead run could not release its lease: another run waits for it to run out ...
    assert run_reminders("reminders_24h", deps, now=now).lease == "held"
    # ... while Lambda's retry of the same invocation (its request id) takes it back.
    rerun = run_reminders("reminders_24h", deps, now=now, page_size=5, holder="request-1")
    assert rerun.lease == "taken"
    assert rerun.appointments == 13  # only what the first run did not reach
    assert queued(db, "reminder_24h", ids) == Counter({str(i): 2 for i in ids})


def test_overlapping_1h_runs_remind_each_appointment_once(
    db: pg8000.native.Connection,
    deps: ReminderDependencies,
    make_professional: MakeProfessional,
) -> None:
    pro = make_professional(timezone="America/New_York")
    now = datetime(2031, 6, 10, 12, tzinfo=UTC)
    offsets = (5, 30, 65, 74, 80, 120)  # minutes from the first run
    booked = {m: book(db, pro, now + timedelta(minutes=m), minutes=5) for m in offsets}
    runs = [
        now,
        now + timedelta(minutes=5),
        now + timedelta(minutes=7),
        now + timedelta(minutes=20),
    ]
    for run in runs:
        run_reminders("reminders_1h", deps, now=run)
    counts = queued(db, "reminder_1h", [a["id"] for a in booked.values()])
    # 5 minutes ahead is too late to remind; 120 is not due before the last run.
    assert counts == Counter({str(booked[m]["id"]): 2 for m in (30, 65, 74, 80)})
    assert not queued(db, "reminder_24h", [a["id"] for a in booked.values()])


def test_both_jobs_fire_on_demand_in_the_local_stack(
    stack: LocalStack, db: pg8000.native.Connection, make_professional: MakeProfessional
) -> None:
    pro = make_professional()
    soon = book(db, pro, datetime.now(UTC) + timedelta(minutes=40), minutes=5)
    first = stack.fire("Reminders1h")
    assert first["job"] == "reminders_1h"
    assert first["appointments"] >= 1
    stack.fire("Reminders1h")  # fired twice: still one reminder
    assert queued(db, "reminder_1h", [soon["id"]]) == Counter({str(soon["id"]): 2})
    wait_for(
        lambda: delivered(stack, {soon["phone"]})[soon["phone"]] == 1,
        seconds=30,
        what="the 1-hour reminder",
    )
    assert stack.fire("Reminders24h")["job"] == "reminders_24h"
    report = stack.fire("WhatsappCheck")
    assert report["instances_checked"] >= 1


@pytest.fixture
def instances(stack: LocalStack) -> Iterator[Callable[[str, str], None]]:
    touched: list[str] = []

    def set_state(name: str, state: str) -> None:
        touched.append(name)
        stack.providers.set_instance_state(name, state)

    yield set_state
    for name in touched:
        stack.providers.set_instance_state(name, "open")


def watchdog(
    database: Database,
    *,
    dlq_url: str | None = None,
    thresholds: Thresholds | None = None,
) -> WatchdogDependencies:
    settings = WatchdogSettings.from_env()
    if dlq_url is not None:
        from dataclasses import replace

        settings = replace(settings, dead_letter_queue_url=dlq_url)
    return WatchdogDependencies(
        uow=PostgresUnitOfWork(database, SqsPublisher(QueueSettings.from_env())),
        states=EvolutionConnectionStates(settings),
        dead_letters=SqsQueueDepth(settings),
        platform_instance=settings.whatsapp.instance,
        thresholds=thresholds or Thresholds(10**6, 10**6),
    )


def test_the_watchdog_alerts_exactly_the_disconnected_professional_once_a_day(
    stack: LocalStack,
    db: pg8000.native.Connection,
    database: Database,
    make_professional: MakeProfessional,
    instances: Callable[[str, str], None],
) -> None:
    tag = uuid.uuid4().hex[:8]
    down = make_professional(email=f"down-{tag}@example.com")
    up = make_professional(email=f"up-{tag}@example.com")
    for pro, name in ((down, f"down-{tag}"), (up, f"up-{tag}")):
        db.run("UPDATE professionals SET whatsapp_instance = :i WHERE id = :p", i=name, p=pro.id)
    instances(f"down-{tag}", "close")

    deps = watchdog(database)
    now = datetime(2031, 3, 8, 12, tzinfo=UTC)  # 09:00 in São Paulo
    first = run_watchdog(deps, now=now)
    second = run_watchdog(deps, now=now + timedelta(hours=2))
    assert first.states[f"down-{tag}"] == "close"
    assert first.states[f"up-{tag}"] == "open"
    assert first.states[stack.environment()["WHATSAPP_INSTANCE"]] == "open"
    assert f"down-{tag}" in first.disconnected
    assert f"up-{tag}" not in first.disconnected
    assert down.id in first.alerted_professionals
    assert up.id not in first.alerted_professionals
    assert down.id not in second.alerted_professionals  # the same day: not again

    wait_for(lambda: bool(delivered(stack, {down.email or ""})), seconds=30, what="the alert email")
    time.sleep(1)  # room for a second copy to show up, if there were one
    assert delivered(stack, {down.email or "", up.email or ""}) == Counter({down.email: 1})
    mail = next(m for m in stack.providers.messages("email") if m.recipient == down.email)
    assert mail.subject == "Seu WhatsApp foi desconectado"
    assert f"down-{tag}" in (mail.text or "")

    checks = rows(
        db,
        "SELECT instance, state, alerts FROM whatsapp_instance_checks"
        " WHERE instance = ANY(:names) ORDER BY id",
        names=[f"down-{tag}", f"up-{tag}"],
    )
    assert [(c["instance"], c["state"], c["alerts"]) for c in checks] == [
        (f"down-{tag}", "close", 1),
        (f"up-{tag}", "open", 0),
        (f"down-{tag}", "close", 0),
        (f"up-{tag}", "open", 0),
    ]

    # The next local day, still down: told again.
    next_day = run_watchdog(deps, now=now + timedelta(days=1))
    assert down.id in next_day.alerted_professionals
    # Reconnected: nobody is told.
    instances(f"down-{tag}", "open")
    assert run_watchdog(deps, now=now + timedelta(days=2)).alerted_professionals == []


def test_the_watchdog_reports_health_and_alerts_over_thresholds(
    stack: LocalStack,
    database: Database,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    name = f"health-{uuid.uuid4().hex[:8]}"
    urls = ensure_queue_pair(
        stack.sqs.endpoint_url,
        queue_name=name,
        dlq_name=f"{name}-dlq",
        visibility_timeout=30,
        max_receive_count=3,
        region="us-east-1",
    )
    now = datetime(2031, 4, 1, 12, tzinfo=UTC)  # no delivery failed in the day before
    calm = run_watchdog(watchdog(database, dlq_url=urls.dlq_url), now=now)
    assert calm.dead_letters == 0
    assert calm.problems == []
    capsys.readouterr()
    caplog.clear()

    sqs = stack.sqs_client()
    for n in range(2):
        sqs.send_message(QueueUrl=urls.dlq_url, MessageBody=json.dumps({"n": n}))
    alarmed = run_watchdog(
        watchdog(database, dlq_url=urls.dlq_url, thresholds=Thresholds(2, 1)), now=now
    )
    assert alarmed.dead_letters == 2
    assert alarmed.failed_deliveries == 0
    assert alarmed.problems == ["dead_letters"]

    # One structured ERROR line with the figures (the stack's formatter is JSON on stdout).
    (alert,) = [r for r in caplog.records if r.getMessage() == "notification health alert"]
    assert alert.levelname == "ERROR"
    assert alert.__dict__["dead_letters"] == 2
    assert alert.__dict__["problems"] == ["dead_letters"]
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]
    metrics = {
        m["Name"]: line[m["Name"]]
        for line in printed
        if "_aws" in line
        for directive in line["_aws"]["CloudWatchMetrics"]
        for m in directive["Metrics"]
    }
    assert metrics["NotificationHealthAlert"] == [1.0]
    assert metrics["NotificationDeadLetterDepth"] == [2.0]
