"""The daily jobs' rules: reminder windows across zones and DST changes, keys, thresholds."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.domain.messages import message_key, render
from agenda.domain.reminders import (
    ONE_HOUR_FARTHEST,
    ONE_HOUR_NEAREST,
    Agenda,
    AgendaItem,
    Span,
    Thresholds,
    UnknownJob,
    Upcoming,
    agenda_envelopes,
    day_version,
    day_window,
    disconnected_envelope,
    health_problems,
    is_disconnected,
    local_date,
    parse_job,
    reminder_envelopes,
    reminder_window,
)

pytestmark = pytest.mark.unit

# Zones with DST (north and south), half-hour offsets and a 30-minute DST, the date line, and
# zones whose DST changes at midnight (so some local days have no 00:00).
ZONES = [
    "America/Sao_Paulo",
    "America/New_York",
    "America/Santiago",
    "America/Havana",
    "Europe/Lisbon",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "UTC",
]

instants = st.datetimes(
    min_value=datetime(2015, 1, 1), max_value=datetime(2040, 12, 31), timezones=st.just(UTC)
)
zones = st.sampled_from(ZONES).map(ZoneInfo)


@settings(max_examples=400, deadline=None)
@given(moment=instants, zone=zones)
def test_every_instant_lies_in_exactly_its_own_local_day(moment: datetime, zone: ZoneInfo) -> None:
    day = local_date(moment, zone)
    assert moment in day_window(day, zone)
    assert moment not in day_window(day - timedelta(days=1), zone)
    assert moment not in day_window(day + timedelta(days=1), zone)
    # Consecutive local days tile time: no gap, no overlap, 23 to 25 hours each.
    window = day_window(day, zone)
    assert window.end == day_window(day + timedelta(days=1), zone).start
    assert timedelta(hours=22) < window.end - window.start < timedelta(hours=26)


@settings(max_examples=400, deadline=None)
@given(moment=instants, zone=zones, late=st.timedeltas(timedelta(0), timedelta(hours=6)))
def test_the_24h_window_is_the_local_tomorrow_and_a_late_run_covers_the_same(
    moment: datetime, zone: ZoneInfo, late: timedelta
) -> None:
    window = reminder_window("reminders_24h", moment, zone)
    today = local_date(moment, zone)
    tomorrow = today + timedelta(days=1)
    assert window.end == day_window(tomorrow, zone).end
    assert window.start >= moment  # never an appointment that has started
    if local_date(moment - timedelta(days=1), zone) == today - timedelta(days=1):
        assert window == day_window(tomorrow, zone)  # an ordinary day: exactly local tomorrow
    later = moment + late
    if local_date(later, zone) == today:
        assert reminder_window("reminders_24h", later, zone).end == window.end
    else:  # the next local day's run goes on where this one ended: no gap
        assert reminder_window("reminders_24h", later, zone).start <= window.end


@settings(max_examples=200, deadline=None)
@given(moment=instants, zone=zones)
def test_daily_runs_cover_every_start_exactly_once(moment: datetime, zone: ZoneInfo) -> None:
    """A run every 24 hours: each run's window begins where the previous one ended, or earlier
    (a run the clock change moved across the zone's midnight covers that day again, which is
    harmless: a reminder already queued keeps its message key, so each start is reminded once),
    and never later, except for what has already started when the later run comes (it ran just
    after a local midnight): a session under way gets no reminder."""
    runs = [moment + timedelta(days=n) for n in range(4)]
    windows = [reminder_window("reminders_24h", run, zone) for run in runs]
    for (first, second), later_run in zip(itertools.pairwise(windows), runs[1:], strict=True):
        assert second.start <= max(first.end, later_run)  # no gap
        assert second.end >= first.end  # never back
    # Over three days the windows move on by at least two local days.
    assert windows[-1].end >= windows[0].end + timedelta(days=2) - timedelta(hours=2)


def test_a_run_moved_back_across_midnight_covers_the_same_day_again() -> None:
    # 00:00 EDT on 2024-11-03 is 23:00 EST on the 3rd a day later (New York falls back that
    # night): both runs have the 4th as their tomorrow.
    new_york = ZoneInfo("America/New_York")
    before = reminder_window("reminders_24h", datetime(2024, 11, 3, 4, tzinfo=UTC), new_york)
    after = reminder_window("reminders_24h", datetime(2024, 11, 4, 4, tzinfo=UTC), new_york)
    assert before == after == day_window(date(2024, 11, 4), new_york)


def test_a_run_just_after_midnight_on_a_clock_change_reminds_nothing_that_has_started() -> None:
    # Santiago moves its clocks at midnight (2036-09-07 00:00 -> 01:00). Runs at 03:00:00.000001
    # UTC: the third is at 00:00:00.000001 on the 8th, local, and covers the 8th from then on.
    santiago = ZoneInfo("America/Santiago")
    runs = [datetime(2036, 9, 6 + n, 3, 0, 0, 1, tzinfo=UTC) for n in range(3)]
    second, third = (reminder_window("reminders_24h", run, santiago) for run in runs[1:])
    assert second.end == datetime(2036, 9, 8, 3, tzinfo=UTC)  # the 8th's midnight
    assert third.start == runs[2]  # a session starting at that midnight is under way


def test_a_run_moved_across_midnight_by_a_clock_change_leaves_no_day_out() -> None:
    # 08:00 in São Paulo is 23:00 in Auckland before its spring change and 00:00 after it: the
    # Saturday run covers Sunday, the Sunday run starts on Monday and must cover it too.
    auckland = ZoneInfo("Pacific/Auckland")
    saturday = reminder_window("reminders_24h", datetime(2031, 9, 27, 11, tzinfo=UTC), auckland)
    sunday = reminder_window("reminders_24h", datetime(2031, 9, 28, 11, tzinfo=UTC), auckland)
    assert saturday == day_window(date(2031, 9, 28), auckland)
    assert sunday.start == saturday.end == datetime(2031, 9, 29, tzinfo=auckland)
    assert sunday.end == datetime(2031, 10, 1, tzinfo=auckland)


def test_dst_days_are_23_and_25_hours_long() -> None:
    new_york = ZoneInfo("America/New_York")
    # 08:00 in São Paulo on the Saturday before the spring change: tomorrow has 23 hours.
    spring = reminder_window("reminders_24h", datetime(2031, 3, 8, 11, tzinfo=UTC), new_york)
    assert spring == Span(datetime(2031, 3, 9, 5, tzinfo=UTC), datetime(2031, 3, 10, 4, tzinfo=UTC))
    autumn = reminder_window("reminders_24h", datetime(2031, 11, 1, 11, tzinfo=UTC), new_york)
    assert autumn.end - autumn.start == timedelta(hours=25)
    # Brazil's old DST began at midnight: 2018-11-04 started at 01:00 local (03:00 UTC).
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    gap = reminder_window("reminders_24h", datetime(2018, 11, 3, 11, tzinfo=UTC), sao_paulo)
    assert gap.start == datetime(2018, 11, 4, 3, tzinfo=UTC)
    assert gap.end - gap.start == timedelta(hours=23)


def test_the_24h_window_is_per_zone_for_the_same_run() -> None:
    run = datetime(2031, 3, 8, 11, tzinfo=UTC)  # 08:00 in São Paulo
    auckland = reminder_window("reminders_24h", run, ZoneInfo("Pacific/Auckland"))
    # Already 00:00 on the 9th in Auckland: its tomorrow is the 10th.
    assert auckland.start == datetime(2031, 3, 10, tzinfo=ZoneInfo("Pacific/Auckland"))
    kolkata = reminder_window("reminders_24h", run, ZoneInfo("Asia/Kolkata"))
    assert kolkata.start == datetime(2031, 3, 9, tzinfo=ZoneInfo("Asia/Kolkata"))


@settings(max_examples=200, deadline=None)
@given(
    first=instants,
    start_offset=st.timedeltas(timedelta(minutes=76), timedelta(hours=6)),
    delays=st.lists(st.timedeltas(timedelta(0), timedelta(minutes=14)), min_size=30, max_size=30),
)
def test_one_hour_runs_every_15_minutes_see_each_start_first_60_to_75_minutes_ahead(
    first: datetime, start_offset: timedelta, delays: list[timedelta]
) -> None:
    """Runs every 15 minutes, each late by up to 14 minutes: every start is covered by some
    run, and the first run to cover it is at most 75 minutes ahead of it."""
    starts_at = first + start_offset
    runs = [first + timedelta(minutes=15 * n) + delay for n, delay in enumerate(delays)]
    covering = [r for r in runs if starts_at in reminder_window("reminders_1h", r, ZoneInfo("UTC"))]
    assert covering, "a start fell between the runs"
    lead = starts_at - covering[0]
    assert ONE_HOUR_NEAREST < lead <= ONE_HOUR_FARTHEST


def _upcoming(sequence: int = 0, email: str | None = "maria@example.com") -> Upcoming:
    return Upcoming(
        appointment_id=uuid.UUID("11111111-1111-1111-1111-111111111111"),
        sequence=sequence,
        starts_at=datetime(2026, 11, 24, 12, tzinfo=UTC),
        ends_at=datetime(2026, 11, 24, 12, 50, tzinfo=UTC),
        professional_id=uuid.UUID("22222222-2222-2222-2222-222222222222"),
        professional_name="Dra. Ana Souza",
        timezone="America/Sao_Paulo",
        locale="pt-BR",
        client_name="Maria Silva",
        client_phone="+5511987654321",
        client_email=email,
    )


def test_a_reminder_is_keyed_by_the_appointment_and_its_sequence() -> None:
    first = reminder_envelopes("reminders_24h", _upcoming(), manage_url="https://app.test/m/1")
    assert [e["messageKey"] for e in first] == [
        message_key("11111111-1111-1111-1111-111111111111", 0, "reminder_24h", channel, "client")
        for channel in ("whatsapp", "email")
    ]
    again = reminder_envelopes("reminders_24h", _upcoming())
    assert [e["messageKey"] for e in again] == [e["messageKey"] for e in first]
    moved = reminder_envelopes("reminders_24h", _upcoming(sequence=2))
    assert not {e["messageKey"] for e in moved} & {e["messageKey"] for e in first}
    one_hour = reminder_envelopes("reminders_1h", _upcoming(email=None))
    assert [e["template"] for e in one_hour] == ["reminder_1h"]
    # The envelope renders: local time of the professional, the manage link.
    text = render("reminder_24h", "whatsapp", first[0]["params"], audience="client").text
    assert "09:00" in text
    assert "https://app.test/m/1" in text


def test_one_agenda_per_professional_per_local_day() -> None:
    pid = uuid.UUID("22222222-2222-2222-2222-222222222222")
    agenda = Agenda(
        professional_id=pid,
        professional_name="Dra. Ana Souza",
        phone="+5511987650001",
        email="ana@example.com",
        timezone="America/Sao_Paulo",
        locale="pt-BR",
        day=date(2026, 11, 23),
        items=[
            AgendaItem(datetime(2026, 11, 23, 17, tzinfo=UTC), "Bruno", "confirmed"),
            AgendaItem(datetime(2026, 11, 23, 12, tzinfo=UTC), "Ana", "pending_confirmation"),
        ],
    )
    envelopes = agenda_envelopes(agenda)
    assert [e["messageKey"] for e in envelopes] == [
        f"{pid}:20261123:daily_agenda:whatsapp:professional",
        f"{pid}:20261123:daily_agenda:email:professional",
    ]
    text = render("daily_agenda", "whatsapp", envelopes[0]["params"]).text
    assert text.index("09:00") < text.index("14:00")
    assert "aguardando sua confirmação" in text
    assert day_version(date(2031, 1, 2)) == 20310102


def test_the_disconnection_alert_is_an_email_keyed_by_the_day() -> None:
    pid = uuid.uuid4()
    alert = disconnected_envelope(
        professional_id=pid,
        professional_name="Dra. Ana Souza",
        email="ana@example.com",
        instance="ana-01",
        day=date(2026, 11, 23),
        locale="pt-BR",
    )
    assert alert["messageKey"] == f"{pid}:20261123:whatsapp_disconnected:email:professional"
    assert "ana-01" in render("whatsapp_disconnected", "email", alert["params"]).text


def test_jobs_come_from_the_schedule_input() -> None:
    assert parse_job({"job": "reminders_24h"}) == "reminders_24h"
    assert parse_job({"job": "reminders_1h"}) == "reminders_1h"
    assert parse_job({}) == "reminders_24h"
    with pytest.raises(UnknownJob):
        parse_job({"job": "everything"})


def test_health_thresholds_are_inclusive() -> None:
    limits = Thresholds(dead_letters=1, failed_deliveries=10)
    assert health_problems(dead_letters=0, failed_deliveries=9, thresholds=limits) == []
    assert health_problems(dead_letters=1, failed_deliveries=10, thresholds=limits) == [
        "dead_letters",
        "failed_deliveries",
    ]
    # An unknown depth is no alert by itself (the failed read is logged).
    assert health_problems(dead_letters=None, failed_deliveries=0, thresholds=limits) == []
    assert is_disconnected("close")
    assert is_disconnected("connecting")
    assert not is_disconnected("open")
    assert not is_disconnected(None)
