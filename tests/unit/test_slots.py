"""The slot engine: examples from the seed professional, daylight-saving days, and properties."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agenda.domain.slots import (
    Busy,
    Day,
    Rules,
    Slot,
    WeeklyWindow,
    find_slot,
    generate_slots,
    last_bookable_date,
    period_of,
)

pytestmark = pytest.mark.unit

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")

MONDAY = date(2026, 5, 4)
SATURDAY = date(2026, 5, 9)
SUNDAY = date(2026, 5, 10)
# The Sunday before MONDAY, early morning in São Paulo: every slot of the week is in the future.
BEFORE_THE_WEEK = datetime(2026, 5, 3, 8, 0, tzinfo=SAO_PAULO)

DR_ANA_TIMES = ["09:00", "09:50", "10:40", "14:00", "14:50", "15:40", "16:30"]

DR_ANA = Rules(
    timezone=SAO_PAULO,
    session_minutes=50,
    windows=tuple(
        WeeklyWindow(weekday, start, end)
        for weekday in range(1, 6)
        for start, end in ((time(9), time(12)), (time(14), time(18)))
    ),
)


def dr_ana(**changes: Any) -> Rules:
    """The seed professional (50-minute sessions, Mon-Fri 09:00-12:00 and 14:00-18:00), varied."""
    return replace(DR_ANA, **changes)


def every_day(start: time, end: time) -> tuple[WeeklyWindow, ...]:
    return tuple(WeeklyWindow(weekday, start, end) for weekday in range(7))


def one_day(
    rules: Rules, day: date, *, busy: Sequence[Busy] = (), now: datetime = BEFORE_THE_WEEK
) -> Day:
    [listed] = generate_slots(rules, first_day=day, days=1, busy=busy, now=now)
    return listed


def times(day: Day) -> list[str]:
    return [slot.time for slot in day.slots]


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SAO_PAULO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


def real_minutes(slot: Slot) -> float:
    # Subtraction within one zone ignores the offset change, so compare in UTC.
    return (slot.ends_at.astimezone(UTC) - slot.starts_at.astimezone(UTC)) / timedelta(minutes=1)


# --- the seed professional ------------------------------------------------------------------------


def test_a_monday_offers_every_session_that_fits_a_window() -> None:
    monday = one_day(dr_ana(), MONDAY)

    assert monday.date == MONDAY
    assert times(monday) == DR_ANA_TIMES
    assert [slot.period for slot in monday.slots] == ["morning"] * 3 + ["afternoon"] * 4
    first = monday.slots[0]
    assert first.starts_at.isoformat() == "2026-05-04T09:00:00-03:00"
    assert first.ends_at.isoformat() == "2026-05-04T09:50:00-03:00"
    assert first.local_date == MONDAY
    assert all(real_minutes(slot) == 50 for slot in monday.slots)


def test_weekends_are_listed_with_no_slots() -> None:
    week = generate_slots(dr_ana(), first_day=MONDAY, days=7, busy=[], now=BEFORE_THE_WEEK)

    assert [listed.date for listed in week] == [MONDAY + timedelta(days=n) for n in range(7)]
    assert [len(listed.slots) for listed in week] == [7, 7, 7, 7, 7, 0, 0]
    assert week[5].date == SATURDAY
    assert week[6].date == SUNDAY


def test_zero_days_lists_nothing() -> None:
    assert generate_slots(dr_ana(), first_day=MONDAY, days=0, busy=[], now=BEFORE_THE_WEEK) == []


def test_a_busy_appointment_removes_exactly_the_slots_it_overlaps() -> None:
    partial = [(at(MONDAY, 9, 30), at(MONDAY, 10, 20))]
    assert times(one_day(dr_ana(), MONDAY, busy=partial)) == DR_ANA_TIMES[2:]

    # Half-open intervals: an appointment ending at 09:50 leaves the 09:50 slot free, one
    # starting at 10:40 leaves the slot ending at 10:40 free.
    back_to_back = [(at(MONDAY, 9, 0), at(MONDAY, 9, 50)), (at(MONDAY, 10, 40), at(MONDAY, 11, 0))]
    assert times(one_day(dr_ana(), MONDAY, busy=back_to_back)) == ["09:50", *DR_ANA_TIMES[3:]]


def test_busy_instants_compare_whatever_zone_they_are_written_in() -> None:
    in_utc = [(datetime(2026, 5, 4, 17, 0, tzinfo=UTC), datetime(2026, 5, 4, 17, 1, tzinfo=UTC))]
    assert "14:00" not in times(one_day(dr_ana(), MONDAY, busy=in_utc))

    empty = [(at(MONDAY, 9, 10), at(MONDAY, 9, 10))]
    assert times(one_day(dr_ana(), MONDAY, busy=empty)) == DR_ANA_TIMES


def test_past_slots_are_removed_relative_to_now() -> None:
    assert times(one_day(dr_ana(), MONDAY, now=at(MONDAY, 10, 0))) == DR_ANA_TIMES[2:]
    # A slot starting exactly now is already gone.
    assert times(one_day(dr_ana(), MONDAY, now=at(MONDAY, 10, 40))) == DR_ANA_TIMES[3:]
    assert times(one_day(dr_ana(), MONDAY, now=at(MONDAY, 18, 0))) == []


def test_minimum_notice() -> None:
    rules = dr_ana(min_notice_minutes=120)
    assert times(one_day(rules, MONDAY, now=at(MONDAY, 8, 0))) == DR_ANA_TIMES[2:]
    # Exactly now + notice is still offered.
    rules = dr_ana(min_notice_minutes=60)
    assert times(one_day(rules, MONDAY, now=at(MONDAY, 8, 0))) == DR_ANA_TIMES


def test_buffers_must_fit_the_window() -> None:
    # 09:00 would need 08:50-09:00 before the window opens.
    assert times(one_day(dr_ana(buffer_before_minutes=10), MONDAY)) == [
        "09:50",
        "10:40",
        "14:50",
        "15:40",
        "16:30",
    ]
    # 10:40 ends 11:30; thirty minutes after still fit before 12:00, thirty-one don't.
    assert times(one_day(dr_ana(buffer_after_minutes=30), MONDAY)) == DR_ANA_TIMES
    assert "10:40" not in times(one_day(dr_ana(buffer_after_minutes=31), MONDAY))


def test_buffers_are_kept_clear_of_appointments() -> None:
    rules = dr_ana(buffer_before_minutes=10, buffer_after_minutes=10)
    assert times(one_day(rules, MONDAY, busy=[(at(MONDAY, 9, 30), at(MONDAY, 9, 41))])) == [
        "10:40",
        "14:50",
        "15:40",
        "16:30",
    ]
    # Ending exactly where the buffer begins is fine.
    assert "09:50" in times(one_day(rules, MONDAY, busy=[(at(MONDAY, 9, 30), at(MONDAY, 9, 40))]))
    # The buffer after 10:40-11:30 runs to 11:40.
    with_after = one_day(rules, MONDAY, busy=[(at(MONDAY, 11, 39), at(MONDAY, 11, 45))])
    assert "10:40" not in times(with_after)


def test_step_between_starts() -> None:
    rules = dr_ana(step_minutes=30)
    assert times(one_day(rules, MONDAY))[:5] == ["09:00", "09:30", "10:00", "10:30", "11:00"]
    assert "11:30" not in times(one_day(rules, MONDAY))


def test_horizon_counts_local_dates_from_today() -> None:
    rules = dr_ana(horizon_days=7)
    now = at(MONDAY, 8, 0)
    listed = generate_slots(rules, first_day=MONDAY, days=10, busy=[], now=now)
    assert [len(day.slots) for day in listed] == [7, 7, 7, 7, 7, 0, 0, 7, 0, 0]

    # Today is the professional's today: 23:30 in São Paulo is already tomorrow in UTC.
    late = datetime(2026, 5, 4, 2, 30, tzinfo=UTC)  # Sunday 23:30 in São Paulo
    assert len(one_day(dr_ana(horizon_days=0), MONDAY, now=late).slots) == 0
    assert len(one_day(dr_ana(horizon_days=1), MONDAY, now=late).slots) == 7


def test_dates_before_today_have_no_slots() -> None:
    assert one_day(dr_ana(), MONDAY, now=at(MONDAY + timedelta(days=1), 0, 0)).slots == ()


def test_overrides_replace_the_weekly_windows() -> None:
    rules = dr_ana(
        overrides={
            SATURDAY: ((time(10), time(12)),),
            MONDAY: (),
            MONDAY + timedelta(days=1): ((time(16), time(18)),),
        }
    )
    week = generate_slots(rules, first_day=MONDAY, days=6, busy=[], now=BEFORE_THE_WEEK)
    assert times(week[0]) == []
    assert times(week[1]) == ["16:00", "16:50"]
    assert times(week[2]) == DR_ANA_TIMES
    assert times(week[5]) == ["10:00", "10:50"]


def test_blocked_ranges_are_inclusive() -> None:
    rules = dr_ana(blocked=((MONDAY, MONDAY + timedelta(days=2)),))
    week = generate_slots(rules, first_day=MONDAY, days=5, busy=[], now=BEFORE_THE_WEEK)
    assert [len(day.slots) for day in week] == [0, 0, 0, 7, 7]


def test_period_boundaries() -> None:
    assert period_of(time(0, 0)) == "morning"
    assert period_of(time(11, 59)) == "morning"
    assert period_of(time(12, 0)) == "afternoon"
    assert period_of(time(17, 59)) == "afternoon"
    assert period_of(time(18, 0)) == "evening"
    evening = one_day(dr_ana(windows=(WeeklyWindow(1, time(18), time(20)),)), MONDAY)
    assert [slot.period for slot in evening.slots] == ["evening", "evening"]


# --- the booking check ----------------------------------------------------------------------------


def test_find_slot_accepts_an_offered_start_written_in_any_zone() -> None:
    offered = one_day(dr_ana(), MONDAY).slots[1]
    assert find_slot(dr_ana(), offered.starts_at, busy=[], now=BEFORE_THE_WEEK) == offered

    in_utc = datetime(2026, 5, 4, 12, 50, tzinfo=UTC)
    assert find_slot(dr_ana(), in_utc, busy=[], now=BEFORE_THE_WEEK) == offered
    in_lisbon = in_utc.astimezone(ZoneInfo("Europe/Lisbon"))
    assert find_slot(dr_ana(), in_lisbon, busy=[], now=BEFORE_THE_WEEK) == offered


def test_find_slot_refuses_what_is_not_offered() -> None:
    rules = dr_ana()
    now = BEFORE_THE_WEEK
    assert find_slot(rules, at(MONDAY, 9, 1), busy=[], now=now) is None
    assert find_slot(rules, at(MONDAY, 11, 30), busy=[], now=now) is None
    assert find_slot(rules, at(SATURDAY, 9, 0), busy=[], now=now) is None
    busy = [(at(MONDAY, 9, 30), at(MONDAY, 10, 20))]
    assert find_slot(rules, at(MONDAY, 9, 50), busy=busy, now=now) is None
    assert find_slot(rules, at(MONDAY, 9, 0), busy=[], now=at(MONDAY, 9, 0)) is None
    assert find_slot(rules, at(MONDAY + timedelta(days=61), 9), busy=[], now=now) is None


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"session_minutes": 0},
        {"step_minutes": 0},
        {"buffer_before_minutes": -1},
        {"buffer_after_minutes": -1},
        {"min_notice_minutes": -1},
        {"horizon_days": -1},
        {"overrides": {MONDAY: ((time(12), time(9)),)}},
        {"blocked": ((SUNDAY, MONDAY),)},
    ],
)
def test_rules_refuse_nonsense(changes: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must"):
        dr_ana(**changes)


@pytest.mark.parametrize(
    ("weekday", "start", "end"),
    [
        (7, time(9), time(10)),
        (-1, time(9), time(10)),
        (1, time(10), time(10)),
        (1, time(11), time(10)),
        (1, time(9, 0, 30), time(10)),
    ],
)
def test_windows_refuse_nonsense(weekday: int, start: time, end: time) -> None:
    with pytest.raises(ValueError, match="must"):
        WeeklyWindow(weekday, start, end)


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 5, 4, 9, 0)
    with pytest.raises(ValueError, match="now"):
        generate_slots(dr_ana(), first_day=MONDAY, days=1, busy=[], now=naive)
    with pytest.raises(ValueError, match="busy"):
        generate_slots(
            dr_ana(), first_day=MONDAY, days=1, busy=[(naive, naive)], now=BEFORE_THE_WEEK
        )
    with pytest.raises(ValueError, match="starts_at"):
        find_slot(dr_ana(), naive, busy=[], now=BEFORE_THE_WEEK)
    with pytest.raises(ValueError, match="days"):
        generate_slots(dr_ana(), first_day=MONDAY, days=-1, busy=[], now=BEFORE_THE_WEEK)


# --- daylight saving ------------------------------------------------------------------------------

SPRING_FORWARD = date(2026, 3, 8)  # New York: 02:00 EST becomes 03:00 EDT
FALL_BACK = date(2026, 11, 1)  # New York: 02:00 EDT becomes 01:00 EST
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def nine_am_utc(zone: ZoneInfo, first_day: date, days: int) -> list[str]:
    rules = Rules(zone, 60, every_day(time(9), time(10)), horizon_days=100_000)
    listed = generate_slots(rules, first_day=first_day, days=days, busy=[], now=LONG_AGO)
    assert all(times(day) == ["09:00"] for day in listed)
    return [day.slots[0].starts_at.astimezone(UTC).strftime("%m-%d %H:%M") for day in listed]


def test_nine_am_stays_nine_am_across_new_york_changes() -> None:
    assert nine_am_utc(NEW_YORK, SPRING_FORWARD - timedelta(days=1), 3) == [
        "03-07 14:00",
        "03-08 13:00",
        "03-09 13:00",
    ]
    assert nine_am_utc(NEW_YORK, FALL_BACK - timedelta(days=1), 3) == [
        "10-31 13:00",
        "11-01 14:00",
        "11-02 14:00",
    ]


def test_nine_am_in_zones_without_daylight_saving() -> None:
    assert nine_am_utc(KOLKATA, SPRING_FORWARD - timedelta(days=1), 3) == [
        "03-07 03:30",
        "03-08 03:30",
        "03-09 03:30",
    ]
    # São Paulo has had no daylight saving since 2019.
    assert nine_am_utc(SAO_PAULO, FALL_BACK - timedelta(days=1), 3) == [
        "10-31 12:00",
        "11-01 12:00",
        "11-02 12:00",
    ]


def test_sao_paulo_2018_when_midnight_did_not_exist() -> None:
    began = date(2018, 11, 4)  # 00:00 -03 became 01:00 -02
    assert nine_am_utc(SAO_PAULO, began - timedelta(days=1), 2) == ["11-03 12:00", "11-04 11:00"]

    rules = Rules(SAO_PAULO, 60, every_day(time(0), time(3)), horizon_days=100_000)
    night = one_day(rules, began, now=LONG_AGO)
    assert [slot.starts_at.isoformat() for slot in night.slots] == [
        "2018-11-04T01:00:00-02:00",
        "2018-11-04T02:00:00-02:00",
    ]


def test_spring_forward_gap_gives_no_slot_and_no_longer_session() -> None:
    rules = Rules(NEW_YORK, 60, every_day(time(1), time(4)), horizon_days=100_000)
    night = one_day(rules, SPRING_FORWARD, now=LONG_AGO)
    assert [(slot.starts_at.isoformat(), slot.ends_at.isoformat()) for slot in night.slots] == [
        ("2026-03-08T01:00:00-05:00", "2026-03-08T03:00:00-04:00"),
        ("2026-03-08T03:00:00-04:00", "2026-03-08T04:00:00-04:00"),
    ]
    assert all(real_minutes(slot) == 60 for slot in night.slots)

    half_hourly_rules = replace(rules, step_minutes=30)
    half_hourly = one_day(half_hourly_rules, SPRING_FORWARD, now=LONG_AGO)
    assert times(half_hourly) == ["01:00", "01:30", "03:00"]
    assert all(real_minutes(slot) == 60 for slot in half_hourly.slots)


def test_slots_never_overlap_across_the_gap_and_booking_one_takes_no_other() -> None:
    # A tutor in New York, 45-minute sessions one after another, an override of 00:45-05:00 on
    # the spring-forward night (02:00 EST becomes 03:00 EDT).
    night = date(2027, 3, 14)
    rules = Rules(
        NEW_YORK, 45, (), overrides={night: ((time(0, 45), time(5)),)}, horizon_days=100_000
    )
    offered = one_day(rules, night, now=LONG_AGO).slots
    # The wall-clock walk gives 00:45, 01:30, (02:15 never happens), 03:00, 03:45, 04:30; 03:00
    # EDT is only 30 real minutes after 01:30 EST, inside its session, so it is not offered.
    assert [slot.time for slot in offered] == ["00:45", "01:30", "03:45"]
    assert all(real_minutes(slot) == 45 for slot in offered)
    for earlier, later in itertools.pairwise(offered):
        assert earlier.ends_at.astimezone(UTC) <= later.starts_at.astimezone(UTC)
    # Booking 01:30 leaves every other offered slot free.
    taken = offered[1]
    busy = [(taken.starts_at, taken.ends_at)]
    assert [slot.time for slot in one_day(rules, night, busy=busy, now=LONG_AGO).slots] == [
        "00:45",
        "03:45",
    ]
    assert find_slot(rules, offered[2].starts_at, busy=busy, now=LONG_AGO) == offered[2]


def test_a_window_ending_inside_the_gap_ends_when_the_clock_jumps() -> None:
    rules = Rules(
        NEW_YORK, 60, every_day(time(1), time(2, 30)), step_minutes=15, horizon_days=100_000
    )
    night = one_day(rules, SPRING_FORWARD, now=LONG_AGO)
    # Only 01:00 fits: it ends at 03:00 EDT, the very moment 02:30 was skipped over.
    assert [(slot.time, slot.ends_at.isoformat()) for slot in night.slots] == [
        ("01:00", "2026-03-08T03:00:00-04:00")
    ]


def test_fall_back_sessions_last_their_real_length() -> None:
    rules = Rules(NEW_YORK, 60, every_day(time(0), time(4)), horizon_days=100_000)
    night = one_day(rules, FALL_BACK, now=LONG_AGO)
    assert [(slot.starts_at.isoformat(), slot.ends_at.isoformat()) for slot in night.slots] == [
        ("2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00"),
        ("2026-11-01T01:00:00-04:00", "2026-11-01T01:00:00-05:00"),
        ("2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"),
        ("2026-11-01T03:00:00-05:00", "2026-11-01T04:00:00-05:00"),
    ]
    assert all(real_minutes(slot) == 60 for slot in night.slots)


def test_fall_back_ambiguous_time_means_its_first_occurrence() -> None:
    rules = Rules(NEW_YORK, 30, every_day(time(1), time(3)), horizon_days=100_000)
    night = one_day(rules, FALL_BACK, now=LONG_AGO)
    assert times(night) == ["01:00", "01:30", "02:00", "02:30"]
    assert [slot.starts_at.utcoffset() for slot in night.slots] == [
        timedelta(hours=-4),
        timedelta(hours=-4),
        timedelta(hours=-5),
        timedelta(hours=-5),
    ]
    first_one_am = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    second_one_am = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert find_slot(rules, first_one_am, busy=[], now=LONG_AGO) == night.slots[0]
    assert find_slot(rules, second_one_am, busy=[], now=LONG_AGO) is None


def test_a_day_that_never_happened_has_no_slots() -> None:
    # Samoa skipped 30 December 2011 when it crossed the date line.
    apia = ZoneInfo("Pacific/Apia")
    rules = Rules(apia, 60, every_day(time(0), time(23, 45)), horizon_days=100_000)
    listed = generate_slots(rules, first_day=date(2011, 12, 29), days=3, busy=[], now=LONG_AGO)
    assert [len(day.slots) for day in listed] == [23, 0, 23]


# --- properties -----------------------------------------------------------------------------------

FIXED_ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "America/St_Johns",
    "America/Nuuk",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Lisbon",
    "Europe/Moscow",
    "Africa/Casablanca",
    "Asia/Gaza",
    "Asia/Tehran",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Chatham",
    "Pacific/Apia",
]
# Zones whose clocks still changed in recent decades, around midnight or at night.
CHANGING_ZONES = [
    name
    for name in FIXED_ZONES
    if name not in {"UTC", "Asia/Kolkata", "Asia/Kathmandu", "Asia/Tokyo"}
]
IANA_AREAS = re.compile(
    r"(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[\w+\-/]+"
)
ALL_ZONES = sorted(name for name in available_timezones() if IANA_AREAS.fullmatch(name))

QUARTER = timedelta(minutes=15)
FIVE = timedelta(minutes=5)
DayWindows = tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class Scenario:
    rules: Rules
    first_day: date
    days: int
    busy: list[Busy]
    now: datetime
    weekly: list[DayWindows]  # windows per weekday as drawn, 0 = Sunday

    def generate(self, first_day: date | None = None, days: int | None = None) -> list[Day]:
        return generate_slots(
            self.rules,
            first_day=self.first_day if first_day is None else first_day,
            days=self.days if days is None else days,
            busy=self.busy,
            now=self.now,
        )

    def find(self, starts_at: datetime) -> Slot | None:
        return find_slot(self.rules, starts_at, busy=self.busy, now=self.now)

    def windows_on(self, day: date) -> DayWindows:
        if any(first <= day <= last for first, last in self.rules.blocked):
            return ()
        if day in self.rules.overrides:
            return self.rules.overrides[day]
        return self.weekly[day.isoweekday() % 7]


@cache
def transition_dates(zone_name: str, year: int) -> tuple[date, ...]:
    """Local dates on or next to a UTC-offset change in a year, found from daily noon offsets."""
    zone = ZoneInfo(zone_name)
    found: list[date] = []
    day = date(year, 1, 1)
    previous = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
    while day.year == year:
        day += timedelta(days=1)
        offset = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if offset != previous:
            found += [day - timedelta(days=1), day]
        previous = offset
    return tuple(found)


def day_windows() -> st.SearchStrategy[DayWindows]:
    """Zero to two disjoint windows on quarter hours, often at night, when clocks change."""

    def pair(marks: list[int]) -> DayWindows:
        marks = sorted(marks)[: len(marks) // 2 * 2]
        bounds = [quarter_time(mark) for mark in marks]
        return tuple(zip(bounds[::2], bounds[1::2], strict=True))

    mark = st.integers(0, 95) | st.integers(0, 5 * 4)
    some = st.lists(mark, min_size=2, max_size=4, unique=True).map(pair)
    return st.integers(0, 4).flatmap(lambda n: some if n else st.just(()))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    # Half the time, a clock-change day of a zone with daylight saving, with a window around the
    # change; otherwise any zone, with dates still drawn mostly next to its offset changes.
    on_a_change = draw(st.booleans())
    zone = ZoneInfo(draw(st.sampled_from(FIXED_ZONES) | st.sampled_from(ALL_ZONES)))
    year = draw(st.integers(1995, 2038))
    changes = transition_dates(zone.key, year)
    if on_a_change:
        zone = ZoneInfo(draw(st.sampled_from(CHANGING_ZONES)))
        changes = tuple(day for day in transition_dates(zone.key, year) if odd_quarters(zone, day))
    if changes and (on_a_change or draw(st.integers(0, 3)) > 0):
        day = draw(st.sampled_from(changes))
    else:
        day = date(year, 1, 1) + timedelta(days=draw(st.integers(0, 364)))

    weekly = [draw(day_windows()) for _ in range(7)]
    overrides = {day: draw(day_windows())} if draw(st.booleans()) else {}
    shifted = odd_quarters(zone, day)
    if shifted and (on_a_change or draw(st.booleans())):
        # A window around the clock change, its gap or repeat inside or holding a bound.
        start = draw(st.integers(max(0, shifted[0] - 8), min(94, shifted[-1])))
        end = draw(st.integers(max(start + 1, shifted[0]), min(95, shifted[-1] + 12)))
        overrides[day] = ((quarter_time(start), quarter_time(end)),)
    blocked: tuple[tuple[date, date], ...] = ()
    if draw(st.integers(0, 7)) == 0:
        blocked = ((day, day + timedelta(days=draw(st.integers(0, 1)))),)
    # Mostly multiples of five minutes, so that slots, appointments and now can meet exactly.
    fives = st.integers(1, 24).map(lambda n: 5 * n)
    rules = Rules(
        timezone=zone,
        session_minutes=draw(st.integers(3, 24).map(lambda n: 5 * n) | st.integers(15, 120)),
        windows=tuple(
            WeeklyWindow(weekday, start, end)
            for weekday in range(7)
            for start, end in weekly[weekday]
        ),
        step_minutes=draw(st.none() | fives | st.integers(5, 120)),
        buffer_before_minutes=draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        buffer_after_minutes=draw(st.sampled_from([0, 0, 5, 10, 15, 30])),
        min_notice_minutes=draw(st.sampled_from([0, 0, 0, 30, 120, 1440])),
        horizon_days=60 if on_a_change else draw(st.sampled_from([0, 1, 3, 60, 60, 60])),
        overrides=overrides,
        blocked=blocked,
    )

    # Instants are written in assorted zones: only the instant may matter.
    shown_in = st.sampled_from(
        [UTC, zone, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    )
    around = datetime.combine(day, time(0), tzinfo=UTC)
    # Local quarter hours of the day, where windows and so many slots begin and end: now and
    # appointments often sit exactly on one, to test the edges of every comparison.
    quarter = st.integers(0, 95).map(
        lambda mark: datetime.combine(day, quarter_time(mark), tzinfo=zone).astimezone(UTC)
    )
    minutes = st.builds(lambda n: FIVE * n, st.integers(0, 36)) | st.builds(
        lambda n: timedelta(minutes=n), st.integers(0, 180)
    )
    if on_a_change:
        # Mostly shortly before the dates asked for.
        now = around + FIVE * draw(st.integers(-2 * 288, 0))
    else:
        now = draw(quarter | st.builds(lambda n: around + FIVE * n, st.integers(-2 * 288, 288)))
    now += timedelta(seconds=draw(st.sampled_from([0, 0, 0, 1, 59])))
    busy: list[Busy] = []
    for _ in range(draw(st.integers(0, 8) | st.integers(0, 50))):
        match draw(st.integers(0, 2)):
            case 0:
                begins = around + FIVE * draw(st.integers(-288, 3 * 288))
                begins += timedelta(minutes=draw(st.sampled_from([0, 0, 1, 7])))
                ends = begins + draw(minutes)
            case 1:
                begins = draw(quarter)
                ends = begins + draw(minutes)
            case _:
                ends = draw(quarter)
                begins = ends - draw(minutes)
        written = draw(shown_in)
        busy.append((begins.astimezone(written), ends.astimezone(written)))

    days = draw(st.integers(1, 3))
    return Scenario(
        rules=rules,
        first_day=day - timedelta(days=draw(st.integers(0, days - 1))),
        days=days,
        busy=busy,
        now=now.astimezone(draw(shown_in)),
        weekly=weekly,
    )


def quarter_time(mark: int) -> time:
    return time(mark // 4, mark % 4 * 15)


@cache
def odd_quarters(zone: ZoneInfo, day: date) -> list[int]:
    """Quarter hours of a local date that never happen or happen twice there."""
    odd = []
    for mark in range(96):
        wall = datetime.combine(day, quarter_time(mark), tzinfo=zone)
        if wall.utcoffset() != wall.replace(fold=1).utcoffset():
            odd.append(mark)
    return odd


@cache
def first_reading(zone: ZoneInfo, day: date, bound: time) -> datetime:
    """The first instant whose local clock reads ``day bound`` or later, by brute force.

    Scans instants minute by minute: since 1972 every zone's offsets and changes fall on whole
    minutes, so nothing is missed.
    """
    target = datetime.combine(day, bound)
    guess = datetime.combine(day, bound, tzinfo=zone).utcoffset()
    assert guess is not None
    instant = (target - guess - timedelta(hours=3)).replace(tzinfo=UTC)
    while instant.astimezone(zone).replace(tzinfo=None) >= target:
        instant -= timedelta(hours=3)
    while instant.astimezone(zone).replace(tzinfo=None) < target:
        instant += timedelta(minutes=1)
    return instant


def overlaps_busy(scenario: Scenario, begins: datetime, ends: datetime) -> bool:
    # In UTC: two datetimes of one zone compare by their wall fields, wrong across a fall-back.
    busy = [(b.astimezone(UTC), e.astimezone(UTC)) for b, e in scenario.busy]
    # Half-open intervals: an empty one holds no instant at all.
    return any(b < e and b < ends and begins < e for b, e in busy)


def reference_starts(scenario: Scenario) -> list[tuple[date, list[datetime]]]:
    """The same rules written the slow, obvious way: walk, round-trip, scan every appointment."""
    rules = scenario.rules
    zone = rules.timezone
    session = timedelta(minutes=rules.session_minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    notice = timedelta(minutes=rules.min_notice_minutes)
    step = rules.step_minutes or rules.session_minutes
    today = scenario.now.astimezone(zone).date()
    # Real elapsed time: adding to a zoned datetime would add wall-clock time instead.
    now = scenario.now.astimezone(UTC)
    listing = []
    for offset in range(scenario.days):
        day = scenario.first_day + timedelta(days=offset)
        starts: set[datetime] = set()
        if today <= day <= today + timedelta(days=rules.horizon_days):
            for start, end in scenario.windows_on(day):
                opens = first_reading(zone, day, start)
                closes = first_reading(zone, day, end)
                minute = start.hour * 60 + start.minute
                previous: datetime | None = None
                while minute < end.hour * 60 + end.minute:
                    wall = datetime.combine(day, time(minute // 60, minute % 60))
                    minute += step
                    instant = wall.replace(tzinfo=zone).astimezone(UTC)
                    if instant.astimezone(zone).replace(tzinfo=None) != wall:
                        continue
                    if previous is not None and instant - previous < timedelta(minutes=step):
                        continue
                    previous = instant
                    if instant - before < opens or instant + session + after > closes:
                        continue
                    if instant <= now or instant < now + notice:
                        continue
                    if overlaps_busy(scenario, instant - before, instant + session + after):
                        continue
                    starts.add(instant)
        listing.append((day, sorted(starts)))
    return listing


def fits(rules: Rules, day: date, bounds: tuple[time, time], starts: datetime) -> bool:
    """Whether a session starting at an instant, with its buffers, lies inside a window."""
    zone = rules.timezone
    start, end = bounds
    ends = starts + timedelta(minutes=rules.session_minutes)
    opens, closes = first_reading(zone, day, start), first_reading(zone, day, end)
    local_start = starts.astimezone(zone).replace(tzinfo=None)
    local_end = ends.astimezone(zone).replace(tzinfo=None)
    return (
        local_start.date() == day
        and start <= local_start.time() < end
        # the wall clock at the end reads no later than the window's end, unless the session
        # ends at the very jump over a window end that falls in a spring-forward gap
        and (local_end <= datetime.combine(day, end) or ends == closes)
        and opens <= starts - timedelta(minutes=rules.buffer_before_minutes)
        and ends + timedelta(minutes=rules.buffer_after_minutes) <= closes
    )


PROPERTY_SETTINGS = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(scenarios())
def test_slots_match_the_obvious_reference(scenario: Scenario) -> None:
    listed = scenario.generate()
    offered = [(day.date, [slot.starts_at.astimezone(UTC) for slot in day.slots]) for day in listed]
    event("slots offered" if any(day.slots for day in listed) else "nothing offered")
    zone = scenario.rules.timezone
    if any(
        datetime.combine(day.date, time(0), tzinfo=zone).utcoffset()
        != datetime.combine(day.date, time(23, 59), tzinfo=zone).utcoffset()
        for day in listed
        if day.slots
    ):
        event("slots offered on a day whose UTC offset changes")
    assert offered == reference_starts(scenario)


@PROPERTY_SETTINGS
@given(scenarios())
def test_offered_slots_keep_every_rule(scenario: Scenario) -> None:
    rules = scenario.rules
    zone = rules.timezone
    session = timedelta(minutes=rules.session_minutes)
    before = timedelta(minutes=rules.buffer_before_minutes)
    after = timedelta(minutes=rules.buffer_after_minutes)
    listed = scenario.generate()

    for day in listed:
        windows = scenario.windows_on(day.date)
        previous: Slot | None = None
        for slot in day.slots:
            starts, ends = slot.starts_at.astimezone(UTC), slot.ends_at.astimezone(UTC)
            local_start = slot.starts_at.replace(tzinfo=None)
            assert slot.starts_at.tzinfo is zone
            assert slot.ends_at.tzinfo is zone
            assert slot.starts_at.fold == 0
            assert slot.local_date == day.date
            assert starts.astimezone(zone).replace(tzinfo=None) == local_start
            assert ends - starts == session
            assert slot.time == local_start.strftime("%H:%M")
            assert slot.period == period_of(local_start.time())

            # (a) the session and its buffers are clear of every appointment
            assert not overlaps_busy(scenario, starts - before, ends + after)
            # (b) inside a window of its own date, in wall-clock time and in real time
            assert any(fits(rules, day.date, bounds, starts) for bounds in windows)
            # (c) never in the past, never sooner than the notice
            now = scenario.now.astimezone(UTC)
            assert starts > now
            assert starts >= now + timedelta(minutes=rules.min_notice_minutes)
            # (e) strictly increasing, and back to back or apart when a step spans a session,
            # also across a spring-forward gap, where the clock moves further than real time
            if previous is not None:
                assert previous.starts_at.astimezone(UTC) < starts
                if rules.step >= rules.session_minutes:
                    assert previous.ends_at.astimezone(UTC) <= starts
            previous = slot


@PROPERTY_SETTINGS
@given(scenarios(), st.data())
def test_the_booking_check_agrees_with_the_listing(scenario: Scenario, data: st.DataObject) -> None:
    listed = scenario.generate()
    zone = scenario.rules.timezone
    offered = {slot.starts_at.astimezone(UTC): slot for day in listed for slot in day.slots}
    listed_dates = {day.date for day in listed}

    # (d) every offered slot is accepted...
    for instant, slot in offered.items():
        assert scenario.find(instant) == slot
    # ...however the client writes its start, and an instant is accepted only when the listing
    # offers it (a spread of a dozen offered slots is enough for these, and keeps the test quick)
    spread = list(offered.items())[:: max(1, len(offered) // 12)]
    candidates = []
    for instant, slot in spread:
        assert scenario.find(slot.starts_at) == slot
        assert scenario.find(instant.astimezone(timezone(timedelta(hours=-9)))) == slot
        shifts = (-5, -1, 1, 5, scenario.rules.session_minutes)
        candidates += [instant + timedelta(minutes=shift) for shift in shifts]
    around = datetime.combine(scenario.first_day, time(0), tzinfo=UTC)
    candidates += [around + QUARTER * data.draw(st.integers(-8, 4 * 4 * 24)) for _ in range(10)]
    for candidate in candidates:
        if candidate.astimezone(zone).date() not in listed_dates:
            continue  # the listing says nothing about other dates
        assert scenario.find(candidate) == offered.get(candidate)


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_a_longer_listing_agrees_day_by_day(scenario: Scenario) -> None:
    for day in scenario.generate():
        assert scenario.generate(first_day=day.date, days=1) == [day]


def test_the_last_bookable_date_is_today_in_the_zone_plus_the_horizon() -> None:
    # 23:30 on 2 May in São Paulo is already 3 May in UTC: the professional's date counts.
    late = datetime(2026, 5, 3, 2, 30, tzinfo=UTC)
    assert last_bookable_date(DR_ANA, late) == date(2026, 5, 2) + timedelta(days=60)
    assert last_bookable_date(dr_ana(horizon_days=0), late) == date(2026, 5, 2)


@PROPERTY_SETTINGS
@given(scenarios())
def test_nothing_is_offered_after_the_last_bookable_date(scenario: Scenario) -> None:
    last = last_bookable_date(scenario.rules, scenario.now)
    listed = scenario.generate(first_day=last - timedelta(days=2), days=5)
    assert all(not day.slots for day in listed if day.date > last)
    # The last date itself is open: a professional available all day would be offered it.
    open_all_day = replace(scenario.rules, windows=every_day(time(0), time(23, 59)), overrides={},
                           blocked=(), min_notice_minutes=0, buffer_before_minutes=0,
                           buffer_after_minutes=0, session_minutes=15, step_minutes=15)  # fmt: skip
    if last > scenario.now.astimezone(scenario.rules.timezone).date():
        (day,) = generate_slots(open_all_day, first_day=last, days=1, busy=(), now=scenario.now)
        assert day.slots
