"""Guest self-service through the signed link sent to a client without an account: view the
appointment, download it as a calendar file, cancel or reschedule it. Public routes: the token
is the credential, checked before anything else."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from agenda.http import body_of, install_error_handlers, json_response
from agenda.observability import logger
from agenda.service import guest
from agenda.wiring import Wiring

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

dependencies = Wiring("guest").appointments()
# The link's token is a credential: answers that carry what it unlocks are never cached.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

app = APIGatewayHttpResolver()
install_error_handlers(app)


def _token() -> str | None:
    return (app.current_event.query_string_parameters or {}).get("token")


@app.get("/api/guest/appointments/<appointment_id>")
def view_appointment(appointment_id: str) -> Response:
    return json_response(200, guest.view(dependencies, appointment_id, _token()), PRIVATE)


@app.get("/api/guest/appointments/<appointment_id>/calendar.ics")
def download_calendar(appointment_id: str) -> Response:
    name, content = guest.calendar(dependencies, appointment_id, _token())
    return Response(
        status_code=200,
        content_type="text/calendar; charset=utf-8",
        body=content,
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@app.post("/api/guest/appointments/<appointment_id>/cancel")
def cancel_appointment(appointment_id: str) -> Response:
    return json_response(200, guest.cancel(dependencies, appointment_id, body_of(app)), PRIVATE)


@app.post("/api/guest/appointments/<appointment_id>/reschedule")
def reschedule_appointment(appointment_id: str) -> Response:
    answer = guest.reschedule(dependencies, appointment_id, body_of(app))
    return json_response(200, answer, PRIVATE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
