"""SQL for a professional's own account: sign-up, the account as its owner sees it, its
settings changed, and the slug namespace (migration 0012's ``professional_slugs``).

Uniqueness is the database's to decide, never a read before a write: a sign-in has one
professional (``professionals.user_id`` is unique; a second sign-up does nothing and says so)
and a slug one holder (``professionals.slug`` and the registry's primary key, which a trigger
fills on every insert and slug change). Two racing requests collide on those keys and exactly
one wins, whatever the timing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from pg8000.exceptions import DatabaseError

from agenda.adapters.postgres import UNIQUE_VIOLATION, sqlstate
from agenda.domain.accounts import AccountSettings
from agenda.domain.errors import AccountExists, SlugTaken
from agenda.domain.plans import Account
from agenda.domain.statuses import RELEASED
from agenda.service.records import AccountRecord, SlugOwner

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

# The keys a taken slug violates: someone's current slug, or one in the registry (current or
# retired).
SLUG_CONSTRAINTS = frozenset({"professionals_slug_key", "professional_slugs_pkey"})
_RELEASED_SQL = ", ".join(f"'{status}'" for status in sorted(RELEASED))

_SETTINGS_COLUMNS = """
p.name, p.slug, p.profession, p.phone, p.email, p.timezone, p.locale, p.session_duration,
p.session_price, p.currency, p.bio, p.auto_confirm, p.payment_at_booking, p.payment_type,
p.pix_key, p.cancellation_notice_hours, p.reschedule_notice_hours, p.public_contact, p.active
"""

# The month the plan's caps count is the professional's own local month (as a booking's is).
ACCOUNT_EXISTS_SQL = "SELECT 1 FROM professionals WHERE user_id = :user_id"

ACCOUNT_SQL = f"""
SELECT p.id, {_SETTINGS_COLUMNS}, p.avatar_url, p.plan, p.subscription_status,
       p.trial_ends_at, p.past_due_since, p.subscription_period_end,
       p.subscription_cancel_at_period_end, p.created_at,
       CAST(m.local_start AS date) AS month,
       (SELECT count(*) FROM clients c WHERE c.professional_id = p.id) AS clients,
       (SELECT count(*) FROM appointments a
        WHERE a.professional_id = p.id
          AND a.status NOT IN ({_RELEASED_SQL})
          AND a.starts_at >= m.local_start AT TIME ZONE p.timezone
          AND a.starts_at < (m.local_start + interval '1 month') AT TIME ZONE p.timezone
       ) AS appointments_this_month,
       COALESCE((SELECT json_agg(s.slug ORDER BY s.retired_at DESC, s.slug)
                 FROM professional_slugs s
                 WHERE s.professional_id = p.id AND s.retired_at IS NOT NULL), '[]')
           AS previous_slugs
FROM professionals p
CROSS JOIN LATERAL (
    SELECT date_trunc('month', CAST(:now AS timestamptz) AT TIME ZONE p.timezone) AS local_start
) m
WHERE p.user_id = :user_id
"""

LOCK_SETTINGS_SQL = f"""
SELECT p.id, {_SETTINGS_COLUMNS}
FROM professionals p
WHERE p.user_id = :user_id
FOR UPDATE
"""

# A second sign-up for the same sign-in waits for the first to commit, then does nothing.
CREATE_SQL = """
INSERT INTO professionals (user_id, name, slug, profession, phone, email, timezone, locale,
                           session_duration, session_price, bio, plan, trial_ends_at)
VALUES (:user_id, :name, :slug, :profession, :phone, :email, :timezone, :locale,
        :session_duration, CAST(:session_price AS numeric), :bio, 'free',
        CAST(:trial_ends_at AS timestamptz))
ON CONFLICT (user_id) DO NOTHING
RETURNING id
"""

UPDATE_SQL = """
UPDATE professionals
SET name = :name, slug = :slug, profession = :profession, phone = :phone, email = :email,
    timezone = :timezone, locale = :locale, session_duration = :session_duration,
    session_price = CAST(:session_price AS numeric), currency = :currency, bio = :bio,
    auto_confirm = :auto_confirm, payment_at_booking = :payment_at_booking,
    payment_type = :payment_type, pix_key = :pix_key,
    cancellation_notice_hours = :cancellation_notice_hours,
    reschedule_notice_hours = :reschedule_notice_hours, public_contact = :public_contact,
    active = :active, updated_at = now()
WHERE id = :id
"""

# Who holds a slug: the registry knows every slug since migration 0012; a professional written
# around it (none should be) still holds their current one.
SLUG_OWNER_SQL = """
SELECT p.id, p.user_id, p.slug AS current_slug, s.retired_at IS NOT NULL AS retired, p.active
FROM professional_slugs s
JOIN professionals p ON p.id = s.professional_id
WHERE s.slug = :slug
UNION ALL
SELECT p.id, p.user_id, p.slug, false, p.active
FROM professionals p
WHERE p.slug = :slug
LIMIT 1
"""

FREE_SLUGS_SQL = """
SELECT c.slug
FROM jsonb_array_elements_text(CAST(:candidates AS jsonb)) WITH ORDINALITY AS c(slug, n)
WHERE NOT EXISTS (SELECT 1 FROM professional_slugs s WHERE s.slug = c.slug)
  AND NOT EXISTS (SELECT 1 FROM professionals p WHERE p.slug = c.slug)
