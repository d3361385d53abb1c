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
  payment for a booking a person cancelled or rejected meanwhile is refunded too. The client is
  told of the refund.
- Refunded in Stripe's dashboard (charge.refunded for a payment no change here gave back):
  `record_refund` records it on the appointment and in its audit trail, tells the client and
  leaves the professional an in-app notice. A refund made here is already recorded.

A booking that is paid is the professional's first word of it: its in-app notice is written
with the payment, as a booking without payment writes it with the booking.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain import notices
from agenda.domain.appointment_messages import (
    MessageContext,
    paid_booking_messages,
    refund_messages,
)
from agenda.domain.errors import SlotTaken
from agenda.domain.lifecycle import refund_reported, reinstate_paid, release_hold, settle_payment
from agenda.domain.money import decimal_places
from agenda.observability import count, logger
from agenda.service.records import PaymentChange

if TYPE_CHECKING:
    from agenda.domain.lifecycle import Appointment
    from agenda.service.links import GuestLinks
    from agenda.service.ports import Clock, PaymentStores, Stripe, UnitOfWork
    from agenda.service.records import PaymentRecord

# A hold is released this long after its session expired: a payment made in the session's
# last moment is reported first (and if it is reported later still, it is reinstated or
# refunded).
RELEASE_MARGIN = timedelta(minutes=2)
SWEEP_BATCH = 200


@dataclass(frozen=True, slots=True)
class PaymentDependencies:
    stripe: Stripe
    links: GuestLinks
    clock: Clock


def settle(
    deps: PaymentDependencies,
    stores: PaymentStores,
    appointment_id: UUID,
    *,
    session_id: str,
    payment_intent: str | None,
    actor_id: str,
) -> str:
    """Apply a reported payment in the caller's transaction; answer the outcome (for the
    processed-event record). Its messages go out when that transaction commits."""
    record = stores.payments.lock(appointment_id)
    if record is None:
        return "appointment_not_found"
    if record.checkout_session_id != session_id:
        # Metadata naming an appointment that another session pays: not ours to apply.
        logger.warning(
            "checkout session does not match the appointment",
            extra={"appointment_id": str(appointment_id), "session_id": session_id},
        )
        return "session_mismatch"
    facts = record.facts
    change = settle_payment(facts, auto_confirm=record.auto_confirm)
    if change is None and facts.payment_status == "paid":
        return "already_paid"
    if change is None and facts.payment_status == "refunded":
        return "already_refunded"
    if change is not None:
        stores.payments.apply(record, PaymentChange(change, actor_id, payment_intent))
        if facts.status == "pending_payment":
            _announce_paid(deps, stores, record, change.after)
        count("AppointmentPaid", status=change.after.status)
        return "paid"
    # Released by the sweep or Stripe's expiry before the payment was reported: bring the
    # booking back if its time is still free. One a person cancelled or rejected stays so.
    if facts.status == "cancelled" and record.status_changed_by == "system":
        change = reinstate_paid(facts, auto_confirm=record.auto_confirm)
        try:
            with stores.savepoint():
                stores.payments.apply(
                    record,
                    PaymentChange(
                        change,
                        actor_id,
                        payment_intent,
                        reason="paid after the hold was released",
                    ),
                )
            _announce_paid(deps, stores, record, change.after)
            count("AppointmentPaidLate", outcome="reinstated")
            return "reinstated"
        except SlotTaken:
            pass
    if payment_intent is None:
        raise ValueError("a paid session without a payment intent cannot be refunded")
    # Refunded inside the transaction: if the commit fails, Stripe retries the event and the
    # refund's idempotency key makes the second call return the same refund.
    refund = deps.stripe.refund(payment_intent, appointment_id=appointment_id)
    stores.payments.mark_refunded(appointment_id, payment_intent, refund)
    if record.amount_due is not None:
        # The professional never heard of this booking; the client learns their money is back.
        _queue(
            stores,
            record,
            refund_messages(_context(deps, record), record.amount_due, record.facts.starts_at),
        )
    count("AppointmentPaidLate", outcome="refunded")
    logger.warning(
        "payment refunded: the booking was released and its time taken, or ended by a person",
        extra={"appointment_id": str(appointment_id), "refund_id": refund},
    )
    return "refunded"


