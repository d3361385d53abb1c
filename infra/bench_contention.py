"""`python -m infra.bench_contention`: bookings under contention, our write beside the seed's.

Many writers book the same few slots of many professionals at once, through the service layer,
first with our write and then with the seed's, on one embedded Postgres in one run:

- ours: `agenda.service.booking.create_booking`, the use case the booking function runs
  (validation, the schedule read and the slot check, the plan's caps, then the write of
  agenda.adapters.professionals with its messages), the exclusion constraint refusing an
  overlap (23P01). Each writer has its own `Wiring`, database connection and unit of work (its
  outbox rows marked sent within the attempt, not deferred), a rate limiter that allows
  everything and a queue that takes everything, so only the database is waited on;
- the seed's approach: per booking, the professional read by slug, then a SERIALIZABLE
  transaction that SELECTs the professional's overlapping live appointments and, if there are
  none, finds or INSERTs the client and INSERTs the appointment; a serialization failure
  (40001) runs the transaction again, up to `--max-tries` times, after a jittered pause of
  2-10 ms times the try (as agenda.adapters.postgres does). Its statements go through the same
  driver code as ours (agenda.adapters.postgres.Database), so the two differ in how they keep
  overlaps out, not in how a statement reaches the server. It runs in a second database of the
  same server, migrated the same way, with the exclusion constraint dropped, so that nothing
  but the approach itself stands between two overlapping bookings.

Both databases hold the same professionals (a Pro subscription, so no plan cap refuses a
booking; 30-minute sessions, 08:00-18:00 every day in São Paulo) with a history of past
appointments, so the tables have a realistic size and the planner uses the indexes. Every
writer draws the same sequence of (professional, slot) pairs in both parts, from a seeded
random generator: a random professional and one of the first `--slots` slots of a day next
week, the slots the booking page offers first. Drawing with replacement from a small set makes
writers collide, both on a slot someone booked a moment ago and, now and then, on a slot
another writer is booking at the very same time.

After each part one query counts double bookings: pairs of live appointments of one
professional whose times overlap. Then one writer alone books the week after (500 attempts),
for what an attempt costs each approach without contention; and the CPU this process spent per
attempt tells how much of the figures is the writers' own work (all writers share one
interpreter, and on a small machine its CPU is the ceiling). The figures go to stdout as a
short table; what the measured code prints (its EMF metric lines) and logs goes nowhere.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import math
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import pg8000.native
from pg8000.exceptions import DatabaseError

from infra.paths import LAYER

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database, Transaction

ZONE = ZoneInfo("America/Sao_Paulo")
SESSION_MINUTES = 30
OPENS, CLOSES = dtime(8), dtime(18)
MAX_SLOTS = 20  # the slots of one day between OPENS and CLOSES
HISTORY_WEEKS = 20  # past appointments per professional, one a week
SEED_DATABASE = "agenda_seed_approach"
WARMUP_SLUG = "contention-warmup"
# max_connections is 100 on the embedded server; each writer holds one connection.
MAX_WRITERS = 90
SERIALIZATION_FAILURE = "40001"

BOOKED, TAKEN, GAVE_UP = "booked", "taken", "gave up"
BY_CONSTRAINT = "refused by the constraint"

_FILL = [
    # A paying Pro subscriber confirms every booking at once: no plan cap refuses one.
    """
    INSERT INTO professionals (user_id, name, slug, phone, profession, session_duration,
                               timezone, plan, subscription_status, auto_confirm)
    SELECT 'contention-' || i, 'Professional ' || i, 'contention-' || i,
           '+55119' || lpad(i::text, 8, '0'), 'Bench', :session, :zone, 'pro', 'active', true
    FROM generate_series(0, :professionals - 1) AS i
    """,
    """
    INSERT INTO professionals (user_id, name, slug, phone, profession, session_duration,
                               timezone, plan, subscription_status, auto_confirm)
    VALUES (:warmup, 'Warm-up', :warmup, '+5511988888888', 'Bench', :session, :zone, 'pro',
            'active', true)
    """,
    """
    INSERT INTO availability (professional_id, day_of_week, start_time, end_time)
    SELECT p.id, d, :opens, :closes FROM professionals p, generate_series(0, 6) AS d
    """,
    """
    INSERT INTO clients (professional_id, name, phone)
    SELECT id, 'Regular client', '+5521900000000' FROM professionals
    """,
    # One past session a week: the appointments table has the size of a product in use.
    """
    INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status)
    SELECT c.professional_id, c.id, s.at, s.at + make_interval(mins => :session), 'completed'
    FROM clients c
    CROSS JOIN LATERAL (
        SELECT (CAST(:first_day AS date) - 7 * k + CAST(:opens AS time)) AT TIME ZONE :zone AS at
        FROM generate_series(1, :history) AS k
    ) s
    """,
    "ANALYZE",
]

# The seed's booking, statement by statement (its POST /api/booking inside a Drizzle
# transaction with isolationLevel "serializable").
SEED_PROFESSIONAL_SQL = """
SELECT id, session_duration, auto_confirm FROM professionals WHERE slug = :slug AND active
"""


def _released_sql() -> str:
    from agenda.domain.statuses import RELEASED

    return ", ".join(f"'{status}'" for status in sorted(RELEASED))


def _seed_conflict_sql() -> str:
    return f"""
