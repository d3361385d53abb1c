"""SQL for an appointment's lifecycle and the professional's dashboard. Every value a parameter.

Reading an appointment for a change locks its row (FOR UPDATE), so two changes of one
appointment run one after the other and each sees the other's result. A reschedule updates
starts_at/ends_at in place: the exclusion constraint checks the new range against every other
live appointment, so a slot taken concurrently fails the update (23P01) instead of double
booking it. Someone else's appointment and an appointment that does not exist are the same
query finding no row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.postgres import overlap_is_slot_taken
from agenda.adapters.professionals import (
    RESCHEDULE_SCHEDULE_SQL,
    schedule_record,
)
from agenda.domain.lifecycle import Appointment, Policy
from agenda.domain.parties import Party
from agenda.domain.statuses import LIVE, OUTCOMES, PENDING, RELEASED, VIEWS
from agenda.service.records import (
    AppointmentClient,
    AppointmentListing,
    AppointmentPage,
    AppointmentPayment,
    AppointmentProfessional,
    AppointmentRecord,
    ChangeWritten,
    ClientListing,
)

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import (
        AppliedChange,
        ClientReview,
        ProfessionalSchedule,
        ScheduleRange,
    )

_APPOINTMENT_COLUMNS = """
SELECT a.id, a.professional_id, a.client_id, a.status, a.payment_status, a.starts_at,
       a.ends_at, a.sequence, a.status_changed_by, a.status_changed_at, a.created_at,
       a.updated_at, a.stripe_payment_intent_id, a.stripe_checkout_session_id, a.amount_due,
       COALESCE(a.amount_due, p.session_price) AS price,
       p.user_id AS professional_user_id, p.slug, p.name AS professional_name, p.profession,
       p.phone AS professional_phone, p.email AS professional_email, p.timezone, p.locale,
       p.session_duration, p.cancellation_notice_hours, p.reschedule_notice_hours,
       p.currency, p.public_contact,
       c.user_id AS client_user_id, c.name AS client_name, c.phone AS client_phone,
       c.email AS client_email,
       (SELECT json_build_object('id', r.id, 'rating', r.rating, 'comment', r.comment,
                                 'created_at', r.created_at, 'reply', r.reply,
                                 'replied_at', r.replied_at)
        FROM reviews r WHERE r.appointment_id = a.id) AS review,
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
        late_cancellation = late_cancellation OR CAST(:late_cancellation AS boolean),
        stripe_refund_id = COALESCE(CAST(:refund_id AS text), stripe_refund_id),
        refunded_amount = COALESCE(CAST(:refunded_amount AS numeric), refunded_amount),
        refunded_at = CASE WHEN CAST(:refund_id AS text) IS NOT NULL THEN now()
                           ELSE refunded_at END,
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


def _in(statuses: Iterable[str]) -> str:
    return "a.status IN (" + ", ".join(f"'{status}'" for status in sorted(statuses)) + ")"


# The dashboard's views split every appointment between them: each appointment is in exactly
# one (agenda.domain.lifecycle.VIEWS names them). Upcoming and pending read forwards from now;
# past and cancelled backwards.
_VIEW_SQL: dict[str, tuple[str, str]] = {
    "upcoming": ("a.status = 'confirmed' AND a.ends_at > :now", "ASC"),
    "pending": (f"{_in(PENDING)} AND a.ends_at > :now", "ASC"),
    "past": (
        f"{_in(OUTCOMES)} OR ({_in(LIVE)} AND a.ends_at <= :now)",
        "DESC",
    ),
    "cancelled": (_in(RELEASED), "DESC"),
}
assert set(_VIEW_SQL) == set(VIEWS), "every dashboard view has its query"
LIST_SQL: dict[str, str] = {
    view: _LIST_SQL.format(
        view=condition, direction=direction, after=">" if direction == "ASC" else "<"
    )
    for view, (condition, direction) in _VIEW_SQL.items()
}


def party_of(row: Mapping[str, Any], role: str) -> Party:
    """The professional or the client of a row that selected their name, phone and email as
    professional_name ... or client_name ..."""
    return Party(row[f"{role}_name"], row[f"{role}_phone"], row[f"{role}_email"])


