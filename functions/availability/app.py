"""The signed-in professional's weekly availability: read, and replaced as a whole."""

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


@app.get("/api/availability")
def get_availability() -> Response:
    return not_implemented("Reading availability")


@app.put("/api/availability")
def replace_availability() -> Response:
    return not_implemented("Changing availability")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
