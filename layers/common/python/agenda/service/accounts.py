"""/api/account: a professional for the token's subject, created, read and changed, and
whether a slug is free.

Writes are rate limited per sign-in (``account``); reads are not. A body is validated by the
pure domain (agenda.domain.accounts) completely before anything is written. The database's
keys decide what must be unique (one professional per sign-in, one holder per slug), so two
racing requests never both win; a refused slug comes back with free ones near it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agenda.domain.accounts import (
    SIGN_UP_TRIAL,
    SLUG_MESSAGES,
    SUGGESTIONS,
    changed_settings,
    parse_changes,
    parse_sign_up,
    slug_candidates,
    slug_problem,
)
from agenda.domain.billing import SUBSCRIBED
from agenda.domain.errors import (
    AccountExists,
    NotFound,
    SlugTaken,
    ValidationFailed,
    answered_in,
)
from agenda.domain.plans import PLAN_LIMITS, PlanLimits, effective_plan
from agenda.domain.queries import SLUG_MAX_LENGTH
from agenda.observability import count, logger
from agenda.service.site_publisher import publish_after_change

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from agenda.domain.accounts import AccountSettings
    from agenda.service.ports import AccountStores, Clock, RateLimiter, UnitOfWork
    from agenda.service.records import AccountRecord
    from agenda.service.site_publisher import PublisherDependencies

NO_ACCOUNT = "No professional account for this sign-in"
SLUG_TAKEN = "This address is already taken: choose another one"
ACCOUNT_EXISTS = "This sign-in already has a professional account"


@dataclass(frozen=True, slots=True)
class AccountDependencies:
    uow: UnitOfWork[AccountStores]
    limiter: RateLimiter
    clock: Clock
    pages: PublisherDependencies | None = None  # the public page, written after a change


def create_account(
    deps: AccountDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """POST /api/account: the professional of ``user_id``, on the free plan with a sign-up
    trial, without availability (the page has no times yet), public at once."""
    deps.limiter.check(user_id)
    now = deps.clock()
    # Whatever the body says, a sign-in with an account has its answer; the insert below
    # still decides a race between two sign-ups of one sign-in.
    if _has_account(deps, user_id):
        raise AccountExists(ACCOUNT_EXISTS)
    settings = parse_sign_up(body)
    trial_ends_at = now + SIGN_UP_TRIAL
    try:
        professional_id = deps.uow.run_one(
            lambda stores: stores.accounts.create(user_id, settings, trial_ends_at=trial_ends_at)
        )
    except SlugTaken:
        # A racing sign-up of this same sign-in may have taken the slug: that is this one's
        # answer too, never a second professional.
        if _has_account(deps, user_id):
            raise AccountExists(ACCOUNT_EXISTS) from None
        raise SlugTaken(SLUG_TAKEN, suggestions=_suggestions(deps, settings.slug)) from None
    count("AccountCreated")
    logger.info(
        "professional account created",
        extra={"professional_id": str(professional_id), "language": settings.language},
    )
    publish_after_change(deps.pages, professional_id)
    return get_account(deps, user_id=user_id)


def get_account(deps: AccountDependencies, *, user_id: str) -> dict[str, Any]:
    now = deps.clock()
    record = deps.uow.read(lambda stores: stores.accounts.for_user(user_id, now=now))
    if record is None:
        raise NotFound(NO_ACCOUNT)
    return account_document(record, now)


def update_account(
    deps: AccountDependencies, body: dict[str, Any], *, user_id: str
) -> dict[str, Any]:
    """PATCH /api/account: the settings named in the body, the rest kept. The row is locked
    first, so the rules between fields (payment at booking needs a price) are judged on what
    will be stored; a refused body writes nothing."""
    deps.limiter.check(user_id)

    def work(stores: AccountStores) -> tuple[UUID, AccountSettings, AccountSettings]:
        locked = stores.accounts.lock_settings(user_id)
        if locked is None:
            raise NotFound(NO_ACCOUNT)
        professional_id, before = locked
        # A refusal is worded in the professional's language as it stands.
        with answered_in(before.language):
            after = parse_changes(body, before)
        if after != before:
            stores.accounts.update(professional_id, after)
        return professional_id, before, after

    try:
        professional_id, before, after = deps.uow.run(work)
    except SlugTaken:
        raise SlugTaken(SLUG_TAKEN, suggestions=_suggestions(deps, str(body["slug"]))) from None
    changed = changed_settings(before, after)
    if changed:
        count("AccountChanged")
        logger.info(
            "professional account changed",
            extra={"professional_id": str(professional_id), "changed": list(changed)},
        )
        publish_after_change(deps.pages, professional_id)
    return get_account(deps, user_id=user_id)


def check_slug(
    deps: AccountDependencies, query: dict[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/account/slug?slug=...: whether the slug is free for this sign-in (its own
    current or retired slugs are), why not, and free ones near it when it is not."""
    slug = (query or {}).get("slug")
    if not slug:
        raise ValidationFailed("Some fields are missing or invalid", fields={"slug": "is required"})
    if len(slug) > SLUG_MAX_LENGTH:
        raise ValidationFailed(
            "Some fields are missing or invalid",
            fields={"slug": f"must have at most {SLUG_MAX_LENGTH} characters"},
        )
    problem = slug_problem(slug)
    if problem is None:
        owner = deps.uow.read(lambda stores: stores.accounts.slug_owner(slug))
        if owner is not None and owner.user_id != user_id:
            problem = "taken"
    if problem is None:
        return {"slug": slug, "available": True, "reason": None, "message": None,
                "suggestions": []}  # fmt: skip
    return {
        "slug": slug,
        "available": False,
        "reason": problem,
        "message": SLUG_MESSAGES[problem],
        "suggestions": _suggestions(deps, slug),
    }


