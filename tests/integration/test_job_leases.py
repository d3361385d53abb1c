"""One reminder run of a kind at a time, with real concurrent runs against real Postgres: runs of
the same job started together leave exactly one doing the work and the others reporting the
lease held, without sending anything and without failing; a lease whose run died is taken over
once it expires (or at once by the retry of the same invocation); a long run keeps its lease;
the 24-hour and the 1-hour jobs never wait for each other.

Each run has a database connection of its own, as each Lambda container does. The appointments
sit in 2032, where no other test books, so what these runs queue is this file's alone.
"""

from __future__ import annotations

import functools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pg8000.native
import pytest

from agenda.adapters.jobs import AGENDA_PAGE_SQL, REMINDER_PAGE_SQL
from agenda.adapters.postgres import Database, Transaction
from agenda.adapters.queue import SqsPublisher
from agenda.adapters.unit_of_work import PostgresUnitOfWork
from agenda.domain.reminders import Job
from agenda.service.links import GuestLinks
from agenda.service.reminders import ReminderDependencies, ReminderRun, run_reminders
from agenda.settings import DatabaseSettings, GuestLinkSettings, QueueSettings, using_environment
from infra.local.stack import LocalStack
from tests.conftest import MakeProfessional, Professional, rows

pytestmark = pytest.mark.integration

# 08:00 in São Paulo: the morning run covers the 11th.
MORNING = datetime(2032, 2, 10, 11, tzinfo=UTC)
WAIT = 60  # seconds any test waits for another thread at most


@pytest.fixture(scope="module", autouse=True)
def stack_environment(stack: LocalStack) -> Iterator[None]:
    with using_environment(stack.environment()):
        yield


class BeforeEachPage:
    """A database that calls `hook` before each reminder or agenda page query, inside the
    page's transaction: the run has taken its lease by then, so a hook that waits holds a run
    in the middle of its work."""

    def __init__(self, db: Database, hook: Callable[[], None]) -> None:
        self._db = db
        self._hook = hook

    def transaction(self, work: Callable[[Transaction], Any], **kwargs: Any) -> Any:
        return self._db.transaction(lambda tx: work(_Watched(tx, self._hook)), **kwargs)  # type: ignore[arg-type]

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        return self._db.query(sql, **params)


class _Watched:
    def __init__(self, tx: Transaction, hook: Callable[[], None]) -> None:
        self._tx = tx
        self._hook = hook

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        if sql in (REMINDER_PAGE_SQL, AGENDA_PAGE_SQL):
            self._hook()
        return self._tx.query(sql, **params)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)


@pytest.fixture
def runner(stack: LocalStack) -> Iterator[Callable[..., ReminderDependencies]]:
    """Dependencies for one run, on a connection of its own (optionally watched)."""
    opened: list[Database] = []

    def make(hook: Callable[[], None] | None = None) -> ReminderDependencies:
        db = Database(
            DatabaseSettings.from_url(stack.postgres.url), application_name="test_job_leases"
        )
        opened.append(db)
        database: Any = db if hook is None else BeforeEachPage(db, hook)
        return ReminderDependencies(
            uow=PostgresUnitOfWork(database, SqsPublisher(QueueSettings.from_env())),
            links=GuestLinks(GuestLinkSettings.from_env()),
        )

    yield make
    for db in opened:
        db.close()


@pytest.fixture
def free_leases(db: pg8000.native.Connection) -> Iterator[None]:
    """Whatever a test leaves held is expired afterwards: the next test's runs must start."""
    yield
    db.run("UPDATE job_leases SET leased_until = now() WHERE leased_until > now()")


def book(
    db: pg8000.native.Connection, professional: Professional, starts_at: datetime, minutes: int = 30
) -> str:
    client_id = db.run(
        "INSERT INTO clients (professional_id, name, phone, email)"
        " VALUES (:p, 'Maria Silva', :phone, :email) RETURNING id",
        p=professional.id,
        phone=f"+55319{uuid.uuid4().int % 10**8:08d}",
        email=f"c{uuid.uuid4().hex[:10]}@example.com",
    )[0][0]
    return str(
        db.run(
            "INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)"
            " VALUES (:p, :c, :s, :e, 'confirmed') RETURNING id",
            p=professional.id,
            c=client_id,
            s=starts_at,
            e=starts_at + timedelta(minutes=minutes),
        )[0][0]
    )


