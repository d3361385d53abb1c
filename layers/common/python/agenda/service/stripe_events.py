"""POST /api/stripe/webhook: Stripe's events, verified and applied once each.

In order:
1. The signature is checked over the exact bytes Stripe sent (agenda.domain.stripe_signature),
   with the timestamp within the tolerance either way. Anything else is a 400 and changes
   nothing.
2. An event type we do not act on is acknowledged and forgotten.
3. What an event needs from Stripe is fetched before any transaction: a subscription's current
   state, whatever the event carried (events come late, twice and out of order; the fetched
   state is the newest).
4. One transaction records the event id as processed and applies its effect, with the messages
   it causes. A second delivery finds the id and changes nothing; a concurrent one waits for the
   first to commit. An error rolls everything back and answers 5xx, so Stripe retries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.errors import ValidationFailed
from agenda.observability import count, logger
from agenda.service import billing, payments

if TYPE_CHECKING:
    from agenda.service.ports import UnitOfWork, WebhookStores
    from agenda.settings import StripeSettings

# What an event does in the transaction that records it; answers the outcome.
type Effect = Callable[["WebhookStores"], str]

SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
HANDLED = SUBSCRIPTION_EVENTS | {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "invoice.paid",
    "invoice.payment_failed",
    "charge.refunded",
}


class UnknownPrice(RuntimeError):
    """A subscription to a price no plan is configured with: answered 5xx, so Stripe keeps the
    event until the configuration (STRIPE_PRICE_*) is fixed."""


@dataclass(frozen=True, slots=True)
class WebhookDependencies:
    settings: StripeSettings
    uow: UnitOfWork[WebhookStores]
    billing: billing.BillingDependencies
    payments: payments.PaymentDependencies
    wall_clock: Callable[[], float] = time.time


def receive(deps: WebhookDependencies, body: bytes, signature: str | None) -> dict[str, Any]:
    from agenda.domain.stripe_signature import verify_signature

    try:
        verify_signature(
            body,
            signature,
            deps.settings.webhook_secrets(),
            now=deps.wall_clock(),
            tolerance_seconds=deps.settings.webhook_tolerance_seconds,
        )
    except ValidationFailed:
        count("StripeWebhookRejected")
        raise
    event = _parse(body)
    event_id, event_type, obj = event["id"], event["type"], event["data"]["object"]
    if event_type not in HANDLED:
        return {"received": True}
    if deps.uow.read(lambda stores: stores.billing.event_seen(event_id)):
        count("StripeEventDuplicate", type=event_type)
        return {"received": True, "duplicate": True}
    effect = _effect(deps, event_id, event_type, obj)

    def work(stores: WebhookStores) -> str | None:
        if not stores.billing.claim_event(event_id, event_type, _text(obj.get("id"))):
            return None
        outcome = effect(stores)
        if outcome != "applied":
            stores.billing.set_outcome(event_id, outcome)
        return outcome

    outcome = deps.uow.run(work)
    if outcome is None:
        count("StripeEventDuplicate", type=event_type)
        return {"received": True, "duplicate": True}
    count("StripeEventProcessed", type=event_type, outcome=outcome)
    logger.info(
        "stripe event processed",
        extra={"event_id": event_id, "type": event_type, "outcome": outcome},
    )
    return {"received": True}


def _effect(
    deps: WebhookDependencies, event_id: str, event_type: str, obj: Mapping[str, Any]
) -> Effect:
    """What the event does, with what it needs from Stripe already fetched."""
    actor = f"stripe:{event_id}"
    if event_type in SUBSCRIPTION_EVENTS:
        return _subscription_effect(deps, _text(obj.get("id")))
    if event_type.startswith("invoice."):
        invoice = _text(obj.get("id")) if event_type == "invoice.payment_failed" else None
        return _subscription_effect(deps, _invoice_subscription(obj), failed_invoice=invoice)
    if event_type == "charge.refunded":
        return _refund_effect(deps, obj, actor)
    # Checkout Sessions: a plan's subscription, or an appointment's payment.
    session_id = _text(obj.get("id"))
    if obj.get("mode") == "subscription":
        if event_type == "checkout.session.completed":
            return _subscription_effect(deps, _id_of(obj.get("subscription")))
        return _outcome("ignored")
    appointment_id = _appointment_id(obj)
    if appointment_id is None or session_id is None:
        return _outcome("not_an_appointment")
    paid = event_type == "checkout.session.async_payment_succeeded" or (
        event_type == "checkout.session.completed" and obj.get("payment_status") == "paid"
    )
    if paid:
        intent = _id_of(obj.get("payment_intent"))
        return lambda stores: payments.settle(
            deps.payments,
            stores,
            appointment_id,
            session_id=session_id,
            payment_intent=intent,
            actor_id=actor,
        )
    if event_type == "checkout.session.completed":
        # Pix: the session is complete, the money is not there yet (async_payment_* follows).
        return _outcome("awaiting_payment")
    failed = event_type == "checkout.session.async_payment_failed"
    return lambda stores: payments.release(
        stores,
        appointment_id,
        actor_id=actor,
        payment_status="failed" if failed else "none",
        reason="payment failed" if failed else "checkout expired",
    )


def _subscription_effect(
    deps: WebhookDependencies, subscription_id: str | None, *, failed_invoice: str | None = None
) -> Effect:
    from agenda.domain.billing import subscription_from_stripe

    if subscription_id is None:
        return _outcome("no_subscription")
    current = deps.billing.stripe.subscription(subscription_id)
    snapshot = subscription_from_stripe(current, deps.settings.plan_by_price)
    if snapshot.plan is None:
        count("StripeUnknownPrice")
        logger.error(
            "subscription to an unknown price",
            extra={"subscription_id": snapshot.id, "price_id": snapshot.price_id},
        )
        raise UnknownPrice(f"no plan is configured for price {snapshot.price_id}")
    return lambda stores: billing.apply_snapshot(
        deps.billing, stores, snapshot, failed_invoice=failed_invoice
    )


def _refund_effect(deps: WebhookDependencies, charge: Mapping[str, Any], actor: str) -> Effect:
    """A charge refunded, in whole or in part: found by its payment (a subscription's charges
    name no appointment's payment, and change nothing)."""
    intent = _id_of(charge.get("payment_intent"))
    refunded = charge.get("amount_refunded")
    if intent is None or type(refunded) is not int or refunded < 0:
        return _outcome("not_an_appointment")
    return lambda stores: payments.record_refund(
        deps.payments, stores, intent, amount_refunded=refunded, actor_id=actor
    )


def _outcome(outcome: str) -> Effect:
    return lambda _stores: outcome


def _parse(body: bytes) -> dict[str, Any]:
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed("The event is not valid JSON") from exc
    if (
        not isinstance(event, dict)
        or not isinstance(event.get("id"), str)
        or not isinstance(event.get("type"), str)
        or not isinstance(event.get("data"), dict)
        or not isinstance(event["data"].get("object"), dict)
    ):
        raise ValidationFailed("The body is not a Stripe event")
    return event


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _id_of(value: object) -> str | None:
    """An id field that Stripe may have expanded into its object."""
    if isinstance(value, dict):
        return _text(value.get("id"))
    return _text(value)


def _invoice_subscription(invoice: Mapping[str, Any]) -> str | None:
    # Newer API versions name the subscription under parent.subscription_details.
    parent = invoice.get("parent")
    if isinstance(parent, dict):
        details = parent.get("subscription_details")
        if isinstance(details, dict) and details.get("subscription"):
            return _id_of(details["subscription"])
    return _id_of(invoice.get("subscription"))


def _appointment_id(session: Mapping[str, Any]) -> UUID | None:
    metadata = session.get("metadata")
    raw = metadata.get("appointment_id") if isinstance(metadata, dict) else None
    try:
        return UUID(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