SELECT id FROM appointments
WHERE professional_id = :professional_id AND status NOT IN ({_released_sql()})
  AND starts_at < :ends_at AND ends_at > :starts_at
LIMIT 1
"""


SEED_CLIENT_SQL = """
SELECT id, email FROM clients
WHERE professional_id = :professional_id
  AND (phone = :phone OR (CAST(:email AS text) IS NOT NULL AND email = :email))
LIMIT 1
"""
SEED_CLIENT_EMAIL_SQL = "UPDATE clients SET email = :email, updated_at = now() WHERE id = :id"
SEED_NEW_CLIENT_SQL = """
INSERT INTO clients (professional_id, name, phone, email)
VALUES (:professional_id, :name, :phone, :email) RETURNING id
"""
SEED_APPOINTMENT_SQL = """
INSERT INTO appointments (professional_id, client_id, starts_at, ends_at, status, payment_status)
VALUES (:professional_id, :client_id, :starts_at, :ends_at, :status, 'none')
"""


def _double_bookings_sql() -> str:
    return f"""
SELECT count(*) FROM appointments a
JOIN appointments b ON b.professional_id = a.professional_id AND a.id < b.id
 AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
WHERE a.status NOT IN ({_released_sql()}) AND b.status NOT IN ({_released_sql()})
"""


_STORED_SQL = """
SELECT count(*) FROM appointments a JOIN professionals p ON p.id = a.professional_id
WHERE p.slug <> :warmup AND a.starts_at >= :since AND a.starts_at < :until
"""


@dataclass(frozen=True)
class Options:
    writers: int = 50
    professionals: int = 500
    slots: int = 10
    # Booking attempts per approach, shared among the writers; None: bounded by `seconds`.
    bookings: int | None = 5_000
    seconds: float | None = None
    max_tries: int = 10
    seed: int = 14


@dataclass(frozen=True)
class Attempt:
    slug: str
    starts_at: datetime
    client_name: str
    client_phone: str
    client_email: str | None = None

    def body(self) -> dict[str, Any]:
        body = {
            "slug": self.slug,
            "startsAt": self.starts_at.isoformat(),
            "clientName": self.client_name,
            "clientPhone": self.client_phone,
        }
        if self.client_email is not None:
            body["clientEmail"] = self.client_email
        return body


@dataclass
class Tally:
    """One writer's outcomes, counted as they come (no lock: each writer has its own)."""

    latencies_ms: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    retried: int = 0  # attempts that needed at least one retry


