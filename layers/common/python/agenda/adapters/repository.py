"""SQL for professionals, their schedules and bookings. Every value goes as a parameter."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from agenda.adapters.postgres import Database, Transaction, overlap_is_slot_taken

PUBLIC_PROFILE_SQL = """
SELECT p.slug, p.name, p.profession, p.bio, p.avatar_url, p.session_duration,
       p.session_price::float8 AS session_price, p.currency, p.timezone,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'rating', r.rating,
                      'comment', r.comment,
                      'reviewerName', split_part(btrim(c.name), ' ', 1),
                      'createdAt', r.created_at) ORDER BY r.created_at DESC)
           FROM (SELECT * FROM reviews WHERE professional_id = p.id
                 ORDER BY created_at DESC LIMIT 20) r
           JOIN clients c ON c.id = r.client_id
       ), '[]') AS reviews,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'slug', o.slug, 'name', o.name, 'profession', o.profession,
                      'avatarUrl', o.avatar_url) ORDER BY o.name)
           FROM (SELECT slug, name, profession, avatar_url FROM professionals
                 WHERE profession = p.profession AND active AND id <> p.id
                 ORDER BY name LIMIT 6) o
       ), '[]') AS related
FROM professionals p
WHERE p.slug = :slug AND p.active
"""

# What the slot engine needs from a professional `p`, as agenda.service.schedule.rules_from
# reads it. The booking page, the booking check and the reschedule check all select exactly
# this, so they decide with one and the same rule set.
SCHEDULE_RULES_COLUMNS = """
       p.timezone, p.session_duration, p.booking_horizon_days, p.buffer_before_minutes,
       p.buffer_after_minutes, p.slot_step_minutes, p.min_notice_minutes,
       COALESCE((SELECT json_agg(json_build_array(a.day_of_week, a.start_time, a.end_time))
                 FROM availability a WHERE a.professional_id = p.id), '[]') AS windows,
       COALESCE((SELECT json_agg(json_build_array(o.on_date, o.start_time, o.end_time))
                 FROM availability_overrides o
                 WHERE o.professional_id = p.id AND o.on_date BETWEEN :first_day AND :last_day),
                '[]') AS overrides,
       COALESCE((SELECT json_agg(json_build_array(b.starts_on, b.ends_on))
                 FROM blocked_periods b
                 WHERE b.professional_id = p.id AND b.ends_on >= :first_day
                   AND b.starts_on <= :last_day), '[]') AS blocked"""

# Busy intervals are the live appointments' buffered ranges, the very ranges the exclusion
# constraint compares (each with the buffers it was booked with). They come as epoch seconds:
# thousands of them parse far faster from JSON numbers than from timestamp text. `{other}`
# leaves room for one more condition (the appointment being rescheduled).
BUSY_COLUMN = """
       COALESCE((SELECT json_agg(json_build_array(extract(epoch FROM lower(ap.blocked_during)),
                                                  extract(epoch FROM upper(ap.blocked_during))))
                 FROM appointments ap
                 WHERE ap.professional_id = p.id{other}
                   AND ap.status NOT IN ('rejected', 'cancelled')
                   AND ap.blocked_during && tstzrange(:busy_from, :busy_until)), '[]') AS busy"""

# Everything slot generation and the booking need, in one round trip.
SCHEDULE_SQL = (
    """
SELECT p.id, p.slug, p.plan, p.subscription_status, p.trial_ends_at, p.past_due_since,
       p.auto_confirm, p.name, p.phone, p.email, p.locale, p.payment_at_booking,
       p.payment_type, p.session_price, p.currency,"""
    + SCHEDULE_RULES_COLUMNS
    + ","
    + BUSY_COLUMN.format(other="")
    + """
