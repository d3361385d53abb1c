"""SQL for a registered client's profile (docs/client-profile.md): the account, the
appointments of every row it claimed, its follows and the rows offered for claiming, in one
statement; and follows written and removed, each in one statement.

A client account is the ``client_accounts`` row of a sign-in; its appointments are those of
the ``clients`` rows whose ``user_id`` is that sign-in, across professionals. A row anonymised
by a deletion shows nothing. The profile is one round trip however many bookings it holds:
each list is a JSON aggregate of the one statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.lifecycle import Appointment, Policy
from agenda.domain.statuses import LIVE
from agenda.service.records import (
    ClaimableClient,
    ClientAppointment,
    ClientProfileRecord,
    FollowedProfessional,
    FollowResult,
    ProfessionalCard,
)

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import FollowRefusal

_LIVE_SQL = ", ".join(f"'{status}'" for status in sorted(LIVE))

# Which rows of other professionals a client account is offered to claim: nobody's yet, not
# anonymised, with the account's own (proven) phone or email, of a professional the account
# holds no row of yet (one person is one client of a professional); an account being deleted
# is offered nothing. `c` is the clients row, `a` the client_accounts row. The claim codes
# route (POST /api/client-profile/claim/codes) and the claim by code rely on exactly this
# predicate: a row outside it is never offered, never sent a code and never claimed with one.
# Change it here, for all three.
CLAIMABLE_CLIENT_PREDICATE = """
a.deletion_requested_at IS NULL
AND c.user_id IS NULL
AND c.anonymised_at IS NULL
AND (c.phone = a.phone OR lower(c.email) = lower(a.email))
AND NOT EXISTS (
    SELECT 1 FROM clients mine
    WHERE mine.user_id = a.user_id AND mine.professional_id = c.professional_id
)
"""

# Upcoming: live appointments not over yet, soonest first. Past: everything else (over, or no
# longer live), newest first, one keyset page after (:after_starts, :after_id).
PROFILE_SQL = f"""
WITH account AS (
    SELECT user_id, name, phone, email, language, deletion_requested_at
    FROM client_accounts
    WHERE user_id = :user_id AND deletion_requested_at IS NULL
), mine AS (
    SELECT a.id, a.client_id, a.status, a.payment_status, a.starts_at, a.ends_at, a.sequence,
           CAST(COALESCE(a.amount_due, p.session_price) AS text) AS price, p.currency,
           p.name, p.slug, p.profession, p.avatar_url, p.timezone,
           p.cancellation_notice_hours, p.reschedule_notice_hours,
           (a.status IN ({_LIVE_SQL}) AND a.ends_at > :now) AS upcoming
    FROM account ca
    JOIN clients c ON c.user_id = ca.user_id AND c.anonymised_at IS NULL
    JOIN appointments a ON a.client_id = c.id
    JOIN professionals p ON p.id = a.professional_id
)
SELECT a.name, a.phone, a.email, a.language,
       COALESCE((
           SELECT json_agg(row_to_json(u) ORDER BY u.starts_at, u.id)
           FROM (SELECT * FROM mine WHERE upcoming
                 ORDER BY starts_at, id LIMIT :upcoming_limit) u
       ), '[]') AS upcoming,
       COALESCE((
           SELECT json_agg(row_to_json(pa) ORDER BY pa.starts_at DESC, pa.id DESC)
           FROM (SELECT * FROM mine
                 WHERE NOT upcoming
                   AND (CAST(:after_starts AS timestamptz) IS NULL
                        OR (starts_at, id) < (CAST(:after_starts AS timestamptz),
                                              CAST(:after_id AS uuid)))
                 ORDER BY starts_at DESC, id DESC LIMIT :past_limit) pa
       ), '[]') AS past,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'name', p.name, 'slug', p.slug, 'profession', p.profession,
                      'avatar_url', p.avatar_url, 'followed_at', f.created_at)
                  ORDER BY f.created_at DESC, f.id DESC)
           FROM follows f
           JOIN professionals p ON p.id = f.professional_id
           WHERE f.user_id = a.user_id AND p.active
       ), '[]') AS follows,
       COALESCE((
           SELECT json_agg(json_build_object(
                      'client_id', c.id, 'professional_name', p.name,
                      'professional_slug', p.slug, 'phone', c.phone, 'email', c.email)
                  ORDER BY p.name, c.id)
           FROM clients c
           JOIN professionals p ON p.id = c.professional_id
           WHERE {CLAIMABLE_CLIENT_PREDICATE}
       ), '[]') AS claimable
