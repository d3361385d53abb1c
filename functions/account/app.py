"""The signed-in professional's own account: sign up (POST), read with plan and usage (GET),
change every business setting (PATCH), and whether a slug is free (GET /api/account/slug)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import accounts
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("account").accounts()
# The account holds the professional's contact and payment details.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.post("/api/account")
def create_account() -> Response:
    account = accounts.create_account(dependencies, body_of(app), user_id=subject(app))
    return json_response(201, account, PRIVATE)


@app.get("/api/account")
def get_account() -> Response:
    return json_response(200, accounts.get_account(dependencies, user_id=subject(app)), PRIVATE)


@app.patch("/api/account")
def update_account() -> Response:
    account = accounts.update_account(dependencies, body_of(app), user_id=subject(app))
    return json_response(200, account, PRIVATE)


@app.get("/api/account/slug")
def check_slug() -> Response:
    query = app.current_event.query_string_parameters
    answer = accounts.check_slug(dependencies, query, user_id=subject(app))
    return json_response(200, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