@dataclass(frozen=True)
class Race:
    seconds: float  # from the start to the last writer's end
    cpu_seconds: float  # this process's, all writers together (Postgres's is not counted)
    tallies: list[Tally]

    @property
    def latencies_ms(self) -> list[float]:
        return [sample for tally in self.tallies for sample in tally.latencies_ms]


@dataclass(frozen=True)
class Alone:
    """One writer by itself, on another day: what an attempt costs without contention."""

    attempts_per_second: float
    p50_ms: float


@dataclass(frozen=True)
class Figures:
    approach: str
    seconds: float
    attempts: int
    booked: int
    conflicts: int
    errors: dict[str, int]
    p50_ms: float
    p99_ms: float
    double_bookings: int
    stored: int  # appointments the writers' bookings left in the database
    cpu_ms_per_attempt: float  # the writers' own work, in this process
    alone: Alone
    refused_by_constraint: int | None = None  # ours: conflicts the insert itself refused
    retries: int | None = None  # the seed's: transactions run again after a 40001
    retried: int | None = None
    gave_up: int | None = None

    @property
    def bookings_per_second(self) -> float:
        return self.booked / self.seconds

    @property
    def attempts_per_second(self) -> float:
        return self.attempts / self.seconds


@dataclass(frozen=True)
class Comparison:
    options: Options
    first_day: date
    ours: Figures
    seed: Figures
    seed_plan: str


