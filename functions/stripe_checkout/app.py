"""Stripe Checkout and billing portal sessions for the signed-in professional's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import billing
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("stripe_checkout").billing()
# Session URLs are single-use credentials for the professional's billing.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/stripe/checkout")
def create_checkout_session() -> Response:
    answer = billing.start_checkout(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@app.post("/api/stripe/portal")
def create_portal_session() -> Response:
    return json_response(200, billing.open_portal(dependencies, user_id=subject(app)), PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
