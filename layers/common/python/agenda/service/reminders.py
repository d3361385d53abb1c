"""The reminder job: the 24-hour reminders and the daily agendas every morning, the 1-hour
reminders every 15 minutes, through the same code path.

Work goes a page at a time: each page is read and queued in its own short transaction, then
handed to the queue, so a run that stops half way leaves its earlier pages done and a second
run picks up the rest. Message keys make every message once-only: the query passes over rows
whose messages are already in the outbox, and the outbox's unique key drops a message two
overlapping runs both queue.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agenda.domain.reminders import (
    TEMPLATE_OF_JOB,
    Job,
    Span,
    Upcoming,
    agenda_day,
    agenda_envelopes,
    day_window,
    reminder_envelopes,
    reminder_window,
)
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.service.links import GuestLinks
    from agenda.service.ports import JobStores, UnitOfWork

DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ReminderDependencies:
    uow: UnitOfWork[JobStores]
    # Signs the client's link to view, reschedule or cancel; None sends reminders without it.
    links: GuestLinks | None = None


@dataclass(slots=True)
class ReminderRun:
    job: Job
    appointments: int = 0  # appointments reminded by this run
    agendas: int = 0  # professionals sent their agenda by this run
    queued: int = 0  # outbox rows this run wrote (messages another run queued are not here)
    pages: int = 0
    skipped_zones: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
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


def run_reminders(
    job: Job,
    deps: ReminderDependencies,
    *,
    now: datetime,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> ReminderRun:
    """Queue the reminders `job` covers at `now` (and, for the morning job, the agendas).
    Safe to run again at any time: what an earlier run queued is not queued again."""
    started = time.perf_counter()
    run = ReminderRun(job)
    zones = _zones(deps.uow.read(lambda stores: stores.jobs.active_zones()), run)
    if deps.links is not None:
        deps.links.ready()  # the signing key, read before any transaction is open
    spans = {name: reminder_window(job, now, zone) for name, zone in zones.items()}
    if spans:
        _remind(job, deps, spans, page_size, run)
    if job == "reminders_24h" and zones:
        days = {name: _today(now, zone) for name, zone in zones.items()}
        _agendas(deps, days, page_size, run)
    if run.queued:
        count("RemindersQueued", run.queued)
    logger.info(
        "reminder job finished",
        extra={**run.as_dict(), "seconds": round(time.perf_counter() - started, 3)},
    )
    return run


def _today(now: datetime, zone: ZoneInfo) -> tuple[date, Span]:
    day = agenda_day(now, zone)
    return day, day_window(day, zone)


def _remind(
    job: Job,
    deps: ReminderDependencies,
    spans: dict[str, Span],
    page_size: int,
    run: ReminderRun,
) -> None:
    template = TEMPLATE_OF_JOB[job]
    after: tuple[datetime, UUID | None] = (min(span.start for span in spans.values()), None)
    while True:

        def page(
            stores: JobStores, after: tuple[datetime, UUID | None] = after
        ) -> tuple[int, Upcoming | None, list[str]]:
            found = stores.jobs.reminder_page(
                template=template, spans=spans, after=after, limit=page_size
            )
            keys = stores.outbox.add(
                [
                    (appointment.professional_id, envelope)
                    for appointment in found
                    for envelope in reminder_envelopes(
                        job,
                        appointment,
                        manage_url=(
                            deps.links.manage_url(appointment.appointment_id, appointment.ends_at)
                            if deps.links is not None
                            else None
                        ),
                    )
                ]
            )
            return len(found), (found[-1] if found else None), keys

        found, last, keys = deps.uow.run(page)
        run.pages += 1
        run.appointments += len({key.split(":", 1)[0] for key in keys})
        run.queued += len(keys)
        if found < page_size or last is None:
            return
        after = (last.starts_at, last.appointment_id)


def _agendas(
    deps: ReminderDependencies,
    days: dict[str, tuple[date, Span]],
    page_size: int,
    run: ReminderRun,
) -> None:
    after: UUID | None = None
    while True:

        def page(
            stores: JobStores, after_id: UUID | None = after
        ) -> tuple[int, UUID | None, list[str]]:
            found = stores.jobs.agenda_page(days=days, after_id=after_id, limit=page_size)
            keys = stores.outbox.add(
                [
                    (agenda.professional_id, envelope)
                    for agenda in found
                    for envelope in agenda_envelopes(agenda)
                ]
            )
            return len(found), (found[-1].professional_id if found else None), keys

        found, last, keys = deps.uow.run(page)
        run.pages += 1
        run.agendas += len({key.split(":", 1)[0] for key in keys})
        run.queued += len(keys)
        if found < page_size or last is None:
            return
        after = last
