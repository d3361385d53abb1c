"""SQL for one-time verification codes (migration 0015's ``verification_codes``): only a keyed
hash of each code is stored (agenda.domain.verification).

A sign-in has at most one live code per purpose: issuing one kills the others in the same
statement. A try locks the code (``FOR UPDATE``), so tries made at once take turns and a code
never gets more wrong tries than it allows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from agenda.service.records import LiveCode, NewVerificationCode

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction

# A superseded code is marked as used: it can never be tried again.
ISSUE_SQL = """
WITH superseded AS (
    UPDATE verification_codes SET consumed_at = now()
    WHERE user_id = :user_id AND purpose = :purpose AND consumed_at IS NULL
)
INSERT INTO verification_codes
    (id, user_id, purpose, channel, destination, client_id, code_hash, expires_at)
VALUES (:id, :user_id, :purpose, :channel, :destination, :client_id, :code_hash, :expires_at)
"""

LIVE_SQL = """
SELECT id, channel, destination, client_id, code_hash, attempts, expires_at
FROM verification_codes
WHERE user_id = :user_id AND purpose = :purpose AND consumed_at IS NULL
ORDER BY created_at DESC
LIMIT 1
FOR UPDATE
"""

USED_SQL = "UPDATE verification_codes SET consumed_at = :now WHERE id = :id"
WRONG_SQL = "UPDATE verification_codes SET attempts = attempts + 1 WHERE id = :id"


class PostgresVerificationCodes:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def issue(self, code: NewVerificationCode) -> None:
        self._tx.execute(
            ISSUE_SQL,
            id=code.id,
            user_id=code.user_id,
            purpose=code.purpose,
            channel=code.channel,
            destination=code.destination,
            client_id=code.client_id,
            code_hash=code.code_hash,
            expires_at=code.expires_at,
        )

    def live(self, user_id: str, purpose: str) -> LiveCode | None:
        row = self._tx.one(LIVE_SQL, user_id=user_id, purpose=purpose)
        if row is None:
            return None
        return LiveCode(
            id=row["id"],
            channel=row["channel"],
            destination=row["destination"],
            client_id=row["client_id"],
            code_hash=bytes(row["code_hash"]),
            attempts=row["attempts"],
            expires_at=row["expires_at"],
        )

    def attempted(self, code_id: UUID, *, matched: bool, now: datetime) -> None:
        if matched:
            self._tx.execute(USED_SQL, id=code_id, now=now)
        else:
            self._tx.execute(WRONG_SQL, id=code_id)