FROM account a
"""

# An active professional by any slug they hold or held (a retired slug follows its owner).
_TARGET = """
target AS (
    SELECT p.id, p.name, p.slug, p.profession, p.avatar_url
    FROM professional_slugs s
    JOIN professionals p ON p.id = s.professional_id
    WHERE s.slug = :slug AND p.active
)
"""

# The follow and whether this statement made it. A follow that a concurrent request made
# after this statement's snapshot is in neither `inserted` nor `follows` here ("raced"): the
# same statement run again sees it.
FOLLOW_SQL = f"""
WITH account AS (
    SELECT user_id FROM client_accounts
    WHERE user_id = :user_id AND deletion_requested_at IS NULL
), {_TARGET}, inserted AS (
    INSERT INTO follows (user_id, professional_id)
    SELECT ca.user_id, t.id FROM account ca CROSS JOIN target t
    ON CONFLICT (user_id, professional_id) DO NOTHING
    RETURNING created_at
)
SELECT EXISTS (SELECT 1 FROM account) AS has_account, t.id AS professional_id, t.name,
       t.slug, t.profession, t.avatar_url, i.created_at AS created_at,
       f.created_at AS existing_at
FROM (SELECT 1) one
LEFT JOIN target t ON true
LEFT JOIN inserted i ON true
LEFT JOIN follows f ON f.user_id = :user_id AND f.professional_id = t.id
"""

# A data-modifying WITH runs whether or not the SELECT reads it.
UNFOLLOW_SQL = f"""
WITH account AS (
    SELECT user_id FROM client_accounts
    WHERE user_id = :user_id AND deletion_requested_at IS NULL
), {_TARGET}, removed AS (
    DELETE FROM follows f
    USING account ca, target t
    WHERE f.user_id = ca.user_id AND f.professional_id = t.id
    RETURNING f.id
)
SELECT EXISTS (SELECT 1 FROM account) AS has_account,
       EXISTS (SELECT 1 FROM target) AS found
"""


def _card(item: Mapping[str, Any]) -> ProfessionalCard:
    return ProfessionalCard(
        name=item["name"],
        slug=item["slug"],
        profession=item["profession"],
        avatar_url=item["avatar_url"],
    )


def _instant(value: str) -> datetime:
    # JSON carries a timestamptz as ISO 8601 with its offset.
    return datetime.fromisoformat(value)


def _appointment(item: Mapping[str, Any]) -> ClientAppointment:
    return ClientAppointment(
        id=UUID(item["id"]),
        facts=Appointment(
            status=item["status"],
            payment_status=item["payment_status"],
            starts_at=_instant(item["starts_at"]),
            ends_at=_instant(item["ends_at"]),
            sequence=item["sequence"],
        ),
        professional=_card(item),
        client_id=UUID(item["client_id"]),
        timezone=item["timezone"],
        policy=Policy(
            cancellation_notice_hours=item["cancellation_notice_hours"],
            reschedule_notice_hours=item["reschedule_notice_hours"],
        ),
        price=None if item["price"] is None else Decimal(item["price"]),
        currency=item["currency"].strip(),
    )


def _follow(item: Mapping[str, Any]) -> FollowedProfessional:
    return FollowedProfessional(professional=_card(item), followed_at=_instant(item["followed_at"]))


def _claimable(item: Mapping[str, Any]) -> ClaimableClient:
    return ClaimableClient(
        client_id=UUID(item["client_id"]),
        professional_name=item["professional_name"],
        professional_slug=item["professional_slug"],
        phone=item["phone"],
        email=item["email"],
    )


class PostgresClientProfiles:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def profile(
        self,
        user_id: str,
        *,
        now: datetime,
        upcoming_limit: int,
        past_limit: int,
        past_after: tuple[datetime, UUID] | None,
    ) -> ClientProfileRecord | None:
        row = self._tx.one(
            PROFILE_SQL,
            user_id=user_id,
            now=now,
            upcoming_limit=upcoming_limit,
            past_limit=past_limit,
            after_starts=past_after[0] if past_after else None,
            after_id=past_after[1] if past_after else None,
        )
        if row is None:
            return None
        return ClientProfileRecord(
            name=row["name"],
            phone=row["phone"],
            email=row["email"],
            language=row["language"],
            upcoming=tuple(_appointment(item) for item in row["upcoming"]),
            past=tuple(_appointment(item) for item in row["past"]),
            follows=tuple(_follow(item) for item in row["follows"]),
            claimable=tuple(_claimable(item) for item in row["claimable"]),
        )

    def follow(self, user_id: str, slug: str) -> FollowResult | FollowRefusal:
        """The follow of the active professional at ``slug`` (see FOLLOW_SQL), or why not."""
        row = self._tx.one(FOLLOW_SQL, user_id=user_id, slug=slug)
        assert row is not None  # the statement always answers one row
        if not row["has_account"]:
            return "no_account"
        if row["professional_id"] is None:
            return "no_professional"
        created_at = row["created_at"]
        followed_at = created_at or row["existing_at"]
        if followed_at is None:
            return "raced"
        return FollowResult(
            followed=FollowedProfessional(professional=_card(row), followed_at=followed_at),
            created=created_at is not None,
        )

    def unfollow(self, user_id: str, slug: str) -> FollowRefusal | None:
        """The follow, if any, removed; or why there is nothing to remove it from."""
        row = self._tx.one(UNFOLLOW_SQL, user_id=user_id, slug=slug)
        assert row is not None  # the statement always answers one row
        if not row["has_account"]:
            return "no_account"
        return None if row["found"] else "no_professional"
