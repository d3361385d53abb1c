"""Scheduled job: checks each WhatsApp instance in use and the notification pipeline's health
(dead-letter queue depth, failed deliveries of the last day), alerting when they need it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agenda.observability import logger
from agenda.service.watchdog import run_watchdog
from agenda.wiring import Wiring, utc_now

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("whatsapp_watchdog").watchdog()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return run_watchdog(dependencies, now=utc_now()).as_dict()
