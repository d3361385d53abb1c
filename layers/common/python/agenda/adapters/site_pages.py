"""SQL for the professionals' public pages: the jobs the triggers of migration 0017 queue,
and what the page at a slug shows now."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from agenda.adapters.professionals import PostgresProfessionals
from agenda.domain.language import language_of

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.service.records import ProfilePage, RedirectPage

CLAIM_SQL = """
SELECT slug FROM site_page_jobs ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
CLAIM_OF_PROFESSIONAL_SQL = """
SELECT slug FROM site_page_jobs
WHERE slug IN (SELECT slug FROM professional_slugs WHERE professional_id = :professional_id)
ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
# A transaction-scoped lock (RDS Proxy pins no connection for it) orders the publishers of one
# slug: each reads the state after the previous one committed, so the last write is of the
# latest state. Rows another publisher holds are skipped, never waited for: that publisher
# waits for this lock and writes the page again from what it reads then.
TAKE_SQL = """
WITH held AS (SELECT pg_advisory_xact_lock(hashtextextended('site-page:' || :slug, 0)))
DELETE FROM site_page_jobs
WHERE id IN (SELECT id FROM site_page_jobs, held WHERE slug = :slug FOR UPDATE SKIP LOCKED)
"""
# A failed page goes to the back of the queue, as one row.
REQUEUE_SQL = """
WITH gone AS (DELETE FROM site_page_jobs WHERE slug = :slug)
INSERT INTO site_page_jobs (slug) VALUES (:slug)
"""
# Whose slug it is and whether their page is public; the profile read after it brings the
# shown reviews, their count and average.
STATE_SQL = """
SELECT p.slug AS current_slug, p.active, s.retired_at IS NOT NULL AS retired, p.name, p.locale
FROM professional_slugs s
JOIN professionals p ON p.id = s.professional_id
WHERE s.slug = :slug
"""


class PostgresSitePageJobs:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def claim(self, professional_id: UUID | None = None) -> str | None:
        if professional_id is None:
            row = self._tx.one(CLAIM_SQL)
        else:
            row = self._tx.one(CLAIM_OF_PROFESSIONAL_SQL, professional_id=professional_id)
        return None if row is None else str(row["slug"])

    def take(self, slug: str) -> None:
        self._tx.execute(TAKE_SQL, slug=slug)

    def requeue(self, slug: str) -> None:
        self._tx.execute(REQUEUE_SQL, slug=slug)

    def state(self, slug: str) -> ProfilePage | RedirectPage | None:
        from agenda.service.records import ProfilePage, RedirectPage

        row = self._tx.one(STATE_SQL, slug=slug)
        if row is None or not row["active"]:
            return None
        if row["retired"]:
            return RedirectPage(
                slug=slug,
                target=str(row["current_slug"]),
                name=str(row["name"]),
                language=language_of(row["locale"]),
            )
        profile = PostgresProfessionals(self._tx).public_profile(slug)
        if profile is None:  # made inactive between the two reads
            return None
        return ProfilePage(
            profile=profile,
            review_count=profile.review_count,
            review_average=profile.review_average,
        )
