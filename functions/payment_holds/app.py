"""Scheduled every five minutes: releases bookings whose payment did not come in time, so their
slots free up even when Stripe's expiry event never arrives (agenda.service.payments)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.observability import logger
from agenda.service.payments import sweep_expired_holds
from agenda.wiring import Wiring, utc_now

# Releasing a hold calls no API and tells nobody: the database is all this job needs.
uow = Wiring("payment_holds").uow_without_queue


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"released": sweep_expired_holds(uow, now=utc_now())}
