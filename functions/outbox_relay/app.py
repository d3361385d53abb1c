"""Scheduled every minute: re-sends notifications whose enqueue failed (queue outage)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.observability import logger
from agenda.service.outbox import relay
from agenda.settings import DatabaseSettings, QueueSettings

db = Database(DatabaseSettings.from_env(), application_name="outbox_relay")
publisher = SqsPublisher(QueueSettings.from_env())


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sent = relay(db, publisher)
    if sent:
        logger.info("outbox relayed", extra={"sent": sent})
    return {"sent": sent}
