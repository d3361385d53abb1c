"""SQL for an appointment's lifecycle and the professional's dashboard. Every value a parameter.

Reading an appointment for a change locks its row (FOR UPDATE), so two changes of one
appointment run one after the other and each sees the other's result. A reschedule updates
starts_at/ends_at in place: the exclusion constraint checks the new range against every other
live appointment, so a slot taken concurrently fails the update (23P01) instead of double
booking it. Someone else's appointment and an appointment that does not exist are the same
query finding no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.postgres import overlap_is_slot_taken
from agenda.adapters.repository import (
    BUSY_COLUMN,
    SCHEDULE_RULES_COLUMNS,
    OutboxMessage,
    Repository,
)

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database, Transaction

_APPOINTMENT_COLUMNS = """
SELECT a.id, a.professional_id, a.client_id, a.status, a.payment_status, a.starts_at,
       a.ends_at, a.sequence, a.status_changed_by, a.status_changed_at, a.created_at,
       a.updated_at,
       p.user_id AS professional_user_id, p.slug, p.name AS professional_name, p.profession,
       p.phone AS professional_phone, p.email AS professional_email, p.timezone, p.locale,
       p.session_duration, p.cancellation_notice_hours, p.reschedule_notice_hours,
       c.user_id AS client_user_id, c.name AS client_name, c.phone AS client_phone,
       c.email AS client_email,
       {role} AS role
FROM appointments a
JOIN professionals p ON p.id = a.professional_id
JOIN clients c ON c.id = a.client_id
"""

# The owner professional or the appointment's registered client; nobody else finds the row.
FOR_USER_SQL = (
    _APPOINTMENT_COLUMNS.format(
        role="CASE WHEN p.user_id = :user_id THEN 'professional' ELSE 'client' END"
    )
    + "WHERE a.id = :appointment_id AND (p.user_id = :user_id OR c.user_id = :user_id)\n"
)
LOCK_FOR_USER_SQL = FOR_USER_SQL + "FOR UPDATE OF a\n"

# The holder of a verified guest link for this very appointment acts as its client.
FOR_GUEST_SQL = _APPOINTMENT_COLUMNS.format(role="'client'") + "WHERE a.id = :appointment_id\n"
LOCK_FOR_GUEST_SQL = FOR_GUEST_SQL + "FOR UPDATE OF a\n"

# What the slot engine needs to check a reschedule target: the columns the booking check
# reads (agenda.adapters.repository), except that the appointment being moved is not busy.
RESCHEDULE_SCHEDULE_SQL = (
    "\nSELECT"
    + SCHEDULE_RULES_COLUMNS
    + ","
    + BUSY_COLUMN.format(other=" AND ap.id <> :appointment_id")
    + """
