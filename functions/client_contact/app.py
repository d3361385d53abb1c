"""The registered client's own details (docs/client-profile.md): PATCH /api/client-profile
changes the name and language at once and sends a code to a new phone or email, which
POST /api/client-profile/contact/confirm applies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import client_contact
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("client_contact").client_contact()
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.patch("/api/client-profile")
def update_contact() -> Response:
    status, answer = client_contact.update_contact(dependencies, body_of(app), user_id=subject(app))
    return json_response(status, answer, PRIVATE)


@app.post("/api/client-profile/contact/confirm")
def confirm_contact() -> Response:
    answer = client_contact.confirm_contact(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
