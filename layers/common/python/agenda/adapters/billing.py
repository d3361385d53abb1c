"""SQL for plans and payments: a professional's subscription columns, processed Stripe events,
and appointments held for payment. Every value goes as a parameter.

A Stripe event's effect and the row recording the event as processed are written in one
transaction, so an event is applied exactly once however often Stripe delivers it: a second
delivery (or a concurrent one, which waits on the first's primary key) finds the row.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.adapters.appointments import appointment_facts, party_of
from agenda.adapters.postgres import overlap_is_slot_taken
from agenda.domain.billing import BillingState
from agenda.domain.parties import Party
from agenda.service.records import BillingAccount, PaymentRecord

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import PaymentChange

_BILLING_COLUMNS = """
SELECT id, user_id, name, email, phone, locale, plan, subscription_status, trial_ends_at,
       past_due_since, stripe_customer_id, stripe_subscription_id, subscription_created_at,
       subscription_period_end, subscription_cancel_at_period_end
FROM professionals
"""
BILLING_FOR_USER_SQL = _BILLING_COLUMNS + "WHERE user_id = :user_id AND active\n"
LOCK_BILLING_SQL = _BILLING_COLUMNS + "WHERE id = :professional_id FOR UPDATE\n"
# The professional a subscription belongs to: the id our Checkout put in its metadata, else
# the Stripe customer (a subscription made in Stripe's dashboard for a known customer).
LOCK_BILLING_BY_CUSTOMER_SQL = (
    _BILLING_COLUMNS + "WHERE stripe_customer_id = :customer FOR UPDATE\n"
)

# Two requests may create the customer at once: Stripe's idempotency key makes them the same
# customer, and only the first write lands.
SET_CUSTOMER_SQL = """
UPDATE professionals SET stripe_customer_id = :customer, updated_at = now()
WHERE id = :professional_id AND stripe_customer_id IS NULL
"""

SAVE_BILLING_SQL = """
UPDATE professionals
SET plan = :plan,
    stripe_customer_id = COALESCE(stripe_customer_id, CAST(:customer AS text)),
    stripe_subscription_id = :subscription_id,
    subscription_status = :subscription_status,
    subscription_created_at = :subscription_created,
    subscription_period_end = :current_period_end,
    subscription_cancel_at_period_end = :cancel_at_period_end,
    trial_ends_at = :trial_ends_at,
    past_due_since = :past_due_since,
    updated_at = now()
WHERE id = :professional_id
"""

EVENT_SEEN_SQL = "SELECT 1 FROM processed_stripe_events WHERE event_id = :event_id"
# Waits on a concurrent delivery of the same event until it commits or rolls back.
CLAIM_EVENT_SQL = """
INSERT INTO processed_stripe_events (event_id, type, object_id, outcome)
VALUES (:event_id, :type, :object_id, :outcome)
ON CONFLICT (event_id) DO NOTHING
RETURNING event_id
"""
SET_EVENT_OUTCOME_SQL = """
UPDATE processed_stripe_events SET outcome = :outcome WHERE event_id = :event_id
"""

# An appointment with everything its payment needs: who to tell, how the professional
# confirms, what was charged.
_PAYMENT_SQL = """
SELECT a.id, a.professional_id, a.client_id, a.status, a.payment_status, a.starts_at,
       a.ends_at, a.sequence, a.stripe_checkout_session_id, a.stripe_payment_intent_id,
       a.amount_due, a.payment_expires_at, a.status_changed_by, a.refunded_amount,
       p.name AS professional_name, p.phone AS professional_phone,
       p.email AS professional_email, p.timezone, p.locale, p.auto_confirm, p.currency,
       c.name AS client_name, c.phone AS client_phone, c.email AS client_email,
       c.user_id AS client_user_id