def appointment_facts(row: Mapping[str, Any]) -> Appointment:
    """The lifecycle's facts of an appointment row (status, payment, times, sequence)."""
    return Appointment(
        status=row["status"],
        payment_status=row["payment_status"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        sequence=row["sequence"],
    )


def appointment_record(row: Mapping[str, Any]) -> AppointmentRecord:
    return AppointmentRecord(
        id=row["id"],
        facts=appointment_facts(row),
        status_changed_by=row["status_changed_by"],
        status_changed_at=row["status_changed_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        professional=AppointmentProfessional(
            id=row["professional_id"],
            user_id=row["professional_user_id"],
            slug=row["slug"],
            contact=party_of(row, "professional"),
            profession=row["profession"],
            timezone=row["timezone"],
            locale=row["locale"],
            session_duration=row["session_duration"],
            policy=Policy(
                cancellation_notice_hours=row["cancellation_notice_hours"],
                reschedule_notice_hours=row["reschedule_notice_hours"],
            ),
            currency=row["currency"].strip(),
            public_contact=row["public_contact"],
        ),
        client=AppointmentClient(
            id=row["client_id"],
            user_id=row["client_user_id"],
            contact=party_of(row, "client"),
        ),
        role=row["role"],
        payment=(
            AppointmentPayment(row["stripe_payment_intent_id"], row["amount_due"])
            if row["stripe_payment_intent_id"]
            else None
        ),
        checkout_session_id=row["stripe_checkout_session_id"],
        price=row["price"],
        review=_review(row.get("review")),
    )


def _review(value: Mapping[str, Any] | None) -> ClientReview | None:
    if value is None:
        return None
    # Loaded only for a reviewed appointment: a change's cold start never needs it.
    from agenda.adapters.reviews import client_review

    return client_review(value)


def _listing(row: Mapping[str, Any]) -> AppointmentListing:
    return AppointmentListing(
        id=row["id"],
        facts=appointment_facts(row),
        status_changed_by=row["status_changed_by"],
        status_changed_at=row["status_changed_at"],
        created_at=row["created_at"],
        client=ClientListing(
            id=row["client_id"],
            name=row["client_name"],
            phone=row["client_phone"],
            email=row["client_email"],
            registered=row["client_registered"],
        ),
    )


class PostgresAppointments:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def _one(self, sql: str, **params: Any) -> AppointmentRecord | None:
        row = self._tx.one(sql, **params)
        return appointment_record(row) if row is not None else None

    def lock_for_user(self, appointment_id: UUID, user_id: str) -> AppointmentRecord | None:
        return self._one(LOCK_FOR_USER_SQL, appointment_id=appointment_id, user_id=user_id)

    def lock_for_guest(self, appointment_id: UUID) -> AppointmentRecord | None:
        return self._one(LOCK_FOR_GUEST_SQL, appointment_id=appointment_id)

    def for_guest(self, appointment_id: UUID) -> AppointmentRecord | None:
        return self._one(FOR_GUEST_SQL, appointment_id=appointment_id)

    def reschedule_schedule(
        self, professional_id: UUID, appointment_id: UUID, within: ScheduleRange
    ) -> ProfessionalSchedule | None:
        row = self._tx.one(
            RESCHEDULE_SCHEDULE_SQL,
            professional_id=professional_id,
            appointment_id=appointment_id,
            **asdict(within),
        )
        return schedule_record(row) if row is not None else None

    def apply(self, before: AppointmentRecord, change: AppliedChange) -> ChangeWritten:
        after, was = change.change.after, before.facts
        with overlap_is_slot_taken():
            row = self._tx.one(
                APPLY_CHANGE_SQL,
                appointment_id=before.id,
                status=after.status,
                payment_status=after.payment_status,
                starts_at=after.starts_at,
                ends_at=after.ends_at,
                sequence=after.sequence,
                buffer_before=change.buffer_before_minutes,
                buffer_after=change.buffer_after_minutes,
                actor=change.actor_label,
                action=change.change.action,
                actor_role=change.actor_role,
                actor_id=change.actor_id,
                from_status=was.status,
                from_payment_status=was.payment_status,
                from_starts_at=was.starts_at,
                from_ends_at=was.ends_at,
                reason=change.reason,
                late_cancellation=change.change.late_cancellation,
                refund_id=change.refund_id,
                refunded_amount=change.refunded_amount,
            )
        assert row is not None  # the row is locked by this transaction
        return ChangeWritten(
            facts=appointment_facts(row),
            status_changed_by=row["status_changed_by"],
            status_changed_at=row["status_changed_at"],
            updated_at=row["updated_at"],
        )

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
    ) -> AppointmentPage | None:
        rows = self._tx.query(
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
        return AppointmentPage(
            timezone=rows[0]["timezone"],
            items=tuple(_listing(row) for row in rows if row["id"] is not None),
        )