def percentile(samples: Sequence[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def slot_start(first_day: date, slot: int) -> datetime:
    return datetime.combine(first_day, OPENS, ZONE) + timedelta(minutes=SESSION_MINUTES * slot)


def attempts(options: Options, writer: int, first_day: date) -> Iterator[Attempt]:
    """Writer `writer`'s attempts, the same in both parts: a seeded draw of a professional and
    one of the day's first `options.slots` slots, each attempt with a client of its own."""
    rng = random.Random(f"{options.seed}-{writer}")  # noqa: S311 (a reproducible draw)
    share = None
    if options.bookings is not None:
        share = options.bookings // options.writers + (writer < options.bookings % options.writers)
    k = 0
    while share is None or k < share:
        professional = rng.randrange(options.professionals)
        slot = rng.randrange(options.slots)
        yield Attempt(
            slug=f"contention-{professional}",
            starts_at=slot_start(first_day, slot),
            client_name=f"Client {writer} {k}",
            client_phone=f"+55119{writer:03d}{k % 100_000:05d}",
        )
        k += 1


def warmup_attempt(writer: int, first_day: date) -> Attempt:
    """A booking of the warm-up professional, on a day and slot of this writer's alone."""
    day = first_day + timedelta(days=1 + writer // MAX_SLOTS)
    return Attempt(
        slug=WARMUP_SLUG,
        starts_at=slot_start(day, writer % MAX_SLOTS),
        client_name=f"Warm-up {writer}",
        client_phone=f"+551199{writer:07d}",
    )


def connect(url: str, application_name: str) -> pg8000.native.Connection:
    parts = urlsplit(url)
    return pg8000.native.Connection(
        user=unquote(parts.username or ""),
        password=unquote(parts.password or "") or None,
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        database=parts.path.lstrip("/") or None,
        application_name=application_name,
    )


def _sqlstate(error: DatabaseError) -> str | None:
    from agenda.adapters.postgres import sqlstate

    return sqlstate(error)


# -- the two writes ---------------------------------------------------------------------------


class AllowAll:
    """A rate limiter that never refuses (the RateLimiter port)."""

    def check(self, identifier: str) -> None:
        return None


class AcceptAll:
    """A queue that takes every message at once (the Publisher port)."""

    def publish(self, messages: Sequence[Any]) -> set[int]:
        return {message.id for message in messages}


Book = Callable[[Attempt, Tally], None]
# A writer's booking call and how to close it, made (and warmed up) for writer N and a day.
MakeWriter = Callable[[int, date], tuple[Book, Callable[[], None]]]


def ours_writer(url: str, writer: int, first_day: date) -> tuple[Book, Callable[[], None]]:
    """A writer booking through `create_booking`, warmed up by one booking of its own."""
    from agenda.adapters.postgres import EXCLUSION_VIOLATION
    from agenda.adapters.unit_of_work import PostgresUnitOfWork
    from agenda.domain.errors import SlotTaken
    from agenda.service.booking import BookingDependencies, create_booking
    from agenda.settings import using_environment
    from agenda.wiring import Wiring

    wiring = Wiring(f"bench-contention-{writer}")
    with using_environment({"DATABASE_URL": url}):
        database = wiring.database
    deps = BookingDependencies(
        uow=PostgresUnitOfWork(database, AcceptAll()), limiter=AllowAll(), clock=wiring.clock
    )
    source_ip = f"198.51.100.{writer % 250}"
    create_booking(deps, warmup_attempt(writer, first_day).body(), source_ip=source_ip)

    def book(attempt: Attempt, tally: Tally) -> None:
        try:
            create_booking(deps, attempt.body(), source_ip=source_ip)
        except SlotTaken as taken:
            tally.outcomes[TAKEN] += 1
            # Taken at the insert, by the constraint, rather than seen busy by the slot check.
            cause = taken.__cause__
            if isinstance(cause, DatabaseError) and _sqlstate(cause) == EXCLUSION_VIOLATION:
                tally.outcomes[BY_CONSTRAINT] += 1
        except Exception as error:
            tally.errors[type(error).__name__] += 1
        else:
            tally.outcomes[BOOKED] += 1

    return book, database.close


def seed_booking(database: Database, attempt: Attempt, *, max_tries: int) -> tuple[str, int]:
    """The seed's booking of `attempt` (BOOKED, TAKEN, or GAVE_UP after `max_tries`
    serialization failures) and how many times its transaction ran again after a
    serialization failure (40001). Any other database error goes on, after a rollback.

    The statements go through the same driver code as ours (agenda.adapters.postgres), so the
    two differ only in how they keep overlaps out; the transaction and its retries are the
    seed's, not the Database's."""
    professional = database.transaction(
        lambda tx: tx.one(SEED_PROFESSIONAL_SQL, slug=attempt.slug), begin=False, attempts=1
    )
    if professional is None:
        raise LookupError(attempt.slug)
    ends_at = attempt.starts_at + timedelta(minutes=professional["session_duration"])
    conflict_sql = _seed_conflict_sql()

    def book(tx: Transaction) -> str:
        tx.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try:
            taken = tx.one(
                conflict_sql,
                professional_id=professional["id"],
                starts_at=attempt.starts_at,
                ends_at=ends_at,
            )
            if taken is not None:
                tx.execute("ROLLBACK")
                return TAKEN
            client = tx.one(
                SEED_CLIENT_SQL,
                professional_id=professional["id"],
                phone=attempt.client_phone,
                email=attempt.client_email,
            )
            if client is None:
                client = tx.one(
                    SEED_NEW_CLIENT_SQL,
                    professional_id=professional["id"],
                    name=attempt.client_name,
                    phone=attempt.client_phone,
                    email=attempt.client_email,
                )
                assert client is not None  # INSERT ... RETURNING
            elif client["email"] is None and attempt.client_email is not None:
                tx.execute(SEED_CLIENT_EMAIL_SQL, id=client["id"], email=attempt.client_email)
            tx.execute(
                SEED_APPOINTMENT_SQL,
                professional_id=professional["id"],
                client_id=client["id"],
                starts_at=attempt.starts_at,
                ends_at=ends_at,
                status="confirmed" if professional["auto_confirm"] else "pending_confirmation",
            )
            tx.execute("COMMIT")
        except BaseException:
            # After a failed COMMIT no transaction is left, and ROLLBACK only warns.
            tx.execute("ROLLBACK")
            raise
        return BOOKED

    for tries in range(1, max_tries + 1):
        try:
            return database.transaction(book, begin=False, attempts=1), tries - 1
        except DatabaseError as error:
            if _sqlstate(error) != SERIALIZATION_FAILURE:
                raise
            if tries < max_tries:
                time.sleep(random.uniform(0.002, 0.010) * tries)  # noqa: S311 (jitter)
    return GAVE_UP, max_tries - 1


def seed_writer(
    url: str, writer: int, first_day: date, *, max_tries: int
) -> tuple[Book, Callable[[], None]]:
    from agenda.adapters.postgres import Database
    from agenda.settings import DatabaseSettings

    database = Database(
        DatabaseSettings.from_url(url), application_name=f"bench-contention-seed-{writer}"
    )
    # Untimed, and all writers warm up at once on one professional: it may give up on 40001.
    seed_booking(database, warmup_attempt(writer, first_day), max_tries=max_tries)

    def book(attempt: Attempt, tally: Tally) -> None:
        try:
            outcome, retries = seed_booking(database, attempt, max_tries=max_tries)
        except DatabaseError as error:
            tally.errors[f"SQLSTATE {_sqlstate(error)}"] += 1
            return
        except Exception as error:
            tally.errors[type(error).__name__] += 1
            return
        tally.outcomes[outcome] += 1
        tally.retries += retries
        tally.retried += retries > 0

    return book, database.close


# -- a race -----------------------------------------------------------------------------------


def race(
    options: Options,
    first_day: date,
    make_writer: MakeWriter,
) -> Race:
    """`options.writers` threads, each with a writer of its own (connected and warmed up before
    the start), released together, booking their attempts until these or the seconds run
    out."""
    tallies = [Tally() for _ in range(options.writers)]
    failures: list[BaseException] = []
    window = {"start": 0.0, "cpu": 0.0, "deadline": math.inf}

    def release() -> None:
        window["cpu"] = time.process_time()
        window["start"] = time.perf_counter()
        if options.seconds is not None:
            window["deadline"] = window["start"] + options.seconds

    ready = threading.Barrier(options.writers + 1, action=release)

    def write(writer: int) -> None:
        try:
            book, close = make_writer(writer, first_day)
        except BaseException as error:
            failures.append(error)
            ready.abort()
            return
        tally = tallies[writer]
        try:
            ready.wait()
            for attempt in attempts(options, writer, first_day):
                began = time.perf_counter()
                if began >= window["deadline"]:
                    break
                book(attempt, tally)
                tally.latencies_ms.append((time.perf_counter() - began) * 1000)
        except BaseException as error:
            failures.append(error)
        finally:
            close()

    threads = [
        threading.Thread(target=write, args=(writer,), name=f"writer-{writer}", daemon=True)
        for writer in range(options.writers)
    ]
    for thread in threads:
        thread.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        ready.wait()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} writer(s) failed: {failures[0]!r}") from failures[0]
    return Race(time.perf_counter() - window["start"], time.process_time() - window["cpu"], tallies)


ALONE_ATTEMPTS = 500


def _figures(approach: str, contended: Race, alone: Race, counts: tuple[int, int]) -> Figures:
    latencies = contended.latencies_ms
    outcomes: Counter[str] = sum((tally.outcomes for tally in contended.tallies), Counter())
    errors: Counter[str] = sum((tally.errors for tally in contended.tallies), Counter())
    ours = approach == "ours"
    return Figures(
        approach=approach,
        seconds=contended.seconds,
        attempts=len(latencies),
        booked=outcomes[BOOKED],
        conflicts=outcomes[TAKEN],
        errors=dict(errors),
        p50_ms=percentile(latencies, 50) if latencies else math.nan,
        p99_ms=percentile(latencies, 99) if latencies else math.nan,
        double_bookings=counts[0],
        stored=counts[1],
        cpu_ms_per_attempt=contended.cpu_seconds * 1000 / max(1, len(latencies)),
        alone=Alone(
            attempts_per_second=len(alone.latencies_ms) / alone.seconds,
            p50_ms=percentile(alone.latencies_ms, 50),
        ),
        refused_by_constraint=outcomes[BY_CONSTRAINT] if ours else None,
        retries=None if ours else sum(tally.retries for tally in contended.tallies),
        retried=None if ours else sum(tally.retried for tally in contended.tallies),
        gave_up=None if ours else outcomes[GAVE_UP],
    )


def _counts(url: str, day: date) -> tuple[int, int]:
    """The double bookings, and the appointments the writers left on `day`."""
    conn = connect(url, "bench-contention-count")
    try:
        doubles = conn.run(_double_bookings_sql())[0][0]
        stored = conn.run(
            _STORED_SQL,
            warmup=WARMUP_SLUG,
            since=datetime.combine(day, dtime(0), ZONE),
            until=datetime.combine(day + timedelta(days=1), dtime(0), ZONE),
        )[0][0]
    finally:
        conn.close()
    return doubles, stored


def double_bookings(url: str) -> int:
    """Pairs of live appointments of one professional whose times overlap."""
    conn = connect(url, "bench-contention-count")
    try:
        count: int = conn.run(_double_bookings_sql())[0][0]
    finally:
        conn.close()
    return count


# -- the databases ----------------------------------------------------------------------------


def _use_layer() -> None:
    """The shared layer importable as `agenda` (make sets PYTHONPATH; `python -m` may not)."""
    if str(LAYER) not in sys.path:
        sys.path.insert(0, str(LAYER))


def next_week(today: date) -> date:
    return today + timedelta(days=7)


@contextlib.contextmanager
def embedded_databases() -> Iterator[tuple[str, str]]:
    """A fresh embedded Postgres with two databases migrated alike: ours, and the seed
    approach's, where the exclusion constraint is dropped. Yields their URLs."""
    from infra.local.postgres import LocalPostgres
    from infra.migrate import migrate

    state = Path(tempfile.mkdtemp(prefix="agenda-bench-contention-"))
    postgres = LocalPostgres(state / "postgres")
    try:
        postgres.start()
        ours = postgres.url
        migrate(ours)
        conn = connect(ours, "bench-contention-setup")
        try:
            conn.run(f"CREATE DATABASE {SEED_DATABASE}")
        finally:
            conn.close()
        seed = urlunsplit(urlsplit(ours)._replace(path=f"/{SEED_DATABASE}"))
        migrate(seed)
        conn = connect(seed, "bench-contention-setup")
        try:
            conn.run("ALTER TABLE appointments DROP CONSTRAINT appointments_no_overlap")
        finally:
            conn.close()
        yield ours, seed
    finally:
        postgres.stop()
        shutil.rmtree(state, ignore_errors=True)


def fill(url: str, options: Options, first_day: date) -> None:
    values: dict[str, Any] = {
        "professionals": options.professionals,
        "warmup": WARMUP_SLUG,
        "session": SESSION_MINUTES,
        "zone": ZONE.key,
        "opens": OPENS,
        "closes": CLOSES,
        "first_day": first_day,
        "history": HISTORY_WEEKS,
    }
    conn = connect(url, "bench-contention-setup")
    try:
        for sql in _FILL:
            conn.run(sql, **{name: value for name, value in values.items() if f":{name}" in sql})
    finally:
        conn.close()


def seed_conflict_plan(url: str, first_day: date) -> str:
    """How the seed's conflict check reads the appointments: the index it walks, or a
    sequential scan, which would take a predicate lock on the whole table and fail far more
    transactions."""
    conn = connect(url, "bench-contention-setup")
    try:
        professional_id = conn.run("SELECT id FROM professionals WHERE slug = 'contention-0'")
        start = slot_start(first_day, 0)
        plan = [
            line[0]
            for line in conn.run(
                "EXPLAIN " + _seed_conflict_sql(),
                professional_id=professional_id[0][0],
                starts_at=start,
                ends_at=start + timedelta(minutes=SESSION_MINUTES),
            )
        ]
    finally:
        conn.close()
    for line in plan:
        words = line.split()
        for marker in ("using", "on"):
            if "Index" in words and marker in words and "Heap" not in words:
                return f"index {words[words.index(marker) + 1]}"
    return "a sequential scan" if any("Seq Scan" in line for line in plan) else plan[0].strip()


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """What the measured code prints (an EMF metric line per booking) and logs goes nowhere."""
    from agenda.observability import logger

    level = logger.log_level
    logger.setLevel("CRITICAL")
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            yield
    finally:
        logger.setLevel(level)


def compare(ours_url: str, seed_url: str, options: Options) -> Comparison:
    """Fill both databases alike, race ours, then the seed's approach; count each database's
    double bookings after its race. Then each approach once more with one writer alone, on
    the week after (slots nobody has booked), for the cost of an attempt without contention."""
    _use_layer()
    first_day = next_week(datetime.now(ZONE).date())
    alone_day = first_day + timedelta(days=7)
    alone_options = replace(
        options, writers=1, bookings=min(ALONE_ATTEMPTS, options.bookings or ALONE_ATTEMPTS),
        seconds=None,
    )  # fmt: skip
    for url in (ours_url, seed_url):
        fill(url, options, first_day)
    plan = seed_conflict_plan(seed_url, first_day)
    approaches: dict[str, tuple[str, MakeWriter]] = {
        "ours": (ours_url, functools.partial(ours_writer, ours_url)),
        "seed": (seed_url, functools.partial(seed_writer, seed_url, max_tries=options.max_tries)),
    }
    figures: dict[str, Figures] = {}
    with quiet():
        for approach, (url, make_writer) in approaches.items():
            contended = race(options, first_day, make_writer)
            counts = _counts(url, first_day)
            alone = race(alone_options, alone_day, make_writer)
            figures[approach] = _figures(approach, contended, alone, counts)
    return Comparison(options, first_day, figures["ours"], figures["seed"], plan)


def run(options: Options) -> Comparison:
    with embedded_databases() as (ours_url, seed_url):
        return compare(ours_url, seed_url, options)


# -- the table --------------------------------------------------------------------------------


def render(comparison: Comparison) -> str:
    o, ours, seed = comparison.options, comparison.ours, comparison.seed
    bound = f"{o.bookings:,} attempts each" if o.bookings is not None else f"{o.seconds:g} s each"
    lines = [
        f"contention: {o.writers} writers, {o.professionals} professionals, the first {o.slots} "
        f"slots of {comparison.first_day.isoformat()}, {bound}",
        f"the seed's conflict check reads the appointments by {comparison.seed_plan}",
        "",
        f"  {'':<34} {'ours (constraint)':>20} {'seed (SERIALIZABLE)':>20}",
    ]

    def row(name: str, a: str, b: str) -> None:
        lines.append(f"  {name:<34} {a:>20} {b:>20}")

    def errors(figures: Figures) -> str:
        return str(sum(figures.errors.values()))

    row(
        "bookings/s (successful)",
        f"{ours.bookings_per_second:,.1f}",
        f"{seed.bookings_per_second:,.1f}",
    )
    row("attempts/s", f"{ours.attempts_per_second:,.1f}", f"{seed.attempts_per_second:,.1f}")
    row("latency per attempt p50 / p99", f"{ours.p50_ms:.1f} / {ours.p99_ms:.1f} ms",
        f"{seed.p50_ms:.1f} / {seed.p99_ms:.1f} ms")  # fmt: skip
    row("attempts in / seconds", f"{ours.attempts:,} / {ours.seconds:.1f}",
        f"{seed.attempts:,} / {seed.seconds:.1f}")  # fmt: skip
    row("booked (rows stored)", f"{ours.booked:,} ({ours.stored:,})",
        f"{seed.booked:,} ({seed.stored:,})")  # fmt: skip
    row("conflicts (SLOT_TAKEN)", f"{ours.conflicts:,}", f"{seed.conflicts:,}")
    row("  of which refused at the insert", f"{ours.refused_by_constraint:,}", "-")
    row("retries on 40001 (attempts retried)", "-", f"{seed.retries:,} ({seed.retried:,})")
    row(f"gave up after {o.max_tries} tries", "-", f"{seed.gave_up:,}")
    row("other errors", errors(ours), errors(seed))
    row("double bookings", f"{ours.double_bookings}", f"{seed.double_bookings}")
    row("writers' CPU per attempt", f"{ours.cpu_ms_per_attempt:.1f} ms",
        f"{seed.cpu_ms_per_attempt:.1f} ms")  # fmt: skip
    row("one writer alone: attempts/s", f"{ours.alone.attempts_per_second:,.1f}",
        f"{seed.alone.attempts_per_second:,.1f}")  # fmt: skip
    row("one writer alone: p50", f"{ours.alone.p50_ms:.1f} ms", f"{seed.alone.p50_ms:.1f} ms")
    for figures in (ours, seed):
        for name, n in sorted(figures.errors.items()):
            lines.append(f"  {figures.approach} error {name}: {n}")
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m infra.bench_contention",
        description="Bookings per second, latency, conflicts and double bookings with many "
        "concurrent writers, through the service layer: our write (the exclusion constraint) "
        "beside the seed's (SERIALIZABLE, select then insert, retry on 40001), one after the "
        "other on one fresh embedded Postgres.",
    )
    parser.add_argument("--writers", type=int, default=50, help="concurrent writers (50)")
    parser.add_argument("--professionals", type=int, default=500, help="professionals booked (500)")
    parser.add_argument(
        "--slots",
        type=int,
        default=10,
        help=f"slots of next week's day drawn from, per professional (10, at most {MAX_SLOTS})",
    )
    bound = parser.add_mutually_exclusive_group()
    bound.add_argument(
        "--bookings",
        type=int,
        metavar="N",
        help="booking attempts per approach, shared among the writers (5000 by default)",
    )
    bound.add_argument(
        "--seconds", type=float, metavar="S", help="run each approach S seconds instead"
    )
    parser.add_argument(
        "--max-tries",
        type=int,
        default=10,
        help="tries of the seed's transaction before it gives up on 40001 (10)",
    )
    parser.add_argument("--seed", type=int, default=14, help="of the attempts' random draw (14)")
    args = parser.parse_args(argv)
    if not 1 <= args.writers <= MAX_WRITERS:
        parser.error(f"--writers must be between 1 and {MAX_WRITERS}")
    if args.professionals < 1 or not 1 <= args.slots <= MAX_SLOTS or args.max_tries < 1:
        parser.error("--professionals, --slots and --max-tries must be positive")
    if args.seconds is not None and args.seconds <= 0:
        parser.error("--seconds must be positive")
    if args.bookings is not None and args.bookings < 1:
        parser.error("--bookings must be positive")
    bookings = args.bookings if args.seconds is None else None
    return Options(
        writers=args.writers,
        professionals=args.professionals,
        slots=args.slots,
        bookings=5_000 if bookings is None and args.seconds is None else bookings,
        seconds=args.seconds,
        max_tries=args.max_tries,
        seed=args.seed,
    )


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    # Before the layer's modules load: Powertools reads these when its logger is made.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "CRITICAL")
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    _use_layer()
    print(render(run(options)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
