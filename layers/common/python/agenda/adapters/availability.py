"""SQL for the professional's own schedule: read it, and replace it as a whole.

A replacement runs in one transaction that first locks the professional's row (the settings
UPDATE takes it), so two replacements run one after the other and a booking's write, which
locks the same row, never interleaves with one. The weekly windows, overrides and blocked
periods are then deleted and inserted in one statement: all of it lands, or none of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.availability import (
    BlockedPeriod,
    DateOverride,
    Schedule,
    SchedulingSettings,
    WeeklyWindow,
)

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import ProfessionalSchedule, ScheduleRange

# The professional's today, in their own zone.
_TODAY = "CAST(CAST(:now AS timestamptz) AT TIME ZONE p.timezone AS date)"

# Overrides and blocked periods that can no longer affect a slot (before the professional's
# today) are left out: the document stays small and a client can PUT back what it read.
READ_SQL = f"""
SELECT p.id, p.timezone, p.session_duration, p.buffer_before_minutes, p.buffer_after_minutes,
       p.slot_step_minutes, p.min_notice_minutes, p.booking_horizon_days,
       COALESCE((SELECT json_agg(json_build_array(a.day_of_week, to_char(a.start_time, 'HH24:MI'),
                                                  to_char(a.end_time, 'HH24:MI'))
                                 ORDER BY a.day_of_week, a.start_time, a.end_time)
                 FROM availability a WHERE a.professional_id = p.id), '[]') AS weekly,
       COALESCE((SELECT json_agg(json_build_array(o.on_date, to_char(o.start_time, 'HH24:MI'),
                                                  to_char(o.end_time, 'HH24:MI'))
                                 ORDER BY o.on_date, o.start_time, o.end_time)
                 FROM availability_overrides o
                 WHERE o.professional_id = p.id
                   AND o.on_date >= {_TODAY}),
                '[]') AS overrides,
       COALESCE((SELECT json_agg(json_build_array(b.starts_on, b.ends_on, b.reason)
                                 ORDER BY b.starts_on, b.ends_on)
                 FROM blocked_periods b
                 WHERE b.professional_id = p.id
                   AND b.ends_on >= {_TODAY}),
                '[]') AS blocked
FROM professionals p
WHERE p.user_id = :user_id
"""

# The settings, and the row lock every later statement of the replacement relies on.
UPDATE_SETTINGS_SQL = """
UPDATE professionals
SET timezone = :timezone,
    session_duration = :session_duration,
    buffer_before_minutes = :buffer_before,
    buffer_after_minutes = :buffer_after,
    slot_step_minutes = CAST(:slot_step AS integer),
    min_notice_minutes = :min_notice,
    booking_horizon_days = :horizon_days,
    updated_at = now()
WHERE user_id = :user_id
RETURNING id
"""

# Runs after the row lock, so its snapshot sees every earlier replacement's rows and deletes
# them: a replacement never leaves another one's windows behind.
REPLACE_RULES_SQL = """
WITH cleared_weekly AS (
    DELETE FROM availability WHERE professional_id = :professional_id
), cleared_overrides AS (
    DELETE FROM availability_overrides WHERE professional_id = :professional_id
), cleared_blocked AS (
    DELETE FROM blocked_periods WHERE professional_id = :professional_id
), weekly AS (
    INSERT INTO availability (professional_id, day_of_week, start_time, end_time)
    SELECT :professional_id, w.weekday, w.start_time, w.end_time
    FROM jsonb_to_recordset(CAST(:weekly AS jsonb))
         AS w(weekday smallint, start_time time, end_time time)
), overrides AS (
    INSERT INTO availability_overrides (professional_id, on_date, start_time, end_time)
    SELECT :professional_id, o.on_date, o.start_time, o.end_time
    FROM jsonb_to_recordset(CAST(:overrides AS jsonb))
         AS o(on_date date, start_time time, end_time time)
)
INSERT INTO blocked_periods (professional_id, starts_on, ends_on, reason)
SELECT :professional_id, b.starts_on, b.ends_on, b.reason
FROM jsonb_to_recordset(CAST(:blocked AS jsonb)) AS b(starts_on date, ends_on date, reason text)
"""


def schedule_of(row: Mapping[str, Any]) -> Schedule:
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


class PostgresAvailability:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def read(self, user_id: str, *, now: datetime) -> Schedule | None:
        """The professional's stored schedule, or None when the user is not a professional."""
        row = self._tx.one(READ_SQL, user_id=user_id, now=now)
        return schedule_of(row) if row is not None else None

    def booking_schedule(self, user_id: str, within: ScheduleRange) -> ProfessionalSchedule | None:
        """The professional's schedule exactly as the booking page reads it (the busy ranges
        above all), found by the sign-in; None when the user is not a professional."""
        # Loaded by the preview alone: GET and PUT never pay for the booking page's adapter.
        from agenda.adapters.professionals import OWN_SCHEDULE_SQL, schedule_record

        row = self._tx.one(OWN_SCHEDULE_SQL, user_id=user_id, **asdict(within))
        return schedule_record(row) if row is not None else None

    def replace(self, user_id: str, schedule: Schedule) -> UUID | None:
        """Replace settings, weekly windows, overrides and blocked periods in this transaction;
        None (and nothing written) when the user is not a professional."""
        settings = schedule.settings
        row = self._tx.one(
            UPDATE_SETTINGS_SQL,
            user_id=user_id,
            timezone=settings.timezone,
            session_duration=settings.session_minutes,
            buffer_before=settings.buffer_before_minutes,
            buffer_after=settings.buffer_after_minutes,
            slot_step=settings.step_minutes,
            min_notice=settings.min_notice_minutes,
            horizon_days=settings.horizon_days,
        )
        if row is None:
            return None
        professional_id: UUID = row["id"]
        self._tx.execute(
            REPLACE_RULES_SQL,
            professional_id=professional_id,
            weekly=json.dumps(
                [
                    {"weekday": w.weekday, "start_time": w.start.isoformat(),
                     "end_time": w.end.isoformat()}
                    for w in schedule.weekly
                ]
            ),
            overrides=json.dumps(
                [
                    {"on_date": o.on.isoformat(), "start_time": a.isoformat(),
                     "end_time": b.isoformat()}
                    for o in schedule.overrides
                    for a, b in o.windows
                ]
            ),
            blocked=json.dumps(
                [
                    {"starts_on": b.first.isoformat(), "ends_on": b.last.isoformat(),
                     "reason": b.reason}
                    for b in schedule.blocked
                ]
            ),
        )  # fmt: skip
        return professional_id
