"""Delivery records: the consumer's claim on a message before it calls a provider."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agenda.service.records import Claim, Claimed

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database


# One statement takes a new message, or retakes one whose last attempt failed or whose claim
# lapsed (its consumer died or timed out mid-call). `lapsed` tells the caller the provider may
# already have the message.
CLAIM_SQL = """
WITH previous AS (
    SELECT status, lease_until FROM notification_deliveries WHERE message_key = :key
)
INSERT INTO notification_deliveries AS d
    (message_key, channel, recipient, template, status, attempts, lease_until)
VALUES (:key, :channel, :recipient, :template, 'sending', 1,
        now() + make_interval(secs => :lease))
ON CONFLICT (message_key) DO UPDATE
    SET status = 'sending', attempts = d.attempts + 1, lease_until = EXCLUDED.lease_until,
        updated_at = now()
    WHERE d.status = 'failed' OR (d.status = 'sending' AND d.lease_until < now())
RETURNING d.attempts,
          COALESCE((SELECT status = 'sending' FROM previous), false) AS lapsed
"""

STATUS_SQL = "SELECT status, attempts FROM notification_deliveries WHERE message_key = :key"

SENT_SQL = """
UPDATE notification_deliveries
SET status = 'sent', provider_message_id = :provider_id, sent_at = now(), last_error = NULL,
    lease_until = NULL, updated_at = now()
WHERE message_key = :key
"""

FAILED_SQL = """
UPDATE notification_deliveries
SET status = :status, last_error = :error, lease_until = NULL, updated_at = now()
WHERE message_key = :key
"""


class Deliveries:
    def __init__(self, db: Database, *, lease_seconds: int = 60) -> None:
        self._db = db
        self._lease = lease_seconds

    def claim(self, *, key: str, channel: str, recipient: str, template: str) -> Claimed:
        rows = self._db.query(
            CLAIM_SQL, key=key, channel=channel, recipient=recipient, template=template,
            lease=self._lease,
        )  # fmt: skip
        if rows:
            outcome = Claim.RESEND if rows[0]["lapsed"] else Claim.SEND
            return Claimed(outcome, rows[0]["attempts"])
        current = self._db.query(STATUS_SQL, key=key)[0]
        outcome = {
            "sent": Claim.ALREADY_SENT,
            "sending": Claim.IN_FLIGHT,
            "undeliverable": Claim.UNDELIVERABLE,
            "unknown": Claim.UNKNOWN,
        }[current["status"]]
        return Claimed(outcome, current["attempts"])

    def sent(self, key: str, provider_id: str | None) -> None:
        self._db.query(SENT_SQL, key=key, provider_id=provider_id)

    def failed(self, key: str, error: str, *, permanent: bool) -> None:
        status = "undeliverable" if permanent else "failed"
        self._db.query(FAILED_SQL, key=key, status=status, error=error[:500])

    def unknown(self, key: str) -> None:
        self._db.query(FAILED_SQL, key=key, status="unknown", error="claim lapsed mid-call")
