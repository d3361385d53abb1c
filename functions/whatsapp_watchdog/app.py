"""Scheduled job: checks each WhatsApp instance in use and the notification pipeline's health
(dead-letter queue depth, failed deliveries of the last day), alerting when they need it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agenda.adapters.health import EvolutionConnectionStates, SqsQueueDepth
from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.domain.reminders import Thresholds
from agenda.observability import logger
from agenda.service.watchdog import WatchdogDependencies, run_watchdog
from agenda.settings import DatabaseSettings, QueueSettings, WatchdogSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = WatchdogSettings.from_env()
dependencies = WatchdogDependencies(
    db=Database(DatabaseSettings.from_env(), application_name="whatsapp_watchdog"),
    publisher=SqsPublisher(QueueSettings.from_env()),
    states=EvolutionConnectionStates(settings),
    dead_letters=SqsQueueDepth(settings),
    platform_instance=settings.whatsapp_instance,
    thresholds=Thresholds(settings.dead_letter_threshold, settings.failed_threshold),
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = run_watchdog(dependencies, now=datetime.now(UTC))
    return report.as_dict()
