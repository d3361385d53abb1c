"""Stripe subscriptions as domain facts, and what they change in a professional's stored plan.

Pure rules over plain values. A webhook only says that a subscription changed; the service
fetches the subscription from Stripe, reads it (``subscription_from_stripe``) and asks
``apply_subscription`` what the professional's stored billing columns become. Because the
snapshot is the subscription's current state, not the event's, events that arrive late, twice
or out of order all lead to the same row.

Rules of ``apply_subscription``:

1. The same subscription as the stored one (or none stored): the snapshot's facts are taken.
   The plan is the one its price maps to (kept when the price is not one of ours); the trial's
   end is kept when the snapshot has none; ``past_due_since`` is when we first saw this
   subscription past due (kept while it stays past due, cleared when it leaves).
2. A different subscription than the stored one (a customer who resubscribes has a new one):
   a. one that has ended (``canceled``, ``incomplete_expired``) never replaces another;
   b. a live one replaces a stored one that has ended, is ``unpaid`` or is ``none``;
   c. otherwise one that bills (``active``, ``trialing``, ``past_due``) wins over one that
      does not (a second checkout abandoned half way, ``incomplete``, must not take away the
      plan being paid for), then the one created later (on the same second, the greater id),
      so the answer does not depend on the order the events came in.
3. Nothing to write (``None``) when the answer is the stored state itself.

``plan_activated`` says when a change of effective plan is an activation worth telling the
professional about: a new subscription, a change of plan, a return from free or a trial. A
payment that recovers during the grace period is not one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from agenda.domain.plans import SUBSCRIPTION_STATUSES, Account, EffectivePlan

# The statuses Stripe itself reports ("none" is ours: never subscribed).
STRIPE_STATUSES = tuple(status for status in SUBSCRIPTION_STATUSES if status != "none")
# Subscriptions that are over for good: Stripe never revives them.
ENDED = frozenset({"canceled", "incomplete_expired"})
# Subscriptions the professional is paying for (or trialling through Stripe).
BILLING = frozenset({"active", "trialing", "past_due"})
# Subscriptions that have not ended (they bill, or may again): a second Checkout would start a
# second subscription, so a plan change goes through the billing portal instead.
SUBSCRIBED = frozenset(STRIPE_STATUSES) - ENDED
# Stored subscriptions that any live one of the professional replaces, whatever their age:
# an unpaid one has stopped charging, and a live newcomer is the one being paid.
REPLACEABLE = ENDED | {"unpaid", "none"}


@dataclass(frozen=True, slots=True)
class SubscriptionSnapshot:
    """A Stripe subscription as it is now. Instants are aware."""

    id: str
    customer: str
    status: str
    price_id: str | None
    plan: str | None  # from the price map; None when the price is not one of ours
    created: datetime
    current_period_end: datetime | None
    trial_end: datetime | None
    cancel_at_period_end: bool
    professional_id: str | None  # metadata.professional_id

    def __post_init__(self) -> None:
        if self.status not in STRIPE_STATUSES:
            raise ValueError(f"unknown subscription status {self.status!r}")
        for name in ("created", "current_period_end", "trial_end"):
            _check_aware(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class BillingState:
    """The professional's stored subscription columns. Instants are aware."""

    plan: str
    subscription_id: str | None = None
    subscription_status: str = "none"
    subscription_created: datetime | None = None
    trial_ends_at: datetime | None = None
    past_due_since: datetime | None = None
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False

    def __post_init__(self) -> None:
        if self.subscription_status not in SUBSCRIPTION_STATUSES:
            raise ValueError(f"unknown subscription status {self.subscription_status!r}")
        for name in (
            "subscription_created",
            "trial_ends_at",
            "past_due_since",
            "current_period_end",
        ):
            _check_aware(name, getattr(self, name))

    def account(self) -> Account:
        """The facts ``agenda.domain.plans.effective_plan`` reads."""
        return Account(
            plan=self.plan,
            subscription_status=self.subscription_status,
            trial_ends_at=self.trial_ends_at,
            past_due_since=self.past_due_since,
        )


