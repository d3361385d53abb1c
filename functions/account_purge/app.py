"""Scheduled every minute: the second phase of a professional's deletion, once the messages
its first phase queued are out (agenda.service.privacy.purge_deleted)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.privacy import purge_deleted
from agenda.wiring import Wiring

dependencies = Wiring("account_purge").purge()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return purge_deleted(dependencies)
