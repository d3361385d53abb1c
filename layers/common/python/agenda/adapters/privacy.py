"""SQL of a professional's privacy rights: the export of everything they own, and their
deletion in two phases (docs/privacy.md). Every value goes as a parameter.

The export is one statement: each section a JSON array built by the server, so an account
with years of appointments is still one round trip and no row is shaped twice.

Phase one (``begin_deletion``) marks the professional, hides the page and cancels the upcoming
appointments in one statement, answering who must be told. Phase two (``purge``) deletes, in
one statement, the rows that carry no foreign key to the professional (delivery records,
processed Stripe events, WhatsApp checks and job leases that name them) and then the
professional, whose foreign keys cascade through every other table.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.parties import Party
from agenda.domain.statuses import LIVE
from agenda.service.records import CancelledForDeletion, DeletionSubject

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

# What a payment and a sent message are in an export, the professional's and the client's
# alike: the money columns of an appointment `a`, and an outbox row `o` with its delivery
# record `d` and whether it is still waiting for the queue.
PAYMENT_ROW = """jsonb_build_object(
              'appointment_id', a.id, 'payment_status', a.payment_status,
              'amount_due', a.amount_due, 'paid_at', a.paid_at,
              'stripe_checkout_session_id', a.stripe_checkout_session_id,
              'stripe_payment_intent_id', a.stripe_payment_intent_id,
              'stripe_refund_id', a.stripe_refund_id, 'refunded_amount', a.refunded_amount,
              'refunded_at', a.refunded_at, 'late_cancellation', a.late_cancellation)"""
HAS_MONEY = "(a.payment_status <> 'none' OR a.amount_due IS NOT NULL)"
SENT_MESSAGE_ROW = """jsonb_build_object(
              'message_key', o.message_key, 'template', o.payload ->> 'template',
              'channel', o.payload ->> 'channel', 'audience', o.payload ->> 'audience',
              'to', o.payload ->> 'to', 'params', o.payload -> 'params',
              'created_at', o.created_at,
              'queued', NOT EXISTS (SELECT 1 FROM notification_outbox_pending q
                                    WHERE q.id = o.id),
              'delivery_status', d.status, 'sent_at', d.sent_at)"""

# Each section is the professional's rows as JSON objects (columns by their names), oldest
# first. Payments and refunds are columns of the appointments; their own section repeats
# them for an appointment that involved money. The messages section is what the product sent
# on the professional's behalf or to them, with its delivery outcome.
EXPORT_SQL = f"""
WITH me AS (SELECT * FROM professionals WHERE user_id = :user_id)
SELECT
  to_jsonb(me) AS professional,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.retired_at NULLS LAST, t.slug), '[]')
   FROM professional_slugs t WHERE t.professional_id = me.id) AS slugs,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.day_of_week, t.start_time), '[]')
   FROM availability t WHERE t.professional_id = me.id) AS availability,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.on_date, t.start_time), '[]')
   FROM availability_overrides t WHERE t.professional_id = me.id) AS availability_overrides,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.starts_on), '[]')
   FROM blocked_periods t WHERE t.professional_id = me.id) AS blocked_periods,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM clients t WHERE t.professional_id = me.id) AS clients,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM client_changes t WHERE t.professional_id = me.id) AS client_changes,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM recurring_schedules t WHERE t.professional_id = me.id) AS recurring_schedules,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) - 'blocked_during' ORDER BY t.starts_at, t.id), '[]')
   FROM appointments t WHERE t.professional_id = me.id) AS appointments,
  (SELECT COALESCE(jsonb_agg({PAYMENT_ROW} ORDER BY a.starts_at, a.id), '[]')
   FROM appointments a WHERE a.professional_id = me.id AND {HAS_MONEY}) AS payments,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.changed_at, t.id), '[]')
   FROM appointment_changes t WHERE t.professional_id = me.id) AS appointment_changes,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM client_notes t WHERE t.professional_id = me.id) AS client_notes,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM messages t WHERE t.professional_id = me.id) AS messages,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM reviews t WHERE t.professional_id = me.id) AS reviews,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM review_changes t WHERE t.professional_id = me.id) AS review_changes,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM notifications t WHERE t.professional_id = me.id) AS notifications,
  (SELECT COALESCE(jsonb_agg(to_jsonb(t) ORDER BY t.created_at, t.id), '[]')
   FROM follows t WHERE t.professional_id = me.id) AS follows,
  (SELECT COALESCE(jsonb_agg({SENT_MESSAGE_ROW} ORDER BY o.created_at, o.id), '[]')
   FROM notification_outbox o
   LEFT JOIN notification_deliveries d ON d.message_key = o.message_key
   WHERE o.professional_id = me.id) AS sent_messages,
  (SELECT COALESCE(jsonb_agg(to_jsonb(e) ORDER BY e.processed_at, e.event_id), '[]')
   FROM processed_stripe_events e
   WHERE e.object_id IN (me.stripe_customer_id, me.stripe_subscription_id)
      OR e.object_id IN (SELECT s FROM appointments a,
                           LATERAL (VALUES (a.stripe_checkout_session_id),
                                           (a.stripe_payment_intent_id),
                                           (a.stripe_refund_id)) AS v (s)
                         WHERE a.professional_id = me.id AND s IS NOT NULL)) AS stripe_events
