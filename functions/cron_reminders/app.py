"""Scheduled job: queues the 24-hour and 1-hour reminders of upcoming appointments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agenda.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = str(event.get("job", "reminders_24h"))
    logger.warning("scheduled job is not built yet", extra={"job": job})
    return {"job": job, "status": "not_implemented", "queued": 0}
