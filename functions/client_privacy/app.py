"""The signed-in client's privacy rights (LGPD): the export of everything held about them, and
the deletion of their account (its first phase; the client_purge job runs the second)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response, subject
from agenda.observability import logger
from agenda.service import client_privacy
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("client_privacy").client_privacy()
# The export is a person's whole record: no cache may keep it.
PRIVATE = {"Cache-Control": "no-store"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


@app.get("/api/client-profile/export")
def export_client_profile() -> Response:
    document = client_privacy.export_client_profile(dependencies, user_id=subject(app))
    headers = {**PRIVATE, "Content-Disposition": 'attachment; filename="client-export.json"'}
    return json_response(200, document, headers)


@app.delete("/api/client-profile")
def delete_client_profile() -> Response:
    answer = client_privacy.delete_client_profile(dependencies, body_of(app), user_id=subject(app))
    return json_response(202, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
