"""The one check a requested start must pass, for a new booking and a reschedule alike."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from agenda.domain.errors import SlotTaken, SlotUnavailable
from agenda.domain.slots import Busy, Rules, Slot, find_slot, last_bookable_date
from agenda.service.records import ScheduleRange

if TYPE_CHECKING:
    from agenda.service.records import ProfessionalSchedule

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


class ScheduleCache:
    """The schedules a warm function read last, by slug, each with the dates it covers, so a
    booking can decide from the rules its visitor's page was just shown without reading them
    again. Only the rules are taken from here, never the busy ranges: overlaps are the
    exclusion constraint's, and the write compares the schedule's version with the one in force
    (in the same round trip), answering ScheduleChanged when they differ. Nothing is held on
    the database's side, so no RDS Proxy connection is pinned. Bounded: the least recently
    used entry goes first."""

    def __init__(self, size: int = 1024) -> None:
        self._size = size
        self._entries: OrderedDict[str, tuple[ProfessionalSchedule, ScheduleRange]] = OrderedDict()

    def get(self, slug: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        """The schedule read for `slug` if its overrides and blocked dates cover `within`."""
        entry = self._entries.get(slug)
        if entry is None:
            return None
        schedule, covered = entry
        if not covered.first_day <= within.first_day <= within.last_day <= covered.last_day:
            return None
        self._entries.move_to_end(slug)
        return schedule

    def put(self, schedule: ProfessionalSchedule, within: ScheduleRange) -> None:
        # The busy ranges are never used from here: do not hold them.
        self._entries[schedule.slug] = (replace(schedule, busy=()), within)
        self._entries.move_to_end(schedule.slug)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, slug: str) -> None:
        self._entries.pop(slug, None)
