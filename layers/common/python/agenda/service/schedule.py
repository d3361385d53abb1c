"""Turning a professional's stored schedule into the slot engine's rules, and the one check a
requested start must pass (a new booking and a reschedule alike)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from agenda.adapters.repository import epoch
from agenda.domain.errors import SlotTaken, SlotUnavailable
from agenda.domain.slots import Busy, Rules, Slot, Window, find_slot


def rules_from(row: dict[str, Any]) -> Rules:
    """The rules of the columns agenda.adapters.repository.SCHEDULE_RULES_COLUMNS selects."""
    overrides: dict[date, list[tuple[time, time]]] = {}
    for on_date, start, end in row["overrides"]:
        overrides.setdefault(date.fromisoformat(on_date), []).append(
            (time.fromisoformat(start), time.fromisoformat(end))
        )
    session = row["session_duration"]
    before = row.get("buffer_before_minutes") or 0
    after = row.get("buffer_after_minutes") or 0
    return Rules(
        timezone=ZoneInfo(row["timezone"]),
        session_minutes=session,
        # No step of their own: one session after another, buffers included, so a booked
        # session's buffers never leave a gap no other session fits.
        step_minutes=row.get("slot_step_minutes") or session + before + after,
        buffer_before_minutes=before,
        buffer_after_minutes=after,
        min_notice_minutes=row.get("min_notice_minutes") or 0,
        horizon_days=row["booking_horizon_days"],
        windows=tuple(
            Window(weekday=dow, start=time.fromisoformat(start), end=time.fromisoformat(end))
            for dow, start, end in row["windows"]
        ),
        overrides={day: tuple(sorted(windows)) for day, windows in overrides.items()},
        blocked=tuple(
            (date.fromisoformat(first), date.fromisoformat(last)) for first, last in row["blocked"]
        ),
    )


def busy_from(row: dict[str, Any]) -> list[Busy]:
    """The live appointments' buffered ranges (what the exclusion constraint compares)."""
    return [(epoch(start), epoch(end)) for start, end in row["busy"]]


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
            raise SlotUnavailable("That time is in the past, please choose another one")
        raise SlotUnavailable("That time is not one of this professional's available slots")
    slot = find_slot(rules, starts_at, busy=busy, now=now)
    if slot is None:
        raise SlotTaken("This time was just taken, please choose another one")
    return slot