FROM me
"""

SUBJECT_SQL = """
SELECT id, slug, name, phone, email, locale, timezone, avatar_url, stripe_subscription_id,
       subscription_status, deletion_requested_at
FROM professionals WHERE user_id = :user_id
"""

# The professional's row lock orders this after any booking or change under way, so no
# appointment is booked behind the cancellation's back; the page is hidden in the same
# statement, so none is booked after it either. Each cancellation is recorded in the audit
# trail like one the professional made, and bumps the sequence (a calendar copy must change).
BEGIN_DELETION_SQL = """
WITH marked AS (
    UPDATE professionals
    SET deletion_requested_at = COALESCE(deletion_requested_at, :now), active = false,
        avatar_url = NULL, updated_at = :now
    WHERE id = :professional_id
    RETURNING id, user_id
), upcoming AS (
    SELECT a.id, a.status
    FROM appointments a JOIN marked ON a.professional_id = marked.id
    WHERE a.status = ANY(CAST(:live AS text[])) AND a.starts_at > :now
), cancelled AS (
    UPDATE appointments a
    SET status = 'cancelled', sequence = a.sequence + 1, status_changed_by = 'professional',
        status_changed_at = :now, updated_at = :now
    FROM upcoming u, marked
    WHERE a.id = u.id
    RETURNING a.id, a.client_id, a.starts_at, a.ends_at, a.sequence, a.payment_status,
              marked.user_id, u.status AS from_status
), audit AS (
    INSERT INTO appointment_changes (
        appointment_id, professional_id, action, actor_role, actor_id, from_status, to_status,
        from_payment_status, to_payment_status, from_starts_at, to_starts_at, from_ends_at,
        to_ends_at, sequence, reason, changed_at)
    SELECT c.id, :professional_id, 'cancel', 'professional', c.user_id, c.from_status,
           'cancelled', c.payment_status, c.payment_status, c.starts_at, c.starts_at,
           c.ends_at, c.ends_at, c.sequence, :reason, :now
    FROM cancelled c
)
SELECT c.id, c.starts_at, c.sequence, cl.name, cl.phone, cl.email
FROM cancelled c JOIN clients cl ON cl.id = c.client_id
ORDER BY c.starts_at, c.id
"""

# A marked professional is ready for the purge when every message of theirs reached the queue
# and each one phase one wrote has a final delivery outcome (sent, refused for good, or
# unknown), and Stripe's word on the cancelled subscription has arrived (else the event,
# processed after the purge, would name them again). Past the deadline the purge goes ahead
# anyway: a message that cannot be delivered in that time must not hold an erasure forever.
READY_SQL = """
SELECT p.id FROM professionals p
WHERE p.deletion_requested_at IS NOT NULL
  AND (p.deletion_requested_at
           < CAST(:now AS timestamptz) - make_interval(secs => :deadline_seconds)
       OR (p.subscription_status IN ('none', 'canceled', 'incomplete_expired')
           AND NOT EXISTS (
               SELECT 1 FROM notification_outbox o
               LEFT JOIN notification_deliveries d ON d.message_key = o.message_key
               WHERE o.professional_id = p.id
                 AND (EXISTS (SELECT 1 FROM notification_outbox_pending q WHERE q.id = o.id)
                      OR (o.created_at >= p.deletion_requested_at
                          AND (d.status IS NULL OR d.status IN ('sending', 'failed')))))))
