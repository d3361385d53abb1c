"""The signed-in user's in-app notifications (JWT): list, mark one, mark all as read."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.adapters.inbox import Inbox
from agenda.adapters.postgres import Database
from agenda.http import install_error_handlers, json_response, read_json_object, subject
from agenda.observability import logger
from agenda.service import inbox as service
from agenda.settings import DatabaseSettings

inbox = Inbox(Database(DatabaseSettings.from_env(), application_name="inbox"))

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/notifications")
def list_notifications() -> Response:
    params = app.current_event.query_string_parameters or {}
    return json_response(200, service.list_notifications(inbox, subject(app), params))


@app.patch("/api/notifications/<notification_id>")
def mark_notification(notification_id: str) -> Response:
    event = app.current_event
    body = read_json_object(event.body, base64_encoded=bool(event.is_base64_encoded))
    return json_response(200, service.mark(inbox, subject(app), notification_id, body))


@app.post("/api/notifications/read-all")
def mark_all_read() -> Response:
    return json_response(200, service.mark_all(inbox, subject(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
