"""/api/client-profile (docs/client-profile.md): a registered client's own view, and their
follows.

The profile is one read: the account's contact, its appointments across every professional
whose row it claimed (upcoming ones, and one page of past ones), what the client may still do
to each and until when (``agenda.domain.client_profile``, from the lifecycle's own rules), the
professionals followed and the rows of other professionals offered for claiming, their
contact masked. A sign-in without a client account is 404 ``CLIENT_PROFILE_NOT_FOUND``, a
professional's included.

Follows are writes: each counts against the ``account`` rate limit and is one statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn
from zoneinfo import ZoneInfo

from agenda.domain.client_profile import MAX_UPCOMING, client_allowances, parse_profile_query
from agenda.domain.errors import ClientProfileNotFound, NotFound
from agenda.domain.masking import mask_email, mask_phone
from agenda.observability import count
from agenda.pagination import encode_cursor

if TYPE_CHECKING:
    from collections.abc import Mapping

    from agenda.service.ports import ClientProfileStores, Clock, RateLimiter, UnitOfWork
    from agenda.service.records import (
        ClaimableClient,
        ClientAppointment,
        ClientProfileRecord,
        FollowedProfessional,
        FollowRefusal,
        FollowResult,
        ProfessionalCard,
    )

NO_PROFESSIONAL = "We could not find this professional"


@dataclass(frozen=True, slots=True)
class ClientProfileDependencies:
    uow: UnitOfWork[ClientProfileStores]
    clock: Clock


@dataclass(frozen=True, slots=True)
class FollowDependencies:
    uow: UnitOfWork[ClientProfileStores]
    limiter: RateLimiter


def get_profile(
    deps: ClientProfileDependencies, params: Mapping[str, str] | None, *, user_id: str
) -> dict[str, Any]:
    """GET /api/client-profile[?cursor=&limit=]: the profile, past appointments from the
    page ``cursor`` names (a ``pastCursor`` answered before)."""
    query = parse_profile_query(params)
    now = deps.clock()
    record = deps.uow.read(
        lambda stores: stores.client_profiles.profile(
            user_id,
            now=now,
            upcoming_limit=MAX_UPCOMING,
            past_limit=query.past_limit + 1,
            past_after=query.past_after,
        )
    )
    if record is None:
        raise ClientProfileNotFound()
    return profile_document(record, now, past_limit=query.past_limit)


def profile_document(
    record: ClientProfileRecord, now: datetime, *, past_limit: int
) -> dict[str, Any]:
    """The profile as its client sees it; ``record.past`` may hold one more than the page."""
    past, more = record.past[:past_limit], len(record.past) > past_limit
    return {
        "name": record.name,
        "phone": record.phone,
        "email": record.email,
        "language": record.language,
        "upcoming": [appointment_document(item, now) for item in record.upcoming],
        "past": [appointment_document(item, now) for item in past],
        "pastCursor": encode_cursor(past[-1].facts.starts_at, past[-1].id) if more else None,
        "follows": [follow_document(item) for item in record.follows],
        "claimable": [claimable_document(item) for item in record.claimable],
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _card(card: ProfessionalCard) -> dict[str, Any]:
    return {
        "name": card.name,
        "slug": card.slug,
        "profession": card.profession,
        "avatarUrl": card.avatar_url,
    }


def appointment_document(item: ClientAppointment, now: datetime) -> dict[str, Any]:
    """One appointment: UTC instants, the wall time in the professional's zone, and what the
    client may do to it until when."""
    facts = item.facts
    zone = ZoneInfo(item.timezone)
    starts = facts.starts_at.astimezone(zone)
    allowances = client_allowances(facts, item.policy, now)
    return {
        "id": str(item.id),
        "status": facts.status,
        "paymentStatus": facts.payment_status,
        "price": None if item.price is None else float(item.price),
        "currency": item.currency,
        "startsAt": _utc(facts.starts_at),
        "endsAt": _utc(facts.ends_at),
        "timezone": item.timezone,
        "localStartsAt": starts.isoformat(),
        "localEndsAt": facts.ends_at.astimezone(zone).isoformat(),
        "localDate": starts.date().isoformat(),
        "time": f"{starts.hour:02d}:{starts.minute:02d}",
        "professional": _card(item.professional),
        "clientId": str(item.client_id),
        "actions": {
            action: {
                "allowed": allowance.allowed,
                "until": None if allowance.until is None else _utc(allowance.until),
            }
            for action, allowance in allowances.items()
        },
    }


def follow_document(item: FollowedProfessional) -> dict[str, Any]:
    return {**_card(item.professional), "followedAt": _utc(item.followed_at)}


def claimable_document(item: ClaimableClient) -> dict[str, Any]:
    """A row offered for claiming, its contact masked: the channels a code can go to."""
    channels = [{"channel": "whatsapp", "to": mask_phone(item.phone)}]
    if item.email:
        channels.append({"channel": "email", "to": mask_email(item.email)})
    return {
        "clientId": str(item.client_id),
        "professional": {"name": item.professional_name, "slug": item.professional_slug},
        "channels": channels,
    }


def follow(deps: FollowDependencies, slug: str, *, user_id: str) -> tuple[int, dict[str, Any]]:
    """PUT /api/client-profile/follows/{slug}: 201 with the follow when this request made it,
    200 with the same body when it already existed."""
    deps.limiter.check(user_id)
    outcome = deps.uow.run_one(lambda stores: stores.client_profiles.follow(user_id, slug))
    if outcome == "raced":
        outcome = deps.uow.run_one(lambda stores: stores.client_profiles.follow(user_id, slug))
    result = _followed(outcome)
    if result.created:
        count("ClientFollowed")
    return (201 if result.created else 200), follow_document(result.followed)


def unfollow(deps: FollowDependencies, slug: str, *, user_id: str) -> None:
    """DELETE /api/client-profile/follows/{slug}: no follow left, whether there was one."""
    deps.limiter.check(user_id)
    refusal = deps.uow.run_one(lambda stores: stores.client_profiles.unfollow(user_id, slug))
    if refusal is not None:
        _refuse(refusal)


def _followed(outcome: FollowResult | FollowRefusal) -> FollowResult:
    if isinstance(outcome, str):
        _refuse(outcome)
    return outcome


def _refuse(refusal: FollowRefusal) -> NoReturn:
    if refusal == "no_account":
        raise ClientProfileNotFound()
    if refusal == "no_professional":
        raise NotFound(NO_PROFESSIONAL)
    raise RuntimeError("a follow raced twice in a row")
