"""POST /api/stripe/webhook: Stripe's events, signature-verified and applied once each
(agenda.service.stripe_events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import install_error_handlers, json_response, read_body
from agenda.observability import logger
from agenda.service import stripe_events
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Stripe's event payloads stay well under this; anything bigger is not from Stripe.
MAX_EVENT_BYTES = 256 * 1024

dependencies = Wiring("stripe_webhook").webhook()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/stripe/webhook")
def receive_stripe_event() -> Response:
    event = app.current_event
    # The exact bytes Stripe signed: API Gateway passes a body it does not take for text
    # base64-encoded, and JSON is never re-serialised before the check.
    body = read_body(
        event.body, base64_encoded=bool(event.is_base64_encoded), max_bytes=MAX_EVENT_BYTES
    )
    signature = event.headers.get("stripe-signature")
    return json_response(200, stripe_events.receive(dependencies, body, signature))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