def release(
    stores: PaymentStores,
    appointment_id: UUID,
    *,
    actor_id: str,
    payment_status: str = "none",
    reason: str,
) -> str:
    """Cancel a booking still waiting for payment, freeing its slot, in the caller's
    transaction. A booking that was paid or changed meanwhile is left alone. Nobody is told:
    the client gave the payment up, and the professional never heard of the booking."""
    record = stores.payments.lock(appointment_id)
    if record is None:
        return "appointment_not_found"
    change = release_hold(record.facts, payment_status=payment_status)
    if change is None:
        return "not_held"
    stores.payments.apply(record, PaymentChange(change, actor_id, reason=reason))
    count("PaymentHoldReleased", reason=reason)
    return "released"


def sweep_expired_holds(uow: UnitOfWork[PaymentStores], *, now: datetime) -> int:
    """Release every hold past its expiry, a batch per transaction. The schedule runs this so
    a slot frees up even when Stripe's expiry event never arrives."""
    before = now - RELEASE_MARGIN
    released = 0
    while True:

        def batch(stores: PaymentStores) -> int:
            ids = stores.payments.expired_holds(before=before, limit=SWEEP_BATCH)
            for appointment_id in ids:
                release(
                    stores,
                    appointment_id,
                    actor_id="job:payment_holds",
                    reason="payment not completed in time",
                )
            return len(ids)

        done = uow.run(batch)
        released += done
        if done < SWEEP_BATCH:
            break
    if released:
        logger.info("payment holds released", extra={"released": released})
    return released


def record_refund(
    deps: PaymentDependencies,
    stores: PaymentStores,
    payment_intent: str,
    *,
    amount_refunded: int,
    actor_id: str,
) -> str:
    """A refund Stripe reported (``amount_refunded``: the payment's total given back so far, in
    minor units), in the caller's transaction; answers the outcome. One this product made, or
    one already recorded, changes nothing."""
    record = stores.payments.lock_by_payment(payment_intent)
    if record is None:
        return "appointment_not_found"
    if record.amount_due is None:
        return "not_paid_online"
    refunded = Decimal(amount_refunded).scaleb(-decimal_places(record.currency))
    if record.facts.payment_status == "refunded" or (
        record.refunded_amount is not None and refunded <= record.refunded_amount
    ):
        return "already_refunded"
    change = refund_reported(record.facts, full=refunded >= record.amount_due)
    if change is None:
        return "not_paid"
    stores.payments.apply(
        record,
        PaymentChange(
            change,
            actor_id,
            payment_intent,
            reason="refunded in Stripe",
            refunded_amount=refunded,
        ),
    )
    context = _context(deps, record)
    _queue(stores, record, refund_messages(context, refunded, record.facts.starts_at))
    stores.notices.add(
        record.professional_id,
        [
            notices.refund_in_stripe(
                record.id,
                record.client.name,
                _money(refunded, record.currency, record.locale),
                record.facts.starts_at,
                record.timezone,
                locale=record.locale,
            )
        ],
    )
    count("AppointmentRefundedInStripe", full=str(change.after.payment_status == "refunded"))
    return "refunded" if change.after.payment_status == "refunded" else "partially_refunded"


def _money(amount: Decimal, currency: str, locale: str) -> str:
    from agenda.domain.messages import locale_for

    return locale_for(locale).money(amount, currency)


def _queue(stores: PaymentStores, record: PaymentRecord, envelopes: list[dict[str, Any]]) -> None:
    stores.outbox.add([(record.professional_id, envelope) for envelope in envelopes])


def _context(
    deps: PaymentDependencies, record: PaymentRecord, *, register: bool = False
) -> MessageContext:
    ends_at = record.facts.ends_at
    return MessageContext(
        appointment_id=record.id,
        professional=record.professional,
        client=record.client,
        timezone=record.timezone,
        locale=record.locale,
        manage_url=deps.links.manage_url(record.id, ends_at),
        dashboard_url=deps.links.dashboard_url(),
        register_url=(
            deps.links.register_url(record.client_id, deps.clock())
            if register and record.client_user_id is None
            else None
        ),
        currency=record.currency,
    )


def _announce_paid(
    deps: PaymentDependencies, stores: PaymentStores, record: PaymentRecord, after: Appointment
) -> None:
    """The messages a booking held for payment waited for, and the professional's notice."""
    envelopes = paid_booking_messages(
        after,
        _context(deps, record, register=True),
        amount=f"{record.amount_due or Decimal(0):.2f}",
        currency=record.currency,
        paid_at=deps.clock(),
    )
    _queue(stores, record, envelopes)
    stores.notices.add(
        record.professional_id,
        [
            notices.paid_booking(
                record.id,
                record.client.name,
                after.starts_at,
                record.timezone,
                status=after.status,
                locale=record.locale,
            )
        ],
    )
