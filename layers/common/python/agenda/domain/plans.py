"""Plans: what each allows, which one applies to a professional right now, and the rate limits
that protect the routes.

Pure rules over plain values. The stored billing facts of a professional (``Account``: the plan,
the Stripe subscription's status, the sign-up trial's end, when the subscription was first seen
past due) give the plan whose limits apply at an instant (``effective_plan``):

1. An unknown plan name is always free: never unlimited by mistake. ``free`` is free too,
   except during a sign-up trial (``trial_ends_at`` ahead): a new professional tries the paid
   plans' limits for 14 days without a card, as ``SIGN_UP_TRIAL_PLAN`` in state trial, and is
   free again when it ends, whatever Stripe says of a subscription that never was.
2. ``active``: the paid plan.
3. ``trialing`` (a trial on Stripe's side): the paid plan, in state trial until
   ``trial_ends_at``. Stripe says when the trial is over, by changing the status.
4. ``past_due``: the paid plan, in state grace, for ``GRACE_PERIOD`` after the subscription was
   first seen past due (not known yet counts as now), so a card that failed once does not lock
   a professional's clients out at once; after that, free.
5. Any other status (``none``: never subscribed; ``incomplete``, ``incomplete_expired``,
   ``canceled``, ``unpaid``, ``paused``): the sign-up trial (no card) of the paid plan while
   ``trial_ends_at`` is ahead, else free.

Periods are half-open: at exactly the trial's end, or the grace's end, that state is over.
Instants are timezone-aware; the answer's are in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Literal, get_args

from agenda.domain.errors import PlanLimitReached

PaidPlan = Literal["basic", "pro", "premium"]
Plan = Literal["free", PaidPlan]
PLANS: tuple[Plan, ...] = get_args(Plan)
PAID_PLANS: tuple[PaidPlan, ...] = get_args(PaidPlan)
# How long past_due keeps the paid plan after we first saw it past due: Stripe's smart retries
# try the card again over about a week, and most failed renewals recover within that.
GRACE_PERIOD = timedelta(days=7)
# "none": never subscribed. The rest are Stripe's subscription statuses.
SUBSCRIPTION_STATUSES = (
    "none",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "active",
    "past_due",
    "canceled",
    "unpaid",
    "paused",
)

EffectiveState = Literal["trial", "active", "grace", "free"]
# The plan a sign-up trial lends its limits from (every paid plan has the same limits today;
# this one names them in the account's answer).
SIGN_UP_TRIAL_PLAN: PaidPlan = "pro"


@dataclass(frozen=True, slots=True)
class PlanLimits:
    max_clients: int | None  # None: unlimited
    max_appointments_per_month: int | None


PLAN_LIMITS: Mapping[str, PlanLimits] = MappingProxyType(
    {
        "free": PlanLimits(max_clients=10, max_appointments_per_month=20),
        "basic": PlanLimits(max_clients=None, max_appointments_per_month=None),
        "pro": PlanLimits(max_clients=None, max_appointments_per_month=None),
        "premium": PlanLimits(max_clients=None, max_appointments_per_month=None),
    }
)


@dataclass(frozen=True, slots=True)
class Account:
    """A professional's stored billing facts. Instants are aware."""

    plan: str  # the plan subscribed to, or the one being trialled
    subscription_status: str = "none"
    trial_ends_at: datetime | None = None  # the sign-up trial (no card)
    past_due_since: datetime | None = None

    def __post_init__(self) -> None:
        if self.subscription_status not in SUBSCRIPTION_STATUSES:
            raise ValueError(f"unknown subscription status {self.subscription_status!r}")
        _check_aware("trial_ends_at", self.trial_ends_at)
        _check_aware("past_due_since", self.past_due_since)


@dataclass(frozen=True, slots=True)
class EffectivePlan:
    """The plan whose limits apply, and why."""

    plan: str  # "free" in state free
    state: EffectiveState
    limits: PlanLimits
    # When this state ends by itself (trial end, grace end), in UTC: an instant in a zone's
    # skipped hour never equals the same instant written in another zone (PEP 495).
    until: datetime | None


FREE = EffectivePlan(plan="free", state="free", limits=PLAN_LIMITS["free"], until=None)


def limits_for(plan: str) -> PlanLimits:
    # An unknown plan name is treated as the most restrictive one, never as unlimited.
    return PLAN_LIMITS.get(plan, PLAN_LIMITS["free"])


def effective_plan(account: Account, now: datetime) -> EffectivePlan:
    """The plan whose limits apply at ``now`` (rules 1 to 5 of the module)."""
    _check_aware("now", now)
    plan, status = account.plan, account.subscription_status
    if plan == "free" and account.trial_ends_at is not None:
        sign_up_ends = _utc(account.trial_ends_at)
        if _utc(now) < sign_up_ends:
            return EffectivePlan(
                SIGN_UP_TRIAL_PLAN, "trial", limits_for(SIGN_UP_TRIAL_PLAN), sign_up_ends
            )
    if plan not in PAID_PLANS:
        return FREE
    limits = limits_for(plan)
    trial_ends = None if account.trial_ends_at is None else _utc(account.trial_ends_at)
    if status == "active":
        return EffectivePlan(plan, "active", limits, None)
    if status == "trialing":
        return EffectivePlan(plan, "trial", limits, trial_ends)
    if status == "past_due":
        # In UTC: Python adds wall time within a zone, and across a clock change that is not
        # the same number of hours.
        grace_ends = _utc(account.past_due_since or now) + GRACE_PERIOD
        if _utc(now) < grace_ends:
            return EffectivePlan(plan, "grace", limits, grace_ends)
        return FREE
    if trial_ends is not None and _utc(now) < trial_ends:
        return EffectivePlan(plan, "trial", limits, trial_ends)
    return FREE


