"""The reminder job: the 24-hour reminders and the daily agendas every morning, the 1-hour
reminders every 15 minutes, through the same code path.

Work goes a page at a time: each page is read, and its messages queued in a short transaction
of their own, then handed to the queue, so a run that stops half way leaves its earlier pages
done and a second run picks up the rest. With a writer (the function has one), a page's
messages are written and handed to the queue behind the run while it reads the next page
(agenda.adapters.outbox_writer): one page in flight at most, and the run waits for it before it
ends. Message keys make every message once-only: the query passes over rows
whose messages are already in the outbox, and the outbox's unique key drops a message two
overlapping runs both queue.

One run of a job at a time: a run takes its job's lease before anything else and renews it
while it works, so a retry or a run by hand never works beside a run that is still going (the
keys make that harmless, not free: both would read the same pages). A run that finds the
lease held does nothing and says so; it is not an error, since the run holding it does the
work. The 24-hour and 1-hour jobs have a lease each and never wait for each other.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agenda.domain.reminders import (
    TEMPLATE_OF_JOB,
    Agenda,
    Job,
    ReminderPage,
    Span,
    agenda_day,
    agenda_envelopes,
    day_window,
    reminder_envelopes,
    reminder_window,
)
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.service.links import GuestLinks
    from agenda.service.ports import JobStores, OutboxWriter, Queued, UnitOfWork

DEFAULT_PAGE_SIZE = 1000
# Long enough for any page (a short transaction and a SendMessageBatch per 10 messages), short
# enough that a run killed by its timeout blocks the next 1-hour run (15 minutes on) not at
# all. A run renews it after a third of it has gone, between pages.
LEASE_SECONDS = 300

type Lease = Literal["taken", "held", "lost"]


@dataclass(frozen=True, slots=True)
class ReminderDependencies:
    uow: UnitOfWork[JobStores]
    # Signs the client's link to view, reschedule or cancel; None sends reminders without it.
    links: GuestLinks | None = None
    # Writes each page's messages behind the run while it reads the next page; None writes
    # each page in the run's own transaction before the next is read.
    writer: OutboxWriter | None = None


@dataclass(slots=True)
class ReminderRun:
    job: Job
    appointments: int = 0  # appointments reminded by this run
    agendas: int = 0  # professionals sent their agenda by this run
    queued: int = 0  # outbox rows this run wrote (messages another run queued are not here)
    pages: int = 0
    # taken: this run held the job's lease; held: another run has it, nothing was done; lost:
    # another run took it over while this one stalled, which stopped between pages.
    lease: Lease = "taken"
    skipped_zones: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "lease": self.lease,
            "appointments": self.appointments,
            "agendas": self.agendas,
            "queued": self.queued,
            "pages": self.pages,
        }


def _zones(names: list[str], run: ReminderRun) -> dict[str, ZoneInfo]:
    zones = {}
    for name in names:
        try:
            zones[name] = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            # One professional's bad zone must not stop everybody else's reminders.
            logger.error("professional time zone unknown, skipped", extra={"timezone": name})
            run.skipped_zones.append(name)
    return zones


class _JobLease:
    """The run's hold on its job: renewed between pages once a third of it has gone."""

    def __init__(self, job: Job, holder: str, seconds: int, deps: ReminderDependencies) -> None:
        self.job = job
        self.holder = holder
        self.seconds = seconds
        self._uow = deps.uow
        self._renewed = time.monotonic()

    def take(self) -> bool:
        self._renewed = time.monotonic()
        return self._uow.run(
            lambda stores: stores.jobs.take_lease(
                self.job, holder=self.holder, seconds=self.seconds
            )
        )

    def keep(self) -> bool:
        """False when another run has taken the lease over: stop."""
        if time.monotonic() - self._renewed < self.seconds / 3:
            return True
        self._renewed = time.monotonic()
        return self._uow.run(
            lambda stores: stores.jobs.renew_lease(
                self.job, holder=self.holder, seconds=self.seconds
            )
        )

    def release(self) -> None:
        try:
            self._uow.run(lambda stores: stores.jobs.release_lease(self.job, holder=self.holder))
        except Exception:
            # It runs out by itself; whatever stopped the run goes on being raised.
            logger.warning("reminder lease not released", extra={"job": self.job}, exc_info=True)


class _LeaseLost(Exception):
    pass