def _has_account(deps: AccountDependencies, user_id: str) -> bool:
    return deps.uow.read(lambda stores: stores.accounts.exists(user_id))


def _suggestions(deps: AccountDependencies, wanted: str) -> list[str]:
    candidates = slug_candidates(wanted)
    return deps.uow.read(lambda stores: stores.accounts.free_slugs(candidates, limit=SUGGESTIONS))


def _limits(limits: PlanLimits) -> dict[str, int | None]:
    return {
        "maxClients": limits.max_clients,
        "maxAppointmentsPerMonth": limits.max_appointments_per_month,
    }


def _instant(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def account_document(record: AccountRecord, now: datetime) -> dict[str, Any]:
    """The account as its owner sees it (GET, and the answer of POST and PATCH)."""
    settings = record.settings
    plan = effective_plan(record.billing, now)
    price = settings.session_price
    return {
        "id": str(record.id),
        "name": settings.name,
        "slug": settings.slug,
        "profession": settings.profession,
        "phone": settings.phone,
        "email": settings.email,
        "timezone": settings.timezone,
        "language": settings.language,
        "sessionDuration": settings.session_duration,
        "sessionPrice": None if price is None else float(price),
        "currency": settings.currency,
        "bio": settings.bio,
        "avatarUrl": record.avatar_url,
        "autoConfirm": settings.auto_confirm,
        "paymentAtBooking": settings.payment_at_booking,
        "paymentType": settings.payment_type,
        "pixKey": settings.pix_key,
        "cancellationNoticeHours": settings.cancellation_notice_hours,
        "rescheduleNoticeHours": settings.reschedule_notice_hours,
        "publicContact": settings.public_contact,
        "active": settings.active,
        "previousSlugs": list(record.previous_slugs),
        "createdAt": record.created_at.isoformat(),
        "plan": record.billing.plan,
        "subscriptionStatus": record.billing.subscription_status,
        "subscribed": record.billing.subscription_status in SUBSCRIBED,
        "trialEndsAt": _instant(record.billing.trial_ends_at),
        "subscriptionPeriodEnd": _instant(record.subscription_period_end),
        "cancelAtPeriodEnd": record.cancel_at_period_end,
        "effectivePlan": {"plan": plan.plan, "state": plan.state, "until": _instant(plan.until)},
        "limits": _limits(plan.limits),
        "plans": [{"plan": name, **_limits(limits)} for name, limits in PLAN_LIMITS.items()],
        "usage": {
            "month": record.month.strftime("%Y-%m"),
            "clients": record.clients,
            "appointmentsThisMonth": record.appointments_this_month,
        },
    }
