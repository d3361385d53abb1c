"""Scheduled every minute: the second phase of a registered client's deletion, once nothing
owed about them is still on its way (agenda.service.client_privacy.purge_deleted_clients)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.client_privacy import purge_deleted_clients
from agenda.wiring import Wiring

dependencies = Wiring("client_purge").client_purge()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return purge_deleted_clients(dependencies)
