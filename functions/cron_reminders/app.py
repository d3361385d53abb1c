"""Scheduled job: the 24-hour reminders and daily agendas (every morning) and the 1-hour
reminders (every 15 minutes). The schedule's Input names the job: {"job": "reminders_24h"}
or {"job": "reminders_1h"}. A run that finds another run of its job still going returns
{"lease": "held", ...} having done nothing (docs/jobs.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agenda.domain.reminders import parse_job
from agenda.observability import logger
from agenda.service.reminders import run_reminders
from agenda.settings import ReminderSettings
from agenda.wiring import Wiring, utc_now

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

settings = ReminderSettings.from_env()
dependencies = Wiring("cron_reminders").reminders()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The request id names the run's lease: Lambda's retry of this invocation carries the same
    # one and takes the lease back rather than waiting for it to run out.
    run = run_reminders(
        parse_job(event),
        dependencies,
        now=utc_now(),
        page_size=settings.page_size,
        holder=context.aws_request_id,
    )
    return run.as_dict()
