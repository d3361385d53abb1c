"""The professional's clients (docs/client-relationship.md, "Clients"): the list with search,
a client with their history, a client added by hand, and their details changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import clients
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("clients").clients()
# Every answer holds the clients' contact details and history.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/clients")
def list_clients() -> Response:
    body = clients.list_clients(
        dependencies, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, body, PRIVATE)


@app.post("/api/clients")
def add_client() -> Response:
    body = clients.add_client(dependencies, body_of(app), user_id=subject(app))
    return json_response(201, body, PRIVATE)


@app.get("/api/clients/<client_id>")
def get_client(client_id: str) -> Response:
    body = clients.get_client(
        dependencies, client_id, app.current_event.query_string_parameters, user_id=subject(app)
    )
    return json_response(200, body, PRIVATE)


@app.patch("/api/clients/<client_id>")
def change_client(client_id: str) -> Response:
    body = clients.change_client(dependencies, client_id, body_of(app), user_id=subject(app))
    return json_response(200, body, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = app.resolve(event, context)
    # Refusals too: a 404 or a 409 naming a client id is no more for a cache than a 200.
    answer.setdefault("headers", {}).update(PRIVATE)
    return answer
