"""The pure pieces of the availability preview: its query string, and the one translation of
a schedule into the slot engine's rules, which the stored schedule (the booking page) and an
unsaved one (the preview) go through alike."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from agenda.adapters.professionals import rules_from
from agenda.domain.availability import parse_schedule, rules_of
from agenda.domain.errors import ValidationFailed
from agenda.domain.queries import (
    PREVIEW_DEFAULT_DAYS,
    PREVIEW_MAX_DAYS,
    PreviewRequest,
    parse_preview_query,
)
from agenda.domain.slots import generate_slots

TODAY = date(2026, 12, 2)


def test_the_query_defaults_to_a_week_from_the_rules_today() -> None:
    assert parse_preview_query(None) == PreviewRequest(first_day=None, days=PREVIEW_DEFAULT_DAYS)
    assert parse_preview_query({}) == PreviewRequest(first_day=None, days=7)
    assert parse_preview_query({"date": "2027-03-11", "days": "31"}) == PreviewRequest(
        first_day=date(2027, 3, 11), days=PREVIEW_MAX_DAYS
    )
    assert parse_preview_query({"days": "1"}).days == 1


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"date": ""}, {"date"}),
        ({"date": "2027-02-30"}, {"date"}),
        ({"date": "2027-W02-1"}, {"date"}),
        ({"date": "3000-01-01"}, {"date"}),
        ({"days": "0"}, {"days"}),
        ({"days": "32"}, {"days"}),
        ({"days": "+3"}, {"days"}),
        ({"days": ""}, {"days"}),
        ({"date": "x", "days": "x"}, {"date", "days"}),
    ],
)
def test_every_bad_parameter_is_named(params: dict[str, str], fields: set[str]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_preview_query(params)
    assert set(refused.value.fields) == fields


DOCUMENT = {
    "timezone": "America/New_York",
    "sessionDuration": 45,
    "bufferBeforeMinutes": 5,
    "bufferAfterMinutes": 10,
    "slotStepMinutes": None,
    "minNoticeMinutes": 180,
    "bookingHorizonDays": 400,
    "weekly": [
        {"weekday": 1, "start": "09:00", "end": "12:00"},
        {"weekday": 1, "start": "13:00", "end": "17:00"},
        {"weekday": 0, "start": "00:30", "end": "04:00"},
    ],
    "overrides": [{"date": "2027-03-10", "windows": [{"start": "18:00", "end": "20:00"}]}],
    "blocked": [{"start": "2027-03-16", "end": "2027-03-17", "reason": "Congresso"}],
}

# The same schedule as the booking page's read returns it (adapters.professionals).
ROW = {
    "timezone": "America/New_York",
    "session_duration": 45,
    "booking_horizon_days": 400,
    "buffer_before_minutes": 5,
    "buffer_after_minutes": 10,
    "slot_step_minutes": None,
    "min_notice_minutes": 180,
    "windows": [
        [1, "13:00:00", "17:00:00"], [0, "00:30:00", "04:00:00"], [1, "09:00:00", "12:00:00"]
    ],
    "overrides": [["2027-03-10", "18:00:00", "20:00:00"]],
    "blocked": [["2027-03-16", "2027-03-17"]],
}  # fmt: skip


@pytest.mark.parametrize("step", [None, 15])
def test_an_unsaved_schedule_gets_the_rules_its_stored_row_gets(step: int | None) -> None:
    unsaved = rules_of(parse_schedule({**DOCUMENT, "slotStepMinutes": step}, today=TODAY))
    stored = rules_from({**ROW, "slot_step_minutes": step})
    assert unsaved.step == stored.step == (step or 45 + 5 + 10)
    for name in ("timezone", "session_minutes", "buffer_before_minutes", "buffer_after_minutes",
                 "min_notice_minutes", "horizon_days", "blocked"):  # fmt: skip
        assert getattr(unsaved, name) == getattr(stored, name), name
    assert (
        dict(unsaved.overrides)
        == dict(stored.overrides)
        == {date(2027, 3, 10): ((time(18), time(20)),)}
    )
    # The weeks around New York's spring-forward night (Sunday 2027-03-14), the override and
    # the blocked days: the engine offers the same slots under both.
    now = datetime(2026, 12, 2, 12, tzinfo=UTC)
    busy = ((datetime(2027, 3, 8, 14, tzinfo=UTC), datetime(2027, 3, 8, 15, tzinfo=UTC)),)
    listed = [
        generate_slots(rules, first_day=date(2027, 3, 7), days=14, busy=busy, now=now)
        for rules in (unsaved, stored)
    ]
    assert listed[0] == listed[1]
    assert sum(len(day.slots) for day in listed[0]) > 10


def test_the_rules_follow_the_document_not_a_default() -> None:
    rules = rules_of(
        parse_schedule(
            {**DOCUMENT, "timezone": "Asia/Kolkata", "sessionDuration": 90, "weekly": []},
            today=TODAY,
        )
    )
    assert rules.timezone.key == "Asia/Kolkata"
    assert rules.session_minutes == 90
    assert rules.windows == ()
    assert rules.windows_on(date(2027, 3, 10)) == ((18 * 60, 20 * 60),)
    assert rules.windows_on(date(2027, 3, 16)) == ()