def queued(db: pg8000.native.Connection, template: str, ids: list[str]) -> Counter[str]:
    found = rows(
        db,
        "SELECT split_part(message_key, ':', 1) AS subject FROM notification_outbox"
        " WHERE payload ->> 'template' = :t AND split_part(message_key, ':', 1) = ANY(:ids)",
        t=template,
        ids=ids,
    )
    return Counter(row["subject"] for row in found)


def lease_of(db: pg8000.native.Connection, job: Job) -> dict[str, Any]:
    (row,) = rows(
        db,
        "SELECT holder, leased_until > now() AS held FROM job_leases WHERE job = :job",
        job=job,
    )
    return row


class Threads:
    """Runs started on threads; their results, or what they raised."""

    def __init__(self) -> None:
        self._threads: list[threading.Thread] = []
        self.results: list[ReminderRun] = []
        self.errors: list[BaseException] = []

    def start(self, run: Callable[[], ReminderRun]) -> None:
        def target() -> None:
            try:
                self.results.append(run())
            except BaseException as exc:
                self.errors.append(exc)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        self._threads.append(thread)

    def join(self) -> None:
        for thread in self._threads:
            thread.join(WAIT)
            assert not thread.is_alive(), "a run never finished"
        if self.errors:
            raise self.errors[0]


