"""The signed-in user's appointments: the professional's dashboard, and changes through the
state machine by the professional or the appointment's registered client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import appointments
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("appointments").appointments()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/appointments")
def list_appointments() -> Response:
    body = appointments.list_appointments(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, body, {"Cache-Control": "no-store"})


@app.patch("/api/appointments/<appointment_id>")
def update_appointment(appointment_id: str) -> Response:
    result = appointments.change_as_user(
        dependencies, appointment_id, body_of(app), user_id=subject(app)
    )
    return json_response(200, result, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