def check_booking_allowed(
    limits: PlanLimits, *, existing_client: bool, clients: int, appointments_this_month: int
) -> None:
    """Raise PlanLimitReached when this booking would exceed the professional's plan.

    An existing client may always book again: the caps exist to limit growth on a free plan,
    not to lock out the people a professional already serves.
    """
    if existing_client:
        return
    if limits.max_clients is not None and clients >= limits.max_clients:
        raise PlanLimitReached(
            "This professional is not accepting new clients at the moment", limit="clients"
        )
    if (
        limits.max_appointments_per_month is not None
        and appointments_this_month >= limits.max_appointments_per_month
    ):
        raise PlanLimitReached(
            "This professional has no more bookings available this month", limit="appointments"
        )


def check_new_client_allowed(limits: PlanLimits, *, clients: int) -> None:
    """Raise PlanLimitReached when the professional's plan has no room for one more client.

    The cap a booking meets, met by a client added by hand too: a client added by hand books
    again as an existing client, so adding them would otherwise step round the cap."""
    if limits.max_clients is not None and clients >= limits.max_clients:
        raise PlanLimitReached(
            "Your plan's client limit is reached: change your plan to add more clients",
            limit="clients",
        )


@dataclass(frozen=True, slots=True)
class RateLimit:
    max_requests: int
    window_seconds: int
    # Whose budget: the client IP (public routes), the JWT subject (signed-in routes), or a
    # phone or email a public route sends to (keyed, never in clear).
    # The default keeps limits built before this field existed counting per address.
    per: Literal["ip", "user", "contact"] = "ip"

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.window_seconds < 1:
            raise ValueError("a rate limit needs at least one request in a window of a second")
        if self.per not in ("ip", "user", "contact"):
            raise ValueError(f"unknown rate limit key {self.per!r}")


RATE_LIMITS: Mapping[str, RateLimit] = MappingProxyType(
    {
        # Booking attempts per client IP: enough for a person who mistypes, not for a bot.
        "booking": RateLimit(max_requests=5, window_seconds=600, per="ip"),
        # Every message is a paid model call: a working session of questions fits in an hour,
        # a script or a stuck client loop stops at a cost we can absorb.
        "ai_chat": RateLimit(max_requests=20, window_seconds=3600, per="user"),
        # Checkout and portal sessions each cost a Stripe API call, and Stripe's rate limit is
        # per account: a person opens a few; one user must not spend everyone's budget.
        "checkout": RateLimit(max_requests=10, window_seconds=3600, per="user"),
        # A chat between professional and client: one message every two seconds keeps a brisk
        # conversation going and stops a script flooding the other side's notifications.
        "messages": RateLimit(max_requests=30, window_seconds=60, per="user"),
        # A guest link visit is a page load and an action or two; reloads fit, a script
        # walking tokens or hammering one link does not.
        "guest": RateLimit(max_requests=30, window_seconds=600, per="ip"),
        # "Send me my links again": a person who lost a message asks once or twice, maybe
        # with a phone and then an email; a script walking contacts from one address stops.
        "guest_links": RateLimit(max_requests=5, window_seconds=600, per="ip"),
        # Each request may message that phone or email: from however many addresses, a
        # contact gets at most three rounds of links an hour.
        "guest_links_contact": RateLimit(max_requests=3, window_seconds=3600, per="contact"),
        # Profile and account changes are rare, and some send a confirmation message: a few
        # corrections an hour is plenty.
        "account": RateLimit(max_requests=10, window_seconds=3600, per="user"),
        # Each code is a message to a phone or an email, maybe not the asker's (a row offered
        # for claiming): a person who mistypes or waits for a slow message asks two or three
        # times; five an hour stops anyone using the route to flood someone's phone.
        "verification": RateLimit(max_requests=5, window_seconds=3600, per="user"),
        # Tries of a code, right or wrong: a code dies after 5 wrong tries of its own, and this
        # caps the tries across codes, so a guesser gets at most 10 in a quarter of an hour (one
        # chance in 100,000 against six digits) whatever codes they ask for.
        "verification_attempts": RateLimit(max_requests=10, window_seconds=900, per="user"),
        # A professional writes a note or two a session and corrects them: sixty writes in ten
        # minutes is a busy day's typing, not a script filling the table.
        "notes": RateLimit(max_requests=60, window_seconds=600, per="user"),
        # Clients added or changed by hand: a morning of entering a client list from paper
        # fits; a script filling the table does not.
        "clients": RateLimit(max_requests=60, window_seconds=600, per="user"),
        # One review per completed session: a person reviews a few; a script trying
        # appointment ids or tokens stops here.
        "reviews": RateLimit(max_requests=10, window_seconds=3600, per="user"),
    }
)


def _check_aware(name: str, moment: datetime | None) -> None:
    if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
        raise ValueError(f"{name} must be timezone-aware")


def _utc(moment: datetime) -> datetime:
    # Within one zone Python compares wall fields (PEP 495); in UTC that is the instant.
    return moment.astimezone(UTC)