FROM professionals p
WHERE p.slug = :slug AND p.active
"""
)

LOCK_PROFESSIONAL_SQL = "SELECT 1 FROM professionals WHERE id = :professional_id FOR NO KEY UPDATE"

# Read under the professional's lock, so the counts cannot move before the insert.
PLAN_USAGE_SQL = """
SELECT (SELECT id FROM clients
        WHERE professional_id = :professional_id
          AND (phone = :phone OR (CAST(:email AS text) IS NOT NULL AND lower(email) = :email))
        ORDER BY (phone = :phone) DESC, created_at
        LIMIT 1) AS existing_client_id,
       (SELECT count(*) FROM clients WHERE professional_id = :professional_id) AS clients,
       (SELECT count(*) FROM appointments
        WHERE professional_id = :professional_id
          AND status NOT IN ('rejected', 'cancelled')
          AND starts_at >= :month_start AND starts_at < :month_end) AS appointments_this_month
"""

# The client upsert, the appointment, the in-app notification and the outgoing messages in
# one statement: all of it lands, or (on an overlap, 23P01) none of it.
INSERT_BOOKING_SQL = """
WITH upserted_client AS (
    INSERT INTO clients (id, professional_id, name, phone, email)
    VALUES (COALESCE(CAST(:existing_client_id AS uuid), gen_random_uuid()),
            :professional_id, :client_name, :phone, :email)
    ON CONFLICT (id) DO UPDATE SET email = COALESCE(clients.email, EXCLUDED.email),
                                   updated_at = now()
    RETURNING id
), appointment AS (
    INSERT INTO appointments (id, professional_id, client_id, starts_at, ends_at, status,
                              buffer_before_minutes, buffer_after_minutes, payment_status,
                              payment_expires_at, stripe_checkout_session_id, amount_due)
    SELECT :appointment_id, :professional_id, id, :starts_at, :ends_at, :status,
           :buffer_before, :buffer_after, :payment_status, :payment_expires_at,
           :checkout_session_id, CAST(:amount_due AS numeric)
    FROM upserted_client
    RETURNING id, status
), in_app AS (
    -- A booking held for payment reaches the professional once it is paid.
    INSERT INTO notifications (professional_id, recipient, type, title, body, data)
    SELECT :professional_id, 'professional', 'booking_request', :title, :body,
           json_build_object('appointmentId', appointment.id)
    FROM appointment
    WHERE CAST(:title AS text) IS NOT NULL
), outbox AS (
    INSERT INTO notification_outbox (message_key, payload, professional_id)
    SELECT m ->> 'messageKey', m, :professional_id
    FROM appointment, jsonb_array_elements(CAST(:messages AS jsonb)) AS m
    RETURNING id, message_key, payload
)
SELECT appointment.id AS appointment_id, appointment.status,
       (SELECT json_agg(json_build_object('id', id, 'key', message_key, 'payload', payload))
        FROM outbox) AS outbox
FROM appointment
"""


# Messages caused by any change, written in the change's own transaction. A message already
# queued under the same key (a retried transaction, a repeated job) is not queued again.
# Each row carries its own professional (the rows cascade with them), so a job can queue the
# messages of many professionals in one statement.
ENQUEUE_SQL = """
INSERT INTO notification_outbox (message_key, payload, professional_id)
SELECT item -> 'envelope' ->> 'messageKey', item -> 'envelope',
       CAST(item ->> 'professionalId' AS uuid)
