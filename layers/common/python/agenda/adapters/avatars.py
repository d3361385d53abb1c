"""SQL of the professional's photo: whose uploads these are, and the stored address."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

OWNER_SQL = "SELECT id FROM professionals WHERE user_id = :user_id"

# The previous address comes back, so its object can go once the new one is in place.
REPLACE_SQL = """
UPDATE professionals p SET avatar_url = :url, updated_at = now()
FROM professionals before
WHERE p.id = :professional_id AND before.id = p.id
RETURNING before.avatar_url AS previous
"""


class PostgresAvatars:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def owner(self, user_id: str) -> UUID | None:
        row = self._tx.one(OWNER_SQL, user_id=user_id)
        return row["id"] if row else None

    def replace(self, professional_id: UUID, url: str) -> str | None:
        row = self._tx.one(REPLACE_SQL, professional_id=professional_id, url=url)
        return row["previous"] if row else None
