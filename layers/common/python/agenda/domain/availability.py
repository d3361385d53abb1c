"""A professional's schedule as they manage it: settings, weekly hours, date overrides and
blocked dates, read from a request body and checked completely before anything is written.

Pure: plain values in, plain values out. Every problem is reported at once, each under the
exact name of the rule it concerns ("weekly[2].end", "overrides[0].date", "blocked[1].start"),
so a client can point at the field. The same document shape comes back from GET.

Times are local wall-clock times in the professional's zone, "HH:MM" on quarter hours; dates
are local dates, "YYYY-MM-DD"; weekdays count 0 = Sunday ... 6 = Saturday, like the seed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from agenda.domain.errors import ValidationFailed
from agenda.domain.slots import Rules, WeeklyWindow, settings_rules

__all__ = [
    "LIMITS",
    "BlockedPeriod",
    "DateOverride",
    "Schedule",
    "SchedulingSettings",
    "WeeklyWindow",
    "parse_schedule",
    "rules_of",
    "schedule_document",
]


@dataclass(frozen=True, slots=True)
class Limits:
    granularity_minutes: int = 15
    weekly_windows: int = 50
    overrides: int = 366
    windows_per_override: int = 12
    blocked_periods: int = 100
    reason_length: int = 200
    # Overrides and blocked dates further ahead than this are refused (the longest horizon).
    days_ahead: int = 730
    session_minutes: tuple[int, int] = (5, 480)
    buffer_minutes: tuple[int, int] = (0, 240)
    step_minutes: tuple[int, int] = (5, 480)
    min_notice_minutes: tuple[int, int] = (0, 43_200)  # 30 days
    horizon_days: tuple[int, int] = (1, 730)
    minute_multiple: int = 5  # session, buffers, step and notice are whole multiples of this


LIMITS = Limits()
DEFAULT_HORIZON_DAYS = 60

_HH_MM = re.compile(r"([01]\d|2[0-3]):([0-5]\d)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class SchedulingSettings:
    timezone: str
    session_minutes: int
    buffer_before_minutes: int = 0
    buffer_after_minutes: int = 0
    step_minutes: int | None = None  # None: one session after another, buffers included
    min_notice_minutes: int = 0
    horizon_days: int = DEFAULT_HORIZON_DAYS


@dataclass(frozen=True, slots=True)
class DateOverride:
    on: date
    windows: tuple[tuple[time, time], ...]


@dataclass(frozen=True, slots=True)
class BlockedPeriod:
    first: date
    last: date  # inclusive
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    settings: SchedulingSettings
    weekly: tuple[WeeklyWindow, ...]
    overrides: tuple[DateOverride, ...]
    blocked: tuple[BlockedPeriod, ...]


# Files of a zone directory that are not zones of their own (the host's zone, the POSIX rule
# template, alternative trees): valid to zoneinfo on some hosts, unknown to Postgres.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(
        name
        for name in available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )


def known_zone(name: str) -> bool:
    """An IANA zone name this runtime (and so the slot engine) can use."""
    if not _ZONE_NAME.fullmatch(name) or name not in _known_zones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


class _Problems:
    """Collects one message per field name, the first found."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def parse_schedule(body: Mapping[str, Any], *, today: date) -> Schedule:
    """The schedule a PUT body describes, or ValidationFailed naming every bad rule.

    ``today`` is the local date in the zone the body names (the caller works it out once the
    zone is known to be valid; see ``zone_of``). Overrides before today and blocked periods
    ended before today are dropped: they can never affect a slot, and a document read with
    GET yesterday must still be accepted today.
    """
    problems = _Problems()
    settings = _settings(body, problems)
    weekly = _weekly(body.get("weekly"), problems)
    blocked = _blocked(body.get("blocked", []), problems, today)
    overrides = _overrides(body.get("overrides", []), problems, today, blocked)
    if problems.fields or settings is None:
        raise ValidationFailed("The availability is invalid", fields=problems.fields)
    return Schedule(
        settings=settings,
        weekly=weekly,
        overrides=tuple(o for o in overrides if o.on >= today),
        blocked=tuple(b for b, _ in blocked if b.last >= today),
    )


