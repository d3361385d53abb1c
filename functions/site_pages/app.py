"""Scheduled every minute: the professionals' public pages that are waiting to be written
(agenda.service.site_publisher). A request that changes a profile publishes its own pages
right after its commit; this sweep writes whatever that left, and the pages changed by other
writers (a review, the seed, an operator's SQL)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.site_publisher import publish_pending
from agenda.wiring import Wiring

dependencies = Wiring("site_pages").site_publisher


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    return publish_pending(dependencies).as_dict()
