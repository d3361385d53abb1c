"""The signed-in client's follows: PUT follows a professional by slug (201 when new, 200 when
already followed), DELETE stops following (204, also when not following)."""

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

dependencies = Wiring("client_follows").client_follows()
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.put("/api/client-profile/follows/<slug>")
def follow(slug: str) -> Response:
    status, body = client_profile.follow(dependencies, slug, user_id=subject(app))
    return json_response(status, body, PRIVATE)


@app.delete("/api/client-profile/follows/<slug>")
def unfollow(slug: str) -> Response:
    client_profile.unfollow(dependencies, slug, user_id=subject(app))
    return Response(status_code=204, headers=PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
