"""The signed-in professional's availability and scheduling settings: read, replaced as a
whole (weekly hours, date overrides, blocked dates, buffers, step, notice, horizon, zone), and
previewed unsaved as the free times the booking page would offer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import availability
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("availability").availability()

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/availability")
def get_availability() -> Response:
    body = availability.get_availability(dependencies, user_id=subject(app))
    return json_response(200, body, {"Cache-Control": "no-store"})


@app.put("/api/availability")
def replace_availability() -> Response:
    user_id = subject(app)
    result = availability.replace_availability(dependencies, body_of(app), user_id=user_id)
    return json_response(200, result, {"Cache-Control": "no-store"})


@app.post("/api/availability/preview")
def preview_availability() -> Response:
    user_id = subject(app)
    body = availability.preview_availability(
        dependencies, body_of(app), app.current_event.query_string_parameters, user_id=user_id
    )
    return json_response(200, body, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
