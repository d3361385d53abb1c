"""The transactional outbox: messages written in the change's own transaction, handed to SQS
after it commits, and marked once the queue has them (their pending row deleted).

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
_INSERT_SQL = """
INSERT INTO notification_outbox (message_key, payload, professional_id)
SELECT item -> 'envelope' ->> 'messageKey', item -> 'envelope',
       CAST(item ->> 'professionalId' AS uuid)
FROM jsonb_array_elements(CAST(:items AS jsonb)) AS item
ON CONFLICT (message_key) DO NOTHING
RETURNING id, message_key
"""

# The rows written come back as one JSON array of [id, key] pairs, not a result row each: a
# page of a job is a thousand and more of them, and the driver spends more on each row than
# the server spends writing it.
ENQUEUE_SQL = f"""
WITH written AS ({_INSERT_SQL})
SELECT COALESCE(json_agg(json_build_array(id, message_key)), '[]') AS written FROM written
"""

# A message waits for the queue as a row of notification_outbox_pending, which a trigger
# writes with the outbox row (migration 0014); the queue taking it deletes that row, and the
# outbox row itself is never updated. Rows younger than the grace may still be in the hands
# of the request that wrote them.
PENDING_SQL = """
SELECT o.id, o.message_key, o.payload
FROM notification_outbox_pending q
JOIN notification_outbox o ON o.id = q.id
WHERE q.created_at < now() - make_interval(secs => :grace)
ORDER BY q.id
LIMIT :limit
FOR UPDATE OF q SKIP LOCKED
"""

# The ids travel as one comma-separated text: a page of reminders marks 1,500 rows at once,
# and a list parameter of that size costs the server several times the marking itself.
MARK_ENQUEUED_SQL = """
DELETE FROM notification_outbox_pending
WHERE id = ANY(CAST(string_to_array(:ids, ',') AS bigint[]))
"""

MARK_FAILED_SQL = """
UPDATE notification_outbox_pending SET attempts = attempts + 1, last_error = :error
WHERE id = ANY(CAST(string_to_array(:ids, ',') AS bigint[]))
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
            execute(MARK_ENQUEUED_SQL, ids=_id_list(sorted(accepted)))
        if rejected:
            execute(MARK_FAILED_SQL, ids=_id_list(rejected), error=error)
    except Exception as exc:
        # Sent but still pending in the outbox: the relay sends them again and the consumer's
        # delivery records drop the duplicate.
        logger.warning("outbox update failed", extra={"error_type": type(exc).__name__})
    if accepted:
        count("NotificationsEnqueued", len(accepted))
    if rejected:
        count("NotificationEnqueueFailures", len(rejected))
    return len(accepted)


def _id_list(ids: Sequence[int]) -> str:
    return ",".join(map(str, ids))


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
        [row] = self._tx.query(ENQUEUE_SQL, items=json.dumps(payload))
        written = [OutboxMessage(id_, key, by_key[key]) for id_, key in row["written"]]
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
