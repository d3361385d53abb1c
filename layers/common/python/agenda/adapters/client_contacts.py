"""SQL for a client account's own details (docs/client-profile.md): its name and language, and
its confirmed phone and email, each copied onto every client row the account claimed so every
professional sees what the client keeps here.

``clients`` is unique on (professional_id, phone): a new phone that another client of one of
those professionals holds is refused by that key, and the statement that writes the account and
the rows is one, so nothing is half written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pg8000.exceptions import DatabaseError

from agenda.adapters.postgres import UNIQUE_VIOLATION, sqlstate
from agenda.domain.client_contact import CONTACT_IN_USE, in_use_fields
from agenda.domain.errors import ContactInUse
from agenda.service.records import ClientAccountContact

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

LOCK_SQL = """
SELECT name, phone, email, language FROM client_accounts
WHERE user_id = :user_id AND deletion_requested_at IS NULL
FOR UPDATE
"""

RENAME_SQL = """
WITH account AS (
    UPDATE client_accounts SET name = :name, language = :language, updated_at = now()
    WHERE user_id = :user_id
)
UPDATE clients SET name = :name, updated_at = now()
WHERE user_id = :user_id AND name <> :name
"""

# Another client of a professional the account is a client of, with that phone or email.
HELD_ELSEWHERE_SQL = """
SELECT EXISTS (
    SELECT 1 FROM clients other
    WHERE other.professional_id IN (SELECT professional_id FROM clients WHERE user_id = :user_id)
      AND other.user_id IS DISTINCT FROM :user_id
      AND (other.phone = CAST(:phone AS text) OR lower(other.email) = lower(CAST(:email AS text)))
) AS held
"""

CHANGE_CONTACT_SQL = """
WITH account AS (
    UPDATE client_accounts
    SET phone = COALESCE(CAST(:phone AS text), phone),
        email = COALESCE(CAST(:email AS text), email),
        updated_at = now()
    WHERE user_id = :user_id
)
UPDATE clients
SET phone = COALESCE(CAST(:phone AS text), phone),
    email = COALESCE(CAST(:email AS text), email),
    updated_at = now()
WHERE user_id = :user_id
"""


class PostgresClientContacts:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lock(self, user_id: str) -> ClientAccountContact | None:
        row = self._tx.one(LOCK_SQL, user_id=user_id)
        if row is None:
            return None
        return ClientAccountContact(row["name"], row["phone"], row["email"], row["language"])

    def rename(self, user_id: str, *, name: str, language: str) -> None:
        self._tx.execute(RENAME_SQL, user_id=user_id, name=name, language=language)

    def held_elsewhere(self, user_id: str, *, phone: str | None, email: str | None) -> bool:
        row = self._tx.one(HELD_ELSEWHERE_SQL, user_id=user_id, phone=phone, email=email)
        return bool(row and row["held"])

    def change_contact(self, user_id: str, *, phone: str | None, email: str | None) -> None:
        try:
            self._tx.execute(CHANGE_CONTACT_SQL, user_id=user_id, phone=phone, email=email)
        except DatabaseError as exc:
            if sqlstate(exc) == UNIQUE_VIOLATION:
                raise ContactInUse(CONTACT_IN_USE, fields=in_use_fields(phone)) from exc
            raise
