"""The transactional outbox: messages written in the change's own transaction, handed to SQS
after it commits, and marked once the queue has them.

A message can reach the queue twice (sent, then the mark failed, then the relay sends it
again); each carries a stable key, so the consumer's delivery records drop the duplicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from agenda.observability import count, logger
from agenda.service.records import OutboxMessage

if TYPE_CHECKING:
    from agenda.adapters.postgres import Transaction
    from agenda.adapters.queue import Publisher
    from agenda.service.ports import Queued

# Messages caused by any change, written in the change's own transaction. A message already
# queued under the same key (a retried transaction, a repeated job) is not queued again.
# Each row carries its own professional (the rows cascade with them), so a job can queue the
# messages of many professionals in one statement.
ENQUEUE_SQL = """
INSERT INTO notification_outbox (message_key, payload, professional_id)
SELECT item -> 'envelope' ->> 'messageKey', item -> 'envelope',
       CAST(item ->> 'professionalId' AS uuid)
FROM jsonb_array_elements(CAST(:items AS jsonb)) AS item
ON CONFLICT (message_key) DO NOTHING
RETURNING id, message_key
"""

# Rows younger than the grace may still be in the hands of the request that wrote them.
PENDING_SQL = """
SELECT id, message_key, payload FROM notification_outbox
WHERE enqueued_at IS NULL AND created_at < now() - make_interval(secs => :grace)
ORDER BY id
LIMIT :limit
FOR UPDATE SKIP LOCKED
"""

MARK_ENQUEUED_SQL = """
UPDATE notification_outbox
SET enqueued_at = now(), attempts = attempts + 1, last_error = NULL
WHERE id = ANY(CAST(:ids AS bigint[]))
"""

MARK_FAILED_SQL = """
UPDATE notification_outbox SET attempts = attempts + 1, last_error = :error
WHERE id = ANY(CAST(:ids AS bigint[]))
"""

Execute = Callable[..., object]


def dispatch(execute: Execute, publisher: Publisher, messages: Sequence[OutboxMessage]) -> int:
    """Hand outbox rows to the queue and record the outcome; return how many were accepted.

    Never raises: what the queue did not accept stays in the outbox for the relay. `execute`
    runs one statement (autocommit after a commit, or inside the relay's transaction).
    """
    if not messages:
        return 0
    try:
        accepted = publisher.publish(messages)
        error = "rejected by the queue"
    except Exception as exc:
        logger.warning("notification enqueue failed", extra={"error_type": type(exc).__name__})
        accepted, error = set(), type(exc).__name__
    rejected = [message.id for message in messages if message.id not in accepted]
    try:
        if accepted:
            execute(MARK_ENQUEUED_SQL, ids=sorted(accepted))
        if rejected:
            execute(MARK_FAILED_SQL, ids=rejected, error=error)
    except Exception as exc:
        # Sent but still pending in the outbox: the relay sends them again and the consumer's
        # delivery records drop the duplicate.
        logger.warning("outbox update failed", extra={"error_type": type(exc).__name__})
    if accepted:
        count("NotificationsEnqueued", len(accepted))
    if rejected:
        count("NotificationEnqueueFailures", len(rejected))
    return len(accepted)


def outbox_messages(rows: Sequence[Mapping[str, Any]] | None) -> list[OutboxMessage]:
    """Rows of (id, message_key, payload), or the same as JSON objects a statement aggregated."""
    return [OutboxMessage(row["id"], row["message_key"], row["payload"]) for row in rows or ()]


class PostgresOutbox:
    """The outbox of one transaction. Rows it writes are collected in `written`, which the unit
    of work dispatches once the transaction has committed."""

    def __init__(
        self, tx: Transaction, written: list[OutboxMessage], publisher: Publisher | None
    ) -> None:
        self._tx = tx
        self._written = written
        self._publisher = publisher

    def add(self, items: Sequence[Queued]) -> list[str]:
        payload = [
            {"professionalId": str(pid) if pid else None, "envelope": envelope}
            for pid, envelope in items
        ]
        if not payload:
            return []
        # The rows written answer their ids only: the envelopes are here already, and a page of
        # reminders is a thousand and more of them.
        by_key = {envelope["messageKey"]: envelope for _, envelope in items}
        rows = self._tx.query(ENQUEUE_SQL, items=json.dumps(payload))
        written = [OutboxMessage(row["id"], row["message_key"], by_key[row["message_key"]])
                   for row in rows]  # fmt: skip
        self._written.extend(written)
        return [message.key for message in written]

    def collect(self, messages: Sequence[OutboxMessage]) -> None:
        """Rows another statement of this transaction wrote (a booking writes its own)."""
        self._written.extend(messages)

    def pending(self, *, grace_seconds: int, limit: int) -> list[OutboxMessage]:
        return outbox_messages(self._tx.query(PENDING_SQL, grace=grace_seconds, limit=limit))

    def send(self, messages: Sequence[OutboxMessage]) -> int:
        if self._publisher is None:
            raise RuntimeError("this unit of work has no queue to send to")
        return dispatch(self._tx.execute, self._publisher, messages)
