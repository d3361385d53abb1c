"""The calendar file: RFC 5545 that a real iCalendar library reads back, right on DST days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agenda.domain.ics import CalendarEvent, calendar_file, escape_text, fold, observances

pytestmark = pytest.mark.unit

APPOINTMENT = UUID("0b7e3c1a-5d2f-4e8b-9c61-7a4d2e9f1b30")
NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)


def event(
    starts_at: datetime,
    *,
    minutes: int = 45,
    timezone: str = "America/New_York",
    sequence: int = 0,
    status: str = "CONFIRMED",
    summary: str = "Session with Emily Carter",
    description: str | None = "English tutor",
) -> CalendarEvent:
    start = starts_at.astimezone(UTC)
    return CalendarEvent(
        appointment_id=APPOINTMENT,
        sequence=sequence,
        status=status,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),  # real elapsed minutes, in UTC
        timezone=timezone,
        summary=summary,
        description=description,
        created_at=STAMP,
        modified_at=STAMP + timedelta(hours=1),
    )


def parse(text: str) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(text)


def the_event(text: str) -> icalendar.Event:
    [found] = parse(text).walk("VEVENT")
    assert isinstance(found, icalendar.Event)
    return found


def sequence_of(found: icalendar.Event) -> int:
    return int(found.decoded("SEQUENCE"))


def test_the_file_is_a_calendar_with_one_event() -> None:
    text = calendar_file(event(datetime(2027, 3, 10, 9, 0, tzinfo=NEW_YORK), sequence=3))
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    calendar = parse(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"])
    found = the_event(text)
    assert str(found["UID"]) == f"{APPOINTMENT}@agenda"
    assert sequence_of(found) == 3
    assert str(found["STATUS"]) == "CONFIRMED"
    assert str(found["SUMMARY"]) == "Session with Emily Carter"
    assert found.decoded("DTSTAMP") == STAMP + timedelta(hours=1)
    assert found.decoded("CREATED") == STAMP


@pytest.mark.parametrize(
    ("local", "offset_hours"),
    [
        (datetime(2027, 3, 13, 9, 0), -5),  # the Saturday before New York springs forward
        (datetime(2027, 3, 14, 9, 0), -4),  # the Sunday it does (02:00 -> 03:00)
        (datetime(2027, 3, 14, 3, 0), -4),  # the first hour after the jump
        (datetime(2027, 11, 6, 9, 0), -4),  # the Saturday before it falls back
        (datetime(2027, 11, 7, 9, 0), -5),  # the Sunday it does
    ],
)
def test_local_time_is_right_on_both_sides_of_a_dst_change(
    local: datetime, offset_hours: int
) -> None:
    starts = local.replace(tzinfo=NEW_YORK)
    text = calendar_file(event(starts))
    found = the_event(text)
    start = found.decoded("DTSTART")
    # The library resolves the TZID by name ...
    assert start.replace(tzinfo=None) == local
    assert start.utcoffset() == timedelta(hours=offset_hours)
    assert start.astimezone(UTC) == starts.astimezone(UTC)
    assert found.decoded("DTEND").astimezone(UTC) - start.astimezone(UTC) == timedelta(minutes=45)
    # ... and the file's own VTIMEZONE says the same, for a calendar that does not know it.
    [vtimezone] = parse(text).walk("VTIMEZONE")
    assert isinstance(vtimezone, icalendar.Timezone)
    own = vtimezone.to_tz()
    assert local.replace(tzinfo=own).utcoffset() == timedelta(hours=offset_hours)


def test_a_session_ending_in_the_repeated_hour_keeps_its_real_length() -> None:
    # 01:30 EDT on the fall-back night, 50 minutes: it ends at 01:20 EST, a wall time that
    # also happened an hour earlier. A TZID would name the first one, so the end goes in UTC.
    starts = datetime(2027, 11, 7, 1, 30, tzinfo=NEW_YORK)
    text = calendar_file(event(starts, minutes=50))
    found = the_event(text)
    start = found.decoded("DTSTART").astimezone(UTC)
    end = found.decoded("DTEND").astimezone(UTC)
    assert start == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
    assert end - start == timedelta(minutes=50)
    assert "DTEND:20271107T062000Z" in text


def test_sao_paulo_without_dst_is_one_fixed_offset() -> None:
    text = calendar_file(
        event(
            datetime(2027, 3, 14, 9, 0, tzinfo=ZoneInfo("America/Sao_Paulo")),
            timezone="America/Sao_Paulo",
        )
    )
    start = the_event(text).decoded("DTSTART")
    assert (start.hour, start.utcoffset()) == (9, timedelta(hours=-3))
    [vtimezone] = parse(text).walk("VTIMEZONE")
    assert [c.name for c in vtimezone.subcomponents] == ["STANDARD"]


def test_the_uid_is_stable_and_the_sequence_and_status_follow_the_appointment() -> None:
    starts = datetime(2027, 5, 3, 14, 0, tzinfo=NEW_YORK)
    first = the_event(calendar_file(event(starts, sequence=0, status="TENTATIVE")))
    moved = the_event(
        calendar_file(event(starts + timedelta(days=1), sequence=2, status="CANCELLED"))
    )
    assert first["UID"] == moved["UID"]
    assert (sequence_of(first), str(first["STATUS"])) == (0, "TENTATIVE")
    assert (sequence_of(moved), str(moved["STATUS"])) == (2, "CANCELLED")


def test_text_is_escaped_and_long_lines_fold_at_75_octets() -> None:
    summary = 'Sessão com Dra. Ana; "terapia", casal\\família\nsegunda linha ' + "ç" * 80
    text = calendar_file(
        event(datetime(2027, 5, 3, 14, 0, tzinfo=NEW_YORK), summary=summary, description=None)
    )
    for line in text.encode("utf-8").split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # never split inside a character
    found = the_event(text)
    assert str(found["SUMMARY"]) == summary
    assert "DESCRIPTION" not in found


def test_escape_text_handles_the_specials() -> None:
    assert escape_text("a,b;c\\d\ne\r\nf\x00g") == "a\\,b\\;c\\\\d\\ne\\nfg"


@given(st.text(min_size=0, max_size=400))
def test_folding_keeps_the_text_and_the_limit(value: str) -> None:
    line = "SUMMARY:" + escape_text(value)
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(piece.encode("utf-8")) <= 75 for piece in pieces)
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join([pieces[0], *(piece[1:] for piece in pieces[1:])]) == line


ZONES = (
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",  # its "standard" time is the summer one
    "Australia/Lord_Howe",  # a half-hour change
    "Pacific/Chatham",
    "Asia/Kolkata",
    "America/St_Johns",
    "Africa/Casablanca",
)


@settings(max_examples=60, deadline=None)
@given(
    zone_name=st.sampled_from(ZONES),
    at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
    ),
    probe_days=st.integers(min_value=-360, max_value=360),
)
def test_the_vtimezone_gives_the_zone_databases_offset(
    zone_name: str, at: datetime, probe_days: int
) -> None:
    """RFC 5545 3.6.5: at an instant, the observance in force is the one with the latest onset
    (DTSTART read in its TZOFFSETFROM) at or before it; its TZOFFSETTO is the offset."""
    zone = ZoneInfo(zone_name)
    found = observances(zone_name, at, at)
    onsets = [(o.onset_local.replace(tzinfo=UTC) - o.offset_from, o.offset_to) for o in found]
    assert onsets == sorted(onsets, key=lambda pair: pair[0])
    probe = at + timedelta(days=probe_days, minutes=probe_days * 7)
    in_force = [offset for onset, offset in onsets if onset <= probe]
    assert in_force, "the first observance starts before the probe"
    assert in_force[-1] == probe.astimezone(zone).utcoffset()