ORDER BY p.deletion_requested_at, p.id
LIMIT :limit
FOR UPDATE OF p SKIP LOCKED
"""

# The rows that name the professional without a foreign key, then the professional (every
# table with one cascades). The CTEs read the rows as they were when the statement began, so
# the appointments and outbox rows that identify the delivery records are still there.
# Delivery records are found by their message key (the outbox's, or any key about the
# professional or one of their appointments) and by recipient (messages to the professional).
PURGE_SQL = """
WITH me AS (
    SELECT id, phone, email, whatsapp_instance, stripe_customer_id, stripe_subscription_id
    FROM professionals WHERE id = :professional_id AND deletion_requested_at IS NOT NULL
), subjects AS (
    SELECT CAST(me.id AS text) AS subject FROM me
    UNION ALL
    SELECT CAST(a.id AS text) FROM appointments a JOIN me ON a.professional_id = me.id
), stripe_objects AS (
    SELECT v.object_id
    FROM me, LATERAL (VALUES (me.stripe_customer_id), (me.stripe_subscription_id)) AS v (object_id)
    UNION ALL
    SELECT v.object_id
    FROM appointments a JOIN me ON a.professional_id = me.id,
         LATERAL (VALUES (a.stripe_checkout_session_id), (a.stripe_payment_intent_id),
                         (a.stripe_refund_id)) AS v (object_id)
), deliveries AS (
    DELETE FROM notification_deliveries d
    WHERE d.message_key IN (SELECT o.message_key FROM notification_outbox o
                            JOIN me ON o.professional_id = me.id)
       OR split_part(d.message_key, ':', 1) IN (SELECT subject FROM subjects)
       OR d.recipient IN (SELECT me.phone FROM me UNION ALL SELECT me.email FROM me)
    RETURNING 1
), events AS (
    DELETE FROM processed_stripe_events e
    WHERE e.object_id IN (SELECT object_id FROM stripe_objects WHERE object_id IS NOT NULL)
    RETURNING 1
), checks AS (
    DELETE FROM whatsapp_instance_checks c
    WHERE c.instance IN (SELECT me.whatsapp_instance FROM me)
      AND NOT EXISTS (SELECT 1 FROM professionals o
                      WHERE o.whatsapp_instance = c.instance AND o.id <> :professional_id)
    RETURNING 1
), leases AS (
    DELETE FROM job_leases l
    WHERE strpos(l.job, CAST(:professional_id AS text)) > 0
       OR strpos(l.holder, CAST(:professional_id AS text)) > 0
    RETURNING 1
), gone AS (
    DELETE FROM professionals p USING me WHERE p.id = me.id RETURNING 1
)
SELECT (SELECT count(*) FROM gone) AS professionals,
       (SELECT count(*) FROM deliveries) AS deliveries,
       (SELECT count(*) FROM events) AS stripe_events,
       (SELECT count(*) FROM checks) AS instance_checks,
       (SELECT count(*) FROM leases) AS job_leases
"""


class PostgresPrivacy:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def export(self, user_id: str) -> dict[str, Any] | None:
        return self._tx.one(EXPORT_SQL, user_id=user_id)

    def subject(self, user_id: str) -> DeletionSubject | None:
        row = self._tx.one(SUBJECT_SQL, user_id=user_id)
        if row is None:
            return None
        return DeletionSubject(
            id=row["id"],
            slug=row["slug"],
            contact=Party(row["name"], row["phone"], row["email"]),
            locale=row["locale"],
            timezone=row["timezone"],
            avatar_url=row["avatar_url"],
            subscription_id=row["stripe_subscription_id"],
            subscription_status=row["subscription_status"],
            deletion_requested_at=row["deletion_requested_at"],
        )

    def begin_deletion(
        self, professional_id: UUID, *, now: datetime, reason: str
    ) -> list[CancelledForDeletion]:
        rows = self._tx.query(
            BEGIN_DELETION_SQL,
            professional_id=professional_id,
            now=now,
            live=sorted(LIVE),
            reason=reason,
        )
        return [
            CancelledForDeletion(
                appointment_id=row["id"],
                starts_at=row["starts_at"],
                sequence=row["sequence"],
                client=Party(row["name"], row["phone"], row["email"]),
            )
            for row in rows
        ]

    def ready_for_purge(self, *, now: datetime, deadline_seconds: int, limit: int) -> list[UUID]:
        rows = self._tx.query(READY_SQL, now=now, deadline_seconds=deadline_seconds, limit=limit)
        return [row["id"] for row in rows]

    def purge(self, professional_id: UUID) -> dict[str, int]:
        row = self._tx.one(PURGE_SQL, professional_id=professional_id)
        return {name: int(value) for name, value in (row or {}).items()}