def test_runs_of_one_job_started_together_leave_exactly_one_doing_the_work(
    db: pg8000.native.Connection,
    runner: Callable[..., ReminderDependencies],
    make_professional: MakeProfessional,
    free_leases: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pro = make_professional(timezone="America/Sao_Paulo")
    ids = [
        book(db, pro, pro.at(MORNING.date() + timedelta(days=1), f"{h:02d}:00")) for h in (9, 10)
    ]
    count = 3
    # Whichever run takes the lease waits in its first page until every run has been turned
    # away or has got that far itself: the runs really overlap.
    everyone = threading.Barrier(count, timeout=WAIT)
    waited = threading.local()

    def meet() -> None:
        if not getattr(waited, "done", False):
            waited.done = True
            everyone.wait()

    def one_run(deps: ReminderDependencies) -> ReminderRun:
        run = run_reminders("reminders_24h", deps, now=MORNING)
        meet()  # a run turned away arrives here, having never reached a page
        return run

    # Built here: the settings they read are this thread's environment.
    runs = [runner(hook=meet) for _ in range(count)]
    threads = Threads()
    for deps in runs:
        threads.start(functools.partial(one_run, deps))
    threads.join()

    worked = [run for run in threads.results if run.lease == "taken"]
    turned_away = [run for run in threads.results if run.lease == "held"]
    assert len(worked) == 1
    assert len(turned_away) == count - 1
    assert worked[0].appointments >= 2
    assert worked[0].queued >= 4  # two reminders on two channels
    for run in turned_away:
        assert (run.pages, run.queued, run.appointments, run.agendas) == (0, 0, 0, 0)
        assert run.as_dict()["lease"] == "held"
    assert queued(db, "reminder_24h", ids) == Counter(dict.fromkeys(ids, 2))
    skipped = [r for r in caplog.records if r.getMessage() == "reminder run skipped: lease held"]
    assert len(skipped) == count - 1
    assert {r.__dict__["job"] for r in skipped} == {"reminders_24h"}
    # The lease is released when the run ends: the next run starts at once.
    assert lease_of(db, "reminders_24h")["held"] is False
    assert run_reminders("reminders_24h", runner(), now=MORNING).lease == "taken"


def test_a_lease_whose_run_died_is_taken_over_once_it_expires(
    db: pg8000.native.Connection,
    runner: Callable[..., ReminderDependencies],
    make_professional: MakeProfessional,
    free_leases: None,
) -> None:
    pro = make_professional(timezone="America/Sao_Paulo")
    now = datetime(2032, 3, 2, 15, tzinfo=UTC)
    soon = book(db, pro, now + timedelta(minutes=40))
    # A run that died (its container killed by the timeout) holds the lease for a while yet.
    db.run(
        "INSERT INTO job_leases (job, holder, leased_until)"
        " VALUES ('reminders_1h', 'request-dead', now() + interval '1 hour')"
        " ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder,"
        " leased_until = EXCLUDED.leased_until"
    )
    blocked = run_reminders("reminders_1h", runner(), now=now)
    assert blocked.lease == "held"
    assert blocked.queued == 0
    assert not queued(db, "reminder_1h", [soon])

    # Lambda's retry of the same invocation carries its request id: it takes its lease back.
    retried = run_reminders("reminders_1h", runner(), now=now, holder="request-dead")
    assert retried.lease == "taken"
    assert retried.queued == 2

    # Held by a dead run again; once the lease runs out, anybody's run takes it over.
    db.run(
        "UPDATE job_leases SET holder = 'request-dead', leased_until = now() + interval '1 hour'"
        " WHERE job = 'reminders_1h'"
    )
    assert run_reminders("reminders_1h", runner(), now=now).lease == "held"
    db.run(
        "UPDATE job_leases SET leased_until = now() - interval '1 second'"
        " WHERE job = 'reminders_1h'"
    )
    later = book(db, pro, now + timedelta(minutes=71))
    taken = run_reminders("reminders_1h", runner(), now=now, holder="request-next")
    assert taken.lease == "taken"
    assert queued(db, "reminder_1h", [soon, later]) == Counter({soon: 2, later: 2})
    assert lease_of(db, "reminders_1h") == {"holder": "request-next", "held": False}


def test_a_long_run_keeps_its_lease(
    db: pg8000.native.Connection,
    runner: Callable[..., ReminderDependencies],
    make_professional: MakeProfessional,
    free_leases: None,
) -> None:
    pro = make_professional(timezone="America/Sao_Paulo")
    now = datetime(2032, 4, 6, 14, tzinfo=UTC)
    ids = [book(db, pro, now + timedelta(minutes=20 + 6 * n), minutes=5) for n in range(5)]

    def slow_page() -> None:
        time.sleep(1)

    slow = runner(hook=slow_page)
    threads = Threads()
    started = time.monotonic()
    threads.start(
        lambda: run_reminders("reminders_1h", slow, now=now, page_size=1, lease_seconds=3)
    )
    # Past the lease's first term (3 s): the run, still at work, has renewed it.
    time.sleep(max(0.0, started + 4 - time.monotonic()))
    second = run_reminders("reminders_1h", runner(), now=now, lease_seconds=3)
    threads.join()
    assert second.lease == "held"
    (first,) = threads.results
    assert first.lease == "taken"
    assert first.pages >= 5
    assert queued(db, "reminder_1h", ids) == Counter(dict.fromkeys(ids, 2))


def test_the_24h_and_the_1h_jobs_run_side_by_side(
    db: pg8000.native.Connection,
    runner: Callable[..., ReminderDependencies],
    make_professional: MakeProfessional,
    free_leases: None,
) -> None:
    pro = make_professional(timezone="America/Sao_Paulo")
    now = datetime(2032, 5, 4, 11, tzinfo=UTC)
    tomorrow = book(db, pro, pro.at(now.date() + timedelta(days=1), "10:00"))
    soon = book(db, pro, now + timedelta(minutes=45))
    in_page = threading.Event()
    go_on = threading.Event()

    def hold() -> None:
        in_page.set()
        assert go_on.wait(WAIT)

    held = runner(hook=hold)
    threads = Threads()
    threads.start(lambda: run_reminders("reminders_24h", held, now=now))
    assert in_page.wait(WAIT)
    # The morning run is in the middle of its work; the 1-hour run does not wait for it.
    hourly = run_reminders("reminders_1h", runner(), now=now)
    go_on.set()
    threads.join()
    (morning,) = threads.results
    assert (morning.lease, hourly.lease) == ("taken", "taken")
    assert queued(db, "reminder_24h", [tomorrow]) == Counter({tomorrow: 2})
    assert queued(db, "reminder_1h", [soon]) == Counter({soon: 2})
