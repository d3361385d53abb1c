"""SQL of reviews (agenda.domain.reviews): the client's one review of a completed session, and
the professional's list, reply and hiding. Every write is one statement that checks whose row
it is in its own WHERE: another professional's review, or another client's appointment, is a
row the statement never finds."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.reviews import REVIEWABLE_STATUS, Moderation
from agenda.service.records import ClientReview, ProfessionalReview, ReviewTarget, WrittenReview

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

# The appointment's client: the sign-in whose account claimed the client row, or (no user_id)
# the holder of the appointment's guest link, verified before this statement.
_CALLERS_APPOINTMENT = """
a.id = :appointment_id
AND (CAST(:user_id AS text) IS NULL OR c.user_id = CAST(:user_id AS text))
"""

# The unique key on appointment_id makes a second review, two at once included, write nothing:
# the second waits for the first to commit, then finds the conflict.
WRITE_SQL = f"""
WITH target AS (
    SELECT a.id, a.professional_id, a.client_id, a.starts_at, c.name AS client_name,
           p.timezone, p.locale
    FROM appointments a
    JOIN clients c ON c.id = a.client_id
    JOIN professionals p ON p.id = a.professional_id
    WHERE {_CALLERS_APPOINTMENT} AND a.status = '{REVIEWABLE_STATUS}'
), written AS (
    INSERT INTO reviews (professional_id, client_id, appointment_id, rating, comment)
    SELECT professional_id, client_id, id, :rating, :comment FROM target
    ON CONFLICT (appointment_id) DO NOTHING
    RETURNING id, appointment_id, rating, comment, created_at, reply, replied_at
)
SELECT w.id, w.rating, w.comment, w.created_at, w.reply, w.replied_at, t.professional_id,
       t.client_name, t.starts_at, t.timezone, t.locale
FROM written w
JOIN target t ON t.id = w.appointment_id
"""

TARGET_SQL = f"""
SELECT a.status, EXISTS (SELECT 1 FROM reviews r WHERE r.appointment_id = a.id) AS reviewed
FROM appointments a
JOIN clients c ON c.id = a.client_id
WHERE {_CALLERS_APPOINTMENT}
"""

_PROFESSIONAL_COLUMNS = """
r.id, r.rating, r.comment, r.created_at, r.reply, r.replied_at, r.appointment_id, r.client_id,
c.name AS client_name, r.hidden_at, r.hidden_reason
"""

# No row: the sign-in is no professional. One row without a review: no reviews (on this page).
PAGE_SQL = f"""
SELECT p.id AS professional_id, page.*
FROM professionals p
LEFT JOIN LATERAL (
    SELECT {_PROFESSIONAL_COLUMNS}
    FROM reviews r
    JOIN clients c ON c.id = r.client_id
    WHERE r.professional_id = p.id
      AND (CAST(:after_at AS timestamptz) IS NULL
           OR (r.created_at, r.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT :limit
) page ON true
WHERE p.user_id = :user_id
"""

_MINE = """
mine AS (
    SELECT r.id, r.hidden_at, r.hidden_reason
    FROM reviews r
    JOIN professionals p ON p.id = r.professional_id
    WHERE r.id = :review_id AND p.user_id = :user_id
    FOR UPDATE OF r
)
"""

# No row: not the professional's review. A row without an id: it had a reply already (a
# second reply, two at once included, waits for the row and then finds the reply there).
REPLY_SQL = f"""
WITH {_MINE}, replied AS (
    UPDATE reviews r SET reply = :text, replied_at = now()
    FROM mine
    WHERE r.id = mine.id AND r.reply IS NULL
    RETURNING r.*
), recorded AS (
    INSERT INTO review_changes (review_id, professional_id, action, actor_id)
    SELECT id, professional_id, 'replied', :user_id FROM replied
)
SELECT {_PROFESSIONAL_COLUMNS}
FROM mine
LEFT JOIN (replied r JOIN clients c ON c.id = r.client_id) ON r.id = mine.id
"""

# Hiding keeps the first hiding's time and takes the newest reason; the record is written only
# when the review's state changed (showing a shown review records nothing).
MODERATE_SQL = f"""
WITH {_MINE}, changed AS (
    UPDATE reviews r
    SET hidden_at = CASE WHEN CAST(:hidden AS boolean) THEN COALESCE(r.hidden_at, now()) END,
        hidden_reason = CASE WHEN CAST(:hidden AS boolean) THEN CAST(:reason AS text) END
    FROM mine
    WHERE r.id = mine.id
    RETURNING r.*
), recorded AS (
    INSERT INTO review_changes (review_id, professional_id, action, reason, actor_id)
    SELECT changed.id, changed.professional_id, :action, changed.hidden_reason, :user_id
    FROM changed JOIN mine ON mine.id = changed.id
    WHERE changed.hidden_reason IS DISTINCT FROM mine.hidden_reason
)
SELECT {_PROFESSIONAL_COLUMNS}
FROM changed r
JOIN clients c ON c.id = r.client_id
"""


def client_review(row: Mapping[str, Any]) -> ClientReview:
    return ClientReview(
        id=row["id"] if isinstance(row["id"], UUID) else UUID(row["id"]),
        rating=int(row["rating"]),
        comment=row["comment"],
        created_at=_instant(row["created_at"]),
        reply=row["reply"],
        replied_at=None if row["replied_at"] is None else _instant(row["replied_at"]),
    )


def _instant(value: datetime | str) -> datetime:
    # A review read inside JSON (the guest view's) carries its instants as text.
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _professional_review(row: Mapping[str, Any]) -> ProfessionalReview:
    return ProfessionalReview(
        review=client_review(row),
        appointment_id=row["appointment_id"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        hidden_at=row["hidden_at"],
        hidden_reason=row["hidden_reason"],
    )


class PostgresReviews:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def write(
        self, appointment_id: UUID, *, user_id: str | None, rating: int, comment: str | None
    ) -> WrittenReview | None:
        row = self._tx.one(
            WRITE_SQL,
            appointment_id=appointment_id,
            user_id=user_id,
            rating=rating,
            comment=comment,
        )
        if row is None:
            return None
        return WrittenReview(
            review=client_review(row),
            professional_id=row["professional_id"],
            client_name=row["client_name"],
            starts_at=row["starts_at"],
            timezone=row["timezone"],
            locale=row["locale"],
        )

    def target(self, appointment_id: UUID, *, user_id: str | None) -> ReviewTarget | None:
        row = self._tx.one(TARGET_SQL, appointment_id=appointment_id, user_id=user_id)
        if row is None:
            return None
        return ReviewTarget(status=row["status"], reviewed=bool(row["reviewed"]))

    def page(
        self, user_id: str, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ProfessionalReview] | None:
        found = self._tx.query(
            PAGE_SQL,
            user_id=user_id,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        if not found:
            return None
        return [_professional_review(row) for row in found if row["id"] is not None]

    def reply(self, user_id: str, review_id: UUID, text: str) -> ProfessionalReview | bool:
        row = self._tx.one(REPLY_SQL, user_id=user_id, review_id=review_id, text=text)
        if row is None or row["id"] is None:
            return row is not None
        return _professional_review(row)

    def moderate(
        self, user_id: str, review_id: UUID, *, action: Moderation, reason: str | None
    ) -> ProfessionalReview | None:
        row = self._tx.one(
            MODERATE_SQL,
            user_id=user_id,
            review_id=review_id,
            hidden=action == "hidden",
            reason=reason,
            action=action,
        )
        return None if row is None else _professional_review(row)
