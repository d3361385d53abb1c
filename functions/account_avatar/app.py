"""The signed-in professional's photo: a presigned POST to upload it straight to the media
bucket, and the confirmation that checks the stored file and publishes it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import avatars
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("account_avatar").avatars()
# A presigned POST is a credential for one upload.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/account/avatar")
def start_upload() -> Response:
    answer = avatars.start_upload(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@app.post("/api/account/avatar/confirm")
def confirm_upload() -> Response:
    answer = avatars.confirm_upload(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
