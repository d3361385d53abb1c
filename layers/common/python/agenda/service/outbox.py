"""Recovering messages whose enqueue failed: the outbox relay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agenda.adapters.queue import dispatch
from agenda.adapters.repository import OutboxMessage

if TYPE_CHECKING:
    from agenda.adapters.postgres import Database, Transaction
    from agenda.adapters.queue import Publisher

# Rows younger than this may still be in the hands of the request that wrote them.
GRACE_SECONDS = 30

PENDING_SQL = """
SELECT id, message_key, payload FROM notification_outbox
WHERE enqueued_at IS NULL AND created_at < now() - make_interval(secs => :grace)
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""


def relay(
    db: Database, publisher: Publisher, *, batch: int = 100, grace_seconds: int = GRACE_SECONDS
) -> int:
    """Send pending outbox rows to the queue, a batch at a time; return how many were accepted.

    Rows are locked while they are sent (SKIP LOCKED), so two relays never send the same row.
    """
    total = 0
    while True:

        def claim_and_send(tx: Transaction) -> tuple[int, int]:
            rows = tx.query(PENDING_SQL, grace=grace_seconds, limit=batch)
            messages = [OutboxMessage(r["id"], r["message_key"], r["payload"]) for r in rows]
            return len(messages), dispatch(tx.execute, publisher, messages)

        found, accepted = db.transaction(claim_and_send)
        total += accepted
        if found < batch or accepted == 0:
            return total