FROM professionals p
WHERE p.id = :professional_id AND p.active
"""
)

# The change and its audit record in one statement. status_changed_by/at follow the status;
# the audit keeps every change, payments and moves included.
APPLY_CHANGE_SQL = """
WITH updated AS (
    UPDATE appointments
    SET status = :status,
        payment_status = :payment_status,
        starts_at = :starts_at,
        ends_at = :ends_at,
        -- A move takes the buffers of the rules it was checked with; other changes keep them.
        buffer_before_minutes = COALESCE(CAST(:buffer_before AS integer), buffer_before_minutes),
        buffer_after_minutes = COALESCE(CAST(:buffer_after AS integer), buffer_after_minutes),
        sequence = :sequence,
        status_changed_by = CASE WHEN status <> CAST(:status AS text) THEN CAST(:actor AS text)
                                 ELSE status_changed_by END,
        status_changed_at = CASE WHEN status <> CAST(:status AS text) THEN now()
                                 ELSE status_changed_at END,
        updated_at = now()
    WHERE id = :appointment_id
    RETURNING id, professional_id, status, payment_status, starts_at, ends_at, sequence,
              status_changed_by, status_changed_at, created_at, updated_at
), audit AS (
    INSERT INTO appointment_changes (
        appointment_id, professional_id, action, actor_role, actor_id,
        from_status, to_status, from_payment_status, to_payment_status,
        from_starts_at, to_starts_at, from_ends_at, to_ends_at, sequence, reason)
    SELECT id, professional_id, :action, :actor_role, CAST(:actor_id AS text),
           :from_status, status, :from_payment_status, payment_status,
           :from_starts_at, starts_at, :from_ends_at, ends_at, sequence, CAST(:reason AS text)
    FROM updated
)
SELECT * FROM updated
"""

_LIST_SQL = """
SELECT p.timezone, page.*
FROM professionals p
LEFT JOIN LATERAL (
    SELECT a.id, a.status, a.payment_status, a.starts_at, a.ends_at, a.sequence,
           a.status_changed_by, a.status_changed_at, a.created_at,
           c.id AS client_id, c.name AS client_name, c.phone AS client_phone,
           c.email AS client_email, c.user_id IS NOT NULL AS client_registered
    FROM appointments a
    JOIN clients c ON c.id = a.client_id
    WHERE a.professional_id = p.id
      AND ({view})
      AND (CAST(:from_day AS date) IS NULL
           OR a.starts_at >= CAST(CAST(:from_day AS date) AS timestamp) AT TIME ZONE p.timezone)
      AND (CAST(:to_day AS date) IS NULL
           OR a.starts_at < CAST(CAST(:to_day AS date) + 1 AS timestamp) AT TIME ZONE p.timezone)
      AND (CAST(:after_starts AS timestamptz) IS NULL
           OR (a.starts_at, a.id) {after} (CAST(:after_starts AS timestamptz),
                                           CAST(:after_id AS uuid)))
    ORDER BY a.starts_at {direction}, a.id {direction}
    LIMIT :limit
) page ON true
WHERE p.user_id = :user_id
"""

# The dashboard's views split every appointment between them: each appointment is in exactly
# one. Upcoming and pending read forwards from now; past and cancelled backwards.
VIEWS: dict[str, tuple[str, str]] = {
    "upcoming": ("a.status = 'confirmed' AND a.ends_at > :now", "ASC"),
    "pending": (
        "a.status IN ('pending_payment', 'pending_confirmation') AND a.ends_at > :now",
        "ASC",
    ),
    "past": (
        "a.status IN ('completed', 'no_show') OR (a.status IN ('confirmed', 'pending_payment',"
        " 'pending_confirmation') AND a.ends_at <= :now)",
        "DESC",
    ),
    "cancelled": ("a.status IN ('cancelled', 'rejected')", "DESC"),
}
LIST_SQL: dict[str, str] = {
    view: _LIST_SQL.format(
        view=condition, direction=direction, after=">" if direction == "ASC" else "<"
    )
    for view, (condition, direction) in VIEWS.items()
}


@dataclass(frozen=True, slots=True)
class AppliedChange:
    action: str
    actor_role: str  # professional, client or guest
    actor_id: str | None  # the JWT subject; None for a guest
    actor_label: str  # what status_changed_by records
    before: dict[str, Any]  # the row as it was locked
    status: str
    payment_status: str
    starts_at: datetime
    ends_at: datetime
    sequence: int
    reason: str | None
    # The buffers a reschedule was checked with; None keeps the appointment's own.
    buffer_before_minutes: int | None = None
    buffer_after_minutes: int | None = None


@dataclass(frozen=True, slots=True)
class ListPage:
    timezone: str
    rows: list[dict[str, Any]]


class AppointmentsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- one appointment --------------------------------------------------------------------

    @staticmethod
    def lock_for_user(tx: Transaction, appointment_id: UUID, user_id: str) -> dict[str, Any] | None:
        return tx.one(LOCK_FOR_USER_SQL, appointment_id=appointment_id, user_id=user_id)

    @staticmethod
    def lock_for_guest(tx: Transaction, appointment_id: UUID) -> dict[str, Any] | None:
        return tx.one(LOCK_FOR_GUEST_SQL, appointment_id=appointment_id)

    def for_guest(self, appointment_id: UUID) -> dict[str, Any] | None:
        rows = self.db.query(FOR_GUEST_SQL, appointment_id=appointment_id)
        return rows[0] if rows else None

    @staticmethod
    def reschedule_schedule(
        tx: Transaction,
        *,
        professional_id: UUID,
        appointment_id: UUID,
        first_day: date,
        last_day: date,
        busy_from: datetime,
        busy_until: datetime,
    ) -> dict[str, Any] | None:
        return tx.one(
            RESCHEDULE_SCHEDULE_SQL,
            professional_id=professional_id,
            appointment_id=appointment_id,
            first_day=first_day,
            last_day=last_day,
            busy_from=busy_from,
            busy_until=busy_until,
        )

    @staticmethod
    def apply(
        tx: Transaction, change: AppliedChange, envelopes: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], list[OutboxMessage]]:
        """Write the change, its audit record and its messages; raise SlotTaken when the new
        range overlaps another live appointment (the exclusion constraint, 23P01)."""
        before = change.before
        with overlap_is_slot_taken():
            row = tx.one(
                APPLY_CHANGE_SQL,
                appointment_id=before["id"],
                status=change.status,
                payment_status=change.payment_status,
                starts_at=change.starts_at,
                ends_at=change.ends_at,
                sequence=change.sequence,
                buffer_before=change.buffer_before_minutes,
                buffer_after=change.buffer_after_minutes,
                actor=change.actor_label,
                action=change.action,
                actor_role=change.actor_role,
                actor_id=change.actor_id,
                from_status=before["status"],
                from_payment_status=before["payment_status"],
                from_starts_at=before["starts_at"],
                from_ends_at=before["ends_at"],
                reason=change.reason,
            )
        assert row is not None  # the row is locked by this transaction
        return row, Repository.enqueue(tx, before["professional_id"], envelopes)

    # -- the dashboard ----------------------------------------------------------------------

    def page(
        self,
        user_id: str,
        *,
        view: str,
        now: datetime,
        from_day: date | None,
        to_day: date | None,
        after: tuple[datetime, UUID] | None,
        limit: int,
    ) -> ListPage | None:
        """One page of a view, or None when the user is not a professional."""
        rows = self.db.query(
            LIST_SQL[view],
            user_id=user_id,
            now=now,
            from_day=from_day,
            to_day=to_day,
            after_starts=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        if not rows:
            return None
        return ListPage(
            timezone=rows[0]["timezone"], rows=[row for row in rows if row["id"] is not None]
        )
