"""SQL of a professional's private notes about a client (docs/client-relationship.md).

Every statement finds the client among the signed-in user's professional's clients (clients
joined to professionals on ``user_id``) in the statement that reads or writes the note, so no
note is read or written between a check and its use, and a client of another professional, or
a note of another client, is simply not there. An anonymised client is still the
professional's: their notes stay readable and writable (DESIGN.md, "Deleting people").
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from agenda.service.records import ClientNote

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

_OWNED_CLIENT = """
SELECT c.id, c.professional_id
FROM clients c JOIN professionals p ON p.id = c.professional_id
WHERE c.id = :client_id AND p.user_id = :user_id
"""

# One row per note of the page; a client without notes answers one row without a note, and a
# client that is not the user's answers none.
PAGE_SQL = f"""
WITH owned AS ({_OWNED_CLIENT})
SELECT o.id AS client_id, n.id, n.body, n.created_at, n.updated_at
FROM owned o
LEFT JOIN LATERAL (
    SELECT t.id, t.body, t.created_at, t.updated_at
    FROM client_notes t
    WHERE t.client_id = o.id AND t.professional_id = o.professional_id
      AND (CAST(:after_at AS timestamptz) IS NULL
           OR (t.created_at, t.id) < (CAST(:after_at AS timestamptz), CAST(:after_id AS uuid)))
    ORDER BY t.created_at DESC, t.id DESC
    LIMIT :limit
) n ON true
ORDER BY n.created_at DESC, n.id DESC
"""

ADD_SQL = f"""
WITH owned AS ({_OWNED_CLIENT})
INSERT INTO client_notes (professional_id, client_id, body)
SELECT o.professional_id, o.id, :body FROM owned o
RETURNING id, client_id, body, created_at, updated_at
"""

CHANGE_SQL = f"""
WITH owned AS ({_OWNED_CLIENT})
UPDATE client_notes n SET body = :body, updated_at = now()
FROM owned o
WHERE n.id = :note_id AND n.client_id = o.id AND n.professional_id = o.professional_id
RETURNING n.id, n.client_id, n.body, n.created_at, n.updated_at
"""

DELETE_SQL = f"""
WITH owned AS ({_OWNED_CLIENT})
DELETE FROM client_notes n
USING owned o
WHERE n.id = :note_id AND n.client_id = o.id AND n.professional_id = o.professional_id
RETURNING n.id
"""


def _note(row: Mapping[str, Any]) -> ClientNote:
    return ClientNote(
        id=row["id"],
        client_id=row["client_id"],
        text=row["body"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class PostgresClientNotes:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def page(
        self, user_id: str, client_id: UUID, *, after: tuple[datetime, UUID] | None, limit: int
    ) -> list[ClientNote] | None:
        rows = self._tx.query(
            PAGE_SQL,
            user_id=user_id,
            client_id=client_id,
            after_at=after[0] if after else None,
            after_id=after[1] if after else None,
            limit=limit,
        )
        if not rows:
            return None
        return [_note(row) for row in rows if row["id"] is not None]

    def add(self, user_id: str, client_id: UUID, text: str) -> ClientNote | None:
        row = self._tx.one(ADD_SQL, user_id=user_id, client_id=client_id, body=text)
        return _note(row) if row is not None else None

    def change(self, user_id: str, client_id: UUID, note_id: UUID, text: str) -> ClientNote | None:
        row = self._tx.one(
            CHANGE_SQL, user_id=user_id, client_id=client_id, note_id=note_id, body=text
        )
        return _note(row) if row is not None else None

    def delete(self, user_id: str, client_id: UUID, note_id: UUID) -> bool:
        row = self._tx.one(DELETE_SQL, user_id=user_id, client_id=client_id, note_id=note_id)
        return row is not None
