"""SQL for in-app notifications, always scoped to the signed-in user's own rows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database

# The rows a user may see: as a professional (their own page's notices) and as a registered
# client (notices about their appointments). One person can be both.
_MINE = """
    ((n.recipient = 'professional'
      AND n.professional_id IN (SELECT id FROM professionals WHERE user_id = :user_id))
  OR (n.recipient = 'client'
      AND n.client_id IN (SELECT id FROM clients WHERE user_id = :user_id)))
"""

LIST_SQL = f"""
SELECT n.id, n.type, n.title, n.body, n.data, n.read_at, n.created_at
FROM notifications n
WHERE {_MINE}
  AND (NOT CAST(:unread_only AS boolean) OR n.read_at IS NULL)
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (n.created_at, n.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY n.created_at DESC, n.id DESC
LIMIT :limit
"""

MARK_SQL = f"""
UPDATE notifications n
SET read_at = CASE WHEN CAST(:read AS boolean) THEN COALESCE(n.read_at, now()) END
WHERE n.id = :notification_id AND {_MINE}
RETURNING n.id, n.type, n.title, n.body, n.data, n.read_at, n.created_at
"""

MARK_ALL_SQL = f"""
WITH marked AS (
    UPDATE notifications n SET read_at = now()
    WHERE n.read_at IS NULL AND {_MINE}
    RETURNING 1
)
SELECT count(*) AS marked FROM marked
"""

UNREAD_SQL = f"SELECT count(*) AS unread FROM notifications n WHERE n.read_at IS NULL AND {_MINE}"


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def page(
        self, user_id: str, *, unread_only: bool, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[dict[str, Any]]:
        return self.db.query(
            LIST_SQL,
            user_id=user_id,
            unread_only=unread_only,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )

    def unread(self, user_id: str) -> int:
        return int(self.db.query(UNREAD_SQL, user_id=user_id)[0]["unread"])

    def mark(self, user_id: str, notification_id: UUID, *, read: bool) -> dict[str, Any] | None:
        rows = self.db.query(MARK_SQL, user_id=user_id, notification_id=notification_id, read=read)
        return rows[0] if rows else None

    def mark_all(self, user_id: str) -> int:
        return int(self.db.query(MARK_ALL_SQL, user_id=user_id)[0]["marked"])
