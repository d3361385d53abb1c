"""Payment at booking: a booking held for payment becomes a booking when Stripe reports the
payment, and frees its slot when the payment does not come.

- The booking (agenda.service.booking) creates the Checkout Session first (its metadata names
  the appointment id chosen beforehand), then writes the appointment as `pending_payment` with
  `payment_expires_at` = the session's expiry. Nobody can pay before the booking answers, since
  only the answer carries the session's URL.
- Paid (checkout.session.completed with payment_status "paid", or
  checkout.session.async_payment_succeeded for Pix): `settle` confirms it, or leaves it
  awaiting the professional's confirmation, and queues the messages that waited.
- Not paid (checkout.session.expired, checkout.session.async_payment_failed, or the sweep
  finding a hold past its expiry when those events never came): `release` cancels it.
- Paid after release (the session was paid in its last second and the event came after the
  sweep): the booking comes back if its time is still free, else the payment is refunded. A
  payment for a booking a person cancelled or rejected meanwhile is refunded too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.appointment_messages import Audience, paid_booking_messages
from agenda.domain.errors import SlotTaken
from agenda.domain.lifecycle import Appointment, reinstate_paid, release_hold, settle_payment
from agenda.domain.messages import Party
from agenda.observability import count, logger
from agenda.service.appointments import appointment_facts

if TYPE_CHECKING:
    from agenda.adapters.billing import BillingRepository
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.adapters.repository import OutboxMessage
    from agenda.adapters.stripe_api import StripeApi
    from agenda.service.links import GuestLinks

# A hold is released this long after its session expired: a payment made in the session's
# last moment is reported first (and if it is reported later still, it is reinstated or
# refunded).
RELEASE_MARGIN = timedelta(minutes=2)
SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True)
class PaymentDependencies:
    billing: BillingRepository
    stripe: StripeApi
    links: GuestLinks
    publisher: Publisher
    clock: Callable[[], datetime]


def settle(
    deps: PaymentDependencies,
    tx: Transaction,
    appointment_id: UUID,
    *,
    session_id: str,
    payment_intent: str | None,
    actor_id: str,
) -> tuple[str, list[OutboxMessage]]:
    """Apply a reported payment in the caller's transaction; answer the outcome (for the
    processed-event record) and the messages to dispatch after the commit."""
    from agenda.adapters.billing import PaymentChange

    row = deps.billing.lock_payment(tx, appointment_id)
    if row is None:
        return "appointment_not_found", []
    if row["stripe_checkout_session_id"] != session_id:
        # Metadata naming an appointment that another session pays: not ours to apply.
        logger.warning(
            "checkout session does not match the appointment",
            extra={"appointment_id": str(appointment_id), "session_id": session_id},
        )
        return "session_mismatch", []
    facts = appointment_facts(row)
    change = settle_payment(facts, auto_confirm=row["auto_confirm"])
    if change is None and facts.payment_status == "paid":
        return "already_paid", []
    if change is None and facts.payment_status == "refunded":
        return "already_refunded", []
    if change is not None:
        envelopes = (
            _paid_messages(deps, row, change.after) if facts.status == "pending_payment" else []
        )
        _, outbox = deps.billing.apply_payment(
            tx, row, PaymentChange(change, actor_id, payment_intent=payment_intent), envelopes
        )
        count("AppointmentPaid", status=change.after.status)
        return "paid", outbox
    # Released by the sweep or Stripe's expiry before the payment was reported: bring the
    # booking back if its time is still free. One a person cancelled or rejected stays so.
    if facts.status == "cancelled" and row["status_changed_by"] == "system":
        change = reinstate_paid(facts, auto_confirm=row["auto_confirm"])
        try:
            with tx.savepoint():
                _, outbox = deps.billing.apply_payment(
                    tx,
                    row,
                    PaymentChange(
                        change,
                        actor_id,
                        payment_intent=payment_intent,
                        reason="paid after the hold was released",
                    ),
                    _paid_messages(deps, row, change.after),
                )
            count("AppointmentPaidLate", outcome="reinstated")
            return "reinstated", outbox
        except SlotTaken:
            pass
    if payment_intent is None:
        raise ValueError("a paid session without a payment intent cannot be refunded")
    # Refunded inside the transaction: if the commit fails, Stripe retries the event and the
    # refund's idempotency key makes the second call return the same refund.
    refund = deps.stripe.refund(payment_intent, appointment_id=appointment_id)
    deps.billing.mark_refunded(tx, appointment_id, payment_intent)
    count("AppointmentPaidLate", outcome="refunded")
    logger.warning(
        "payment refunded: the booking was released and its time taken, or ended by a person",
        extra={"appointment_id": str(appointment_id), "refund_id": refund},
    )
    return "refunded", []


def release(
    billing: BillingRepository,
    tx: Transaction,
    appointment_id: UUID,
    *,
    actor_id: str,
    payment_status: str = "none",
    reason: str,
) -> tuple[str, list[OutboxMessage]]:
    """Cancel a booking still waiting for payment, freeing its slot, in the caller's
    transaction. A booking that was paid or changed meanwhile is left alone. Nobody is told:
    the client gave the payment up, and the professional never heard of the booking."""
    from agenda.adapters.billing import PaymentChange

    row = billing.lock_payment(tx, appointment_id)
    if row is None:
        return "appointment_not_found", []
    change = release_hold(appointment_facts(row), payment_status=payment_status)
    if change is None:
        return "not_held", []
    billing.apply_payment(tx, row, PaymentChange(change, actor_id, reason=reason), [])
    count("PaymentHoldReleased", reason=reason)
    return "released", []


def sweep_expired_holds(billing: BillingRepository, *, now: datetime) -> int:
    """Release every hold past its expiry, a batch per transaction. The schedule runs this so
    a slot frees up even when Stripe's expiry event never arrives."""
    before = now - RELEASE_MARGIN
    released = 0
    while True:

        def batch(tx: Transaction) -> int:
            ids = billing.expired_holds(tx, before=before, limit=SWEEP_BATCH)
            for appointment_id in ids:
                release(
                    billing,
                    tx,
                    appointment_id,
                    actor_id="job:payment_holds",
                    reason="payment not completed in time",
                )
            return len(ids)

        done = billing.db.transaction(batch)
        released += done
        if done < SWEEP_BATCH:
            break
    if released:
        logger.info("payment holds released", extra={"released": released})
    return released


def _paid_messages(
    deps: PaymentDependencies, row: dict[str, Any], after: Appointment
) -> list[dict[str, Any]]:
    amount: Decimal | None = row["amount_due"]
    audience = Audience(
        appointment_id=row["id"],
        professional=Party(
            row["professional_name"], row["professional_phone"], row["professional_email"]
        ),
        client=Party(row["client_name"], row["client_phone"], row["client_email"]),
        timezone=row["timezone"],
        locale=row["locale"],
        manage_url=deps.links.manage_url(row["id"], after.ends_at),
    )
    return paid_booking_messages(
        after,
        audience,
        amount=f"{amount or Decimal(0):.2f}",
        currency=row["currency"].strip(),
        paid_at=deps.clock(),
    )