FROM jsonb_array_elements(CAST(:items AS jsonb)) AS item
ON CONFLICT (message_key) DO NOTHING
RETURNING id, message_key, payload
"""


@dataclass(frozen=True, slots=True)
class PlanUsage:
    existing_client_id: UUID | None
    clients: int
    appointments_this_month: int


@dataclass(frozen=True, slots=True)
class PaymentHold:
    """A booking paid at booking time: its Checkout Session and until when it holds the slot."""

    checkout_session_id: str
    expires_at: datetime
    amount: Decimal


@dataclass(frozen=True, slots=True)
class NewBooking:
    appointment_id: UUID
    professional_id: UUID
    existing_client_id: UUID | None
    client_name: str
    phone: str
    email: str | None
    starts_at: datetime
    ends_at: datetime
    status: str
    # The buffers the slot was checked with: stored with the appointment, kept clear by the
    # exclusion constraint.
    buffer_before_minutes: int
    buffer_after_minutes: int
    notification_title: str | None  # None: no in-app notice (a booking held for payment)
    notification_body: str | None
    messages: list[dict[str, Any]]
    payment: PaymentHold | None = None


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: int
    key: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BookingRecord:
    appointment_id: UUID
    status: str
    outbox: list[OutboxMessage]


def enqueue_each(
    tx: Transaction, items: Iterable[tuple[UUID | None, dict[str, Any]]]
) -> list[OutboxMessage]:
    """Queue (professional, envelope) pairs in the caller's transaction; return the rows this
    call wrote (not those already queued). Dispatch them after the transaction commits."""
    payload = [
        {"professionalId": str(pid) if pid else None, "envelope": envelope}
        for pid, envelope in items
    ]
    if not payload:
        return []
    rows = tx.query(ENQUEUE_SQL, items=json.dumps(payload))
    return [OutboxMessage(r["id"], r["message_key"], r["payload"]) for r in rows]


def epoch(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


class Repository:
    def __init__(self, db: Database) -> None:
        self.db = db

    def public_profile(self, slug: str) -> dict[str, Any] | None:
        rows = self.db.query(PUBLIC_PROFILE_SQL, slug=slug)
        return rows[0] if rows else None

    def schedule(
        self,
        slug: str,
        *,
        first_day: date,
        last_day: date,
        busy_from: datetime,
        busy_until: datetime,
    ) -> dict[str, Any] | None:
        rows = self.db.query(
            SCHEDULE_SQL,
            slug=slug,
            first_day=first_day,
            last_day=last_day,
            busy_from=busy_from,
            busy_until=busy_until,
        )
        return rows[0] if rows else None

    @staticmethod
    def lock_professional(tx: Transaction, professional_id: UUID) -> None:
        tx.execute(LOCK_PROFESSIONAL_SQL, professional_id=professional_id)

    @staticmethod
    def plan_usage(
        tx: Transaction,
        professional_id: UUID,
        *,
        phone: str,
        email: str | None,
        month_start: datetime,
        month_end: datetime,
    ) -> PlanUsage:
        row = tx.one(
            PLAN_USAGE_SQL,
            professional_id=professional_id,
            phone=phone,
            email=email,
            month_start=month_start,
            month_end=month_end,
        )
        assert row is not None
        return PlanUsage(
            existing_client_id=row["existing_client_id"],
            clients=row["clients"],
            appointments_this_month=row["appointments_this_month"],
        )

    @staticmethod
    def enqueue(
        tx: Transaction, professional_id: UUID | None, envelopes: list[dict[str, Any]]
    ) -> list[OutboxMessage]:
        """Queue one professional's messages in the caller's transaction."""
        return enqueue_each(tx, [(professional_id, envelope) for envelope in envelopes])

    @staticmethod
    def insert_booking(tx: Transaction, booking: NewBooking) -> BookingRecord:
        with overlap_is_slot_taken():
            row = tx.one(
                INSERT_BOOKING_SQL,
                existing_client_id=booking.existing_client_id,
                appointment_id=booking.appointment_id,
                professional_id=booking.professional_id,
                client_name=booking.client_name,
                phone=booking.phone,
                email=booking.email,
                starts_at=booking.starts_at,
                ends_at=booking.ends_at,
                status=booking.status,
                buffer_before=booking.buffer_before_minutes,
                buffer_after=booking.buffer_after_minutes,
                title=booking.notification_title,
                body=booking.notification_body,
                messages=json.dumps(booking.messages),
                payment_status="pending" if booking.payment else "none",
                payment_expires_at=booking.payment.expires_at if booking.payment else None,
                checkout_session_id=(
                    booking.payment.checkout_session_id if booking.payment else None
                ),
                amount_due=str(booking.payment.amount) if booking.payment else None,
            )
        assert row is not None
        return BookingRecord(
            appointment_id=row["appointment_id"],
            status=row["status"],
            outbox=[
                OutboxMessage(id=item["id"], key=item["key"], payload=item["payload"])
                for item in row["outbox"] or []
            ],
        )
