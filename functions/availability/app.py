"""The signed-in professional's availability and scheduling settings: read, and replaced as a
whole (weekly hours, date overrides, blocked dates, buffers, step, notice, horizon, zone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.adapters.availability import AvailabilityRepository
from agenda.adapters.postgres import Database
from agenda.http import install_error_handlers, json_response, read_json_object, subject
from agenda.observability import logger
from agenda.service import availability
from agenda.settings import DatabaseSettings

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = availability.AvailabilityDependencies(
    repo=AvailabilityRepository(
        Database(DatabaseSettings.from_env(), application_name="availability")
    ),
    clock=lambda: datetime.now(UTC),
)

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/availability")
def get_availability() -> Response:
    body = availability.get_availability(dependencies, user_id=subject(app))
    return json_response(200, body, {"Cache-Control": "no-store"})


@app.put("/api/availability")
def replace_availability() -> Response:
    event = app.current_event
    user_id = subject(app)
    body = read_json_object(event.body, base64_encoded=bool(event.is_base64_encoded))
    result = availability.replace_availability(dependencies, body, user_id=user_id)
    return json_response(200, result, {"Cache-Control": "no-store"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
