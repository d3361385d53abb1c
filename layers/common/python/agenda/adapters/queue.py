"""The notifications queue: outbox rows go to SQS (agenda.adapters.outbox marks them).

boto3 is imported on first use, so read-only paths never pay its ~200 ms import.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from agenda.observability import logger

if TYPE_CHECKING:
    from agenda.service.records import OutboxMessage
    from agenda.settings import QueueSettings

SQS_BATCH_LIMIT = 10


class Publisher(Protocol):
    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        """Send messages; return the ids of those the queue accepted."""
        ...


class LazySqs:
    """One boto3 SQS client, made on first use (boto3 costs ~200 ms of imports)."""

    def __init__(self, settings: QueueSettings) -> None:
        self.settings = settings
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.client(
                "sqs",
                region_name=self.settings.region,
                endpoint_url=self.settings.endpoint_url,
                # Fail fast: the outbox keeps anything not accepted, so a slow queue must not
                # hold a booking's answer hostage.
                config=Config(
                    connect_timeout=1,
                    read_timeout=2,
                    retries={"max_attempts": 2, "mode": "standard"},
                ),
            )
        return self._client


class SqsPublisher:
    def __init__(self, settings: QueueSettings) -> None:
        self._sqs = LazySqs(settings)

    def publish(self, messages: Sequence[OutboxMessage]) -> set[int]:
        accepted: set[int] = set()
        for start in range(0, len(messages), SQS_BATCH_LIMIT):
            batch = messages[start : start + SQS_BATCH_LIMIT]
            answer = self._sqs.client().send_message_batch(
                QueueUrl=self._sqs.settings.queue_url,
                Entries=[
                    {
                        "Id": str(message.id),
                        "MessageBody": json.dumps(message.payload),
                    }
                    for message in batch
                ],
            )
            accepted.update(int(entry["Id"]) for entry in answer.get("Successful", []))
        return accepted


class SqsVisibility:
    """Sets when failed messages come back, so retries back off instead of waiting out the
    queue's whole visibility timeout."""

    def __init__(self, settings: QueueSettings) -> None:
        self._sqs = LazySqs(settings)

    def delay(self, receipts: Sequence[tuple[str, int]]) -> None:
        """Best effort: a message whose change fails just waits for the normal timeout."""
        for start in range(0, len(receipts), SQS_BATCH_LIMIT):
            batch = receipts[start : start + SQS_BATCH_LIMIT]
            try:
                self._sqs.client().change_message_visibility_batch(
                    QueueUrl=self._sqs.settings.queue_url,
                    Entries=[
                        {"Id": str(i), "ReceiptHandle": handle, "VisibilityTimeout": seconds}
                        for i, (handle, seconds) in enumerate(batch)
                    ],
                )
            except Exception as exc:
                logger.warning("visibility change failed", extra={"error_type": type(exc).__name__})
