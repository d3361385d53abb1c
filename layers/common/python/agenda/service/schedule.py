"""The one check a requested start must pass, for a new booking and a reschedule alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from agenda.domain.errors import SlotTaken, SlotUnavailable
from agenda.domain.slots import Busy, Rules, Slot, find_slot, last_bookable_date
from agenda.service.records import ScheduleRange

# A check reads the schedule a day around the requested start on each side, which covers every
# UTC offset (-12:00 to +14:00) and any buffer without knowing the professional's zone first.
MARGIN = timedelta(days=1)


def range_around(starts_at: datetime) -> ScheduleRange:
    """The part of a schedule that decides whether `starts_at` is a free slot."""
    return ScheduleRange(
        first_day=(starts_at.astimezone(UTC) - MARGIN).date(),
        last_day=(starts_at.astimezone(UTC) + MARGIN).date(),
        busy_from=starts_at - MARGIN,
        busy_until=starts_at + MARGIN,
    )


def bookable_slot(
    rules: Rules, starts_at: datetime, *, busy: Sequence[Busy], now: datetime
) -> Slot:
    """The slot the booking page offers at exactly this instant, or the reason it is not one.

    Not a slot of the rules at all (outside the hours, a blocked date, too soon, beyond the
    horizon, in the past): SlotUnavailable. A slot of the rules that an appointment or its
    buffers now cover: SlotTaken. The exclusion constraint still has the last word on a race.
    """
    if find_slot(rules, starts_at, busy=(), now=now) is None:
        if starts_at <= now:
            raise SlotUnavailable("That time is in the past: please choose another one")
        last = last_bookable_date(rules, now)
        if starts_at.astimezone(rules.timezone).date() > last:
            raise SlotUnavailable(beyond_horizon(last))
        raise SlotUnavailable(
            "The professional is not available at that time: please choose one of the free times"
        )
    slot = find_slot(rules, starts_at, busy=busy, now=now)
    if slot is None:
        raise SlotTaken("Someone has just booked that time: please choose another one")
    return slot


def beyond_horizon(last: date) -> str:
    """The refusal of a start after the last bookable date, naming that date."""
    return f"Bookings with this professional are open until {last.isoformat()}"
