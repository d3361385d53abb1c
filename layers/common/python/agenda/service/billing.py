"""Plans sold as Stripe subscriptions: Checkout and the billing portal for the signed-in
professional, and a subscription's state applied to the professional's plan.

A subscription's state is always taken from Stripe itself (fetched when an event about it
arrives), never from the event's copy: events arrive late, twice and out of order, and the
fetched state is the newest whatever the order. agenda.domain.billing decides what the stored
state becomes; agenda.domain.plans what it allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.billing import (
    SUBSCRIBED,
    SubscriptionSnapshot,
    apply_subscription,
    plan_activated,
)
from agenda.domain.errors import InvalidTransition, NotFound
from agenda.domain.messages import to_both_channels
from agenda.domain.plans import effective_plan
from agenda.observability import count, logger

if TYPE_CHECKING:
    from agenda.service.ports import BillingStores, Clock, RateLimiter, Stripe, UnitOfWork
    from agenda.service.records import BillingAccount

# How the plans are called in messages to professionals.
PLAN_NAMES = {"free": "Gratuito", "basic": "Básico", "pro": "Pro", "premium": "Premium"}
# Repeated clicks within this window reuse one Checkout Session (Stripe's idempotency key).
_CHECKOUT_WINDOW_SECONDS = 600


@dataclass(frozen=True, slots=True)
class BillingDependencies:
    uow: UnitOfWork[BillingStores]
    stripe: Stripe
    limiter: RateLimiter | None  # None for Stripe's own calls (the webhook)
    clock: Clock
    app_base_url: str


def parse_plan(body: dict[str, Any]) -> str:
    from agenda.contract import CheckoutRequest, validate

    return validate(CheckoutRequest, body).plan


def _limit(deps: BillingDependencies, user_id: str) -> None:
    if deps.limiter is not None:
        deps.limiter.check(user_id)


def _professional(deps: BillingDependencies, user_id: str) -> BillingAccount:
    account = deps.uow.read(lambda stores: stores.billing.for_user(user_id))
    if account is None:
        raise NotFound("No professional account for this sign-in")
    return account


def start_checkout(
    deps: BillingDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/stripe/checkout: a Checkout Session for a plan, for the Stripe customer of the
    professional (created on the first checkout and kept)."""
    _limit(deps, user_id)
    plan = parse_plan(body)
    account = _professional(deps, user_id)
    if account.state.subscription_status in SUBSCRIBED:
        raise InvalidTransition(
            "You already have a subscription: change or cancel it in the billing portal"
        )
    customer = account.stripe_customer_id
    if customer is None:
        customer = deps.stripe.create_customer(
            account.id, name=account.contact.name, email=account.contact.email
        )
        created = customer
        deps.uow.run(lambda stores: stores.billing.set_customer(account.id, created))
    window = int(deps.clock().timestamp()) // _CHECKOUT_WINDOW_SECONDS
    # The key names the subscription state the checkout starts from: a retried click gets the
    # same session, while a checkout after a subscription ended (one that was paid, then
    # cancelled, inside the window) is a new, payable one.
    state = account.state
    since = f"{state.subscription_id or 'none'}-{state.subscription_status}"
    session = deps.stripe.subscription_checkout(
        professional_id=account.id,
        customer=customer,
        plan=plan,
        request_key=f"checkout-{account.id}-{plan}-{window}-{since}",
        locale=account.locale,
    )
    count("CheckoutStarted", plan=plan)
    logger.info(
        "checkout started",
        extra={"professional_id": str(account.id), "plan": plan, "session_id": session.id},
    )
    return {"url": session.url, "sessionId": session.id}


def open_portal(deps: BillingDependencies, *, user_id: str) -> dict[str, Any]:
    """POST /api/stripe/portal: the billing portal of the professional's Stripe customer."""
    _limit(deps, user_id)
    account = _professional(deps, user_id)
    if account.stripe_customer_id is None:
        raise InvalidTransition("There is no billing account yet: choose a plan first")
    return {"url": deps.stripe.portal(account.stripe_customer_id)}


def apply_snapshot(
    deps: BillingDependencies,
    stores: BillingStores,
    snapshot: SubscriptionSnapshot,
    *,
    failed_invoice: str | None = None,
) -> str:
    """Store a subscription's current state on its professional, in the caller's transaction.
    Queues "plan activated" when this starts a plan, and "payment failed" (once per invoice)
    for a failed invoice. Answers the outcome."""
    account = stores.billing.lock(
        professional_id=_uuid(snapshot.professional_id), customer=snapshot.customer
    )
    if account is None:
        logger.warning(
            "subscription of an unknown customer",
            extra={"subscription_id": snapshot.id, "customer": snapshot.customer},
        )
        return "unknown_customer"
    now = deps.clock()
    before = account.state
    after = apply_subscription(before, snapshot, now=now)
    envelopes: list[dict[str, Any]] = []
    outcome = "unchanged"
    if after is not None:
        outcome = "applied"
        stores.billing.save(account.id, after, customer=snapshot.customer)
        was, plan = effective_plan(before.account(), now), effective_plan(after.account(), now)
        count("SubscriptionChanged", status=after.subscription_status)
        logger.info(
            "subscription applied",
            extra={
                "professional_id": str(account.id),
                "subscription_id": snapshot.id,
                "status": after.subscription_status,
                "plan": plan.plan,
                "state": plan.state,
            },
        )
        if plan_activated(was, plan):
            envelopes += to_both_channels(
                account.contact,
                audience="professional",
                template="plan_activated",
                # One message per activation: the professional's row lock orders them.
                subject_id=f"{snapshot.id}:{plan.plan}",
                version=int(now.timestamp()),
                params={
                    "professionalName": account.contact.name,
                    "planName": PLAN_NAMES[plan.plan],
                    "locale": account.locale,
                },
            )
    if failed_invoice is not None and snapshot.id == (after or before).subscription_id:
        envelopes += to_both_channels(
            account.contact,
            audience="professional",
            template="payment_failed",
            # Stripe retries a failing invoice several times: one message per invoice.
            subject_id=failed_invoice,
            version=0,
            params={
                "professionalName": account.contact.name,
                "planName": PLAN_NAMES.get(snapshot.plan or before.plan, before.plan),
                "portalUrl": f"{deps.app_base_url}/billing",
                "locale": account.locale,
            },
        )
        count("SubscriptionPaymentFailed")
    stores.outbox.add([(account.id, envelope) for envelope in envelopes])
    return outcome


def _uuid(value: str | None) -> UUID | None:
    if value is None:
        return None
    try:
        return UUID(value)
    except ValueError:
        return None
