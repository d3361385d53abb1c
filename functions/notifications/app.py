"""SQS consumer: sends queued WhatsApp and email messages, reporting partial batch failures."""

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

from agenda.adapters.providers import DeliveryError, EvolutionWhatsApp, ResendEmail, Sender
from agenda.observability import count, logger
from agenda.service.notifications import Envelope, deliver
from agenda.settings import ProviderSettings

providers = ProviderSettings.from_env()
senders: dict[str, Sender] = {
    "whatsapp": EvolutionWhatsApp(providers),
    "email": ResendEmail(providers),
}
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    envelope = Envelope.model_validate_json(record.body)
    try:
        deliver(envelope, senders)
    except DeliveryError as exc:
        count("NotificationFailed", channel=envelope.channel, permanent=str(exc.permanent))
        logger.warning(
            "notification not delivered",
            extra={
                "message_key": envelope.messageKey,
                "permanent": exc.permanent,
                "status": exc.status,
                "receive_count": record.attributes.approximate_receive_count,
            },
        )
        raise


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
