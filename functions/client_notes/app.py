"""The signed-in professional's private notes about a client: list (newest first), write
(201), edit, delete (204). Owner routes only; a note is never logged: the event is never
logged or printed (log_event and the resolver's debug dump are off whatever the environment
says), and an unexpected error is logged by its type alone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.domain.client_notes import NOTE_BODY_BYTES
from agenda.http import install_error_handlers, json_response, read_json_object, subject
from agenda.observability import logger
from agenda.service import client_notes
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("client_notes").client_notes()

app = APIGatewayHttpResolver(debug=False)
install_error_handlers(app, quiet=True)


def _body() -> dict[str, Any]:
    event = app.current_event
    return read_json_object(
        event.body, base64_encoded=bool(event.is_base64_encoded), max_bytes=NOTE_BODY_BYTES
    )


@app.get("/api/clients/<client_id>/notes")
def list_notes(client_id: str) -> Response:
    params = app.current_event.query_string_parameters
    page = client_notes.list_notes(dependencies, client_id, params, user_id=subject(app))
    return json_response(200, page)


@app.post("/api/clients/<client_id>/notes")
def add_note(client_id: str) -> Response:
    note = client_notes.add_note(dependencies, client_id, _body(), user_id=subject(app))
    return json_response(201, note)


@app.patch("/api/clients/<client_id>/notes/<note_id>")
def change_note(client_id: str, note_id: str) -> Response:
    note = client_notes.change_note(dependencies, client_id, note_id, _body(), user_id=subject(app))
    return json_response(200, note)


@app.delete("/api/clients/<client_id>/notes/<note_id>")
def delete_note(client_id: str, note_id: str) -> Response:
    client_notes.delete_note(dependencies, client_id, note_id, user_id=subject(app))
    return Response(status_code=204)


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, log_event=False
)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    # Every answer, a refusal included: each one is about a client's private record.
    answer.setdefault("headers", {})["Cache-Control"] = "no-store"
    return answer
