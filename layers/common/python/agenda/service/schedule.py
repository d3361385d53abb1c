"""Turning a professional's stored schedule into the slot engine's rules."""

from __future__ import annotations

from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from agenda.adapters.repository import epoch
from agenda.domain.slots import Busy, Rules, Window


def rules_from(row: dict[str, Any]) -> Rules:
    overrides: dict[date, list[tuple[time, time]]] = {}
    for on_date, start, end in row["overrides"]:
        overrides.setdefault(date.fromisoformat(on_date), []).append(
            (time.fromisoformat(start), time.fromisoformat(end))
        )
    return Rules(
        timezone=ZoneInfo(row["timezone"]),
        session_minutes=row["session_duration"],
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
    return [(epoch(start), epoch(end)) for start, end in row["busy"]]
