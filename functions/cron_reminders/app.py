"""Scheduled job: the 24-hour reminders and daily agendas (every morning) and the 1-hour
reminders (every 15 minutes). The schedule's Input names the job: {"job": "reminders_24h"}
or {"job": "reminders_1h"}."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.domain.reminders import parse_job
from agenda.observability import logger
from agenda.service.links import GuestLinks
from agenda.service.reminders import ReminderDependencies, run_reminders
from agenda.settings import DatabaseSettings, GuestLinkSettings, QueueSettings, ReminderSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = ReminderSettings.from_env()
dependencies = ReminderDependencies(
    db=Database(DatabaseSettings.from_env(), application_name="cron_reminders"),
    publisher=SqsPublisher(QueueSettings.from_env()),
    links=GuestLinks(GuestLinkSettings.from_env()),
)


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = parse_job(event)
    run = run_reminders(job, dependencies, now=datetime.now(UTC), page_size=settings.page_size)
    return run.as_dict()