def rules_of(schedule: Schedule) -> Rules:
    """The slot engine's rules for a schedule: the one translation of the settings a
    professional manages into what the engine decides with, for the stored schedule the
    booking page reads and for an unsaved one the preview runs alike."""
    s = schedule.settings
    return settings_rules(
        timezone=s.timezone,
        session_minutes=s.session_minutes,
        buffer_before_minutes=s.buffer_before_minutes,
        buffer_after_minutes=s.buffer_after_minutes,
        step_minutes=s.step_minutes,
        min_notice_minutes=s.min_notice_minutes,
        horizon_days=s.horizon_days,
        windows=schedule.weekly,
        overrides={o.on: o.windows for o in schedule.overrides},
        blocked=[(b.first, b.last) for b in schedule.blocked],
    )


def zone_of(body: Mapping[str, Any]) -> ZoneInfo | None:
    """The body's zone when it names a known one (to work out its local today), else None."""
    name = body.get("timezone")
    return ZoneInfo(name) if isinstance(name, str) and known_zone(name) else None


def _settings(body: Mapping[str, Any], problems: _Problems) -> SchedulingSettings | None:
    zone = body.get("timezone")
    if zone is None:
        problems.add("timezone", "is required, an IANA time zone such as America/Sao_Paulo")
    elif not isinstance(zone, str) or not known_zone(zone):
        problems.add("timezone", "must be an IANA time zone such as America/Sao_Paulo")
    limits = LIMITS
    session = _minutes(body, "sessionDuration", problems, limits.session_minutes, required=True)
    before = _minutes(body, "bufferBeforeMinutes", problems, limits.buffer_minutes, default=0)
    after = _minutes(body, "bufferAfterMinutes", problems, limits.buffer_minutes, default=0)
    step = _minutes(body, "slotStepMinutes", problems, limits.step_minutes, default=None)
    notice = _minutes(body, "minNoticeMinutes", problems, limits.min_notice_minutes, default=0)
    horizon = _whole(
        body, "bookingHorizonDays", problems, limits.horizon_days, default=DEFAULT_HORIZON_DAYS
    )
    if (
        not isinstance(zone, str)
        or session is None
        or before is None
        or after is None
        or notice is None
        or horizon is None
        or problems.fields.keys()
        & {"timezone", "sessionDuration", "bufferBeforeMinutes", "bufferAfterMinutes"}
    ):
        return None
    return SchedulingSettings(
        timezone=zone,
        session_minutes=session,
        buffer_before_minutes=before,
        buffer_after_minutes=after,
        step_minutes=step,
        min_notice_minutes=notice,
        horizon_days=horizon,
    )


_MISSING = object()


def _whole(
    body: Mapping[str, Any],
    name: str,
    problems: _Problems,
    bounds: tuple[int, int],
    *,
    required: bool = False,
    default: int | None = None,
) -> int | None:
    value = body.get(name, _MISSING)
    low, high = bounds
    if value is _MISSING or (value is None and default is None and not required):
        if required:
            problems.add(name, f"is required, a whole number from {low} to {high}")
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.add(name, f"must be a whole number from {low} to {high}")
        return None
    return value


def _minutes(
    body: Mapping[str, Any],
    name: str,
    problems: _Problems,
    bounds: tuple[int, int],
    *,
    required: bool = False,
    default: int | None = None,
) -> int | None:
    value = _whole(body, name, problems, bounds, required=required, default=default)
    multiple = LIMITS.minute_multiple
    if value is not None and value % multiple:
        low, high = bounds
        problems.add(name, f"must be a multiple of {multiple} minutes from {low} to {high}")
        return None
    return value


