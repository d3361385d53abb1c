"""The rules a booking by hand is checked with: the notice and the horizon lifted, nothing
else."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from agenda.domain.booking_by_hand import HORIZON_DAYS, professional_rules
from agenda.domain.slots import Rules, WeeklyWindow, find_slot

ZONE = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday, 09:00 in São Paulo


def rules(**options: object) -> Rules:
    values: dict[str, object] = {
        "timezone": ZONE,
        "session_minutes": 50,
        "step_minutes": 50,
        "windows": tuple(WeeklyWindow(weekday=d, start=time(9), end=time(12)) for d in range(7)),
        "min_notice_minutes": 2 * 24 * 60,
        "horizon_days": 30,
        "blocked": ((date(2026, 3, 10), date(2026, 3, 10)),),
        **options,
    }
    return Rules(**values)  # type: ignore[arg-type]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZONE)


def test_inside_the_notice_is_a_slot_for_the_professional_only() -> None:
    tomorrow = at(date(2026, 3, 3), 9)
    assert find_slot(rules(), tomorrow, busy=(), now=NOW) is None
    assert find_slot(professional_rules(rules()), tomorrow, busy=(), now=NOW) is not None


def test_past_the_horizon_up_to_a_year() -> None:
    later = at(date(2026, 3, 2) + timedelta(days=200), 9)
    assert find_slot(rules(), later, busy=(), now=NOW) is None
    assert find_slot(professional_rules(rules()), later, busy=(), now=NOW) is not None
    beyond = at(date(2026, 3, 2) + timedelta(days=HORIZON_DAYS + 1), 9)
    assert find_slot(professional_rules(rules()), beyond, busy=(), now=NOW) is None


def test_a_longer_horizon_of_the_professional_stays() -> None:
    assert professional_rules(rules(horizon_days=500)).horizon_days == 500


@pytest.mark.parametrize(
    "starts",
    [
        at(date(2026, 3, 4), 12, 30),  # outside the weekly hours
        at(date(2026, 3, 4), 9, 20),  # not on the step
        at(date(2026, 3, 10), 9),  # a blocked day
        at(date(2026, 3, 2), 8, 10),  # the past
    ],
)
def test_the_hours_blocked_days_and_the_past_still_hold(starts: datetime) -> None:
    assert find_slot(professional_rules(rules()), starts, busy=(), now=NOW) is None


def test_the_buffers_still_hold() -> None:
    starts = at(date(2026, 3, 4), 9, 50)
    busy = ((at(date(2026, 3, 4), 9), at(date(2026, 3, 4), 10)),)
    assert find_slot(professional_rules(rules()), starts, busy=busy, now=NOW) is None
