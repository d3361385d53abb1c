"""The signed-in professional's appointments: listed, and changed through the state machine."""

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


@app.get("/api/appointments")
def list_appointments() -> Response:
    return not_implemented("Listing appointments")


@app.patch("/api/appointments/<appointment_id>")
def update_appointment(appointment_id: str) -> Response:
    del appointment_id
    return not_implemented("Changing an appointment")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
