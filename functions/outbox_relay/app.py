"""Scheduled every minute: re-sends notifications whose enqueue failed (queue outage)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.outbox import relay
from agenda.wiring import Wiring

uow = Wiring("outbox_relay").uow


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sent = relay(uow)
    if sent:
        logger.info("outbox relayed", extra={"sent": sent})
    return {"sent": sent}