ORDER BY c.n
LIMIT :limit
"""

# An old slug leads to its professional's current one, while their page is public.
MOVED_TO_SQL = """
SELECT p.slug
FROM professional_slugs s
JOIN professionals p ON p.id = s.professional_id
WHERE s.slug = :slug AND s.retired_at IS NOT NULL AND p.active
"""


def settings_of(row: Mapping[str, Any]) -> AccountSettings:
    return AccountSettings(
        name=row["name"],
        slug=row["slug"],
        profession=row["profession"],
        phone=row["phone"],
        email=row["email"],
        timezone=row["timezone"],
        language=row["locale"],
        session_duration=row["session_duration"],
        session_price=row["session_price"],
        currency=row["currency"].strip(),
        bio=row["bio"],
        auto_confirm=row["auto_confirm"],
        payment_at_booking=row["payment_at_booking"],
        payment_type=row["payment_type"],
        pix_key=row["pix_key"],
        cancellation_notice_hours=row["cancellation_notice_hours"],
        reschedule_notice_hours=row["reschedule_notice_hours"],
        public_contact=row["public_contact"],
        active=row["active"],
    )


def _columns(settings: AccountSettings) -> dict[str, Any]:
    return {
        "name": settings.name,
        "slug": settings.slug,
        "profession": settings.profession,
        "phone": settings.phone,
        "email": settings.email,
        "timezone": settings.timezone,
        "locale": settings.language,
        "session_duration": settings.session_duration,
        "session_price": None if settings.session_price is None else str(settings.session_price),
        "currency": settings.currency,
        "bio": settings.bio,
        "auto_confirm": settings.auto_confirm,
        "payment_at_booking": settings.payment_at_booking,
        "payment_type": settings.payment_type,
        "pix_key": settings.pix_key,
        "cancellation_notice_hours": settings.cancellation_notice_hours,
        "reschedule_notice_hours": settings.reschedule_notice_hours,
        "public_contact": settings.public_contact,
        "active": settings.active,
    }


def _slug_conflict(error: DatabaseError) -> bool:
    details = error.args[0] if error.args else None
    constraint = details.get("n") if isinstance(details, dict) else None
    return sqlstate(error) == UNIQUE_VIOLATION and constraint in SLUG_CONSTRAINTS


class PostgresAccounts:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def for_user(self, user_id: str, *, now: datetime) -> AccountRecord | None:
        row = self._tx.one(ACCOUNT_SQL, user_id=user_id, now=now)
        if row is None:
            return None
        return AccountRecord(
            id=row["id"],
            settings=settings_of(row),
            avatar_url=row["avatar_url"],
            billing=Account(
                plan=row["plan"],
                subscription_status=row["subscription_status"],
                trial_ends_at=row["trial_ends_at"],
                past_due_since=row["past_due_since"],
            ),
            subscription_period_end=row["subscription_period_end"],
            cancel_at_period_end=row["subscription_cancel_at_period_end"],
            previous_slugs=tuple(row["previous_slugs"]),
            month=row["month"],
            clients=row["clients"],
            appointments_this_month=row["appointments_this_month"],
            created_at=row["created_at"],
        )

    def create(self, user_id: str, settings: AccountSettings, *, trial_ends_at: datetime) -> UUID:
        """The professional of ``user_id``; AccountExists when the sign-in has one already,
        SlugTaken (without suggestions) when the slug is held."""
        columns = _columns(settings)
        try:
            row = self._tx.one(
                CREATE_SQL,
                user_id=user_id,
                trial_ends_at=trial_ends_at,
                **{key: columns[key] for key in _CREATE_COLUMNS},
            )
        except DatabaseError as exc:
            if _slug_conflict(exc):
                raise SlugTaken("This address is already taken", suggestions=[]) from exc
            raise
        if row is None:
            raise AccountExists("This sign-in already has a professional account")
        professional_id: UUID = row["id"]
        return professional_id

    def exists(self, user_id: str) -> bool:
        return self._tx.one(ACCOUNT_EXISTS_SQL, user_id=user_id) is not None

    def lock_settings(self, user_id: str) -> tuple[UUID, AccountSettings] | None:
        row = self._tx.one(LOCK_SETTINGS_SQL, user_id=user_id)
        return None if row is None else (row["id"], settings_of(row))

    def update(self, professional_id: UUID, settings: AccountSettings) -> None:
        """Store the settings; SlugTaken (without suggestions) when a new slug is held."""
        try:
            self._tx.execute(UPDATE_SQL, id=professional_id, **_columns(settings))
        except DatabaseError as exc:
            if _slug_conflict(exc):
                raise SlugTaken("This address is already taken", suggestions=[]) from exc
            raise

    def slug_owner(self, slug: str) -> SlugOwner | None:
        row = self._tx.one(SLUG_OWNER_SQL, slug=slug)
        if row is None:
            return None
        return SlugOwner(
            professional_id=row["id"],
            user_id=row["user_id"],
            current_slug=row["current_slug"],
            retired=row["retired"],
            active=row["active"],
        )

    def free_slugs(self, candidates: list[str], *, limit: int) -> list[str]:
        rows = self._tx.query(FREE_SLUGS_SQL, candidates=json.dumps(candidates), limit=limit)
        return [row["slug"] for row in rows]

    def moved_to(self, slug: str) -> str | None:
        row = self._tx.one(MOVED_TO_SQL, slug=slug)
        return None if row is None else str(row["slug"])


_CREATE_COLUMNS = (
    "name", "slug", "profession", "phone", "email", "timezone", "locale", "session_duration",
    "session_price", "bio",
)  # fmt: skip
