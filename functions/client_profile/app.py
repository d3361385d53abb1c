"""The signed-in client's profile (GET /api/client-profile): their contact, their appointments
across professionals with what they may still do to each, their follows, and the rows of
other professionals offered for claiming."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import client_profile
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("client_profile").client_profile()
# The profile holds the client's contact details and appointments.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/client-profile")
def get_profile() -> Response:
    profile = client_profile.get_profile(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, profile, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
