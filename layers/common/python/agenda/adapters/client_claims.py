"""SQL for claiming client rows (docs/client-profile.md): a client row of a professional linked
to the sign-in that proved it holds it, that sign-in's client account made on its first claim,
and the rows of other professionals offered to the account.

A claim locks the row first (``FOR UPDATE``): two sign-ins claiming one row at once are put in
line by the lock, the second reads the first's ``user_id`` and is refused, so exactly one wins.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from agenda.adapters.client_profiles import CLAIMABLE_CLIENT_PREDICATE
from agenda.service.records import ClaimTarget, OfferedClient

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

LOCK_SQL = """
SELECT c.id, c.user_id, c.anonymised_at IS NOT NULL AS anonymised,
       p.name AS professional_name, p.slug AS professional_slug,
       EXISTS (SELECT 1 FROM client_accounts ca
               WHERE ca.user_id = :user_id AND ca.deletion_requested_at IS NOT NULL) AS leaving
FROM clients c
JOIN professionals p ON p.id = c.professional_id
WHERE c.id = COALESCE(CAST(:client_id AS uuid),
                      (SELECT a.client_id FROM appointments a
                       WHERE a.id = CAST(:appointment_id AS uuid)))
FOR UPDATE OF c
"""

# The account is made from the row on the first claim only (a later claim keeps the contact
# details the account holds); its language is the row's professional's, the one the client's
# messages came in so far.
CLAIM_SQL = """
WITH account AS (
    INSERT INTO client_accounts (user_id, name, phone, email, language)
    SELECT :user_id, c.name, c.phone, c.email, p.locale
    FROM clients c JOIN professionals p ON p.id = c.professional_id
    WHERE c.id = :client_id
    ON CONFLICT (user_id) DO NOTHING
)
UPDATE clients SET user_id = :user_id, updated_at = now() WHERE id = :client_id
"""

# The profile's own rule of which rows are offered (one rule for the list, the code and the
# claim by code).
OFFERED_SQL = f"""
SELECT c.id, c.phone, c.email, p.name AS professional_name, a.name AS account_name,
       a.language
FROM client_accounts a
JOIN clients c ON c.id = :client_id
JOIN professionals p ON p.id = c.professional_id
WHERE a.user_id = :user_id AND {CLAIMABLE_CLIENT_PREDICATE}
"""


class PostgresClientClaims:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def lock(
        self, client_id: UUID | None, user_id: str, *, appointment_id: UUID | None = None
    ) -> ClaimTarget | None:
        row = self._tx.one(
            LOCK_SQL, client_id=client_id, appointment_id=appointment_id, user_id=user_id
        )
        if row is None:
            return None
        return ClaimTarget(
            client_id=row["id"],
            user_id=row["user_id"],
            anonymised=row["anonymised"],
            professional_name=row["professional_name"],
            professional_slug=row["professional_slug"],
            account_leaving=row["leaving"],
        )

    def claim(self, client_id: UUID, user_id: str) -> None:
        self._tx.execute(CLAIM_SQL, client_id=client_id, user_id=user_id)

    def offered(self, user_id: str, client_id: UUID) -> OfferedClient | None:
        row = self._tx.one(OFFERED_SQL, user_id=user_id, client_id=client_id)
        if row is None:
            return None
        return OfferedClient(
            client_id=row["id"],
            phone=row["phone"],
            email=row["email"],
            professional_name=row["professional_name"],
            account_name=row["account_name"],
            language=row["language"],
        )
