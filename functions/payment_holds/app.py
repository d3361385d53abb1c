"""Scheduled every five minutes: releases bookings whose payment did not come in time, so their
slots free up even when Stripe's expiry event never arrives (agenda.service.payments)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.adapters.billing import BillingRepository
from agenda.adapters.postgres import Database
from agenda.observability import logger
from agenda.service.payments import sweep_expired_holds
from agenda.settings import DatabaseSettings

billing = BillingRepository(Database(DatabaseSettings.from_env(), application_name="payment_holds"))


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return {"released": sweep_expired_holds(billing, now=datetime.now(UTC))}
