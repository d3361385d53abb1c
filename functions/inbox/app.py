"""The signed-in user's in-app notifications (JWT): list, mark one, mark all as read."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import inbox
from agenda.wiring import Wiring

uow = Wiring("inbox").uow_without_queue

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/notifications")
def list_notifications() -> Response:
    params = app.current_event.query_string_parameters or {}
    return json_response(200, inbox.list_notifications(uow, subject(app), params))


@app.patch("/api/notifications/<notification_id>")
def mark_notification(notification_id: str) -> Response:
    return json_response(200, inbox.mark(uow, subject(app), notification_id, body_of(app)))


@app.post("/api/notifications/read-all")
def mark_all_read() -> Response:
    return json_response(200, inbox.mark_all(uow, subject(app)))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
