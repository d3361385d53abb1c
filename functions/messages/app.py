"""Messages between a professional and one client (docs/client-relationship.md): the thread
and a new message, signed in (GET/POST /api/messages) or through the client's guest link
(GET/POST /api/guest/appointments/{id}/messages, the token checked before anything else)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import threads
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("messages").messages()
# A thread is personal data, and a guest link's token is a credential: no answer of these
# routes, a refusal included, is cached or passes the address on as a referrer.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/messages")
def read_thread() -> Response:
    thread = threads.read_thread(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, thread)


@app.post("/api/messages")
def send_message() -> Response:
    message = threads.send(dependencies, body_of(app), user_id=subject(app))
    return json_response(201, message)


@app.get("/api/guest/appointments/<appointment_id>/messages")
def read_guest_thread(appointment_id: str) -> Response:
    thread = threads.read_guest_thread(
        dependencies, appointment_id, app.current_event.query_string_parameters
    )
    return json_response(200, thread)


@app.post("/api/guest/appointments/<appointment_id>/messages")
def send_guest_message(appointment_id: str) -> Response:
    message = threads.send_as_guest(dependencies, appointment_id, body_of(app))
    return json_response(201, message)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    answer.setdefault("headers", {}).update(PRIVATE)
    return answer
