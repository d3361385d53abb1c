"""Stripe Checkout and billing portal sessions for the signed-in professional's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import install_error_handlers, not_implemented
from agenda.observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/stripe/checkout")
def create_checkout_session() -> Response:
    return not_implemented("Stripe Checkout")


@app.post("/api/stripe/portal")
def create_portal_session() -> Response:
    return not_implemented("The billing portal")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