def subscription_from_stripe(
    obj: Mapping[str, Any], plan_by_price: Mapping[str, str]
) -> SubscriptionSnapshot:
    """A Stripe subscription object (its JSON, as a dict) as a snapshot, or ValueError naming
    what is missing or malformed.

    ``customer`` and the price may be ids or expanded objects. ``current_period_end`` is read
    from the subscription, or from its first item, where newer API versions moved it.
    """
    if not isinstance(obj, Mapping):
        raise ValueError("a subscription must be an object")
    subscription_id = _required(_text(obj, "id"), "id")
    customer = _required(_id_of(obj.get("customer"), "customer"), "customer")
    status = _required(_text(obj, "status"), "status")
    if status not in STRIPE_STATUSES:
        raise ValueError(f"unknown subscription status {status!r}")
    created = _required(_instant(obj.get("created"), "created"), "created")
    item = _first_item(obj)
    price_id = _id_of(item.get("price"), "items.data[0].price") if item is not None else None
    period_end = obj.get("current_period_end")
    if period_end is None and item is not None:
        period_end = item.get("current_period_end")
    cancel_at_period_end = obj.get("cancel_at_period_end", False)
    if not isinstance(cancel_at_period_end, bool):
        raise ValueError("cancel_at_period_end must be a boolean")
    metadata = obj.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, Mapping):
        raise ValueError("metadata must be an object")
    return SubscriptionSnapshot(
        id=subscription_id,
        customer=customer,
        status=status,
        price_id=price_id,
        plan=plan_by_price.get(price_id) if price_id is not None else None,
        created=created,
        current_period_end=_instant(period_end, "current_period_end"),
        trial_end=_instant(obj.get("trial_end"), "trial_end"),
        cancel_at_period_end=cancel_at_period_end,
        professional_id=_text(metadata, "professional_id", field="metadata.professional_id"),
    )


def apply_subscription(
    state: BillingState, snap: SubscriptionSnapshot, *, now: datetime
) -> BillingState | None:
    """The stored state after learning ``snap``, the subscription's current state, or None
    when nothing must change (rules 1 to 3 of the module)."""
    _check_aware("now", now)
    same = state.subscription_id is None or state.subscription_id == snap.id
    if not same:
        if snap.status in ENDED:
            return None
        if state.subscription_status not in REPLACEABLE and not _outranks(snap, state):
            return None
    past_due_since = None
    if snap.status == "past_due":
        already = (
            state.subscription_id == snap.id
            and state.subscription_status == "past_due"
            and state.past_due_since is not None
        )
        past_due_since = state.past_due_since if already else now
    after = replace(
        state,
        plan=snap.plan if snap.plan is not None else state.plan,
        subscription_id=snap.id,
        subscription_status=snap.status,
        subscription_created=snap.created,
        trial_ends_at=snap.trial_end if snap.trial_end is not None else state.trial_ends_at,
        past_due_since=past_due_since,
        current_period_end=snap.current_period_end,
        cancel_at_period_end=snap.cancel_at_period_end,
    )
    return None if after == state else after


def plan_activated(before: EffectivePlan, after: EffectivePlan) -> bool:
    """Whether going from ``before`` to ``after`` activates a paid plan: ``after`` is active
    and ``before`` was neither active nor in grace on that same plan."""
    if after.state != "active":
        return False
    return not (before.plan == after.plan and before.state in ("active", "grace"))


def _outranks(snap: SubscriptionSnapshot, state: BillingState) -> bool:
    """Rule 2c: billing first, then the later creation, then the greater id. A stored
    subscription whose creation we never recorded counts as the older one."""
    if state.subscription_created is None:
        return True
    stored = (
        state.subscription_status in BILLING,
        _utc(state.subscription_created),
        state.subscription_id or "",
    )
    return (snap.status in BILLING, _utc(snap.created), snap.id) > stored


def _first_item(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    items = obj.get("items")
    if items is None:
        return None
    if not isinstance(items, Mapping):
        raise ValueError("items must be a list object")
    data = items.get("data")
    if data is None:
        return None
    if not isinstance(data, list):
        raise ValueError("items.data must be a list")
    if not data:
        return None
    if not isinstance(data[0], Mapping):
        raise ValueError("items.data[0] must be an object")
    return data[0]


def _id_of(value: Any, field: str) -> str | None:
    """An id given as such or as an expanded object carrying it."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return _required(_text(value, "id", field=f"{field}.id"), f"{field}.id")
    if isinstance(value, str):
        return value or None
    raise ValueError(f"{field} must be an id or an object with one")


def _text(obj: Mapping[str, Any], key: str, *, field: str = "") -> str | None:
    """A string field; None when it is absent or empty."""
    value = obj.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{field or key} must be a string")
    return value or None


def _instant(value: Any, field: str) -> datetime | None:
    if value is None:
        return None
    # bool is an int to Python, never a timestamp to Stripe.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field} must be unix seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"{field} is out of range") from None


def _required[T](value: T | None, field: str) -> T:
    if value is None:
        raise ValueError(f"the subscription has no {field}")
    return value


def _check_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
