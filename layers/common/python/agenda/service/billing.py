"""Plans sold as Stripe subscriptions: Checkout and the billing portal for the signed-in
professional, and a subscription's state applied to the professional's plan.

A subscription's state is always taken from Stripe itself (fetched when an event about it
arrives), never from the event's copy: events arrive late, twice and out of order, and the
fetched state is the newest whatever the order. agenda.domain.billing decides what the stored
state becomes; agenda.domain.plans what it allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.billing import (
    ENDED,
    STRIPE_STATUSES,
    BillingState,
    SubscriptionSnapshot,
    apply_subscription,
    plan_activated,
)
from agenda.domain.errors import InvalidTransition, NotFound
from agenda.domain.messages import Party, to_both_channels
from agenda.domain.plans import effective_plan
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.adapters.billing import BillingRepository
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.adapters.ratelimit import RateLimiter
    from agenda.adapters.repository import OutboxMessage
    from agenda.adapters.stripe_api import StripeApi

# How the plans are called in messages to professionals.
PLAN_NAMES = {"free": "Gratuito", "basic": "Básico", "pro": "Pro", "premium": "Premium"}
# Subscriptions that have not ended (they bill, or may again): a second Checkout would start a
# second subscription, so a plan change goes through the billing portal instead.
_SUBSCRIBED = frozenset(STRIPE_STATUSES) - ENDED
# Repeated clicks within this window reuse one Checkout Session (Stripe's idempotency key).
_CHECKOUT_WINDOW_SECONDS = 600


@dataclass(frozen=True, slots=True)
class BillingDependencies:
    billing: BillingRepository
    stripe: StripeApi
    limiter: RateLimiter | None  # None for Stripe's own calls (the webhook)
    publisher: Publisher
    clock: Callable[[], datetime]
    app_base_url: str


def billing_state(row: dict[str, Any]) -> BillingState:
    return BillingState(
        plan=row["plan"],
        subscription_id=row["stripe_subscription_id"],
        subscription_status=row["subscription_status"],
        subscription_created=row["subscription_created_at"],
        trial_ends_at=row["trial_ends_at"],
        past_due_since=row["past_due_since"],
        current_period_end=row["subscription_period_end"],
        cancel_at_period_end=row["subscription_cancel_at_period_end"],
    )


def parse_plan(body: dict[str, Any]) -> str:
    from agenda.contract import CheckoutRequest, validate

    return validate(CheckoutRequest, body).plan


def _limit(deps: BillingDependencies, user_id: str) -> None:
    if deps.limiter is not None:
        deps.limiter.check(user_id)


def _professional(deps: BillingDependencies, user_id: str) -> dict[str, Any]:
    row = deps.billing.for_user(user_id)
    if row is None:
        raise NotFound("No professional account for this sign-in")
    return row


def start_checkout(
    deps: BillingDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/stripe/checkout: a Checkout Session for a plan, for the Stripe customer of the
    professional (created on the first checkout and kept)."""
    _limit(deps, user_id)
    plan = parse_plan(body)
    row = _professional(deps, user_id)
    if row["subscription_status"] in _SUBSCRIBED:
        raise InvalidTransition(
            "You already have a subscription: change or cancel it in the billing portal"
        )
    customer = row["stripe_customer_id"]
    if customer is None:
        customer = deps.stripe.create_customer(row["id"], name=row["name"], email=row["email"])
        deps.billing.set_customer(row["id"], customer)
    window = int(deps.clock().timestamp()) // _CHECKOUT_WINDOW_SECONDS
    session = deps.stripe.subscription_checkout(
        professional_id=row["id"],
        customer=customer,
        plan=plan,
        request_key=f"checkout-{row['id']}-{plan}-{window}",
    )
    count("CheckoutStarted", plan=plan)
    logger.info(
        "checkout started",
        extra={"professional_id": str(row["id"]), "plan": plan, "session_id": session.id},
    )
    return {"url": session.url, "sessionId": session.id}


def open_portal(deps: BillingDependencies, *, user_id: str) -> dict[str, Any]:
    """POST /api/stripe/portal: the billing portal of the professional's Stripe customer."""
    _limit(deps, user_id)
    row = _professional(deps, user_id)
    if row["stripe_customer_id"] is None:
        raise InvalidTransition("There is no billing account yet: choose a plan first")
    return {"url": deps.stripe.portal(row["stripe_customer_id"])}


def apply_snapshot(
    deps: BillingDependencies,
    tx: Transaction,
    snapshot: SubscriptionSnapshot,
    *,
    failed_invoice: str | None = None,
) -> tuple[str, list[OutboxMessage]]:
    """Store a subscription's current state on its professional, in the caller's transaction.
    Queues "plan activated" when this starts a plan, and "payment failed" (once per invoice)
    for a failed invoice. Answers the outcome and the messages to dispatch after the commit."""
    from agenda.adapters.repository import Repository

    professional_id = _uuid(snapshot.professional_id)
    row = deps.billing.lock_billing(tx, professional_id=professional_id, customer=snapshot.customer)
    if row is None:
        logger.warning(
            "subscription of an unknown customer",
            extra={"subscription_id": snapshot.id, "customer": snapshot.customer},
        )
        return "unknown_customer", []
    now = deps.clock()
    before = billing_state(row)
    after = apply_subscription(before, snapshot, now=now)
    professional = Party(row["name"], row["phone"], row["email"])
    envelopes: list[dict[str, Any]] = []
    outcome = "unchanged"
    if after is not None:
        outcome = "applied"
        deps.billing.save_billing(tx, row["id"], after, customer=snapshot.customer)
        was, plan = effective_plan(before.account(), now), effective_plan(after.account(), now)
        count("SubscriptionChanged", status=after.subscription_status)
        logger.info(
            "subscription applied",
            extra={
                "professional_id": str(row["id"]),
                "subscription_id": snapshot.id,
                "status": after.subscription_status,
                "plan": plan.plan,
                "state": plan.state,
            },
        )
        if plan_activated(was, plan):
            envelopes += to_both_channels(
                professional,
                audience="professional",
                template="plan_activated",
                # One message per activation: the professional's row lock orders them.
                subject_id=f"{snapshot.id}:{plan.plan}",
                version=int(now.timestamp()),
                params={
                    "professionalName": row["name"],
                    "planName": PLAN_NAMES[plan.plan],
                    "locale": row["locale"],
                },
            )
    if failed_invoice is not None and snapshot.id == (after or before).subscription_id:
        envelopes += to_both_channels(
            professional,
            audience="professional",
            template="payment_failed",
            # Stripe retries a failing invoice several times: one message per invoice.
            subject_id=failed_invoice,
            version=0,
            params={
                "professionalName": row["name"],
                "planName": PLAN_NAMES.get(snapshot.plan or row["plan"], row["plan"]),
                "portalUrl": f"{deps.app_base_url}/billing",
                "locale": row["locale"],
            },
        )
        count("SubscriptionPaymentFailed")
    return outcome, Repository.enqueue(tx, row["id"], envelopes)


def _uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