FROM appointments a
JOIN professionals p ON p.id = a.professional_id
JOIN clients c ON c.id = a.client_id
"""
LOCK_PAYMENT_SQL = _PAYMENT_SQL + "WHERE a.id = :appointment_id\nFOR UPDATE OF a\n"
# The appointment a Stripe payment paid (a refund names the payment, not the appointment).
LOCK_PAYMENT_BY_INTENT_SQL = (
    _PAYMENT_SQL + "WHERE a.stripe_payment_intent_id = :payment_intent\nFOR UPDATE OF a\n"
)

# Holds past their expiry (plus a margin for a payment Stripe is still reporting), oldest
# first; rows another sweep or a webhook holds are skipped, not waited for.
EXPIRED_HOLDS_SQL = """
SELECT id FROM appointments
WHERE status = 'pending_payment' AND payment_expires_at < :before
ORDER BY payment_expires_at
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""

# The payment change and its audit record in one statement (as agenda.adapters.appointments
# writes a person's change).
APPLY_PAYMENT_SQL = """
WITH updated AS (
    UPDATE appointments
    SET status = :status,
        payment_status = :payment_status,
        sequence = :sequence,
        stripe_payment_intent_id = COALESCE(CAST(:payment_intent AS text),
                                            stripe_payment_intent_id),
        paid_at = CASE WHEN CAST(:payment_status AS text) = 'paid' THEN COALESCE(paid_at, now())
                       ELSE paid_at END,
        refunded_amount = COALESCE(CAST(:refunded_amount AS numeric), refunded_amount),
        refunded_at = CASE WHEN CAST(:refunded_amount AS numeric) IS NOT NULL THEN now()
                           ELSE refunded_at END,
        status_changed_by = CASE WHEN status <> CAST(:status AS text) THEN 'system'
                                 ELSE status_changed_by END,
        status_changed_at = CASE WHEN status <> CAST(:status AS text) THEN now()
                                 ELSE status_changed_at END,
        updated_at = now()
    WHERE id = :appointment_id
    RETURNING id, professional_id, status, payment_status, starts_at, ends_at, sequence, paid_at
), audit AS (
    INSERT INTO appointment_changes (
        appointment_id, professional_id, action, actor_role, actor_id,
        from_status, to_status, from_payment_status, to_payment_status,
        from_starts_at, to_starts_at, from_ends_at, to_ends_at, sequence, reason)
    SELECT id, professional_id, :action, 'system', :actor_id,
           :from_status, status, :from_payment_status, payment_status,
           starts_at, starts_at, ends_at, ends_at, sequence, CAST(:reason AS text)
    FROM updated
)
SELECT * FROM updated
"""

MARK_REFUNDED_SQL = """
UPDATE appointments
SET payment_status = 'refunded',
    stripe_payment_intent_id = :payment_intent,
    stripe_refund_id = CAST(:refund_id AS text),
    refunded_amount = amount_due,
    refunded_at = now(),
    updated_at = now()
WHERE id = :appointment_id
"""


def billing_account(row: Mapping[str, Any]) -> BillingAccount:
    return BillingAccount(
        id=row["id"],
        user_id=row["user_id"],
        contact=Party(row["name"], row["phone"], row["email"]),
        locale=row["locale"],
        state=BillingState(
            plan=row["plan"],
            subscription_id=row["stripe_subscription_id"],
            subscription_status=row["subscription_status"],
            subscription_created=row["subscription_created_at"],
            trial_ends_at=row["trial_ends_at"],
            past_due_since=row["past_due_since"],
            current_period_end=row["subscription_period_end"],
            cancel_at_period_end=row["subscription_cancel_at_period_end"],
        ),
        stripe_customer_id=row["stripe_customer_id"],
    )


def payment_record(row: Mapping[str, Any]) -> PaymentRecord:
    return PaymentRecord(
        id=row["id"],
        professional_id=row["professional_id"],
        facts=appointment_facts(row),
        checkout_session_id=row["stripe_checkout_session_id"],
        payment_intent_id=row["stripe_payment_intent_id"],
        amount_due=row["amount_due"],
        status_changed_by=row["status_changed_by"],
        professional=party_of(row, "professional"),
        timezone=row["timezone"],
        locale=row["locale"],
        auto_confirm=row["auto_confirm"],
        currency=row["currency"].strip(),
        client=party_of(row, "client"),
        client_id=row["client_id"],
        client_user_id=row["client_user_id"],
        refunded_amount=row["refunded_amount"],
    )