def _list(value: Any, name: str, problems: _Problems, limit: int, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        problems.add(name, f"must be a list of {what}")
        return []
    if len(value) > limit:
        problems.add(name, f"must have at most {limit} {what}")
        return []
    return value


def _object(value: Any, name: str, problems: _Problems) -> Mapping[str, Any] | None:
    if not isinstance(value, dict):
        problems.add(name, "must be an object")
        return None
    return value


def _local_time(value: Any, name: str, problems: _Problems) -> time | None:
    granularity = LIMITS.granularity_minutes
    if not isinstance(value, str):
        problems.add(name, 'is required, a local time "HH:MM"')
        return None
    match = _HH_MM.fullmatch(value)
    if match is None:
        problems.add(name, 'must be a local time "HH:MM" from 00:00 to 23:45')
        return None
    hour, minute = int(match[1]), int(match[2])
    if minute % granularity:
        problems.add(name, "must fall on a quarter hour (:00, :15, :30 or :45)")
        return None
    return time(hour, minute)


def _local_date(value: Any, name: str, problems: _Problems) -> date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        problems.add(name, 'is required, a date "YYYY-MM-DD"')
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.add(name, 'must be a real date "YYYY-MM-DD"')
        return None


def _window(item: Any, name: str, problems: _Problems) -> tuple[time, time] | None:
    window = _object(item, name, problems)
    if window is None:
        return None
    start = _local_time(window.get("start"), f"{name}.start", problems)
    end = _local_time(window.get("end"), f"{name}.end", problems)
    if start is None or end is None:
        return None
    if end <= start:
        problems.add(f"{name}.end", "must be after start (a window never crosses midnight)")
        return None
    return start, end


def _no_overlaps(named: Sequence[tuple[str, tuple[time, time]]], problems: _Problems) -> None:
    """Windows of one day must not overlap; touching (12:00-14:00 after 09:00-12:00) is fine."""
    ordered = sorted(named, key=lambda item: item[1])
    reach: tuple[str, time] | None = None  # the window reaching furthest so far, and its end
    for name, (start, end) in ordered:
        if reach is not None and start < reach[1]:
            problems.add(f"{name}.start", f"overlaps {reach[0]} (which ends at {reach[1]:%H:%M})")
        if reach is None or end > reach[1]:
            reach = (name, end)


def _weekly(value: Any, problems: _Problems) -> tuple[WeeklyWindow, ...]:
    if value is None:
        problems.add("weekly", "is required, a list of windows (an empty list closes every day)")
        return ()
    items = _list(value, "weekly", problems, LIMITS.weekly_windows, "windows")
    by_day: dict[int, list[tuple[str, tuple[time, time]]]] = {}
    windows: list[WeeklyWindow] = []
    for index, item in enumerate(items):
        name = f"weekly[{index}]"
        bounds = _window(item, name, problems)
        weekday = item.get("weekday") if isinstance(item, dict) else None
        if isinstance(item, dict) and (
            isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6
        ):
            problems.add(f"{name}.weekday", "must be 0 (Sunday) to 6 (Saturday)")
            continue
        if bounds is None or not isinstance(weekday, int):
            continue
        by_day.setdefault(weekday, []).append((name, bounds))
        windows.append(WeeklyWindow(weekday, *bounds))
    for named in by_day.values():
        _no_overlaps(named, problems)
    return tuple(sorted(windows, key=lambda w: (w.weekday, w.start)))


def _blocked(value: Any, problems: _Problems, today: date) -> list[tuple[BlockedPeriod, str]]:
    items = _list(value, "blocked", problems, LIMITS.blocked_periods, "blocked periods")
    latest = today + timedelta(days=LIMITS.days_ahead)
    periods: list[tuple[BlockedPeriod, str]] = []
    for index, item in enumerate(items):
        name = f"blocked[{index}]"
        period = _object(item, name, problems)
        if period is None:
            continue
        first = _local_date(period.get("start"), f"{name}.start", problems)
        last = _local_date(period.get("end"), f"{name}.end", problems)
        reason = period.get("reason")
        if reason is not None:
            if not isinstance(reason, str) or len(reason) > LIMITS.reason_length:
                problems.add(f"{name}.reason", f"must be text of at most {LIMITS.reason_length}")
                continue
            if _CONTROL.search(reason):
                problems.add(f"{name}.reason", "must not contain control characters")
                continue
            reason = " ".join(reason.split()) or None
        if first is None or last is None:
            continue
        if last < first:
            problems.add(f"{name}.end", "must not be before start (both dates are included)")
            continue
        if first > latest:
            problems.add(f"{name}.start", f"must be within {LIMITS.days_ahead} days from today")
            continue
        periods.append((BlockedPeriod(first, last, reason), name))
    return periods


def _overrides(
    value: Any,
    problems: _Problems,
    today: date,
    blocked: Sequence[tuple[BlockedPeriod, str]],
) -> list[DateOverride]:
    items = _list(value, "overrides", problems, LIMITS.overrides, "overrides")
    latest = today + timedelta(days=LIMITS.days_ahead)
    seen: dict[date, str] = {}
    overrides: list[DateOverride] = []
    for index, item in enumerate(items):
        name = f"overrides[{index}]"
        override = _object(item, name, problems)
        if override is None:
            continue
        on = _local_date(override.get("date"), f"{name}.date", problems)
        raw = override.get("windows")
        windows: list[tuple[str, tuple[time, time]]] = []
        if raw == []:
            problems.add(
                f"{name}.windows",
                "must have at least one window; to close the date, add it to blocked",
            )
        else:
            for position, window in enumerate(
                _list(raw, f"{name}.windows", problems, LIMITS.windows_per_override, "windows")
            ):
                bounds = _window(window, f"{name}.windows[{position}]", problems)
                if bounds is not None:
                    windows.append((f"{name}.windows[{position}]", bounds))
            _no_overlaps(windows, problems)
        if on is None:
            continue
        if on in seen:
            problems.add(f"{name}.date", f"is also the date of {seen[on]}; one override a date")
            continue
        seen[on] = name
        if on > latest:
            problems.add(f"{name}.date", f"must be within {LIMITS.days_ahead} days from today")
            continue
        inside = next((label for b, label in blocked if b.first <= on <= b.last), None)
        if inside is not None and on >= today:
            problems.add(f"{name}.date", f"is inside {inside}: a blocked date has no slots")
            continue
        overrides.append(DateOverride(on, tuple(sorted(bounds for _, bounds in windows))))
    return sorted(overrides, key=lambda o: o.on)


# --- the document GET answers (and PUT echoes) ------------------------------------------------


def _hh_mm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def schedule_document(schedule: Schedule) -> dict[str, Any]:
    s = schedule.settings
    return {
        "timezone": s.timezone,
        "sessionDuration": s.session_minutes,
        "bufferBeforeMinutes": s.buffer_before_minutes,
        "bufferAfterMinutes": s.buffer_after_minutes,
        "slotStepMinutes": s.step_minutes,
        "minNoticeMinutes": s.min_notice_minutes,
        "bookingHorizonDays": s.horizon_days,
        "weekly": [
            {"weekday": w.weekday, "start": _hh_mm(w.start), "end": _hh_mm(w.end)}
            for w in schedule.weekly
        ],
        "overrides": [
            {
                "date": o.on.isoformat(),
                "windows": [{"start": _hh_mm(a), "end": _hh_mm(b)} for a, b in o.windows],
            }
            for o in schedule.overrides
        ],
        "blocked": [
            {"start": b.first.isoformat(), "end": b.last.isoformat(), "reason": b.reason}
            for b in schedule.blocked
        ],
    }
