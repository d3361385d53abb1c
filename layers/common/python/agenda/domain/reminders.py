"""The daily jobs' rules: which appointments a reminder run covers, which day an agenda is for,
what they queue, and when the notification pipeline's health calls for an alert.

Pure functions over plain values (see docs/jobs.md for why the windows are what they are):

- the 24-hour reminder covers the appointments that start on the professional's local
  *tomorrow*, a calendar day in their own zone (23 or 25 hours long on a DST change): a late
  run, a retry or a second run on the same local day covers exactly the same appointments;
- the 1-hour reminder covers appointments starting between 10 and 75 minutes from now: with a
  run every 15 minutes each appointment is first seen 60 to 75 minutes ahead, and a late or
  missed run is caught up by the next one (the message keys drop what was already queued);
- the daily agenda is for the professional's local *today*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

from agenda.domain.messages import Party, envelope, to_both_channels
from agenda.domain.statuses import LiveStatus

type Job = Literal["reminders_24h", "reminders_1h"]

JOBS: tuple[Job, ...] = ("reminders_24h", "reminders_1h")
TEMPLATE_OF_JOB: Mapping[Job, str] = {
    "reminders_24h": "reminder_24h",
    "reminders_1h": "reminder_1h",
}
# The 1-hour reminder: closer than this it is noise (the session is about to start), and the
# far edge leaves a run every 15 minutes one chance in its 60-75 minute band, plus catch-up.
ONE_HOUR_NEAREST = timedelta(minutes=10)
ONE_HOUR_FARTHEST = timedelta(minutes=75)
# Appointments in the agenda: every live one of the day (pending ones hold their slot too).
AGENDA_STATUSES: tuple[LiveStatus, ...] = get_args(LiveStatus)


class UnknownJob(ValueError):
    """The event names a job this function does not run."""


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of real time: start instants in [start, end), both aware and in UTC. (Not a
    weekly availability window, ``agenda.domain.slots.WeeklyWindow``, which is local time.)"""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("a span's bounds must be aware datetimes")
        if self.end <= self.start:
            raise ValueError("a span must end after it starts")

    def __contains__(self, moment: object) -> bool:
        return isinstance(moment, datetime) and self.start <= moment < self.end


def parse_job(event: Mapping[str, Any] | None) -> Job:
    """The job a scheduled event asks for: the schedule's Input, passed through as the event."""
    job = (event or {}).get("job", "reminders_24h")
    if job not in JOBS:
        raise UnknownJob(f"unknown job {job!r}; known: {', '.join(JOBS)}")
    return job


def _aware(now: datetime) -> datetime:
    if now.utcoffset() is None:
        raise ValueError("now must be an aware datetime")
    return now.astimezone(UTC)


def local_date(now: datetime, zone: ZoneInfo) -> date:
    return _aware(now).astimezone(zone).date()


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of a local date. Where midnight does not exist (a DST change at
    00:00, as Brazil had) the day starts at the first wall-clock time after the gap."""
    naive = datetime.combine(day, time(0))
    # fold=0 reads a skipped time with the offset before the gap: the instant the gap ends.
    return naive.replace(tzinfo=zone).astimezone(UTC)


def day_window(day: date, zone: ZoneInfo) -> Span:
    """A local calendar day as instants: 24 hours long, or 23 or 25 across a DST change."""
    return Span(start_of_day(day, zone), start_of_day(day + timedelta(days=1), zone))


def reminder_window(job: Job, now: datetime, zone: ZoneInfo) -> Span:
    """Which starts a run at `now` reminds, for a professional in `zone`."""
    now = _aware(now)
    if job == "reminders_24h":
        tomorrow = local_date(now, zone) + timedelta(days=1)
        # The job runs once a day at a fixed time of another zone. Where that time sits near
        # this zone's midnight, a clock change can move consecutive runs across it, so their
        # local dates skip a day (Auckland's spring change, at 08:00 in São Paulo): the window
        # then starts at the day after the previous run's tomorrow, so no day is left out.
        # Overlaps are harmless: a reminder already queued keeps its message key.
        after_previous = local_date(now - timedelta(days=1), zone) + timedelta(days=2)
        first = start_of_day(min(tomorrow, after_previous), zone)
        return Span(max(first, now), start_of_day(tomorrow + timedelta(days=1), zone))
    return Span(now + ONE_HOUR_NEAREST, now + ONE_HOUR_FARTHEST)


def agenda_day(now: datetime, zone: ZoneInfo) -> date:
    """The day a professional's daily agenda is for: their local today."""
    return local_date(now, zone)