class PostgresBilling:
    """A professional's subscription columns and the processed Stripe events."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def for_user(self, user_id: str) -> BillingAccount | None:
        row = self._tx.one(BILLING_FOR_USER_SQL, user_id=user_id)
        return billing_account(row) if row is not None else None

    def set_customer(self, professional_id: UUID, customer: str) -> None:
        self._tx.execute(SET_CUSTOMER_SQL, professional_id=professional_id, customer=customer)

    def lock(self, *, professional_id: UUID | None, customer: str) -> BillingAccount | None:
        if professional_id is not None:
            row = self._tx.one(LOCK_BILLING_SQL, professional_id=professional_id)
            if row is not None:
                return billing_account(row)
        row = self._tx.one(LOCK_BILLING_BY_CUSTOMER_SQL, customer=customer)
        return billing_account(row) if row is not None else None

    def save(self, professional_id: UUID, state: BillingState, *, customer: str) -> None:
        self._tx.execute(
            SAVE_BILLING_SQL,
            professional_id=professional_id,
            customer=customer,
            plan=state.plan,
            subscription_id=state.subscription_id,
            subscription_status=state.subscription_status,
            subscription_created=state.subscription_created,
            current_period_end=state.current_period_end,
            cancel_at_period_end=state.cancel_at_period_end,
            trial_ends_at=state.trial_ends_at,
            past_due_since=state.past_due_since,
        )

    def event_seen(self, event_id: str) -> bool:
        return self._tx.one(EVENT_SEEN_SQL, event_id=event_id) is not None

    def claim_event(self, event_id: str, event_type: str, object_id: str | None) -> bool:
        row = self._tx.one(
            CLAIM_EVENT_SQL,
            event_id=event_id,
            type=event_type,
            object_id=object_id,
            outcome="applied",
        )
        return row is not None

    def set_outcome(self, event_id: str, outcome: str) -> None:
        self._tx.execute(SET_EVENT_OUTCOME_SQL, event_id=event_id, outcome=outcome)


class PostgresPayments:
    """Appointments held for payment, and what Stripe's events do to them."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lock(self, appointment_id: UUID) -> PaymentRecord | None:
        row = self._tx.one(LOCK_PAYMENT_SQL, appointment_id=appointment_id)
        return payment_record(row) if row is not None else None

    def lock_by_payment(self, payment_intent: str) -> PaymentRecord | None:
        row = self._tx.one(LOCK_PAYMENT_BY_INTENT_SQL, payment_intent=payment_intent)
        return payment_record(row) if row is not None else None

    def expired_holds(self, *, before: datetime, limit: int) -> list[UUID]:
        return [row["id"] for row in self._tx.query(EXPIRED_HOLDS_SQL, before=before, limit=limit)]

    def apply(self, before: PaymentRecord, payment: PaymentChange) -> None:
        after = payment.change.after
        with overlap_is_slot_taken("The booking's time was taken meanwhile"):
            written = self._tx.one(
                APPLY_PAYMENT_SQL,
                appointment_id=before.id,
                status=after.status,
                payment_status=after.payment_status,
                sequence=after.sequence,
                payment_intent=payment.payment_intent,
                action=payment.change.action,
                actor_id=payment.actor_id,
                from_status=before.facts.status,
                from_payment_status=before.facts.payment_status,
                reason=payment.reason,
                refunded_amount=payment.refunded_amount,
            )
        assert written is not None  # the row is locked by this transaction

    def mark_refunded(
        self, appointment_id: UUID, payment_intent: str, refund_id: str | None
    ) -> None:
        self._tx.execute(
            MARK_REFUNDED_SQL,
            appointment_id=appointment_id,
            payment_intent=payment_intent,
            refund_id=refund_id,
        )
