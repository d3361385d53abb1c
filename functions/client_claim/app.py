"""Claiming client rows for the signed-in user (docs/client-profile.md): by the registration
invite of a confirmation message, or, for another professional's row offered to the account, by
a code sent to that row's phone or email (POST /api/client-profile/claim/codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import client_claims
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("client_claim").client_claims()
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/client-profile/claim")
def claim() -> Response:
    claimed = client_claims.claim(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, claimed, PRIVATE)


@app.post("/api/client-profile/claim/codes")
def send_code() -> Response:
    sent = client_claims.request_code(dependencies, body_of(app), user_id=subject(app))
    return json_response(202, sent, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
