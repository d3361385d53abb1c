"""SQS consumer: sends queued WhatsApp and email messages, reporting partial batch failures.

A failed message goes back to the queue with a growing delay (its visibility timeout is set
from its receive count), so a flaky provider is retried at 2, 4, 8... seconds instead of after
the full visibility timeout; after maxReceiveCount receives SQS moves it to the dead-letter
queue. A message refused for good returns at once: it is not sent again, only counted down to
the dead-letter queue where someone can see it.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.notifications import backoff_seconds, consume
from agenda.service.ports import DeliveryError
from agenda.wiring import Wiring

wiring = Wiring("notifications")
dependencies = wiring.consumer()
visibility = wiring.visibility()
# Keep enough of the invocation for one more provider call and the bookkeeping after it.
RESERVE_SECONDS = wiring.provider_timeout_seconds + 2

# A batch whose every record failed is still reported item by item (not raised as a whole), so
# each failed message gets its own delay, and a lone undeliverable one runs down its receives.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    permanent: set[str] = set()

    def seconds_left() -> float:
        return context.get_remaining_time_in_millis() / 1000 - RESERVE_SECONDS

    def handle(record: SQSRecord) -> None:
        receives = int(record.attributes.approximate_receive_count or 1)
        try:
            consume(dependencies, record.body, receives=receives, seconds_left=seconds_left)
        except DeliveryError as exc:
            if exc.permanent:
                permanent.add(record.message_id)
            raise

    answer = process_partial_response(
        event=event, record_handler=handle, processor=processor, context=context
    )
    failed = {item["itemIdentifier"] for item in answer.get("batchItemFailures", [])}
    visibility.delay(
        [
            (
                record["receiptHandle"],
                backoff_seconds(
                    dependencies,
                    int(record["attributes"].get("ApproximateReceiveCount", 1)),
                    permanent=record["messageId"] in permanent,
                ),
            )
            for record in event["Records"]
            if record["messageId"] in failed
        ]
    )
    return answer