def day_version(day: date) -> int:
    """A local date as a message version (2026-11-23 -> 20261123): once per day."""
    return day.year * 10_000 + day.month * 100 + day.day


# --- what the jobs queue ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Upcoming:
    """One confirmed appointment a reminder run covers, with everything its message needs."""

    appointment_id: UUID
    sequence: int
    starts_at: datetime
    ends_at: datetime
    professional_id: UUID
    professional_name: str
    timezone: str
    locale: str
    client_name: str
    client_phone: str | None
    client_email: str | None


@dataclass(frozen=True, slots=True)
class ReminderPage:
    """One page of a reminder run: how many appointments it read (the run goes on while a
    page reads a whole one), the last one read (where the next page starts), and the ones
    among them due a reminder."""

    due: list[Upcoming]
    read: int
    last: tuple[datetime, UUID] | None


def reminder_envelopes(
    job: Job, appointment: Upcoming, *, manage_url: str | None = None
) -> list[dict[str, Any]]:
    """The client's reminder on each channel they have. The version is the appointment's
    sequence: a rescheduled appointment gets a fresh reminder for its new time, a re-run of
    the job does not."""
    params: dict[str, Any] = {
        "professionalName": appointment.professional_name,
        "clientName": appointment.client_name,
        "startsAt": appointment.starts_at.astimezone(ZoneInfo(appointment.timezone)).isoformat(),
        "timezone": appointment.timezone,
        "locale": appointment.locale,
    }
    if manage_url:
        params["manageUrl"] = manage_url
    return to_both_channels(
        Party(appointment.client_name, appointment.client_phone, appointment.client_email),
        audience="client",
        template=TEMPLATE_OF_JOB[job],
        subject_id=appointment.appointment_id,
        version=appointment.sequence,
        params=params,
    )


@dataclass(frozen=True, slots=True)
class AgendaItem:
    starts_at: datetime
    client_name: str
    status: str


@dataclass(frozen=True, slots=True)
class Agenda:
    professional_id: UUID
    professional_name: str
    phone: str | None
    email: str | None
    timezone: str
    locale: str
    day: date
    items: Sequence[AgendaItem]


def agenda_envelopes(agenda: Agenda) -> list[dict[str, Any]]:
    """One agenda per professional per local day, on each channel they have."""
    zone = ZoneInfo(agenda.timezone)
    items = sorted(agenda.items, key=lambda item: item.starts_at)
    return to_both_channels(
        Party(agenda.professional_name, agenda.phone, agenda.email),
        audience="professional",
        template="daily_agenda",
        subject_id=agenda.professional_id,
        version=day_version(agenda.day),
        params={
            "professionalName": agenda.professional_name,
            "date": agenda.day.isoformat(),
            "timezone": agenda.timezone,
            "locale": agenda.locale,
            "appointments": [
                {
                    "startsAt": item.starts_at.astimezone(zone).isoformat(),
                    "clientName": item.client_name,
                    "status": item.status,
                }
                for item in items
            ],
        },
    )


def disconnected_envelope(
    *,
    professional_id: UUID,
    professional_name: str,
    email: str,
    instance: str,
    day: date,
    locale: str,
    reconnect_url: str | None = None,
) -> dict[str, Any]:
    """The professional's email that their WhatsApp instance is down: once per local day."""
    params: dict[str, Any] = {
        "professionalName": professional_name,
        "instance": instance,
        "locale": locale,
    }
    if reconnect_url:
        params["reconnectUrl"] = reconnect_url
    return envelope(
        subject_id=professional_id,
        version=day_version(day),
        template="whatsapp_disconnected",
        channel="email",
        audience="professional",
        to=email,
        params=params,
    )


# --- the notification pipeline's health -------------------------------------------------------

CONNECTED = "open"


def is_disconnected(state: str | None) -> bool:
    """A state the provider reported that is not "open" (close, connecting, or an instance it
    does not know). None means the check itself failed: nothing is known, nobody is told."""
    return state is not None and state != CONNECTED


@dataclass(frozen=True, slots=True)
class Thresholds:
    dead_letters: int
    failed_deliveries: int


def health_problems(
    *, dead_letters: int | None, failed_deliveries: int, thresholds: Thresholds
) -> list[str]:
    """Which measures crossed their threshold (a measure at or above it), by name."""
    problems = []
    if dead_letters is not None and dead_letters >= thresholds.dead_letters:
        problems.append("dead_letters")
    if failed_deliveries >= thresholds.failed_deliveries:
        problems.append("failed_deliveries")
    return problems
