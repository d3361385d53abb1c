"""SQL for the threads of messages between a professional and one client (agenda.domain.threads,
docs/client-relationship.md): who reaches a thread, its pages, marking the other side's
messages read, and a new message written with the other side's in-app notice.

A thread is a ``clients`` row. Its professional reaches it through ``professionals.user_id``,
the client through ``clients.user_id`` (the row their account claimed), the holder of a guest
link through one of its appointments; an anonymised row is nobody's thread any more.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.domain.parties import Party
from agenda.service.records import ThreadMessage, ThreadRecord

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.domain.threads import Side
    from agenda.service.records import NewThreadMessage

# Both sides' names and channels, and the client's latest appointment (the manage link the
# professional's messages carry back to the thread).
_THREAD = """
SELECT c.id AS client_id, p.id AS professional_id, p.name AS professional_name,
       p.phone AS professional_phone, p.email AS professional_email, p.slug, p.locale,
       c.name AS client_name, c.phone AS client_phone, c.email AS client_email,
       {reader} AS reader, latest.id AS latest_id, latest.ends_at AS latest_ends_at
FROM clients c
JOIN professionals p ON p.id = c.professional_id
LEFT JOIN LATERAL (
    SELECT a.id, a.ends_at FROM appointments a
    WHERE a.client_id = c.id ORDER BY a.starts_at DESC, a.id DESC LIMIT 1
) latest ON true
"""

# The professional role wins for a person who is both (their own client).
FOR_USER_SQL = (
    _THREAD.format(reader="CASE WHEN p.user_id = :user_id THEN 'professional' ELSE 'client' END")
    + """
WHERE c.id = :client_id AND c.anonymised_at IS NULL
  AND (p.user_id = :user_id OR c.user_id = :user_id)
"""
)

FOR_APPOINTMENT_SQL = (
    _THREAD.format(reader="'client'")
    + """
WHERE c.id = (SELECT t.client_id FROM appointments t WHERE t.id = :appointment_id)
  AND c.anonymised_at IS NULL
"""
)

MARK_READ_SQL = """
WITH marked AS (
    UPDATE messages SET read_at = now(), updated_at = now()
    WHERE client_id = :client_id AND sender = :sender AND read_at IS NULL
    RETURNING 1
)
SELECT count(*) AS marked FROM marked
"""

PAGE_SQL = """
SELECT id, sender, body, created_at, read_at
FROM messages
WHERE client_id = :client_id
  AND (CAST(:after_at AS timestamptz) IS NULL
       OR (created_at, id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
ORDER BY created_at DESC, id DESC
LIMIT :limit
"""

# The message and the other side's notice in one statement; nothing when the row was anonymised
# since the thread was looked up. The notice carries the client row, so a client's deletion
# removes the client's notices and scrubs the professional's (docs/privacy.md).
WRITE_SQL = """
WITH thread AS (
    SELECT c.id, c.professional_id FROM clients c
    WHERE c.id = :client_id AND c.professional_id = :professional_id
      AND c.anonymised_at IS NULL
), written AS (
    INSERT INTO messages (id, professional_id, client_id, sender, body, channel)
    SELECT :id, t.professional_id, t.id, :sender, :body, 'app' FROM thread t
    RETURNING id, sender, body, created_at, read_at
), notice AS (
    INSERT INTO notifications (professional_id, client_id, recipient, type, title, body, data)
    SELECT t.professional_id, t.id,
           CASE WHEN :sender = 'professional' THEN 'client' ELSE 'professional' END,
           'message', :title, :notice_body,
           jsonb_build_object('clientId', t.id, 'messageId', w.id)
    FROM thread t CROSS JOIN written w
    RETURNING 1
)
SELECT w.id, w.sender, w.body, w.created_at, w.read_at FROM written w
"""


def _thread(row: Mapping[str, Any]) -> ThreadRecord:
    latest: tuple[UUID, datetime] | None = None
    if row["latest_id"] is not None:
        latest = (row["latest_id"], row["latest_ends_at"])
    return ThreadRecord(
        client_id=row["client_id"],
        professional_id=row["professional_id"],
        professional=Party(
            row["professional_name"], row["professional_phone"], row["professional_email"]
        ),
        professional_slug=row["slug"],
        locale=row["locale"],
        client=Party(row["client_name"], row["client_phone"], row["client_email"]),
        reader=row["reader"],
        reply_to=latest,
    )


def _message(row: Mapping[str, Any]) -> ThreadMessage:
    return ThreadMessage(
        id=row["id"],
        sender=row["sender"],
        text=row["body"],
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


class PostgresMessages:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def thread_for_user(self, client_id: UUID, user_id: str) -> ThreadRecord | None:
        row = self._tx.one(FOR_USER_SQL, client_id=client_id, user_id=user_id)
        return None if row is None else _thread(row)

    def thread_for_appointment(self, appointment_id: UUID) -> ThreadRecord | None:
        row = self._tx.one(FOR_APPOINTMENT_SQL, appointment_id=appointment_id)
        return None if row is None else _thread(row)

    def mark_read(self, client_id: UUID, sender: Side) -> int:
        row = self._tx.one(MARK_READ_SQL, client_id=client_id, sender=sender)
        return int(row["marked"]) if row else 0

    def page(
        self, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ThreadMessage]:
        rows = self._tx.query(
            PAGE_SQL,
            client_id=client_id,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        return [_message(row) for row in rows]

    def write(self, message: NewThreadMessage) -> ThreadMessage | None:
        row = self._tx.one(
            WRITE_SQL,
            id=message.id,
            client_id=message.client_id,
            professional_id=message.professional_id,
            sender=message.sender,
            body=message.text,
            title=message.notice_title,
            notice_body=message.notice_body,
        )
        return None if row is None else _message(row)