def run_reminders(
    job: Job,
    deps: ReminderDependencies,
    *,
    now: datetime,
    page_size: int = DEFAULT_PAGE_SIZE,
    holder: str | None = None,
    lease_seconds: int = LEASE_SECONDS,
) -> ReminderRun:
    """Queue the reminders `job` covers at `now` (and, for the morning job, the agendas).
    Safe to run again at any time: what an earlier run queued is not queued again. `holder`
    names this run's lease (the Lambda request id, so a retry takes its own lease back)."""
    started = time.perf_counter()
    run = ReminderRun(job)
    lease = _JobLease(job, holder or uuid4().hex, lease_seconds, deps)
    if not lease.take():
        run.lease = "held"
        count("ReminderRunsSkipped", 1, job=job)
        logger.warning("reminder run skipped: lease held", extra={"job": job})
        return run
    try:
        try:
            _work(job, deps, now, page_size, lease, run)
        except BaseException:
            _settle_quietly(deps, run)
            raise
        # The page still being written is through (or its failure raised) before the run
        # lets go of its lease.
        _settle(deps, run)
    except _LeaseLost:
        run.lease = "lost"
        count("ReminderRunsSkipped", 1, job=job)
        logger.warning("reminder run stopped: lease taken over", extra=run.as_dict())
    finally:
        lease.release()
    if run.queued:
        count("RemindersQueued", run.queued)
    logger.info(
        "reminder job finished",
        extra={**run.as_dict(), "seconds": round(time.perf_counter() - started, 3)},
    )
    return run


def _work(
    job: Job,
    deps: ReminderDependencies,
    now: datetime,
    page_size: int,
    lease: _JobLease,
    run: ReminderRun,
) -> None:
    zones = _zones(deps.uow.read(lambda stores: stores.jobs.active_zones()), run)
    if deps.links is not None:
        deps.links.ready()  # the signing key, read before any transaction is open
    spans = {name: reminder_window(job, now, zone) for name, zone in zones.items()}
    if spans:
        _remind(job, deps, spans, page_size, lease, run)
    if job == "reminders_24h" and zones:
        days = {name: _today(now, zone) for name, zone in zones.items()}
        _agendas(deps, days, page_size, lease, run)


def _today(now: datetime, zone: ZoneInfo) -> tuple[date, Span]:
    day = agenda_day(now, zone)
    return day, day_window(day, zone)


def _remind(
    job: Job,
    deps: ReminderDependencies,
    spans: dict[str, Span],
    page_size: int,
    lease: _JobLease,
    run: ReminderRun,
) -> None:
    template = TEMPLATE_OF_JOB[job]
    after: tuple[datetime, UUID | None] = (min(span.start for span in spans.values()), None)
    while True:
        if not lease.keep():
            raise _LeaseLost

        def page(stores: JobStores, after: tuple[datetime, UUID | None] = after) -> ReminderPage:
            return stores.jobs.reminder_page(
                template=template, spans=spans, after=after, limit=page_size
            )

        found = deps.uow.read(page)
        _queue(
            deps,
            run,
            [
                (appointment.professional_id, envelope)
                for appointment in found.due
                for envelope in reminder_envelopes(
                    job,
                    appointment,
                    manage_url=(
                        deps.links.manage_url(appointment.appointment_id, appointment.ends_at)
                        if deps.links is not None
                        else None
                    ),
                )
            ],
        )
        run.pages += 1
        if found.read < page_size or found.last is None:
            return
        after = found.last


def _agendas(
    deps: ReminderDependencies,
    days: dict[str, tuple[date, Span]],
    page_size: int,
    lease: _JobLease,
    run: ReminderRun,
) -> None:
    after: UUID | None = None
    while True:
        if not lease.keep():
            raise _LeaseLost

        def page(stores: JobStores, after_id: UUID | None = after) -> list[Agenda]:
            return stores.jobs.agenda_page(days=days, after_id=after_id, limit=page_size)

        found = deps.uow.read(page)
        _queue(
            deps,
            run,
            [
                (agenda.professional_id, envelope)
                for agenda in found
                for envelope in agenda_envelopes(agenda)
            ],
        )
        run.pages += 1
        if len(found) < page_size:
            return
        after = found[-1].professional_id


def _queue(deps: ReminderDependencies, run: ReminderRun, items: list[Queued]) -> None:
    """A page's messages: to the writer behind the run (counted once written, a page later),
    or written now in a transaction of the run's own."""
    if deps.writer is not None:
        _count(run, deps.writer.write(items))
    elif items:
        _count(run, deps.uow.run(lambda stores: stores.outbox.add(items)))


def _settle(deps: ReminderDependencies, run: ReminderRun) -> None:
    if deps.writer is not None:
        _count(run, deps.writer.settle())


def _settle_quietly(deps: ReminderDependencies, run: ReminderRun) -> None:
    """The run failed or stopped: the page in flight is waited for (a container never returns
    with it half written), and its own failure, if any, is logged, not raised over the run's."""
    try:
        _settle(deps, run)
    except Exception:
        logger.warning("reminder page not written", extra={"job": run.job}, exc_info=True)


def _count(run: ReminderRun, keys: list[str]) -> None:
    """What this run wrote, a page or two at a time. A key is subject:version:template:...,
    the subject an appointment (a reminder) or a professional (their agenda), and one page
    holds all the messages of each of its subjects."""
    templates = {key.split(":", 1)[0]: key.split(":", 3)[2] for key in keys}
    agendas = sum(1 for template in templates.values() if template == "daily_agenda")
    run.agendas += agendas
    run.appointments += len(templates) - agendas
    run.queued += len(keys)
