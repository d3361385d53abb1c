"""SQL for in-app notifications, always scoped to the signed-in user's own rows."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.service.records import InAppNotification

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.domain.notices import Notice

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


def _notification(row: Mapping[str, Any]) -> InAppNotification:
    return InAppNotification(
        id=row["id"],
        type=row["type"],
        title=row["title"],
        body=row["body"],
        data=row["data"],
        read_at=row["read_at"],
        created_at=row["created_at"],
    )


class PostgresInbox:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def page(
        self, user_id: str, *, unread_only: bool, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[InAppNotification]:
        rows = self._tx.query(
            LIST_SQL,
            user_id=user_id,
            unread_only=unread_only,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return [_notification(row) for row in rows]

    def unread(self, user_id: str) -> int:
        row = self._tx.one(UNREAD_SQL, user_id=user_id)
        return int(row["unread"]) if row else 0

    def mark(self, user_id: str, notification_id: UUID, *, read: bool) -> InAppNotification | None:
        row = self._tx.one(MARK_SQL, user_id=user_id, notification_id=notification_id, read=read)
        return _notification(row) if row is not None else None

    def mark_all(self, user_id: str) -> int:
        row = self._tx.one(MARK_ALL_SQL, user_id=user_id)
        return int(row["marked"]) if row else 0


# Every notice of one call in one statement; one whose key was already written is dropped.
ADD_NOTICES_SQL = """
INSERT INTO notifications (professional_id, recipient, type, title, body, data, dedupe_key)
SELECT :professional_id, 'professional', n.type, n.title, n.body,
       CASE WHEN n.appointment_id IS NULL THEN '{}'::jsonb
            ELSE jsonb_build_object('appointmentId', n.appointment_id) END,
       n.key
FROM jsonb_to_recordset(CAST(:notices AS jsonb))
     AS n(type text, title text, body text, appointment_id uuid, key text)
ON CONFLICT (dedupe_key) DO NOTHING
"""


class PostgresNotices:
    """The professional's in-app notices, written in the transaction of what they tell of."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, professional_id: UUID, notices: Sequence[Notice]) -> None:
        if not notices:
            return
        self._tx.execute(
            ADD_NOTICES_SQL,
            professional_id=professional_id,
            notices=json.dumps(
                [
                    {
                        "type": n.type,
                        "title": n.title,
                        "body": n.body,
                        "appointment_id": str(n.appointment_id) if n.appointment_id else None,
                        "key": n.key,
                    }
                    for n in notices
                ]
            ),
        )
