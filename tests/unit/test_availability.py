"""The pure validation of a professional's schedule, and how stored settings become rules."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError as PydanticValidationError

from agenda.adapters.availability import schedule_of
from agenda.adapters.professionals import rules_from
from agenda.contract import AvailabilityDocument
from agenda.domain.availability import LIMITS, known_zone, parse_schedule, schedule_document
from agenda.domain.errors import ValidationFailed

pytestmark = pytest.mark.unit

TODAY = date(2026, 11, 23)


def body(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "timezone": "America/Sao_Paulo",
        "sessionDuration": 50,
        "weekly": [
            {"weekday": 1, "start": "09:00", "end": "12:00"},
            {"weekday": 1, "start": "14:00", "end": "18:00"},
        ],
    }
    document.update(changes)
    return document


def problems(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        parse_schedule(document, today=TODAY)
    assert refused.value.code == "VALIDATION_FAILED"
    return refused.value.fields


def test_defaults_fill_the_optional_settings() -> None:
    document = schedule_document(parse_schedule(body(), today=TODAY))
    assert document == {
        **body(),
        "bufferBeforeMinutes": 0,
        "bufferAfterMinutes": 0,
        "slotStepMinutes": None,
        "minNoticeMinutes": 0,
        "bookingHorizonDays": 60,
        "overrides": [],
        "blocked": [],
    }
    AvailabilityDocument.model_validate(document)


def test_touching_windows_are_fine_and_come_back_sorted() -> None:
    weekly = [
        {"weekday": 2, "start": "12:00", "end": "13:00"},
        {"weekday": 2, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "00:00", "end": "23:45"},
    ]
    document = schedule_document(parse_schedule(body(weekly=weekly), today=TODAY))
    assert [(w["weekday"], w["start"]) for w in document["weekly"]] == [
        (0, "00:00"),
        (2, "09:00"),
        (2, "12:00"),
    ]


def test_past_dates_are_dropped_today_is_kept() -> None:
    schedule = parse_schedule(
        body(
            overrides=[
                {"date": "2026-11-22", "windows": [{"start": "09:00", "end": "10:00"}]},
                {"date": "2026-11-23", "windows": [{"start": "09:00", "end": "10:00"}]},
            ],
            blocked=[
                {"start": "2026-11-01", "end": "2026-11-22"},
                {"start": "2026-11-24", "end": "2026-11-30", "reason": "  Férias   de  verão "},
            ],
        ),
        today=TODAY,
    )
    assert [o.on for o in schedule.overrides] == [TODAY]
    assert [(b.last, b.reason) for b in schedule.blocked] == [
        (date(2026, 11, 30), "Férias de verão")
    ]
    # A blocked period that ends today still counts.
    kept = parse_schedule(body(blocked=[{"start": "2026-11-20", "end": "2026-11-23"}]), today=TODAY)
    assert len(kept.blocked) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekly": [{"weekday": 1, "start": "10:00", "end": "09:45"}]}, "weekly[0].end"),
        ({"weekly": [{"weekday": 1, "start": "10:05", "end": "11:00"}]}, "weekly[0].start"),
        ({"weekly": [{"weekday": 1, "start": "10:00"}]}, "weekly[0].end"),
        ({"weekly": [{"weekday": -1, "start": "10:00", "end": "11:00"}]}, "weekly[0].weekday"),
        ({"weekly": [[1, "10:00", "11:00"]]}, "weekly[0]"),
        ({"weekly": {"monday": []}}, "weekly"),
        ({"timezone": "Europe/Nowhere"}, "timezone"),
        ({"timezone": None}, "timezone"),
        ({"timezone": "localtime"}, "timezone"),
        ({"sessionDuration": 0}, "sessionDuration"),
        ({"slotStepMinutes": 7}, "slotStepMinutes"),
        ({"minNoticeMinutes": 43_205}, "minNoticeMinutes"),
        ({"bookingHorizonDays": 731}, "bookingHorizonDays"),
        ({"overrides": [{"windows": [{"start": "09:00", "end": "10:00"}]}]}, "overrides[0].date"),
        ({"overrides": [{"date": "23/11/2026", "windows": []}]}, "overrides[0].date"),
        ({"overrides": [{"date": "2026-11-24"}]}, "overrides[0].windows"),
        ({"blocked": [{"start": "2026-11-24", "end": "2026-11-23"}]}, "blocked[0].end"),
        ({"blocked": [{"start": "2026-11-24", "end": "soon"}]}, "blocked[0].end"),
        (
            {"blocked": [{"start": "2026-11-24", "end": "2026-11-24", "reason": "a\x00b"}]},
            "blocked[0].reason",
        ),
        ({"blocked": [{"start": "2026-11-24", "end": "2026-11-24"}] * 101}, "blocked"),
        (
            {
                "overrides": [
                    {"date": "2026-11-24", "windows": [{"start": "09:00", "end": "10:00"}]}
                ]
                * 367
            },
            "overrides",
        ),
    ],
)
def test_each_malformed_rule_is_named(changes: dict[str, Any], field: str) -> None:
    assert field in problems(body(**changes))


def test_zone_names_are_checked_against_the_zone_database() -> None:
    assert known_zone("America/New_York")
    assert known_zone("Asia/Kolkata")
    assert known_zone("UTC")
    for name in ("", "America", "america/new_york", "/etc/passwd", "../UTC", "Mars/Base"):
        assert not known_zone(name)


def test_stored_settings_become_the_engines_rules() -> None:
    row = {
        "timezone": "America/New_York",
        "session_duration": 45,
        "booking_horizon_days": 30,
        "buffer_before_minutes": 5,
        "buffer_after_minutes": 10,
        "slot_step_minutes": None,
        "min_notice_minutes": 180,
        "windows": [[1, "09:00:00", "12:00:00"]],
        "overrides": [["2026-11-24", "10:00:00", "11:00:00"]],
        "blocked": [["2026-12-24", "2026-12-26"]],
    }
    rules = rules_from(row)
    assert (rules.buffer_before_minutes, rules.buffer_after_minutes) == (5, 10)
    assert rules.min_notice_minutes == 180
    assert rules.horizon_days == 30
    # No step of their own: one session after another, buffers included.
    assert rules.step == 45 + 5 + 10
    assert rules.step == rules_from({**row, "slot_step_minutes": 15}).step + 45
    assert rules.windows_on(date(2026, 11, 24)) == ((600, 660),)
    assert rules.blocked == ((date(2026, 12, 24), date(2026, 12, 26)),)
    # A row without the newer columns (buffers, step, notice) means none of them.
    legacy = {k: v for k, v in row.items() if "buffer" not in k and "step" not in k}
    assert rules_from({**legacy, "min_notice_minutes": 0}).step == 45


# -- the domain and the documented contract agree ----------------------------------------------

quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))


@st.composite
def valid_documents(draw: st.DrawFn) -> dict[str, Any]:
    weekly = []
    for weekday in range(7):
        marks = sorted(draw(st.lists(st.integers(0, 95), max_size=4, unique=True)))
        marks = marks[: len(marks) // 2 * 2]
        for a, b in zip(marks[::2], marks[1::2], strict=True):
            weekly.append(
                {
                    "weekday": weekday,
                    "start": f"{a // 4:02d}:{a % 4 * 15:02d}",
                    "end": f"{b // 4:02d}:{b % 4 * 15:02d}",
                }
            )
    return body(
        weekly=weekly,
        timezone=draw(st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"])),
        sessionDuration=draw(st.integers(1, 96)) * 5,
        bufferBeforeMinutes=draw(st.integers(0, 48)) * 5,
        bufferAfterMinutes=draw(st.integers(0, 48)) * 5,
        slotStepMinutes=draw(st.none() | st.integers(1, 96).map(lambda n: n * 5)),
        minNoticeMinutes=draw(st.integers(0, 8640)) * 5,
        bookingHorizonDays=draw(st.integers(1, 730)),
    )


@settings(max_examples=100, deadline=None)
@given(valid_documents())
def test_what_the_domain_accepts_the_contract_describes_and_round_trips(
    document: dict[str, Any],
) -> None:
    parsed = parse_schedule(document, today=TODAY)
    answer = schedule_document(parsed)
    AvailabilityDocument.model_validate(answer)
    assert answer == {**answer, **document}
    assert parse_schedule(answer, today=TODAY) == parsed
    # What GET builds from the stored rows is the same document.
    row = {
        "timezone": answer["timezone"],
        "session_duration": answer["sessionDuration"],
        "buffer_before_minutes": answer["bufferBeforeMinutes"],
        "buffer_after_minutes": answer["bufferAfterMinutes"],
        "slot_step_minutes": answer["slotStepMinutes"],
        "min_notice_minutes": answer["minNoticeMinutes"],
        "booking_horizon_days": answer["bookingHorizonDays"],
        "weekly": [[w["weekday"], w["start"], w["end"]] for w in answer["weekly"]],
        "overrides": [],
        "blocked": [],
    }
    assert schedule_document(schedule_of(row)) == answer


def _accepted(document: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the domain and the documented contract each accept a PUT body."""
    try:
        parse_schedule(document, today=TODAY)
        domain = True
    except ValidationFailed:
        domain = False
    try:
        AvailabilityDocument.model_validate(document)
        contract = True
    except PydanticValidationError:
        contract = False
    return domain, contract


