"""Stripe Checkout and billing portal sessions for the signed-in professional's plan."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.adapters.billing import BillingRepository
from agenda.adapters.postgres import Database
from agenda.adapters.queue import SqsPublisher
from agenda.adapters.ratelimit import UpstashRateLimiter
from agenda.adapters.stripe_api import StripeApi
from agenda.domain.plans import RATE_LIMITS
from agenda.http import install_error_handlers, json_response, read_json_object, subject
from agenda.observability import logger
from agenda.service import billing
from agenda.settings import DatabaseSettings, QueueSettings, RateLimitSettings, StripeSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

stripe_settings = StripeSettings.from_env()
dependencies = billing.BillingDependencies(
    billing=BillingRepository(
        Database(DatabaseSettings.from_env(), application_name="stripe_checkout")
    ),
    stripe=StripeApi(stripe_settings),
    limiter=UpstashRateLimiter(
        RateLimitSettings.from_env(), RATE_LIMITS["checkout"], name="checkout"
    ),
    publisher=SqsPublisher(QueueSettings.from_env()),
    clock=lambda: datetime.now(UTC),
    app_base_url=stripe_settings.app_base_url,
)
# Session URLs are single-use credentials for the professional's billing.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/stripe/checkout")
def create_checkout_session() -> Response:
    event = app.current_event
    body = read_json_object(event.body, base64_encoded=bool(event.is_base64_encoded))
    return json_response(
        200, billing.start_checkout(dependencies, body, user_id=subject(app)), PRIVATE
    )


@app.post("/api/stripe/portal")
def create_portal_session() -> Response:
    return json_response(200, billing.open_portal(dependencies, user_id=subject(app)), PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
