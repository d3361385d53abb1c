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

from agenda.adapters import jobs
from agenda.adapters.queue import dispatch
from agenda.adapters.repository import enqueue_each
from agenda.domain.reminders import (
    TEMPLATE_OF_JOB,
    Job,
    Window,
    agenda_day,
    agenda_envelopes,
    day_window,
    reminder_envelopes,
    reminder_window,
)
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database, Transaction
    from agenda.adapters.queue import Publisher
    from agenda.service.links import GuestLinks

DEFAULT_PAGE_SIZE = 1000


@dataclass(frozen=True, slots=True)
class ReminderDependencies:
    db: Database
    publisher: Publisher
    # Signs the client's link to view, reschedule or cancel; None sends reminders without it.
    links: GuestLinks | None = None


@dataclass(slots=True)
class ReminderRun:
    job: Job
    appointments: int = 0  # appointments reminded by this run
    agendas: int = 0  # professionals sent their agenda by this run
    queued: int = 0  # outbox rows this run wrote (messages another run queued are not here)
    dispatched: int = 0  # of which the queue accepted right away (the relay sends the rest)
    pages: int = 0
    skipped_zones: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "appointments": self.appointments,
            "agendas": self.agendas,
            "queued": self.queued,
            "dispatched": self.dispatched,
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
    zones = _zones(jobs.active_zones(deps.db), run)
    if deps.links is not None:
        deps.links.ready()  # the signing key, read before any transaction is open
    windows = {name: reminder_window(job, now, zone) for name, zone in zones.items()}
    if windows:
        _remind(job, deps, windows, page_size, run)
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


def _today(now: datetime, zone: ZoneInfo) -> tuple[date, Window]:
    day = agenda_day(now, zone)
    return day, day_window(day, zone)


def _remind(
    job: Job,
    deps: ReminderDependencies,
    windows: dict[str, Window],
    page_size: int,
    run: ReminderRun,
) -> None:
    template = TEMPLATE_OF_JOB[job]
    cursor = jobs.Cursor(min(window.start for window in windows.values()))
    while True:

        def page(tx: Transaction, after: jobs.Cursor = cursor) -> tuple[int, Any, list[Any]]:
            found = jobs.reminder_page(
                tx, template=template, windows=windows, after=after, limit=page_size
            )
            items = [
                (
                    appointment.professional_id,
                    envelope,
                )
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
            last = found[-1] if found else None
            return len(found), last, enqueue_each(tx, items)

        found, last, outbox = deps.db.transaction(page)
        run.pages += 1
        run.appointments += len({message.key.split(":", 1)[0] for message in outbox})
        run.queued += len(outbox)
        run.dispatched += dispatch(deps.db.query, deps.publisher, outbox)
        if found < page_size or last is None:
            return
        cursor = jobs.Cursor(last.starts_at, last.appointment_id)


def _agendas(
    deps: ReminderDependencies,
    days: dict[str, tuple[date, Window]],
    page_size: int,
    run: ReminderRun,
) -> None:
    after: UUID | str = jobs.FIRST_ID
    while True:

        def page(tx: Transaction, after_id: UUID | str = after) -> tuple[int, Any, list[Any]]:
            found = jobs.agenda_page(tx, days=days, after_id=after_id, limit=page_size)
            items = [
                (agenda.professional_id, envelope)
                for agenda in found
                for envelope in agenda_envelopes(agenda)
            ]
            last = found[-1].professional_id if found else None
            return len(found), last, enqueue_each(tx, items)

        found, last, outbox = deps.db.transaction(page)
        run.pages += 1
        run.agendas += len({message.key.split(":", 1)[0] for message in outbox})
        run.queued += len(outbox)
        run.dispatched += dispatch(deps.db.query, deps.publisher, outbox)
        if found < page_size or last is None:
            return
        after = last