def _edges(low: int, high: int, multiple: int) -> list[tuple[int, bool]]:
    edges = [(low, True), (high, True), (low - multiple, False), (high + multiple, False)]
    if multiple > 1:
        edges.append((low + 1, False))  # not a whole multiple
    return edges


@pytest.mark.parametrize(
    ("name", "bounds", "multiple"),
    [
        ("sessionDuration", LIMITS.session_minutes, LIMITS.minute_multiple),
        ("bufferBeforeMinutes", LIMITS.buffer_minutes, LIMITS.minute_multiple),
        ("bufferAfterMinutes", LIMITS.buffer_minutes, LIMITS.minute_multiple),
        ("slotStepMinutes", LIMITS.step_minutes, LIMITS.minute_multiple),
        ("minNoticeMinutes", LIMITS.min_notice_minutes, LIMITS.minute_multiple),
        ("bookingHorizonDays", LIMITS.horizon_days, 1),
    ],
)
def test_the_domain_and_the_contract_agree_at_every_bound(
    name: str, bounds: tuple[int, int], multiple: int
) -> None:
    for value, accepted in _edges(*bounds, multiple):
        assert _accepted(body(**{name: value})) == (accepted, accepted), (name, value)


def test_the_domain_and_the_contract_agree_on_list_lengths_and_times() -> None:
    def hh_mm(quarter: int) -> str:
        return f"{quarter // 4:02d}:{quarter % 4 * 15:02d}"

    def windows(count: int, first: int = 36) -> list[dict[str, Any]]:
        return [{"start": hh_mm(q), "end": hh_mm(q + 1)} for q in range(first, first + count)]

    def weekly(count: int) -> list[dict[str, Any]]:
        return [{"weekday": k % 7, **windows(1, first=k // 7)[0]} for k in range(count)]

    def days(count: int) -> list[str]:
        return [date.fromordinal(TODAY.toordinal() + k).isoformat() for k in range(count)]

    cases: list[tuple[dict[str, Any], bool]] = []
    for more, accepted in ((0, True), (1, False)):
        cases += [
            ({"weekly": weekly(LIMITS.weekly_windows + more)}, accepted),
            (
                {
                    "overrides": [
                        {"date": day, "windows": windows(1)}
                        for day in days(LIMITS.overrides + more)
                    ]
                },
                accepted,
            ),
            (
                {
                    "overrides": [
                        {
                            "date": TODAY.isoformat(),
                            "windows": windows(LIMITS.windows_per_override + more),
                        }
                    ]
                },
                accepted,
            ),
            (
                {
                    "blocked": [
                        {"start": day, "end": day} for day in days(LIMITS.blocked_periods + more)
                    ]
                },
                accepted,
            ),
            (
                {
                    "blocked": [
                        {
                            "start": TODAY.isoformat(),
                            "end": TODAY.isoformat(),
                            "reason": "x" * (LIMITS.reason_length + more),
                        }
                    ]
                },
                accepted,
            ),
        ]
    for minute in range(60):
        start = f"10:{minute:02d}"
        weekly_at = [{"weekday": 1, "start": start, "end": "11:00"}]
        cases.append(({"weekly": weekly_at}, minute % LIMITS.granularity_minutes == 0))
    for changes, accepted in cases:
        assert _accepted(body(**changes)) == (accepted, accepted), changes
