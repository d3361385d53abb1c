"""GET and PUT /api/availability: the signed-in professional's schedule and settings.

The read path stays light (no pydantic): the document is built from the row. A replacement
is validated completely by the pure domain before a single statement is sent, then written in
one transaction; a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from agenda.domain.availability import (
    BlockedPeriod,
    DateOverride,
    Schedule,
    SchedulingSettings,
    WeeklyWindow,
    parse_schedule,
    schedule_document,
    zone_of,
)
from agenda.domain.errors import Forbidden
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.adapters.availability import AvailabilityRepository

NOT_A_PROFESSIONAL = "Only a professional has an availability to manage"


@dataclass(frozen=True, slots=True)
class AvailabilityDependencies:
    repo: AvailabilityRepository
    clock: Callable[[], datetime]


def get_availability(deps: AvailabilityDependencies, *, user_id: str) -> dict[str, Any]:
    row = deps.repo.read(user_id, now=deps.clock())
    if row is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    return schedule_document(schedule_of(row))


def replace_availability(
    deps: AvailabilityDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    now = deps.clock()
    zone = zone_of(body)
    # Past dates are judged in the zone the professional is moving to; an unknown zone is
    # refused by parse_schedule itself, any date will do for the rest of its checks then.
    today = now.astimezone(zone).date() if zone is not None else now.date()
    schedule = parse_schedule(body, today=today)
    professional_id = deps.repo.replace(user_id, schedule)
    if professional_id is None:
        raise Forbidden(NOT_A_PROFESSIONAL)
    count("AvailabilityReplaced")
    logger.info(
        "availability replaced",
        extra={
            "professional_id": str(professional_id),
            "weekly_windows": len(schedule.weekly),
            "overrides": len(schedule.overrides),
            "blocked_periods": len(schedule.blocked),
        },
    )
    return schedule_document(schedule)


def schedule_of(row: dict[str, Any]) -> Schedule:
    """The stored schedule as the domain holds it (the row is trusted: it was validated)."""
    overrides: dict[date, list[tuple[time, time]]] = {}
    for on_date, start, end in row["overrides"]:
        overrides.setdefault(date.fromisoformat(on_date), []).append(
            (time.fromisoformat(start), time.fromisoformat(end))
        )
    return Schedule(
        settings=SchedulingSettings(
            timezone=row["timezone"],
            session_minutes=row["session_duration"],
            buffer_before_minutes=row["buffer_before_minutes"],
            buffer_after_minutes=row["buffer_after_minutes"],
            step_minutes=row["slot_step_minutes"],
            min_notice_minutes=row["min_notice_minutes"],
            horizon_days=row["booking_horizon_days"],
        ),
        weekly=tuple(
            WeeklyWindow(dow, time.fromisoformat(start), time.fromisoformat(end))
            for dow, start, end in row["weekly"]
        ),
        overrides=tuple(
            DateOverride(day, tuple(windows)) for day, windows in sorted(overrides.items())
        ),
        blocked=tuple(
            BlockedPeriod(date.fromisoformat(first), date.fromisoformat(last), reason)
            for first, last, reason in row["blocked"]
        ),
    )
